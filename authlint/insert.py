"""Inserting new script lines before a command, in the local style.

Where the command lives decides the form of the new text:

* a `.sh` file: a new line with the command line's indentation;
* a `|` block scalar: a new line inside the block, at the block's indentation;
* a block list item (`- cmd`): a new item at the same indentation;
* a flow list (`[a, b]`): a new element;
* a folded (`>`) or otherwise inexact scalar: no edit (the fix is shown only);
* a job whose command sits in a shared template: a new `before_script:` key
  in the job's own mapping (``insert_before_script``).

Every function returns ``(edits, reason)``: edits to apply, or a reason why
none can be made exactly.
"""

from __future__ import annotations

import re

from .diagnostics import Edit
from .lazy import lazy_compile
from .source import Source
from .textmap import FileMap, ScalarMap, ShiftMap, TextMap, in_flow
from .units import CommandRef
from .yaml import scalars

_PLAIN_UNSAFE = re.compile(r"^[-?:,\[\]{}#&*!|>'\"%@`]|: | #|:$|^\s|\s$")
_FLOW_UNSAFE = lazy_compile(r"[,\[\]{}]")


def yaml_scalar(text: str, flow: bool = False) -> str:
    """text as a one-line YAML scalar: plain when that reads back unchanged, else quoted."""
    if text and not _PLAIN_UNSAFE.search(text) and not (flow and _FLOW_UNSAFE.search(text)):
        if text.lower() not in ("true", "false", "null", "yes", "no", "on", "off", "~") and not _looks_numeric(text):
            return text
    if "\n" not in text and "\\" not in text:
        return "'" + text.replace("'", "''") + "'"
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _base(tmap: TextMap) -> tuple[TextMap, int]:
    """Unwrap ShiftMaps: the underlying map and the offset shift."""
    shift = 0
    while isinstance(tmap, ShiftMap):
        shift += tmap.shift
        tmap = tmap.parent
    return tmap, shift


def insert_before(ref: CommandRef, lines: list[str]) -> tuple[list[Edit], str | None]:
    """Edits that run `lines` (shell) just before ref's command, in the same shell."""
    tmap, shift = _base(ref.unit.tmap)
    source = ref.unit.source
    why = _not_line_start(ref.unit.script.text, ref.cmd.start, shift)
    if why:
        return [], why
    if isinstance(tmap, FileMap):
        return _before_line(source, tmap.offset(ref.cmd.start - shift), lines, indent_like_line=True), None
    if not isinstance(tmap, ScalarMap):
        return [], "the command is not written where authlint can insert a line"
    st = tmap.st
    if st.style == scalars.LITERAL and st.exact:
        off = tmap.offset(ref.cmd.start - shift)
        indent = tmap._indent()
        if indent is None:
            return [], "the block is empty"
        return _before_line(source, off, lines, indent=indent), None
    if st.style == scalars.FOLDED or not st.exact:
        return [], tmap.why_not_exact()
    # One-line item: add items before it, as a block or flow list element.
    if ref.cmd.start - shift > 0 and ref.unit.script.text[shift : ref.cmd.start].strip():
        return [], "the command shares its script item with other commands"
    return insert_item_before(source, st.start, lines)


def _not_line_start(text: str, start: int, floor: int) -> str | None:
    """Why a new line cannot go right before the command's line, or None."""
    line_start = text.rfind("\n", floor, start) + 1 if text.rfind("\n", floor, start) != -1 else floor
    if text[line_start:start].strip():
        return "the command is not the first on its line"
    prev = text[floor:line_start].rstrip()
    if prev.endswith(("\\", "|", "&&", "||")):
        return "the line before continues into the command"
    return None


def insert_item_before(source: Source, item_start: int, lines: list[str]) -> tuple[list[Edit], str | None]:
    """New sequence items before the item whose value starts at item_start."""
    text, index = source.text, source.index
    line0 = index.line_of(item_start)
    line_start = index.line_starts[line0]
    before = text[line_start:item_start]
    m = re.fullmatch(r"(\s*)-(\s+)", before)
    if m:
        pad = m.group(1) + "-" + m.group(2)
        new = "".join(pad + yaml_scalar(line) + source.newline for line in lines)
        return [Edit(source.path, line_start, line_start, new)], None
    if in_flow(text, item_start):  # an element of `[a, b]`
        new = "".join(yaml_scalar(line, flow=True) + ", " for line in lines)
        return [Edit(source.path, item_start, item_start, new)], None
    return [], "the script is not a list authlint can add an item to"


def insert_before_script(source: Source, job_map, lines: list[str]) -> tuple[list[Edit], str | None]:
    """A new `before_script:` key holding lines, as the first key of a block job mapping."""
    if getattr(job_map, "flow", True) or not job_map.entries:
        return [], "the job is not a block mapping authlint can add a key to"
    first_key = job_map.entries[0][0]
    index = source.index
    line0 = index.line_of(first_key.start)
    line_start = index.line_starts[line0]
    pad = source.text[line_start:first_key.start]
    if pad.strip(" "):
        return [], "the job's first key does not start its line"
    nl = source.newline
    items = "".join(f"{pad}  - {yaml_scalar(line)}{nl}" for line in lines)
    return [Edit(source.path, line_start, line_start, f"{pad}before_script:{nl}{items}")], None


def _before_line(source: Source, offset: int, lines: list[str], indent: int | None = None, indent_like_line: bool = False) -> list[Edit]:
    index = source.index
    line0 = index.line_of(offset)
    start = index.line_starts[line0]
    if indent_like_line:
        current = index.line_text(line0)
        pad = current[: len(current) - len(current.lstrip(" \t"))]
    else:
        pad = " " * (indent or 0)
    new = "".join(pad + line + source.newline for line in lines)
    return [Edit(source.path, start, start, new)]
