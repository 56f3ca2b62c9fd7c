"""
## What it does
Finds a literal `user:password` piped into `base64` or `openssl base64` (or
fed to them as a here-string) — the hand-made `auth` value of an auth JSON
document, built from a committed password.

Severity: an **error**: base64 hides nothing, so the committed `user:password`
is readable by everyone who can read the repository.

## Why is this bad?
Base64 is an encoding, not encryption: the password is committed in the clear,
and GitLab's log masking does not recognise its encoded form.

## Example
```sh
AUTH=$(printf 'deploy:hunter2' | base64)
```

## Use instead
```sh
AUTH=$(printf '%s:%s' "$REGISTRY_USER" "$REGISTRY_PASSWORD" | base64 | tr -d '\n')
```
or, better, a `DOCKER_AUTH_CONFIG` CI/CD variable written to the tool's config file.

## Fix safety
There is no automatic fix: the password must be rotated and moved into a CI/CD
variable.
"""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Severity
from ..secrets import is_placeholder, looks_like_literal_secret, redact
from ..shell.model import Command, Word
from ..units import CommandRef
from .base import Example, Hit, Rule, Triggers

RULE = Rule(
    code="AL107",
    name="literal-credential-encoded",
    severity=Severity.ERROR,
    summary="literal user:password piped into base64",
)

_ENCODERS = ("base64", "openssl")


def _encodes(cmd) -> bool:
    if cmd.basename == "base64":
        return not any(w.value in ("-d", "--decode", "-D") for w in cmd.args)
    return cmd.basename == "openssl" and any(w.value == "base64" for w in cmd.args) and not any(w.value == "-d" for w in cmd.args)


def _encoded_pairs(cmd: Command) -> list[tuple[Word, int, int, str]]:
    """(word, start, end, password) of each literal `user:password` the command encodes, or
    pipes into an encoder: the rule reads the command alone, once per command."""
    if _encodes(cmd):
        return [p for r in cmd.redirects if r.op == "<<<" and r.target is not None and r.target.value is not None
                for p in _literal_pair([r.target])]
    if cmd.basename not in ("echo", "printf"):
        return []
    later = cmd.pipeline[cmd.pipeline_index + 1 :]
    if not any(_encodes(c) for c in later):
        return []
    words = [w for w in cmd.args if not (w.value or "").startswith("-")]
    if cmd.basename == "printf" and words and words[0].value and "%" in words[0].value:
        words = words[1:] if len(words) >= 3 else []
        if len(words) == 2 and all(w.value is not None for w in words) and looks_like_literal_secret(words[1].value or ""):
            if not is_placeholder(words[1].value or "") and words[0].value:
                return [(words[1], 0, len(words[1].template), words[1].value or "")]
        return []
    return _literal_pair(words)


def _literal_pair(words: list[Word]) -> list[tuple[Word, int, int, str]]:
    out = []
    for w in words:
        if w.value is None or ":" not in w.value:
            continue
        user, password = w.value.split(":", 1)
        password = password.rstrip("\n")
        if user and looks_like_literal_secret(password) and not is_placeholder(w.value):
            off = w.template.index(":") + 1
            out.append((w, off, off + len(password), password))
    return out


TRIGGERS = Triggers(commands=frozenset({"base64", "openssl", "echo", "printf"}), command=_encoded_pairs)


def check_command(ref: CommandRef, options) -> Iterator[Hit]:
    for word, a, b, password in ref.cmd.derived(_encoded_pairs):
        yield _hit(ref, word, a, b, password)


def _hit(ref: CommandRef, word, a: int, b: int, password: str) -> Hit:
    return ref.word_hit(
        word,
        f"literal credential encoded with base64 ({redact(password)}); base64 hides nothing — use CI/CD variables",
        a,
        b,
        secrets=(password,),
        key="base64",
    )


VALID = [
    Example("printf '%s:%s' \"$REGISTRY_USER\" \"$REGISTRY_PASSWORD\" | base64 | tr -d '\\n'\n"),
    Example('echo "$KUBECONFIG_B64" | base64 -d > kubeconfig\n'),
    Example("printf 'my_username:my_password' | openssl base64 -A\n"),
]

INVALID = [
    Example("AUTH=$(printf 'deploy:⟦hunter2⟧' | base64)\n"),
    Example("echo -n deploy:⟦s3cr3t⟧ | openssl base64 -A\n"),
    Example("base64 -w0 <<< 'deploy:⟦hunter2⟧'\n"),
]
