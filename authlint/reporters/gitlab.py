"""GitLab Code Quality report (`artifacts:reports:codequality`): a JSON array of
Code Climate issues, shown in merge request widgets and diffs.

Severity: error -> critical (a credential exposed or a registry login that
cannot work), warning -> minor, info -> info.  Fingerprints are the engine's
line-independent, secret-free fingerprints, made unique within the report, so
GitLab matches an issue across commits even when lines move.
"""

from __future__ import annotations

import json
from typing import Callable

from ..diagnostics import Finding, Severity
from ..engine import LintResult
from . import Fingerprints, Report, Tally, json_item, position

SEVERITY = {Severity.ERROR: "critical", Severity.WARNING: "minor", Severity.INFO: "info"}


def render(report: Report) -> str:
    unique = Fingerprints()
    return json.dumps([_issue(report, f, unique.of(f)) for f in report.result.findings], indent=2, ensure_ascii=False) + "\n"


def _issue(report: Report, f: Finding, fp: str) -> dict:
    src = report.source_of(f)
    start, end = position(src, f.span.start), position(src, f.span.end)
    return {
        "type": "issue",
        "description": f"{f.code} {report.redact(f, f.message)}",
        "check_name": f.code,
        "fingerprint": fp,
        "severity": SEVERITY[f.severity],
        "categories": ["Security"],
        "location": {"path": f.path, "lines": {"begin": start["line"], "end": end["line"]}},
    }


class Stream:
    """The same array written issue by issue (see reporters.stream)."""

    def __init__(self, report: Report, write: Callable[[str], None]) -> None:
        self.report, self.write = report, write
        self.tally = Tally()
        self.unique = Fingerprints()

    def part(self, result: LintResult) -> None:
        report = self.report.over(result)
        for f in result.findings:
            self.write(("[\n" if not self.tally.found else ",\n") + json_item(_issue(report, f, self.unique.of(f)), "  "))
            self.tally.add((f,))

    def close(self, result: LintResult) -> None:
        self.write("\n]\n" if self.tally.found else "[]\n")
