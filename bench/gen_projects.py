#!/usr/bin/env python3
"""Generate N standalone GitLab projects for the benchmark (deterministic: same N and seed, same bytes).

Each project is a directory `pNNNNN/` with its own `.gitlab-ci.yml` (3-8 jobs drawn from
realistic templates: docker-in-docker builds with a registry login, kaniko with a
config.json, tests, deploys with a token header, anchors and `extends`), and for some a
local include (`ci/build.yml`) or a shell script called from a job (`scripts/deploy.sh`).
About 1 project in 20 commits a literal password, so detect-secrets has something to find.

    python bench/gen_projects.py DIR [--count 1000] [--seed 0]

bench/run.py imports `generate` for its 1,000- and 10,000-project workloads.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

WORDS = ("api", "auth", "billing", "catalog", "checkout", "gateway", "inventory", "ledger", "mailer",
         "notify", "orders", "payments", "search", "shipping", "users", "web", "worker", "admin")
REGISTRIES = ("$CI_REGISTRY", "registry.example.com", "ghcr.io", "docker.io", "quay.io")

HEAD = """\
stages: [build, test, deploy]

variables:
  IMAGE: $CI_REGISTRY_IMAGE/{name}:$CI_COMMIT_SHORT_SHA
  DOCKER_TLS_CERTDIR: "/certs"
{extra_vars}
.defaults: &defaults
  tags: [docker]
  retry: 1
"""

JOBS = (
    """
build-{name}:
  <<: *defaults
  stage: build
  image: docker:27
  services: [docker:27-dind]
  before_script:
    - echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin {registry}
  script:
    - docker build -t "$IMAGE" .
    - docker push "$IMAGE"
""",
    """
login-{name}:
  stage: build
  image: docker:27
  script:
    - docker login -u $REGISTRY_USER -p $REGISTRY_PASSWORD {registry}
    - docker pull {registry}/base/{name}:latest
""",
    """
kaniko-{name}:
  image: {{name: "gcr.io/kaniko-project/executor:debug", entrypoint: ['']}}
  stage: build
  script:
    - AUTH=$(printf '%s:%s' "$CI_REGISTRY_USER" "$CI_REGISTRY_PASSWORD" | base64 | tr -d '\\n')
    - mkdir -p /kaniko/.docker && echo "{{\\"auths\\":{{\\"$CI_REGISTRY\\":{{\\"auth\\":\\"$AUTH\\"}}}}}}" > /kaniko/.docker/config.json
    - /kaniko/executor --context "$CI_PROJECT_DIR" --destination "$IMAGE"
""",
    """
test-{name}:
  <<: *defaults
  stage: test
  image: python:3.12
  script:
    - pip install -r requirements.txt
    - |
      python -m pytest -q tests/{name} \\
        --junitxml=report.xml
  artifacts:
    reports:
      junit: report.xml
""",
    """
deploy-{name}:
  stage: deploy
  image: alpine:3.20
  script:
    - apk add --no-cache curl
    - 'curl --fail -H "PRIVATE-TOKEN: $DEPLOY_TOKEN" "https://deploy.example.com/{name}?sha=$CI_COMMIT_SHA"'
  rules:
    - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
""",
    """
lint-{name}:
  extends: .lint
  script:
    - ruff check src/{name}
""",
)
LINT_BASE = """
.lint:
  stage: test
  image: python:3.12-slim
  before_script:
    - pip install ruff
"""
SCRIPT_JOB = """
release-{name}:
  stage: deploy
  image: alpine:3.20
  script:
    - ./scripts/deploy.sh "$IMAGE"
"""
DEPLOY_SH = """\
#!/bin/sh
set -eu
echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"
docker pull "$1"
docker tag "$1" "$CI_REGISTRY_IMAGE/release:$CI_COMMIT_TAG"
docker push "$CI_REGISTRY_IMAGE/release:$CI_COMMIT_TAG"
"""
INCLUDE = """
include:
  - local: ci/build.yml
"""


def project(rnd: random.Random, index: int) -> dict[str, str]:
    """The files of one project: relative path -> text."""
    name = f"{rnd.choice(WORDS)}{index}"
    extra = f'  DB_PASSWORD: "{_password(rnd)}"\n' if rnd.random() < 0.05 else ""
    jobs = [rnd.choice(JOBS) for _ in range(rnd.randint(3, 8))]
    body = "".join(j.format(name=f"{name}-{k}", registry=rnd.choice(REGISTRIES)) for k, j in enumerate(jobs))
    if any("extends: .lint" in j for j in jobs):
        body += LINT_BASE
    files = {".gitlab-ci.yml": HEAD.format(name=name, extra_vars=extra) + body}
    if rnd.random() < 0.25:
        files[".gitlab-ci.yml"] += SCRIPT_JOB.format(name=name)
        files["scripts/deploy.sh"] = DEPLOY_SH
    if rnd.random() < 0.1:
        files[".gitlab-ci.yml"] += INCLUDE
        files["ci/build.yml"] = HEAD.split("\n.defaults")[0].format(name=name, extra_vars="") + JOBS[0].format(
            name=f"{name}-inc", registry="$CI_REGISTRY").replace("<<: *defaults\n  ", "")
    return files


def _password(rnd: random.Random) -> str:
    return "".join(rnd.choice("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(20))


def generate(root: Path, count: int, seed: int = 0) -> list[str]:
    """Write `count` projects under root; return every file written, relative to root, sorted."""
    rnd = random.Random(seed)
    written = []
    for i in range(count):
        for rel, text in project(rnd, i).items():
            path = root / f"p{i:05d}" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path.relative_to(root).as_posix())
    return sorted(written)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", type=Path)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    files = generate(args.dir, args.count, args.seed)
    print(f"{args.count} projects, {len(files)} files under {args.dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
