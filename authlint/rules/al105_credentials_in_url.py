"""
## What it does
Finds `user:password@` with a literal password in a URL (`https://u:p@host`,
`git`/registry URLs in scripts, values and `include: remote:`), a literal
token in a URL's query string (`?private_token=…`, `access_token`, `password`…),
and image references (`image:`, `services:`, Kaniko `--destination`), where a
registry password sometimes hides as `user:pass@registry/image`.

Severity: an **error**: the password is committed; in an image reference it is
also printed in every job log, and the reference is not valid.

## Why is this bad?
The password is committed, and the runner logs image names: an image reference
with credentials prints them to every job log.  Image references have no
user-info part at all, so `docker` fails with `invalid reference format`.

## Example
```yaml
build:
  image: deploy:hunter2@registry.example.com/tools/builder:1.0
```

## Use instead
```yaml
build:
  image: registry.example.com/tools/builder:1.0   # credentials in DOCKER_AUTH_CONFIG
```

## Fix safety
There is no automatic fix: the password must be rotated and moved into a CI/CD
variable.
"""

from __future__ import annotations

import re
from typing import Iterator

from ..diagnostics import Severity, Span
from ..secrets import looks_like_literal_secret, redact, url_credentials
from ..shell.model import Command, Word
from ..units import CommandRef, FileUnit
from .base import Example, Hit, Rule, Triggers

RULE = Rule(
    code="AL105",
    name="credentials-in-url",
    severity=Severity.ERROR,
    summary="literal password in a URL or image reference (user:password@host)",
)

_IMAGE = re.compile(r"^([^\s/:@]+):([^\s/@]+)@((?:[A-Za-z0-9-]+\.)+[A-Za-z0-9-]+(?::\d+)?|localhost(?::\d+)?|[A-Za-z0-9-]+:\d+)(?:/|$)")
_DEST_FLAGS = ("--destination", "-d")

def check_file(unit: FileUnit, options) -> Iterator[Hit]:
    for cred in url_credentials(unit.source.text):
        yield _hit(unit, cred.start, cred.end, cred.value, cred.where)
    if unit.pipeline is not None:
        yield from _images(unit)


def _image_passwords(cmd: Command) -> list[tuple[Word, int, int, str]]:
    """(word, start, end, password) of each literal password in a Kaniko --destination or a
    docker push/pull/run/tag image argument: the rule reads the command alone, once per command."""
    out = []
    args = cmd.args
    for i, w in enumerate(args):
        if w.value is None:
            continue
        value, off, word = None, 0, w
        if w.value.startswith("--destination="):
            value, off = w.value.split("=", 1)[1], len("--destination=")
        elif w.value in _DEST_FLAGS and cmd.basename == "executor" and i + 1 < len(args):
            word = args[i + 1]
            value = word.value
        elif cmd.basename in ("docker", "podman", "buildah") and i > 0 and args[0].value in ("push", "pull", "run", "tag"):
            value = w.value
        if not value:
            continue
        m = _IMAGE.match(value)
        if m and looks_like_literal_secret(m.group(2)):
            out.append((word, off + m.start(2), off + m.end(2), m.group(2)))
    return out


TRIGGERS = Triggers(commands=frozenset({"executor", "docker", "podman", "buildah"}), words=("--destination=",),
                    command=_image_passwords)


def check_command(ref: CommandRef, options) -> Iterator[Hit]:
    """Kaniko --destination and docker push/pull/run image arguments."""
    for word, start, end, password in ref.cmd.derived(_image_passwords):
        yield ref.word_hit(word, _message(password, "image reference"), start, end, secrets=(password,), key="image reference")


def _images(unit: FileUnit) -> Iterator[Hit]:
    seen: set[int] = set()
    for job in unit.pipeline.jobs.values():
        for image in ([job.image] if job.image else []) + list(job.services):
            name = image.name
            if name is None or "@" not in name.value or id(name) in seen or name.source is not unit.source:
                continue  # (_IMAGE needs an `@`: most names have none)
            seen.add(id(name))
            m = _IMAGE.match(name.value)
            if m and looks_like_literal_secret(m.group(2)):
                span = name.text.span(m.start(2), m.end(2))
                yield _hit(unit, span.start, span.end, m.group(2), "image reference")


def _hit(unit: FileUnit, start: int, end: int, password: str, where: str) -> Hit:
    return Hit(unit.source, Span(start, end), _message(password, where), secrets=(password,), key=where)


def _message(password: str, where: str) -> str:
    return f"literal password in a {where} ({redact(password)}); keep registry credentials in DOCKER_AUTH_CONFIG or a masked variable"


VALID = [
    Example('git clone "https://gitlab-ci-token:${CI_JOB_TOKEN}@gitlab.example.com/group/repo.git"\n'),
    Example("git clone git@gitlab.com:group/repo.git\n"),
    # a test database for a `services:` container is not a registry credential
    Example('test:\n  variables:\n    DATABASE_URL: "postgresql://test_user:test_password@postgres:5432/test_db"\n  script: [make test]\n', kind="yaml"),
    Example("build:\n  image: registry.example.com/tools/builder:1.0@sha256:" + "ab" * 32 + "\n  script: [make]\n", kind="yaml"),
    Example('git clone "https://gitlab.example.com/g/r.git?private_token=${GITLAB_TOKEN}"\n'),
]

INVALID = [
    Example("git clone https://deploy:⟦hunter2⟧@gitlab.example.com/group/repo.git\n"),
    Example("build:\n  image: deploy:⟦hunter2⟧@registry.example.com/tools/builder:1.0\n  script: [make]\n", kind="yaml"),
    Example("/kaniko/executor --context . --destination deploy:⟦hunter2⟧@registry.example.com/app:1\n"),
    Example("include:\n  - remote: 'https://gitlab.example.com/api/v4/projects/7/repository/files/ci.yml/raw?ref=main&private_token=⟦Fk7Qz-Vw93-Lp2y⟧'\n", kind="yaml"),
]
