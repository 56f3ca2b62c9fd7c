"""Exact file text and the one line index every position goes through.

Offsets are character offsets into ``Source.text``, the file decoded exactly as
stored (CRLF kept; a UTF-8 BOM is removed from ``text`` but remembered, so
offset 0 is the first character after it).  Lines and columns are 1-based and
count characters; LSP positions count UTF-16 code units.  Lines end at LF, CRLF
or a lone CR (the line endings of the LSP specification, and the YAML ones).
"""

from __future__ import annotations

import bisect
import re
from itertools import accumulate
from dataclasses import dataclass, field
from functools import cached_property

BOM = "\ufeff"
_NEWLINE = re.compile(r"\r\n?|\n")


class DecodeError(ValueError):
    """The bytes are not UTF-8 text (or look binary)."""

    def __init__(self, message: str, offset: int = 0) -> None:
        super().__init__(message)
        self.offset = offset


def decode(data: bytes) -> tuple[str, bool]:
    """Decode file bytes as UTF-8; return (text without BOM, had_bom)."""
    wide = _wide_encoding(data)
    if wide:
        raise DecodeError(f"{wide} text, not UTF-8 (Docker, GitLab and shells read UTF-8 only)", 0)
    nul = data.find(b"\x00")
    if nul != -1:
        raise DecodeError("binary file (contains NUL bytes)", nul)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError(f"not valid UTF-8 ({exc.reason} at byte {exc.start})", exc.start) from None
    if text.startswith(BOM):
        return text[1:], True
    return text, False


def _wide_encoding(data: bytes) -> str | None:
    """'UTF-16' / 'UTF-32' for text saved in those encodings (by its BOM, or NULs between ASCII)."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    head = data[:64]
    if len(head) >= 4 and (head[1::2].count(0) == len(head) // 2 or head[0::2].count(0) == len(head) // 2):
        return "UTF-16"
    return None


@dataclass(frozen=True)
class Position:
    """A 1-based line and character column."""

    line: int  # 1-based
    column: int  # 1-based, in characters


def split_lines(text: str) -> list[str]:
    """The text of each line without its newline, as LineIndex.line_text gives them (one split;
    a text without CR by str.split, a third of the regex's time)."""
    return text.split("\n") if "\r" not in text else _NEWLINE.split(text)


class LineIndex:
    """offset <-> (line, column) <-> LSP (line, UTF-16 character)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.line_starts = [0]
        if "\r" in text:
            self.line_starts.extend(m.end() for m in _NEWLINE.finditer(text))
        else:  # LF only: each line starts one past the end of the one before (no Python loop)
            self.line_starts.extend(accumulate(map((1).__add__, map(len, text.split("\n")[:-1]))))

    @property
    def line_count(self) -> int:
        return len(self.line_starts)

    def line_of(self, offset: int) -> int:
        """0-based line containing offset."""
        return bisect.bisect_right(self.line_starts, offset) - 1

    def position(self, offset: int) -> Position:
        offset = max(0, min(offset, len(self.text)))
        line = self.line_of(offset)
        return Position(line + 1, offset - self.line_starts[line] + 1)

    def offset(self, line: int, column: int) -> int:
        """Offset of a 1-based (line, column); clamped to the text."""
        if line < 1:
            return 0
        if line > len(self.line_starts):
            return len(self.text)
        start = self.line_starts[line - 1]
        return min(start + max(column, 1) - 1, self.line_end(line - 1))

    def line_end(self, line0: int) -> int:
        """Offset of the end of 0-based line line0, before its newline."""
        if line0 + 1 < len(self.line_starts):
            end = self.line_starts[line0 + 1]
            return end - 2 if end >= 2 and self.text[end - 2 : end] == "\r\n" else end - 1
        return len(self.text)

    def line_text(self, line0: int) -> str:
        return self.text[self.line_starts[line0] : self.line_end(line0)]

    def utf16(self, offset: int) -> tuple[int, int]:
        """LSP position (0-based line, UTF-16 code units) of an offset."""
        offset = max(0, min(offset, len(self.text)))
        line = self.line_of(offset)
        prefix = self.text[self.line_starts[line] : offset]
        return line, len(prefix.encode("utf-16-le", "surrogatepass")) // 2

    def from_utf16(self, line: int, character: int) -> int:
        """Offset of an LSP position."""
        if line >= len(self.line_starts):
            return len(self.text)
        start = self.line_starts[line]
        end = self.line_end(line)
        units = 0
        for i in range(start, end):
            if units >= character:
                return i
            units += 2 if ord(self.text[i]) > 0xFFFF else 1
        return end


@dataclass(eq=False)
class Source:
    """One file: its display path, exact text and whether it had a BOM."""

    path: str
    text: str
    bom: bool = False
    _index: LineIndex | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_bytes(cls, path: str, data: bytes) -> "Source":
        text, bom = decode(data)
        return cls(path, text, bom)

    @cached_property
    def index(self) -> LineIndex:
        return LineIndex(self.text)

    def to_bytes(self) -> bytes:
        return ((BOM if self.bom else "") + self.text).encode("utf-8")

    @cached_property
    def newline(self) -> str:
        """The file's dominant line ending."""
        crlf = self.text.count("\r\n")
        lf, cr = self.text.count("\n") - crlf, self.text.count("\r") - crlf
        if crlf > lf and crlf >= cr:
            return "\r\n"
        return "\r" if cr > lf and cr > crlf else "\n"
