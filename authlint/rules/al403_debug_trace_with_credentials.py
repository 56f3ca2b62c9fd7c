"""
## What it does
Finds `CI_DEBUG_TRACE` or `CI_DEBUG_SERVICES` set to true in the global
`variables:` (every job gets it), or in the `variables:` of a job that handles
registry credentials (logs in, writes an auth file, or pushes with a registry
client), in the plain or the `value:` form, and in `parallel:matrix`.  True
means what the runner reads as true (`strconv.ParseBool`: `true`, `True`,
`TRUE`, `1`, `t`, `T`); a `$VARIABLE` value or `"false"` is fine.

Severity: an **error**: the debug trace prints the value of every variable,
derived credentials included, into the job log.

## Why is this bad?
Debug logging makes the runner trace every shell command and print the job's
variables: "the debug trace contains the content of all variables" (GitLab
`variables_troubleshooting.md`).  Masked variables are hidden, but a JSON
`DOCKER_AUTH_CONFIG` cannot be masked, base64 `auth` values built during the
job are not, and every command of the credential set-up appears expanded in the
log.  `CI_DEBUG_SERVICES` prints the logs of service containers (a `docker:dind`
daemon logging registry requests) into the job log.  Debug logging is for a
one-off run of a pipeline, set from the "Run pipeline" form, never committed.

## Example
```yaml
variables:
  CI_DEBUG_TRACE: "true"
```

## Use instead
Delete the variable; to debug one pipeline, set `CI_DEBUG_TRACE` in the "Run
pipeline" form (or for a single job as a manual job variable), then delete the
job logs afterwards.

## Fix safety
The fix deletes the variable entry and is unsafe: the jobs stop producing
debug logs, which someone may be relying on right now.  It is shown only when
the entry shares its line with other YAML (flow mappings).
"""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Applicability, Edit, Fix, Severity
from ..jobfacts import facts
from ..units import FileUnit, JobUnit
from ..yaml.edits import delete_entry
from .base import FIX_UNSAFE, Example, Hit, Rule

RULE = Rule(
    code="AL403",
    name="debug-trace-with-credentials",
    severity=Severity.ERROR,
    summary="CI_DEBUG_TRACE / CI_DEBUG_SERVICES enabled where registry credentials are used",
    fix=FIX_UNSAFE,
)

NAMES = ("CI_DEBUG_TRACE", "CI_DEBUG_SERVICES")
TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})  # Go strconv.ParseBool


def check_file(unit: FileUnit, options) -> Iterator[Hit]:
    pipeline = unit.pipeline
    if pipeline is None or unit.yaml is None:
        return
    for var in pipeline.variables.values():
        if _enabled(var) and var.value.source is unit.source:
            yield _hit(unit, var, "the global variables, so every job runs with it")


def check_job(unit: JobUnit, options) -> Iterator[Hit]:
    job = unit.job
    candidates = [v for v in job.variables.values() if v.level != "global"]
    for combo in job.matrix:
        candidates += list(combo.values())
    candidates = [v for v in candidates if _enabled(v)]
    if not candidates or not facts(unit).credential_job:
        return
    for var in candidates:
        yf = next((y for y in unit.pipeline.files.values() if y.source is var.value.source), None)
        if yf is None:
            continue
        yield _hit(_FileView(var.value.source, yf), var, "a job that handles registry credentials", job=unit.name)


class _FileView:
    def __init__(self, source, yaml) -> None:
        self.source, self.yaml = source, yaml


def _enabled(var) -> bool:
    return var.name in NAMES and var.value is not None and var.value.value.strip() in TRUE


def _hit(unit, var, where: str, job: str | None = None) -> Hit:
    scalar = var.value
    value_node = var.mapping if var.mapping is not None else scalar
    span = delete_entry(unit.yaml, var.key, value_node) if var.level != "matrix" else None
    title = f"delete {var.name}"
    if span is not None:
        fix = Fix(title, (Edit(unit.source.path, span.start, span.end, ""),), Applicability.UNSAFE)
    else:
        reason = "parallel:matrix entries generate jobs; edit the matrix by hand" if var.level == "matrix" else "the entry shares its line with other YAML"
        fix = Fix(title, (), Applicability.DISPLAY_ONLY, reason=reason)
    what = "prints every command and variable" if var.name == "CI_DEBUG_TRACE" else "prints the service containers' logs"
    message = (
        f"{var.name} is true in {where}: debug logging {what} into the job log, where "
        "unmasked credentials (a JSON DOCKER_AUTH_CONFIG, base64 `auth` values) appear in clear text; "
        "set it for a single pipeline run instead of committing it"
    )
    return Hit(unit.source, scalar.span, message, fix=fix, job=job, key=var.name)


_PUSH = (
    "build:\n  image: docker:27\n  services: [docker:27-dind]\n  script:\n"
    '    - echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"\n'
    '    - docker build -t "$CI_REGISTRY_IMAGE" .\n    - docker push "$CI_REGISTRY_IMAGE"\n'
)

VALID = [
    Example('variables:\n  CI_DEBUG_TRACE: "false"\n' + _PUSH, kind="yaml"),
    Example("variables:\n  CI_DEBUG_TRACE: $DEBUG_PIPELINE\n" + _PUSH, kind="yaml"),
    Example('#variables:\n#  CI_DEBUG_TRACE: "true"\n' + _PUSH, kind="yaml"),
    # a job without registry credentials
    Example('test:\n  variables:\n    CI_DEBUG_TRACE: "true"\n  script: [make test]\n' + _PUSH, kind="yaml"),
]

INVALID = [
    Example(
        'variables:\n  GIT_DEPTH: "1"\n  CI_DEBUG_TRACE: ⟦"true"⟧\n' + _PUSH,
        kind="yaml",
        fixed='variables:\n  GIT_DEPTH: "1"\n' + _PUSH,
    ),
    Example(
        'variables:\n  CI_DEBUG_TRACE: ⟦"true"⟧\ntest:\n  script: [make test]\n',
        kind="yaml",
        fixed="test:\n  script: [make test]\n",
    ),
    Example(
        _PUSH + '  variables:\n    CI_DEBUG_SERVICES:\n      value: ⟦"1"⟧\n      description: debug dind\n',
        kind="yaml",
        fixed=_PUSH,
    ),
    Example(
        "kaniko:\n  image:\n    name: gcr.io/kaniko-project/executor:debug\n    entrypoint: [\"\"]\n"
        "  variables: {CI_DEBUG_TRACE: ⟦\"true\"⟧}\n  script:\n"
        '    - printf \'%s\' "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json\n'
        '    - /kaniko/executor --context . --destination "$CI_REGISTRY_IMAGE"\n',
        kind="yaml",
    ),
]
