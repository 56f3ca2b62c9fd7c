"""
## What it does
Reports an `include:` that authlint cannot read offline (`remote`, `project`,
`template`, `component`), a local include that matches no file, an include
cycle, and `extends` or `!reference` targets that do not exist or form a
cycle.

Severity: **info**: it marks where authlint's view of the pipeline ends, so
that the silence of the rules that need the whole job is not read as a clean
bill; a missing local file or a cycle is also one GitLab itself rejects.

## Why is this bad?
Jobs defined or changed by a file authlint cannot see are only partly known.
Rules that need the whole job (does it write its auth file? does it log in?)
stay silent for such jobs rather than guess, so this finding tells you where
authlint's view of the pipeline ends.  A missing local file or a cycle is also
an error in GitLab itself.

## Fix safety
There is no automatic fix.
"""

from __future__ import annotations

from ..diagnostics import Severity
from .base import Example, Rule

RULE = Rule(
    code="AL002",
    name="unresolved-include",
    severity=Severity.INFO,
    summary="include, extends or !reference that cannot be resolved offline",
)

VALID = [
    Example(
        "include:\n  - local: ci/build.yml\nbuild:\n  extends: .base\n  script: [make]\n",
        kind="yaml",
        files={"ci/build.yml": ".base:\n  image: alpine\n"},
    ),
]

INVALID = [
    Example("include:\n  - ⟦remote: https://example.com/ci.yml⟧\njob:\n  script: [make]\n", kind="yaml"),
    Example("include:\n  - local: ⟦ci/missing.yml⟧\njob:\n  script: [make]\n", kind="yaml"),
    Example("job:\n  extends: .nowhere\n  script: [make]\n", kind="yaml"),
]
