"""Scalar source maps: a YAML scalar's decoded value and where each of its
characters lives in the file.

The value is rebuilt from the scalar's source slice (after its anchor and tag)
following the YAML rules for its style: flow folding for plain and quoted
scalars, escapes for double-quoted ones, indentation, folding and chomping for
block scalars.  Segments are recorded on the way.  A *verbatim* segment copies
file characters one to one; any other segment (an escape, a folded line break,
a CRLF) produced its value characters from a different file text.  Line breaks
are YAML's as libyaml reads them (LF, CRLF, CR and NEL read as LF; LS and PS
kept).  A block scalar's explicit indentation indicator counts from its
parent's indentation, which the node does not record, so each indentation the
header allows is tried.  The rebuilt value is checked against the parser's:
when they differ (a case not handled here), the map falls back to pointing
every character at the scalar's start and is marked inexact, so findings stay
near the truth and fixes are refused.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from ..diagnostics import Span

PLAIN, SINGLE, DOUBLE, LITERAL, FOLDED = "plain", "single", "double", "literal", "folded"

_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
    "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0",
    "L": "\u2028", "P": "\u2029",
}
_HEX_LEN = {"x": 2, "u": 4, "U": 8}
# YAML line breaks as ruamel's and libyaml's scanners read them.
_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_SEPARATION = " \t\r\n\x85\u2028\u2029"


@dataclass(frozen=True)
class Segment:
    """A run of a scalar's value and the file text it comes from (verbatim or through escapes)."""

    vstart: int  # value offsets [vstart, vend)
    vend: int
    fstart: int  # file offsets [fstart, fend)
    fend: int
    verbatim: bool


@dataclass(eq=False)
class ScalarText:
    """Decoded scalar value with a map from value offsets to file offsets."""

    value: str
    style: str
    start: int  # file span of the whole scalar (indicators and quotes included)
    end: int
    segments: list[Segment] = field(default_factory=list)
    exact: bool = True
    _vstarts: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._vstarts = [s.vstart for s in self.segments]

    def _segment(self, i: int) -> Segment | None:
        k = bisect.bisect_right(self._vstarts, i) - 1
        if k < 0:
            return None
        seg = self.segments[k]
        return seg if i < seg.vend or (i == seg.vend == len(self.value)) else None

    def offset(self, i: int) -> int:
        """File offset of value character i (best effort when not verbatim)."""
        if not self.exact or not self.segments:
            return self.start
        if i >= len(self.value):
            last = self.segments[-1]
            return last.fend if last.verbatim else last.fstart
        seg = self._segment(i)
        if seg is None:
            return self.start
        return seg.fstart + (i - seg.vstart) if seg.verbatim else seg.fstart

    def span(self, a: int, b: int) -> Span:
        """Best file span for value range [a, b)."""
        start = self.offset(a)
        end = self.offset(b - 1) + 1 if b > a else start
        return Span(start, max(start, end))

    def file_span(self, a: int, b: int) -> Span | None:
        """Exact file span of value range [a, b) when the file holds those
        characters verbatim and contiguously; None otherwise (edits refused)."""
        if not self.exact:
            return None
        if a == b:
            seg = self._segment(a) if a < len(self.value) else (self.segments[-1] if self.segments else None)
            if seg is None or not seg.verbatim:
                return None
            off = seg.fstart + (a - seg.vstart)
            return Span(off, off)
        k = bisect.bisect_right(self._vstarts, a) - 1
        if k < 0:
            return None
        start = end = None
        i = a
        while i < b:
            if k >= len(self.segments):
                return None
            seg = self.segments[k]
            if not seg.verbatim or seg.vend <= i:
                return None
            fs = seg.fstart + (i - seg.vstart)
            if end is not None and fs != end:
                return None
            start = fs if start is None else start
            take = min(b, seg.vend) - i
            end = fs + take
            i += take
            k += 1
        return Span(start, end) if start is not None else None

    def line_spans(self) -> list[tuple[int, int]]:
        """Value ranges of the value's lines, without their line breaks."""
        out, pos = [], 0
        for line in self.value.split("\n"):
            out.append((pos, pos + len(line)))
            pos += len(line) + 1
        return out


class _Builder:
    def __init__(self, src: str) -> None:
        self.src = src
        self.parts: list[str] = []
        self.segments: list[Segment] = []
        self.n = 0

    def copy(self, fstart: int, fend: int) -> None:
        if fend <= fstart:
            return
        text = self.src[fstart:fend]
        last = self.segments[-1] if self.segments else None
        if last and last.verbatim and last.fend == fstart and last.vend == self.n:
            self.segments[-1] = Segment(last.vstart, self.n + len(text), last.fstart, fend, True)
        else:
            self.segments.append(Segment(self.n, self.n + len(text), fstart, fend, True))
        self.parts.append(text)
        self.n += len(text)

    def emit(self, text: str, fstart: int, fend: int) -> None:
        """Value text produced from file[fstart:fend] non-verbatim."""
        if not text:
            return
        if text == self.src[fstart:fend]:
            self.copy(fstart, fend)
            return
        self.segments.append(Segment(self.n, self.n + len(text), fstart, max(fend, fstart + 1), False))
        self.parts.append(text)
        self.n += len(text)

    @property
    def value(self) -> str:
        return "".join(self.parts)


def _break_value(src: str, at: int, end: int) -> str:
    """Value of the line break src[at:end]: '' when there is none, LS and PS
    as themselves, anything else (LF, CRLF, CR, NEL) as '\n'."""
    if end <= at:
        return ""
    return src[at] if src[at] in "\u2028\u2029" else "\n"


def _lines(src: str, start: int, end: int) -> list[tuple[int, int, int]]:
    """(line_start, content_end, break_end) for each line of src[start:end]."""
    out, pos = [], start
    for m in _BREAK.finditer(src, start, end):
        out.append((pos, m.start(), m.end()))
        pos = m.end()
    out.append((pos, end, end))
    return out


def _escapes_next(src: str, s: int, e: int) -> bool:
    """True when src[s:e] ends with an odd run of backslashes (an escape)."""
    n = 0
    while e - n > s and src[e - n - 1] == "\\":
        n += 1
    return n % 2 == 1


def _fold_flow(b: _Builder, src: str, lines: list[tuple[int, int, int]], piece, double: bool = False) -> None:
    """Flow folding shared by plain, single- and double-quoted scalars.

    ``lines`` holds (content_start, content_end, break_end) per line, quotes
    excluded; ``piece(builder, fstart, fend)`` decodes one line's kept content
    and returns True when it ends with an escaped line break.  White space
    around a line break is dropped; the break folds to a space, or to the
    breaks of the empty lines that follow it (an LS/PS break is kept).  After
    an escaped break only the empty lines' breaks remain.
    """
    last = len(lines) - 1
    fold: str | None = None  # value of the break being folded; None after an escaped break
    gap = 0  # file offset where the folded text starts
    empties: list[str] = []
    for idx, (ls, le, be) in enumerate(lines):
        s, e = ls, le
        if idx > 0:
            while s < e and src[s] in " \t":
                s += 1
        if idx < last:
            while e > s and src[e - 1] in " \t":
                e -= 1
            if double and e < le and _escapes_next(src, s, e):
                e += 1  # "\ " or "\<tab>" before the break is an escape, not trailing space
            if idx > 0 and s == e:
                empties.append(_break_value(src, le, be))
                continue
        if idx > 0:
            joined = "".join(empties)
            if fold == "\n":
                joined = joined or " "
            elif fold is not None:
                joined = fold + joined
            b.emit(joined, gap, s)
        empties = []
        fold = None if piece(b, s, e) else _break_value(src, le, be)
        gap = e


def _plain_piece(b: _Builder, s: int, e: int) -> bool:
    b.copy(s, e)
    return False


def _single_piece(b: _Builder, s: int, e: int) -> bool:
    src = b.src
    i = s
    while True:
        j = src.find("''", i, e)
        if j == -1:
            b.copy(i, e)
            return False
        b.copy(i, j)
        b.emit("'", j, j + 2)  # a doubled quote: one value char from two file chars
        i = j + 2


def _double_piece(b: _Builder, s: int, e: int) -> bool:
    """Decode a double-quoted line; True when it ends with an escaped break."""
    src = b.src
    i = s
    run = s
    while i < e:
        ch = src[i]
        if ch != "\\":
            i += 1
            continue
        b.copy(run, i)
        if i + 1 >= e:  # backslash at end of line: escaped line break
            return True
        code = src[i + 1]
        if code in _ESCAPES:
            b.emit(_ESCAPES[code], i, i + 2)
            i += 2
        elif code in _HEX_LEN:
            n = _HEX_LEN[code]
            b.emit(chr(int(src[i + 2 : i + 2 + n], 16)), i, i + 2 + n)
            i += 2 + n
        else:
            raise ValueError("bad escape")
        run = i
    b.copy(run, e)
    return False


def _block_header(src: str, start: int, end: int) -> tuple[str, int | None, int]:
    """Parse a '|' / '>' header: (chomping, explicit indent, offset after the header line)."""
    i = start + 1
    chomp, indent = "clip", None
    while i < end and src[i] in "+-0123456789":
        if src[i] == "+":
            chomp = "keep"
        elif src[i] == "-":
            chomp = "strip"
        else:
            indent = int(src[i])
        i += 1
    m = _BREAK.search(src, i, end)  # skips an end-of-line comment
    return chomp, indent, (m.end() if m else end)


def _block(src: str, start: int, end: int, folded: bool, indent: int) -> _Builder:
    """Literal / folded block scalar whose content lines are indented by ``indent``."""
    b = _Builder(src)
    chomp, _, body = _block_header(src, start, end)
    lines: list[tuple[int | None, int, int]] = []  # (content_start or None when empty, content_end, break_end)
    for ls, le, be in _lines(src, body, end):
        if le - ls > indent or src[ls:le].strip(" "):
            if src[ls : ls + indent].strip(" ") or le - ls < indent:
                raise ValueError("not this indentation")
            lines.append((ls + indent, le, be))
        elif be > le:  # an empty line (bare indentation without a break ends the scalar)
            lines.append((None, le, be))
    empties: list[tuple[int, int]] = []  # breaks of the empty lines not yet placed
    prev: tuple[int, int, bool] | None = None  # (content_end, break_end, starts with text) of the last content line

    def emit_empties() -> None:
        for fs, fe in empties:
            b.emit(_break_value(src, fs, fe), fs, fe)

    for cs, ce, be in lines:
        if cs is None:
            empties.append((ce, be))
            continue
        is_text = cs < ce and src[cs] not in " \t"
        if prev is not None:
            brk = _break_value(src, prev[0], prev[1])
            if folded and brk == "\n" and prev[2] and is_text:
                b.emit("".join(_break_value(src, fs, fe) for fs, fe in empties) or " ", prev[0], cs)
                empties = []
            else:
                b.emit(brk, prev[0], prev[1])
        emit_empties()
        empties = []
        b.copy(cs, ce)
        prev = (ce, be, is_text)
    if prev is not None and chomp != "strip":
        b.emit(_break_value(src, prev[0], prev[1]), prev[0], prev[1])
    if chomp == "keep":
        emit_empties()
    return b


def _block_indents(src: str, start: int, end: int) -> list[int]:
    """Content indentations to try.  Without an indicator: the first non-empty
    line's (or, when all are empty, enough to make them so).  With an
    indicator m: n + m for every parent indentation n the header allows."""
    _, explicit, body = _block_header(src, start, end)
    lines = [src[ls:le] for ls, le, _ in _lines(src, body, end)] if body < end else []
    if explicit is None:
        first = next((t for t in lines if t.strip(" ")), None)
        return [len(first) - len(first.lstrip(" ")) if first is not None else max(map(len, lines), default=0)]
    column = start - 1 - max(src.rfind(c, 0, start) for c in "\r\n\x85\u2028\u2029")
    return list(range(explicit, explicit + column + 1))


def build(src: str, start: int, end: int, style: str, expected: str) -> ScalarText:
    """Build the source map of the scalar at src[start:end] whose parsed value is expected."""
    one_line = _one_line(src, start, end, style, expected)
    if one_line is not None:
        return ScalarText(expected, style, start, end, one_line)
    return _rebuilt(src, start, end, style, expected)


def _rebuilt(src: str, start: int, end: int, style: str, expected: str) -> ScalarText:
    """build's map, from the first of _attempts whose value is expected."""
    for attempt in _attempts(src, start, end, style):
        try:
            b = attempt()
        except (ValueError, IndexError):
            continue
        if b.value == expected:
            return ScalarText(expected, style, start, end, b.segments)
    return ScalarText(expected, style, start, end, [Segment(0, len(expected), start, max(end, start + 1), False)], exact=False)


_QUOTES = {PLAIN: (0, ""), SINGLE: (1, "''"), DOUBLE: (1, "\\")}  # quote length, what starts an escape


def _one_line(src: str, start: int, end: int, style: str, expected: str) -> list[Segment] | None:
    """The segments _flow's attempt gives a flow scalar written on one line whose value is its
    text as written (no escape, no doubled quote): one verbatim run, or none when empty; None
    for any other scalar (most scalars a finding maps back are such: no folding, no builder)."""
    quoting = _QUOTES.get(style)
    if quoting is None or (start < end and src[start] in "&!"):  # a block scalar, or an anchor or tag first
        return None
    quote, escape = quoting
    if end - start < 2 * quote:  # no room for its quotes (not a parser's span)
        return None
    text = src[start + quote : end - quote]
    if text != expected or (escape and escape in text) or _BREAK.search(text) is not None:
        return None
    return [Segment(0, len(text), start + quote, end - quote, True)] if text else []


def _flow(src: str, start: int, end: int, piece, double: bool = False) -> _Builder:
    b = _Builder(src)
    _fold_flow(b, src, _lines(src, start, end), piece, double)
    return b


def _content_start(src: str, start: int, end: int) -> int:
    """Where a scalar's content starts: a node's span includes its anchor and
    tag (``&a !foo "x"``) and what separates them from the content (white
    space, line breaks, comments)."""
    i = start
    while i < end and src[i] in "&!":
        if src.startswith("!<", i):  # verbatim tag
            i = src.find(">", i, end) + 1 or end
        while i < end and src[i] not in _SEPARATION and src[i] not in ",[]{}":
            i += 1
        while i < end and (src[i] in _SEPARATION or src[i] == "#"):
            if src[i] == "#":
                m = _BREAK.search(src, i, end)
                i = m.start() if m else end
            else:
                i += 1
    return i


def _attempts(src: str, start: int, end: int, style: str):
    """Ways to rebuild the value, as thunks; build() keeps the first that matches."""
    start = _content_start(src, start, end)
    if style == PLAIN:
        yield lambda: _flow(src, start, end, _plain_piece)
    elif style == SINGLE:
        yield lambda: _flow(src, start + 1, end - 1, _single_piece)
    elif style == DOUBLE:
        yield lambda: _flow(src, start + 1, end - 1, _double_piece, double=True)
    else:
        for indent in _block_indents(src, start, end):
            yield lambda indent=indent: _block(src, start, end, style == FOLDED, indent)


STYLES = {"|": LITERAL, ">": FOLDED, "'": SINGLE, '"': DOUBLE}  # a composed node's style


def style_of(node) -> str:
    return STYLES.get(getattr(node, "style", None) or "", PLAIN)
