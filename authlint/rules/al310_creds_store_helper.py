"""
## What it does
Finds `credsStore` in `DOCKER_AUTH_CONFIG` and committed auth files, and credential helper names (`credsStore`,
`credHelpers` values) that are not a bare helper suffix: names with `/`, `\\`
or `..` (`/usr/bin/docker-credential-ecr-login`, `../helpers/gcr`) anywhere.
A `credsStore` in a file the job's script writes for its own tools (Kaniko's
documented `{"credsStore": "ecr-login"}`) is not reported: the helper ships
with the image.

Severity: a **warning**: whether a `credsStore` works depends on the runner
(the helper on its `PATH`), and then it serves every registry; a helper name
that is a path fails the job outright.

## Why is this bad?
`credsStore` sends the lookup for *every* registry to
`docker-credential-<name>`, which must exist on the runner host's `PATH` (it
does not on GitLab's instance runners): where it is missing the runner logs a
warning and skips the source, so no registry gets credentials from it.  A
helper name that is a path is refused by the runner as path traversal, and
that error **fails the job** instead of being skipped.

## Example
```json
{"auths": {"registry.example.com": {"auth": "$REGISTRY_AUTH"}}, "credsStore": "ecr-login"}
```

## Use instead
```json
{"credHelpers": {"123456789012.dkr.ecr.eu-west-1.amazonaws.com": "ecr-login"}}
```
(a helper only for the registry that needs it, installed on the runner host),
or plain `auths` entries.

## Fix safety
There is no automatic fix: which registries need the helper, and where it is
installed, is the user's decision.
"""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Severity
from ..units import AuthDoc
from ..authjson.doc import effective, literal_string, member
from .base import Example, Hit, Rule, Triggers

RULE = Rule(
    code="AL310",
    name="creds-store-helper",
    severity=Severity.WARNING,
    summary="`credsStore` for every registry, or a credential helper name that is a path",
)
TRIGGERS = Triggers(document=True)  # reads the document alone


def _bad_name(name: str) -> bool:
    return "/" in name or "\\" in name or ".." in name


def check_auth(doc: AuthDoc, options) -> Iterator[Hit]:
    doc = effective(doc)
    root = doc.result.value
    if root is None or root.kind != "object":
        return
    store = member(root, "credsStore")
    name = literal_string(store.value) if store is not None else None
    if name:
        if _bad_name(name):
            yield doc.hit(store.value.start, store.value.end,
                       f"credential helper name `{name}` is a path: the runner refuses it as path traversal and fails the job; "
                       "give the bare suffix of `docker-credential-<name>`",
                       key="helper-path:credsStore")
        elif doc.origin in ("yaml", "file"):  # a script's own file is for the job image's tools (Kaniko ships ecr-login, gcr, acr-env)
            yield doc.hit(store.key.start, store.value.end,
                       f"`credsStore` sends the lookup for every registry to `docker-credential-{name}`, which must be on the "
                       "runner host's PATH; use `credHelpers` for the registries that need it",
                       key="credsStore")
    helpers = member(root, "credHelpers")
    if helpers is not None and helpers.value.kind == "object":
        for m in helpers.value.members or []:
            value = literal_string(m.value) if m.key is not m.value else None
            if value and _bad_name(value):
                yield doc.hit(m.value.start, m.value.end,
                           f"credential helper name `{value}` is a path: the runner refuses it as path traversal and fails the job; "
                           "give the bare suffix of `docker-credential-<name>`",
                           key=f"helper-path:{value}")


VALID = [
    Example('{"credHelpers": {"123456789012.dkr.ecr.eu-west-1.amazonaws.com": "ecr-login"}}\n', kind="json"),
    Example('{"auths": {"registry.example.com": {"auth": "$REGISTRY_AUTH"}}, "credsStore": ""}\n', kind="json"),
]

VALID += [
    # Kaniko's documented ECR set-up: the helper is in the Kaniko image
    Example("echo '{\"credsStore\":\"ecr-login\"}' > /kaniko/.docker/config.json\n"),
]

INVALID = [
    Example(
        'variables:\n  DOCKER_AUTH_CONFIG: \'{"auths": {}, ⟦"credsStore": "ecr-login"⟧}\'\nbuild:\n  script: [make]\n',
        kind="yaml",
    ),
    Example('{"credHelpers": {"gcr.io": ⟦"/usr/local/bin/docker-credential-gcr"⟧}}\n', kind="json"),
    Example('{"credsStore": ⟦"../bin/secretservice"⟧}\n', kind="json"),
]
