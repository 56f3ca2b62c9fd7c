"""The isolated/conditional regions of a script equal those of a walk over every tree node.

``_regions`` skips the children of simple commands with no `(` or backtick in their text;
given a text that is all `(`, it skips nothing: the walk it replaced.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authlint.shell import parser
from tests.support.corpus import require_corpus
from tests.test_shell_tolerance import _corpus_texts


def assert_same_regions(text: str) -> None:
    builder = parser._Builder(text, parser._Sink())
    builder.run(parser._Ctx())
    expected = parser._regions(builder.root, builder._span, "(" * len(builder.masked.text))
    assert parser._regions(builder.root, builder._span, builder.masked.text) == expected


def test_regions_match_a_full_walk_on_the_corpus() -> None:
    for _, text, _ in _corpus_texts(require_corpus()):
        assert_same_regions(text)


SHELL_PIECES = st.lists(
    st.sampled_from(
        list("ab $(){}\"'\\`|&;<>=!#\n*é")
        + ["&& ", "|| ", "if ", "; then ", "; else ", "fi", "while ", "until ", "; do ", "done", "for x in ",
           "case $x in ", "a) ", ";;", "esac", "f() ", "echo ", "<(", "$(", "<<EOF\n", "\nEOF\n", "${X:-"]  # fmt: skip
    ),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SHELL_PIECES)
def test_regions_match_a_full_walk_on_generated_scripts(text: str) -> None:
    assert_same_regions(text)
