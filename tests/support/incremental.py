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


def jobs_shape(pipeline) -> list:
    """Every job of a built pipeline, field by field (gitlab/model.py), its values node by node as
    yaml_shape shows them; every node must be on a source of this pipeline's files."""
    import dataclasses

    from authlint.yaml.model import YMap, YNode, YScalar, YSeq

    sources = {id(yf.source) for yf in pipeline.files.values()}

    def shape(x, seen: dict[int, int]):
        if isinstance(x, YNode):
            assert id(x.source) in sources, x
            if id(x) in seen:
                return ("again", seen[id(x)])
            seen[id(x)] = len(seen)
            where = (x.source.path, x.start, x.end, x.tag)
            if isinstance(x, YScalar):
                return ("scalar", *where, x.value, x.style)
            if isinstance(x, YSeq):
                return ("seq", *where, x.flow, [shape(i, seen) for i in x.items])
            assert isinstance(x, YMap)
            return ("map", *where, x.flow, list(x.order), [shape(m, seen) for m in x.merges],
                    [(shape(k, seen), shape(v, seen)) for k, v in x.entries])
        if dataclasses.is_dataclass(x):
            return (type(x).__name__, [(f.name, shape(getattr(x, f.name), seen)) for f in dataclasses.fields(x)])
        if isinstance(x, dict):
            return [(k, shape(v, seen)) for k, v in x.items()]
        if isinstance(x, (list, tuple)):
            return [shape(v, seen) for v in x]
        assert x is None or isinstance(x, (str, int, bool)), type(x)
        return x

    return [shape(job, {}) for job in pipeline.jobs.values()] + [shape(pipeline.variables, {}), shape(pipeline.default, {})]
