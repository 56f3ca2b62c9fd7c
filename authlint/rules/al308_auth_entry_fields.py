"""
## What it does
Looks at the fields of each `auths` entry and finds:

* an entry with no credentials at all: no `auth`, no `username`/`password`,
  no token, and no credential helper (`credsStore` or a `credHelpers` entry
  for the same key) that would supply them;
* `auth` beside `username`/`password`: docker decodes `auth` and silently
  overwrites the pair with it;
* the obsolete `email` field (deprecated since Docker 1.11, removed from
  docker's config struct in v29);
* fields docker does not know (`token`, `pass`, `registry`, ...), which are
  ignored.

Severity: a **warning**: readers still load the document; depending on the
field, the entry gives its registry no credentials, is silently overridden, or
is rejected only by the docker CLI's strict `DOCKER_AUTH_CONFIG` store.

## Why is this bad?
An entry without credentials makes every client pull and push anonymously
(`no basic auth credentials`).  When `auth` and `username`/`password` are both
there, the pair that looks authoritative is never used — rotating it changes
nothing.  Unknown fields and `email` are ignored by docker and the runner but
rejected by the docker CLI's `DOCKER_AUTH_CONFIG` store (docker 28.3+), which
reads only `auth`.

## Example
```json
{"auths": {"registry.example.com": {"auth": "$REGISTRY_AUTH", "email": "ci@example.com"}}}
```

## Use instead
```json
{"auths": {"registry.example.com": {"auth": "$REGISTRY_AUTH"}}}
```

## Fix safety
Dropping `email` is safe: no current reader uses it.  Dropping a
`username`/`password` pair shadowed by a literal, valid `auth` is safe: docker
and the runner already use `auth` and ignore the pair.  When `auth` is filled
in by the shell or GitLab it might be empty at run time (then the pair would
be used), so the fix is shown, not applied.  Entries without credentials and
unknown fields have no automatic fix.
"""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Applicability, Severity
from ..units import AuthDoc
from ..authjson.doc import effective, host_label, jfix, literal_string, member
from .base import FIX_SAFE, Example, Hit, Rule, Triggers

RULE = Rule(
    code="AL308",
    name="auth-entry-fields",
    severity=Severity.WARNING,
    summary="auth entry with no credentials, a shadowed username/password, `email` or unknown fields",
    fix=FIX_SAFE,
)
TRIGGERS = Triggers(document=True)  # reads the document alone

KNOWN = ("auth", "username", "password", "serveraddress", "identitytoken", "registrytoken", "email")
_CREDS = ("auth", "username", "password", "identitytoken", "registrytoken")


def removal_spans(obj, indexes: set[int]) -> list[tuple[int, int]]:
    """Text ranges deleting the given members of obj together with their commas."""
    members = obj.members or []
    runs: list[list[int]] = []
    for i in sorted(indexes):
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    out = []
    for run in runs:
        first, last = run[0], run[-1]
        if last + 1 < len(members):
            out.append((members[first].key.start, members[last + 1].key.start))
        elif first > 0:
            out.append((members[first - 1].value.end, members[last].value.end))
        else:
            out.append((members[first].key.start, members[last].value.end))
    return out


def _index(obj, m) -> int:
    return next(i for i, x in enumerate(obj.members or []) if x is m)


def _helper_for(root, key: str | None) -> bool:
    store = member(root, "credsStore")
    if store is not None and (store.value.kind == "opaque" or (store.value.kind == "string" and store.value.value)):
        return True
    helpers = member(root, "credHelpers")
    if helpers is None or helpers.value.kind != "object":
        return False
    return key is None or any(m.key.value == key or m.key.opaque for m in helpers.value.members or [])


def _has_value(node) -> bool:
    return node.kind == "opaque" or (node.kind == "string" and (node.opaque or bool(node.value)))


def check_auth(doc: AuthDoc, options) -> Iterator[Hit]:
    from ..authjson.decode import decode_auth
    from ..authjson.view import entries

    doc = effective(doc)
    root = doc.result.value
    for entry in entries(doc):
        obj = entry.value
        if obj.kind != "object":
            continue
        if any(m.key is m.value or m.key.kind != "string" or m.key.opaque for m in obj.members or []):
            continue  # spliced or templated fields: not judged
        host = host_label(entry)
        key = entry.key.value if entry.key.kind == "string" and not entry.key.opaque else None
        fields = {name: member(obj, name) for name in KNOWN}
        creds = [fields[n] for n in _CREDS if fields[n] is not None and _has_value(fields[n].value)]
        if not creds and not _helper_for(root, key):
            yield doc.hit(entry.key.start, entry.key.end,
                       f"the entry for {host} holds no credentials (no `auth`, no username/password, no token, no credential helper): "
                       "clients pull and push anonymously",
                       key=f"entry-empty:{host}")
        auth = fields["auth"]
        pair = [fields[n] for n in ("username", "password") if fields[n] is not None]
        if auth is not None and _has_value(auth.value) and pair:
            literal = literal_string(auth.value)
            names = "/".join(f"`{m.key.value}`" for m in pair)
            spans = removal_spans(obj, {_index(obj, m) for m in pair})
            title = f"remove the shadowed {names}"
            if literal is not None and decode_auth(literal).ok:
                fix = jfix(doc, title, [(a, b, "") for a, b in spans])
            else:
                fix = jfix(doc, title, [(a, b, "") for a, b in spans], Applicability.DISPLAY_ONLY)
            secrets = tuple(m.value.value for m in pair if m.value.kind == "string" and isinstance(m.value.value, str) and m.value.value)
            yield doc.hit(pair[0].key.start, pair[-1].value.end if pair[-1] is not pair[0] else pair[0].value.end,
                       f"{names} beside `auth` for {host} {'are' if len(pair) > 1 else 'is'} never used: docker decodes `auth` and it wins",
                       fix=fix, secrets=secrets, key=f"entry-shadowed:{host}")
        email = fields["email"]
        if email is not None:
            spans = removal_spans(obj, {_index(obj, email)})
            yield doc.hit(email.key.start, email.value.end,
                       f"`email` in the entry for {host} is obsolete (removed in docker 29) and rejected by the docker CLI's DOCKER_AUTH_CONFIG store",
                       fix=jfix(doc, "remove `email`", [(a, b, "") for a, b in spans]), key=f"entry-email:{host}")
        for m in obj.members or []:
            name = m.key.value
            if isinstance(name, str) and name.lower() not in KNOWN:
                yield doc.hit(m.key.start, m.key.end,
                           f"unknown field `{name}` in the entry for {host}: docker and the runner ignore it, the docker CLI's "
                           "DOCKER_AUTH_CONFIG store rejects it",
                           key=f"entry-unknown:{host}:{name}")


_K = "/kaniko/.docker/config.json"

VALID = [
    Example('{"auths": {"registry.example.com": {"auth": "$REGISTRY_AUTH"}}}\n', kind="json"),
    # docker login with a credential store writes empty entries
    Example('{\n  "auths": {"https://index.docker.io/v1/": {}},\n  "credsStore": "desktop"\n}\n', kind="json"),
    Example('{"auths": {"gcr.io": {}}, "credHelpers": {"gcr.io": "gcloud"}}\n', kind="json"),
    Example("echo \"{\\\"auths\\\": {\\\"$CI_REGISTRY\\\": {\\\"username\\\": \\\"$U\\\", \\\"password\\\": \\\"$P\\\"}}}\" > " + _K + "\n"),
    Example('{"auths": {"registry.example.com": {"identitytoken": "$TOKEN", "serveraddress": "registry.example.com"}}}\n', kind="json"),
]

INVALID = [
    Example(
        '{"auths": {"registry.example.com": {"auth": "$REGISTRY_AUTH", ⟦"email": "ci@example.com"⟧}}}\n',
        kind="json",
        fixed='{"auths": {"registry.example.com": {"auth": "$REGISTRY_AUTH"}}}\n',
    ),
    # Kaniko issue #1209: auth and username/password together
    Example(
        '{\n  "auths": {\n    "registry.example.com": {\n      "auth": "ZGVwbG95OnMzY3IzdA==",\n      ⟦"username": "deploy",\n      "password": "s3cr3t"⟧\n    }\n  }\n}\n',
        kind="json",
        fixed='{\n  "auths": {\n    "registry.example.com": {\n      "auth": "ZGVwbG95OnMzY3IzdA=="\n    }\n  }\n}\n',
    ),
    Example(
        "echo \"{\\\"auths\\\": {\\\"$CI_REGISTRY\\\": {⟦\\\"email\\\": \\\"ci@example.com\\\"⟧, \\\"auth\\\": \\\"$AUTH\\\"}}}\" > " + _K + "\n",
        fixed="echo \"{\\\"auths\\\": {\\\"$CI_REGISTRY\\\": {\\\"auth\\\": \\\"$AUTH\\\"}}}\" > " + _K + "\n",
    ),
    # a literal `|` block has no escapes: the fix edits it across lines
    Example(
        "variables:\n  DOCKER_AUTH_CONFIG: |\n    {\n      \"auths\": {\n        \"registry.example.com\": {\n"
        "          \"auth\": \"ZGVwbG95OnMzY3IzdA==\",\n          ⟦\"email\": \"ci@example.com\"⟧\n        }\n      }\n    }\n"
        "build:\n  script: [make]\n",
        kind="yaml",
        fixed="variables:\n  DOCKER_AUTH_CONFIG: |\n    {\n      \"auths\": {\n        \"registry.example.com\": {\n"
        "          \"auth\": \"ZGVwbG95OnMzY3IzdA==\"\n        }\n      }\n    }\n"
        "build:\n  script: [make]\n",
    ),
    Example('{"auths": {⟦"registry.example.com"⟧: {}}}\n', kind="json"),
    Example('{"auths": {"registry.example.com": {"auth": "$REGISTRY_AUTH", ⟦"token"⟧: "$TOKEN"}}}\n', kind="json"),
    # `auth` comes from a variable: it could be empty, so the fix is only shown
    Example(
        "variables:\n  DOCKER_AUTH_CONFIG: '{\"auths\": {\"$CI_REGISTRY\": {\"auth\": \"$AUTH\", ⟦\"username\": \"$U\", \"password\": \"$P\"⟧}}}'\nbuild:\n  script: [make]\n",
        kind="yaml",
    ),
]
