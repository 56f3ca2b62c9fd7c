"""Mappings made with a ready lookup table (by the load; YMap.keyed: deep merges, `without`,
resolved `<<` and `!reference` values) look up exactly as the same entries would when the table is
built on first use: duplicate keys, keys that are not scalars, merge keys."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from authlint.gitlab.resolve import Resolver
from authlint.gitlab.values import Merger, entries, without
from authlint.source import Source
from authlint.yaml.model import YMap, YSeq, YValue, load


def _load(text: str) -> YMap:
    root = load(Source.from_bytes("t.yml", text.encode())).root
    assert isinstance(root, YMap)
    return root


def _same_as_built(value: YValue, seen: set[int] | None = None) -> None:
    """value's mappings, deep, hold the table their entries would give when built on first use."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, YMap):
        table = value._lookup
        if not value.merges:
            built = YMap(value.source, value.start, value.end, value.tag, list(value.entries))._lookup
            assert list(table.items()) == list(built.items())
            assert all(a is b for a, b in zip(table.values(), built.values()))
        for _, child in table.values():
            _same_as_built(child, seen)
    elif isinstance(value, YSeq):
        for item in value.items:
            _same_as_built(item, seen)


def _shape(value: YValue) -> object:
    """value's mappings as (name, key node, shape) lists; other values as themselves."""
    if isinstance(value, YMap):
        return [(name, id(key), _shape(child)) for name, key, child in entries(value)]
    return id(value)


def _deep_merge(a: object, b: YValue) -> object:
    """Merger.merge's result as _shape gives it, by the rule (tables built on first use)."""
    if not (isinstance(a, list) and isinstance(b, YMap)):
        return _shape(b)
    table = {name: (key, child) for name, key, child in a}
    for name, key, child in entries(b):
        old = table.get(name)
        table[name] = (id(key), _deep_merge(old[1], child) if old else _shape(child))
    return [(name, key, child) for name, (key, child) in table.items()]


_KEYS = st.sampled_from(["a", "b", "c", "<<: *x", "<<: [*y, *x]", "[k]", "{k: v}"])


@st.composite
def _mapping(draw: st.DrawFn, depth: int = 0) -> str:
    """A flow mapping of drawn keys (repeats, merges, collections as keys) and values."""
    parts = []
    for key in draw(st.lists(_KEYS, max_size=5)):
        if key.startswith("<<"):
            parts.append(key)
        else:
            value = draw(_mapping(depth + 1)) if depth < 2 and draw(st.booleans()) else draw(st.sampled_from(["1", "2", "!reference [x, a]"]))
            parts.append(f"{key}: {value}")
    return "{" + ", ".join(parts) + "}"


@settings(max_examples=300, deadline=None)
@given(st.lists(_mapping(), min_size=2, max_size=4), st.sampled_from(["a", "b", "<<"]))
def test_merged_and_resolved_tables_as_built(maps: list[str], dropped: str) -> None:
    text = "x: &x {a: 0, c: {a: 0}}\ny: &y {b: 0, c: {b: 0}}\n" + "".join(f"m{i}: {m}\n" for i, m in enumerate(maps))
    root = _load(text)
    _same_as_built(root)  # tables the load made
    values = [root.get(f"m{i}") for i in range(len(maps))]
    merged = Merger().merge_all(values)
    assert merged is not None
    _same_as_built(merged)
    expected: object = None
    for value in values:
        expected = _deep_merge(expected, value)
    assert _shape(merged) == expected
    assert isinstance(values[0], YMap)
    _same_as_built(without(values[0], dropped))
    resolver = Resolver(root._lookup, lambda problem: None, lambda node: "t.yml", Merger())
    for value in values:
        _same_as_built(resolver.resolve(value)[0])  # type: ignore[arg-type]


def test_keyed_takes_the_table() -> None:
    root = _load("a: 1\nb: 2\n")
    table = dict(root._lookup)
    keyed = YMap.keyed(root, table)
    assert keyed._lookup is table and keyed.entries == list(table.values()) and not keyed.merges
    assert (keyed.source, keyed.start, keyed.end) == (root.source, root.start, root.end)
