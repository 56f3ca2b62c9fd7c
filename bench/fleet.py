#!/usr/bin/env python3
"""A fleet of small standalone GitLab projects for the scale benchmarks.

Each project is a directory with a .gitlab-ci.yml (three to six jobs: a docker
login, a kaniko build, tests, a deploy calling ./ci/deploy.sh) and, for some,
that script and a committed .docker/config.json.  The content is deterministic
(project i always has the same text) and varies with i so that no two projects
are byte-identical, and about one in five carries a credential mistake.

Run:  python bench/fleet.py DIR COUNT
"""

from __future__ import annotations

import sys
from pathlib import Path

_HEAD = """\
stages: [build, test, deploy]

variables:
  IMAGE: $CI_REGISTRY_IMAGE/{name}:$CI_COMMIT_SHORT_SHA

build-{name}:
  stage: build
  image: docker:27
  services: ["docker:27-dind"]
  before_script:
    - {login}
  script:
    - docker build -t "$IMAGE" --build-arg VERSION={i} .
    - docker push "$IMAGE"
"""

_KANIKO = """
kaniko-{name}:
  stage: build
  image: {{name: "gcr.io/kaniko-project/executor:v1.23.2-debug", entrypoint: [""]}}
  script:
    - mkdir -p /kaniko/.docker
    - echo "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json
    - /kaniko/executor --context "$CI_PROJECT_DIR" --destination "$IMAGE"
"""

_TEST = """
test-{name}-{k}:
  stage: test
  image: python:3.12-slim
  script:
    - pip install -r requirements.txt
    - python -m pytest -q tests/{k}
    - echo "tested {name} part {k}"
"""

_DEPLOY = """
deploy-{name}:
  stage: deploy
  image: alpine:3.20
  script:
    - apk add --no-cache curl
    - ./ci/deploy.sh "$IMAGE"
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
"""

_SCRIPT = """\
#!/bin/sh
set -eu
echo "$REGISTRY_PASSWORD" | docker login -u "$REGISTRY_USER" --password-stdin {registry}
curl --fail -H "Authorization: Bearer $DEPLOY_TOKEN" -d "image=$1" https://deploy.example.com/{name}
"""

_LOGINS = (
    'echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"',
    'docker login -u "$CI_REGISTRY_USER" -p "$CI_REGISTRY_PASSWORD" "$CI_REGISTRY"',
    "docker login -u $CI_REGISTRY_USER -p $CI_REGISTRY_PASSWORD $CI_REGISTRY",
    'echo "$CI_JOB_TOKEN" | docker login -u gitlab-ci-token --password-stdin "$CI_REGISTRY"',
    'echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"',
)


def project(i: int) -> dict[str, str]:
    """The files of project i (relative path -> text)."""
    name = f"svc{i:05d}"
    ci = _HEAD.format(name=name, i=i, login=_LOGINS[i % len(_LOGINS)])
    if i % 3 == 0:
        ci += _KANIKO.format(name=name)
    for k in range(1 + i % 4):
        ci += _TEST.format(name=name, k=k)
    files = {}
    if i % 2 == 0:
        ci += _DEPLOY.format(name=name)
        files["ci/deploy.sh"] = _SCRIPT.format(name=name, registry=f"registry{i % 7}.example.com")
    if i % 10 == 5:
        files[".docker/config.json"] = '{"auths": {"registry.example.com": {"auth": "dXNlcjpwYXNzd29yZA=="}}}\n'
    files[".gitlab-ci.yml"] = ci
    return files


def generate(root: Path, count: int) -> list[Path]:
    """Write count projects under root (root/p00000, ...); return their directories."""
    dirs = []
    for i in range(count):
        d = root / f"p{i:05d}"
        for rel, text in project(i).items():
            path = d / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        dirs.append(d)
    return dirs


if __name__ == "__main__":
    generate(Path(sys.argv[1]), int(sys.argv[2]))
