"""
## What it does
Reports an `# authlint: ignore[...]` comment that suppressed nothing: the
rule it names reported no finding on that line or the next, or the code is not
a rule at all.

Severity: a **warning**: the comment changes nothing today, but it would
silently hide a real finding that later appears on its line.

## Why is this bad?
Stale suppressions hide future findings on their line and mislead readers
about what is wrong there.  Like ruff's unused `noqa` (RUF100), they should go
once the problem they silenced is fixed.

## Fix safety
The fix is safe: it removes only the comment (or the whole line when the
comment stands alone), which cannot change what the pipeline or script does.
It is offered only when every code in the comment is unused.
"""

from __future__ import annotations

from ..diagnostics import Severity
from .base import FIX_SAFE, Example, Rule

RULE = Rule(
    code="AL003",
    name="unused-suppression",
    severity=Severity.WARNING,
    summary="suppression comment that suppressed nothing",
    fix=FIX_SAFE,
)

# The engine raises AL003 itself (it alone knows which suppressions were used).
VALID = [
    Example("docker build -t app .  # a comment, not a suppression\n"),
]

INVALID = [
    Example(
        "docker build -t app .\n⟦# authlint: ignore[AL206] -- stale⟧\necho done\n",
        fixed="docker build -t app .\necho done\n",
    ),
    Example(
        "echo done  ⟦# authlint: ignore[AL999]⟧\n",
        fixed="echo done\n",
    ),
]
