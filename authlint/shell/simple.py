"""The model of a script of simple commands, read without tree-sitter.

Most CI script lines are one command, or a pipeline of commands, made of plain words,
'single-quoted' and "double-quoted" text and ``$NAME`` or ``${NAME}`` expansions.  For a
script of only such lines (and comments), the model the builder makes from tree-sitter's tree
is known from the text alone, at a fraction of the cost: ``script`` reads it with one regular
expression and builds the same objects.  Anything else, and any doubt (a reserved word, an odd
command name, a backslash but a line continuation between words, a redirect, a ``;`` ...),
answers None: the caller takes the full path.  tests/test_shell_fastpaths.py compares the two,
field by field.
"""

from __future__ import annotations

import re
from typing import Callable

from authlint.shell.model import LITERAL, Command, Part, Script, Word, literal_word, parts_word

# Unquoted word characters that bash and tree-sitter read alike (a '#' starts a comment).
_PLAIN = r"[A-Za-z0-9_./:,@%+=~^*?-]"
_BRACED = r"\$\{[A-Za-z_]\w*\}"  # ${NAME}
_VAR = rf"\$\w+|{_BRACED}"  # tree-sitter's $name: every word character (`$1x` is the variable "1x")
_UNQUOTED_VAR = rf"\$[A-Za-z_]\w*|{_BRACED}"  # `"a"-$1` is read as `"a"-` `$` `1`
_DOUBLE = rf'"[^"\\`$\x00-\x08\n-\x1f\x7f]*(?:(?:{_VAR})[^"\\`$\x00-\x08\n-\x1f\x7f]*)*"'
_SINGLE = r"'[^'\x00-\x08\n-\x1f\x7f]*'"
_SEGMENTS = rf"{_PLAIN}+|{_UNQUOTED_VAR}|{_DOUBLE}|{_SINGLE}"
# One token after blanks: a plain word (group 1), another word (2), a pipe or a line end (3), a
# comment (4: after a blank, a line end or a pipe), the end of the text (5), or a line continuation
# (6: after a blank, else tree-sitter's words and bash's differ; before a word).
_TOKEN = re.compile(
    rf"""[ \t]*(?:({_PLAIN}++)(?![$"'])|((?:{_SEGMENTS})+)|([|\n])|((?<![^ \t\n|])\#[^\n]*)|(\Z)"""
    rf"""|((?<=[ \t])\\\n(?=[ \t]*[^ \t\n|#\\])))""",
    re.ASCII,
)
_SEGMENT = re.compile(_SEGMENTS, re.ASCII)
_NAME = re.compile(_VAR, re.ASCII)
# Command names read here: tree-sitter reads others otherwise (`X=1 cmd` is an assignment, `u@h`,
# `a?b` and `a+:b` are errors, `- a=b` is the assignment `a=b`, `9${B}$A+` drops a `$`).
_COMMAND_NAME = re.compile(r"(?!-\Z)[A-Za-z0-9_./:-]+")
# Words that tree-sitter-bash may read as syntax (`x ==` is an error), or as a declaration or
# test command.
_RESERVED = frozenset(
    "if then elif else fi case esac for select while until do done in function time coproc "
    "declare typeset export readonly local unset unsetenv == =~".split()
)


def script(text: str, refuse: Callable[[Command], bool] | None = None) -> Script | None:
    """The model of ``text`` when it is lines of simple commands and pipelines, none of them
    one that ``refuse`` refuses, else None."""
    commands: list[Command] = []
    model = _read(text, commands) if text.isascii() else None
    if model is not None and refuse is not None and any(map(refuse, commands)):
        model = None
    if model is None:  # the commands read are dropped: their cycles broken (each lists itself in
        for cmd in commands:  # its pipeline), so that refcounting frees them; a fleet run
            cmd.pipeline = []  # freezes what a project leaves instead of collecting it
    return model


def _read(text: str, commands: list[Command]) -> Script | None:
    isolated: list[tuple[int, int]] = []
    line: list[list[Word]] = []  # the commands of the current pipeline, as words
    words: list[Word] = []  # of the current command
    match = _TOKEN.scanner(text).match  # each match starts where the last one ended
    while (m := match()) is not None:
        kind = m.lastindex
        if kind == 1:  # most words
            start, end = m.span(1)
            raw = text[start:end]
            if raw in _RESERVED or (not words and not _COMMAND_NAME.fullmatch(raw)):
                return None
            words.append(literal_word(start, end, raw, raw, True))
        elif kind == 2:
            word = _word(text, *m.span(2)) if words else None  # a plain command name only
            if word is None:
                return None
            words.append(word)
        elif kind == 3:
            if words:
                line.append(words)
                words = []
            elif line or m.group(3) == "|":  # `| a`, or `a |<newline>`: continued on the next line
                return None
            if line and m.group(3) == "\n":
                _pipeline(text, line, commands, isolated)
        elif kind == 5:
            if words:
                line.append(words)
            elif line:  # `a |` at the end
                return None
            _pipeline(text, line, commands, isolated)
            return Script(text, commands, [], [], [], tuple(isolated), ())
        elif kind == 6 and not words:  # a line continuation: between the words of a command only
            return None
    return None


def _pipeline(text: str, line: list[list[Word]], commands: list[Command], isolated: list[tuple[int, int]]) -> None:
    """Append the commands of one pipeline, its stages in ``line`` (emptied)."""
    pipe: list[Command] = []
    for index, (name, *args) in enumerate(line):
        start, end = name.start, (args[-1] if args else name).end
        connector = "|" if index else None
        cmd = Command(
            start, end, text[start:end], name, args, [], [], pipe, index, connector, False, 0, None, False, None, True
        )  # fmt: skip
        pipe.append(cmd)
        commands.append(cmd)
    if len(pipe) > 1:
        isolated.extend((cmd.start, cmd.end) for cmd in pipe)
    line.clear()


def _word(text: str, start: int, end: int) -> Word | None:
    """The word text[start:end], with quotes or expansions, as the builder makes it (None where
    tree-sitter reads it otherwise)."""
    raw = text[start:end]
    parts: list[Part] = []
    for m in _SEGMENT.finditer(text, start, end):
        s, e = m.span()
        segment = m.group()
        first = segment[0]
        if first == '"':
            if not _double(text, s + 1, e - 1, parts):
                return None
        elif first == "'":
            inner = segment[1:-1]
            parts.append(Part(LITERAL, s + 1, e - 1, inner, inner, None, False, "single"))
        elif first == "$":
            parts.append(Part("variable", s, e, segment, None, _name(segment), False, "none", True))
        elif segment in _RESERVED:  # `export"a"` is the declaration `export "a"`
            return None
        else:
            parts.append(Part(LITERAL, s, e, segment, segment, None, False, "none"))
    return parts_word(start, end, raw, parts, True)


def _double(text: str, start: int, end: int, parts: list[Part]) -> bool:
    """Append the parts of "..." between ``start`` and ``end``: literal runs and ``$NAME``s.

    False where tree-sitter gives a `$` the blanks before it (its token then starts there): after
    the opening quote or another expansion, as in `"$A $B"` and `" $A"`."""
    pos = start
    for m in _NAME.finditer(text, start, end):
        s, e = m.span()
        if s > pos:
            if not text[pos:s].strip(" \t"):
                return False
            parts.append(Part(LITERAL, pos, s, text[pos:s], text[pos:s], None, True, "double"))
        raw = m.group()
        parts.append(Part("variable", s, e, raw, None, _name(raw), True, "double", True))
        pos = e
    if pos < end or pos == start:  # "" is one empty literal
        parts.append(Part(LITERAL, pos, end, text[pos:end], text[pos:end], None, True, "double"))
    return True


def _name(expansion: str) -> str:
    """NAME of ``$NAME`` or ``${NAME}``."""
    return expansion[2:-1] if expansion[1] == "{" else expansion[1:]
