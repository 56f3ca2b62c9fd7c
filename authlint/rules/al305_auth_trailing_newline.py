"""
## What it does
Finds a literal `auth` value whose decoded password ends in a line break
(`\\n` or `\\r`): the classic `echo "$USER:$TOKEN" | base64` without `-n`, or a
value copied from a file with Windows line endings.

Severity: an **error**: the newline becomes part of the password, so the
registry refuses it (401).

## Why is this bad?
docker trims only NUL bytes from the decoded password.  The line break is
sent to the registry as part of the password, and the registry answers
`401 Unauthorized` / `HTTP Basic: Access denied` — with a credential that
looks right everywhere it is printed.

## Example
```json
{"auths": {"registry.example.com": {"auth": "ZGVwbG95OnMzY3IzdAo="}}}
```

## Use instead
```json
{"auths": {"registry.example.com": {"auth": "ZGVwbG95OnMzY3IzdA=="}}}
```

## Fix safety
The fix re-encodes the same user name and password without the trailing
line break(s).  It is safe: no registry accepts a password that ends in a
line break from a `docker login`, so the trimmed value is the one that was
meant.
"""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Severity
from ..units import AuthDoc
from ..authjson.doc import effective, host_label, jfix, literal_auths
from .base import FIX_SAFE, Example, Hit, Rule, Triggers

RULE = Rule(
    code="AL305",
    name="auth-trailing-newline",
    severity=Severity.ERROR,
    summary="password in `auth` ends in a line break",
    fix=FIX_SAFE,
)
TRIGGERS = Triggers(document=True)  # reads the document alone


def check_auth(doc: AuthDoc, options) -> Iterator[Hit]:
    from ..authjson.decode import decode_auth, repaired_auth

    doc = effective(doc)
    for entry, node, value in literal_auths(doc):
        d = decode_auth(value)
        if not d.ok or not d.trailing_newline:
            continue
        host = host_label(entry)
        repaired = repaired_auth(value)
        fix = None
        if repaired is not None and decode_auth(repaired).ok:
            fix = jfix(doc, "re-encode `auth` without the trailing line break", [(node.start + 1, node.end - 1, repaired)])
        password = d.password or ""
        ending = "\\r\\n" if password.endswith("\r\n") else "\\n" if password.endswith("\n") else "\\r"
        yield doc.hit(
            node.start, node.end,
            f"the password in `auth` for {host} ends in `{ending}` (encoded with `echo` instead of `printf`?): "
            "the registry receives it as part of the password and answers 401",
            fix=fix, secrets=tuple(s for s in (value, repaired, password, password.rstrip("\r\n")) if s),
            key=f"auth-newline:{host}",
        )


_K = "/kaniko/.docker/config.json"

VALID = [
    Example('{"auths": {"registry.example.com": {"auth": "ZGVwbG95OnMzY3IzdA=="}}}\n', kind="json"),
    Example("echo \"{\\\"auths\\\": {\\\"$CI_REGISTRY\\\": {\\\"auth\\\": \\\"$(echo \\\"$U:$P\\\" | base64)\\\"}}}\" > " + _K + "\n"),
]

INVALID = [
    Example(
        '{"auths": {"registry.example.com": {"auth": ⟦"ZGVwbG95OnMzY3IzdAo="⟧}}}\n',
        kind="json",
        fixed='{"auths": {"registry.example.com": {"auth": "ZGVwbG95OnMzY3IzdA=="}}}\n',
    ),
    # CRLF from a Windows editor
    Example(
        "cat > " + _K + " <<EOF\n{\"auths\": {\"$CI_REGISTRY\": {\"auth\": ⟦\"ZGVwbG95OnMzY3IzdA0K\"⟧}}}\nEOF\n",
        fixed="cat > " + _K + " <<EOF\n{\"auths\": {\"$CI_REGISTRY\": {\"auth\": \"ZGVwbG95OnMzY3IzdA==\"}}}\nEOF\n",
    ),
]
