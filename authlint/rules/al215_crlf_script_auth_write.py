"""
## What it does
Finds a committed shell script with Windows (CRLF) line endings that writes a
registry auth file (`> ~/.docker/config.json`, `tee`, `cp`).

Severity: an **error**: the carriage returns change the script's paths and
keywords every time it runs, so the auth file is not where the tool reads it,
or the script stops at a syntax error.

## Why is this bad?
The shell takes the `\\r` before each line feed as part of the last word, so
the script writes `config.json\\r` (a different file), `mkdir -p ~/.docker`
makes `.docker\\r`, and a closing `fi\\r` is no keyword (a syntax error): the
registry tool reads no credentials (`unauthorized: authentication required`).  Editors on Windows and
`core.autocrlf=true` checkouts produce these files.

## Example
```sh
mkdir -p ~/.docker␍
printf '%s' "$DOCKER_AUTH_CONFIG" > ~/.docker/config.json␍
```

## Use instead
```sh
mkdir -p ~/.docker
printf '%s' "$DOCKER_AUTH_CONFIG" > ~/.docker/config.json
```
and keep the line endings in `.gitattributes`: `*.sh text eol=lf`.

## Fix safety
The fix converts every CRLF of the file to LF, which is what the script's
author meant; it is safe.
"""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Applicability, Edit, Fix, Severity
from ..units import CommandRef, FileUnit
from ..writes import auth_writes
from .base import FIX_SAFE, Example, Hit, Rule

RULE = Rule(
    code="AL215",
    name="crlf-script-auth-write",
    severity=Severity.ERROR,
    summary="script with CRLF line endings writes an auth file: the path gets a trailing `\\r`",
    fix=FIX_SAFE,
)


def check_file(unit: FileUnit, options) -> Iterator[Hit]:
    shell = unit.shell
    text = unit.source.text
    if unit.kind != "shell" or shell is None or "\r\n" not in text:
        return
    script_text = shell.script.text
    for cmd in shell.script.commands:  # the first auth file written
        for write in auth_writes(CommandRef(cmd, shell)):
            start, end = write.target.start, write.target.end
            if script_text[end : end + 2] == "\r\n":
                end += 1  # the `\r` the shell glues to the path
                what = f"the shell writes `{write.path}\\r`, not {write.path}"
            else:
                what = "the shell reads each `\\r` as part of a line's last word (`fi\\r`, `.docker\\r`)"
            message = (
                f"this script has CRLF line endings: {what}, so no tool finds the credentials; "
                "convert the file to LF line endings"
            )
            yield Hit(unit.source, shell.span(start, end), message, fix=_lf_fix(unit), key=write.path)
            return  # one finding: one fix converts the whole file


def _lf_fix(unit: FileUnit) -> Fix:
    text = unit.source.text
    edits = []
    i = text.find("\r\n")
    while i != -1:
        edits.append(Edit(unit.source.path, i, i + 1, ""))
        i = text.find("\r\n", i + 2)
    return Fix("convert the line endings to LF", tuple(edits), Applicability.SAFE)


_CALLER = {".gitlab-ci.yml": "login:\n  image: docker:27\n  script:\n    - sh login.sh\n"}

VALID = [
    Example("mkdir -p ~/.docker\nprintf '%s' \"$DOCKER_AUTH_CONFIG\" > ~/.docker/config.json\n", path="login.sh"),
    # CRLF, but no auth file written at a line end
    Example("echo building\r\ndocker build -t app .\r\n", path="login.sh", files=_CALLER),
]

INVALID = [
    Example(
        "mkdir -p ~/.docker\r\nprintf '%s' \"$DOCKER_AUTH_CONFIG\" > ⟦~/.docker/config.json\r⟧\ndocker push \"$IMAGE\"\r\n",
        path="login.sh",
        files=_CALLER,
        fixed="mkdir -p ~/.docker\nprintf '%s' \"$DOCKER_AUTH_CONFIG\" > ~/.docker/config.json\ndocker push \"$IMAGE\"\n",
    ),
]
