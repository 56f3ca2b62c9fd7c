"""Text edits on a job's `image:` that give it `entrypoint: [""]` (AL213).

The YAML is never re-serialised; each form gets its own exact edit:

* `image: NAME` (plain or quoted, one line) becomes a block mapping at the
  file's indentation, the name's text and any trailing comment kept::

      image:
        name: NAME  # comment
        entrypoint: [""]

* a flow mapping `{name: NAME}` gets `, entrypoint: [""]` after its last entry;
* a block mapping gets an `entrypoint: [""]` line after its `name:` entry, at
  the indentation of its keys;
* an existing `entrypoint:` with another value gets the value `[""]`.

Line endings follow the file (CRLF files stay CRLF).  Every function returns
``(edits, reason)``: edits to apply, or why no exact edit exists (an alias, a
merged or multi-line value, a key sharing its line with other YAML).
"""

from __future__ import annotations

import re

from .diagnostics import Edit
from .source import Source
from .yaml.model import YamlFile, YMap, YNode, YScalar, YSeq, YValue, walk

ENTRYPOINT = 'entrypoint: [""]'
EMPTY = '[""]'


def is_original(files: dict[str, YamlFile] | list[YamlFile], node: YNode) -> bool:
    """Whether node is a value written in a file (not a mapping synthesised by a merge)."""
    yfiles = files.values() if isinstance(files, dict) else files
    for yf in yfiles:
        if yf.source is not node.source:
            continue
        for doc in yf.documents:
            for v in walk(doc):
                if v is node:
                    return True
    return False


def add_entrypoint(key: YNode | None, value: YValue, indent_step: int | None = None) -> tuple[list[Edit], str | None]:
    """Edits that make the image at `key: value` run with `entrypoint: [""]`."""
    if isinstance(value, YScalar):
        if key is None:
            return [], "the image name is not written as `image:` in the job"
        return scalar_to_mapping(key, value, indent_step)
    if isinstance(value, YMap):
        return _into_mapping(value)
    return [], "the image is not a string or a mapping"


def scalar_to_mapping(key: YNode, value: YScalar, indent_step: int | None = None) -> tuple[list[Edit], str | None]:
    """`image: NAME` -> a block mapping with `name:` and `entrypoint: [""]`."""
    source = value.source
    if key.source is not source:
        return [], "the image name comes from another file (an alias or a reference)"
    text, index = source.text, source.index
    between = text[key.end : value.start]
    m = re.fullmatch(r"[ \t]*:([ \t]*)", between)
    if m is None:
        return [], "the image name is not written right after `image:` (an alias, a tag or a flow mapping)"
    if "\n" in text[value.start : value.end]:
        return [], "the image name spans several lines"
    line0 = index.line_of(key.start)
    line_start = index.line_starts[line0]
    if text[line_start : key.start].strip():
        return [], "the `image:` key shares its line with other YAML"
    column = key.start - line_start
    step = indent_step if indent_step and indent_step > 0 else 2
    pad = " " * (column + step)
    nl = source.newline
    colon_end = key.end + between.index(":") + 1
    line_end = index.line_end(line0)
    rest = text[value.start : line_end].rstrip(" \t")
    new = f"{nl}{pad}name: {rest}{nl}{pad}{ENTRYPOINT}"
    return [Edit(source.path, colon_end, line_end, new)], None


def _into_mapping(ymap: YMap) -> tuple[list[Edit], str | None]:
    source = ymap.source
    if ymap.merges:
        return [], "the image mapping uses `<<` merge keys"
    if any(k.source is not source or v.source is not source for k, v in ymap.entries):
        return [], "the image mapping is merged from several places"
    current = ymap.get("entrypoint")
    if current is not None:
        return _replace_entrypoint(ymap, current)
    if not ymap.entries:
        return [], "the image mapping is empty"
    if ymap.flow:
        return _flow_append(ymap)
    return _block_append(ymap)


def _value_end(source: Source, node: YNode) -> int:
    end = node.end
    text = source.text
    while end > node.start and text[end - 1] in " \t\r\n":
        end -= 1
    return end


def _replace_entrypoint(ymap: YMap, current: YValue) -> tuple[list[Edit], str | None]:
    source = ymap.source
    text = source.text
    key = ymap.key_node("entrypoint")
    if key is None or current.source is not source or key.source is not source:
        return [], "the entrypoint comes from another place"
    end = _value_end(source, current)
    if isinstance(current, YScalar) and current.is_null and current.start == current.end:
        # `entrypoint:` with nothing after it
        colon = text.index(":", key.end)
        return [Edit(source.path, colon + 1, colon + 1, " " + EMPTY)], None
    if isinstance(current, YSeq) and not current.flow:
        colon = text.find(":", key.end, current.start)
        if colon == -1:
            return [], "the entrypoint could not be located exactly"
        return [Edit(source.path, colon + 1, end, " " + EMPTY)], None
    if "\n" in text[current.start : end]:
        return [], "the entrypoint spans several lines"
    return [Edit(source.path, current.start, end, EMPTY)], None


def _flow_append(ymap: YMap) -> tuple[list[Edit], str | None]:
    source = ymap.source
    last = max(ymap.entries, key=lambda kv: kv[1].end)[1]
    end = _value_end(source, last)
    if source.text[ymap.end - 1 : ymap.end] != "}":
        return [], "the flow mapping could not be located exactly"
    return [Edit(source.path, end, end, ", " + ENTRYPOINT)], None


def _block_append(ymap: YMap) -> tuple[list[Edit], str | None]:
    source = ymap.source
    text, index = source.text, source.index
    keys = [k for k, _ in ymap.entries]
    anchor_key, anchor_value = next(((k, v) for k, v in ymap.entries if isinstance(k, YScalar) and k.value == "name"), ymap.entries[0])
    columns = {k.start - index.line_starts[index.line_of(k.start)] for k in keys}
    if len(columns) != 1:
        return [], "the image mapping's keys are not aligned"
    column = columns.pop()
    first = keys[0]
    if text[index.line_starts[index.line_of(first.start)] : first.start].strip():
        # `- name: x` or `image: {` ... the first key shares its line
        prefix = text[index.line_starts[index.line_of(first.start)] : first.start]
        if not re.fullmatch(r"[ \t]*-[ \t]+", prefix):
            return [], "the image mapping's first key shares its line with other YAML"
    end = _value_end(source, anchor_value)
    line = index.line_of(max(anchor_value.start, end - 1))
    pad = " " * column
    nl = source.newline
    if line + 1 < index.line_count:
        at = index.line_starts[line + 1]
        return [Edit(source.path, at, at, f"{pad}{ENTRYPOINT}{nl}")], None
    at = len(text)
    return [Edit(source.path, at, at, f"{nl}{pad}{ENTRYPOINT}")], None
