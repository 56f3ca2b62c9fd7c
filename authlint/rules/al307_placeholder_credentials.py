"""
## What it does
Finds documentation placeholders left in auth JSON: registry keys such as
`PRIVATE_REGISTRY_URL` or `<your-registry>`, `auth` values such as
`BASE64_ENCODED_CREDENTIAL`, `xxxxxxxxxxxxxxx` or the base64 of
`my_username:my_password` (GitLab's docs), and `username`/`password` values
such as `USER`/`PASSWORD`, `<token>`, `changeme`, `...`.

Severity: an **error**: a placeholder never authenticates, so the pull or push
fails.

## Why is this bad?
A placeholder is never a working credential: the key matches no image, the
`auth` is not valid base64 (`"xxxxxxxxxxxxxxx"` is 15 characters, which
fails the whole document) or decodes to a user the registry does not know.
The job fails with `illegal base64 data`, `no basic auth credentials` or
`401 Unauthorized`, far from the copied snippet.

## Example
```yaml
variables:
  DOCKER_AUTH_CONFIG: '{"auths": {"PRIVATE_REGISTRY_URL": {"auth": "BASE64_ENCODED_CREDENTIAL"}}}'
```

## Use instead
Set `DOCKER_AUTH_CONFIG` as a masked CI/CD variable in the project settings
with the real registry `host[:port]` and the real `auth`, computed on your own
machine with `printf '%s:%s' "$REGISTRY_USER" "$REGISTRY_TOKEN" | base64 | tr -d '\\n'`
(never in a job: it would print the credential to the log).

## Fix safety
There is no automatic fix: only the user knows the real values.
"""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Severity
from ..secrets import is_placeholder
from ..units import AuthDoc
from ..authjson.doc import effective, literal_string, member
from .base import Example, Hit, Rule, Triggers

RULE = Rule(
    code="AL307",
    name="placeholder-credentials",
    severity=Severity.ERROR,
    summary="documentation placeholder left in auth JSON",
)
TRIGGERS = Triggers(document=True)  # reads the document alone

_FIELDS = ("username", "password", "identitytoken", "registrytoken")


def _decoded(value: str) -> str | None:
    from ..authjson.decode import decode_auth

    d = decode_auth(value)
    if d.ok:
        return f"{d.user}:{d.password}"
    if d.lenient is not None:
        return d.lenient.decode("utf-8", "replace")
    return None


def check_auth(doc: AuthDoc, options) -> Iterator[Hit]:
    from ..authjson.view import entries

    doc = effective(doc)
    for entry in entries(doc):
        key = entry.key
        host = None
        if key.kind == "string" and not key.opaque and isinstance(key.value, str):
            host = key.value
            if is_placeholder(key.value):
                yield doc.hit(key.start, key.end,
                           f"registry key `{key.value}` is a documentation placeholder: write the registry's real `host[:port]`",
                           key=f"placeholder-key:{key.value}")
        if not entry.is_object:
            continue
        where = f" for {host}" if host else ""
        auth = member(entry.value, "auth")
        value = literal_string(auth.value) if auth is not None else None
        if value:
            decoded = _decoded(value)
            if is_placeholder(value) or (decoded is not None and ":" in decoded and is_placeholder(decoded)):
                yield doc.hit(auth.value.start, auth.value.end,
                           f"`auth`{where} is a documentation placeholder, not a credential: put the real value in a masked CI/CD variable",
                           key=f"placeholder-auth:{host}")
        for name in _FIELDS:
            m = member(entry.value, name)
            v = literal_string(m.value) if m is not None else None
            if v and is_placeholder(v):
                yield doc.hit(m.value.start, m.value.end,
                           f"`{name}`{where} is a documentation placeholder (`{v}`): put the real value in a masked CI/CD variable",
                           key=f"placeholder-{name}:{host}")


_K = "/kaniko/.docker/config.json"

VALID = [
    Example('{"auths": {"registry.example.com": {"auth": "ZGVwbG95OnMzY3IzdA=="}}}\n', kind="json"),
    Example("echo \"{\\\"auths\\\": {\\\"$CI_REGISTRY\\\": {\\\"username\\\": \\\"$USER\\\", \\\"password\\\": \\\"$PASSWORD\\\"}}}\" > " + _K + "\n"),
]

INVALID = [
    Example(
        "variables:\n  DOCKER_AUTH_CONFIG: '{\"auths\": {⟦\"PRIVATE_REGISTRY_URL\"⟧: {\"auth\": \"BASE64_ENCODED_CREDENTIAL\"}}}'\nbuild:\n  script: [make]\n",
        kind="yaml", count=2,
    ),
    # GitLab's docs: base64 of my_username:my_password
    Example('{"auths": {"registry.example.com": {"auth": ⟦"bXlfdXNlcm5hbWU6bXlfcGFzc3dvcmQ="⟧}}}\n', kind="json"),
    # Kaniko's README
    Example("echo '{\"auths\": {\"registry.example.com\": {\"auth\": ⟦\"xxxxxxxxxxxxxxx\"⟧}}}' > " + _K + "\n"),
    Example("cat > " + _K + " <<EOF\n{\"auths\": {\"<your-registry>\": {\"username\": \"deploy\", \"password\": \"<token>\"}}}\nEOF\n", count=2),
]
