"""GitHub Actions workflow commands: one `::error|warning|notice …::message` line
per finding, which the runner turns into annotations on the pull request.

Escaping follows the runner (actions/toolkit `command.ts`): in the message,
`%`, CR and LF become %25, %0D, %0A; in properties also `:` and `,` (%3A, %2C).
Columns count characters, like the text and JSON output.
"""

from __future__ import annotations

from typing import Callable

from ..diagnostics import Severity
from ..engine import LintResult
from . import Report, Tally, position

LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report) -> str:
    return "".join(line + "\n" for line in [*_lines(report), *_errors(report)])


def _lines(report: Report) -> list[str]:
    out = []
    for f in report.result.findings:
        src = report.source_of(f)
        start, end = position(src, f.span.start), position(src, f.span.end)
        props = {
            "file": f.path,
            "line": start["line"],
            "col": start["column"],
            "endLine": end["line"],
            "endColumn": end["column"],
            "title": f"authlint ({f.code})",
        }
        prop_text = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items())
        message = f"{f.code} {report.redact(f, f.message)}"
        if f.fix is not None and f.fix.edits:
            message += f"\nfix ({f.fix.applicability}): {report.redact(f, f.fix.title)}"
        out.append(f"::{LEVEL[f.severity]} {prop_text}::{escape_data(message)}")
    return out


def _errors(report: Report) -> list[str]:
    return [f"::error title=authlint::{escape_data(err)}" for err in report.result.errors]


class Stream:
    """The same lines written part by part (see reporters.stream)."""

    def __init__(self, report: Report, write: Callable[[str], None]) -> None:
        self.report, self.write = report, write
        self.tally = Tally()

    def part(self, result: LintResult) -> None:
        self.tally.add(result.findings)
        self.write("".join(line + "\n" for line in _lines(self.report.over(result))))

    def close(self, result: LintResult) -> None:
        self.write("".join(line + "\n" for line in _errors(self.report.over(result))))
