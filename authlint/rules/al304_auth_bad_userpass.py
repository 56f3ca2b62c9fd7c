"""
## What it does
Finds a literal `auth` value that is valid base64 but does not decode to
`user:password`: there is no `:` at all (a bare token was encoded), or the
user name before the first `:` is empty (`:password`, an unset `$USER`
variable when the value was made).

Severity: an **error**: the loader rejects the entry (`invalid auth
configuration file`), and the whole source with it.

## Why is this bad?
docker's `decodeAuth` splits the decoded bytes at the first `:` and requires
a non-empty user name; anything else is `invalid auth configuration file`,
and the runner then drops the whole auth config, so every registry in it
loses its credentials.

## Example
```json
{"auths": {"registry.example.com": {"auth": "czNjcjN0"}}}
```

## Use instead
```json
{"auths": {"registry.example.com": {"auth": "ZGVwbG95OnMzY3IzdA=="}}}
```
(`printf '%s:%s' "$USER" "$TOKEN" | base64 | tr -d '\\n'`, with both values set.)

## Fix safety
There is no automatic fix: the missing user name (or token) is not known.
"""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Severity
from ..units import AuthDoc
from ..authjson.doc import effective, host_label, literal_auths
from .base import Example, Hit, Rule, Triggers

RULE = Rule(
    code="AL304",
    name="auth-bad-userpass",
    severity=Severity.ERROR,
    summary="`auth` that does not decode to `user:password`",
)
TRIGGERS = Triggers(document=True)  # reads the document alone

_WHAT = {
    "no_colon": "has no `:` between user name and password",
    "empty_user": "has an empty user name",
}


def check_auth(doc: AuthDoc, options) -> Iterator[Hit]:
    from ..authjson.decode import decode_auth, go_std_decode

    doc = effective(doc)
    for entry, node, value in literal_auths(doc):
        d = decode_auth(value)
        if d.error_kind not in _WHAT:
            continue
        host = host_label(entry)
        raw = (go_std_decode(value)[0] or b"").decode("utf-8", "replace")
        yield doc.hit(
            node.start, node.end,
            f"`auth` for {host} decodes to a value that {_WHAT[d.error_kind]}: docker fails with "
            f"`{d.error}` and drops the whole auth config",
            secrets=tuple(s for s in (value, raw, raw.lstrip(":")) if s), key=f"auth-userpass:{host}",
        )


_K = "/kaniko/.docker/config.json"

VALID = [
    Example('{"auths": {"registry.example.com": {"auth": "ZGVwbG95OnMzY3IzdA=="}}}\n', kind="json"),
    # a password may contain ':' (split at the first one)
    Example('{"auths": {"registry.example.com": {"auth": "ZGVwbG95OnMzOmNyM3Q="}}}\n', kind="json"),
    Example("echo \"{\\\"auths\\\": {\\\"$CI_REGISTRY\\\": {\\\"auth\\\": \\\"$(printf '%s' \\\"$TOKEN\\\" | base64)\\\"}}}\" > " + _K + "\n"),
]

INVALID = [
    Example('{"auths": {"registry.example.com": {"auth": ⟦"czNjcjN0"⟧}}}\n', kind="json"),
    Example("echo '{\"auths\": {\"registry.example.com\": {\"auth\": ⟦\"OnMzY3IzdA==\"⟧}}}' > " + _K + "\n"),
]
