"""The parser's shortcuts give the model of the full path, on the corpus and generated scripts.

Each shortcut skips work when a cheap test of the text shows it cannot matter (no `sh -c`
when no word can end in "sh", no region walk without a region token, ...), or builds the
model's plain words without their dataclass __init__.  Here every shortcut is switched off
(the cheap test answers "may matter", the classes are called) and the whole model, every field
of every command, word, part, redirect and assignment, must be the same.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authlint.shell import model as shell_model
from authlint.shell import parser
from authlint.shell.model import LITERAL, Part, Word
from tests.support.corpus import require_corpus
from tests.test_shell_tolerance import _corpus_texts

# name of a module-level predicate of the parser -> its always-true stand-in; of literal_word
# -> the class calls it stands for
SHORTCUTS = {
    "_simple_script": lambda text, refuse=None: None,
    "_may_run_shell": lambda raw: True,
    "_may_hold_region": lambda text: True,
    "_may_nest": lambda text, start, end: True,
    "literal_word": lambda start, end, raw, value, exact: Word(
        start, end, raw, [Part(LITERAL, start, end, raw, value)], value, "none", exact
    ),
}


def model(obj: Any) -> Any:
    """Every field of the model as plain data (a command's pipeline by its members' spans)."""
    if isinstance(obj, (list, tuple)):
        return [model(x) for x in obj]
    if dataclasses.is_dataclass(obj):
        out: dict[str, Any] = {"type": type(obj).__name__}
        for f in dataclasses.fields(obj):
            if f.name.startswith("_"):
                continue
            value = getattr(obj, f.name)
            out[f.name] = [(c.start, c.end) for c in value] if f.name == "pipeline" else model(value)
        return out
    return obj


def full_model(text: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as m:
        for name, stand_in in SHORTCUTS.items():
            m.setattr(parser, name, stand_in)
        return model(parser._parse(text))


def assert_same_model(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert model(parser._parse(text)) == full_model(text, monkeypatch), text


def test_shortcuts_exist() -> None:
    for name in SHORTCUTS:
        assert callable(getattr(parser, name))


def every_field(obj: Any) -> dict[str, Any]:
    """Every field, the private ones (caches) too."""
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


def test_a_literal_word_is_the_word_of_one_literal_part() -> None:
    word = shell_model.literal_word(3, 5, "a\\b", "ab", False)
    expected = Word(3, 5, "a\\b", [Part(LITERAL, 3, 5, "a\\b", "ab")], "ab", "none", False)
    assert every_field(word) | {"parts": None} == every_field(expected) | {"parts": None}
    assert [every_field(p) for p in word.parts] == [every_field(p) for p in expected.parts]


def test_shortcuts_keep_the_model_on_the_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = {text for _, text, _ in _corpus_texts(require_corpus())}
    assert len(texts) > 300
    for text in sorted(texts):
        assert_same_model(text, monkeypatch)


SHELL_PIECES = st.lists(
    st.sampled_from(
        list("ab $(){}\"'\\`|&;<>=!#\n*é")
        + ["&& ", "|| ", "if ", "; then ", "; else ", "fi", "while ", "for x in ", "; do ", "done", "case $x in ",
           "a) ", ";;", "esac", "f() ", "function ", "echo ", "<(", "$(", "<<EOF\n", "\nEOF\n", "${X:-", "sh -c ",
           "bash -lc ", "ssh host ", "/bin/s", "h ", "s\\h", "'s'h", "s\"h\"", "s$'h'", "$'\\x73h' ", "-c ", "> f ",
           "2>&1 ", "X=1 ", "export X=$Y ", "[ -n \"$X\" ] ", "$((1+2)) ", "\\\n", "$\"t\" ", "cat <<'EOF' | sh\n"]
    ),  # fmt: skip
    max_size=40,
).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(SHELL_PIECES)
def test_shortcuts_keep_the_model_on_generated_scripts(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    assert_same_model(text, monkeypatch)


@pytest.mark.parametrize(
    "text",
    ["s'h' -c 'echo $X'", 'ba"sh" -c "id"', "$'\\x73h' -c x", "s$'h' -c x", "echo > f sh -c x", "ssh h 'id'",
     "/usr/bin/ssh -p 22 h \"echo $A\"", "cat <<EOF | sh -c 'x'\nEOF\n", "a && (b || c) | d", "f() { x; }",
     "function g { y; }", "echo `id`", "if a; then b; fi", "echo diff"],
)  # fmt: skip
def test_shortcuts_keep_the_model_on_known_cases(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    assert_same_model(text, monkeypatch)


def test_errors_at_one_position_come_in_one_order() -> None:
    """tree-sitter's query cursor gives the zero-width MISSING nodes that close nested constructs
    at one position in an order that changes from run to run: the model's errors do not."""
    text = 'aaaaaaa\n<([ -n "$X" ] case $x in '
    orders = {tuple(parser._parse(text).errors) for _ in range(100)}
    assert len(orders) == 1, orders


def test_the_first_error_does_not_depend_on_the_hash_seed() -> None:
    """Errors of an inexact `sh -c` string share its span: the first found is reported, in
    every process (a set's order changed it with PYTHONHASHSEED)."""
    import json
    import os
    import subprocess
    import sys

    texts = [
        "'lit'(cat <<'EOF' | sh\n$(function g };2>&1 ${#X:-0};|if bash -lc 'a\\ b } [[ $a == b ]] ",
        "ssh host 'ssh host esacfunction g } )<; do export X=1 $; then 'lit'docker login -u $U -p $P ={ echo ",
    ]
    code = "import json, sys; from authlint.shell import parser; print(json.dumps([parser._parse(t).errors for t in json.loads(sys.argv[1])]))"
    runs = {
        subprocess.run(
            [sys.executable, "-c", code, json.dumps(texts)], env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        for seed in ("1", "2", "3", "4")
    }
    assert len(runs) == 1 and json.loads(runs.pop())[0]


# Scripts of the shapes the simple-script reader takes (and near misses it must refuse).
SIMPLE_SEGMENTS = st.sampled_from(
    ["a", "B1", "-x", "--opt=v", "./f.sh", "/usr/bin/x", "1", "12", "-1", "0x1F", "2#1", "x:y", "a,b", "u@h", "%s", "^",
     "~", "~/x", "*.t", "a?", "+", "=", "==", "=~", "X=1", "$A", "$1", "$_", "$1x", "$", "$@", "$#", "\"\"", "''",
     "\"a b\"", "\"$A\"", "\"x=$B/c\"", "\"$A$B\"", "\"$A $B\"", "\" $A\"", "\"-p $C\t$D\"", "\"a $1x\"", "${A}", "a${B}c", "\"${C}\"", "\"a ${D}/x\"", "\"${A} ${B}\"", "${1}", "${A:-x}", "${#A}", "${A}$B", "\"#|;&()<>{}[]!*?~'\"", "'a \"b\" $C'", "\"$\"", "\\", "\\x",
     "if", "then", "fi", "do", "done", "in", "export", "local", "unset", "declare", "time", "{", "}", "[", "[[", "!",
     "sh", "bash", "-c", "ssh", "é", "\r", "(", ")", ";", "&", "<", ">", "`"]
)  # fmt: skip
SIMPLE_GAPS = st.sampled_from(
    [" ", " ", " ", "\t", "", " | ", "|", "\n", "\n", " # c\n", "\n#!/bin/sh\n", "\n\n", " |\n", "  ", " \\\n  ",
     "\t\\\n", " \\\n", "\\\n", " \\\n\n", " \\\n \\\n", " \\\n#c\n", " | \\\n"]
)  # fmt: skip
SIMPLE_SCRIPTS = st.lists(st.tuples(SIMPLE_SEGMENTS, SIMPLE_GAPS), max_size=30).map(
    lambda pairs: "".join(word + gap for word, gap in pairs)
)
# Character by character, for what words glued together make (`a+:b` and `9${B}$A+` as names).
SIMPLE_CHARACTERS = st.lists(
    st.sampled_from(list("abxyz019_ -./:=,@%+~^*?\"'$${}|#\n\t\\") + ["if", "in", "export", "$A", "${B}", " | ", " \\\n"]),
    max_size=25,
).map("".join)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.one_of(SIMPLE_SCRIPTS, SIMPLE_CHARACTERS, SIMPLE_CHARACTERS.map(lambda text: "x " + text)))
def test_simple_scripts_keep_the_model(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    assert_same_model(text, monkeypatch)


def test_simple_scripts_take_the_shortcut() -> None:
    """The fleet's shapes are read without tree-sitter (else the test above proves little)."""
    from authlint.shell.simple import script

    assert script('#!/bin/sh\nset -eu # strict\necho "$P" | docker login -u "$U" --password-stdin r.io\n') is not None
    assert script("docker build -t \"$IMAGE\" --build-arg V=1 .\npip install -r 'req.txt' x$A/b") is not None
    assert script("python -m pytest -q tests \\\n  --junitxml=report.xml\n") is not None
    assert script("a\\\nb") is None and script("a \\\n| b") is None  # one word to bash, two to tree-sitter
    assert script("a; b") is None and script("X=1 a") is None and script("a > f") is None
    assert script('export"a"') is None and script("if$A") is None  # a reserved word glued to a quote


DOUBLE_QUOTED = st.lists(st.sampled_from(list(" \t-a1=:/@.#|;&()<>{}[]!*?~'%^,+_") + ["$A", "$b_1", "$1", "$_", "$", "${A}", "${b_1}", "${1}", "${"]), max_size=8).map(
    lambda pieces: 'x "' + "".join(pieces) + '" y'
)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(DOUBLE_QUOTED)
def test_double_quoted_words_keep_the_model(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    """tree-sitter gives a `$` the blanks before it after the opening quote or an expansion."""
    assert_same_model(text, monkeypatch)


def test_a_simple_model_given_up_for_a_shell_string_leaves_no_cycles() -> None:
    """The simple reader's model of a script whose command runs a shell string is dropped for
    the full path's; a command lists itself in its pipeline, so a dropped model left as is would
    be cyclic garbage, which a fleet run freezes (projects.after_project) instead of collecting."""
    import gc

    from authlint.shell.parser import _parse
    from authlint.shell.simple import script as simple_script

    text = 'pip install -r requirements.txt\nsh -c "echo built"\n'
    assert simple_script(text) is not None  # the reader reads it; the parser gives it up
    gc.collect()
    script = _parse(text)
    assert [c.name.value for c in script.commands] == ["pip", "sh", "echo"]  # the full path's: it follows the string
    assert gc.collect() == 0


def test_the_simple_reader_giving_up_midway_leaves_no_cycles() -> None:
    """Commands read before the line the reader refuses are dropped with their cycles broken."""
    import gc

    from authlint.shell.simple import script as simple_script

    gc.collect()
    assert simple_script("pip install -r requirements.txt\ndocker build . | tee log\necho $((1 + 2))\n") is None
    assert gc.collect() == 0
