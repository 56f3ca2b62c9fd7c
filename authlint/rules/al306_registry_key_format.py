"""
## What it does
Finds `auths` keys (and `credHelpers` keys) that are not written the way
every consumer looks them up: a scheme (`https://registry.example.com`), a
trailing slash, a path (`registry.example.com/group`), a tag, an upper-case
host, surrounding spaces, or Docker Hub spelt other than
`https://index.docker.io/v1/` (`docker.io`, `index.docker.io`,
`registry-1.docker.io`).  Keys filled in by a variable are not checked.

Severity: a **warning**: some readers normalise the key and find it, others do
not, so it works only with some tools and runner versions.

## Why is this bad?
The readers disagree on everything but the plain form.  The runner keeps
only the host of a key with a scheme (a path scope is silently lost; runner
17.5–18.0 mis-parsed `http://` keys), the docker CLI's `DOCKER_AUTH_CONFIG`
store looks keys up exactly, so `https://registry.example.com/` is never
found, and docker, BuildKit and Kaniko look Docker Hub up only under
`https://index.docker.io/v1/` while the runner never matches a bare
`index.docker.io`.  Path-scoped keys work in the runner (17.5+) and
containers/image but are collapsed to the host by docker and BuildKit.

## Example
```json
{"auths": {"https://registry.example.com/": {"auth": "$REGISTRY_AUTH"}}}
```

## Use instead
```json
{"auths": {"registry.example.com": {"auth": "$REGISTRY_AUTH"}}}
```

## Fix safety
The fix writes the canonical key: the lower-case `host[:port]`, keeping a
path that has no scheme (dropping it would widen the credential's scope),
dropping a tag, and `https://index.docker.io/v1/` for Docker Hub.  It is safe
because it is the form every reader finds, and the runner already reads the
key that way.  It is not applied when the canonical key is already in the
document (two entries would collide); a path-scoped key alone is reported
without a fix.
"""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Severity
from ..units import AuthDoc
from ..authjson.doc import effective, jfix, member
from .base import FIX_SAFE, Example, Hit, Rule, Triggers

RULE = Rule(
    code="AL306",
    name="registry-key-format",
    severity=Severity.WARNING,
    summary="registry key with a scheme, path, slash, tag or a non-canonical Docker Hub spelling",
    fix=FIX_SAFE,
)
TRIGGERS = Triggers(document=True)  # reads the document alone


def _keys(doc: AuthDoc):
    """(section, members) of `auths` and `credHelpers` when they are objects."""
    root = doc.result.value
    for section in ("auths", "credHelpers"):
        m = member(root, section) if root is not None and root.kind == "object" else None
        if m is not None and m.value.kind == "object":
            yield section, [x for x in m.value.members or [] if x.key is not x.value]


def check_auth(doc: AuthDoc, options) -> Iterator[Hit]:
    from ..authjson.keys import HAS_PATH, normalize_key

    doc = effective(doc)
    for section, members in _keys(doc):
        names = [m.key.value for m in members if m.key.kind == "string" and not m.key.opaque]
        for m in members:
            key = m.key
            if key.kind != "string" or key.opaque or not isinstance(key.value, str) or "%" in key.value:
                continue
            info = normalize_key(key.value)
            if info.templated or info.ok or (section == "credHelpers" and info.is_docker_hub):
                continue  # credHelpers lookups of Docker Hub differ by client: not judged
            canonical = info.canonical
            fix = None
            if canonical and canonical != key.value and canonical not in names:
                fix = jfix(doc, f"use the key `{canonical}`", [(key.start + 1, key.end - 1, canonical)])
            advice = f"; write `{canonical}`" if canonical and canonical != key.value else ""
            if info.problems == [HAS_PATH]:
                advice = ": the runner (17.5+) and podman/skopeo honour the path, docker, BuildKit and Kaniko look up the host only"
            elif canonical == "https://index.docker.io/v1/":
                advice = f"; docker, BuildKit and Kaniko look Docker Hub up only as `{canonical}`"
            yield doc.hit(
                key.start, key.end,
                f"{section} key `{key.value}` {_join(info.problems)}{advice}",
                fix=fix, key=f"key:{key.value}",
            )


def _join(problems: list[str]) -> str:
    from ..authjson import keys

    phrases = {
        keys.HAS_SCHEME: "has a scheme", keys.TRAILING_SLASH: "ends in a slash", keys.HAS_PATH: "has a path",
        keys.HAS_TAG: "has a tag", keys.UPPER_CASE: "has an upper-case host", keys.WHITESPACE: "has surrounding spaces",
        keys.EMPTY: "is empty", keys.HUB_SPELLING: "is not Docker Hub's canonical key",
    }
    words = [phrases.get(p, p) for p in problems]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


_K = "/kaniko/.docker/config.json"

VALID = [
    Example('{"auths": {"registry.example.com:5000": {"auth": "$A"}, "https://index.docker.io/v1/": {"auth": "$B"}}}\n', kind="json"),
    Example("echo \"{\\\"auths\\\": {\\\"$CI_REGISTRY\\\": {\\\"auth\\\": \\\"$AUTH\\\"}}}\" > " + _K + "\n"),
    Example("echo \"{\\\"auths\\\": {\\\"${CI_REGISTRY}/group\\\": {\\\"auth\\\": \\\"$AUTH\\\"}}}\" > " + _K + "\n"),
    Example('{"credHelpers": {"123456789012.dkr.ecr.eu-west-1.amazonaws.com": "ecr-login"}}\n', kind="json"),
]

INVALID = [
    Example(
        '{"auths": {⟦"https://registry.example.com/"⟧: {"auth": "$REGISTRY_AUTH"}}}\n',
        kind="json",
        fixed='{"auths": {"registry.example.com": {"auth": "$REGISTRY_AUTH"}}}\n',
    ),
    Example(
        "echo \"{\\\"auths\\\": {⟦\\\"docker.io\\\"⟧: {\\\"auth\\\": \\\"$HUB_AUTH\\\"}}}\" > " + _K + "\n",
        fixed="echo \"{\\\"auths\\\": {\\\"https://index.docker.io/v1/\\\": {\\\"auth\\\": \\\"$HUB_AUTH\\\"}}}\" > " + _K + "\n",
    ),
    Example(
        "variables:\n  DOCKER_AUTH_CONFIG: '{\"auths\": {⟦\"Registry.Example.com:5000/\"⟧: {\"auth\": \"$REGISTRY_AUTH\"}}}'\nbuild:\n  script: [make]\n",
        kind="yaml",
        fixed="variables:\n  DOCKER_AUTH_CONFIG: '{\"auths\": {\"registry.example.com:5000\": {\"auth\": \"$REGISTRY_AUTH\"}}}'\nbuild:\n  script: [make]\n",
    ),
    # path-scoped: works in the runner, not in docker: reported, no fix
    Example('{"auths": {⟦"registry.example.com/group"⟧: {"auth": "$REGISTRY_AUTH"}}}\n', kind="json"),
    # the canonical key is there already: no fix
    Example('{"auths": {"registry.example.com": {"auth": "$A"}, ⟦"http://registry.example.com"⟧: {"auth": "$B"}}}\n', kind="json"),
]
