"""The flat, typed shell model that lint rules read.

All offsets are character offsets into the text given to ``parse()``.  The
model is deliberately flat (every command of the script is in one list, with
its context as fields) so a rule is a loop plus a few attribute checks instead
of a tree walk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from authlint.shell.decode import decode_map

LITERAL = "literal"
VAR_REF = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")  # the names `$X` / `${X…}` in shell text
EXPANSION_KINDS = ("variable", "command_substitution", "arithmetic", "other_expansion")
_UNSET: Any = object()


@dataclass(eq=False, slots=True)
class Part:
    """One piece of a word: a literal run in one quoting context, or an expansion."""

    kind: str  # 'literal' | 'variable' | 'command_substitution' | 'arithmetic' | 'other_expansion'
    start: int
    end: int
    raw: str  # source text; for quoted literals the text between the quotes
    value: str | None  # decoded literal text, None for expansions
    var: str | None = None  # variable name of $X, ${X}, ${X:-...}, ${#X}, ...
    quoted: bool = False  # inside double quotes (or a heredoc body): no word splitting
    quote: str = "none"  # 'none' | 'single' | 'double' | 'ansi_c' | 'heredoc'
    simple: bool = False  # plain $X or ${X} (no operator, index or default)

    @property
    def is_literal(self) -> bool:
        return self.kind == LITERAL


@dataclass(slots=True)
class Word:
    """A shell word (argument, command name, redirect target, assignment value)."""

    start: int
    end: int
    raw: str
    parts: list[Part]
    value: str | None  # full literal value when there are no expansions
    quoting: str  # 'none' | 'single' | 'double' | 'mixed' | 'ansi_c'
    exact: bool = True  # False: offsets only approximate (re-parsed `sh -c "..."` with escapes)
    _cache: dict[str, Any] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def is_literal(self) -> bool:
        return self.value is not None

    @property
    def variables(self) -> list[str]:
        """Names of the variables expanded directly in this word, in order."""
        return [p.var for p in self.parts if p.var is not None]

    @property
    def single_variable(self) -> str | None:
        """``X`` when the word is exactly ``$X``, ``"$X"``, ``${X}`` or ``"${X}"``."""
        expansions = [p for p in self.parts if p.kind != LITERAL]
        if len(expansions) != 1 or not expansions[0].simple:
            return None
        if any(p.kind == LITERAL and p.value for p in self.parts):
            return None
        return expansions[0].var

    @property
    def unquoted_variables(self) -> list[Part]:
        """Expansion parts subject to word splitting (not inside double quotes)."""
        return [p for p in self.parts if p.kind != LITERAL and not p.quoted]

    @property
    def template(self) -> str:
        """The value with every expansion kept as its raw text, quotes removed.

        ``"{\\"a\\":\\"$X\\"}"`` -> ``{"a":"$X"}``: a JSON parser can read it
        when it treats ``expansion_ranges`` as opaque tokens.
        """
        parts = self.parts
        if len(parts) == 1 and parts[0].value is not None:  # one literal (most words)
            return parts[0].value
        cache = self._cache
        if cache is None:
            cache = self._cache = {}
        template = cache.get("template")
        if template is None:  # asked for ~10 times a word by the rules
            template = cache["template"] = "".join(p.raw if p.value is None else p.value for p in parts)
        return template  # type: ignore[no-any-return]

    @property
    def path_template(self) -> str:
        """``template`` read as a path: a quoted leading ``~`` is not expanded by the shell,
        so it is spelt ``./~`` (a directory named ``~``), never ``$HOME``."""
        t = self.template
        if t.startswith("~") and self.parts and self.parts[0].quote != "none":
            return "./" + t
        return t

    @property
    def expansion_ranges(self) -> list[tuple[int, int]]:
        """(start, end) indexes into ``template`` of each expansion's raw text."""
        ranges, pos = [], 0
        for p in self.parts:
            size = len(p.value if p.value is not None else p.raw)
            if p.kind != LITERAL:
                ranges.append((pos, pos + size))
            pos += size
        return ranges

    def _cached(self, key: str, compute: Any) -> Any:
        """Memoize derived data (slots dataclasses cannot use cached_property)."""
        if self._cache is None:
            self._cache = {}
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def _template_offsets(self) -> list[int]:
        return self._cached("offsets", self._compute_template_offsets)  # type: ignore[no-any-return]

    def _compute_template_offsets(self) -> list[int]:
        offsets: list[int] = []
        for p in self.parts:
            if p.kind == LITERAL:
                _, index = decode_map(p.raw, p.quote)
                offsets.extend(p.start + i for i in index)
            else:
                offsets.extend(range(p.start, p.start + len(p.raw)))
        return offsets

    def template_offset(self, index: int) -> int:
        """Shell-text offset of ``template[index]`` (index == len: end of the last part)."""
        if not self.exact:
            return self.start
        offsets = self._template_offsets()
        if 0 <= index < len(offsets):
            return offsets[index]
        return self.parts[-1].end if self.parts else self.start


@dataclass(eq=False, slots=True)
class Heredoc:
    """A here-document body; ``parts`` are the expansions it performs (none if quoted)."""

    delimiter: str
    quoted: bool  # quoted delimiter: the body is taken literally
    strip_tabs: bool  # <<-
    body_start: int
    body_end: int
    body: str
    parts: list[Part]

    @property
    def expansion_ranges(self) -> list[tuple[int, int]]:
        """(start, end) of each expansion relative to ``body``."""
        return [(p.start - self.body_start, p.end - self.body_start) for p in self.parts]


# Redirections that send stdout to a file (`2>` and `<` do not).
OUT_OPS = (">", ">>", ">|", "&>", "&>>")


@dataclass(eq=False, slots=True)
class Redirect:
    """A redirection (`> file`, `2>&1`, a here-document or here-string) of a command."""

    start: int
    end: int
    fd: int | None
    op: str  # '>', '>>', '<', '>|', '&>', '&>>', '>&', '<&', '<<', '<<-', '<<<'
    target: Word | None  # file / fd, or the here-string word for '<<<'
    heredoc: Heredoc | None = None
    group: bool = False  # written on an enclosing { } / ( ) / loop, inherited by this command


@dataclass(eq=False, slots=True)
class Assignment:
    """``X=y`` as a prefix (``kind='prefix'``), a statement ('plain') or via export/local/..."""

    name: str
    value: Word | None  # None for `export X` (no '=') and for arrays
    start: int
    end: int
    kind: str  # 'prefix' | 'plain' | 'export' | 'declare' | 'local' | 'readonly' | 'typeset'
    append: bool = False  # X+=y
    array: list[Word] | None = None  # X=(a b)


@dataclass(eq=False, slots=True)
class Command:
    """One simple command (also ``[ ]``/``[[ ]]`` tests and export/local/...)."""

    start: int
    end: int
    raw: str
    name: Word | None
    args: list[Word]
    env: list[Assignment] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)
    pipeline: list[Command] = field(default_factory=list, repr=False)
    pipeline_index: int = 0
    connector: str | None = None  # '&&' | '||' | ';' | '&' | '|' before this command
    negated: bool = False
    substitution_depth: int = 0
    in_function: str | None = None
    in_condition: bool = False
    via: str | None = None  # 'sh -c' / 'bash -c' when parsed from such a string
    exact: bool = True  # False: offsets point at the whole `sh -c` string only
    _basename: Any = field(default=_UNSET, init=False, repr=False, compare=False)
    _derived: dict[str, Any] | None = field(default=None, init=False, repr=False, compare=False)
    # triggers.CommandRules.for_command's answers: [that CommandRules, as another command, as a first]
    rule_calls: list[Any] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def argv(self) -> list[Word]:
        return ([self.name] if self.name else []) + self.args

    @property
    def basename(self) -> str | None:
        """Literal command name without its directory: /kaniko/executor -> executor."""
        if self._basename is _UNSET:  # asked for by every rule on every command: computed once
            name = None if self.name is None else self.name.value
            self._basename = None if name is None else name.rsplit("/", 1)[-1]
        return self._basename  # type: ignore[no-any-return]

    @property
    def text(self) -> str:
        return self.raw

    def derived(self, key: Any, compute: Callable[["Command"], Any] | None = None) -> Any:
        """compute(self), once per command (compute defaults to key: a function is its own key):
        what tools.py derives from a command line (its program, subcommands, secret options) is
        asked for by many rules, and a command recurs in every job and project running its text."""
        memo = self._derived
        if memo is None:
            memo = self._derived = {}
        value = memo.get(key, _UNSET)
        if value is _UNSET:
            value = memo[key] = (compute or key)(self)
        return value


@dataclass(eq=False, slots=True)
class Script:
    """A parsed shell script: its commands and assignments at every nesting level, and its errors."""

    text: str
    commands: list[Command]  # every command, in source order, at any nesting level
    assignments: list[Assignment]  # statement and export-style assignments, in source order
    errors: list[tuple[int, int, str]]  # syntax errors, where `bash -n` reports one
    # Text `bash -n` accepts that fails when it runs (`${#X:-0}`: "bad substitution").
    runtime_errors: list[tuple[int, int, str]] = field(default_factory=list)
    # Where `set -x` and friends do not leak out: subshells, command substitutions, pipeline
    # stages, function bodies (sorted); and what runs only sometimes: after `&&`/`||`, if/case
    # branches, loop bodies.  Character ranges of ``text``.
    isolated: tuple[tuple[int, int], ...] = ()
    conditional: tuple[tuple[int, int], ...] = ()
    _derived: dict[Any, Any] | None = field(default=None, init=False, repr=False, compare=False)

    def derived(self, compute: Callable[["Script"], Any]) -> Any:
        """compute(self), once per script (the parse memo hands one Script to every job and
        project running its text): what the flow derives from the script alone.  What it
        returns must not refer back to the script (a cycle only the collector frees)."""
        memo = self._derived
        if memo is None:
            memo = self._derived = {}
        value = memo.get(compute, _UNSET)
        if value is _UNSET:
            value = memo[compute] = compute(self)
        return value


def parts_word(start: int, end: int, raw: str, parts: list[Part], exact: bool) -> Word:
    """The word made of ``parts``: its value (None with an expansion) and quoting (of its parts,
    'mixed' when they differ)."""
    if len(parts) == 1:  # most words: "$X", "text", 'text'
        part = parts[0]
        return Word(start, end, raw, parts, part.value, part.quote, exact)
    quoting = parts[0].quote if parts else "none"
    values = []
    for p in parts:
        if p.quote != quoting:
            quoting = "mixed"
        values.append(p.value)
    value = None if None in values else "".join(values)  # type: ignore[arg-type]
    return Word(start, end, raw, parts, value, quoting, exact)


_new = object.__new__


def literal_word(start: int, end: int, raw: str, value: str, exact: bool) -> Word:
    """``Word(start, end, raw, [Part(LITERAL, start, end, raw, value)], value, "none", exact)``,
    an unquoted word without expansions (most words), for about a quarter less: a class call
    enters its dataclass __init__ from C, in a frame of its own; here both objects are filled
    in one frame."""
    part = _new(Part)
    part.kind = LITERAL
    part.start = start
    part.end = end
    part.raw = raw
    part.value = value
    part.var = None
    part.quoted = False
    part.quote = "none"
    part.simple = False
    word = _new(Word)
    word.start = start
    word.end = end
    word.raw = raw
    word.parts = [part]
    word.value = value
    word.quoting = "none"
    word.exact = exact
    word._cache = None
    return word
