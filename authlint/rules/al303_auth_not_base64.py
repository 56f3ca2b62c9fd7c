"""
## What it does
Finds a literal `auth` value that is not standard padded base64, the only form
docker's `decodeAuth` accepts: the URL-safe alphabet (`-`, `_`), missing `=`
padding, spaces or other stray characters.  The message gives Go's error
(`illegal base64 data at input byte 8`).  Values filled in by the shell or by
GitLab (`"$REGISTRY_AUTH"`, `"$(printf ... | base64)"`) are not checked.

Severity: an **error**: decoding fails (`illegal base64 data`), and the runner
and docker drop the whole source with it.

## Why is this bad?
docker and the runner decode `auth` with Go's `base64.StdEncoding`, which
requires padding and the standard alphabet.  One bad `auth` makes the whole
document fail to load: every registry in it loses its credentials, and before
runner 18.11 nothing in the job log says why.

## Example
```json
{"auths": {"registry.example.com": {"auth": "ZGVwbG95OnMzY3IzdA"}}}
```

## Use instead
```json
{"auths": {"registry.example.com": {"auth": "ZGVwbG95OnMzY3IzdA=="}}}
```

## Fix safety
When a forgiving decoder (URL-safe alphabet, padding optional, whitespace
dropped) reads the value as `user:password`, the fix writes the same bytes
re-encoded as standard padded base64: the credential is unchanged, only its
spelling.  (A trailing line break in the password is trimmed as well, see
AL305.)  Values that do not decode even leniently have no fix: the intended
credential is unknown.
"""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Severity
from ..authjson.doc import effective, host_label, jfix, literal_auths
from ..shell.flow import substituted
from ..units import AuthDoc
from .base import FIX_SAFE, Example, Hit, Rule, Triggers

RULE = Rule(
    code="AL303",
    name="auth-not-base64",
    severity=Severity.ERROR,
    summary="`auth` that is not standard padded base64",
    fix=FIX_SAFE,
)


def _not_base64(doc: AuthDoc) -> bool:
    """What the rule judges, read of the document alone: a literal `auth` that is not base64
    (most are a variable or a `$(... | base64)`)."""
    from ..authjson.decode import decode_auth

    return any(decode_auth(value).error_kind == "not_base64" for _, _, value in literal_auths(effective(doc)))


TRIGGERS = Triggers(document=_not_base64)  # the rest (a sed template) reads the command


def _why(value: str) -> str:
    stripped = value.strip(" \t\r\n")
    if any(c in value for c in "-_"):
        return "it uses the URL-safe alphabet (`-`/`_`)"
    if any(c in value for c in " \t"):
        return "it holds spaces"
    if len(stripped.replace("\n", "").replace("\r", "")) % 4 and not stripped.endswith("="):
        return "the `=` padding is missing"
    return "it is not base64"


def check_auth(doc: AuthDoc, options) -> Iterator[Hit]:
    from ..authjson.decode import decode_auth, repaired_auth

    doc = effective(doc)
    for entry, node, value in literal_auths(doc):
        d = decode_auth(value)
        if d.error_kind != "not_base64":
            continue
        if doc.command is not None and substituted(doc.command, value) is not None:
            continue  # a template: `sed -i s/__AUTH__/.../` fills it in before any tool reads it
        host = host_label(entry)
        fix = None
        repaired = repaired_auth(value) if d.lenient is not None else None
        if repaired is not None and decode_auth(repaired).ok:
            fix = jfix(doc, "re-encode `auth` as standard padded base64", [(node.start + 1, node.end - 1, repaired)])
        secrets = tuple(s for s in (value, repaired, (d.lenient or b"").decode("utf-8", "replace")) if s)
        yield doc.hit(
            node.start, node.end,
            f"`auth` for {host} is not standard padded base64 ({_why(value)}): docker fails with "
            f"`{d.error}` and drops the whole auth config",
            fix=fix, secrets=secrets, key=f"auth-base64:{host}",
        )


_K = "/kaniko/.docker/config.json"

VALID = [
    Example('{"auths": {"registry.example.com": {"auth": "ZGVwbG95OnMzY3IzdA=="}}}\n', kind="json"),
    Example("echo \"{\\\"auths\\\": {\\\"$CI_REGISTRY\\\": {\\\"auth\\\": \\\"$(printf '%s:%s' \\\"$U\\\" \\\"$P\\\" | base64 -w0)\\\"}}}\" > " + _K + "\n"),
    # Go skips escaped line breaks inside base64: this works
    Example('{"auths": {"registry.example.com": {"auth": "ZGVwbG95\\nOnMzY3IzdA=="}}}\n', kind="json"),
    # a placeholder is AL307's
    Example('{"auths": {"registry.example.com": {"auth": "xxxxxxxxxxxxxxx"}}}\n', kind="json"),
    # a template the job fills in with sed before any tool reads it
    Example(
        "cat > ~/.docker/config.json <<'EOF'\n{\"auths\": {\"registry.example.com\": {\"auth\": \"__REGISTRY_AUTH__\"}}}\nEOF\n"
        "sed -i \"s/__REGISTRY_AUTH__/$REGISTRY_AUTH/\" ~/.docker/config.json\n"
    ),
    # a quoted heredoc for envsubst: the template is filled in later
    Example("cat > /tmp/config.tpl <<'EOF'\n{\"auths\": {\"${REGISTRY}\": {\"auth\": \"${REGISTRY_AUTH}\"}}}\nEOF\n"),
]

INVALID = [
    Example(
        '{"auths": {"registry.example.com": {"auth": ⟦"ZGVwbG95OnMzY3IzdA"⟧}}}\n',
        kind="json",
        fixed='{"auths": {"registry.example.com": {"auth": "ZGVwbG95OnMzY3IzdA=="}}}\n',
    ),
    # URL-safe alphabet
    Example(
        "echo '{\"auths\": {\"registry.example.com\": {\"auth\": ⟦\"ZGVwbG95Oj8_Pz4_\"⟧}}}' > " + _K + "\n",
        fixed="echo '{\"auths\": {\"registry.example.com\": {\"auth\": \"ZGVwbG95Oj8/Pz4/\"}}}' > " + _K + "\n",
    ),
    # not base64 at all: no fix
    Example('{"auths": {"registry.example.com": {"auth": ⟦"deploy:s3cr3t"⟧}}}\n', kind="json"),
    Example(
        "variables:\n  DOCKER_AUTH_CONFIG: '{\"auths\": {\"registry.example.com\": {\"auth\": ⟦\" ZGVwbG95OnMzY3IzdA==\"⟧}}}'\nbuild:\n  script: [make]\n",
        kind="yaml",
        fixed="variables:\n  DOCKER_AUTH_CONFIG: '{\"auths\": {\"registry.example.com\": {\"auth\": \"ZGVwbG95OnMzY3IzdA==\"}}}'\nbuild:\n  script: [make]\n",
    ),
]
