"""
## What it does
Finds auth JSON whose `auth` decodes to a literal `user:password`, or whose
`password`, `identitytoken` or `registrytoken` is a literal, wherever authlint
sees auth JSON: YAML values, `echo`/`printf` arguments and heredoc bodies in
scripts, and committed `config.json` / `auth.json` / `.dockerconfigjson` files.
Values built from variables (`"auth": "$REGISTRY_AUTH"`, `"password":
"$CI_REGISTRY_PASSWORD"`) are fine.

Severity: an **error**: the `user:password`, password or token is committed,
readable by everyone who can read the repository or its history.

## Why is this bad?
Base64 is not encryption: a committed `auth` value is the password in the
clear, for anyone who can read the repository, and GitLab cannot mask it in
job logs.

## Example
```sh
echo '{"auths": {"registry.example.com": {"auth": "ZGVwbG95Omh1bnRlcjI="}}}' > /kaniko/.docker/config.json
```

## Use instead
```sh
printf '%s' "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json
```
with `DOCKER_AUTH_CONFIG` a masked CI/CD variable; rotate the committed credential.

## Fix safety
There is no automatic fix: the credential must be rotated and moved into a
CI/CD variable.
"""

from __future__ import annotations

import re

from typing import Iterator

from ..diagnostics import Severity
from ..lazy import lazy_compile
from ..secrets import is_placeholder, redact
from ..units import AuthDoc
from .base import Example, Hit, Rule, Triggers

RULE = Rule(
    code="AL103",
    name="literal-auth-in-json",
    severity=Severity.ERROR,
    summary="auth JSON with a literal user:password, password or token",
)
TRIGGERS = Triggers(document=True)  # reads the document alone

_SECRET_FIELDS = ("password", "identitytoken", "registrytoken")


def check_auth(doc: AuthDoc, options) -> Iterator[Hit]:
    from ..authjson.decode import decode_auth
    from ..authjson.view import entries

    if doc.origin == "yaml" and doc.variable == "DOCKER_AUTH_CONFIG":
        return  # AL101 reports the committed variable as a whole
    if doc.result.value is None or doc.result.errors:
        yield from _unparsed(doc)  # AL301 reports the syntax; the credential is committed all the same
        return
    for entry in entries(doc):
        if not entry.is_object:
            continue
        host = entry.key.value if not entry.key.opaque else "a registry"
        auth = entry.field("auth")
        if auth is not None and auth.kind == "string" and not auth.opaque and auth.value:
            decoded = decode_auth(auth.value)
            if decoded.ok and decoded.password and not is_placeholder(f"{decoded.user}:{decoded.password}") and not is_placeholder(auth.value):
                yield doc.hit(
                    auth.start,
                    auth.end,
                    f"auth for {host} is a committed user:password ({decoded.user}:{redact(decoded.password)}); "
                    "write the file from the DOCKER_AUTH_CONFIG CI/CD variable instead",
                    secrets=(auth.value, decoded.password),
                    key=f"auth:{host}",
                )
        for name in _SECRET_FIELDS:
            node = entry.field(name)
            if node is None or node.kind != "string" or node.opaque or not node.value or is_placeholder(node.value):
                continue
            yield doc.hit(
                node.start,
                node.end,
                f"{name} for {host} is a committed literal ({redact(node.value)}); use a CI/CD variable instead",
                secrets=(node.value,),
                key=f"{name}:{host}",
            )


# A document that does not parse: its fields found by pattern (quotes of either kind, raw newlines).
_FIELD = lazy_compile(r"""["']?(auth|password|identitytoken|registrytoken)["']?\s*:\s*(["'])((?:(?!\2).)*)\2""", re.I | re.S)


def _unparsed(doc: AuthDoc) -> Iterator[Hit]:
    from ..authjson.decode import decode_auth

    for m in _FIELD.finditer(doc.text):
        name, value = m.group(1).lower(), m.group(3)
        if not value or "$" in value or is_placeholder(value):
            continue
        pieces = tuple(p.strip() for p in value.splitlines() if p.strip())  # wrapped base64: redact each line
        if name == "auth":
            decoded = decode_auth("".join(pieces))
            if not (decoded.ok and decoded.password):
                continue
            message = f"auth is a committed user:password ({decoded.user}:{redact(decoded.password)}); write the file from the DOCKER_AUTH_CONFIG CI/CD variable instead"
            found = pieces + (decoded.password,)
        else:
            message = f"{name} is a committed literal ({redact(value)}); use a CI/CD variable instead"
            found = pieces
        yield doc.hit(m.start(3) - 1, m.end(3) + 1, message, secrets=found, key=f"{name}:unparsed")


VALID = [
    Example('echo "{\\"auths\\":{\\"$CI_REGISTRY\\":{\\"auth\\":\\"$(printf \'%s:%s\' "$CI_REGISTRY_USER" "$CI_REGISTRY_PASSWORD" | base64 | tr -d \'\\n\')\\"}}}" > /kaniko/.docker/config.json\n'),
    Example('{"auths": {"registry.example.com": {"auth": "bXlfdXNlcm5hbWU6bXlfcGFzc3dvcmQ="}}}\n', kind="json"),
    Example('{"credsStore": "ecr-login"}\n', kind="json"),
]

INVALID = [
    # a file that does not parse (AL301) still holds the credential
    Example('{"auths": {"r.example.com": {"auth": ⟦"ZGVwbG95OlN1cDNyUzNjcmV0UGFzc3cwcmQ="⟧,},}}\n', kind="json"),
    Example("{'auths': {'r.example.com': {'auth': ⟦'ZGVwbG95OlN1cDNyUzNjcmV0UGFzc3cwcmQ='⟧}}}\n", kind="json"),
    Example("echo '{\"auths\": {\"registry.example.com\": {\"auth\": ⟦\"ZGVwbG95Omh1bnRlcjI=\"⟧}}}' > /kaniko/.docker/config.json\n"),
    Example('{\n  "auths": {\n    "registry.example.com": {\n      "auth": ⟦"ZGVwbG95Omh1bnRlcjI="⟧\n    }\n  }\n}\n', kind="json"),
    Example(
        "build:\n  script:\n    - |\n      cat > /kaniko/.docker/config.json <<EOF\n      {\"auths\": {\"$CI_REGISTRY\": {\"username\": \"deploy\", \"password\": ⟦\"hunter2\"⟧}}}\n      EOF\n",
        kind="yaml",
    ),
]
