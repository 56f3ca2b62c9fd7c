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
  ``done done``), where tree-sitter wants a ``;``;
* an empty backquote substitution (`` `` `` or a backquote pair around only
  blanks, used to break a long quoted string over lines) expands to nothing.

The masks are ASCII for ASCII, so byte and character offsets are unchanged.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from ..lazy import lazy_compile

# `${#NAME op...}`: the length of a variable takes no operator.
_BAD_LENGTH = lazy_compile(r"\$\{#([A-Za-z_][A-Za-z0-9_]*|[0-9]+)([^}\[A-Za-z0-9_\n][^}\n]{0,200})\}")
_ARITH_OPEN = lazy_compile(r"\$\(\(")
CLOSERS = ("fi", "done", "esac", "}", ")")
_KEYWORD_AFTER = lazy_compile(r"[ \t]+(?:fi|done|esac|else|elif|\})(?=[\s;&|)]|$)")
# Reserved words tree-sitter takes as a command name where bash reports a syntax error.
STRAY_KEYWORDS = frozenset({"done", "fi", "then", "else", "elif", "do", "esac", "}"})

_HEREDOC = lazy_compile(r"<<(-?)[ \t]*['\"]?([A-Za-z0-9_.-]+)['\"]?")
OPEN_HEREDOC_MESSAGE = (
    "here-document without its end line: `bash -n` accepts it, but the rest of the script "
    "becomes its body and never runs"
)
BAD_LENGTH_MESSAGE = (
    "bad substitution: the length form ${#NAME} takes no operator such as :- or :offset; "
    "`bash -n` accepts it, but the job fails here when it runs"
)


@dataclass(eq=False)
class Masked:
    """The masked copy of a script that tree-sitter reads, and where the masks are."""

    text: str  # what tree-sitter reads: same length as the original
    substitutions: dict[int, int] = field(default_factory=dict)  # `$((cmd) | x)`: start -> end
    arithmetic: list[tuple[int, int]] = field(default_factory=list)  # `$((...))` spans
    bad_lengths: list[tuple[int, int]] = field(default_factory=list)  # `${#X:-0}` spans
    classified: bool = False  # `$((` spans looked at (only once the tree has errors)


def mask(text: str) -> Masked:
    """The masked copy of ``text`` read first: ``${#X:-0}`` made readable."""
    out = Masked(text)
    if "${#" not in text:
        return out
    chars = list(text)
    for m in _BAD_LENGTH.finditer(text):
        start, end = m.span()
        out.bad_lengths.append((start, end))
        op_start = m.start(2)
        if end - op_start >= 4:  # `${#X:-0}` -> `${#X[0]}`: keeps the name where it was
            chars[op_start:end] = "[" + "0" * (end - op_start - 3) + "]}"
        else:  # `${#X-}` -> `${___}`
            chars[start:end] = _opaque(end - start)
    out.text = "".join(chars)
    return out


def repair(masked: Masked, errors: list[tuple[int, int, bool]]) -> bool:
    """Mask more of ``masked`` where tree-sitter's errors are bash's lazy parsing; False if nothing changed.

    Only a text with errors pays for this.  ``$((`` spans are classified (once),
    a ``${...}`` with an error inside becomes an opaque ``${___}``, and a `;`
    goes before each closing keyword that follows a compound command (`fi fi`).
    ``errors`` are (start, end, missing) of the tree's ERROR and MISSING nodes.
    """
    text = masked.text
    chars = list(text)
    changed = False
    pairs = _pairs(text) if "$(" in text or "${" in text else {}
    if not masked.classified:
        masked.classified = True
        changed = _arithmetic(masked, pairs, chars)
        for a, b in _empty_backquotes(text) if "`" in text else ():
            chars[a : b] = '""' if b - a == 2 else "`:" + text[a + 2 : b]  # `:` outputs nothing, like the blanks
            changed = True
    braces = sorted((i - 1, close + 1) for i, close in pairs.items() if text[i] == "{" and text[i - 1] == "$" and close - i >= 3)
    starts = [a for a, _ in braces]
    for start, end, missing in errors:
        k = bisect.bisect_right(starts, max(end, start + 1) - 1)
        for a, b in braces[max(0, k - 8) : k]:  # the innermost few around the error
            if b > start and not _escaped(text, a):
                chars[a:b] = _opaque(b - a)
                changed = True
        at = end if missing else _closer_end(text, end)
        if at is not None and _closer_end(text, at) == at and _KEYWORD_AFTER.match(text, at):
            chars[at] = ";"
            changed = True
    if changed:
        masked.text = "".join(chars)
    return changed


def _closer_end(text: str, end: int) -> int | None:
    """End of the closing keyword (`fi`, `done`, `}`, ...) just before ``end``, if there is one."""
    window = text[max(0, end - 16) : end].rstrip()
    return end - (len(text[max(0, end - 16) : end]) - len(window)) if window.endswith(CLOSERS) else None


def _arithmetic(masked: Masked, pairs: dict[int, int], chars: list[str]) -> bool:
    """Record `$((...))` spans; mask `$((cmd) | x)`, a command substitution, for reading on its own."""
    text, changed = masked.text, False
    for m in _ARITH_OPEN.finditer(text):
        start = m.start()
        close = pairs.get(start + 2)  # the `)` of the second `(`
        if close is None or _escaped(text, start):
            continue
        end = pairs.get(start + 1)  # the `)` of the first
        if end == close + 1:
            masked.arithmetic.append((start, end + 1))
        elif end is not None:
            masked.substitutions[start] = end + 1
            chars[start + 2 : end] = ":" + " " * (end - start - 3)  # `$(:  )`
            changed = True
    return changed


def _empty_backquotes(text: str) -> list[tuple[int, int]]:
    """Spans of backquote substitutions holding only blanks, which tree-sitter rejects and bash expands to ''."""
    spans: list[tuple[int, int]] = []
    i, n, quoted = 0, len(text), False
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "'" and not quoted:
            j = text.find("'", i + 1)
            i = n if j == -1 else j + 1
            continue
        if c == "#" and not quoted and (i == 0 or text[i - 1] in " \t\n;&|()"):
            j = text.find("\n", i)
            i = n if j == -1 else j
            continue
        if c == "`":
            j = i + 1
            while j < n and text[j] != "`":
                j += 2 if text[j] == "\\" else 1
            if j >= n:
                break
            if not text[i + 1 : j].strip():
                spans.append((i, j + 1))
            i = j + 1
            continue
        quoted ^= c == '"'
        i += 1
    return spans


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


def _pairs(text: str) -> dict[int, int]:
    """Index of each `(` and `${`'s `{` -> index of its closing `)` / `}`, in one pass.

    Quotes are honoured as bash reads them: nothing pairs inside '...' or
    backquotes; inside "..." only `$(` and `${` open, and a `"` closes.
    Comments are skipped.  Unclosed openers are left out.
    """
    pairs: dict[int, int] = {}
    stack: list[tuple[str, int]] = []  # ('(' | '{' | '"', index)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        top = stack[-1][0] if stack else ""
        if c == "\\":
            i += 2
            continue
        if c == "$" and i + 1 < n and text[i + 1] in "({":
            stack.append((text[i + 1], i + 1))
            i += 2
            continue
        if top == '"':
            if c == '"':
                stack.pop()
            i += 1
            continue
        if c in "'`":
            j = text.find(c, i + 1)
            i = n if j == -1 else j + 1
            continue
        if c == "#" and (i == 0 or text[i - 1] in " \t\n;&|()"):
            j = text.find("\n", i)
            i = n if j == -1 else j
            continue
        if c == '"' or c == "(" or (c == "{" and top == "{"):
            stack.append((c, i))
        elif (c == ")" and top == "(") or (c == "}" and top == "{"):
            pairs[stack.pop()[1]] = i
        i += 1
    return pairs
