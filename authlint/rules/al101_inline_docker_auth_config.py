"""
## What it does
Finds `DOCKER_AUTH_CONFIG` given a literal value that holds credentials in any
`variables:` block: global, job, `value:` form, `parallel:matrix`, or a
`trigger` that forwards variables.  A value that only references other
variables (`$DOCKER_AUTH_CONFIG_PROD`, `{"auths": {"$CI_REGISTRY": {"auth":
"$REGISTRY_AUTH"}}}`) holds no credential and is fine.

Severity: an **error**: the credentials are committed, so everyone who can
read the repository or its history has them.

## Why is this bad?
Variables in `.gitlab-ci.yml` are committed: the registry credential is
readable by everyone who can read the repository, and a JSON value can never
be masked in job logs.  The runner reads `DOCKER_AUTH_CONFIG` from project and
group CI/CD variables just as well.

## Example
```yaml
variables:
  DOCKER_AUTH_CONFIG: '{"auths": {"registry.example.com": {"auth": "ZGVwbG95Omh1bnRlcjI="}}}'
```

## Use instead
Delete the entry and create `DOCKER_AUTH_CONFIG` under *Settings > CI/CD >
Variables* as a masked (or hidden), File-type variable, then rotate the
credential that was committed.

## Fix safety
The fix is unsafe: it deletes the variable, so jobs lose their registry
credentials until the CI/CD variable is created in the project settings.
"""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Applicability, Edit, Fix, Severity
from ..lazy import lazy_compile
from ..secrets import is_placeholder
from ..units import FileUnit
from ..yaml.edits import delete_entry
from .base import FIX_UNSAFE, Example, Hit, Rule

RULE = Rule(
    code="AL101",
    name="inline-docker-auth-config",
    severity=Severity.ERROR,
    summary="DOCKER_AUTH_CONFIG committed with literal credentials",
    fix=FIX_UNSAFE,
)

NAME = "DOCKER_AUTH_CONFIG"
_REF = lazy_compile(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?")
_LITERAL_AUTH = lazy_compile(r"[\"']?auth[\"']?\s*:\s*[\"']([A-Za-z0-9+/_-]{4,}={0,2})[\"']")
_LITERAL_PASSWORD = lazy_compile(r"[\"']?(?:password|identitytoken|registrytoken)[\"']?\s*:\s*[\"']([^\"'$]+)[\"']")


def holds_credentials(value: str) -> list[str]:
    """The literal credential strings in a DOCKER_AUTH_CONFIG value (empty if none)."""
    found = [m.group(1) for m in _LITERAL_AUTH.finditer(value)]
    found += [m.group(1) for m in _LITERAL_PASSWORD.finditer(value)]
    return [f for f in found if not _REF.fullmatch(f) and not is_placeholder(f)]


def check_file(unit: FileUnit, options) -> Iterator[Hit]:
    pipeline = unit.pipeline
    if pipeline is None or unit.yaml is None:
        return
    seen: set[int] = set()
    for var, job, matrix in _variables(pipeline):
        scalar = var.value
        if var.name != NAME or scalar is None or id(scalar) in seen or scalar.source is not unit.source:
            continue
        where = _where(var, job, matrix)
        seen.add(id(scalar))
        creds = holds_credentials(scalar.value)
        if not creds:
            continue
        value_node = var.mapping if var.mapping is not None else scalar
        span = delete_entry(unit.yaml, var.key, value_node)
        edit = (Edit(unit.source.path, span.start, span.end, ""),) if span else ()
        fix = Fix(
            "delete DOCKER_AUTH_CONFIG and create it as a masked File-type CI/CD variable",
            edit,
            Applicability.UNSAFE if edit else Applicability.DISPLAY_ONLY,
            reason=None if edit else "the entry shares its line with other YAML",
        )
        yield Hit(
            unit.source,
            scalar.span,
            f"DOCKER_AUTH_CONFIG in {where} holds registry credentials committed to the repository; "
            "create it as a masked, File-type CI/CD variable in the project settings and rotate the credential",
            fix=fix,
            secrets=tuple(creds),
            key=where,
        )


def _variables(pipeline):
    """(variable, its job or None, whether from a parallel:matrix) of every variable."""
    for var in pipeline.variables.values():
        yield var, None, False
    for job in pipeline.jobs.values():
        for var in job.variables.values():
            yield var, job, False
        for combo in job.matrix:
            for var in combo.values():
                yield var, job, True


def _where(var, job, matrix: bool) -> str:
    """Where the message says a variable is (worded only for DOCKER_AUTH_CONFIG: one in most files)."""
    if job is None or var.level == "global" and not matrix:
        return "global variables"
    if matrix:
        return f"the parallel:matrix of job {job.name!r}"
    return f"job {job.name!r}" if var.level == "job" else f"job {job.name!r} ({var.level})"


_AUTH = "ZGVwbG95Omh1bnRlcjI="  # deploy:hunter2

VALID = [
    Example("variables:\n  DOCKER_AUTH_CONFIG: $DOCKER_AUTH_CONFIG_PROD\nbuild:\n  script: [make]\n", kind="yaml"),
    Example(
        "variables:\n  DOCKER_AUTH_CONFIG: '{\"auths\":{\"registry.gitlab.com\":{\"username\":\"${CI_CD_API_USER}\",\"password\":\"${CI_CD_API_TOKEN}\"}}}'\n"
        "build:\n  script: [make]\n",
        kind="yaml",
    ),
]

INVALID = [
    Example(
        "variables:\n  GIT_DEPTH: \"1\"\n  DOCKER_AUTH_CONFIG: ⟦'{\"auths\": {\"registry.example.com\": {\"auth\": \"" + _AUTH + "\"}}}'⟧\n"
        "build:\n  script: [make]\n",
        kind="yaml",
        fixed="variables:\n  GIT_DEPTH: \"1\"\nbuild:\n  script: [make]\n",
    ),
    Example(
        "build:\n  variables:\n    DOCKER_AUTH_CONFIG:\n      value: ⟦'{\"auths\": {\"r.example.com:5000\": {\"password\": \"hunter2\", \"username\": \"deploy\"}}}'⟧\n"
        "      description: registry\n  script: [make]\n",
        kind="yaml",
        fixed="build:\n  script: [make]\n",
    ),
]
