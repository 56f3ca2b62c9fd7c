"""Human output in ruff's style: `path:line:col: CODE message` and a code frame."""

from __future__ import annotations

from typing import Callable

from ..diagnostics import Applicability, Finding, Severity
from ..engine import LintResult
from ..lazy import lazy_compile
from . import Report, Tally, safe_fix

_RESET, _BOLD, _RED, _YELLOW, _CYAN, _BLUE, _DIM = "\x1b[0m", "\x1b[1m", "\x1b[31m", "\x1b[33m", "\x1b[36m", "\x1b[34m", "\x1b[2m"
_SEV_COLOR = {"error": _RED, "warning": _YELLOW, "info": _CYAN}


_CONTROL = lazy_compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """Control characters from the file (ESC, OSC, BEL...) shown escaped: a terminal must not run them
    (a printable text has none: no scan by the regex)."""
    return text if text.isprintable() else _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _c(report: Report, code: str, text: str) -> str:
    return f"{code}{text}{_RESET}" if report.color else text


def frame(report: Report, f: Finding) -> list[str]:
    parts = report.frame_parts(f)
    if parts is None:
        return []
    line0, before, marked, after = parts
    before, marked, after = _shown(before), _shown(marked), _shown(after)
    if len(before) > 80:  # keep minified one-liners readable
        before = "…" + before[-60:]
    text = before + marked[:160] + ("…" if len(marked) > 160 else "") + after[:60] + ("…" if len(after) > 60 else "")
    caret = " " * len(before) + "^" * max(1, min(len(marked), 160))
    gutter = str(line0 + 1)
    pad = " " * len(gutter)
    if not report.color:
        return [f"{pad} |", f"{gutter} | {text}", f"{pad} | {caret} {f.code}"]
    bar = _c(report, _BLUE, "|")
    return [
        f"{pad} {bar}",
        f"{_c(report, _BLUE, gutter)} {bar} {text}",
        f"{pad} {bar} {_c(report, _SEV_COLOR.get(_WORDS[f.severity], ''), caret + ' ' + f.code)}",
    ]


def _shown(text: str) -> str:
    """A frame's piece as shown: visible, tabs as one space (most pieces have neither to change)."""
    return text if text.isprintable() else visible(text).expandtabs(1)


_WORDS = {s: str(s) for s in Severity}  # (str() of an enum member calls two Python functions)


def headline(report: Report, f: Finding) -> str:
    """`path:line:col: error AL102 [*] message`: the severity in words, colour only adds to it."""
    src = report.source_of(f)
    if src is not None:
        line, column = report.lines.position(src, f.span.start)
        where = f"{f.path}:{line}:{column}"
    else:
        where = f.path
    mark = " [*]" if safe_fix(f) else ""
    severity = _WORDS[f.severity]
    if not report.color:
        return f"{visible(where)}: {severity} {f.code}{mark} {visible(f.message)}"
    color = _SEV_COLOR.get(severity, "")
    return f"{_c(report, _BOLD, visible(where))}: {_c(report, color, severity)} {_c(report, _BOLD + color, f.code)}{mark} {visible(f.message)}"


def _lines(report: Report, f: Finding) -> list[str]:
    """A finding in the text report: headline, code frame, help, a blank line."""
    out = [headline(report, f), *frame(report, f)]
    if f.fix is not None:
        note = f.fix.title
        if f.fix.applicability == Applicability.UNSAFE:
            note += " (unsafe fix)"
        elif f.fix.applicability == Applicability.DISPLAY_ONLY:
            note += f" (not applied automatically: {f.fix.reason})" if f.fix.reason else " (suggestion)"
        out.append(f"  = help: {visible(report.redact(f, note))}")
    out.append("")
    return out


def _concise_lines(report: Report, f: Finding) -> list[str]:
    return [headline(report, f)]


LinesOf = Callable[[Report, Finding], list[str]]


def render(report: Report) -> str:
    return _whole(report, _lines)


def render_concise(report: Report) -> str:
    """One line per finding, then the summary."""
    return _whole(report, _concise_lines)


def _whole(report: Report, lines_of: LinesOf) -> str:
    """The report of a whole result: its findings, then errors and summary (or only the
    statistics table, as ruff prints it)."""
    tally = Tally.of(report.result.findings)
    if report.statistics:
        return _statistics(tally)
    return _body(report, lines_of) + _close(report, tally)


class Stream:
    """The same report written piece by piece: each part's findings as the lint sends them
    (Linter.lint_paths' sink, in report order), then `close` with the whole run's result;
    only counts are kept between parts."""

    def __init__(self, report: Report, concise: bool, write: Callable[[str], None]) -> None:
        self.report, self.write = report, write
        self.lines_of: LinesOf = _concise_lines if concise else _lines
        self.tally = Tally()

    def part(self, result: LintResult) -> None:
        self.tally.add(result.findings)
        if not self.report.statistics:
            self.write(_body(self.report.over(result), self.lines_of))

    def close(self, result: LintResult) -> None:
        report = self.report.over(result)
        self.write(_statistics(self.tally) if report.statistics else _close(report, self.tally))


def _body(report: Report, lines_of: LinesOf) -> str:
    out = [line for f in report.result.findings for line in lines_of(report, f)]
    return "\n".join(out) + "\n" if out else ""


def _statistics(tally: Tally) -> str:
    """Only the table, as ruff prints it: count, code, [*] when a safe fix exists, name."""
    out = [
        f"{n:>5}  {code}  {'[*] ' if tally.fixable[code] else '    '}{name}"
        for (code, name), n in sorted(tally.rules.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return "".join(line + "\n" for line in out)


def _close(report: Report, tally: Tally) -> str:
    out = [f"error: {visible(err)}" for err in report.result.errors]
    out.append(summary(report, tally))
    return "\n".join(out) + "\n"


def summary(report: Report, tally: Tally) -> str:
    parts = []
    if report.fixed_count:
        parts.append(f"Fixed {report.fixed_count} finding{'s' if report.fixed_count != 1 else ''}.")
    if not tally.found:
        if not report.result.files and not report.result.errors:
            return "No files linted."
        if report.result.errors:  # something could not be read: nothing was "passed"
            parts.append(f"No findings; {len(report.result.errors)} input(s) could not be linted.")
        else:
            parts.append("All checks passed!" if not report.fixed_count else "No findings remain.")
        return " ".join(parts)
    parts.append(f"Found {tally.found} finding{'s' if tally.found != 1 else ''}.")
    if tally.safe:
        parts.append(f"[*] {tally.safe} fixable with `authlint fix`.")
    if tally.unsafe and report.unsafe_hint:
        parts.append(f"{tally.unsafe} more fixable with `authlint fix --unsafe-fixes`.")
    return "\n".join(parts)
