"""Make tree-sitter-bash agree with `bash -n` where its grammar is narrower than bash.

tree-sitter-bash rejects some text bash parses, and accepts some text bash
rejects.  Rather than drop a script, the parser reads a *masked* copy of the
text: each construct tree-sitter cannot read is replaced by one of the same
length that it can, so every offset still points into the original text (the
model slices the original, never the mask).  bash itself does not check what it
parses lazily, so neither does the model:

* ``${...}`` is only brace-matched by ``bash -n``; ``${#X:-0}`` passes it and
  fails when it runs ("bad substitution"), so it is reported apart;
* ``$(( ... ))`` content is arithmetic, checked only at run time;
  ``$((cmd) | x)`` is a command substitution holding a subshell (bash reads
  ``$((`` as arithmetic only when the matching ``)`` is followed by ``)``);
* a compound command may end right before a closing keyword (``fi fi``,
  ``done done``), where tree-sitter wants a ``;``.

The masks are ASCII for ASCII, so byte and character offsets are unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# `${#NAME op...}`: the length of a variable takes no operator.
_BAD_LENGTH = re.compile(r"\$\{#([A-Za-z_][A-Za-z0-9_]*|[0-9]+)([^}\[A-Za-z0-9_][^}]*)\}")
_ARITH_OPEN = re.compile(r"\$\(\(")
CLOSERS = ("fi", "done", "esac", "}", ")")
_KEYWORD_AFTER = re.compile(r"[ \t]+(?:fi|done|esac|else|elif|\})(?=[\s;&|)]|$)")
# Reserved words tree-sitter takes as a command name where bash reports a syntax error.
STRAY_KEYWORDS = frozenset({"done", "fi", "then", "else", "elif", "do", "esac", "}"})

_HEREDOC = re.compile(r"<<(-?)[ \t]*['\"]?([A-Za-z0-9_.-]+)['\"]?")
OPEN_HEREDOC_MESSAGE = (
    "here-document without its end line: `bash -n` accepts it, but the rest of the script "
    "becomes its body and never runs"
)
BAD_LENGTH_MESSAGE = (
    "bad substitution: the length form ${#NAME} takes no operator such as :- or :offset; "
    "`bash -n` accepts it, but the job fails here when it runs"
)


@dataclass
class Masked:
    text: str  # what tree-sitter reads: same length as the original
    substitutions: dict[int, int] = field(default_factory=dict)  # `$((cmd) | x)`: start -> end
    arithmetic: list[tuple[int, int]] = field(default_factory=list)  # `$((...))` spans
    bad_lengths: list[tuple[int, int]] = field(default_factory=list)  # `${#X:-0}` spans


def mask(text: str) -> Masked:
    """The masked copy of ``text`` for constructs whose reading does not depend on the tree."""
    if "${#" not in text and "$((" not in text:
        return Masked(text)
    chars = list(text)
    out = Masked(text)
    for m in _BAD_LENGTH.finditer(text):
        start, end = m.span()
        out.bad_lengths.append((start, end))
        op_start = m.start(2)
        if end - op_start >= 4:  # `${#X:-0}` -> `${#X[0]}`: keeps the name where it was
            chars[op_start:end] = "[" + "0" * (end - op_start - 3) + "]}"
        else:  # `${#X-}` -> `${___}`
            chars[start:end] = _opaque(end - start)
    for m in _ARITH_OPEN.finditer(text):
        start = m.start()
        if _escaped(text, start):
            continue
        close = _matching(text, m.end())
        if close is None:
            continue
        if close + 1 < len(text) and text[close + 1] == ")":
            out.arithmetic.append((start, close + 2))
            continue
        end = _matching(text, close + 1)  # the `)` that ends the `$(`
        if end is None:
            continue
        out.substitutions[start] = end + 1
        chars[start + 2 : end] = ":" + " " * (end - start - 3)  # `$(:  )`: read later on its own
    out.text = "".join(chars)
    return out


def repair(text: str, errors: list[tuple[int, int, bool]]) -> str | None:
    """``text`` masked where tree-sitter's errors are bash's lazy parsing; None if nowhere.

    A `;` goes before each closing keyword that follows a compound command
    (`fi fi`); a ``${...}`` with an error inside becomes an opaque ``${___}``.
    ``errors`` are (start, end, missing) of the tree's ERROR and MISSING nodes.
    """
    chars = None
    for start, end, missing in errors:
        for a, b in _braces(text, start, end):
            chars = chars if chars is not None else list(text)
            chars[a:b] = _opaque(b - a)
        if missing:
            at = end
        elif text[:end].rstrip().endswith(CLOSERS):
            at = len(text[:end].rstrip())
        else:
            continue
        m = _KEYWORD_AFTER.match(text, at)
        if m is None or not text[:at].rstrip().endswith(CLOSERS):
            continue
        chars = chars if chars is not None else list(text)
        chars[at] = ";"
    return None if chars is None else "".join(chars)


def _braces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the ``${...}`` (brace-matched as bash does) that overlap [start, end)."""
    spans = []
    i = text.rfind("${", 0, start + 1) if "${" in text else -1
    i = max(i, 0)
    while True:
        i = text.find("${", i)
        if i == -1 or i >= max(end, start + 1):
            return spans
        close = _brace_end(text, i + 2)
        if close is not None and close > start and close - i >= 4 and not _escaped(text, i):
            spans.append((i, close))
        i += 2


def _opaque(size: int) -> str:
    """An expansion of ``size`` characters tree-sitter reads as a plain ``${___}``."""
    return "${" + "_" * (size - 3) + "}"


def tolerated(text: str, start: int, end: int, missing: str | None, masked: Masked) -> bool:
    """Errors of tree-sitter that bash accepts when parsing."""
    if any(a <= start and end <= b for a, b in masked.arithmetic):
        return True  # arithmetic is evaluated, not parsed, by bash
    if missing == "special_variable_name":
        return True  # a lone `$` is a literal dollar
    body = text.rstrip()
    return end >= len(body) and _escaped(body + "x", len(body))  # `\` at the very end


def open_heredoc(text: str, start: int) -> bool:
    """A `<<EOF` at ``start`` whose end line never comes (bash warns and reads to the end)."""
    m = _HEREDOC.match(text, start)
    if m is None:
        return False
    body = text[text.find("\n", m.end()) + 1 :] if "\n" in text[m.end() :] else ""
    lines = body.split("\n")
    if m.group(1):
        lines = [line.lstrip("\t") for line in lines]
    return m.group(2) not in lines


def _escaped(text: str, i: int) -> bool:
    n = 0
    while i - n - 1 >= 0 and text[i - n - 1] == "\\":
        n += 1
    return n % 2 == 1


def _matching(text: str, i: int) -> int | None:
    """Index of the `)` closing an open paren whose content starts at ``i`` (quotes skipped)."""
    depth, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c in "'`":
            j = text.find(c, i + 1)
            if j == -1:
                return None
            i = j + 1
            continue
        if c == '"':
            i = _string_end(text, i + 1)
            if i is None:
                return None
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return None


def _brace_end(text: str, i: int) -> int | None:
    """Index after the `}` closing a ``${`` whose content starts at ``i`` (quotes skipped)."""
    depth, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "'":
            j = text.find(c, i + 1)
            if j == -1:
                return None
            i = j + 1
            continue
        if c == '"':
            i = _string_end(text, i + 1)
            if i is None:
                return None
            continue
        if c == "\n":
            return None  # a `${` left open to the end of its line: not brace-matched here
        if c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                return i + 1
            depth -= 1
        i += 1
    return None


def _string_end(text: str, i: int) -> int | None:
    """Index after the `"` that closes a double-quoted string whose content starts at ``i``."""
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == '"':
            return i + 1
        if c == "$" and text.startswith("$(", i) and not text.startswith("$((", i):
            close = _matching(text, i + 2)
            if close is None:
                return None
            i = close + 1
            continue
        i += 1
    return None
