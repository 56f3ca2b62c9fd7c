"""
## What it does
Finds GitLab tokens committed anywhere authlint reads: YAML values and
comments, scripts, JSON files, and inside the base64 `auth` value of an auth
JSON document, where the token's prefix is hidden from plain-text scanners.
Every prefix GitLab documents is recognised (`glpat-`, `gldt-`, `glcbt-`,
`glrt-`, `glptt-`, `glft-`, `glimt-`, `glagent-`, `glsoat-`, `glffct-`,
`glwt-`, `gloas-`, `GR1348941`, `_gitlab_session=`), in their routable forms and
behind instance-specific custom prefixes.

Severity: an **error**: the token is committed and works, with all its scopes,
for everyone who can read the repository or its history until it is revoked.

## Why is this bad?
A token in the repository is readable by everyone who can read the
repository, its forks and its history.  Tokens with `read_registry` or
`write_registry` scope let anyone pull or push your images.

## Example
```yaml
build:
  script:
    - echo "glpat-…" | docker login -u me --password-stdin registry.gitlab.com
```

## Use instead
```yaml
build:
  script:
    - printf '%s' "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"
```
Revoke the committed token, and keep credentials in masked CI/CD variables
(or use the job's own `CI_REGISTRY_*` / `CI_JOB_TOKEN`).

## Fix safety
There is no automatic fix: the token must be revoked, not just removed.
"""

from __future__ import annotations

import base64
from typing import Iterator

from ..diagnostics import Severity, Span
from ..secrets import find_gitlab_tokens, redact
from ..units import AuthDoc, FileUnit
from .base import Example, Hit, Rule, Triggers

RULE = Rule(
    code="AL104",
    name="gitlab-token",
    severity=Severity.ERROR,
    summary="GitLab token committed in the repository",
)
TRIGGERS = Triggers(document=True)  # check_auth reads the document alone


def check_file(unit: FileUnit, options) -> Iterator[Hit]:
    for token in find_gitlab_tokens(unit.source.text):
        yield Hit(
            unit.source,
            Span(token.start, token.end),
            f"GitLab {token.kind} committed in the repository ({redact(token.text)}); revoke it and use a masked CI/CD variable",
            secrets=(token.text,),
            key=token.kind,
        )


def check_auth(doc: AuthDoc, options) -> Iterator[Hit]:
    from ..authjson.view import auth_strings

    for node in auth_strings(doc):
        if node.opaque or not isinstance(node.value, str):
            continue
        try:
            decoded = base64.b64decode(node.value, validate=False).decode("utf-8", "replace")
        except ValueError:
            continue
        for token in find_gitlab_tokens(decoded):
            yield doc.hit(
                node.start,
                node.end,
                f"the auth value hides a GitLab {token.kind} ({redact(token.text)}); revoke it and keep credentials in a CI/CD variable",
                secrets=(token.text, node.value),
                key="auth:" + token.kind,
            )


# Examples are built from pieces so this file itself holds no token.
_TOKEN = "glpat" + "-" + "Xq3vT9pLm2RkW8sYd4Fh"
_AUTH = base64.b64encode(("gitlab-ci-token:" + _TOKEN).encode()).decode()

VALID = [
    Example('echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"\n'),
    Example("TOKEN=glpat-XXXXXXXXXXXXXXXXXXXX  # documentation placeholder\n"),
]

INVALID = [
    Example(f"docker login -u me -p ⟦{_TOKEN}⟧ registry.gitlab.com\n"),
    Example(
        'variables:\n  DOCKER_AUTH_CONFIG: \'{"auths": {"registry.gitlab.com": {"auth": ⟦"' + _AUTH + '"⟧}}}\'\n',
        kind="yaml",
        count=1,
    ),
]
