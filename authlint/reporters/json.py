"""The stable JSON format (version 1, DESIGN.md §3)."""

from __future__ import annotations

import json
from typing import Callable

from ..diagnostics import Finding
from ..engine import LintResult
from . import Report, Tally, json_item, position

VERSION = 1


def finding_dict(report: Report, f: Finding) -> dict:
    src = report.source_of(f)
    out = {
        "code": f.code,
        "name": f.name,
        "severity": str(f.severity),
        "message": report.redact(f, f.message),
        "path": f.path,
        "start": position(src, f.span.start),
        "end": position(src, f.span.end),
        "job": f.job,
        "fix": None,
        "fingerprint": f.fingerprint_key,
    }
    if f.fix is not None:
        out["fix"] = {
            "title": report.redact(f, f.fix.title),
            "applicability": str(f.fix.applicability),
            "edits": [
                {
                    "path": e.path,
                    "start": position(report.result.sources.get(e.path), e.start),
                    "end": position(report.result.sources.get(e.path), e.end),
                    "content": report.redact(f, e.content),
                }
                for e in f.fix.edits
            ],
        }
        if f.fix.reason:
            out["fix"]["reason"] = report.redact(f, f.fix.reason)
    return out


def render(report: Report) -> str:
    findings = report.result.findings
    return _document(report, [finding_dict(report, f) for f in findings], Tally.of(findings))


def _document(report: Report, findings: list[dict], tally: Tally) -> str:
    doc = {
        "version": VERSION,
        "findings": findings,
        "summary": {"files": len(report.result.files), "findings": tally.found, "fixable": tally.edits},
    }
    if report.result.errors:
        doc["errors"] = list(report.result.errors)
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


_FINDINGS = '"findings": []'


class Stream:
    """The same document written piece by piece (as reporters.text.Stream): each finding as
    json.dumps places it in the list, then the rest of the document from the counts."""

    def __init__(self, report: Report, write: Callable[[str], None]) -> None:
        self.report, self.write = report, write
        self.tally = Tally()

    def part(self, result: LintResult) -> None:
        report = self.report.over(result)
        for f in result.findings:
            lead = ",\n" if self.tally.found else _document(report, [], Tally()).partition(_FINDINGS)[0] + '"findings": [\n'
            self.write(lead + json_item(finding_dict(report, f), "    "))
            self.tally.add((f,))

    def close(self, result: LintResult) -> None:
        whole = _document(self.report.over(result), [], self.tally)
        head, _, tail = whole.partition(_FINDINGS)
        self.write(("\n  ]" if self.tally.found else head + _FINDINGS) + tail)
