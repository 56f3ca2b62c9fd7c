"""Human output in ruff's style: `path:line:col: CODE message` and a code frame."""

from __future__ import annotations

from collections import Counter

from ..diagnostics import Applicability, Finding
from ..lazy import lazy_compile
from . import Report

_RESET, _BOLD, _RED, _YELLOW, _CYAN, _BLUE, _DIM = "\x1b[0m", "\x1b[1m", "\x1b[31m", "\x1b[33m", "\x1b[36m", "\x1b[34m", "\x1b[2m"
_SEV_COLOR = {"error": _RED, "warning": _YELLOW, "info": _CYAN}


_CONTROL = lazy_compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """Control characters from the file (ESC, OSC, BEL...) shown escaped: a terminal must not run them."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _c(report: Report, code: str, text: str) -> str:
    return f"{code}{text}{_RESET}" if report.color else text


def frame(report: Report, f: Finding) -> list[str]:
    parts = report.frame_parts(f)
    if parts is None:
        return []
    line0, *pieces = parts
    before, marked, after = (visible(t).expandtabs(1) for t in pieces)
    if len(before) > 80:  # keep minified one-liners readable
        before = "…" + before[-60:]
    text = before + marked[:160] + ("…" if len(marked) > 160 else "") + after[:60] + ("…" if len(after) > 60 else "")
    caret = " " * len(before) + "^" * max(1, min(len(marked), 160))
    gutter = str(line0 + 1)
    pad = " " * len(gutter)
    bar = _c(report, _BLUE, "|")
    return [
        f"{pad} {bar}",
        f"{_c(report, _BLUE, gutter)} {bar} {text}",
        f"{pad} {bar} {_c(report, _SEV_COLOR.get(str(f.severity), ''), caret + ' ' + f.code)}",
    ]


def headline(report: Report, f: Finding) -> str:
    """`path:line:col: error AL102 [*] message`: the severity in words, colour only adds to it."""
    pos = report.source_of(f).index.position(f.span.start) if report.source_of(f) else None
    where = f"{f.path}:{pos.line}:{pos.column}" if pos else f.path
    mark = " [*]" if _safe(f) else ""
    color = _SEV_COLOR.get(str(f.severity), "")
    return f"{_c(report, _BOLD, visible(where))}: {_c(report, color, str(f.severity))} {_c(report, _BOLD + color, f.code)}{mark} {visible(f.message)}"


def _safe(f: Finding) -> bool:
    return bool(f.fix and f.fix.edits and f.fix.applicability == Applicability.SAFE)


def render(report: Report) -> str:
    if report.statistics:
        return _render_statistics(report)
    out: list[str] = []
    for f in report.result.findings:
        out.append(headline(report, f))
        out.extend(frame(report, f))
        if f.fix is not None:
            note = f.fix.title
            if f.fix.applicability == Applicability.UNSAFE:
                note += " (unsafe fix)"
            elif f.fix.applicability == Applicability.DISPLAY_ONLY:
                note += f" (not applied automatically: {f.fix.reason})" if f.fix.reason else " (suggestion)"
            out.append(f"  = help: {visible(report.redact(f, note))}")
        out.append("")
    return _close(report, out)


def render_concise(report: Report) -> str:
    """One line per finding, then the summary."""
    if report.statistics:
        return _render_statistics(report)
    return _close(report, [headline(report, f) for f in report.result.findings])


def _render_statistics(report: Report) -> str:
    """Only the table, as ruff prints it: count, code, [*] when a safe fix exists, name."""
    findings = report.result.findings
    counts = Counter((f.code, f.name) for f in findings)
    fixable = Counter(f.code for f in findings if _safe(f))
    out = [
        f"{n:>5}  {code}  {'[*] ' if fixable[code] else '    '}{name}"
        for (code, name), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return "".join(line + "\n" for line in out)


def _close(report: Report, out: list[str]) -> str:
    for err in report.result.errors:
        out.append(f"error: {visible(err)}")
    out.append(summary(report))
    return "\n".join(out) + "\n"


def summary(report: Report) -> str:
    findings = report.result.findings
    parts = []
    if report.fixed_count:
        parts.append(f"Fixed {report.fixed_count} finding{'s' if report.fixed_count != 1 else ''}.")
    if not findings:
        if not report.result.files and not report.result.errors:
            return "No files linted."
        if report.result.errors:  # something could not be read: nothing was "passed"
            parts.append(f"No findings; {len(report.result.errors)} input(s) could not be linted.")
        else:
            parts.append("All checks passed!" if not report.fixed_count else "No findings remain.")
        return " ".join(parts)
    parts.append(f"Found {len(findings)} finding{'s' if len(findings) != 1 else ''}.")
    safe = sum(1 for f in findings if _safe(f))
    unsafe = sum(1 for f in findings if f.fix and f.fix.edits and f.fix.applicability == Applicability.UNSAFE)
    if safe:
        parts.append(f"[*] {safe} fixable with `authlint fix`.")
    if unsafe and report.unsafe_hint:
        parts.append(f"{unsafe} more fixable with `authlint fix --unsafe-fixes`.")
    return "\n".join(parts)
