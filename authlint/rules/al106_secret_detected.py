"""
## What it does
Runs detect-secrets' plugins (high-entropy strings, secret keywords, private
keys, basic-auth URLs, JWTs and vendor tokens) over CI YAML and shell scripts,
as a second net behind authlint's own credential rules.  Values that are
plainly test fixtures (`test_password`, `fakepassword`, `changeme`, `XXX`) and
secrets another authlint rule already reports are left out.

## Why is this bad?
A secret in the repository is readable by everyone who can read the
repository and its history.

## Example
```yaml
deploy:
  variables:
    API_SECRET: "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"
```

## Use instead
A masked CI/CD variable, defined in the project or group settings.  For a
value that is not a secret, add `# pragma: allowlist secret` to its line (or
`# pragma: allowlist nextline secret` above it), as with detect-secrets.

## Fix safety
There is no automatic fix.
"""

from __future__ import annotations

import re
from typing import Iterator

from ..diagnostics import Severity, Span
from ..secrets import PRINTF_CONVERSION, redact, scan_lines
from ..units import FileUnit
from .base import Example, Hit, Rule

RULE = Rule(
    code="AL106",
    name="secret-detected",
    severity=Severity.WARNING,
    summary="secret found by detect-secrets' plugins",
)

_TEST_VALUE = re.compile(r"test|fake|dummy|example|sample|changeme|change_me|placeholder|development|local|xxx|\*\*\*|<[^>]*>|\$\{?[A-Za-z_]", re.I)

# What a keyword match holds when it is a name or a flag, not a secret:
# `secret_name='gitlab-registry'`, `"secrets_validated": true`.
_NAME_VALUE = re.compile(r"^(?:true|false|null|none|yes|no|[a-z][a-z0-9]*(?:[-_.][a-z][a-z0-9]*)+)$")


def _keyword_noise(kind: str, value: str, line: str) -> bool:
    """Keyword matches in prose comments, and names or flags after a `secret`-ish key."""
    if kind != "Secret Keyword":
        return False
    return line.lstrip().startswith("#") or bool(_NAME_VALUE.match(value.strip("'\" ,;}])")))


def check_file(unit: FileUnit, options) -> Iterator[Hit]:
    if unit.kind not in ("ci", "shell"):
        return
    src = unit.source
    index = src.index
    lines = [(n + 1, index.line_text(n)) for n in range(index.line_count)]
    hint = ".gitlab-ci.yml" if unit.kind == "ci" else "script.sh"
    for found in scan_lines(lines, hint, source_lines=[t for _, t in lines]):
        line0 = found.line - 1
        text = index.line_text(line0)
        start, end = (found.start, found.end) if found.start is not None else (len(text) - len(text.lstrip()), len(text))
        value = text[start:end]
        if _TEST_VALUE.search(value) or PRINTF_CONVERSION.fullmatch(value) or _keyword_noise(found.type, value, text):
            continue
        base = index.line_starts[line0]
        yield Hit(src, Span(base + start, base + end), f"possible secret ({found.type}): {redact(value)}", secrets=(value,), key=found.type)


VALID = [
    Example(
        "test:\n  variables:\n    POSTGRES_PASSWORD: test_password\n    SECRET_KEY: \"test-secret-key-for-gitlab-ci\"\n  script: [pytest]\n",
        kind="yaml",
    ),
    Example('deploy:\n  variables:\n    API_TOKEN: "AAAAB3NzaC1yc2EAAAADAQABAAABAQC7"  # pragma: allowlist secret\n  script: [make]\n', kind="yaml"),
    # names of Kubernetes secrets, flags and prose in comments are not secrets
    Example(
        'deploy:\n  variables:\n    REGISTRY_SECRET: "oci-docker-registry-secret"\n  script:\n'
        "    # Multi-line secrets: GitLab masked variables cannot contain whitespace\n"
        "    - secret_name='gitlab-registry'\n    - 'echo {\"secrets_validated\": true}'\n",
        kind="yaml",
    ),
]

INVALID = [
    Example('deploy:\n  variables:\n    API_SECRET: "⟦b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ⟧"\n  script: [make]\n', kind="yaml"),
]
