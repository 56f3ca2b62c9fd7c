"""Small operations on YAML values: entries, synthetic containers, deep merge, scalar types.

Synthetic containers borrow the source and span of the value that shaped them
(the overriding mapping), while their leaves stay the original scalars.
Every walk here is depth-limited and memoised by identity: aliases make the
values a DAG, and an alias bomb must not explode.
"""

from __future__ import annotations


from ..diagnostics import Span
from ..lazy import lazy_compile
from ..yaml import scalars
from ..yaml.model import STR_TAG, YMap, YNode, YScalar, YSeq, YValue

REFERENCE_TAG = "!reference"
# Deeper than any real CI config; past it, values are taken as they are.
MAX_DEPTH = 64

Entry = tuple[str, YNode, YValue]
# A missing key's (key node, value) entry: `m._lookup.get(name, NO_ENTRY)[1]` is YMap.get without a
# Python call (for the keys asked of every job).
NO_ENTRY: tuple[None, None] = (None, None)


def entries(m: YMap) -> list[Entry]:
    """(name, key node, value) of a mapping after merge keys, last definition winning."""
    return [(name, key, value) for name, (key, value) in m._lookup.items()]


def synth_map(like: YNode, items: list[tuple[YNode, YValue]]) -> YMap:
    return YMap(like.source, like.start, like.end, "tag:yaml.org,2002:map", entries=list(items))


def synth_seq(like: YNode, items: list[YValue]) -> YSeq:
    return YSeq(like.source, like.start, like.end, "tag:yaml.org,2002:seq", list(items))


def span_of(node: YNode) -> Span:
    """A node's span without the line breaks a block node ends with."""
    text, end = node.source.text, node.end
    while end > node.start and text[end - 1] in " \t\r\n":
        end -= 1
    return Span(node.start, end)


def is_reference(value: object) -> bool:
    return isinstance(value, YSeq) and value.tag == REFERENCE_TAG


def is_null(value: object) -> bool:
    return value is None or (isinstance(value, YScalar) and value.is_null and not value.custom_tag)


class Merger:
    """GitLab's deep merge (Ruby Hash#deep_merge): mappings merge key by key,
    everything else (lists, scalars, null, !reference) is replaced."""

    def __init__(self) -> None:
        self._memo: dict[tuple[int, int], tuple[YValue, YValue, YValue]] = {}

    def merge(self, a: YValue | None, b: YValue, depth: int = 0) -> YValue:
        if a is None or a is b or not (isinstance(a, YMap) and isinstance(b, YMap)) or depth > MAX_DEPTH:
            return b
        hit = self._memo.get((id(a), id(b)))
        if hit is not None:
            return hit[2]
        table = dict(a._lookup)
        for name, entry in b._lookup.items():
            old = table.get(name)
            table[name] = (entry[0], self.merge(old[1], entry[1], depth + 1)) if old else entry
        merged = YMap.keyed(b, table)
        self._memo[(id(a), id(b))] = (a, b, merged)  # keep a and b alive: ids must stay unique
        return merged

    def merge_all(self, values: list[YValue]) -> YValue | None:
        out: YValue | None = None
        for v in values:
            out = self.merge(out, v)
        return out


def without(m: YMap, *names: str) -> YMap:
    """A synthetic copy of m without some keys (m itself when it has none of them)."""
    table = m._lookup
    if not any(name in table for name in names):
        return m
    return YMap.keyed(m, {name: entry for name, entry in table.items() if name not in names})


# YAML 1.1 plain-scalar types, as GitLab's parser (Ruby Psych) resolves them.
_BOOL = lazy_compile(r"(?i:yes|no|true|false|on|off)")
_INT = lazy_compile(r"[-+]?(?:0|[1-9][0-9_,]*|0[0-7_]+|0x[0-9a-fA-F_]+|0b[01_]+|[1-9][0-9_]*(?::[0-5]?[0-9])+)")
_FLOAT = lazy_compile(
    r"[-+]?(?:[0-9][0-9_,]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_,]*[eE][-+]?[0-9]+"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)


def scalar_kind(s: YScalar) -> str:
    """'str', 'null', 'bool', 'int' or 'float' as GitLab would load the scalar."""
    if s.style != scalars.PLAIN or s.tag == STR_TAG:
        return "str"
    if s.tag.startswith("!") and s.tag != "!":
        return "str"  # custom tags: GitLab rejects most; the text is what matters here
    v = s.value
    if v in ("", "~", "null", "Null", "NULL"):
        return "null"
    if _BOOL.fullmatch(v):
        return "bool"
    if _INT.fullmatch(v):
        return "int"
    if v != "." and _FLOAT.fullmatch(v):
        return "float"
    return "str"


def is_string(value: object) -> bool:
    # (scalar_kind's first test inline: most strings are quoted or tagged str by the loader)
    return isinstance(value, YScalar) and (value.style != scalars.PLAIN or value.tag == STR_TAG or scalar_kind(value) == "str")


def is_false(value: object) -> bool:
    return isinstance(value, YScalar) and scalar_kind(value) == "bool" and value.value.lower() in ("false", "no", "off")


def strings(value: YValue | None) -> list[YScalar] | None:
    """A string or a list of strings as scalars; None for any other shape."""
    if isinstance(value, YScalar) and is_string(value):
        return [value]
    if isinstance(value, YSeq) and not is_reference(value) and all(is_string(v) for v in value.items):
        return list(value.items)  # type: ignore[arg-type]
    return None
