"""JUnit XML (`artifacts:reports:junit`): one failing test case per finding, so GitLab's Tests
tab lists each one, and one passing test case per clean file.  Built with ElementTree, so every
attribute and text node is escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from . import Report, position


def render(report: Report) -> str:
    result = report.result
    flagged = {f.path for f in result.findings}
    clean = [p for p in result.files if p not in flagged]
    tests = len(result.findings) + len(clean) + len(result.errors)
    counts = {"tests": str(tests), "failures": str(len(result.findings)), "errors": str(len(result.errors))}
    root = ET.Element("testsuites", name="authlint", **counts)
    suite = ET.SubElement(root, "testsuite", name="authlint", skipped="0", **counts)
    for f in result.findings:
        pos = position(report.source_of(f), f.span.start)
        where = f"{f.path}:{pos['line']}:{pos['column']}"
        message = f"{f.code} {report.redact(f, f.message)}"
        case = ET.SubElement(suite, "testcase", name=_clean(f"{f.code} {where}"), classname=f.path, file=f.path, line=str(pos["line"]))
        failure = ET.SubElement(case, "failure", message=_clean(message), type=f.code)
        lines = [f"{where}: {f.severity} {message}"]
        if f.job:
            lines.append(f"job: {f.job}")
        if f.fix is not None and f.fix.edits:
            lines.append(f"fix ({f.fix.applicability}): {report.redact(f, f.fix.title)}")
        failure.text = _clean("\n".join(lines))
    for path in clean:
        ET.SubElement(suite, "testcase", name=path, classname=path, file=path)
    for i, err in enumerate(result.errors, 1):
        case = ET.SubElement(suite, "testcase", name=f"error {i}", classname="authlint")
        ET.SubElement(case, "error", message=_clean(err)).text = _clean(err)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _clean(text: str) -> str:
    """XML 1.0 cannot hold most control characters, even escaped: show them as \\xNN."""
    return "".join(c if c in "\t\n\r" or (" " <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd") or c >= "\U00010000" else f"\\x{ord(c):02x}" for c in text)
