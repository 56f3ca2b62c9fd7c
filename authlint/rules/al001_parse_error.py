"""
## What it does
Reports a file authlint cannot read as what it claims to be: YAML that does not
parse (with the parser's own position), a shell script or script item with a
syntax error, a file that is not UTF-8 text, or an input that is too large or
too deeply nested to lint safely.

A shell syntax error is reported only where `bash -n` reports one (authlint
never runs bash: its own parser agrees with it).  Text that `bash -n` accepts
but that fails when the job runs gets its own message: a `${#NAME:-0}` ("bad
substitution": the length form takes no operator) and a here-document whose
end line never comes (the rest of the script becomes its body).  The commands
that parsed cleanly are still linted by every other rule.

Severity: an **error**: the file fails where it is used (GitLab rejects the
YAML, the shell stops at the syntax error or the bad substitution), and the
other rules cannot check text authlint could not read.

## Why is this bad?
GitLab rejects a pipeline whose YAML does not parse, and the runner aborts a
job whose script has a syntax error.  Nothing else authlint checks can be
trusted in a file it could not read, so the other rules stay silent there.

## Fix safety
There is no automatic fix: authlint cannot know what the text was meant to say.
"""

from __future__ import annotations

from ..diagnostics import Severity
from .base import Example, Rule

RULE = Rule(
    code="AL001",
    name="parse-error",
    severity=Severity.ERROR,
    summary="file is not valid YAML, JSON or shell, or not UTF-8 text",
)

VALID = [
    Example("docker build -t app .\n"),
    # valid bash that tree-sitter-bash alone rejects
    Example('grep -q "^${NAME}$" names.txt && echo "found"\nN=$((kubectl get ns | grep -c "$NS") || true)\nif [ -n "$N" ]; then if [ "$N" = 0 ]; then exit 1; fi fi\n'),
    Example("build:\n  script:\n    - echo ok\n", kind="yaml"),
]

INVALID = [
    Example("build:\n  script: [echo a\n⟦⟧", kind="yaml"),
    Example("job:\n  script:\n    - ⟦*⟧undefined\n", kind="yaml"),
    Example("echo a⟦)⟧\n", path="bad.sh"),
    Example('echo "tags: ⟦${#TAGS:-0}⟧"\n', path="count.sh"),
]
