"""The YAML model: composed values with positions, and scalar source maps.

Every position is a character offset into Source.text.  For every scalar the
model keeps the decoded value and a map from value offsets to file offsets:
verbatim characters map exactly; escapes, folds and CRLF breaks are
non-verbatim segments; ``file_span(a, b)`` is exact or None.
"""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML, scalarstring

from authlint.diagnostics import Span
from authlint.source import Source
from authlint.yaml import libyaml, scalars
from authlint.yaml.model import YamlError, YamlFile, YMap, YScalar, YSeq, load, scalars_in, walk
from support.bounded import hang_guard

BOM_BYTES = b"\xef\xbb\xbf"


# ---------------------------------------------------------------- helpers


def parse(text: str, *, newline: str = "\n", bom: bool = False) -> YamlFile:
    data = text.replace("\n", newline).encode("utf-8")
    return load(Source.from_bytes("t.yml", (BOM_BYTES if bom else b"") + data))


def check_map(text: str, st: scalars.ScalarText) -> None:
    """Invariants of every exact map."""
    assert st.exact
    value, segs = st.value, st.segments
    assert [s.vstart for s in segs[:1]] in ([], [0]) and (segs[-1].vend if segs else 0) == len(value)
    for a, b in zip(segs, segs[1:]):
        assert a.vend == b.vstart  # contiguous, ordered in the value
        assert a.fend <= b.fstart  # ordered and non-overlapping in the file
    for s in segs:
        assert st.start <= s.fstart < s.fend <= max(st.end, st.start + 1)
        assert s.vstart < s.vend
        if s.verbatim:
            assert text[s.fstart : s.fend] == value[s.vstart : s.vend]
            for i in range(s.vstart, s.vend):
                assert text[st.offset(i)] == value[i]


def where(yf: YamlFile, offset: int) -> tuple[int, int]:
    p = yf.source.index.position(offset)
    return p.line, p.column


def word_position(yf: YamlFile, scalar: YScalar, word: str) -> tuple[int, int, int, int]:
    """1-based (line, column) of the start and end of word inside scalar."""
    st = scalar.text
    a = st.value.index(word)
    span = st.file_span(a, a + len(word))
    assert span is not None, (word, st)
    assert yf.source.text[span.start : span.end] == word
    return (*where(yf, span.start), *where(yf, span.end))


def verbatim(st: scalars.ScalarText, i: int) -> bool:
    return any(s.verbatim and s.vstart <= i < s.vend for s in st.segments)


# ---------------------------------------------------------------- plain


def test_plain_scalar() -> None:
    yf = parse("job:\n  script: docker login -u me -p $P r.example.com  # push\n")
    s = yf.root.get("job").get("script")
    assert isinstance(s, YScalar) and s.style == scalars.PLAIN and s.value == "docker login -u me -p $P r.example.com"
    check_map(yf.source.text, s.text)
    assert s.text.segments == [scalars.Segment(0, len(s.value), s.start, s.end, True)]
    assert word_position(yf, s, "$P") == (2, 33, 2, 35)


def test_plain_multiline_folds() -> None:
    text = "k: echo one\n  two   \n\n\n  three\n"
    yf = parse(text)
    s = yf.root.get("k")
    assert s.value == "echo one two\n\nthree"
    st = s.text
    check_map(text, st)
    assert word_position(yf, s, "three") == (5, 3, 5, 8)
    assert st.file_span(0, len("echo one two")) is None  # crosses a fold
    fold = st.value.index(" two")
    assert not verbatim(st, fold) and st.offset(fold) == text.index("one") + 3
    assert st.file_span(5, 8) == Span(text.index("one"), text.index("one") + 3)


def test_plain_tab_inside() -> None:
    # libyaml (the C parser) accepts tabs inside plain scalars.
    text = "k: a\tb \t c\n"
    yf = parse(text)
    assert yf.parser == "c"
    s = yf.root.get("k")
    assert s.value == "a\tb \t c"
    check_map(text, s.text)
    assert s.text.file_span(0, 7) == Span(3, 10)


def test_plain_in_flow_collections() -> None:
    text = "k: [echo a, 'b c', \"d\\te\", {x: y z}, multi\n  line]\n"
    yf = parse(text)
    seq = yf.root.get("k")
    assert isinstance(seq, YSeq) and seq.flow
    a, b, d, m, ml = seq.items
    assert (a.value, b.value, d.value, ml.value) == ("echo a", "b c", "d\te", "multi line")
    assert isinstance(m, YMap) and m.flow and m.get("x").value == "y z"
    for s in (a, b, d, m.get("x"), ml):
        check_map(text, s.text)
    assert text[a.text.offset(0)] == "e" and text[b.text.offset(0)] == "b"
    assert d.text.file_span(0, 1) == Span(text.index("d\\t"), text.index("d\\t") + 1)
    assert d.text.file_span(0, 3) is None  # the escape is not verbatim
    assert word_position(yf, ml, "line") == (2, 3, 2, 7)


def test_libyaml_accepts_colon_in_flow_plain() -> None:
    # ruamel.yaml.clib's old libyaml rejected this; PyYAML's libyaml does not.
    text = "job:\n  services: [docker:27-dind, 'x']\n  script: |\n    docker info\n"
    yf = parse(text)
    assert yf.parser == "c"
    (dind, x) = yf.root.get("job").get("services").items
    assert dind.value == "docker:27-dind" and x.value == "x"
    check_map(text, dind.text)
    assert text[dind.start : dind.end] == "docker:27-dind"
    assert word_position(yf, yf.root.get("job").get("script"), "info") == (4, 12, 4, 16)


def test_the_pure_parser_takes_what_libyaml_rejects() -> None:
    # GitLab allows an anchor to be defined again (the later one counts); libyaml does not.
    text = ".a: &x {image: one}\n.b: &x {image: two}\njob: *x\n"
    yf = parse(text)
    assert yf.parser == "pure" and yf.root.get("job").get("image").value == "two"
    # A %YAML directive switches ruamel to that version's tag rules: the reference decides.
    yf = parse("%YAML 1.1\n---\na: yes\nb: on\n")
    assert yf.parser == "pure" and yf.root.get("a").tag == "tag:yaml.org,2002:bool"
    # Valid YAML that libyaml calls invalid: its error alone cannot end the parse of a file.
    yf = parse("a: b\n...\nc: d\n")
    assert yf.parser == "pure" and [d.get("c") is not None for d in yf.documents] == [False, True]


def test_an_invalid_file_reports_the_reference_parsers_error() -> None:
    # libyaml rejects it first ("did not find expected key", at line 3 column 2); the message and
    # offset reported are ruamel's (the second parse, kept for them: see model.load).
    text = "a:\n  - b\n - c\n"
    with pytest.raises(libyaml.Rejected, match="did not find expected key"):
        libyaml.compose_all(text)
    with pytest.raises(YamlError) as info:
        parse(text)
    assert info.value.message == "while parsing a block mapping: expected <block end>, but found '<block sequence start>'"
    assert info.value.offset == text.index(" - c") + 1


def test_yaml_1_2_tags() -> None:
    yf = parse("a: yes\nb: on\nc: true\nd: 012\ne: 0o12\nf: 1_000\ng: ~\nh:\ni: '1'\nj: 1:20\nk: .5\n<<: {}\n")
    assert yf.parser == "c"
    tags = {k: v.tag.rpartition(":")[2] for k, v in yf.root.items()}
    assert tags == {"a": "str", "b": "str", "c": "bool", "d": "int", "e": "int", "f": "int", "g": "null",
                    "h": "null", "i": "str", "j": "str", "k": "float"}


# ---------------------------------------------------------------- single-quoted


def test_single_quoted_doubled_quotes() -> None:
    text = "k: 'it''s a ''test'''\n"
    yf = parse(text)
    s = yf.root.get("k")
    assert s.style == scalars.SINGLE and s.value == "it's a 'test'"
    st = s.text
    check_map(text, st)
    q = st.value.index("'")
    assert not verbatim(st, q) and st.offset(q) == text.index("''")
    assert st.file_span(0, 2) == Span(4, 6)
    assert st.file_span(0, 3) is None
    assert word_position(yf, s, "test") == (1, 15, 1, 19)


def test_single_quoted_multiline_with_tabs() -> None:
    text = "k: 'a\t\n \t b\n\n  c # not a comment'\n"
    s = parse(text).root.get("k")
    assert s.value == "a b\nc # not a comment"
    check_map(text, s.text)


# ---------------------------------------------------------------- double-quoted


DOUBLE_ESCAPES = [
    ("\\0", "\0"), ("\\a", "\a"), ("\\b", "\b"), ("\\t", "\t"), ("\\\t", "\t"), ("\\n", "\n"),
    ("\\v", "\v"), ("\\f", "\f"), ("\\r", "\r"), ("\\e", "\x1b"), ("\\ ", " "), ('\\"', '"'),
    ("\\/", "/"), ("\\\\", "\\"), ("\\N", "\x85"), ("\\_", "\xa0"), ("\\L", "\u2028"),
    ("\\P", "\u2029"), ("\\x41", "A"), ("\\u00e9", "é"), ("\\U0001F680", "🚀"),
]  # fmt: skip


@pytest.mark.parametrize("escape, char", DOUBLE_ESCAPES)
def test_double_quoted_escape_maps_to_its_backslash(escape: str, char: str) -> None:
    text = f'k: "ab{escape}cd"\n'
    yf = parse(text)
    s = yf.root.get("k")
    assert s.style == scalars.DOUBLE and s.value == f"ab{char}cd"
    st = s.text
    check_map(text, st)
    assert not verbatim(st, 2) and st.offset(2) == 6  # the backslash
    assert st.span(2, 3) == Span(6, 7)
    assert st.file_span(0, 2) == Span(4, 6)
    cd = 6 + len(escape)
    assert st.file_span(3, 5) == Span(cd, cd + 2) and st.offset(3) == cd
    assert st.file_span(1, 4) is None


def test_double_quoted_all_escapes_in_one_scalar() -> None:
    body = "".join(e for e, _ in DOUBLE_ESCAPES)
    text = f'k: "{body}x"\n'
    s = parse(text).root.get("k")
    assert s.value == "".join(c for _, c in DOUBLE_ESCAPES) + "x"
    check_map(text, s.text)
    assert s.text.offset(len(s.value) - 1) == text.index('x"')


def test_double_quoted_escaped_line_break() -> None:
    text = 'k: "docker login \\\n    -u me\\\n  \\ -p x"\n'
    yf = parse(text)
    s = yf.root.get("k")
    assert s.value == "docker login -u me -p x"
    check_map(text, s.text)
    assert word_position(yf, s, "-u me") == (2, 5, 2, 10)
    assert word_position(yf, s, "-p x") == (3, 5, 3, 9)
    assert s.text.file_span(0, len("docker login -u")) is None


def test_double_quoted_escaped_space_before_a_line_break() -> None:
    # "\ " at the end of a line is an escaped space, not an escaped break.
    for end in (" ", "\t"):
        text = f'k: "a\\{end}  \n  b"\n'
        s = parse(text).root.get("k")
        assert s.value == f"a{end} b"
        check_map(text, s.text)
    text = 'k: "a\\\\  \n  b"\n'  # an escaped backslash, then trailing spaces
    s = parse(text).root.get("k")
    assert s.value == "a\\ b"
    check_map(text, s.text)


def test_double_quoted_empty_lines_after_an_escaped_break() -> None:
    text = 'k: "a\\\n\n   \n  b"\n'
    s = parse(text).root.get("k")
    assert s.value == "a\n\nb"
    check_map(text, s.text)


def test_double_quoted_folding() -> None:
    text = 'k: "one  \n   two\n\n\tthree  "\n'
    s = parse(text).root.get("k")
    assert s.value == "one two\nthree  "
    check_map(text, s.text)
    assert s.text.offset(len("one two\n")) == text.index("three")


# ---------------------------------------------------------------- literal and folded blocks


def test_script_word_on_the_third_line_of_a_literal_block() -> None:
    text = (
        "build:\n"
        "  script:\n"
        "    - |\n"
        "      echo one\n"
        "      echo two\n"
        '      docker login -u "$U" -p "$P" r.example.com\n'
        "    - echo after\n"
    )
    yf = parse(text)
    s = yf.root.get("build").get("script").items[0]
    assert s.style == scalars.LITERAL
    assert s.value == 'echo one\necho two\ndocker login -u "$U" -p "$P" r.example.com\n'
    check_map(text, s.text)
    assert word_position(yf, s, "login") == (6, 14, 6, 19)
    assert word_position(yf, s, '"$P"') == (6, 31, 6, 35)
    (l1, _), (l2, _), (l3, _), _ = [(a, b) for a, b in s.text.line_spans()]
    assert where(yf, s.text.offset(l3)) == (6, 7)
    # A literal LF break is the file's LF; the next line's indentation is not value.
    assert s.text.file_span(0, len("echo one\n")) == Span(text.index("echo one"), text.index("echo one") + 9)
    assert s.text.file_span(0, len("echo one\ne")) is None


def test_literal_block_keeps_more_indented_lines_and_tabs() -> None:
    text = "k: |\n  if x; then\n    echo\tin\n  \tfi\n"
    s = parse(text).root.get("k")
    assert s.value == "if x; then\n  echo\tin\n\tfi\n"
    check_map(text, s.text)


def test_folded_block() -> None:
    text = "k: >\n  echo one\n  two\n\n  three\n    more\n  \tfour\n  five\n"
    yf = parse(text)
    s = yf.root.get("k")
    assert s.style == scalars.FOLDED
    assert s.value == "echo one two\nthree\n  more\n\tfour\nfive\n"
    st = s.text
    check_map(text, st)
    assert not verbatim(st, len("echo one"))  # the fold
    assert st.file_span(0, len("echo one two")) is None
    assert word_position(yf, s, "two") == (3, 3, 3, 6)
    assert word_position(yf, s, "five") == (8, 3, 8, 7)


@pytest.mark.parametrize(
    "header, value",
    [
        ("|", "a\n\nb\n"),
        ("|-", "a\n\nb"),
        ("|+", "a\n\nb\n\n\n"),
        (">", "a\nb\n"),
        (">-", "a\nb"),
        (">+", "a\nb\n\n\n"),
    ],
)
def test_chomping_with_trailing_blank_lines(header: str, value: str) -> None:
    text = f"k: {header}\n  a\n\n  b\n\n  \nj: 1\n"
    yf = parse(text)
    s = yf.root.get("k")
    assert s.value == value
    check_map(text, s.text)
    assert yf.root.get("j").value == "1"
    if header.endswith("+"):  # a kept break maps to the file's break
        tail = len(value) - 1
        assert text[s.text.offset(tail)] == "\n" and s.text.offset(tail) == text.index("\nj:")


@pytest.mark.parametrize("header, value", [("|", "x\n"), ("|-", "x"), ("|+", "x\n"), (">", "x\n")])
def test_block_at_end_of_file(header: str, value: str) -> None:
    kept = value + ("\n" if "+" in header else "")
    for tail, expect in (("\n", value), ("", value.rstrip("\n")), ("\n  ", value), ("\n\n", kept)):
        text = f"k: {header}\n  x{tail}"
        s = parse(text).root.get("k")
        assert s.value == expect, (text, s.value)
        check_map(text, s.text)


@pytest.mark.parametrize(
    "text, path, value",
    [
        ("--- |2-\n   x\n  y\n", (), " x\ny"),
        ("k: |1\n  x\n y\n", ("k",), " x\ny\n"),
        ("a:\n  b:\n    k: |2\n        x\n      y\n", ("a", "b", "k"), "  x\ny\n"),
        ("a:\n  - |2-\n     x\n    y\n", ("a", 0), " x\ny"),  # the sequence's indentation + 2
        ("a:\n- |2-\n   x\n  y\n", ("a", 0), " x\ny"),
        ("a:\n  - k: >2\n        x\n      y\n      z\n", ("a", 0, "k"), "  x\ny z\n"),
        ("a:\n  - - |-2\n\n         x\n", ("a", 0, 0), "\n   x"),
        ("k: |+2\n\n    x\n  y\n\n", ("k",), "\n  x\ny\n\n"),
    ],
)
def test_explicit_indentation_indicators(text: str, path: tuple, value: str) -> None:
    node = parse(text).root
    for p in path:
        node = node.items[p] if isinstance(p, int) else node.get(p)
    assert node.value == value
    check_map(text, node.text)


def test_comments_after_block_headers() -> None:
    text = "a: | # first\n  x\nb: >- # second\n  y\n  z\nc: |2+ # third\n    w\n\n"
    yf = parse(text)
    assert [yf.root.get(k).value for k in "abc"] == ["x\n", "y z", "  w\n\n"]
    for k in "abc":
        check_map(text, yf.root.get(k).text)
    assert word_position(yf, yf.root.get("b"), "z") == (5, 3, 5, 4)


# ---------------------------------------------------------------- empty scalars


@pytest.mark.parametrize(
    "text, value",
    [
        ("k:\nj: 1\n", ""),
        ("k: ''\n", ""),
        ('k: ""\n', ""),
        ("k: |\nj: 1\n", ""),
        ("k: >-\n\nj: 1\n", ""),
        ("k: |+\n\n\nj: 1\n", "\n\n"),
        ("k: |\n", ""),
        ("k: &a\nj: 1\n", ""),
    ],
)
def test_empty_scalars(text: str, value: str) -> None:
    s = parse(text).root.get("k")
    assert isinstance(s, YScalar) and s.value == value
    check_map(text, s.text)
    assert s.text.offset(0) >= s.start


def test_null_and_string_flags() -> None:
    yf = parse("a:\nb: ~\nc: ''\nd: !!str 1\ne: 1\n")
    assert yf.root.get("a").is_null and yf.root.get("b").is_null
    assert not yf.root.get("c").is_null and yf.root.get("c").is_string
    assert yf.root.get("d").is_string and not yf.root.get("e").is_string


# ---------------------------------------------------------------- CRLF, BOM, non-ASCII, line breaks

STYLE_FILES = {
    "plain": ("k: docker login\n  -p $P\n", "docker login -p $P"),
    "single": ("k: 'docker login\n  -p $P'\n", "docker login -p $P"),
    "double": ('k: "docker login\\\n  \\ -p $P"\n', "docker login -p $P"),
    "literal": ("k: |\n  docker login\n  -p $P\n", "docker login\n-p $P\n"),
    "folded": ("k: >\n  docker login\n  -p $P\n", "docker login -p $P\n"),
    "literal-keep": ("k: |+\n  docker login\n  -p $P\n\n", "docker login\n-p $P\n\n"),
}


@pytest.mark.parametrize("style", list(STYLE_FILES))
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("bom", [False, True])
def test_line_endings_and_bom(style: str, newline: str, bom: bool) -> None:
    text, value = STYLE_FILES[style]
    yf = parse("# é 中 🚀\n" + text, newline=newline, bom=bom)
    assert yf.source.bom == bom and not yf.source.text.startswith("\ufeff")
    s = yf.root.get("k")
    assert s.value == value  # line breaks read as LF whatever the file holds
    check_map(yf.source.text, s.text)
    for word in ("login", "$P"):
        line, line_text = next((n, t) for n, t in enumerate(text.split("\n"), 2) if word in t)
        column = line_text.index(word) + 1
        assert word_position(yf, s, word) == (line, column, line, column + len(word))
    if newline != "\n" and "\n" in value:
        i = value.index("\n")  # a CRLF / CR break is not verbatim
        assert not verbatim(s.text, i) and s.text.file_span(i, i + 1) is None
        assert yf.source.text[s.text.offset(i)] == "\r"


def test_non_ascii_before_the_scalar_lsp_positions() -> None:
    text = "# café 中 🚀\nk: |\n  echo '🚀 é' && docker login -p $P\n"
    yf = parse(text, bom=True)
    s = yf.root.get("k")
    check_map(yf.source.text, s.text)
    a = s.text.value.index("$P")
    off = s.text.offset(a)
    assert yf.source.text[off : off + 2] == "$P"
    column = text.split("\n")[2].index("$P")
    assert where(yf, off) == (3, column + 1)
    assert yf.source.index.utf16(off) == (2, column + 1)  # the emoji is two UTF-16 units
    assert yf.source.index.from_utf16(2, column + 1) == off


def test_unicode_line_breaks_with_the_c_parser() -> None:
    # NEL, LS and PS are YAML 1.1 line breaks for libyaml; LS/PS stay in the value.
    text = "k: |\n  a\u2028  b\x85  c\n"
    yf = parse(text)
    s = yf.root.get("k")
    assert yf.parser == "c" and s.value == "a\u2028b\nc\n"
    check_map(text, s.text)
    assert verbatim(s.text, 1) and not verbatim(s.text, 3)


# ---------------------------------------------------------------- properties, tags, anchors


@pytest.mark.parametrize(
    "text, value",
    [
        ('k: &a "x y"\n', "x y"),
        ("k: &a !foo plain text\n", "plain text"),
        ("k: !!str 'q'\n", "q"),
        ("k: !foo |-\n  x\n", "x"),
        ("k: &a # comment\n  !<tag:example.com,2000:x> >2-\n    x\n", "  x"),
        ("k: [&a x, !t y]\n", None),
    ],
)
def test_anchors_and_tags_before_a_scalar(text: str, value: str | None) -> None:
    # A node's span starts at its anchor or tag; the map starts at the content.
    yf = parse(text)
    node = yf.root.get("k")
    for s in node.items if isinstance(node, YSeq) else [node]:
        assert value is None or s.value == value
        check_map(text, s.text)
        assert s.text.segments[0].verbatim and text[s.text.offset(0)] == s.value[0]


def test_reference_tags_are_kept() -> None:
    text = (
        ".setup:\n  script: [echo setup]\n"
        "job:\n  script:\n    - !reference [.setup, script]\n    - echo 'job'\n"
        "  variables: !reference [.vars, variables]\n"
    )
    yf = parse(text)
    job = yf.root.get("job")
    ref = job.get("script").items[0]
    assert isinstance(ref, YSeq) and ref.tag == "!reference" and ref.custom_tag == "!reference" and ref.flow
    assert [i.value for i in ref.items] == [".setup", "script"]
    assert text[ref.start : ref.end] == "!reference [.setup, script]"
    assert text[ref.items[0].start : ref.items[0].end] == ".setup"
    assert job.get("variables").tag == "!reference"
    assert yf.root.get(".setup").custom_tag is None


def test_unknown_tags_are_kept() -> None:
    yf = parse("a: !foo bar\nb: !foo {x: 1}\nc: !foo [1]\nd: !!str 1\ne: !vault |\n  secret\n")
    a, b, c, d, e = (yf.root.get(k) for k in "abcde")
    assert (a.tag, a.value, a.custom_tag) == ("!foo", "bar", "!foo")
    assert isinstance(b, YMap) and b.tag == "!foo" and b.get("x").value == "1"
    assert isinstance(c, YSeq) and c.tag == "!foo"
    assert d.tag == "tag:yaml.org,2002:str" and d.custom_tag is None and d.is_string
    assert e.custom_tag == "!vault" and e.value == "secret\n" and e.text.exact


def test_anchors_and_aliases_share_values() -> None:
    text = ".d: &d\n  image: docker:27\n  tags: &t [a, b]\nj1: *d\nj2:\n  tags: *t\n  s: &s str\n  s2: *s\n"
    yf = parse(text)
    root = yf.root
    assert root.get("j1") is root.get(".d")
    assert root.get("j2").get("tags") is root.get(".d").get("tags")
    assert root.get("j2").get("s2") is root.get("j2").get("s")
    img = root.get("j1").get("image")
    assert text[img.start : img.end] == "docker:27"  # positions stay at the anchor's text


def test_recursive_alias_is_an_error() -> None:
    with pytest.raises(YamlError) as info:
        parse("a: &a [1, *a]\n")
    assert "recursive" in info.value.message and info.value.offset == 3


# ---------------------------------------------------------------- merge keys


MERGE_BASE = ".a: &a {x: a, y: a, p: a}\n.b: &b {x: b, z: b, q: b}\n"


def values(m: YMap) -> dict[str, str]:
    return {k: v.value for k, v in m.items()}


def test_merge_single() -> None:
    yf = parse(MERGE_BASE + "j:\n  <<: *a\n  y: own\n")
    j = yf.root.get("j")
    assert values(j) == {"x": "a", "y": "own", "p": "a"}
    assert j.merges == [yf.root.get(".a")]
    assert [k.value for k, _ in j.entries] == ["y"]  # `<<` is not an entry
    key = j.key_node("x")
    assert yf.source.text[key.start : key.end] == "x" and key.start < yf.source.text.index("j:")
    assert "p" in j and "<<" not in j and j.get("nope", 7) == 7


def test_merge_list_first_wins() -> None:
    j = parse(MERGE_BASE + "j:\n  <<: [*a, *b]\n").root.get("j")
    assert values(j) == {"x": "a", "y": "a", "p": "a", "z": "b", "q": "b"}
    j = parse(MERGE_BASE + "j:\n  <<: [*b, *a]\n").root.get("j")
    assert values(j)["x"] == "b"


def test_two_merge_keys_in_one_mapping() -> None:
    # ruamel's load() rejects this; GitLab (Psych) accepts it: a `<<` overrides
    # the keys above it, the keys below it override it.
    text = MERGE_BASE + "j:\n  x: own\n  p: own\n  <<: *a\n  y: own\n  <<: *b\n  q: own\n"
    yf = parse(text)
    j = yf.root.get("j")
    assert values(j) == {"x": "b", "p": "a", "y": "own", "z": "b", "q": "own"}
    assert j.merges == [yf.root.get(".a"), yf.root.get(".b")]
    assert j.order == [("entry", 0), ("entry", 1), ("merge", 0), ("entry", 2), ("merge", 1), ("entry", 3)]
    assert yf.source.text[j.get("x").start - 3 : j.get("x").end] == "x: b"  # points into .b


def test_order_is_kept_from_the_first_merge_key_on() -> None:
    # Empty without a `<<` (entries in order); a `<<` merging nothing is in it too.
    for yf in (parse("j:\n  a: 1\n  b: 2\n"), load(Source("f.yml", "j: {a: 1, b: 2}\nx: &d 1\ny: &d 2\n"))):
        assert yf.root.get("j").order == [] and yf.root.order == []
    assert yf.parser == "pure"
    j = parse("j:\n  a: 1\n  <<: 5\n  b: 2\n").root.get("j")
    assert j.merges == [] and j.order == [("entry", 0), ("merge", 0), ("entry", 1)]


def test_keys_below_a_merge_override_it() -> None:
    j = parse(MERGE_BASE + "j:\n  <<: *a\n  x: own\n").root.get("j")
    assert values(j)["x"] == "own"
    assert j.keys() == ["y", "p", "x"]  # in the order of the definitions that count
    assert [k.value for k, _ in j.key_items()] == ["y", "p", "x"]


def test_nested_merges_and_long_merge_chains() -> None:
    j = parse(MERGE_BASE + ".c: &c {<<: *a, y: c}\nj: {<<: *c, p: j}\n").root.get("j")
    assert values(j) == {"x": "a", "y": "c", "p": "j"}
    n = 2000  # a chain this long must not recurse
    text = "m0: &m0 {k0: 0}\n" + "".join(f"m{i}: &m{i} {{<<: *m{i - 1}, k{i}: {i}}}\n" for i in range(1, n))
    last = parse(text).root.get(f"m{n - 1}")
    assert last.get("k0").value == "0" and len(last.keys()) == n


def test_duplicate_keys_last_wins() -> None:
    m = parse("a: 1\nb: 2\na: 3\n").root
    assert m.get("a").value == "3" and len(m.entries) == 3 and m.keys() == ["b", "a"]


# ---------------------------------------------------------------- documents and errors


def test_multi_document_component_header() -> None:
    text = (
        "spec:\n  inputs:\n    stage:\n      default: test\n---\n"
        "job:\n  stage: $[[ inputs.stage ]]\n  script: |\n    echo x\n"
    )
    yf = parse(text, newline="\r\n")
    assert len(yf.documents) == 2 and yf.root is yf.documents[-1]
    assert yf.documents[0].get("spec").get("inputs").get("stage").get("default").value == "test"
    job = yf.root.get("job")
    assert word_position(yf, job.get("script"), "x") == (9, 10, 9, 11)  # absolute across documents
    assert where(yf, job.get("stage").start) == (7, 10)


def test_empty_files() -> None:
    for text in ("", "# comment\n", "\n\n"):
        yf = parse(text)
        assert yf.documents == [] and yf.root is None


@pytest.mark.parametrize(
    "text, offset, message",
    [
        ("a: 1\n  b: 2\n", 8, "mapping values are not allowed here"),
        ("a: *nope\n", 3, "found undefined alias 'nope'"),
        ("a: 'x\n", 6, "found unexpected end of stream"),
        ("a:\n\tb: 1\n", 3, "found character '\\t' that cannot start any token"),
        ("a: [b\n", 6, "expected ',' or ']', but got '<stream end>'"),
        ("a: 1\nb: \x07\n", 8, "unacceptable character #x0007"),
        ("# é 🚀\na: *nope\n", 9, "found undefined alias 'nope'"),
        ("k: [docker:27-dind\n", 19, "expected ',' or ']'"),
    ],
)
@pytest.mark.parametrize("bom", [False, True])
def test_parse_errors_have_message_and_exact_offset(text: str, offset: int, message: str, bom: bool) -> None:
    with pytest.raises(YamlError) as info:
        parse(text, bom=bom)
    assert message in info.value.message
    assert info.value.offset == offset
    assert str(info.value) == info.value.message


def test_parse_error_offsets_count_crlf() -> None:
    with pytest.raises(YamlError) as info:
        parse("x: 1\na: *nope\n", newline="\r\n")
    assert info.value.offset == 9


# ---------------------------------------------------------------- bounded cost


@pytest.mark.parametrize(
    "text",
    [
        "[" * 10_000 + "]" * 10_000,
        "{a: " * 10_000 + "b" + "}" * 10_000,
        "[" * 10_000,
        "- " * 10_000 + "x\n",
        "k: [docker:27-dind, " + "[" * 10_000 + "]" * 10_000 + "]\n",  # forces the pure parser
        "".join(" " * i + f"k{i}:\n" for i in range(1000)),
    ],
    ids=["flow-seq", "flow-map", "unclosed", "compact-block", "pure", "indented"],
)
def test_deep_nesting_is_an_error_in_bounded_time(text: str) -> None:
    with hang_guard(), pytest.raises(YamlError) as info:
        parse(text)
    assert "nesting deeper" in info.value.message and 0 <= info.value.offset < len(text)


def test_very_deep_nesting_does_not_crash_the_process() -> None:
    # The C composer recurses in C: 30,000 levels used to crash the interpreter.
    code = (
        "from authlint.source import Source\nfrom authlint.yaml.model import load, YamlError\n"
        "try:\n    load(Source('x', '[' * 100000 + ']' * 100000))\nexcept YamlError as e:\n    print(e.message)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "nesting deeper" in out.stdout


def test_nesting_below_the_limit_loads() -> None:
    root = parse("[" * 400 + "x" + "]" * 400).root
    for _ in range(400):
        (root,) = root.items
    assert root.value == "x"


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    lines = ['a0: &a0 "lol"']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_costs_nothing() -> None:
    text = billion_laughs()
    with hang_guard():  # expanded it would be 9**9 values
        yf = parse(text)
    top = yf.root.get("a9")
    seen = list(walk(top))
    assert len(seen) == len({id(v) for v in seen}) == 10  # 9 lists + the "lol" scalar
    assert [s.value for s in scalars_in(yf.root)].count("lol") == 1
    everything = list(walk(yf.root))
    assert len(everything) == 1 + 10 + 10  # root, 10 keys, 10 values


def test_walk_visits_keys_values_and_merged_maps_once() -> None:
    yf = parse(MERGE_BASE + "j:\n  <<: [*a, *b]\n  k: [*a, *a]\n")
    vals = list(walk(yf.root))
    assert len(vals) == len({id(v) for v in vals})
    assert yf.root.get(".a") in vals and yf.root.get(".b") in vals
    assert {s.value for s in scalars_in(yf.root.get("j"))} >= {"k", "x", "a", "b"}


def test_style_of_both_parsers() -> None:
    class Node:
        def __init__(self, style):
            self.style = style

    assert [scalars.style_of(Node(s)) for s in (None, "", "'", '"', "|", ">")] == [
        "plain", "plain", "single", "double", "literal", "folded",
    ]  # fmt: skip


def test_inexact_map_points_at_the_scalar_start() -> None:
    st = scalars.build("k: abc\n", 3, 6, scalars.PLAIN, "something else")
    assert not st.exact and st.offset(4) == 3 and st.span(2, 5) == Span(3, 4)
    assert st.file_span(0, 1) is None and st.file_span(0, 0) is None


# ---------------------------------------------------------------- hypothesis: ruamel's dumper vs our map

# A rich alphabet: quotes, backslashes, comment and mapping indicators, tabs,
# trailing spaces, line breaks, non-ASCII and characters only escapes can hold.
CHARS = st.sampled_from(list(" \t\n'\"\\#:-?,[]{}&*!|>%@`~é中🚀\xa0\r\x07\x1b") + ["  ", "\n\n", " \n", "a b"])
WORDS = st.text(alphabet="abcxyz019", min_size=1, max_size=4)
CONTENT = st.one_of(
    st.lists(st.one_of(CHARS, WORDS), max_size=24).map("".join),
    # prose: long enough for the dumper to fold it over several lines
    st.lists(st.one_of(WORDS, WORDS, WORDS, CHARS), min_size=4, max_size=30).map(" ".join),
)
STYLES = {"plain": None, "single": "'", "double": '"', "literal": "|", "folded": ">"}
SAFE = st.text(alphabet="XYZqrs", min_size=1, max_size=3)


ROUND_TRIP_TYPES = {
    "single": scalarstring.SingleQuotedScalarString,
    "double": scalarstring.DoubleQuotedScalarString,
    "literal": scalarstring.LiteralScalarString,
    "folded": scalarstring.FoldedScalarString,
}


def dump(data, style: str, width: int, indent: int, round_trip: bool) -> str:
    """Dump with ruamel's own emitter: the safe one with a default style, or the
    round-trip one with scalarstring types on the strings (it emits e.g. tabs
    in block scalars, which the safe one double-quotes)."""
    if round_trip:
        y = YAML()

        def styled(node):
            if isinstance(node, dict):
                return {k: styled(v) for k, v in node.items()}
            if isinstance(node, list):
                return [styled(v) for v in node]
            return ROUND_TRIP_TYPES[style](node) if style in ROUND_TRIP_TYPES and node != "x" else node

        data = styled(data)
    else:
        y = YAML(typ="safe", pure=True)
        y.default_style = STYLES[style]
    y.width = width
    y.indent(mapping=indent, sequence=indent + 2, offset=indent)
    out = io.StringIO()
    y.dump(data, out)
    return out.getvalue()


def compose_value(text: str, pure: bool):
    """The node of our scalar: the value of key 'k', or the last item of its list."""
    node = YAML(typ="safe", pure=pure).compose(text)
    while True:
        if type(node).__name__ == "MappingNode":
            node = next(v for k, v in node.value if k.value == "k" or k.value.startswith("d"))
        elif type(node).__name__ == "SequenceNode":
            node = node.value[-1]
        else:
            return node


def scalar_map(text: str, pure: bool) -> tuple[object, scalars.ScalarText]:
    node = compose_value(text, pure)
    return node, scalars.build(text, node.start_mark.index, node.end_mark.index, scalars.style_of(node), node.value)


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    content=CONTENT,
    style=st.sampled_from(list(STYLES)),
    width=st.sampled_from([8, 20, 80]),
    depth=st.integers(0, 3),
    container=st.sampled_from(["map", "list"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    props=st.booleans(),
    round_trip=st.booleans(),
    pure=st.booleans(),
    data=st.data(),
)
def test_dumped_scalars_map_exactly(
    content, style, width, depth, container, newline, props, round_trip, pure, data
) -> None:
    tree = {"k": content} if container == "map" else {"k": ["x", content]}
    for i in range(depth):
        tree = {f"d{i}": tree} if i % 2 else {f"d{i}": [tree]}
    try:
        text = dump(tree, style, width, 2 + depth % 2, round_trip)
    except Exception:  # ruamel's emitter gives up on some inputs (e.g. `\a` in a folded block)
        assume(False)
    text = text.replace("\n", newline)
    try:
        node, st_ = scalar_map(text, pure)
    except Exception:  # e.g. the pure parser rejects what the C parser accepts
        assume(False)
    if props:  # an anchor and a tag before the content
        text = text[: node.start_mark.index] + "&anc !tag " + text[node.start_mark.index :]
        try:
            node, st_ = scalar_map(text, pure)
        except Exception:  # they can end a plain scalar's YAML: `{k: &anc !tag :'}` does not parse
            assume(False)
    event(f"emitted as {st_.style}, {'several lines' if node.start_mark.line != node.end_mark.line else 'one line'}")
    assert st_.value == node.value
    assert st_.exact, (text, node.value, st_.style)
    check_map(text, st_)
    value = st_.value
    if not value:
        return
    # Any range that file_span calls exact is the value's text, and every
    # verbatim, contiguous range gets a span.
    a = data.draw(st.integers(0, len(value) - 1))
    b = data.draw(st.integers(a + 1, len(value)))
    span = st_.file_span(a, b)
    offsets = [st_.offset(i) for i in range(a, b)]
    contiguous = all(verbatim(st_, i) for i in range(a, b)) and offsets == list(range(offsets[0], offsets[0] + b - a))
    assert (span is not None) == contiguous
    if span is None:
        return
    assert text[span.start : span.end] == value[a:b]
    # Replacing the span edits the value in the same place (within a line: a
    # literal block's LF is verbatim, but replacing it joins lines).
    assume("\n" not in value[a:b])
    if st_.style == scalars.FOLDED:  # leading white space decides folding: only replace words
        assume(not any(c in " \t" for c in value[a:b]))
    new = data.draw(SAFE)
    edited = text[: span.start] + new + text[span.end :]
    assert compose_value(edited, pure).value == value[:a] + new + value[b:]


@settings(max_examples=1500, deadline=None)
@given(
    src=st.text(alphabet="ab '\"\\\n\r\x85\u2028&!#:", max_size=12),
    bounds=st.tuples(st.integers(0, 12), st.integers(0, 12)),  # within the text (a parser's span is)
    style=st.sampled_from([scalars.PLAIN, scalars.SINGLE, scalars.DOUBLE]),
    as_written=st.booleans(),
    other=st.text(alphabet="ab '\\\n", max_size=4),
)
def test_a_one_line_scalar_map_is_the_rebuilt_one(src: str, bounds: tuple[int, int], style: str, as_written: bool,
                                                  other: str) -> None:
    """build's one-line fast path gives what rebuilding the value gives, on any text and span."""
    start, end = min(min(bounds), len(src)), min(max(bounds), len(src))
    quote = 0 if style == scalars.PLAIN else 1
    expected = src[start + quote : end - quote] if as_written else other
    fast, slow = scalars.build(src, start, end, style, expected), scalars._rebuilt(src, start, end, style, expected)
    assert (fast.segments, fast.exact) == (slow.segments, slow.exact)
