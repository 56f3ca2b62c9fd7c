"""
## What it does
Finds jobs that run a `script:` in a Kaniko image that cannot run one: the
image keeps its entrypoint `/kaniko/executor` (no `entrypoint: [""]` or
shell entrypoint in the job's `image:`), or the tag is not a `debug` tag, so
the image has no shell at all.

Only the published images are checked (`gcr.io/kaniko-project/executor`,
`ghcr.io/osscontainertools/kaniko`, `martizih/kaniko`,
`cgr.dev/chainguard/kaniko`); a home-made image built `FROM` Kaniko may have
its own entrypoint and shell.  Debug tags are `debug`, `v1.23.2-debug`,
`debug-v1.3.0` (and Chainguard's `-dev`).

Severity: an **error**: the job cannot run its script at all: the executor
starts instead of the shell, or the image has no shell.

## Why is this bad?
The runner starts the job container with the image's entrypoint and hands it
the job's shell script: Kaniko's executor takes the script for its own
arguments and the job fails before any credential is written (`Error:
unknown command "sh" for "executor"`).  The non-debug images contain only
the executor, so `sh` is not found at all.

## Example
```yaml
build:
  image: gcr.io/kaniko-project/executor:v1.23.2-debug
  script:
    - /kaniko/executor --context . --destination "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"
```

## Use instead
```yaml
build:
  image:
    name: gcr.io/kaniko-project/executor:v1.23.2-debug
    entrypoint: [""]
  script:
    - printf '%s' "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json
    - /kaniko/executor --context . --destination "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"
```

## Fix safety
Adding `entrypoint: [""]` is safe: it is the documented way to run a job
script in this image, and the job cannot work without it.  `image: NAME`
becomes a mapping with `name:` and `entrypoint:`; a mapping gets an
`entrypoint:` entry.  The fix is only shown when the image comes from
`default:` or from another file (other jobs and projects would change too),
or when the YAML cannot be edited exactly (an alias, a merged mapping).  A
non-debug tag has no automatic fix: pick the `-debug` tag of the same version.
"""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Applicability, Fix, Severity
from ..imagefix import add_entrypoint, is_original
from ..jobfacts import KANIKO_KNOWN, is_kaniko_debug_tag, job_image, parse_image
from ..units import JobUnit
from ..yaml.model import YScalar, YSeq
from .base import FIX_SAFE, Example, Hit, Rule, Triggers

RULE = Rule(
    code="AL213",
    name="kaniko-entrypoint",
    severity=Severity.ERROR,
    summary="Kaniko image used with script: without entrypoint: [\"\"] or without a debug tag",
    fix=FIX_SAFE,
)

_SHELLS = {"sh", "bash", "ash", "dash"}


def _kaniko_image(unit: JobUnit) -> str | None:
    """The job image's name when it is a Kaniko image authlint knows and the job has a script
    (check_job's job test)."""
    job = unit.job
    image = job.image
    if image is None or image.name is None or not (job.script or job.before_script):
        return None
    name = job_image(unit)
    return name if name is not None and KANIKO_KNOWN.match(name) else None


TRIGGERS = Triggers(job=_kaniko_image)


def check_job(unit: JobUnit, options) -> Iterator[Hit]:
    name = _kaniko_image(unit)
    image = unit.job.image
    if name is None or image is None or image.name is None:
        return
    ref = parse_image(name)
    if ref.tag is not None and not is_kaniko_debug_tag(ref.tag) and not ref.path.lower().startswith("kaniko-build"):
        yield Hit(
            image.name.source,
            image.name.span,
            f"Kaniko image tag `{ref.tag}` has no shell, so the job's script cannot run; use the `-debug` tag of the same version",
            job=unit.name,
            key="tag",
        )
    elif ref.tag is None and ref.digest is None:
        yield Hit(
            image.name.source,
            image.name.span,
            "Kaniko image without a tag is `latest`, which has no shell, so the job's script cannot run; use a `-debug` tag",
            job=unit.name,
            key="tag",
        )
    if _shell_entrypoint(image.entrypoint):
        return
    target = image.entrypoint if image.entrypoint is not None else image.name
    fix = _fix(unit)
    what = "overrides the entrypoint with something that is not a shell" if image.entrypoint is not None else "keeps the executor entrypoint"
    yield Hit(
        target.source,
        target.span if not isinstance(target, YSeq) else _span(target),
        f"Kaniko image {what}: the runner would hand the job's script to /kaniko/executor; set `entrypoint: [\"\"]`",
        fix=fix,
        job=unit.name,
        key="entrypoint",
    )


def _span(node):
    from ..gitlab.values import span_of

    return span_of(node)


def _shell_entrypoint(value) -> bool:
    if value is None:
        return False
    if isinstance(value, YScalar):
        return value.value.strip() == "" or value.value.split()[0].rsplit("/", 1)[-1] in _SHELLS
    if isinstance(value, YSeq):
        if not value.items:
            return True
        first = value.items[0]
        if not isinstance(first, YScalar):
            return False
        v = first.value.strip()
        return v == "" or v.split()[0].rsplit("/", 1)[-1] in _SHELLS
    return False


def _fix(unit: JobUnit) -> Fix:
    title = 'add `entrypoint: [""]` to the Kaniko image'
    job, pipeline = unit.job, unit.pipeline
    image = job.image
    assert image is not None
    default = pipeline.default.get("image") if pipeline.default is not None else None
    if default is not None and (default is image.value or (image.name is not None and default is image.name)):
        return Fix(title, (), Applicability.DISPLAY_ONLY, reason="the image comes from `default:`, which every job shares; add the entrypoint there")
    path = pipeline.path_of(image.value)
    if path is not None and path != job.path:
        return Fix(title, (), Applicability.DISPLAY_ONLY, reason=f"the image is set in {path}, which other jobs or projects may include")
    if not isinstance(image.value, YScalar) and not is_original(pipeline.files, image.value):
        return Fix(title, (), Applicability.DISPLAY_ONLY, reason="the image mapping is merged from several places (extends)")
    key = job.config.key_node("image")
    step = None
    if key is not None:
        index = key.source.index
        col = key.start - index.line_starts[index.line_of(key.start)]
        step = col if col > 0 else 2
    edits, reason = add_entrypoint(key, image.value, step)
    if not edits:
        return Fix(title, (), Applicability.DISPLAY_ONLY, reason=reason)
    return Fix(title, tuple(edits), Applicability.SAFE)


_RUN = "  script:\n    - /kaniko/executor --context \"$CI_PROJECT_DIR\" --destination \"$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA\"\n"

VALID = [
    Example("build:\n  image:\n    name: gcr.io/kaniko-project/executor:v1.23.2-debug\n    entrypoint: [\"\"]\n" + _RUN, kind="yaml"),
    Example("build:\n  image: {name: \"gcr.io/kaniko-project/executor:debug\", entrypoint: [\"\"]}\n" + _RUN, kind="yaml"),
    Example("build:\n  image:\n    name: ghcr.io/osscontainertools/kaniko:v1.26.5-debug\n    entrypoint: [\"/busybox/sh\", \"-c\"]\n" + _RUN, kind="yaml"),
    # a home-made image built FROM kaniko: its entrypoint is unknown
    Example("build:\n  image: ghcr.io/npo-poms/kaniko:main\n" + _RUN, kind="yaml"),
    # the entrypoint comes from a template in another file
    Example(
        "include: ci/kaniko.yml\nbuild:\n  extends: .kaniko\n" + _RUN,
        kind="yaml",
        files={"ci/kaniko.yml": ".kaniko:\n  image:\n    name: martizih/kaniko:v1.26.0-debug\n    entrypoint: [\"\"]\n"},
    ),
    # no script: nothing runs in a shell (a trigger job)
    Example("deploy:\n  trigger: group/project\n", kind="yaml"),
]

INVALID = [
    Example(
        "build:\n  stage: build\n  image: ⟦gcr.io/kaniko-project/executor:v1.23.2-debug⟧\n" + _RUN,
        kind="yaml",
        fixed="build:\n  stage: build\n  image:\n    name: gcr.io/kaniko-project/executor:v1.23.2-debug\n    entrypoint: [\"\"]\n" + _RUN,
    ),
    # a quoted name with a comment, 4-space indentation, CRLF line endings
    Example(
        "build:\r\n    image: ⟦\"gcr.io/kaniko-project/executor:debug\"⟧  # pinned by renovate\r\n    script:\r\n        - /kaniko/executor --no-push\r\n",
        kind="yaml",
        fixed="build:\r\n    image:\r\n        name: \"gcr.io/kaniko-project/executor:debug\"  # pinned by renovate\r\n        entrypoint: [\"\"]\r\n    script:\r\n        - /kaniko/executor --no-push\r\n",
    ),
    Example(
        "build:\n  image: {name: ⟦ghcr.io/osscontainertools/kaniko:v1.26.5-debug⟧, pull_policy: always}\n" + _RUN,
        kind="yaml",
        fixed="build:\n  image: {name: ghcr.io/osscontainertools/kaniko:v1.26.5-debug, pull_policy: always, entrypoint: [\"\"]}\n" + _RUN,
    ),
    Example(
        "build:\n  image:\n    name: ⟦martizih/kaniko:v1.26.0-debug⟧\n    pull_policy: always\n" + _RUN,
        kind="yaml",
        fixed="build:\n  image:\n    name: martizih/kaniko:v1.26.0-debug\n    entrypoint: [\"\"]\n    pull_policy: always\n" + _RUN,
    ),
    Example(
        "build:\n  image:\n    name: gcr.io/kaniko-project/executor:debug\n    entrypoint: ⟦[\"/kaniko/executor\"]⟧\n" + _RUN,
        kind="yaml",
        fixed="build:\n  image:\n    name: gcr.io/kaniko-project/executor:debug\n    entrypoint: [\"\"]\n" + _RUN,
    ),
    # a hidden template in the same file, reached through extends
    Example(
        ".kaniko:\n  image: ⟦gcr.io/kaniko-project/executor:v1.19.2-debug⟧\nbuild:\n  extends: .kaniko\n" + _RUN,
        kind="yaml",
        fixed=".kaniko:\n  image:\n    name: gcr.io/kaniko-project/executor:v1.19.2-debug\n    entrypoint: [\"\"]\nbuild:\n  extends: .kaniko\n" + _RUN,
    ),
    # a non-debug tag has no shell at all (no automatic fix)
    Example(
        "build:\n  image:\n    name: ⟦gcr.io/kaniko-project/executor:v1.23.2⟧\n    entrypoint: [\"\"]\n" + _RUN,
        kind="yaml",
    ),
    # from default: shown, not applied
    Example(
        "default:\n  image: ⟦gcr.io/kaniko-project/executor:debug⟧\nbuild:\n" + _RUN + "build-2:\n" + _RUN,
        kind="yaml",
    ),
    # from a template in an included file: shown, not applied
    Example(
        ".kaniko:\n  image: ⟦gcr.io/kaniko-project/executor:debug⟧\n",
        kind="yaml",
        path="ci/kaniko.gitlab-ci.yml",
        files={".gitlab-ci.yml": "include: ci/kaniko.gitlab-ci.yml\nbuild:\n  extends: .kaniko\n" + _RUN},
    ),
]
