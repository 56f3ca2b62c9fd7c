"""
## What it does
Finds uses of the deprecated predefined variable `CI_BUILD_TOKEN`
(`$CI_BUILD_TOKEN`, `${CI_BUILD_TOKEN}`, `${CI_BUILD_TOKEN:-...}`,
`$env:CI_BUILD_TOKEN`, `%CI_BUILD_TOKEN%`) anywhere in CI YAML values (scripts,
`variables:`, `rules:`) and shell scripts, comments included.

Severity: an **error**: the login with it fails (`unauthorized: incorrect
username or password`).

## Why is this bad?
`CI_BUILD_TOKEN` is the GitLab 8.x name of the job token.  It is deprecated in
favour of `CI_JOB_TOKEN`, and registries answer a login with it with
`unauthorized: incorrect username or password`
(`doc/ci/docker/docker_build_troubleshooting.md`).

## Example
```sh
docker login -u gitlab-ci-token -p "$CI_BUILD_TOKEN" "$CI_REGISTRY"
```

## Use instead
```sh
echo "$CI_JOB_TOKEN" | docker login -u gitlab-ci-token --password-stdin "$CI_REGISTRY"
```

## Fix safety
The fix renames the variable to `CI_JOB_TOKEN` inside the expansion and is
safe: both names hold the same job token wherever `CI_BUILD_TOKEN` still
exists, and `CI_JOB_TOKEN` exists everywhere.  It is shown only where the name
cannot be edited exactly (a folded YAML scalar).
"""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Applicability, Edit, Fix, Severity
from ..lazy import lazy_compile
from ..units import FileUnit
from ..yaml.model import scalars_in
from .base import FIX_SAFE, Example, Hit, Rule

RULE = Rule(
    code="AL501",
    name="deprecated-ci-build-token",
    severity=Severity.ERROR,
    summary="deprecated CI_BUILD_TOKEN: use CI_JOB_TOKEN",
    fix=FIX_SAFE,
)

OLD, NEW = "CI_BUILD_TOKEN", "CI_JOB_TOKEN"
_USE = lazy_compile(r"(?:\$\{|\$env:|\$|%)(?P<name>CI_BUILD_TOKEN)\b(?:\}|%)?")
_MESSAGE = "CI_BUILD_TOKEN is the deprecated name of the job token (registries answer `unauthorized`); use CI_JOB_TOKEN"
_TITLE = "rename CI_BUILD_TOKEN to CI_JOB_TOKEN"


def check_file(unit: FileUnit, options) -> Iterator[Hit]:
    if unit.kind == "shell" and unit.shell is not None:
        text = unit.source.text
        for m in _USE.finditer(text):
            if m.group(0).startswith("%") and not m.group(0).endswith("%"):
                continue
            edit = Edit(unit.source.path, m.start("name"), m.end("name"), NEW)
            yield Hit(unit.source, unit.shell.tmap.span(m.start(), m.end()), _MESSAGE, fix=Fix(_TITLE, (edit,), Applicability.SAFE), key=m.group(0))
        return
    if unit.yaml is None or OLD not in unit.source.text:
        return
    seen: set[int] = set()
    for doc in unit.yaml.documents:
        for scalar in scalars_in(doc):
            if id(scalar) in seen or OLD not in scalar.value:
                continue
            seen.add(id(scalar))
            st = scalar.text
            for m in _USE.finditer(scalar.value):
                if m.group(0).startswith("%") and not m.group(0).endswith("%"):
                    continue
                span = st.file_span(m.start("name"), m.end("name"))
                if span is not None and unit.source.text[span.start : span.end] == OLD:
                    fix = Fix(_TITLE, (Edit(unit.source.path, span.start, span.end, NEW),), Applicability.SAFE)
                else:
                    fix = Fix(_TITLE, (), Applicability.DISPLAY_ONLY, reason="the name cannot be edited exactly in this scalar")
                yield Hit(unit.source, st.span(m.start(), m.end()), _MESSAGE, fix=fix, key=m.group(0))


VALID = [
    Example('echo "$CI_JOB_TOKEN" | docker login -u gitlab-ci-token --password-stdin "$CI_REGISTRY"\n'),
    Example("variables:\n  CI_BUILD_TOKEN_NOTE: see docs\njob:\n  script: [make]\n", kind="yaml"),
    Example('echo "CI_BUILD_TOKEN was renamed"\n'),
]

INVALID = [
    Example(
        'docker login -u gitlab-ci-token -p "⟦$CI_BUILD_TOKEN⟧" "$CI_REGISTRY"\ndocker push "$CI_REGISTRY_IMAGE"\n',
        fixed='docker login -u gitlab-ci-token -p "$CI_JOB_TOKEN" "$CI_REGISTRY"\ndocker push "$CI_REGISTRY_IMAGE"\n',
    ),
    # 039710: inside an ssh remote command string
    Example(
        'ssh -i $ID_RSA $SERVER_USER@$SERVER_IP "docker login -u gitlab-ci-token -p ⟦$CI_BUILD_TOKEN⟧ $CI_REGISTRY"\n'
        'ssh -i $ID_RSA $SERVER_USER@$SERVER_IP "docker compose pull"\n',
        fixed='ssh -i $ID_RSA $SERVER_USER@$SERVER_IP "docker login -u gitlab-ci-token -p $CI_JOB_TOKEN $CI_REGISTRY"\n'
        'ssh -i $ID_RSA $SERVER_USER@$SERVER_IP "docker compose pull"\n',
    ),
    Example(
        "variables:\n  REGISTRY_PASSWORD: ⟦${CI_BUILD_TOKEN}⟧\nbuild:\n  script:\n    - docker login -u gitlab-ci-token -p \"$REGISTRY_PASSWORD\" \"$CI_REGISTRY\"\n",
        kind="yaml",
        fixed="variables:\n  REGISTRY_PASSWORD: ${CI_JOB_TOKEN}\nbuild:\n  script:\n    - docker login -u gitlab-ci-token -p \"$REGISTRY_PASSWORD\" \"$CI_REGISTRY\"\n",
    ),
    Example(
        'git clone "https://gitlab-ci-token:⟦${CI_BUILD_TOKEN}⟧@gitlab.example.com/group/lib.git"\nmake -C lib\n',
        fixed='git clone "https://gitlab-ci-token:${CI_JOB_TOKEN}@gitlab.example.com/group/lib.git"\nmake -C lib\n',
    ),
    # plain one-line script items (the harness only wraps multi-line examples in a `|` block)
    Example(
        "build:\n  script:\n    - docker login -u gitlab-ci-token -p ⟦$CI_BUILD_TOKEN⟧ $CI_REGISTRY\n    - 'echo \"token: ${CI_BUILD_TOKEN:0:4}\"'\n",
        kind="yaml",
        count=2,
        fixed="build:\n  script:\n    - docker login -u gitlab-ci-token -p $CI_JOB_TOKEN $CI_REGISTRY\n    - 'echo \"token: ${CI_JOB_TOKEN:0:4}\"'\n",
    ),
]
