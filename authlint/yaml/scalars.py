"""Scalar source maps: a YAML scalar's decoded value and where each of its
characters lives in the file.

The value is rebuilt from the scalar's source slice following the YAML rules
for its style, recording segments as it goes.  A *verbatim* segment copies file
characters one to one; any other segment (an escape, a folded line break, a
CRLF) produced its value characters from a different file text.  When the
rebuilt value differs from the parser's value (a case not handled here), the
map falls back to pointing every character at the scalar's start and is marked
inexact, so findings stay near the truth and fixes are refused.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from ..diagnostics import Span

PLAIN, SINGLE, DOUBLE, LITERAL, FOLDED = "plain", "single", "double", "literal", "folded"

_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
    "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0",
    "L": "\u2028", "P": "\u2029",
}
_HEX_LEN = {"x": 2, "u": 4, "U": 8}


@dataclass(frozen=True)
class Segment:
    vstart: int  # value offsets [vstart, vend)
    vend: int
    fstart: int  # file offsets [fstart, fend)
    fend: int
    verbatim: bool


@dataclass
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


def _lines(src: str, start: int, end: int) -> list[tuple[int, int, int]]:
    """(line_start, content_end, break_end) for each line of src[start:end]."""
    out = []
    pos = start
    while pos <= end:
        nl = src.find("\n", pos, end)
        if nl == -1:
            out.append((pos, end, end))
            break
        cend = nl - 1 if nl > pos and src[nl - 1] == "\r" else nl
        out.append((pos, cend, nl + 1))
        pos = nl + 1
        if pos == end:
            out.append((pos, end, end))
            break
    return out


def _fold_flow(b: _Builder, src: str, lines: list[tuple[int, int, int]], piece) -> None:
    """Flow folding shared by plain, single- and double-quoted scalars.

    ``piece(builder, fstart, fend)`` decodes one line's kept content.
    ``lines`` holds (content_start, content_end, break_end) per line, with the
    quotes already excluded.
    """
    last = len(lines) - 1
    pending_break: tuple[int, int] | None = None  # file range of the break being folded
    empties = 0
    for idx, (ls, le, be) in enumerate(lines):
        s, e = ls, le
        if idx > 0:
            while s < e and src[s] in " \t":
                s += 1
        if idx < last:
            while e > s and src[e - 1] in " \t":
                e -= 1
        if idx > 0 and s == e and idx < last:
            empties += 1
            continue
        if pending_break is not None:
            text = "\n" * empties if empties else " "
            b.emit(text, pending_break[0], s)
        if piece(b, s, e):  # an escaped line break joins without folding
            pending_break = None
            empties = 0
            continue
        pending_break = (e, be)
        empties = 0


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


def _block_header(src: str, start: int) -> tuple[str, int | None, int]:
    """Parse '|' / '>' header: (chomping, explicit indent, offset after header line)."""
    i = start + 1
    chomp, indent = "clip", None
    while i < len(src) and src[i] in "+-0123456789":
        if src[i] == "+":
            chomp = "keep"
        elif src[i] == "-":
            chomp = "strip"
        else:
            indent = int(src[i])
        i += 1
    nl = src.find("\n", i)
    return chomp, indent, (len(src) if nl == -1 else nl + 1)


def _block(b: _Builder, src: str, start: int, end: int, folded: bool, indent: int) -> str:
    chomp, _, body = _block_header(src, start)
    lines = _lines(src, body, end) if body < end else []
    if lines and lines[-1][0] == end:
        lines.pop()
    content: list[tuple[int, int, int] | None] = []  # (cstart, cend, break_end); None = empty line
    for ls, le, be in lines:
        blank = le - ls <= indent and not src[ls:le].strip(" ")
        content.append(None if blank else (ls + indent, le, be))
    last_text = max((k for k, c in enumerate(content) if c is not None), default=-1)
    prev: tuple[int, int, int] | None = None
    prev_is_text = False
    empties: list[tuple[int, int, int]] = []
    for k in range(last_text + 1):
        c = content[k]
        if c is None:
            empties.append(lines[k])
            continue
        cs, ce, be = c
        is_text = src[cs] not in " \t"
        if prev is None:
            for el in empties:
                b.emit("\n", el[0], el[2])
        else:
            pbreak = (prev[1], prev[2])
            if folded and prev_is_text and is_text:
                if empties:
                    b.emit("\n" * len(empties), pbreak[0], cs)
                else:
                    b.emit(" ", pbreak[0], cs)
            else:
                b.emit("\n", pbreak[0], pbreak[1])
                for el in empties:
                    b.emit("\n", el[0], el[2])
        empties = []
        b.copy(cs, ce)
        prev, prev_is_text = c, is_text
    if prev is None:
        if chomp == "keep":
            for ls, le, be in lines:
                b.emit("\n", ls, be)
        return chomp
    if chomp == "strip":
        return chomp
    b.emit("\n", prev[1], prev[2] if prev[2] > prev[1] else prev[1] + 1)
    if chomp == "keep":
        for ls, le, be in lines[last_text + 1 :]:
            b.emit("\n", ls, be)
    return chomp


def _block_indent_candidates(src: str, start: int, end: int) -> list[int]:
    _, explicit, body = _block_header(src, start)
    auto = None
    for ls, le, be in _lines(src, body, end) if body < end else []:
        text = src[ls:le]
        if text.strip():
            auto = len(text) - len(text.lstrip(" "))
            break
    cands = [auto] if auto is not None else [0]
    if explicit is not None:
        cands = list(range(explicit, (auto or explicit) + 1)) + cands
    return [c for c in dict.fromkeys(cands) if c is not None]


def build(src: str, start: int, end: int, style: str, expected: str) -> ScalarText:
    """Build the source map of the scalar at src[start:end] whose parsed value is expected."""
    try:
        for b in _attempts(src, start, end, style):
            if b.value == expected:
                return ScalarText(expected, style, start, end, b.segments)
    except (ValueError, IndexError):
        pass
    return ScalarText(expected, style, start, end, [Segment(0, len(expected), start, max(end, start + 1), False)], exact=False)


def _attempts(src: str, start: int, end: int, style: str):
    if style == PLAIN:
        b = _Builder(src)
        _fold_flow(b, src, _lines(src, start, end), _plain_piece)
        yield b
    elif style in (SINGLE, DOUBLE):
        b = _Builder(src)
        _fold_flow(b, src, _lines(src, start + 1, end - 1), _single_piece if style == SINGLE else _double_piece)
        yield b
    else:
        for indent in _block_indent_candidates(src, start, end):
            b = _Builder(src)
            _block(b, src, start, end, style == FOLDED, indent)
            yield b


def style_of(node) -> str:
    return {"|": LITERAL, ">": FOLDED, "'": SINGLE, '"': DOUBLE}.get(getattr(node, "style", None) or "", PLAIN)
