"""
## What it does
Finds auth JSON that parses but does not have the shape docker and the runner
read: a top level that is not an object; no `auths`, `credsStore` or
`credHelpers` at all; a misspelt top-level key (`auth`, `Auths`, `credStore`,
`credHelper`); `auths` that is not an object of objects; an `auth` (or
`username`, `password`, ...) that is not a string; `credsStore` that is not a
string or `credHelpers` that is not a map of strings.  Type errors are
reported with Go's wording (`json: cannot unmarshal number into Go struct
field AuthConfig.auths.auth of type string`).

A legacy `.dockercfg` (registries at the top level, as in Kubernetes
`kubernetes.io/dockercfg` secrets) is not reported as missing `auths`.

Severity: an **error**: a document of the wrong shape fails to load or has no
`auths` to read, so no registry gets credentials from it.

## Why is this bad?
Unknown top-level keys are ignored, so a misspelt `auths` means the file
holds no credentials at all: every pull and push is anonymous.  A wrong type
is worse: Go's decoder fails and the runner drops the whole
`DOCKER_AUTH_CONFIG` (silently before runner 18.11).

## Example
```json
{"auth": {"registry.example.com": {"auth": "$REGISTRY_AUTH"}}}
```

## Use instead
```json
{"auths": {"registry.example.com": {"auth": "$REGISTRY_AUTH"}}}
```

## Fix safety
Renaming a misspelt top-level key is safe when it is unambiguous: exactly one
key is a near miss (one edit away, or a different case) of exactly one of
`auths`, `credsStore`, `credHelpers`, and the correct key is not there
already.  Everything else has no automatic fix.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Iterator

from ..diagnostics import Severity
from ..units import AuthDoc
from ..authjson.doc import effective, jfix, looks_like_auth, member
from .base import FIX_SAFE, Example, Hit, Rule, Triggers

RULE = Rule(
    code="AL302",
    name="auth-json-schema",
    severity=Severity.ERROR,
    summary="auth JSON with the wrong shape: no `auths`, a misspelt key or a wrong type",
    fix=FIX_SAFE,
)
TRIGGERS = Triggers(document=True)  # reads the document alone

TOP_KEYS = ("auths", "credsStore", "credHelpers")
STRING_FIELDS = ("auth", "username", "password", "serveraddress", "identitytoken", "registrytoken", "email")
_GO_KIND = {"object": "object", "array": "array", "string": "string", "number": "number", "true": "bool", "false": "bool"}


def _wrong(node, *ok: str) -> bool:
    return node.kind not in ok and node.kind not in ("null", "opaque")


def _unmarshal(node, field: str, go_type: str) -> str:
    return f"json: cannot unmarshal {_GO_KIND[node.kind]} into Go struct field {field} of type {go_type}"


def check_auth(doc: AuthDoc, options) -> Iterator[Hit]:
    doc = effective(doc)
    root = doc.result.value
    if root is None or not looks_like_auth(doc) or root.kind == "opaque":
        return
    if root.kind != "object":
        yield doc.hit(root.start, root.end,
                   f"auth JSON must be an object: json: cannot unmarshal {_GO_KIND.get(root.kind, root.kind)} into Go value of type configfile.ConfigFile",
                   key="schema:top")
        return
    members = root.members or []
    if any(m.key.kind != "string" or m.key.opaque for m in members):
        return  # keys authlint cannot read: `{$MEMBERS}`, `{"$KEY": ...}`
    typos = _typos(members)
    for m, target, fixable in typos:
        fix = jfix(doc, f"rename `{m.key.value}` to `{target}`", [(m.key.start + 1, m.key.end - 1, target)]) if fixable else None
        yield doc.hit(m.key.start, m.key.end,
                   f"top-level key `{m.key.value}` is a misspelling of `{target}`: docker and the runner ignore it, so these credentials are never used",
                   fix=fix, key=f"schema:typo:{target}")
    present = {t for t in TOP_KEYS if member(root, t) is not None}
    if not present and not typos and not _legacy_dockercfg(doc, root):
        yield doc.hit(root.start, root.start + 1,
                   "auth JSON has no `auths`, `credsStore` or `credHelpers`: docker and the runner read no credentials from it",
                   key="schema:no-auths")
    auths = member(root, "auths")
    if auths is not None:
        yield from _check_auths(doc, auths.value)
    store = member(root, "credsStore")
    if store is not None and _wrong(store.value, "string"):
        yield doc.hit(store.value.start, store.value.end, _unmarshal(store.value, "ConfigFile.credsStore", "string"), key="schema:credsStore")
    helpers = member(root, "credHelpers")
    if helpers is not None:
        value = helpers.value
        if _wrong(value, "object"):
            yield doc.hit(value.start, value.end, _unmarshal(value, "ConfigFile.credHelpers", "map[string]string"), key="schema:credHelpers")
        elif value.kind == "object":
            for m in value.members or []:
                if m.key is not m.value and _wrong(m.value, "string"):
                    yield doc.hit(m.value.start, m.value.end, _unmarshal(m.value, "ConfigFile.credHelpers", "string"), key="schema:credHelper")


def _check_auths(doc: AuthDoc, value) -> Iterator[Hit]:
    if _wrong(value, "object"):
        yield doc.hit(value.start, value.end, _unmarshal(value, "ConfigFile.auths", "map[string]types.AuthConfig"), key="schema:auths")
        return
    if value.kind != "object":
        return
    for m in value.members or []:
        entry = m.value
        if m.key is entry:
            continue  # spliced members
        if _wrong(entry, "object"):
            yield doc.hit(entry.start, entry.end, _unmarshal(entry, "ConfigFile.auths", "types.AuthConfig"), key="schema:entry")
            continue
        for name in STRING_FIELDS:
            f = member(entry, name)
            if f is not None and _wrong(f.value, "string"):
                yield doc.hit(f.value.start, f.value.end, _unmarshal(f.value, f"AuthConfig.auths.{name}", "string"), key=f"schema:{name}")


def _typos(members) -> list[tuple[object, str, bool]]:
    """(member, intended key, fix is unambiguous) for misspelt top-level keys."""
    found = []
    for m in members:
        key = m.key.value
        if key in TOP_KEYS:
            continue
        targets = [t for t in TOP_KEYS if _near(key, t)]
        if len(targets) == 1:
            found.append((m, targets[0]))
    out = []
    for m, target in found:
        exact = any(x.key.value == target for x in members)
        rivals = sum(1 for _, t in found if t == target)
        out.append((m, target, not exact and rivals == 1 and m.value.kind in ("object", "string", "null", "opaque")))
    return out


def _near(key: str, target: str) -> bool:
    a, b = key.strip().lower(), target.lower()
    if a == b:
        return True
    return len(a) >= 4 and _damerau(a, b) <= 1


def _damerau(a: str, b: str) -> int:
    """Optimal string alignment distance (insertions, deletions, substitutions, adjacent swaps)."""
    if abs(len(a) - len(b)) > 1:
        return 2
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def _legacy_dockercfg(doc: AuthDoc, root) -> bool:
    """The pre-1.7 format: registries at the top level, each with `auth` (Kubernetes dockercfg secrets)."""
    if doc.origin == "file" and PurePosixPath(doc.source.path).name == ".dockercfg":
        return True
    members = root.members or []
    return bool(members) and all(m.value.kind == "object" and member(m.value, "auth") is not None for m in members)


_K = "/kaniko/.docker/config.json"

VALID = [
    Example('{"auths": {"registry.example.com": {"auth": "$REGISTRY_AUTH"}}}\n', kind="json"),
    Example('{"credHelpers": {"123456789012.dkr.ecr.eu-west-1.amazonaws.com": "ecr-login"}}\n', kind="json"),
    Example('{\n  "auths": {},\n  "HttpHeaders": {"User-Agent": "Docker-Client/27.3.1"},\n  "psFormat": "table {{.ID}}"\n}\n', kind="json"),
    # Kubernetes dockercfg (legacy format)
    Example('{"registry.example.com": {"auth": "$REGISTRY_AUTH", "email": "ci@example.com"}}\n', kind="json", path=".dockercfg"),
    Example("echo \"{\\\"auths\\\": {\\\"$CI_REGISTRY\\\": {\\\"auth\\\": \\\"$AUTH\\\"}}}\" > " + _K + "\n"),
    # a null value is fine for Go
    Example('{"auths": {"registry.example.com": {"auth": "$REGISTRY_AUTH", "email": null}}}\n', kind="json"),
]

INVALID = [
    Example(
        "variables:\n  DOCKER_AUTH_CONFIG: '{⟦\"auth\"⟧: {\"$CI_REGISTRY\": {\"auth\": \"$REGISTRY_AUTH\"}}}'\nbuild:\n  script: [make]\n",
        kind="yaml",
        fixed="variables:\n  DOCKER_AUTH_CONFIG: '{\"auths\": {\"$CI_REGISTRY\": {\"auth\": \"$REGISTRY_AUTH\"}}}'\nbuild:\n  script: [make]\n",
    ),
    Example(
        "echo \"{⟦\\\"Auths\\\"⟧: {\\\"$CI_REGISTRY\\\": {\\\"auth\\\": \\\"$AUTH\\\"}}}\" > " + _K + "\n",
        fixed="echo \"{\\\"auths\\\": {\\\"$CI_REGISTRY\\\": {\\\"auth\\\": \\\"$AUTH\\\"}}}\" > " + _K + "\n",
    ),
    Example('{"auths": ⟦["registry.example.com"]⟧}\n', kind="json"),
    Example('{"auths": {"registry.example.com": {"auth": ⟦123⟧}}}\n', kind="json"),
    Example('{"auths": {"registry.example.com": ⟦"$REGISTRY_AUTH"⟧}}\n', kind="json"),
    Example(
        "variables:\n  DOCKER_AUTH_CONFIG: |\n    {\n      ⟦\"credStore\"⟧: \"ecr-login\"\n    }\nbuild:\n  script: [make]\n",
        kind="yaml",
        fixed="variables:\n  DOCKER_AUTH_CONFIG: |\n    {\n      \"credsStore\": \"ecr-login\"\n    }\nbuild:\n  script: [make]\n",
    ),
    Example('{"credHelpers": {"gcr.io": ⟦true⟧}}\n', kind="json"),
    # both spellings present: which one was meant is not certain
    Example('{"auths": {}, ⟦"Auths"⟧: {"registry.example.com": {"auth": "$REGISTRY_AUTH"}}}\n', kind="json"),
    Example('⟦[{"auths": {}}]⟧\n', kind="json", path="auth.json"),
    Example('⟦{⟧"registry.example.com": {"username": "$U", "password": "$P"}}\n', kind="json", path="pull.dockerconfigjson"),
]
