"""JUnit XML (`artifacts:reports:junit`): one test case per linted file, passing
when the file is clean, with one <failure> per finding.  Built with ElementTree,
so every attribute and text node is escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from ..diagnostics import Finding
from . import Report, position


def render(report: Report) -> str:
    result = report.result
    by_path: dict[str, list[Finding]] = defaultdict(list)
    for f in result.findings:
        by_path[f.path].append(f)
    # Every file reported on, plus any path a finding names that is not in the list.
    paths = list(result.files) + sorted(p for p in by_path if p not in set(result.files))
    failures = sum(1 for p in paths if by_path[p])
    errors = len(result.errors)
    root = ET.Element("testsuites", name="authlint", tests=str(len(paths) + errors), failures=str(failures), errors=str(errors))
    suite = ET.SubElement(root, "testsuite", name="authlint", tests=str(len(paths) + errors), failures=str(failures), errors=str(errors), skipped="0")
    for path in paths:
        case = ET.SubElement(suite, "testcase", name=path, classname="authlint", file=path)
        for f in by_path[path]:
            pos = position(report.source_of(f), f.span.start)
            message = f"{f.code} {report.redact(f, f.message)}"
            failure = ET.SubElement(case, "failure", message=_clean(message), type=f.code)
            lines = [f"{f.path}:{pos['line']}:{pos['column']}: {message}"]
            if f.job:
                lines.append(f"job: {f.job}")
            if f.fix is not None and f.fix.edits:
                lines.append(f"fix ({f.fix.applicability}): {report.redact(f, f.fix.title)}")
            failure.text = _clean("\n".join(lines))
    for i, err in enumerate(result.errors, 1):
        case = ET.SubElement(suite, "testcase", name=f"error {i}", classname="authlint")
        ET.SubElement(case, "error", message=_clean(err)).text = _clean(err)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _clean(text: str) -> str:
    """XML 1.0 cannot hold most control characters, even escaped: show them as \\xNN."""
    return "".join(c if c in "\t\n\r" or (" " <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd") or c >= "\U00010000" else f"\\x{ord(c):02x}" for c in text)
