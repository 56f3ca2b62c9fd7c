"""Quote-context decoding of literal shell text (never executes anything).

Each function turns the raw source of one literal piece into the string bash
would see, and can also return, for every output character, the index of the
raw character it came from.  Rules use that map to point a diagnostic at the
exact source character of a decoded value (e.g. a JSON key in an ``echo``).
"""

from __future__ import annotations

import re
from typing import Callable
from ..lazy import lazy_compile

# \<newline> is a line continuation everywhere except in single quotes.  A CR
# before the newline is accepted too, so CRLF scripts decode like LF ones.
_UNQUOTED = lazy_compile(r"\\(\r?\n|.)", re.S)
_DOUBLE = lazy_compile(r"\\(\r?\n|[$`\"\\])")
_HEREDOC = lazy_compile(r"\\(\r?\n|[$`\\])")
_ANSI_C = lazy_compile(
    r"\\(x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{1,4}|U[0-9A-Fa-f]{1,8}|[0-7]{1,3}|c.|.)", re.S
)
_ANSI_SIMPLE = {
    "n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v",
    "e": "\x1b", "E": "\x1b", "\\": "\\", "'": "'", '"': '"', "?": "?",
}  # fmt: skip


def _escaped(m: re.Match[str]) -> str:
    """Backslash-escape: drop a line continuation, else keep the escaped char."""
    ch = m.group(1)
    return "" if ch.endswith("\n") else ch


def _ansi(m: re.Match[str]) -> str:
    """One $'...' escape sequence, as bash's ANSI-C quoting defines it."""
    esc = m.group(1)
    head = esc[0]
    if head in "xuU" and len(esc) > 1:
        code = int(esc[1:], 16)
        return chr(code) if code <= 0x10FFFF else "\ufffd"
    if head in "01234567":
        return chr(int(esc, 8) & 0xFF)
    if head == "c" and len(esc) == 2:
        return chr(ord(esc[1]) & 0x1F)
    return _ANSI_SIMPLE.get(esc, "\\" + esc)


_MODES: dict[str, tuple[re.Pattern[str], Callable[[re.Match[str]], str]] | None] = {
    "none": (_UNQUOTED, _escaped),
    "double": (_DOUBLE, _escaped),
    "heredoc": (_HEREDOC, _escaped),
    "ansi_c": (_ANSI_C, _ansi),
    "single": None,
}


def decode(raw: str, quote: str) -> str:
    """Decoded value of ``raw`` in quoting context ``quote``."""
    rule = _MODES[quote]
    if rule is None or "\\" not in raw:
        return raw
    pattern, repl = rule
    return pattern.sub(repl, raw)


def decode_map(raw: str, quote: str) -> tuple[str, list[int]]:
    """Like ``decode`` but also return the raw index of every output char.

    Characters produced by an escape sequence map to the backslash.
    """
    rule = _MODES[quote]
    if rule is None or "\\" not in raw:
        return raw, list(range(len(raw)))
    pattern, repl = rule
    out: list[str] = []
    index: list[int] = []
    pos = 0
    for m in pattern.finditer(raw):
        out.append(raw[pos : m.start()])
        index.extend(range(pos, m.start()))
        rep = repl(m)
        out.append(rep)
        index.extend([m.start()] * len(rep))
        pos = m.end()
    out.append(raw[pos:])
    index.extend(range(pos, len(raw)))
    return "".join(out), index
