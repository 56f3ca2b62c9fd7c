"""
## What it does
Finds a PowerShell job (Windows runner) that writes a docker auth file
(`config.json`, or `$env:DOCKER_AUTH_CONFIG`) with `Out-File -Encoding utf8`
or `Set-Content -Encoding utf8`.

Severity: a **warning**: only Windows PowerShell 5.1 writes the byte order
mark; the same script works under PowerShell 7 (`pwsh`).

## Why is this bad?
In Windows PowerShell 5.1 (the runner's `powershell` shell), `-Encoding utf8`
writes a byte order mark first.  Docker's JSON reader rejects it with
`invalid character 'ï' looking for beginning of value`, so no credentials are
loaded.  PowerShell 7 (`pwsh`) writes no BOM, which is why the same script
works elsewhere.

## Example
```powershell
$env:DOCKER_AUTH_CONFIG | Out-File -FilePath "$env:USERPROFILE\\.docker\\config.json" -Encoding utf8
```

## Use instead
```powershell
[System.IO.File]::WriteAllText("$env:USERPROFILE\\.docker\\config.json", $env:DOCKER_AUTH_CONFIG)
```
`WriteAllText` writes UTF-8 without a BOM in every PowerShell version.

## Fix safety
There is no automatic fix: `-Encoding ascii` would mangle non-ASCII text, and
rewriting the command into `WriteAllText` changes how the value is formatted.
"""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Severity
from ..lazy import lazy_compile
from ..units import JobUnit
from .base import Example, Hit, Rule

RULE = Rule(
    code="AL216",
    name="powershell-utf8-bom",
    severity=Severity.WARNING,
    summary="`Out-File -Encoding utf8` in Windows PowerShell 5.1 writes a BOM that docker rejects",
)

# One pipeline segment (up to `|`, `;` or the line end) that writes with UTF-8 encoding.
_WRITE = lazy_compile(r"(?i)\b(?:Out-File|Set-Content|Add-Content)\b[^|;\n]*?-Encoding[:\s]+['\"]?(utf8)\b(?!NoBOM)")
_AUTH = lazy_compile(r"(?i)config\.json|DOCKER_AUTH_CONFIG|\bauths\b|\.dockerconfigjson")


def check_job(unit: JobUnit, options) -> Iterator[Hit]:
    if unit.shell != "powershell":
        return
    job = unit.job
    for line in [*job.before_script, *job.script, *job.after_script]:
        scalar = line.scalar
        value = scalar.value
        for m in _WRITE.finditer(value):
            statement = _statement(value, m.start(), m.end())
            if not _AUTH.search(statement):
                continue
            message = (
                "`-Encoding utf8` writes a byte order mark in Windows PowerShell 5.1, and docker rejects "
                "the auth file (`invalid character 'ï'`); write it with [System.IO.File]::WriteAllText"
            )
            yield Hit(scalar.source, scalar.text.span(m.start(1), m.end(1)), message, job=unit.name, key=m.group(1).lower())


def _statement(text: str, start: int, end: int) -> str:
    """The line (statement) around a match: the writer and what is piped into it."""
    head = max(text.rfind("\n", 0, start), text.rfind(";", 0, start)) + 1
    tail = min(i for i in (text.find("\n", end), text.find(";", end), len(text)) if i != -1)
    return text[head:tail]


_WIN = "build:\n  tags: [windows]\n  script:\n"

VALID = [
    Example(_WIN + "    - '[System.IO.File]::WriteAllText(\"$env:USERPROFILE\\.docker\\config.json\", $env:DOCKER_AUTH_CONFIG)'\n", kind="yaml"),
    Example(_WIN + "    - 'Get-Date | Out-File -FilePath build.txt -Encoding utf8'\n", kind="yaml"),
    Example(_WIN + "    - '$env:DOCKER_AUTH_CONFIG | Out-File -FilePath config.json -Encoding ascii'\n", kind="yaml"),
]

INVALID = [
    Example(
        _WIN + "    - '$env:DOCKER_AUTH_CONFIG | Out-File -FilePath \"$env:USERPROFILE\\.docker\\config.json\" -Encoding ⟦utf8⟧'\n"
        "    - docker push registry.example.com/app\n",
        kind="yaml",
    ),
    Example(
        _WIN + "    - Set-Content -Path C:\\Users\\ci\\.docker\\config.json -Value $env:REGISTRY_JSON -Encoding ⟦UTF8⟧\n",
        kind="yaml",
    ),
]
