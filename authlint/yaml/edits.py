"""Text-level edits on YAML structure: where a mapping entry lives as whole
lines, so a fix can delete it without re-serialising anything."""

from __future__ import annotations

from ..diagnostics import Span
from ..source import Source
from .model import YamlFile, YMap, YNode, walk


def owner(yf: YamlFile, key: YNode) -> tuple[YMap, int] | None:
    """The mapping holding key among its own entries, and the entry index."""
    for doc in yf.documents:
        for v in walk(doc):
            if isinstance(v, YMap):
                for i, (k, _) in enumerate(v.entries):
                    if k is key:
                        return v, i
    return None


def parent_entry(yf: YamlFile, child: YMap) -> tuple[YMap, int] | None:
    for doc in yf.documents:
        for v in walk(doc):
            if isinstance(v, YMap):
                for i, (_, value) in enumerate(v.entries):
                    if value is child:
                        return v, i
    return None


def last_line(source: Source, start: int, end: int) -> int | None:
    """The 0-based line of a node's last character, or None when something other than a
    comment follows it there. Node ends may lie at the next token (block collections) or
    the next line (block scalars): step back over whitespace first."""
    text, index = source.text, source.index
    while end > start and text[end - 1] in " \t\r\n":
        end -= 1
    last = index.line_of(max(start, end - 1))
    rest = text[end : index.line_end(last)].strip()
    return None if rest and not rest.startswith("#") else last


def entry_lines(source: Source, key: YNode, value: YNode) -> Span | None:
    """The whole lines of a block-mapping entry (key line to the end of its value),
    or None when the entry shares a line with something else."""
    text, index = source.text, source.index
    line0 = index.line_of(key.start)
    start = index.line_starts[line0]
    if text[start : key.start].strip():
        return None  # something before the key on its line (flow style, `- key:`)
    last = last_line(source, value.start, value.end)
    if last is None:
        return None
    nl = index.line_starts[last + 1] if last + 1 < index.line_count else len(text)
    return Span(start, nl)


def delete_entry(yf: YamlFile, key: YNode, value: YNode) -> Span | None:
    """Span that deletes a mapping entry; when it is the only entry, the whole
    parent entry (e.g. an emptied `variables:`) goes too."""
    found = owner(yf, key)
    if found is None:
        return None
    ymap, _ = found
    if ymap.flow:
        return None
    if len(ymap.entries) == 1 and not ymap.merges:
        parent = parent_entry(yf, ymap)
        if parent is not None:
            pmap, i = parent
            pkey, pvalue = pmap.entries[i]
            if not pmap.flow and len(pmap.entries) > 1:
                return entry_lines(yf.source, pkey, pvalue)
    return entry_lines(yf.source, key, value)
