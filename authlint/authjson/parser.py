"""A JSON parser with exact positions and opaque tokens.

Auth JSON is often built inside shell words or GitLab variables, e.g.
``{"auths": {"${CI_REGISTRY}": {"auth": "$(printf ... | base64)"}}}``.  The
caller passes those expansions as *opaque* ranges: inside a string they are
string content; outside a string an opaque range is a value (or key) token.

Errors follow Go's encoding/json wording (what docker and the runner print)
and point at the exact offending character; only the first error is reported,
as Go does.  The parser is iterative, so nesting depth is bounded by
``MAX_DEPTH`` instead of Python's recursion limit.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Sequence

MAX_DEPTH = 1000
_WS = " \t\n\r"
_DIGITS = "0123456789"
_ESC = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


@dataclass
class JNode:
    kind: str  # object | array | string | number | true | false | null | opaque
    start: int
    end: int
    value: object = None
    members: list["JMember"] | None = None
    items: list["JNode"] | None = None
    opaque: bool = False  # a string holding at least one opaque piece
    fully_opaque: bool = False  # a string that is exactly one opaque piece
    _offsets: list[int] = field(default_factory=list, repr=False)  # string value index -> text offset

    def offset_of(self, i: int) -> int:
        """Text offset of character i of a string's value (escapes map to their start)."""
        if not self._offsets:
            return self.start + 1
        if i >= len(self._offsets):
            return self.end - 1
        return self._offsets[i]


@dataclass
class JMember:
    key: JNode
    value: JNode


@dataclass
class JsonError:
    start: int
    end: int
    message: str
    kind: str


@dataclass
class ParseResult:
    value: JNode | None
    errors: list[JsonError]
    extra: list[JNode] = field(default_factory=list)


class _Fail(Exception):
    def __init__(self, error: JsonError) -> None:
        self.error = error


def _describe(ch: str) -> str:
    if ch == "'":
        return "'\\''"
    if ch == "\n":
        return "'\\n'"
    if ch == "\r":
        return "'\\r'"
    if ch == "\t":
        return "'\\t'"
    return repr(ch) if ch != '"' else "'\"'"


class _Parser:
    def __init__(self, text: str, opaque: Sequence[tuple[int, int]]) -> None:
        self.t = text
        self.n = len(text)
        self.opaque = sorted(opaque)
        self.ostarts = [a for a, _ in self.opaque]

    # -- helpers -----------------------------------------------------------
    def opaque_at(self, i: int) -> tuple[int, int] | None:
        k = bisect.bisect_right(self.ostarts, i) - 1
        if k >= 0 and self.opaque[k][0] == i:
            return self.opaque[k]
        return None

    def ws(self, i: int) -> int:
        t, n = self.t, self.n
        while i < n and t[i] in _WS:
            i += 1
        return i

    def fail(self, i: int, message: str, kind: str, end: int | None = None) -> _Fail:
        return _Fail(JsonError(i, end if end is not None else min(i + 1, self.n), message, kind))

    def unexpected(self, i: int, context: str) -> _Fail:
        if i >= self.n:
            return self.fail(self.n, "unexpected end of JSON input", "unterminated", self.n)
        ch = self.t[i]
        kind = "unexpected"
        if ch == "'":
            kind = "single_quotes"
        elif ch == "/" and self.t[i : i + 2] in ("//", "/*"):
            kind = "comment"
        elif ch == "\ufeff":
            kind = "bom"
            return self.fail(i, "invalid character 'ï' looking for beginning of value", kind)
        elif ch in "}]" and context.startswith(("beginning of object key", "beginning of value")):
            if self._after_comma(i):
                kind = "trailing_comma"
        return self.fail(i, f"invalid character {_describe(ch)} looking for {context}", kind)

    def _after_comma(self, i: int) -> bool:
        j = i - 1
        while j >= 0 and self.t[j] in _WS:
            j -= 1
        return j >= 0 and self.t[j] == ","

    # -- values -------------------------------------------------------------
    def parse(self, i: int) -> tuple[JNode, int]:
        """One value starting at i (after whitespace); iterative over containers."""
        stack: list[tuple[JNode, str, JNode | None]] = []  # (container, state, pending key)
        while True:
            i = self.ws(i)
            node, i = self.scalar_or_open(i, "beginning of value")
            while True:
                if node.kind in ("object", "array") and node.end == -1:
                    if len(stack) >= MAX_DEPTH:
                        raise self.fail(node.start, f"exceeded max depth ({MAX_DEPTH} levels of nesting)", "too_deep")
                    # A container just opened: read its first element or close it.
                    j = self.ws(i)
                    closer = "}" if node.kind == "object" else "]"
                    if j < self.n and self.t[j] == closer:
                        node.end = j + 1
                        i = j + 1
                    elif node.kind == "object":
                        key, i = self.key(j)
                        stack.append((node, "value", key))
                        break
                    else:
                        stack.append((node, "item", None))
                        i = j
                        break
                if not stack:
                    return node, i
                parent, state, key = stack.pop()
                if parent.kind == "object":
                    parent.members.append(JMember(key, node))  # type: ignore[union-attr,arg-type]
                else:
                    parent.items.append(node)  # type: ignore[union-attr]
                j = self.ws(i)
                closer = "}" if parent.kind == "object" else "]"
                if j < self.n and self.t[j] == ",":
                    j = self.ws(j + 1)
                    if parent.kind == "object":
                        key, i = self.key(j)
                        stack.append((parent, "value", key))
                    else:
                        if j < self.n and self.t[j] == "]":
                            raise self.fail(j, "invalid character ']' looking for beginning of value", "trailing_comma")
                        stack.append((parent, "item", None))
                        i = j
                    break
                if j < self.n and self.t[j] == closer:
                    parent.end = j + 1
                    node, i = parent, j + 1
                    continue
                after = "object key:value pair" if parent.kind == "object" else "array element"
                raise self.unexpected(j, f"comma or '{closer}' after {after}") if j < self.n else self.fail(
                    self.n, "unexpected end of JSON input", "unterminated", self.n
                )

    def key(self, i: int) -> tuple[JNode, int]:
        """An object key, then the colon; returns the key and the index after ':'."""
        if i < self.n and self.t[i] == "}":
            raise self.fail(i, "invalid character '}' looking for beginning of object key string", "trailing_comma")
        op = self.opaque_at(i)
        if op is not None:
            key = JNode("string", op[0], op[1], self.t[op[0] : op[1]], opaque=True, fully_opaque=True,
                        _offsets=list(range(op[0], op[1])))
            j = op[1]
        elif i < self.n and self.t[i] == '"':
            key, j = self.string(i)
        else:
            raise self.unexpected(i, "beginning of object key string")
        j = self.ws(j)
        if j >= self.n:
            raise self.fail(self.n, "unexpected end of JSON input", "unterminated", self.n)
        if self.t[j] != ":":
            raise self.unexpected(j, "':' after object key")
        return key, j + 1

    def scalar_or_open(self, i: int, context: str) -> tuple[JNode, int]:
        if i >= self.n:
            raise self.fail(self.n, "unexpected end of JSON input", "unterminated", self.n)
        op = self.opaque_at(i)
        if op is not None:
            return JNode("opaque", op[0], op[1], self.t[op[0] : op[1]]), op[1]
        ch = self.t[i]
        if ch == "{":
            return JNode("object", i, -1, members=[]), i + 1
        if ch == "[":
            return JNode("array", i, -1, items=[]), i + 1
        if ch == '"':
            return self.string(i)
        if ch == "-" or ch in _DIGITS:
            return self.number(i)
        for word in ("true", "false", "null"):
            if self.t.startswith(word, i):
                return JNode(word, i, i + len(word), None if word == "null" else word == "true"), i + len(word)
        if ch.isalpha() and ch not in "tfn":
            raise self.unexpected(i, context)
        if ch in "tfn":
            # A misspelt literal: Go reports the first wrong character.
            word = {"t": "true", "f": "false", "n": "null"}[ch]
            j = i
            while j < self.n and j - i < len(word) and self.t[j] == word[j - i]:
                j += 1
            if j >= self.n:
                raise self.fail(self.n, "unexpected end of JSON input", "unterminated", self.n)
            raise self.fail(j, f"invalid character {_describe(self.t[j])} in literal {word} (expecting {_describe(word[j - i])})", "unexpected")
        raise self.unexpected(i, context)

    def string(self, i: int) -> tuple[JNode, int]:
        t, n = self.t, self.n
        j = i + 1
        chars: list[str] = []
        offsets: list[int] = []
        has_opaque = False
        while True:
            if j >= n:
                raise self.fail(n, "unexpected end of JSON input", "unterminated", n)
            op = self.opaque_at(j)
            if op is not None:
                chars.append(t[op[0] : op[1]])
                offsets.extend(range(op[0], op[1]))
                has_opaque = True
                j = op[1]
                continue
            ch = t[j]
            if ch == '"':
                value = "".join(chars)
                fully = has_opaque and len(self.opaque) > 0 and any(a == i + 1 and b == j for a, b in self.opaque)
                return JNode("string", i, j + 1, value, opaque=has_opaque, fully_opaque=fully, _offsets=offsets), j + 1
            if ch == "\\":
                if j + 1 >= n:
                    raise self.fail(n, "unexpected end of JSON input", "unterminated", n)
                code = t[j + 1]
                if code in _ESC:
                    chars.append(_ESC[code])
                    offsets.append(j)
                    j += 2
                    continue
                if code == "u":
                    j = self._unicode(j, chars, offsets)
                    continue
                raise self.fail(j + 1, f"invalid character {_describe(code)} in string escape code", "bad_escape")
            if ch == "\n" or ch == "\r":
                raise self.fail(j, f"invalid character {_describe(ch)} in string literal", "raw_newline")
            if ord(ch) < 0x20:
                raise self.fail(j, f"invalid character {_describe(ch)} in string literal", "control_char")
            chars.append(ch)
            offsets.append(j)
            j += 1

    def _unicode(self, j: int, chars: list[str], offsets: list[int]) -> int:
        hexdigits = self.t[j + 2 : j + 6]
        if len(hexdigits) < 4 or any(c not in "0123456789abcdefABCDEF" for c in hexdigits):
            bad = next((k for k, c in enumerate(hexdigits) if c not in "0123456789abcdefABCDEF"), len(hexdigits))
            if j + 2 + bad >= self.n:
                raise self.fail(self.n, "unexpected end of JSON input", "unterminated", self.n)
            raise self.fail(j + 2 + bad, f"invalid character {_describe(self.t[j + 2 + bad])} in \\u hexadecimal character escape", "bad_escape")
        code = int(hexdigits, 16)
        end = j + 6
        if 0xD800 <= code < 0xDC00 and self.t[end : end + 2] == "\\u":
            low = self.t[end + 2 : end + 6]
            if len(low) == 4 and all(c in "0123456789abcdefABCDEF" for c in low) and 0xDC00 <= int(low, 16) < 0xE000:
                code = 0x10000 + ((code - 0xD800) << 10) + (int(low, 16) - 0xDC00)
                end += 6
        chars.append(chr(code) if not (0xD800 <= code < 0xE000) else "\ufffd")
        offsets.append(j)
        return end

    def number(self, i: int) -> tuple[JNode, int]:
        t, n = self.t, self.n
        j = i
        if t[j] == "-":
            j += 1
        if j >= n:
            raise self.fail(n, "unexpected end of JSON input", "unterminated", n)
        if t[j] == "0":
            j += 1
        elif t[j] in _DIGITS:
            while j < n and t[j] in _DIGITS:
                j += 1
        else:
            raise self.fail(j, f"invalid character {_describe(t[j])} in numeric literal", "bad_number")
        if j < n and t[j] == ".":
            j += 1
            if j >= n or not t[j] in _DIGITS:
                if j >= n:
                    raise self.fail(n, "unexpected end of JSON input", "unterminated", n)
                raise self.fail(j, f"invalid character {_describe(t[j])} after decimal point in numeric literal", "bad_number")
            while j < n and t[j] in _DIGITS:
                j += 1
        if j < n and t[j] in "eE":
            j += 1
            if j < n and t[j] in "+-":
                j += 1
            if j >= n or not t[j] in _DIGITS:
                if j >= n:
                    raise self.fail(n, "unexpected end of JSON input", "unterminated", n)
                raise self.fail(j, f"invalid character {_describe(t[j])} in exponent of numeric literal", "bad_number")
            while j < n and t[j] in _DIGITS:
                j += 1
        return JNode("number", i, j, float(t[i:j])), j


def parse(text: str, opaque: Sequence[tuple[int, int]] = ()) -> ParseResult:
    p = _Parser(text, opaque)
    i = p.ws(0)
    try:
        value, i = p.parse(i)
    except _Fail as f:
        return ParseResult(None, [f.error])
    errors: list[JsonError] = []
    extra: list[JNode] = []
    i = p.ws(i)
    while i < len(text):
        try:
            more, j = p.parse(i)
        except _Fail:
            errors.append(JsonError(i, min(i + 1, len(text)), f"invalid character {_describe(text[i])} after top-level value", "extra_value"))
            break
        extra.append(more)
        if len(extra) == 1:
            errors.append(JsonError(more.start, more.end, "more than one JSON value: only the first is read (docker's DOCKER_AUTH_CONFIG store rejects this)", "extra_value"))
        i = p.ws(j)
    return ParseResult(value, errors, extra)


def strip_trailing_commas(text: str) -> list[tuple[int, int]]:
    """Spans of commas followed only by whitespace and then '}' or ']' (outside strings)."""
    out = []
    in_str = esc = False
    for i, ch in enumerate(text):
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
            continue
        if ch == '"':
            in_str = True
        elif ch == ",":
            j = i + 1
            while j < len(text) and text[j] in _WS:
                j += 1
            if j < len(text) and text[j] in "}]":
                out.append((i, i + 1))
    return out
