"""JUnit XML (`artifacts:reports:junit`): one failing test case per finding, so GitLab's Tests
tab lists each one, and one passing test case per clean file.  Built with ElementTree, so every
attribute and text node is escaped."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from typing import Callable

from ..diagnostics import Finding
from ..engine import LintResult
from . import Report, Spool, Tally, position


_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def render(report: Report) -> str:
    out: list[str] = []
    stream = Stream(report, out.append)
    stream.part(report.result)
    stream.close(report.result)
    return "".join(out)


class Stream:
    """The report written case by case, the findings' kept on disk until the end (the counts
    they come after are known only then; see reporters.stream)."""

    def __init__(self, report: Report, write: Callable[[str], None]) -> None:
        self.report, self.write = report, write
        self.tally = Tally()
        self.flagged: set[str] = set()
        self.spool = Spool()

    def part(self, result: LintResult) -> None:
        report = self.report.over(result)
        for f in result.findings:
            self.spool.add(_text(_failure(report, f)))
            self.flagged.add(f.path)
            self.tally.add((f,))

    def close(self, result: LintResult) -> None:
        clean = [p for p in result.files if p not in self.flagged]
        found = self.tally.found
        counts = {"tests": str(found + len(clean) + len(result.errors)), "failures": str(found), "errors": str(len(result.errors))}
        root = ET.Element("testsuites", name="authlint", **counts)
        suite = ET.SubElement(root, "testsuite", name="authlint", skipped="0", **counts)
        if not (found or clean or result.errors):
            ET.indent(root)
            self.write(_DECLARATION + ET.tostring(root, encoding="unicode") + "\n")
            return
        ET.SubElement(suite, "cases")  # where they go
        ET.indent(root)
        head, _, tail = ET.tostring(root, encoding="unicode").partition("<cases />")
        self.write(_DECLARATION + head)
        texts = itertools.chain((text for text, in self.spool), (_text(ET.Element("testcase", name=p, classname=p, file=p)) for p in clean),
                                (_text(_error(i, err)) for i, err in enumerate(result.errors, 1)))
        for i, text in enumerate(texts):
            self.write(("\n    " if i else "") + text)
        self.write(tail + "\n")


def _failure(report: Report, f: Finding) -> ET.Element:
    pos = position(report.source_of(f), f.span.start)
    where = f"{f.path}:{pos['line']}:{pos['column']}"
    message = f"{f.code} {report.redact(f, f.message)}"
    case = ET.Element("testcase", name=_clean(f"{f.code} {where}"), classname=f.path, file=f.path, line=str(pos["line"]))
    failure = ET.SubElement(case, "failure", message=_clean(message), type=f.code)
    lines = [f"{where}: {f.severity} {message}"]
    if f.job:
        lines.append(f"job: {f.job}")
    if f.fix is not None and f.fix.edits:
        lines.append(f"fix ({f.fix.applicability}): {report.redact(f, f.fix.title)}")
    failure.text = _clean("\n".join(lines))
    return case


def _error(i: int, err: str) -> ET.Element:
    case = ET.Element("testcase", name=f"error {i}", classname="authlint")
    ET.SubElement(case, "error", message=_clean(err)).text = _clean(err)
    return case


def _text(case: ET.Element) -> str:
    """A test case as it shows inside the whole report (indented at its depth)."""
    ET.indent(case, level=2)
    return ET.tostring(case, encoding="unicode")


def _clean(text: str) -> str:
    """XML 1.0 cannot hold most control characters, even escaped: show them as \\xNN."""
    return "".join(c if c in "\t\n\r" or (" " <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd") or c >= "\U00010000" else f"\\x{ord(c):02x}" for c in text)
