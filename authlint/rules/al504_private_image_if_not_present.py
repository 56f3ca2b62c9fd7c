"""
## What it does
Finds `pull_policy: if-not-present` (alone or in a list) on a job image or
service that comes from a registry that needs credentials: the project
registry (`$CI_REGISTRY...`), the dependency proxy, `registry.gitlab.com`,
cloud registries (ECR, Artifact Registry, ACR) and any other host that is not
a well-known public registry (Docker Hub, `quay.io`, `ghcr.io`, `gcr.io`,
`mcr.microsoft.com`, `public.ecr.aws`, `registry.k8s.io`, `cgr.dev`).  Off by
default; enable it with `--extend-select AL504`.

Severity: **info** (off by default): the job itself works; the risk is to the
image's confidentiality on shared runners, which depends on how the runners
are shared.

## Why is this bad?
With `if-not-present` the runner uses an image that is already on the host
without asking the registry, so credentials are never checked: on a shared
runner, any other project's job can run your private image once it has been
pulled (GitLab Runner security docs, "Usage of private Docker images with
if-not-present pull policy").

## Example
```yaml
test:
  image:
    name: $CI_REGISTRY_IMAGE/ci:latest
    pull_policy: if-not-present
```

## Use instead
```yaml
test:
  image:
    name: $CI_REGISTRY_IMAGE/ci:latest
    pull_policy: always
```
or keep `if-not-present` only on runners dedicated to the project.

## Fix safety
There is no automatic fix: `always` makes every job pull, which may be slower
or hit rate limits; whether the runner is shared is not visible in the file.
"""

from __future__ import annotations

import re
from typing import Iterator

from ..diagnostics import Severity
from ..jobfacts import facts, parse_image
from ..lazy import lazy_compile
from ..units import JobUnit
from ..writes import expand
from ..yaml.model import YScalar, YSeq
from .base import Example, Hit, Rule

RULE = Rule(
    code="AL504",
    name="private-image-if-not-present",
    severity=Severity.INFO,
    summary="pull_policy: if-not-present on an image that needs registry credentials",
    default_enabled=False,
)

PUBLIC = lazy_compile(
    r"^(docker\.io|index\.docker\.io|registry-1\.docker\.io|quay\.io|ghcr\.io|gcr\.io|mcr\.microsoft\.com|public\.ecr\.aws"
    r"|registry\.k8s\.io|k8s\.gcr\.io|cgr\.dev|docker\.elastic\.co|registry\.access\.redhat\.com|registry\.fedoraproject\.org|lscr\.io)$",
    re.I,
)
_PRIVATE_VARS = lazy_compile(r"^\$\{?(CI_REGISTRY|CI_REGISTRY_IMAGE|CI_DEPENDENCY_PROXY_\w+|CI_SERVER_HOST|CI_SERVER_FQDN)\}?", re.I)


def check_job(unit: JobUnit, options) -> Iterator[Hit]:
    job = unit.job
    for what, img in [("image", job.image), *[("service", s) for s in job.services]]:
        if img is None or img.name is None or img.pull_policy is None:
            continue
        policy = _if_not_present(img.pull_policy)
        if policy is None:
            continue
        host = _private_host(img.name.value, facts(unit).env)
        if host is None:
            continue
        yield Hit(
            policy.source,
            policy.span,
            f"pull_policy if-not-present on the private {what} {img.name.value} ({host}): on a shared runner "
            "other projects can run it without credentials once it is cached; use `always`",
            job=unit.name,
            key=img.name.value,
        )


def _if_not_present(value) -> YScalar | None:
    items = value.items if isinstance(value, YSeq) else [value]
    for item in items:
        if isinstance(item, YScalar) and item.value.strip().lower() == "if-not-present":
            return item
    return None


def _private_host(name: str, env: dict[str, str]) -> str | None:
    m = _PRIVATE_VARS.match(name)
    if m:
        return m.group(0)
    expanded = expand(name, env)
    if expanded is None:
        return None  # a variable authlint cannot read
    host = parse_image(expanded).host
    if host is None or PUBLIC.match(host):
        return None
    return host


VALID = [
    Example("test:\n  image:\n    name: python:3.12\n    pull_policy: if-not-present\n  script: [pytest]\n", kind="yaml"),
    Example("test:\n  image:\n    name: $CI_REGISTRY_IMAGE/ci:latest\n    pull_policy: always\n  script: [pytest]\n", kind="yaml"),
    Example("test:\n  image:\n    name: ghcr.io/astral-sh/uv:latest\n    pull_policy: [if-not-present]\n  script: [uv sync]\n", kind="yaml"),
    Example("test:\n  image:\n    name: $BUILD_IMAGE\n    pull_policy: if-not-present\n  script: [make]\n", kind="yaml"),
]

INVALID = [
    Example("test:\n  image:\n    name: $CI_REGISTRY_IMAGE/ci:latest\n    pull_policy: ⟦if-not-present⟧\n  script: [pytest]\n", kind="yaml"),
    Example(
        "test:\n  services:\n    - name: registry.example.com:5000/team/db:16\n      pull_policy: [always, ⟦if-not-present⟧]\n  script: [pytest]\n",
        kind="yaml",
    ),
    Example(
        "default:\n  image:\n    name: registry.gitlab.com/group/ci-images/node:20\n    pull_policy: ⟦if-not-present⟧\ntest:\n  script: [npm test]\n",
        kind="yaml",
    ),
]
