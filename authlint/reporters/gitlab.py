"""GitLab Code Quality report (`artifacts:reports:codequality`): a JSON array of
Code Climate issues, shown in merge request widgets and diffs.

Severity: error -> critical (a credential exposed or a registry login that
cannot work), warning -> minor, info -> info.  Fingerprints are the engine's
line-independent, secret-free fingerprints, made unique within the report, so
GitLab matches an issue across commits even when lines move.
"""

from __future__ import annotations

import json

from ..diagnostics import Severity
from . import Report, fingerprints, position

SEVERITY = {Severity.ERROR: "critical", Severity.WARNING: "minor", Severity.INFO: "info"}


def render(report: Report) -> str:
    findings = report.result.findings
    issues = []
    for f, fp in zip(findings, fingerprints(findings)):
        src = report.source_of(f)
        start, end = position(src, f.span.start), position(src, f.span.end)
        issues.append({
            "type": "issue",
            "description": f"{f.code} {report.redact(f, f.message)}",
            "check_name": f.code,
            "fingerprint": fp,
            "severity": SEVERITY[f.severity],
            "categories": ["Security"],
            "location": {"path": f.path, "lines": {"begin": start["line"], "end": end["line"]}},
        })
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
