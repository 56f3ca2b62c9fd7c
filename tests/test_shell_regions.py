"""The isolated/conditional regions of a script equal those of a walk over every tree node.

``_regions`` skips the children of simple commands that cannot hold a region; the
reference below reads every node, as the walk it replaced did.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authlint.shell import parser
from tests.support.corpus import require_corpus
from tests.test_shell_tolerance import _corpus_texts


def _every_node_regions(root: Any, span: Any) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
    isolated: list[tuple[int, int]] = []
    conditional: list[tuple[int, int]] = []
    stack = [root]
    while stack:
        node = stack.pop()
        kind = node.type
        if kind in ("subshell", "command_substitution", "process_substitution"):
            isolated.append(span(node))
        elif kind == "function_definition":
            body = node.child_by_field_name("body")
            if body is not None:
                isolated.append(span(body))
        elif kind == "pipeline":
            isolated.extend(span(child) for child in node.named_children)
        elif kind == "if_statement":
            then = next((child for child in node.children if child.type == "then"), None)
            if then is not None:
                conditional.append((span(then)[1], span(node)[1]))
        elif kind == "case_item":
            conditional.append(span(node))
        elif kind in ("while_statement", "for_statement", "c_style_for_statement"):
            body = node.child_by_field_name("body")
            if body is not None:
                conditional.append(span(body))
        elif kind == "list":
            conditional.extend((span(child)[1], span(node)[1]) for child in node.children if child.type in ("&&", "||"))
        stack.extend(node.children)
    return tuple(sorted(isolated)), tuple(conditional)


def assert_same_regions(text: str) -> None:
    builder = parser._Builder(text, parser._Sink())
    builder.run(parser._Ctx())
    expected = _every_node_regions(builder.root, builder._span)
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
