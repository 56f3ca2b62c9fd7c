"""Source and LineIndex: one coordinate system for every position.

Offsets are characters into Source.text (BOM removed but remembered, CRLF
kept); positions are 1-based line/column in characters; LSP positions are
0-based lines and UTF-16 code units.  Lines end at LF, CRLF or a lone CR.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authlint.source import BOM, DecodeError, LineIndex, Position, Source, decode, split_lines

BOM_BYTES = b"\xef\xbb\xbf"

# Characters that matter for coordinates: ASCII, 2-byte UTF-8 (é), 3-byte CJK,
# astral emoji (2 UTF-16 units), tab, every line ending.
ALPHABET = st.sampled_from(["a", "b", " ", "\t", "é", "中", "🚀", "𝕏", "\n", "\r\n", "\r", "\u2028"])
TEXTS = st.lists(ALPHABET, max_size=40).map("".join)


def inside_crlf(text: str, offset: int) -> bool:
    """Between the CR and the LF of a CRLF: no line/column names that point."""
    return 0 < offset < len(text) and text[offset - 1] == "\r" and text[offset] == "\n"


# ---------------------------------------------------------------- decode


def test_decode_plain_utf8() -> None:
    assert decode("héllo 中 🚀\n".encode()) == ("héllo 中 🚀\n", False)


def test_decode_removes_and_remembers_bom() -> None:
    assert decode(BOM_BYTES + b"a: 1\r\n") == ("a: 1\r\n", True)
    assert decode(BOM_BYTES) == ("", True)
    # Only a leading BOM is one; a second is text (U+FEFF) and stays.
    assert decode(BOM_BYTES + BOM_BYTES + b"x") == (BOM + "x", True)


def test_decode_keeps_crlf_and_lone_cr() -> None:
    assert decode(b"a\r\nb\rc\n") == ("a\r\nb\rc\n", False)


@pytest.mark.parametrize(
    "data, offset",
    [
        (b"ab\xffcd", 2),  # invalid start byte
        (b"ok\n\xe2\x82", 3),  # truncated 3-byte sequence at the end
        (b"\xc3\x28", 0),  # bad continuation byte
        (b"a\xed\xa0\x80", 1),  # encoded surrogate
        (BOM_BYTES + b"x\x80", 4),  # byte offsets count the BOM
    ],
)
def test_decode_invalid_utf8_reports_the_byte_offset(data: bytes, offset: int) -> None:
    with pytest.raises(DecodeError) as info:
        decode(data)
    assert info.value.offset == offset
    assert "UTF-8" in str(info.value) and f"byte {offset}" in str(info.value)


@pytest.mark.parametrize(
    "data, offset",
    [(b"\x00\x01binary", 0), (b"#!/bin/sh\n\x00", 10), (b"a" * 20000 + b"\x00", 20000)],  # UTF-16: test_faults
)
def test_decode_nul_bytes_mean_binary(data: bytes, offset: int) -> None:
    with pytest.raises(DecodeError) as info:
        decode(data)
    assert "binary" in str(info.value) and info.value.offset == offset


def test_decode_error_is_a_value_error() -> None:
    assert issubclass(DecodeError, ValueError)


@given(st.text())
def test_decode_round_trips_any_text(text: str) -> None:
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates are not UTF-8
        return
    if "\x00" in text:
        with pytest.raises(DecodeError):
            decode(data)
        return
    got, bom = decode(data)
    assert (BOM if bom else "") + got == text


@given(st.binary(max_size=64))
def test_decode_never_raises_anything_else(data: bytes) -> None:
    try:
        text, bom = decode(data)
    except DecodeError as exc:
        assert 0 <= exc.offset < len(data)
    else:
        assert ((BOM if bom else "") + text).encode("utf-8") == data


# ---------------------------------------------------------------- Source


def test_source_from_bytes_and_back() -> None:
    data = BOM_BYTES + "a: é\r\nb: 🚀\r\n".encode()
    src = Source.from_bytes("x.yml", data)
    assert src.text == "a: é\r\nb: 🚀\r\n" and src.bom and src.path == "x.yml"
    assert src.to_bytes() == data
    assert Source("x", "a", False).to_bytes() == b"a"


@given(TEXTS, st.booleans())
def test_source_bytes_round_trip(text: str, bom: bool) -> None:
    data = (BOM_BYTES if bom else b"") + text.encode("utf-8")
    src = Source.from_bytes("f", data)
    assert src.to_bytes() == data
    assert src.text == (text[1:] if not bom and text.startswith(BOM) else text)


@pytest.mark.parametrize(
    "text, newline",
    [
        ("", "\n"),
        ("no newline", "\n"),
        ("a\nb\n", "\n"),
        ("a\r\nb\r\n", "\r\n"),
        ("a\r\nb\r\nc\n", "\r\n"),  # majority wins
        ("a\r\nb\nc\n", "\n"),
        ("a\r\nb\n", "\n"),  # a tie keeps LF
        ("a\rb\rc\r", "\r"),  # old Mac
        ("a\rb\r\nc\r\n", "\r\n"),
    ],
)
def test_source_newline(text: str, newline: str) -> None:
    assert Source("f", text).newline == newline


def test_source_index_is_built_once_from_the_text() -> None:
    src = Source("f", "a\nb")
    assert src.index is src.index
    assert src.index.text is src.text


# ---------------------------------------------------------------- LineIndex: examples


def test_line_index_lf() -> None:
    idx = LineIndex("ab\ncd\n")
    assert idx.line_starts == [0, 3, 6] and idx.line_count == 3
    assert [idx.position(o) for o in range(7)] == [
        Position(1, 1), Position(1, 2), Position(1, 3),
        Position(2, 1), Position(2, 2), Position(2, 3),
        Position(3, 1),
    ]  # fmt: skip
    assert idx.offset(2, 2) == 4
    assert [idx.line_text(i) for i in range(3)] == ["ab", "cd", ""]
    assert [idx.line_end(i) for i in range(3)] == [2, 5, 6]


def test_line_index_crlf_keeps_the_cr_out_of_the_line() -> None:
    text = "ab\r\ncd\r\n"
    idx = LineIndex(text)
    assert idx.line_starts == [0, 4, 8]
    assert [idx.line_text(i) for i in range(3)] == ["ab", "cd", ""]
    assert idx.line_end(0) == 2 and text[idx.line_end(0)] == "\r"
    assert idx.position(4) == Position(2, 1)
    assert idx.position(2) == Position(1, 3)  # the CR ends line 1
    assert idx.offset(1, 99) == 2  # columns clamp to the line's end, before CRLF
    assert idx.utf16(6) == (1, 2)
    assert idx.from_utf16(0, 99) == 2


def test_line_index_lone_cr_is_a_line_break() -> None:
    # LSP (and YAML) count a lone CR as a line ending; so do we.
    text = "a\rb\r\nc\nd"
    idx = LineIndex(text)
    assert idx.line_starts == [0, 2, 5, 7]
    assert [idx.line_text(i) for i in range(4)] == ["a", "b", "c", "d"]
    assert idx.position(2) == Position(2, 1)
    assert idx.utf16(6) == (2, 1)
    assert idx.from_utf16(1, 1) == 3


def test_line_index_other_unicode_breaks_are_not_lines() -> None:
    # LSP splits lines at LF, CRLF and CR only (not NEL, LS, PS, VT, FF).
    idx = LineIndex("a\x85b\u2028c\u2029d\x0be\x0cf")
    assert idx.line_count == 1


def test_line_index_empty_text() -> None:
    idx = LineIndex("")
    assert idx.line_count == 1 and idx.line_starts == [0]
    assert idx.position(0) == Position(1, 1)
    assert idx.offset(1, 1) == 0 and idx.offset(5, 5) == 0
    assert idx.utf16(0) == (0, 0) and idx.from_utf16(0, 0) == 0 and idx.from_utf16(3, 3) == 0
    assert idx.line_text(0) == "" and idx.line_end(0) == 0


def test_line_index_without_final_newline() -> None:
    idx = LineIndex("a\nlast")
    assert idx.line_count == 2
    assert idx.position(6) == Position(2, 5)  # end of text
    assert idx.offset(2, 5) == 6 and idx.offset(2, 50) == 6
    assert idx.line_end(1) == 6 and idx.line_text(1) == "last"


def test_line_index_with_final_newline_has_an_empty_last_line() -> None:
    idx = LineIndex("a\n")
    assert idx.line_count == 2
    assert idx.position(2) == Position(2, 1)


def test_line_index_clamps_out_of_range() -> None:
    idx = LineIndex("ab\ncd")
    assert idx.position(-3) == Position(1, 1)
    assert idx.position(99) == Position(2, 3)
    assert idx.offset(0, 5) == 0 and idx.offset(-1, 1) == 0
    assert idx.offset(9, 1) == 5  # past the last line: end of text
    assert idx.offset(1, 0) == 0 and idx.offset(2, -4) == 3  # columns below 1 clamp to the line start
    assert idx.utf16(-1) == (0, 0) and idx.utf16(99) == (1, 2)
    assert idx.from_utf16(9, 0) == 5


def test_line_index_non_ascii_columns_count_characters() -> None:
    text = "é中🚀x\n"
    idx = LineIndex(text)
    assert idx.position(text.index("x")) == Position(1, 4)  # characters, not bytes
    assert idx.utf16(text.index("x")) == (0, 4)  # the emoji is 2 UTF-16 units
    assert idx.from_utf16(0, 4) == 3
    assert idx.utf16(text.index("🚀")) == (0, 2)
    assert idx.from_utf16(0, 2) == 2


def test_line_index_utf16_round_trip_with_emoji_on_crlf_lines_after_a_bom() -> None:
    src = Source.from_bytes("f", BOM_BYTES + "🚀🚀 a\r\n  é 𝕏 b\r\n".encode())
    idx = src.index
    b = src.text.index("b")
    assert idx.position(b) == Position(2, 7)
    assert idx.utf16(b) == (1, 7)
    assert idx.from_utf16(1, 7) == b
    a = src.text.index("a")
    assert idx.utf16(a) == (0, 5) and idx.from_utf16(0, 5) == a


def test_from_utf16_inside_a_surrogate_pair_lands_next_to_the_emoji() -> None:
    idx = LineIndex("🚀x")
    assert idx.from_utf16(0, 1) in (0, 1)


def test_utf16_tolerates_lone_surrogates() -> None:
    # LSP clients send JSON strings, which may hold a lone surrogate.
    idx = LineIndex("\ud83dx")
    assert idx.utf16(2) == (0, 2)
    assert idx.from_utf16(0, 1) == 1


def test_line_of() -> None:
    idx = LineIndex("a\r\nb\rc\nd")
    assert [idx.line_of(o) for o in range(len(idx.text) + 1)] == [0, 0, 0, 1, 1, 2, 2, 3, 3]


# ---------------------------------------------------------------- LineIndex: properties


@settings(max_examples=300)
@given(TEXTS, st.data())
def test_offset_position_offset_round_trip(text: str, data) -> None:
    idx = LineIndex(text)
    offset = data.draw(st.integers(0, len(text)))
    pos = idx.position(offset)
    assert pos.line >= 1 and pos.column >= 1
    if inside_crlf(text, offset):
        assert idx.offset(pos.line, pos.column) == offset - 1  # clamps onto the CR
    else:
        assert idx.offset(pos.line, pos.column) == offset
    # The line/column is what an editor shows: count lines and characters.
    before = text[:offset]
    lines = before.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not inside_crlf(text, offset):
        assert (pos.line, pos.column) == (len(lines), len(lines[-1]) + 1)


@settings(max_examples=300)
@given(TEXTS, st.data())
def test_utf16_round_trip(text: str, data) -> None:
    idx = LineIndex(text)
    offset = data.draw(st.integers(0, len(text)))
    line, character = idx.utf16(offset)
    assert line == idx.position(offset).line - 1
    prefix = text[idx.line_starts[line] : offset]
    assert character == len(prefix) + sum(ord(c) > 0xFFFF for c in prefix)
    expected = offset - 1 if inside_crlf(text, offset) else offset
    assert idx.from_utf16(line, character) == expected


@settings(max_examples=200)
@given(TEXTS)
def test_lines_partition_the_text(text: str) -> None:
    idx = LineIndex(text)
    starts = idx.line_starts
    assert starts[0] == 0 and starts == sorted(set(starts))
    rebuilt = ""
    for i in range(idx.line_count):
        line = idx.line_text(i)
        assert "\n" not in line and "\r" not in line
        assert text[starts[i] : idx.line_end(i)] == line
        end = starts[i + 1] if i + 1 < idx.line_count else len(text)
        assert text[idx.line_end(i) : end] in ("", "\n", "\r\n", "\r")
        rebuilt += text[starts[i] : end]
    assert rebuilt == text
    assert idx.line_count == len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


@settings(max_examples=200)
@given(TEXTS, st.integers(-2, 12), st.integers(-2, 50))
def test_offset_clamps_into_the_line(text: str, line: int, column: int) -> None:
    idx = LineIndex(text)
    o = idx.offset(line, column)
    assert 0 <= o <= len(text)
    if 1 <= line <= idx.line_count:
        assert idx.line_starts[line - 1] <= o <= idx.line_end(line - 1)
    o16 = idx.from_utf16(max(line, 0), max(column, 0))
    assert 0 <= o16 <= len(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab \r\n\u2028", max_size=30))
def test_split_lines_gives_every_line_text(text: str) -> None:
    index = LineIndex(text)
    assert split_lines(text) == [index.line_text(n) for n in range(index.line_count)]


@given(TEXTS)
@settings(max_examples=400, deadline=None)
def test_line_starts_are_those_of_every_line_break(text: str) -> None:
    """A text with LF breaks only has its line starts summed from the lines' lengths: the
    same as where each break of any kind (LF, CRLF, lone CR) ends."""
    import re

    assert LineIndex(text).line_starts == [0, *(m.end() for m in re.finditer(r"\r\n?|\n", text))]
