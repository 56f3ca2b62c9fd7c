"""Inline suppression comments, shared by YAML and shell files.

``# authlint: ignore[AL206,unquoted-auth-variable] -- reason`` on the finding's
line or the line above; ``# authlint: ignore-file[AL206]`` anywhere in the
file; detect-secrets' ``pragma: allowlist secret`` (same line) and
``pragma: allowlist nextline secret`` (line above) silence credential findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .diagnostics import Span
from .lazy import lazy_compile
from .source import Source

_DIRECTIVE = lazy_compile(r"#\s*authlint:\s*(ignore|ignore-file)\[([^\]]*)\](?:\s*--\s*(.*))?")
_ALLOW = lazy_compile(r"pragma:\s*allowlist[ -]secret")
_ALLOW_NEXT = lazy_compile(r"pragma:\s*allowlist[ -]nextline[ -]secret")


@dataclass(eq=False)
class Suppression:
    """One `# authlint: ignore[...]` or `ignore-file[...]` comment, and the codes it silenced."""

    line: int  # 0-based line of the comment
    codes: tuple[str, ...]
    file_wide: bool
    span: Span  # the comment text
    line_span: Span  # the whole line, with its line break
    comment_only: bool  # nothing but the comment on its line
    reason: str | None
    used: set[str] = field(default_factory=set)


@dataclass(eq=False)
class FileSuppressions:
    """A file's suppression comments and its allowlisted lines."""

    items: list[Suppression]
    allow_lines: set[int]  # 0-based lines where credential findings are allowlisted

    def match(self, line: int, code: str, name: str) -> Suppression | None:
        for s in self.items:
            if (s.file_wide or s.line in (line, line - 1)) and (code in s.codes or name in s.codes):
                s.used.add(code)
                return s
        return None


def may_hold(text: str) -> bool:
    """Whether text may hold a suppression or allowlist comment (without it, parse finds none)."""
    return "authlint:" in text or "allowlist" in text


def parse(source: Source) -> FileSuppressions:
    text = source.text
    items: list[Suppression] = []
    allow: set[int] = set()
    if not may_hold(text):
        return FileSuppressions(items, allow)
    index = source.index
    for line0 in range(index.line_count):
        start = index.line_starts[line0]
        line = index.line_text(line0)
        if "#" not in line and "pragma" not in line:
            continue
        if _ALLOW_NEXT.search(line):
            allow.add(line0 + 1)
        elif _ALLOW.search(line):
            allow.add(line0)
        m = _DIRECTIVE.search(line)
        if not m:
            continue
        codes = tuple(c.strip() for c in m.group(2).split(",") if c.strip())
        end_of_line = index.line_starts[line0 + 1] if line0 + 1 < index.line_count else len(text)
        items.append(
            Suppression(
                line=line0,
                codes=codes,
                file_wide=m.group(1) == "ignore-file",
                span=Span(start + m.start(), start + m.end()),
                line_span=Span(start, end_of_line),
                comment_only=not line[: m.start()].strip(),
                reason=(m.group(3) or "").strip() or None,
            )
        )
    return FileSuppressions(items, allow)


def removal_span(s: Suppression, source: Source) -> Span:
    """What deleting an unused suppression removes: its line, or the trailing comment."""
    if s.comment_only:
        return s.line_span
    line_start = s.line_span.start
    start = s.span.start
    while start > line_start and source.text[start - 1] in " \t":
        start -= 1
    return Span(start, s.span.end)
