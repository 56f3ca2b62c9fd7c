"""
## What it does
Finds jobs that run the upstream Kaniko image, `gcr.io/kaniko-project/executor`
(any tag or digest).  Off by default; enable it with `--extend-select AL503`.

Severity: **info**: the build still works today; the finding is advice to move
off an archived project that gets no more security fixes.

## Why is this bad?
`GoogleContainerTools/kaniko` was archived on 3 June 2025 ("no longer developed
or maintained"): security fixes in its base, its vendored docker/cli and
go-containerregistry, and registry-auth fixes will not come.  GitLab removed
its Kaniko page and recommends BuildKit (rootless) as the direct replacement.

## Example
```yaml
build:
  image:
    name: gcr.io/kaniko-project/executor:v1.23.2-debug
    entrypoint: [""]
```

## Use instead
The maintained fork, a drop-in replacement with the same flags and paths:
```yaml
build:
  image:
    name: ghcr.io/osscontainertools/kaniko:v1.26.5-debug
    entrypoint: [""]
```
or BuildKit rootless (`moby/buildkit:rootless` with `buildctl-daemonless.sh`).

## Fix safety
There is no automatic fix: a new builder must be chosen and tested.
"""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Severity
from ..jobfacts import KANIKO_UPSTREAM, job_image
from ..units import JobUnit
from .base import Example, Hit, Rule

RULE = Rule(
    code="AL503",
    name="kaniko-unmaintained",
    severity=Severity.INFO,
    summary="upstream Kaniko (gcr.io/kaniko-project/executor) is archived",
    default_enabled=False,
)


def check_job(unit: JobUnit, options) -> Iterator[Hit]:
    image = unit.job.image
    if image is None or image.name is None or not (unit.job.script or unit.job.before_script):
        return  # trigger jobs run no image
    name = job_image(unit)
    if name is None or not KANIKO_UPSTREAM.match(name):
        return
    yield Hit(
        image.name.source,
        image.name.span,
        "upstream Kaniko was archived in June 2025 and gets no fixes; "
        "switch to the maintained fork ghcr.io/osscontainertools/kaniko or to BuildKit",
        job=unit.name,
    )


_JOB = "  script:\n    - /kaniko/executor --context . --destination \"$CI_REGISTRY_IMAGE\"\n"

VALID = [
    Example("build:\n  image:\n    name: ghcr.io/osscontainertools/kaniko:v1.26.5-debug\n    entrypoint: [\"\"]\n" + _JOB, kind="yaml"),
    Example("build:\n  image: moby/buildkit:rootless\n  script:\n    - buildctl-daemonless.sh build --frontend dockerfile.v0 --local context=. --local dockerfile=.\n", kind="yaml"),
    # hidden templates are not run
    Example(".kaniko:\n  image: gcr.io/kaniko-project/executor:debug\n", kind="yaml"),
]

INVALID = [
    Example("build:\n  image:\n    name: ⟦gcr.io/kaniko-project/executor:v1.23.2-debug⟧\n    entrypoint: [\"\"]\n" + _JOB, kind="yaml"),
    Example(
        "variables:\n  KANIKO_IMAGE: gcr.io/kaniko-project/executor:debug\nbuild:\n  image:\n    name: ⟦$KANIKO_IMAGE⟧\n    entrypoint: [\"\"]\n" + _JOB,
        kind="yaml",
    ),
]
