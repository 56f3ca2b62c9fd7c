"""Output formats.  Each reporter turns a LintResult into text; every one of
them shows redacted text only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..diagnostics import Finding
from ..engine import LintResult
from ..secrets import redact_text
from ..source import Source


@dataclass
class Report:
    result: LintResult
    color: bool = False
    show_fixes: bool = False
    statistics: bool = False
    fixed_count: int = 0
    unsafe_hint: bool = True

    def secrets_of(self, f: Finding) -> tuple[str, ...]:
        return self.result.secrets.get(id(f), ())

    def source_of(self, f: Finding) -> Source | None:
        return self.result.sources.get(f.path)

    def redact(self, f: Finding, text: str) -> str:
        return redact_text(text, self.secrets_of(f))


def position(src: Source | None, offset: int) -> dict[str, int]:
    if src is None:
        return {"line": 1, "column": 1}
    p = src.index.position(offset)
    return {"line": p.line, "column": p.column}


def get(name: str) -> Callable[[Report], str]:
    if name == "text":
        from .text import render
    elif name == "json":
        from .json import render
    else:
        raise KeyError(name)
    return render


FORMATS = ("text", "json")
