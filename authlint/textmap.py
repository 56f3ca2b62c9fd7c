"""Offset maps from derived texts (a script inside a YAML scalar, JSON inside a
shell word) back to the file, and how new text must be written there.

Every derived text authlint analyses keeps a ``TextMap``.  Findings use
``span`` (best effort); fixes use ``file_span`` (exact or nothing) and
``encode`` (the text as it must appear in the file, or None when it cannot be
written there exactly).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from .diagnostics import Span
from .source import Source
from .yaml import scalars

if TYPE_CHECKING:
    from .yaml.model import YScalar


class TextMap:
    source: Source

    def offset(self, i: int) -> int:
        raise NotImplementedError

    def span(self, a: int, b: int) -> Span:
        start = self.offset(a)
        end = self.offset(b - 1) + 1 if b > a else start
        return Span(start, max(start, end))

    def file_span(self, a: int, b: int) -> Span | None:
        raise NotImplementedError

    def encode(self, text: str) -> str | None:
        raise NotImplementedError

    def why_not_exact(self) -> str:
        return "the text cannot be edited exactly here"


class FileMap(TextMap):
    """The derived text is the file (or a verbatim slice of it starting at base)."""

    def __init__(self, source: Source, base: int = 0) -> None:
        self.source, self.base = source, base

    def offset(self, i: int) -> int:
        return self.base + i

    def file_span(self, a: int, b: int) -> Span | None:
        return Span(self.base + a, self.base + b)

    def encode(self, text: str) -> str | None:
        if self.source.newline == "\r\n":
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")
        return text


class ScalarMap(TextMap):
    """The value of a YAML scalar."""

    def __init__(self, source: Source, text: scalars.ScalarText) -> None:
        self.source, self.st = source, text

    def offset(self, i: int) -> int:
        return self.st.offset(i)

    def file_span(self, a: int, b: int) -> Span | None:
        span = self.st.file_span(a, b)
        if span is None and self.st.style == scalars.LITERAL:
            return self._literal_span(a, b)
        return span

    def _literal_span(self, a: int, b: int) -> Span | None:
        """A range of a `|` block across its line breaks: the file range between its two ends.

        The indentation of the lines in between goes with the range; the lines
        around it keep theirs, so the block's value changes by exactly [a, b).
        The first line (it sets the block's indentation) and the final line
        breaks (chomping) are never part of such a range.
        """
        st, value = self.st, self.st.value
        if not st.exact or a >= b or a <= value.find("\n") or b > len(value.rstrip("\n")):
            return None
        for seg in st.segments:  # everything in between is plain text or a line break
            if seg.vstart < b and a < seg.vend and not seg.verbatim and value[seg.vstart : seg.vend] != "\n":
                return None
        first, last = st.file_span(a, a), st.file_span(b, b)
        if first is None or last is None:
            return None
        return Span(first.start, last.start)

    def why_not_exact(self) -> str:
        if self.st.style == scalars.FOLDED:
            return "the script is a folded (>) block, whose line breaks cannot be edited exactly"
        if not self.st.exact:
            return "the scalar's text could not be mapped exactly"
        if self.st.style == scalars.PLAIN and self._in_flow():
            return "the script item is a plain scalar in a flow list, which cannot hold `[`, `]`, `{`, `}` or `,`"
        return "the edit would cross an escape sequence or a folded line"

    def encode(self, text: str) -> str | None:
        style = self.st.style
        if style == scalars.FOLDED:
            return None
        if style == scalars.LITERAL:
            indent = self._indent()
            return text.replace("\n", self.source.newline + " " * indent) if indent is not None else None
        if "\n" in text:
            return None
        if style == scalars.SINGLE:
            return text.replace("'", "''")
        if style == scalars.DOUBLE:
            return text.replace("\\", "\\\\").replace('"', '\\"')
        # Plain scalars cannot hold these sequences; the applier re-parses anyway.
        if ": " in text or " #" in text or text.endswith(":"):
            return None
        if self._in_flow() and any(ch in text for ch in ",[]{}"):
            return None  # in `[a, b]` these would change the structure, not the item
        return text

    def _in_flow(self) -> bool:
        return in_flow(self.source.text, self.st.start)

    def _indent(self) -> int | None:
        if not self.st.value:
            return None
        off = self.st.offset(0)
        index = self.source.index
        return off - index.line_starts[index.line_of(off)]


def in_flow(text: str, start: int) -> bool:
    """Whether the YAML node at start is an item of a flow collection (after `[`, `{` or `,`)."""
    j = start - 1
    while j >= 0 and text[j] in " \t\r\n":
        j -= 1
    return j >= 0 and text[j] in "[{,"


class ChainMap(TextMap):
    """A text derived from a parent text, e.g. a shell word's unquoted value.

    ``to_parent[i]`` is the parent offset of character i, or None when the
    character does not appear verbatim in the parent (an escape, an expansion).
    ``forbidden`` are characters new text may not contain in this context
    (they would need quoting the fix engine does not attempt).
    """

    def __init__(self, parent: TextMap, to_parent: Sequence[int | None], fallback: int, forbidden: str = "",
                 approx: Sequence[int] | None = None) -> None:
        self.parent, self.to_parent, self.fallback, self.forbidden = parent, list(to_parent), fallback, forbidden
        self.approx = list(approx) if approx is not None else None  # where an escaped char starts, for display
        self.source = parent.source

    def _p(self, i: int) -> int:
        if 0 <= i < len(self.to_parent) and self.to_parent[i] is not None:
            return self.to_parent[i]  # type: ignore[return-value]
        if i == len(self.to_parent) and self.to_parent and self.to_parent[-1] is not None:
            return self.to_parent[-1] + 1  # type: ignore[operator]
        if self.approx is not None and 0 <= i < len(self.approx):
            return self.approx[i]
        return self.fallback

    def offset(self, i: int) -> int:
        return self.parent.offset(self._p(i))

    def span(self, a: int, b: int) -> Span:
        if b <= a:
            p = self._p(a)
            return self.parent.span(p, p)
        end = self._p(b - 1) + 1
        if self.approx is not None and b < len(self.approx) and (b - 1 >= len(self.to_parent) or self.to_parent[b - 1] is None):
            end = max(end, self.approx[b])  # an escaped last char: up to where the next one starts
        return self.parent.span(self._p(a), end)

    def file_span(self, a: int, b: int) -> Span | None:
        if a == b:
            if a < len(self.to_parent) and self.to_parent[a] is not None:
                p = self.to_parent[a]
            elif a == len(self.to_parent) and a > 0 and self.to_parent[a - 1] is not None:
                p = self.to_parent[a - 1] + 1  # type: ignore[operator]
            else:
                return None
            return self.parent.file_span(p, p)
        first = self.to_parent[a] if a < len(self.to_parent) else None
        if first is None:
            return None
        for k in range(a, b):
            if k >= len(self.to_parent) or self.to_parent[k] != first + (k - a):
                return None
        return self.parent.file_span(first, first + (b - a))

    def encode(self, text: str) -> str | None:
        if any(ch in self.forbidden for ch in text):
            return None
        return self.parent.encode(text)

    def why_not_exact(self) -> str:
        return self.parent.why_not_exact()


class LineMap(ScalarMap):
    """A script line's value: its ScalarText is built when first asked for (most lines
    never map a finding back to the file)."""

    def __init__(self, scalar: "YScalar") -> None:
        self.source, self.scalar = scalar.source, scalar

    @property
    def st(self) -> scalars.ScalarText:  # type: ignore[override]
        return self.scalar.text


class ShiftMap(TextMap):
    """A piece of a concatenated text: offsets from `shift` on belong to parent.

    A job's `before_script` and `script` items are parsed as one script (the
    runner joins them); each item keeps its own map into its own file.
    """

    def __init__(self, parent: TextMap, shift: int) -> None:
        self.parent, self.shift = parent, shift
        self.source = parent.source

    def offset(self, i: int) -> int:
        return self.parent.offset(max(0, i - self.shift))

    def span(self, a: int, b: int) -> Span:
        return self.parent.span(max(0, a - self.shift), max(0, b - self.shift))

    def file_span(self, a: int, b: int) -> Span | None:
        if a < self.shift:
            return None
        return self.parent.file_span(a - self.shift, b - self.shift)

    def encode(self, text: str) -> str | None:
        return self.parent.encode(text)

    def why_not_exact(self) -> str:
        return self.parent.why_not_exact()
