"""The stable JSON format (version 1, DESIGN.md §3)."""

from __future__ import annotations

import json

from ..diagnostics import Finding
from . import Report, position

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
    doc = {
        "version": VERSION,
        "findings": [finding_dict(report, f) for f in findings],
        "summary": {
            "files": len(report.result.files),
            "findings": len(findings),
            "fixable": sum(1 for f in findings if f.fix is not None and f.fix.edits),
        },
    }
    if report.result.errors:
        doc["errors"] = list(report.result.errors)
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
