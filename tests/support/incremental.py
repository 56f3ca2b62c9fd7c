"""A pipeline whose jobs' findings depend on every kind of input per-job reuse keys on
(authlint/incremental.py): templates, anchors, `!reference`, `extends`, global variables,
`default:`, a shared DOCKER_AUTH_CONFIG value, a called script and line numbers in messages."""

from __future__ import annotations

PIPELINE = """\
# A pipeline with shared templates: every kind of input a job's findings depend on.
variables:
  REGISTRY: registry.example.com
  DEPLOY_USER: deployer

default:
  before_script:
    - echo "start"

.login: &login
  - docker login -u "$CI_REGISTRY_USER" -p "$REGISTRY_PASSWORD" $CI_REGISTRY

.base:
  image: docker:27
  services: [docker:27-dind]
  script:
    - set -x
    - *login
    - docker build -t "$CI_REGISTRY_IMAGE" .

.kaniko:
  image:
    name: gcr.io/kaniko-project/executor:debug
  variables:
    DOCKER_AUTH_CONFIG: '{"auths": {"registry.example.com": {"auth": "$AUTH"}}}'

build:
  extends: .base
  script:
    - !reference [.base, script]
    - docker push "$CI_REGISTRY_IMAGE"

test:
  extends: .base

kaniko-a:
  extends: .kaniko
  image:
    name: gcr.io/kaniko-project/executor:debug
    entrypoint: [""]
  script:
    - echo $DOCKER_AUTH_CONFIG > /kaniko/.docker/config.json
    - /kaniko/executor --destination registry.example.com/a

kaniko-b:
  extends: .kaniko
  image: gcr.io/kaniko-project/executor:debug
  script:
    - /kaniko/executor --destination other.example.com/b

deploy:
  variables:
    PASSWORD: hunter2-S3cretValue
  script:
    - docker login -u me -p hunter2-S3cretValue registry.example.com
    - ./ci/deploy.sh
  artifacts:
    paths: [.docker/]

pull-private:
  extends: .kaniko
  image: registry.example.com:5000/tools/builder:1.4
  script: [make]
"""

SCRIPT = """\
#!/bin/sh
set -x
echo "$CI_REGISTRY_PASSWORD" | docker login -u me --password-stdin registry.example.com
cat ~/.docker/config.json
"""


def yaml_shape(yf) -> tuple:
    """Everything a YAML model says, node by node in document order: kind, position, tag,
    value, style, flow, merges and entry order; a node met again as ("alias", its first index);
    the aliases list as a multiset of (site, target index).  Every node must be on yf.source."""
    from authlint.yaml.model import YMap, YScalar, YSeq

    out: list[tuple] = []
    seen: dict[int, int] = {}
    stack = list(reversed(yf.documents))
    while stack:
        v = stack.pop()
        if id(v) in seen:
            out.append(("alias", seen[id(v)]))
            continue
        seen[id(v)] = len(out)
        assert v.source is yf.source, v
        if isinstance(v, YScalar):
            t = v.text
            out.append(("scalar", v.start, v.end, v.tag, v.value, v.style, t.start, t.end, t.exact,
                        [(s.vstart, s.vend, s.fstart, s.fend, s.verbatim) for s in t.segments]))
        elif isinstance(v, YSeq):
            out.append(("seq", v.start, v.end, v.tag, v.flow, len(v.items)))
            stack.extend(reversed(v.items))
        else:
            assert isinstance(v, YMap)
            out.append(("map", v.start, v.end, v.tag, v.flow, len(v.entries), len(v.merges), list(v.order),
                        [len(g) for g in v._merge_groups()]))
            stack.extend(reversed([*v.merges, *(x for kv in v.entries for x in kv)]))
    aliases = sorted((site, seen.get(id(t), -1)) for site, t in yf.aliases)
    return out, aliases, yf.parser
