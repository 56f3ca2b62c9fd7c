"""
## What it does
Runs detect-secrets' plugins (high-entropy strings, secret keywords, private
keys, basic-auth URLs, JWTs and vendor tokens) over CI YAML and shell scripts,
as a second net behind authlint's own credential rules.  Values that are
plainly test fixtures (`test_password`, `fakepassword`, `changeme`, `XXX`) and
secrets another authlint rule already reports are left out, and so are values
that are not secrets whatever their key says: paths (`SECRET_PATHS:
vault/ci/path`), the pattern or replacement of a `sed` expression, comments,
the header text of a PEM key with no key after it (`grep -- "-----BEGIN RSA
PRIVATE KEY-----"`), and the passwords of throw-away service containers
(`POSTGRES_PASSWORD`, `MYSQL_ROOT_PASSWORD`, ...).

Severity: a **warning**, not an error: detect-secrets' entropy and keyword
heuristics also match values that are not secrets, so each finding needs a
person's judgement; registry credentials have their own error rules (AL102 to
AL105).

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
from ..lazy import lazy_compile
from ..secrets import PRINTF_CONVERSION, is_scan_candidate, redact, scan_lines
from ..source import split_lines
from ..units import FileUnit
from .base import Example, Hit, Rule

RULE = Rule(
    code="AL106",
    name="secret-detected",
    severity=Severity.WARNING,
    summary="secret found by detect-secrets' plugins",
)

_TEST_VALUE = lazy_compile(r"test|fake|dummy|example|sample|changeme|change_me|placeholder|development|local|xxx|\*\*\*|<[^>]*>|\$\{?[A-Za-z_]", re.I)

# What a keyword match holds when it is a name or a flag, not a secret:
# `secret_name='gitlab-registry'`, `"secrets_validated": true`.
_NAME_VALUE = lazy_compile(r"^(?:true|false|null|none|yes|no|[a-z][a-z0-9]*(?:[-_.][a-z][a-z0-9]*)+)$")


# Well-known words used as passwords of throw-away test services.
_TRIVIAL = lazy_compile(r"(?:pass|password|passwd|secret|admin|root|postgres|mysql|user|guest|rabbitmq|minio|redis)", re.I)
# Variables that configure a service container's own (throw-away) account.
_SERVICE_PASSWORD = lazy_compile(
    r"\b(?:POSTGRES_PASSWORD|MYSQL_(?:ROOT_)?PASSWORD|MARIADB_(?:ROOT_)?PASSWORD|MONGO_INITDB_ROOT_PASSWORD|RABBITMQ_DEFAULT_PASS"
    r"|MINIO_ROOT_PASSWORD|MSSQL_SA_PASSWORD|SA_PASSWORD|ELASTIC_PASSWORD|KEYCLOAK_ADMIN_PASSWORD|REDIS_PASSWORD)\s*[:=]"
)
# A path: segments of names, none of which looks like a random token.
_PATH = lazy_compile(r"[\w.~${}-]*(?:/[\w.${}@-]+)+/?")
_TOKENISH = lazy_compile(r"(?=[^/]*[A-Z])(?=[^/]*[a-z])(?=[^/]*\d)[A-Za-z0-9+=_-]{16,}")
_SED_EXPRESSION = lazy_compile(r"\bsed\b.*\bs([/|#,:@])")
_PEM_HEADER = lazy_compile(r"-----(?:BEGIN|END)[A-Z ]*PRIVATE KEY-----")
_BASE64_BODY = lazy_compile(r"^\s*[A-Za-z0-9+/=]{40,}\s*$")


def _keyword_noise(kind: str, value: str, line: str) -> bool:
    """Keyword matches in prose comments, and names or flags after a `secret`-ish key."""
    if kind != "Secret Keyword":
        return False
    return line.lstrip().startswith("#") or bool(_NAME_VALUE.match(value.strip("'\" ,;}])")))


def _not_a_secret(kind: str, value: str, line: str, next_line: str) -> bool:
    """Paths, sed patterns, comments, PEM header text and test-service passwords."""
    bare = value.strip("'\" ,;}])")
    if _PATH.fullmatch(bare) and not any(_TOKENISH.fullmatch(seg) for seg in bare.split("/")):
        return True  # `SECRET_PATHS: vault/ci/path`, `SECRETS_FILE: secrets/prod.enc.yaml`
    if line.lstrip().startswith("#") or (" #" in line and line.index(" #") < line.find(value)):
        return True
    m = _SED_EXPRESSION.search(line)
    if m and line.find(value) > m.end():
        return True  # the pattern or replacement of a sed expression
    if kind == "Private Key" and _PEM_HEADER.search(line) and not _BASE64_BODY.match(next_line):
        return True  # the header text alone (`grep -- "-----BEGIN RSA PRIVATE KEY-----"`), no key body
    return bool(_SERVICE_PASSWORD.search(line)) or bool(_TRIVIAL.fullmatch(bare))


def check_file(unit: FileUnit, options) -> Iterator[Hit]:
    if unit.kind not in ("ci", "shell"):
        return
    src = unit.source
    texts = split_lines(src.text)
    if not any(map(is_scan_candidate, texts)):
        return  # no line any plugin could flag (most files): scan_lines would find nothing (a C loop over the cache)
    hint = ".gitlab-ci.yml" if unit.kind == "ci" else "script.sh"
    for found in scan_lines(list(enumerate(texts, 1)), hint, source_lines=texts):
        line0 = found.line - 1
        text = texts[line0]
        start, end = (found.start, found.end) if found.start is not None else (len(text) - len(text.lstrip()), len(text))
        value = text[start:end]
        next_line = texts[line0 + 1] if line0 + 1 < len(texts) else ""
        if _TEST_VALUE.search(value) or PRINTF_CONVERSION.fullmatch(value) or _keyword_noise(found.type, value, text):
            continue
        if _not_a_secret(found.type, value, text, next_line):
            continue
        base = src.index.line_starts[line0]
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
    # paths, sed patterns, PEM header text, a service container's password
    Example(
        "variables:\n  SECRET_PATHS: vault/ci/path\n  SECRETS_FILE: secrets/prod.enc.yaml\n"
        "test:\n  services: [postgres:16]\n  variables:\n    POSTGRES_PASSWORD: Zq8vL2mXp9RtY4wB\n  script:\n"
        "    - 'sed -i \"s/password=aB3dE5fG7hJ9kL1mN3pQ/password=x/\" conf.yml'\n"
        "    - grep -q -- \"-----BEGIN RSA PRIVATE KEY-----\" key.pem\n",
        kind="yaml",
    ),
]

INVALID = [
    Example('deploy:\n  variables:\n    API_SECRET: "⟦b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ⟧"\n  script: [make]\n', kind="yaml"),
    # a token with a `/` is not a path
    Example('deploy:\n  variables:\n    API_SECRET: "⟦b3BlbnNzaC1/rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ⟧"\n  script: [make]\n', kind="yaml"),
]
