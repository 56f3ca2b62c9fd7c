"""Loading a YAML file again after an edit: only the top-level entries the edit touched.

The editor loads its pipeline on every change, and most changes touch one job.  A
block mapping at column 0 parses entry by entry: an entry's nodes depend on its own
text, on the key at column 0 (or the end of the stream) that ends it, and on the
anchors defined above it.  So ``reload(old, source)`` composes just the touched
entries (at their offsets, after a prelude of comment lines that defines the anchors
their aliases name, bound to the nodes already built), and moves the nodes of the
other entries to the new text (their offsets shift by the edit's length, their
source is the new one).  It gives up (None: load the whole file) whenever that could
differ from a load from scratch:

* the old file came from the reference parser, or its pipeline document is not a
  block mapping whose keys start at column 0, or uses `<<` at the top, or a `%`
  directive sits in its header;
* the edit touches the header (the text before the first entry: comments, other
  documents) or the touched text holds a document marker or defines an anchor;
* an alias outside the touched entries names a node inside them;
* the touched text does not compose as entries whose first key starts where the
  old first touched entry did, or names an anchor no entry above defines.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any

from ..source import Source
from . import libyaml
from .model import YamlFile, YMap, YScalar, YSeq, YValue, _Converter, _depth_guard, _tag

_MARKER = re.compile(r"^(?:---|\.\.\.)(?:[ \t\r\n]|$)", re.MULTILINE)
_DIRECTIVE = re.compile(r"^%", re.MULTILINE)
_PLACEHOLDER = "__authlint_anchor_{}__"
_FILL = 80  # characters per line of the prelude's comment filler


class Shift:
    """Where old offsets of one file are in its new text: the texts differ in old[p:len-s]."""

    def __init__(self, old: str, new: str) -> None:
        self.delta = len(new) - len(old)
        self.old_len = len(old)
        if old == new:
            self.p = self.s = len(old)
            self.lines_moved = False
            return
        self.p = _common_prefix(old, new)
        self.s = _common_suffix(old, new, min(len(old), len(new)) - self.p)
        self.lines_moved = old.count("\n", self.p, len(old) - self.s) != new.count("\n", self.p, len(new) - self.s)

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        """The new position of old text [start, end) that the change did not touch, else None."""
        if self.delta == 0 and self.p == self.old_len:
            return start, end
        tail = self.old_len - self.s
        if start == end:  # a point at the edge of the change is ambiguous
            return (start, end) if start < self.p else (start + self.delta, end + self.delta) if start > tail else None
        if end <= self.p:
            return start, end
        if start >= tail:
            return start + self.delta, end + self.delta
        return None

    def after(self, start: int) -> bool:
        return start >= self.old_len - self.s and self.p < self.old_len


def _common_prefix(a: str, b: str) -> int:
    lo, hi = 0, min(len(a), len(b))  # a[:lo] == b[:lo]; find the largest such lo
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _common_suffix(a: str, b: str, limit: int) -> int:
    lo, hi = 0, limit
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[len(a) - mid : len(a) - lo] == b[len(b) - mid : len(b) - lo]:
            lo = mid
        else:
            hi = mid - 1
    return lo


@dataclass(eq=False)
class Moved:
    """How a reload went: old[a:b] was composed again, the nodes of the rest moved from old to
    new, those from b on by delta characters."""

    old: Source
    new: Source
    a: int
    b: int
    delta: int


def reload(old: YamlFile, source: Source) -> tuple[YamlFile, Moved] | None:
    """old's file loaded again from source's text, reusing what the edit left alone; None
    when that cannot be proven equal to a load from scratch (see the module docstring).
    old's nodes move to the new text: old itself is stale afterwards."""
    root, text, new = old.root, old.source.text, source.text
    if old.parser != "c" or not isinstance(root, YMap) or root.flow or not root.entries or root.order:
        return None  # (a `<<` at the top, even one merging nothing, is in order only)
    starts = [k.start for k, _ in root.entries]
    if any(s > 0 and text[s - 1] != "\n" for s in starts) or _DIRECTIVE.search(text, 0, starts[0]):
        return None
    shift = Shift(text, new)
    if shift.p == len(text) and len(new) == len(text):  # the same text: a new source only
        moved = Moved(old.source, source, len(text), len(text), 0)
        move_built(old.documents, {id(old.source): moved})
        return YamlFile(source, list(old.documents), "c", list(old.aliases)), moved
    lo, hi = shift.p, len(text) - shift.s  # old[lo:hi] became new[lo:hi + delta]
    i = bisect.bisect_right(starts, lo - 1) - 1  # the entry before the change too, when it starts there
    j = bisect.bisect_right(starts, hi) - 1
    if i < 0:
        return None  # the header changed
    a = starts[i]
    b = len(text) if j + 1 == len(starts) else starts[j + 1]  # old[a:b] is recomposed
    if any(a <= t.start < b for site, t in old.aliases if not a <= site < b):
        return None  # an alias elsewhere names a node being replaced
    composed = _compose(new, root.start, a, b + shift.delta, [t for _, t in old.aliases if t.start < a], source)
    if composed is None:
        return None
    entries, aliases, end = composed
    keep, rest = root.entries[:i], root.entries[j + 1 :]
    moved = Moved(old.source, source, a, b, shift.delta)
    move_built([*old.documents[:-1], *(v for kv in keep + rest for v in kv)], {id(old.source): moved})
    ymap = YMap(source, root.start, end if not rest else root.end + shift.delta, root.tag, entries=keep + entries + rest)
    ymap.__dict__["_groups"] = []
    aliases_moved = [(s, t) for s, t in old.aliases if s < a] + aliases + [(s + shift.delta, t) for s, t in old.aliases if s >= b]
    return YamlFile(source, [*old.documents[:-1], ymap], "c", aliases_moved), moved


def _compose(text: str, top: int, a: int, b: int, above: list[YValue], source: Source):
    """The entries of text[a:b] composed at their offsets: ([(key, value)], aliases, the end
    of the mapping), or None; the document starts at top."""
    snippet = text[a:b]
    if _MARKER.search(snippet):
        return None
    names = _alias_names(snippet)
    if names is None:
        return None
    anchors = _anchors(text, top, a, names, above)
    if anchors is None:
        return None
    prelude = "".join(f"{_PLACEHOLDER.format(n)}: &{name} ~\n" for n, name in enumerate(anchors))
    if len(prelude) > a:
        return None
    padded = prelude + _filler(a - len(prelude)) + snippet
    try:
        docs = libyaml.compose_all(padded, _depth_guard(snippet))
    except libyaml.Rejected:
        return None
    if len(docs) != 1 or type(docs[0]).__name__ != "MappingNode" or docs[0].flow_style:
        return None
    node = docs[0]
    items = node.value[len(anchors) :]
    if not items or items[0][0].start_mark.index != a:
        return None
    if any((k.start_mark.index > 0 and padded[k.start_mark.index - 1] != "\n") or _tag(k) == libyaml.MERGE for k, _ in items):
        return None
    converter = _Converter(source)
    for (_, placeholder), target in zip(node.value, anchors.values()):
        converter.done[id(placeholder)] = target
    converted = converter.convert(node)
    assert isinstance(converted, YMap)
    return converted.entries[len(anchors) :], [(s, t) for s, t in converter.aliases if s >= a], node.end_mark.index


def _filler(n: int) -> str:
    """n characters of comment lines."""
    full, rest = divmod(n, _FILL)
    line = "#" + " " * (_FILL - 2) + "\n"
    return line * full + ("" if rest == 0 else "\n" if rest == 1 else "#" + " " * (rest - 2) + "\n")


def _alias_names(snippet: str) -> list[str] | None:
    """The anchors the snippet's aliases name, in order; None when it defines one or does not parse."""
    if "*" not in snippet and "&" not in snippet:
        return []
    try:
        events = libyaml._loader()(snippet)
    except libyaml.Rejected:
        return None
    names: dict[str, None] = {}
    try:
        with libyaml.tuple_events():
            while events.check_event():
                event = events.get_event()
                if event[0] == libyaml.ALIAS:
                    names[event[1]] = None
                elif event[0] in (libyaml.SCALAR, libyaml.SEQUENCE, libyaml.MAPPING) and event[-1] is not None:
                    return None  # an anchor defined here may be what a later alias names
    except (libyaml.Rejected, libyaml.yaml_error(), UnicodeError):
        return None
    finally:
        events.dispose()
    return list(names)


def _anchors(text: str, top: int, a: int, names: list[str], above: list[YValue]) -> dict[str, YValue] | None:
    """name -> the node the last `&name` in text[top:a] (the document above offset a) anchors,
    for each name; None when that `&name` is not provably an anchor whose node is known (some
    alias named it in the last load), or is missing."""
    out: dict[str, YValue] = {}
    targets = {t.start: t for t in above}  # an anchored node starts at its `&`
    for name in names:
        at, token = a, "&" + name
        while True:
            at = text.rfind(token, top, at)
            if at < 0:
                return None
            after = at + len(token)
            if after == len(text) or text[after] in " \t\r\n,[]{}":
                break
        target = targets.get(at)
        if target is None:
            return None
        out[name] = target
    return out


def move_built(values: list[Any], moves: dict[int, Moved]) -> None:
    """values and what they hold moved as their files' reloads move them (moves: keyed by
    id(Moved.old)): on the new source, offsets from b on shifted by delta.  Also for what was
    built of a file's nodes (a job's synthetic containers borrow the position of a node they were
    made from).  A node on a new source already was moved (or is new): not walked again."""
    stack = [v for v in values if id(v.source) in moves]
    while stack:
        v = stack.pop()
        moved = moves.get(id(v.source))
        if moved is None or moved.old is not v.source:
            continue  # met twice: moved already
        v.source = moved.new
        if v.start >= moved.b:
            v.start += moved.delta
            v.end += moved.delta
        t = type(v)
        if t is YScalar:
            v.__dict__.pop("text", None)  # its value-to-file map
        elif t is YSeq:
            stack += [i for i in v.items if id(i.source) in moves]
        elif t is YMap:
            stack += [m for m in v.merges if id(m.source) in moves]
            stack += [x for kv in v.entries for x in kv if id(x.source) in moves]
