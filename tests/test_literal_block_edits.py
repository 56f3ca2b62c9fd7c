"""Edits across the lines of a literal `|` block (issue 7 section 5): exact, since the block has no escapes."""

from __future__ import annotations

from authlint.diagnostics import Span
from authlint.source import Source
from authlint.textmap import ScalarMap
from authlint.yaml.model import load as load_yaml
from authlint.yaml.model import scalars_in


def _value_map(text: str, key: str) -> tuple[str, ScalarMap]:
    source = Source("ci.yml", text)
    yf = load_yaml(source)
    scalar = next(s for doc in yf.documents for s in scalars_in(doc) if s.value.startswith(key))
    return scalar.value, ScalarMap(source, scalar.text)


BLOCK = "x:\n  v: |\n    first\n    second,\n      third\n\n    fourth\n  w: 1\n"


def test_a_range_across_lines_maps_to_the_file_range_between_its_ends() -> None:
    value, tmap = _value_map(BLOCK, "first")
    a, b = value.index(","), value.index("third") + len("third")
    span = tmap.file_span(a, b)
    assert span is not None
    edited = BLOCK[: span.start] + BLOCK[span.end :]
    assert _value_map(edited, "first")[0] == value[:a] + value[b:]


def test_a_range_over_a_blank_line() -> None:
    value, tmap = _value_map(BLOCK, "first")
    a, b = value.index("third") + len("third"), value.index("ourth")
    span = tmap.file_span(a, b)
    assert span is not None
    edited = BLOCK[: span.start] + " F" + BLOCK[span.end :]
    assert _value_map(edited, "first")[0] == value[:a] + " F" + value[b:]


def test_the_first_line_and_the_final_break_are_not_edited_across_lines() -> None:
    value, tmap = _value_map(BLOCK, "first")
    assert tmap.file_span(3, value.index("second") + 1) is None  # sets the block's indentation
    assert tmap.file_span(value.index("third"), len(value)) is None  # chomping
    assert tmap.file_span(value.index("second"), value.index("second") + 3) == Span(
        BLOCK.index("second"), BLOCK.index("second") + 3
    )


def test_folded_blocks_are_still_refused() -> None:
    text = "x:\n  v: >\n    first\n    second\n    third\n"
    value, tmap = _value_map(text, "first")
    assert tmap.file_span(value.index("second"), value.index("third")) is None
