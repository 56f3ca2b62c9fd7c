"""YAML documents as position-carrying values.

``load(source)`` builds every document's ``YMap`` / ``YSeq`` / ``YScalar`` values
straight from libyaml's events (through PyYAML, see libyaml.py); what libyaml
rejects, and the error of an invalid file, come from ruamel's pure-Python
composer, the reference, whose node graph is converted.  Aliases share the anchored value (a DAG, so an
alias bomb costs nothing until someone walks it: walkers must use ``walk``,
which visits each value once).  Merge keys (``<<``, several per mapping as
GitLab allows) are applied with the mapping's own keys winning.  Custom tags
such as ``!reference`` are kept on the value.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterator, Union

from ..diagnostics import Span
from ..source import Source
from . import libyaml, scalars

MERGE_TAG = "tag:yaml.org,2002:merge"
NULL_TAG = "tag:yaml.org,2002:null"
STR_TAG = "tag:yaml.org,2002:str"
SEQ_TAG = "tag:yaml.org,2002:seq"
MAP_TAG = "tag:yaml.org,2002:map"
MAX_DEPTH = 500
C_SAFE_DEPTH = 5000  # libyaml's composer recurses in C; 10,000 levels are measured safe


class YamlError(Exception):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def _tag(node) -> str:
    tag = node.tag
    return tag if type(tag) is str else getattr(tag, "value", None) or str(tag or "")  # libyaml's, ruamel's Tag


class _once:
    """functools.cached_property without its lock (Python 3.11 takes one at each first read:
    a cost on every mapping looked up)."""

    def __init__(self, fn: Any) -> None:
        self.fn, self.name = fn, fn.__name__

    def __get__(self, obj: Any, cls: Any = None) -> Any:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.fn(obj)
        return value


@dataclass(eq=False)
class YNode:
    """A YAML node: its file, offsets and tag."""

    source: Source
    start: int
    end: int
    tag: str

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)

    @property
    def custom_tag(self) -> str | None:
        return self.tag if self.tag.startswith("!") else None


@dataclass(eq=False)
class YScalar(YNode):
    """A YAML scalar: its value, style, and a map from value offsets to the file."""

    value: str = ""
    style: str = scalars.PLAIN

    @_once
    def text(self) -> scalars.ScalarText:
        return scalars.build(self.source.text, self.start, self.end, self.style, self.value)

    @property
    def is_null(self) -> bool:
        return self.tag == NULL_TAG or (self.style == scalars.PLAIN and self.value in ("", "~", "null", "Null", "NULL"))

    @property
    def is_string(self) -> bool:
        return self.style != scalars.PLAIN or self.tag == STR_TAG

    def __repr__(self) -> str:
        return f"YScalar({self.value!r} @{self.source.path}:{self.start})"


@dataclass(eq=False)
class YSeq(YNode):
    """A YAML sequence."""

    items: list["YValue"] = field(default_factory=list)
    flow: bool = False

    def __repr__(self) -> str:
        return f"YSeq({len(self.items)} items @{self.source.path}:{self.start})"


@dataclass(eq=False)
class YMap(YNode):
    """A YAML mapping: own entries, merged mappings, and GitLab's order for resolving them."""

    # Own entries in file order, merge keys excluded; duplicates kept.
    entries: list[tuple[YScalar | YNode, "YValue"]] = field(default_factory=list)
    # Mappings merged in with `<<`, in the order their keys appear.
    merges: list["YMap"] = field(default_factory=list)
    flow: bool = False
    # Entry indexes and merge groups in file order: GitLab's YAML parser (Psych)
    # applies a `<<` where it stands, so it overrides keys above it and is
    # overridden by keys below it; within one `<<: [a, b]` list, `a` wins.
    # Empty for a mapping without a `<<` key (most: its entries in order).
    order: list[tuple[str, int]] = field(default_factory=list)

    @classmethod
    def keyed(cls, like: YNode, table: dict[str, tuple[YNode, "YValue"]]) -> "YMap":
        """A mapping without `<<` of table's (key node, value) entries, in its order, with like's
        source and span; table becomes its lookup table (so it must not change after), and
        must be one: each key node a YScalar whose value is its name, as another's _lookup is."""
        ymap = cls(like.source, like.start, like.end, MAP_TAG, list(table.values()))
        ymap.__dict__["_lookup"] = table
        return ymap

    @_once
    def _lookup(self) -> dict[str, tuple[YNode, "YValue"]]:
        if not self.merges:  # most maps: own entries in order, unless a key is not a scalar or comes twice
            table = {entry[0].value: entry for entry in self.entries if isinstance(entry[0], YScalar)}  # type: ignore[union-attr]
            if len(table) == len(self.entries):
                return table
        # Merged maps first, deepest first, without recursion (merge chains can be long).
        stack: list[tuple[YMap, bool]] = [(m, False) for m in self.merges]
        while stack:
            ymap, ready = stack.pop()
            if "_lookup" in ymap.__dict__:
                continue
            if ready:
                ymap.__dict__["_lookup"] = ymap._table()
                continue
            stack.append((ymap, True))
            stack.extend((m, False) for m in ymap.merges)
        return self._table()

    def _table(self) -> dict[str, tuple[YNode, "YValue"]]:
        table: dict[str, tuple[YNode, YValue]] = {}
        groups = self._merge_groups()
        order = self.order or [("merge", i) for i in range(len(groups))] + [
            ("entry", i) for i in range(len(self.entries))
        ]
        for kind, index in order:
            if kind == "entry":
                entry = self.entries[index]
                key = entry[0]
                if isinstance(key, YScalar):
                    table.pop(key.value, None)  # keep insertion order = last definition
                    table[key.value] = entry
            else:
                merged: dict[str, tuple[YNode, YValue]] = {}
                for source in reversed(groups[index]):
                    merged.update(source._lookup)
                table.update(merged)
        return table

    def _merge_groups(self) -> list[list["YMap"]]:
        return self.__dict__.get("_groups", [[m] for m in self.merges])

    def get(self, key: str, default=None) -> "YValue | None":
        hit = self._lookup.get(key)
        return hit[1] if hit else default

    def key_node(self, key: str) -> YNode | None:
        hit = self._lookup.get(key)
        return hit[0] if hit else None

    def __contains__(self, key: str) -> bool:
        return key in self._lookup

    def keys(self) -> list[str]:
        return list(self._lookup)

    def items(self) -> list[tuple[str, "YValue"]]:
        return [(k, v) for k, (_, v) in self._lookup.items()]

    def key_items(self) -> list[tuple[YNode, "YValue"]]:
        return list(self._lookup.values())

    def __repr__(self) -> str:
        return f"YMap({list(self._lookup)[:6]} @{self.source.path}:{self.start})"


YValue = Union[YScalar, YSeq, YMap]


@dataclass(eq=False)
class YamlFile:
    """A parsed YAML file: its documents, and the parser that composed them."""

    source: Source
    documents: list[YValue]
    parser: str  # 'c' or 'pure'
    # Where each alias is (its mapping key's offset, or its list's) and the value it names.
    aliases: list[tuple[int, YValue]] = field(default_factory=list)
    # Known to hold no `!reference` list and no `<<` merge key: every value is its own resolution.
    plain: bool = False
    # Every scalar whose value holds a `{`, in the order scalars_in meets them (when known).
    braced: list[YScalar] | None = None
    # The collections with no `<<` key and no `!reference` list at any depth, aliased values
    # included (when known): each is its own resolution.
    clean: set[YSeq | YMap] | None = None

    @property
    def root(self) -> YValue | None:
        """The pipeline document: the last one (a component's `spec:` header comes first)."""
        return self.documents[-1] if self.documents else None


def load(source: Source) -> YamlFile:
    """Compose source into values; raise YamlError with the parser's offset."""
    text = source.text
    limit = sys.getrecursionlimit()
    try:
        try:
            return _from_events(source)
        except libyaml.Rejected:
            sys.setrecursionlimit(max(limit, 5 * MAX_DEPTH + 500))  # the reference composer recurses
            # The reference parser, also for a file libyaml calls invalid: libyaml rejects YAML
            # that ruamel accepts (duplicate anchors, which GitLab allows; a document after `...`
            # without `---`), so its error cannot end the parse; and its messages and positions
            # differ from the reference's ("did not find expected key" at the next token, for
            # "expected <block end>, but found ..."), which AL001 reports.  The failed libyaml
            # attempt costs ~1/16 of this parse.
            docs = [d for d in _reference().compose_all(text) if d is not None]
    except YamlError:
        raise
    except RecursionError:
        raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", 0) from None
    except Exception as exc:  # ruamel's MarkedYAMLError, ReaderError and friends
        raise _as_yaml_error(exc, text) from None
    finally:
        sys.setrecursionlimit(limit)
    converter = _Converter(source)
    return YamlFile(source, [converter.convert(d) for d in docs], "pure", converter.aliases)


_NO_KEY: Any = object()  # a mapping's next event is a key


def _from_events(source: Source) -> YamlFile:
    """_tuple_model, with PyYAML's C parser giving event tuples meanwhile."""
    with libyaml.tuple_events():
        return _tuple_model(source)


def _tuple_model(source: Source) -> YamlFile:
    """The documents built straight from libyaml's events: one object per node, the same
    values as _Converter makes of libyaml's composed nodes (no node graph, no marks kept).
    Raises libyaml.Rejected where libyaml's composer fails, and YamlError where _Converter
    would (the first problem in file order, once the whole stream parsed), or, when the text
    could nest deeper than libyaml's composer safely goes (_depth_guard), at a collection
    nested deeper than MAX_DEPTH as soon as it starts, as the guard's streaming did."""
    events = libyaml.parser(source.text)
    SCALAR, SEQUENCE, MAPPING, END, ALIAS, DOCUMENT_END, STREAM_END = (
        libyaml.SCALAR, libyaml.SEQUENCE, libyaml.MAPPING, libyaml.END, libyaml.ALIAS, libyaml.DOCUMENT_END, libyaml.STREAM_END)
    styles, plain = scalars.STYLES, scalars.PLAIN
    new_scalar, merge_tag, no_key, max_depth = YScalar, MERGE_TAG, _NO_KEY, MAX_DEPTH
    docs: list[YValue] = []
    aliases: list[tuple[int, YValue]] = []
    anchors: dict[str, YValue] = {}
    braced: list[YScalar] = []  # file order: walk order too, while walk_ordered (aliases follow anchors)
    clean: set[YSeq | YMap] = set()  # every collection, less the soiled ones at the end
    soiled: set[YSeq | YMap] = set()  # the collections holding a `<<` or a `!reference`, open ones too
    ended = clean.add
    # The open collection: node, its items (a YSeq's) or entries, order, merge groups and lookup table (a
    # YMap's), and the key awaiting its value (no_key: the next node is a key); the enclosing
    # ones' on the stack.  At the top: no node, no items, and no_key.
    node: Any = None
    items = entries = order = groups = table = None
    key: Any = no_key
    stack: list[tuple[Any, ...]] = []
    deep = False  # some collection is MAX_DEPTH deep: nodes may be nested too deeply
    problem: YamlError | None = None  # the first error _Converter would raise
    rejected: str | None = None  # why libyaml's composer would fail
    no_refs = True  # no `!reference` list, no `<<` key
    walk_ordered = True  # walk meets the scalars in file order: no `<<` key, or each merges an alias
    get = events.get_event
    try:
        while True:
            ev = get()
            kind = ev[0]
            if kind == SCALAR:
                _, value, tag, start, end, style, anchor = ev
                child = new_scalar(source, start, end, tag, value, styles.get(style, plain))
                if "{" in value:
                    braced.append(child)
                if anchor is not None:
                    rejected = rejected or _anchor(anchors, anchor, child)
                if deep and len(stack) > max_depth and problem is None:
                    problem = YamlError(f"nesting deeper than {max_depth} levels", start)
            elif kind == END:
                child = node
                child.end = ev[1]
                ended(child)
                if items is None and len(table) == len(entries) and not child.merges:  # type: ignore[arg-type]
                    child.__dict__["_lookup"] = table  # _lookup's own (nearly every mapping is looked up: cheaper here)
                node, items, entries, order, groups, table, key = stack.pop()
            elif kind <= MAPPING:  # a collection starts
                _, tag, start, flow, anchor = ev
                if len(stack) >= max_depth:
                    deep = True
                    if _depth_guard(source.text) is not None:
                        raise YamlError(f"nesting deeper than {max_depth} levels", start)
                    if len(stack) > max_depth and problem is None:
                        problem = YamlError(f"nesting deeper than {max_depth} levels", start)
                stack.append((node, items, entries, order, groups, table, key))
                key = no_key
                if kind == SEQUENCE:
                    node = YSeq(source, start, start, tag if tag is not None and tag != "!" else SEQ_TAG, [], bool(flow))
                    items = node.items
                    if tag == "!reference":
                        no_refs = False
                        _soil(node, stack, soiled)
                else:
                    node = YMap(source, start, start, tag if tag is not None and tag != "!" else MAP_TAG, [], [],
                                bool(flow), [])  # positional: the factories and keywords cost a third
                    node.__dict__["_groups"] = groups = []
                    items, entries, order, table = None, node.entries, node.order, {}
                if anchor is not None:
                    rejected = rejected or _anchor(anchors, anchor, node)
                continue
            elif kind == ALIAS:
                child = anchors.get(ev[1])
                if child is None:
                    rejected = rejected or "found undefined alias"
                    child = new_scalar(source, 0, 0, NULL_TAG, "")
                elif child is node or any(frame[0] is child for frame in stack):
                    if problem is None:
                        problem = YamlError("recursive alias: a collection contains itself", child.start)
                elif node is not None:  # where the alias is: its list, or its mapping key
                    aliases.append((node.start if items is not None else child.start if key is no_key else key.start, child))
                    if child in soiled:
                        _soil(node, stack, soiled)
            elif kind == DOCUMENT_END:
                anchors = {}
                continue
            elif kind == STREAM_END:
                break
            else:
                continue  # stream and document starts
            if items is not None:
                items.append(child)
            elif key is no_key:
                if node is None:
                    docs.append(child)
                else:
                    key = child
            else:
                if key.tag == merge_tag:
                    no_refs = False
                    _soil(node, stack, soiled)
                    merged = child.items if isinstance(child, YSeq) else [child]
                    # Aliases merged (values earlier in the file) leave the walk in file order; a
                    # value written after `<<`, or a key the walk skips holding a `{`, does not.
                    walk_ordered = (walk_ordered and type(key) is YScalar and "{" not in key.value
                                    and all(m.start < key.start for m in merged))
                    group = [m for m in merged if isinstance(m, YMap)]
                    node.merges.extend(group)
                    groups.append(group)  # type: ignore[union-attr]
                    _merge_order(order, len(entries), len(groups) - 1)  # type: ignore[arg-type]
                else:
                    if order:
                        order.append(("entry", len(entries)))
                    entry = (key, child)
                    entries.append(entry)  # type: ignore[union-attr]
                    if type(key) is new_scalar:
                        table[key.value] = entry  # type: ignore[index]
                key = no_key
    except (libyaml.yaml_error(), UnicodeError) as exc:  # UnicodeEncodeError: a lone surrogate
        raise libyaml.Rejected(str(exc)) from None
    finally:
        events.dispose()
    if rejected is not None:
        raise libyaml.Rejected(rejected)
    if problem is not None:
        raise problem
    return YamlFile(source, docs, "c", aliases, no_refs, braced if walk_ordered else None, clean - soiled if soiled else clean)


def _merge_order(order: list[tuple[str, int]], entries: int, group: int) -> None:
    """Adds merge group `group` to a mapping's order, after its `entries` entries so far
    (an order is kept from a mapping's first `<<` key on)."""
    if not order:
        order.extend(("entry", i) for i in range(entries))
    order.append(("merge", group))


def _soil(node: YSeq | YMap, stack: list[tuple[Any, ...]], soiled: set[YSeq | YMap]) -> None:
    """Mark the open collection node, and those around it, as holding a `<<` or a `!reference`
    (up to the first one marked already: those around it are too)."""
    if node in soiled:
        return
    soiled.add(node)
    for frame in reversed(stack):
        held = frame[0]
        if held is None or held in soiled:
            return
        soiled.add(held)


def _anchor(anchors: dict[str, YValue], name: str, node: YValue) -> str | None:
    """Names node; why libyaml's composer refuses the name, if it does."""
    again = name in anchors
    anchors[name] = node
    return "found duplicate anchor" if again else None


def _too_deep(depth: int, offset: int) -> None:
    if depth > MAX_DEPTH:
        raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", offset)


def _depth_guard(text: str):
    """_too_deep when the text could nest deeper than libyaml's composer (it recurses in C:
    30,000 levels crash the process) safely goes, else None.  Nesting is at most the
    number of flow openers plus twice the longest line (block collections nest by
    indentation or by compact `- - x` entries)."""
    flow = text.count("[") + text.count("{")
    if flow + 2 * len(text) <= C_SAFE_DEPTH:  # no line is longer than the text: most files stop here
        return None
    bound = flow + 2 * max(map(len, text.split("\n")))
    return _too_deep if bound > C_SAFE_DEPTH else None


@lru_cache(maxsize=1)
def _bounded_composer() -> type:
    from ruamel.yaml.composer import Composer

    class BoundedComposer(Composer):
        """Stops at MAX_DEPTH nested collections: the pure composer recurses in Python."""

        level = 0

        def __init__(self, loader=None):  # type: ignore[no-untyped-def]
            super().__init__(loader)
            self.warn_double_anchors = False  # GitLab allows them: no warning on stderr

        def compose_sequence_node(self, anchor):  # type: ignore[no-untyped-def]
            self._enter()
            try:
                return Composer.compose_sequence_node(self, anchor)
            finally:
                self.level -= 1

        def compose_mapping_node(self, anchor):  # type: ignore[no-untyped-def]
            self._enter()
            try:
                return Composer.compose_mapping_node(self, anchor)
            finally:
                self.level -= 1

        def _enter(self) -> None:
            self.level += 1
            _too_deep(self.level, self.parser.peek_event().start_mark.index)

    return BoundedComposer


def _reference():
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.Composer = _bounded_composer()
    return yaml


def _as_yaml_error(exc: Exception, text: str) -> YamlError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    message = f"{context}: {problem}" if context and problem else (problem or "invalid YAML")
    offset = mark.index if mark is not None else getattr(exc, "position", 0)  # ReaderError: no mark
    return YamlError(str(message).strip(), max(0, min(offset, len(text))))


class _Converter:
    """ruamel nodes -> Y values, memoised so aliases share one value."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.done: dict[int, YValue] = {}
        self.aliases: list[tuple[int, YValue]] = []

    def convert(self, root) -> YValue:
        # Iterative post-order: deep documents must not hit Python's recursion limit.
        # Scalars are built inline (most nodes are scalars: no call per node).
        done, aliases, source = self.done, self.aliases, self.source
        styles, plain = scalars.STYLES, scalars.PLAIN
        stack = [(root, False, 0, root.start_mark.index)]
        building: set[int] = set()  # collections whose items are being converted
        while stack:
            node, expanded, depth, site = stack.pop()
            key = id(node)
            if expanded:
                building.discard(key)
                done[key] = self._collection(node)
                continue
            if key in done:  # met again: an alias
                aliases.append((site, done[key]))
                continue
            if key in building:
                raise YamlError("recursive alias: a collection contains itself", node.start_mark.index)
            if depth > MAX_DEPTH:
                raise YamlError(f"nesting deeper than {MAX_DEPTH} levels", node.start_mark.index)
            items = node.value
            if node.id == "scalar":
                tag = node.tag
                if type(tag) is not str:
                    tag = _tag(node)
                done[key] = YScalar(source, node.start_mark.index, node.end_mark.index, tag, items,
                                    styles.get(node.style, plain))
                continue
            if not items:  # an empty collection
                done[key] = self._collection(node)
                continue
            building.add(key)
            stack.append((node, True, depth, site))
            # In file order, so an alias meets its anchor already built: depth stays the
            # syntactic nesting, however long a chain of aliases.  An alias is where its
            # mapping key is, or its list.
            depth += 1
            if node.id == "mapping":
                for k, v in reversed(items):
                    at = k.start_mark.index
                    for c in (v, k):
                        if id(c) in done:
                            aliases.append((at, done[id(c)]))
                        else:
                            stack.append((c, False, depth, at))
            else:
                at = node.start_mark.index
                for c in reversed(items):
                    if id(c) in done:
                        aliases.append((at, done[id(c)]))
                    else:
                        stack.append((c, False, depth, at))
        return done[id(root)]

    def _collection(self, node) -> YValue:
        done, tag = self.done, node.tag
        if type(tag) is not str:
            tag = _tag(node)
        start, end, flow = node.start_mark.index, node.end_mark.index, bool(node.flow_style)
        if node.id == "sequence":
            return YSeq(self.source, start, end, tag, [done[id(c)] for c in node.value], flow)
        ymap = YMap(self.source, start, end, tag, flow=flow)
        groups: list[list[YMap]] = []
        entries, order, merges = ymap.entries, ymap.order, ymap.merges
        for knode, vnode in node.value:
            key, value = done[id(knode)], done[id(vnode)]
            if key.tag == MERGE_TAG:
                sources = value.items if isinstance(value, YSeq) else [value]
                group = [m for m in sources if isinstance(m, YMap)]
                merges.extend(group)
                groups.append(group)
                _merge_order(order, len(entries), len(groups) - 1)
            else:
                if order:
                    order.append(("entry", len(entries)))
                entries.append((key, value))
        ymap.__dict__["_groups"] = groups
        return ymap


def walk(value: YValue) -> Iterator[YValue]:
    """Every value reachable from value, each once (safe against alias bombs)."""
    seen: set[YValue] = set()  # values hash by identity (eq=False)
    mark = seen.add
    stack = [value]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        v = pop()
        if v in seen:
            continue
        mark(v)
        yield v
        if isinstance(v, YSeq):
            extend(reversed(v.items))
        elif isinstance(v, YMap):
            extend(reversed(v.merges))
            for k, item in reversed(v.entries):
                push(item)
                push(k)


def scalars_in(value: YValue) -> Iterator[YScalar]:
    for v in walk(value):
        if isinstance(v, YScalar):
            yield v
