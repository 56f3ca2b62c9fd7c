"""A JSON parser with exact positions and opaque tokens.

Auth JSON is often built inside shell words or GitLab variables, e.g.
``{"auths": {"${CI_REGISTRY}": {"auth": "$(printf ... | base64)"}}}``.  The
caller passes those expansions as *opaque* character ranges: inside a string
they are string content (their raw text is kept); outside a string an opaque
range is a token of kind ``'opaque'``, allowed wherever a value or an object
key may stand.  An opaque range where ``,``/``}``/``]`` is expected stands for
spliced members or items (``{"auths": {$ENTRIES}}``): the parser keeps it as an
``opaque`` item/member instead of guessing a syntax error.

Errors follow Go's encoding/json wording (what docker and the runner print)
and point at the exact offending character (character offsets, where Go counts
bytes).  Only the first error is reported, as Go does.  The parser is
iterative: nesting depth is bounded by ``max_depth`` (default ``MAX_DEPTH``),
never by Python's recursion limit.  Go's own limit is 10000 levels; an auth
file needs about four, so anything deeper than ``MAX_DEPTH`` is reported as
``too_deep`` long before it could hurt a recursive consumer.

Differences from Go that are deliberate: numbers keep ``int`` for integer
literals (``float`` otherwise) so large integers round-trip; empty input has
its own kind ``'empty'`` (docker treats an empty config as "no config").
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Sequence, Union
from ..lazy import lazy_compile

MAX_DEPTH = 500

_WS_RE = lazy_compile(r"[ \t\n\r]*")
_PLAIN_RE = lazy_compile(r'[^"\\\x00-\x1f]+')  # string content that needs no attention
_NUMBER_RE = lazy_compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_HEX = frozenset("0123456789abcdefABCDEF")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_LITERALS = {"t": ("true", True), "f": ("false", False), "n": ("null", None)}
_EOF = "unexpected end of JSON input"

JValue = Union[str, int, float, bool, None]


# --------------------------------------------------------------------- model
@dataclass(eq=False)
class OffsetMap:
    """Value index -> text offset for a string, stored as runs.

    Run k starts at value index ``vi[k]`` and text offset ``to[k]``; a literal
    run advances one text char per value char, an escape run (one decoded
    char) stays at the escape's backslash.
    """

    vi: list[int] = field(default_factory=list)
    to: list[int] = field(default_factory=list)
    lit: list[bool] = field(default_factory=list)

    def add(self, value_index: int, offset: int, literal: bool) -> None:
        if literal and self.lit and self.lit[-1] and self.to[-1] + (value_index - self.vi[-1]) == offset:
            return  # continues the previous literal run
        self.vi.append(value_index)
        self.to.append(offset)
        self.lit.append(literal)

    def lookup(self, i: int) -> int:
        k = bisect.bisect_right(self.vi, i) - 1
        return self.to[k] + (i - self.vi[k] if self.lit[k] else 0)


@dataclass(eq=False)  # identity equality: trees can be deep and big
class JNode:
    kind: str  # object | array | string | number | true | false | null | opaque
    start: int
    end: int  # exclusive; strings include their quotes
    value: JValue = None  # decoded string (opaque pieces raw), number, bool, raw text of an opaque token
    members: list[JMember] | None = None  # objects, in order, duplicates kept
    items: list[JNode] | None = None  # arrays
    opaque: bool = False  # holds opaque text: an 'opaque' token, or a string with an opaque piece
    opaque_spans: list[tuple[int, int]] = field(default_factory=list)  # text ranges of those pieces
    offsets: OffsetMap | None = field(default=None, repr=False)

    @property
    def fully_opaque(self) -> bool:
        """An opaque token, or a string whose whole content is opaque pieces (``"${CI_REGISTRY}"``)."""
        if self.kind == "opaque":
            return True
        if self.kind != "string" or not self.opaque_spans:
            return False
        covered = sum(b - a for a, b in self.opaque_spans)
        return covered == (self.end - 1) - (self.start + 1)

    def offset_of(self, i: int) -> int:
        """Text offset of character i of a string's (or opaque token's) value.

        Characters from an escape map to the escape's backslash; ``i ==
        len(value)`` gives the closing quote, so ``offset_of(i)`` and
        ``offset_of(j)`` delimit the source of ``value[i:j]``.
        """
        if self.kind == "opaque":
            return min(self.start + max(i, 0), self.end)
        n = len(self.value) if isinstance(self.value, str) else 0
        if self.offsets is None or not self.offsets.vi or i >= n:
            return self.end - 1 if i >= n else self.start + 1
        return self.offsets.lookup(max(i, 0))

    def span_of(self, i: int, j: int) -> tuple[int, int]:
        """Text range of ``value[i:j]``."""
        return self.offset_of(i), self.offset_of(j)

    def __repr__(self) -> str:  # shallow: a dataclass repr would recurse through the whole tree
        extra = ""
        if self.members is not None:
            extra = f", members={len(self.members)}"
        elif self.items is not None:
            extra = f", items={len(self.items)}"
        else:
            extra = f", value={self.value!r}"
        return f"JNode({self.kind!r}, {self.start}, {self.end}{extra}{', opaque' if self.opaque else ''})"


@dataclass(eq=False)
class JMember:
    key: JNode  # a 'string' or an 'opaque' token
    value: JNode  # for a spliced member (opaque where members go) the same node as key


@dataclass
class JsonError:
    start: int
    end: int  # start == end == len(text) at end of input
    message: str
    # trailing_comma | single_quotes | comment | raw_newline | bom | extra_value | unterminated
    # | unexpected | too_deep | control_char | bad_escape | bad_number | empty
    kind: str
    opened: int | None = None  # for 'unterminated': where the unclosed string/object/array starts


@dataclass
class ParseResult:
    value: JNode | None  # the first top-level value if it parsed
    errors: list[JsonError]  # errors[0] is what Go reports; no cascades after it
    extra: list[JNode] = field(default_factory=list)  # further top-level values (``>>`` appends)

    @property
    def ok(self) -> bool:
        return not self.errors


# ------------------------------------------------------------------- wording
def quote_char(ch: str) -> str:
    """Go's ``quoteChar`` for the first byte of ch's UTF-8 encoding (BOM -> 'ï', NBSP -> 'Â')."""
    try:
        byte = ch.encode("utf-8", "surrogateescape")[0]
    except UnicodeEncodeError:
        byte = ch.encode("utf-8", "surrogatepass")[0]
    if byte == 0x27:
        return "'\\''"
    if byte == 0x22:
        return "'\"'"
    return "'" + _go_quote_rune(byte) + "'"


def _go_quote_rune(r: int) -> str:
    """The body of Go's strconv.Quote(string(rune(r))) for r < 256."""
    named = {7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r", 0x5C: "\\\\"}
    if r in named:
        return named[r]
    if r < 0x20 or r == 0x7F:
        return f"\\x{r:02x}"
    if 0x80 <= r <= 0xA0 or r == 0xAD:  # C1 controls, NBSP and soft hyphen are not printable in Go
        return f"\\u{r:04x}"
    return chr(r)


class _Fail(Exception):
    def __init__(self, error: JsonError) -> None:
        super().__init__(error.message)
        self.error = error


# -------------------------------------------------------------------- parser
# States of the iterative parser.
_VALUE, _OBJ_OPEN, _ARR_OPEN, _KEY, _COLON, _AFTER = range(6)


class _Parser:
    def __init__(self, text: str, opaque: Sequence[tuple[int, int]], max_depth: int) -> None:
        self.t = text
        self.n = len(text)
        self.max_depth = max_depth
        self.ranges = _clean_ranges(opaque, self.n)
        self.starts = [a for a, _ in self.ranges]
        self.open: list[JNode] = []  # containers open in the value being parsed (for 'opened')

    # -- small helpers
    def ws(self, i: int) -> int:
        return _WS_RE.match(self.t, i).end()  # type: ignore[union-attr]

    def opaque_at(self, i: int) -> tuple[int, int] | None:
        k = bisect.bisect_left(self.starts, i)
        return self.ranges[k] if k < len(self.ranges) and self.starts[k] == i else None

    def next_opaque(self, i: int) -> int:
        k = bisect.bisect_left(self.starts, i)
        return self.starts[k] if k < len(self.starts) else self.n

    def eof(self, opened: int | None = None) -> _Fail:
        if opened is None and self.open:
            opened = self.open[-1].start
        return _Fail(JsonError(self.n, self.n, _EOF, "unterminated", opened))

    def fail(self, i: int, message: str, kind: str) -> _Fail:
        return _Fail(JsonError(i, min(i + 1, self.n), message, kind))

    def bad_char(self, i: int, context: str, kind: str | None = None) -> _Fail:
        """``invalid character 'x' <context>``, classified by what the character suggests."""
        if i >= self.n:
            return self.eof()
        return self.fail(i, f"invalid character {quote_char(self.t[i])} {context}", kind or self.classify(i))

    def classify(self, i: int) -> str:
        ch = self.t[i]
        if ch == "\ufeff" and i == 0:
            return "bom"
        if ch == "'":
            return "single_quotes"
        if self.t.startswith(("//", "/*"), i):
            return "comment"
        if ch in "+." and i + 1 < self.n and self.t[i + 1] in "0123456789":
            return "bad_number"
        return "unexpected"

    # -- the value loop
    def value(self, i: int) -> tuple[JNode, int]:
        """Parse one value at i; returns it and the index after it."""
        stack: list[JNode] = []  # open containers
        self.open = stack
        keys: list[JNode | None] = []  # pending key per open container
        state, after_comma = _VALUE, False
        node: JNode | None = None
        while True:
            i = self.ws(i)
            if state == _AFTER:
                if not stack:
                    return node, i  # type: ignore[return-value]
                state, i, after_comma, node = self.after(stack, keys, node, i)  # type: ignore[arg-type]
                continue
            if state == _COLON:
                if i < self.n and self.t[i] == ":":
                    state, i, after_comma = _VALUE, i + 1, False
                    continue
                raise self.bad_char(i, "after object key")
            if state == _OBJ_OPEN or state == _KEY:
                if state == _OBJ_OPEN and i < self.n and self.t[i] == "}":
                    node, i, state = self.close(stack, keys, i), i + 1, _AFTER
                    continue
                key, i, spliced = self.key(i, after_comma)
                if not spliced:
                    keys[-1], state = key, _COLON
                    continue
                stack[-1].members.append(JMember(key, key))  # type: ignore[union-attr]  # `{$MEMBERS}`
                state, i, after_comma, node = self.after(stack, keys, key, i)
                continue
            if state == _ARR_OPEN and i < self.n and self.t[i] == "]":
                node, i, state = self.close(stack, keys, i), i + 1, _AFTER
                continue
            # _VALUE (or the first element of an array)
            if i < self.n and self.t[i] in "{[" and self.opaque_at(i) is None:
                if len(stack) >= self.max_depth:
                    raise self.fail(i, f"nesting too deep (more than {self.max_depth} levels)", "too_deep")
                obj = self.t[i] == "{"
                stack.append(JNode("object", i, -1, members=[]) if obj else JNode("array", i, -1, items=[]))
                keys.append(None)
                state, i, after_comma = (_OBJ_OPEN if obj else _ARR_OPEN), i + 1, False
                continue
            if after_comma and i < self.n and self.t[i] == "]" and stack and stack[-1].kind == "array":
                raise self.bad_char(i, "looking for beginning of value", "trailing_comma")
            node, i = self.scalar(i)
            self.attach(stack, keys, node)
            state = _AFTER

    def after(self, stack: list[JNode], keys: list[JNode | None], node: JNode | None, i: int) -> tuple[int, int, bool, JNode | None]:
        """After a member or item: ``,``, the closer, or spliced opaque content."""
        parent = stack[-1]
        obj = parent.kind == "object"
        while True:
            i = self.ws(i)
            op = self.opaque_at(i)
            if op is None:
                break
            spliced = _opaque_node(self.t, op)  # `{"a": 1 $MORE}`: an expansion standing for members/items
            if obj:
                parent.members.append(JMember(spliced, spliced))  # type: ignore[union-attr]
            else:
                parent.items.append(spliced)  # type: ignore[union-attr]
            i = op[1]
        if i < self.n and self.t[i] == ",":
            return (_KEY if obj else _VALUE), i + 1, True, node
        if i < self.n and self.t[i] == ("}" if obj else "]"):
            return _AFTER, i + 1, False, self.close(stack, keys, i)
        if i >= self.n:
            raise self.eof(parent.start)
        if obj:
            raise self.bad_char(i, "after object key:value pair", self.after_kind(node, i))
        raise self.bad_char(i, "after array element", self.after_kind(node, i))

    def after_kind(self, node: JNode | None, i: int) -> str | None:
        # `01`: Go stops the number after the 0 and complains about the 1.
        if node is not None and node.kind == "number" and self.t[i] in "0123456789":
            return "bad_number"
        return None

    def close(self, stack: list[JNode], keys: list[JNode | None], i: int) -> JNode:
        node = stack.pop()
        keys.pop()
        node.end = i + 1
        self.attach(stack, keys, node)
        return node

    def attach(self, stack: list[JNode], keys: list[JNode | None], node: JNode) -> None:
        if not stack:
            return
        parent = stack[-1]
        if parent.kind == "object":
            parent.members.append(JMember(keys[-1], node))  # type: ignore[union-attr,arg-type]
            keys[-1] = None
        else:
            parent.items.append(node)  # type: ignore[union-attr]

    def key(self, i: int, after_comma: bool) -> tuple[JNode, int, bool]:
        """An object key; returns it, the index after it, and whether it is a spliced member."""
        op = self.opaque_at(i)
        if op is not None:
            node = _opaque_node(self.t, op)
            j = self.ws(op[1])
            return node, op[1], not (j < self.n and self.t[j] == ":")
        if i < self.n and self.t[i] == '"':
            node, j = self.string(i)
            return node, j, False
        if after_comma and i < self.n and self.t[i] == "}":
            raise self.bad_char(i, "looking for beginning of object key string", "trailing_comma")
        raise self.bad_char(i, "looking for beginning of object key string")

    def scalar(self, i: int) -> tuple[JNode, int]:
        if i >= self.n:
            raise self.eof()
        op = self.opaque_at(i)
        if op is not None:
            return _opaque_node(self.t, op), op[1]
        ch = self.t[i]
        if ch == '"':
            return self.string(i)
        if ch == "-" or "0" <= ch <= "9":
            return self.number(i)
        if ch in _LITERALS:
            return self.literal(i)
        raise self.bad_char(i, "looking for beginning of value")

    def literal(self, i: int) -> tuple[JNode, int]:
        word, value = _LITERALS[self.t[i]]
        for k in range(1, len(word)):  # Go checks letter by letter
            j = i + k
            if j >= self.n:
                raise self.eof()
            if self.t[j] != word[k]:
                raise self.bad_char(j, f"in literal {word} (expecting {quote_char(word[k])})", "unexpected")
        return JNode(word, i, i + len(word), value), i + len(word)

    def number(self, i: int) -> tuple[JNode, int]:
        stop = self.next_opaque(i)  # an opaque range ends the literal
        m = _NUMBER_RE.match(self.t, i, stop)
        j = m.end() if m else i
        if m is None or self.t[j - 1] == "-":
            self.number_error(i, stop)  # raises
        text = self.t[i:j]
        nxt = self.t[j] if j < stop else ""
        has_exp = "e" in text or "E" in text
        if (nxt == "." and "." not in text and not has_exp) or (nxt in ("e", "E") and not has_exp):
            self.number_error(i, stop)  # `1.` / `1e`: the regex stopped before an incomplete part
        value: int | float = int(text) if text.lstrip("-").isdigit() else float(text)
        return JNode("number", i, j, value), j

    def number_error(self, i: int, stop: int) -> None:
        """Walk Go's number states to find the offending character (an opaque range, from
        ``stop`` on, is one)."""
        t, n, j = self.t, self.n, i
        if t[j] == "-":
            j += 1
        if j >= n:
            raise self.eof()
        if j >= stop or not "0" <= t[j] <= "9":
            raise self.bad_char(j, "in numeric literal", "bad_number")
        j = j + 1 if t[j] == "0" else self._digits(j, stop)
        if j < stop and t[j] == ".":
            j += 1
            if j >= n:
                raise self.eof()
            if j >= stop or not "0" <= t[j] <= "9":
                raise self.bad_char(j, "after decimal point in numeric literal", "bad_number")
            j = self._digits(j, stop)
        if j < stop and t[j] in "eE":
            j += 1
            if j < stop and t[j] in "+-":
                j += 1
            if j >= n:
                raise self.eof()
            raise self.bad_char(j, "in exponent of numeric literal", "bad_number")
        raise AssertionError("number_error called on a valid number")  # pragma: no cover

    def _digits(self, j: int, stop: int) -> int:
        while j < stop and "0" <= self.t[j] <= "9":
            j += 1
        return j

    def string(self, i: int) -> tuple[JNode, int]:
        t, n = self.t, self.n
        chars: list[str] = []
        size = 0  # len("".join(chars))
        offsets = OffsetMap()
        pieces: list[tuple[int, int]] = []
        j = i + 1
        while True:
            limit = self.next_opaque(j)
            m = _PLAIN_RE.match(t, j, limit)
            if m is not None:
                offsets.add(size, j, True)
                chars.append(m.group())
                size += m.end() - j
                j = m.end()
            if j == limit and j < n:  # an opaque piece: raw text, whatever it contains
                a, b = self.opaque_at(j)  # type: ignore[misc]
                offsets.add(size, a, True)
                chars.append(t[a:b])
                size += b - a
                pieces.append((a, b))
                j = b
                continue
            if j >= n:
                raise self.eof(i)
            ch = t[j]
            if ch == '"':
                node = JNode("string", i, j + 1, "".join(chars), opaque=bool(pieces), opaque_spans=pieces, offsets=offsets)
                return node, j + 1
            if ch == "\\":
                decoded, nxt = self.escape(j)
                offsets.add(size, j, False)
                chars.append(decoded)
                size += 1
                j = nxt
                continue
            kind = "raw_newline" if ch in "\n\r" else "control_char"
            raise self.fail(j, f"invalid character {quote_char(ch)} in string literal", kind)

    def escape(self, j: int) -> tuple[str, int]:
        """Decode the escape at j (a backslash); returns one char and the index after it."""
        if j + 1 >= self.n:
            raise self.eof()
        code = self.t[j + 1]
        if code in _ESCAPES:
            return _ESCAPES[code], j + 2
        if code != "u":
            raise self.bad_char(j + 1, "in string escape code", "bad_escape")
        r = self.hex4(j + 2)
        end = j + 6
        if 0xD800 <= r < 0xE000:  # Go: a valid pair combines, anything else becomes U+FFFD
            if 0xD800 <= r < 0xDC00 and self.t.startswith("\\u", end) and _is_hex4(self.t, end + 2):
                low = int(self.t[end + 2 : end + 6], 16)
                if 0xDC00 <= low < 0xE000:
                    return chr(0x10000 + ((r - 0xD800) << 10) + (low - 0xDC00)), end + 6
            return "\ufffd", end
        return chr(r), end

    def hex4(self, k: int) -> int:
        for m in range(k, k + 4):
            if m >= self.n:
                raise self.eof()
            if self.t[m] not in _HEX:
                raise self.bad_char(m, "in \\u hexadecimal character escape", "bad_escape")
        return int(self.t[k : k + 4], 16)



def _is_hex4(t: str, k: int) -> bool:
    return len(t) >= k + 4 and all(c in _HEX for c in t[k : k + 4])


def _opaque_node(text: str, op: tuple[int, int]) -> JNode:
    a, b = op
    offsets = OffsetMap()
    offsets.add(0, a, True)
    return JNode("opaque", a, b, text[a:b], opaque=True, opaque_spans=[(a, b)], offsets=offsets)


def _clean_ranges(opaque: Sequence[tuple[int, int]], n: int) -> list[tuple[int, int]]:
    """Sorted, non-empty, in-bounds, non-overlapping ranges (callers' ranges are trusted but clipped)."""
    out: list[tuple[int, int]] = []
    for a, b in sorted((max(0, a), min(n, b)) for a, b in opaque):
        if b > a and (not out or a >= out[-1][1]):
            out.append((a, b))
    return out


# ------------------------------------------------------------------- public
# Documents already parsed, by text, opaque ranges and depth limit: the engine and AL202 parse
# each document a script writes, AL309 each job's DOCKER_AUTH_CONFIG, and the projects of a
# fleet copy the same snippets.  Results are plain data that nobody mutates, so sharing them
# is safe.  Bounded by the characters held (a character costs ~100 bytes of tree): the memo
# holds short texts only and starts again when full.
_MEMO: dict[tuple[str, tuple[tuple[int, int], ...], int], ParseResult] = {}
_MEMO_CHARS = 65_536
_MEMO_TEXT = 4096
_memo_size = 0


def parse(text: str, opaque: Sequence[tuple[int, int]] = (), *, max_depth: int = MAX_DEPTH) -> ParseResult:
    """Parse text; see the module docstring for opaque ranges and error semantics."""
    global _memo_size
    if len(text) > _MEMO_TEXT:
        return _parse(text, opaque, max_depth)
    key = (text, tuple(_clean_ranges(opaque, len(text))), max_depth)
    result = _MEMO.get(key)
    if result is None:
        if _memo_size + len(text) > _MEMO_CHARS:
            _MEMO.clear()
            _memo_size = 0
        result = _MEMO[key] = _parse(text, key[1], max_depth)
        _memo_size += len(text)
    return result


def _parse(text: str, opaque: Sequence[tuple[int, int]], max_depth: int) -> ParseResult:
    p = _Parser(text, opaque, max_depth)
    i = p.ws(0)
    if i >= len(text):
        return ParseResult(None, [JsonError(len(text), len(text), _EOF, "empty")])
    try:
        value, i = p.value(i)
    except _Fail as f:
        return ParseResult(None, [f.error])
    return ParseResult(value, *_extra_values(p, i))


def _extra_values(p: _Parser, i: int) -> tuple[list[JsonError], list[JNode]]:
    """Values after the first: docker reads only the first; Go's Unmarshal (and the CLI env store) reject them."""
    errors: list[JsonError] = []
    extra: list[JNode] = []
    i = p.ws(i)
    while i < p.n:
        if not errors:
            message = f"invalid character {quote_char(p.t[i])} after top-level value"
            errors.append(JsonError(i, i + 1, message, "extra_value"))
        try:
            node, i = p.value(i)
        except _Fail:
            break  # no cascade: the extra_value error already covers it
        if len(extra) == 0:
            errors[0].end = node.end
        extra.append(node)
        i = p.ws(i)
    return errors, extra


def strip_trailing_commas(text: str, opaque: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Spans of commas followed only by whitespace and then ``}`` or ``]`` (outside strings and opaque ranges)."""
    ranges = _clean_ranges(opaque, len(text))
    out: list[tuple[int, int]] = []
    in_str = False
    i, n, k = 0, len(text), 0
    while i < n:
        if k < len(ranges) and ranges[k][0] == i:
            i, k = ranges[k][1], k + 1
            continue
        while k < len(ranges) and ranges[k][0] < i:
            k += 1
        ch = text[i]
        if in_str:
            if ch == "\\":
                i += 1
            elif ch == '"' or ch in "\n\r":  # a raw newline ends a broken string: resynchronise
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch == ",":
            j = _WS_RE.match(text, i + 1).end()  # type: ignore[union-attr]
            if j < n and text[j] in "}]":
                out.append((i, i + 1))
        i += 1
    return out


def remove_spans(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """text without the given (sorted, non-overlapping) spans, e.g. those of strip_trailing_commas."""
    parts, last = [], 0
    for a, b in spans:
        parts.append(text[last:a])
        last = b
    parts.append(text[last:])
    return "".join(parts)
