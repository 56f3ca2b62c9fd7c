"""SARIF 2.1.0 (OASIS), for GitHub code scanning and other SARIF viewers.

One run; `tool.driver.rules` lists every rule with a finding (as ruff does),
each with its documentation; results point at regions whose columns count UTF-16
code units (`run.columnKind`), through the same line index as every other
position.  Fixes become `artifactChanges`; a fix whose text would have to be
redacted is left out rather than shown with a placeholder that would corrupt the
file if a tool applied it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable
from urllib.parse import quote

from .. import __version__
from ..diagnostics import Applicability, Finding, Severity
from ..engine import LintResult
from ..source import Source
from . import REPOSITORY_URL, Fingerprints, Report, Spool, Tally, json_item, rule_doc_url

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "authlint/v1"
SRCROOT = "%SRCROOT%"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# GitHub code scanning ranks security alerts by this (>= 7 high, >= 4 medium, else low).
SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.0", Severity.INFO: "2.0"}


def region(src: Source, start: int, end: int) -> dict[str, int]:
    """A SARIF text region: 1-based lines, 1-based columns in UTF-16 code units."""
    l0, c0 = src.index.utf16(start)
    l1, c1 = src.index.utf16(end)
    return {"startLine": l0 + 1, "startColumn": c0 + 1, "endLine": l1 + 1, "endColumn": c1 + 1}


def artifact_location(path: str) -> dict[str, str]:
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path, safe="/"), "uriBaseId": SRCROOT}


def _rule_descriptor(code: str, name: str) -> dict:
    from ..docs import render_rule
    from ..rules import by_code
    from ..rules.base import doc_sections

    module = by_code().get(code)
    desc: dict = {"id": code, "name": name, "helpUri": rule_doc_url(code)}
    if module is None:
        desc["shortDescription"] = {"text": name}
        return desc
    rule = module.RULE
    what = doc_sections(module.__doc__ or "").get("What it does", rule.summary)
    doc = render_rule(module)
    desc.update({
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(what.split())},
        "help": {"text": doc, "markdown": doc},
        "defaultConfiguration": {"level": LEVEL[rule.severity], "enabled": rule.default_enabled},
        "properties": {"tags": ["security"], "security-severity": SECURITY_SEVERITY[rule.severity], "fix": rule.fix},
    })
    return desc


def _fix(report: Report, f: Finding) -> dict | None:
    fix = f.fix
    if fix is None or not fix.edits or fix.applicability == Applicability.DISPLAY_ONLY:
        return None
    changes: dict[str, list[dict]] = {}
    for e in fix.edits:
        src = report.result.sources.get(e.path)
        if src is None or report.redact(f, e.content) != e.content:
            return None
        changes.setdefault(e.path, []).append({"deletedRegion": region(src, e.start, e.end), "insertedContent": {"text": e.content}})
    return {
        "description": {"text": report.redact(f, fix.title)},
        "artifactChanges": [{"artifactLocation": artifact_location(p), "replacements": r} for p, r in changes.items()],
        "properties": {"applicability": str(fix.applicability)},
    }


def _result(report: Report, f: Finding, rule_index: int, fingerprint: str) -> dict:
    src = report.source_of(f)
    physical: dict = {"artifactLocation": artifact_location(f.path)}
    if src is not None:
        physical["region"] = region(src, f.span.start, f.span.end)
    out: dict = {
        "ruleId": f.code,
        "ruleIndex": rule_index,
        "level": LEVEL[f.severity],
        "message": {"text": report.redact(f, f.message)},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    if f.job:
        out["locations"][0]["logicalLocations"] = [{"name": f.job, "kind": "object"}]
    fix = _fix(report, f)
    if fix is not None:
        out["fixes"] = [fix]
    return out


def render(report: Report) -> str:
    findings = report.result.findings
    codes = sorted({(f.code, f.name) for f in findings})
    index = {code: i for i, (code, _) in enumerate(codes)}
    unique = Fingerprints()
    return _document(report, codes, [_result(report, f, index[f.code], unique.of(f)) for f in findings])


def _document(report: Report, codes: list[tuple[str, str]], results: list[dict]) -> str:
    result = report.result
    run: dict = {
        "tool": {"driver": {
            "name": "authlint",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": REPOSITORY_URL,
            "rules": [_rule_descriptor(code, name) for code, name in codes],
        }},
        "invocations": [{
            "executionSuccessful": not result.internal_error,
            "toolExecutionNotifications": [{"level": "error", "message": {"text": err}} for err in result.errors],
        }],
        "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
        "columnKind": "utf16CodeUnits",
        "newlineSequences": ["\r\n", "\n", "\r"],  # the line index's (source.py)
        "results": results,
    }
    doc = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


_RESULTS = '"results": []'
_NO_INDEX = '"ruleIndex": -1,'


class Stream:
    """The same document, its results kept on disk until the end (the rules and errors they
    come after are known only then; see reporters.stream)."""

    def __init__(self, report: Report, write: Callable[[str], None]) -> None:
        self.report, self.write = report, write
        self.tally = Tally()
        self.unique = Fingerprints()
        self.codes: set[tuple[str, str]] = set()
        self.spool = Spool()

    def part(self, result: LintResult) -> None:
        report = self.report.over(result)
        for f in result.findings:
            self.spool.add(f.code, json_item(_result(report, f, -1, self.unique.of(f)), " " * 8))
            self.codes.add((f.code, f.name))
            self.tally.add((f,))

    def close(self, result: LintResult) -> None:
        codes = sorted(self.codes)
        index = {code: i for i, (code, _) in enumerate(codes)}
        head, _, tail = _document(self.report.over(result), codes, []).partition(_RESULTS)
        if not self.tally.found:
            self.write(head + _RESULTS + tail)
            return
        self.write(head + '"results": [\n')
        for i, (code, item) in enumerate(self.spool):
            self.write((",\n" if i else "") + item.replace(_NO_INDEX, f'"ruleIndex": {index[code]},', 1))
        self.write("\n      ]" + tail)
