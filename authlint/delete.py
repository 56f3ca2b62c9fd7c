"""Deleting a command from a script, in the local style.

A pipeline can be deleted exactly when it is a whole line of a `.sh` file or
of a `|` block, or a whole script item (not the only one).  Like insert.py,
the helpers return ``(edits, reason)``.
"""

from __future__ import annotations

import re

from .diagnostics import Applicability, Edit, Fix
from .lazy import lazy_compile
from .shell import parse as parse_shell
from .textmap import FileMap, ScalarMap, ShiftMap
from .units import CommandRef
from .yaml import scalars
from .yaml.edits import last_line
from .yaml.model import YSeq, walk


def removal_fix(ref: CommandRef, title: str, applicability: Applicability = Applicability.UNSAFE) -> Fix:
    """Delete the pipeline holding ref's command: a whole line of a `.sh` file or
    `|` block, or a whole script item; display-only anywhere else."""
    edits, reason = _removal_edits(ref)
    if not edits:
        return Fix(title, (), Applicability.DISPLAY_ONLY, reason=reason)
    return Fix(title, tuple(edits), applicability)


def _removal_edits(ref: CommandRef) -> tuple[list[Edit], str | None]:
    cmd = ref.cmd
    unit = ref.unit
    script = unit.script
    text = script.text
    pipeline = cmd.pipeline or [cmd]
    if cmd.via is not None or not cmd.exact or cmd.substitution_depth:
        return [], "the command is inside another command's string"
    if any(r.heredoc is not None for c in pipeline for r in c.redirects):
        return [], "the command has a here-document"
    start = min(c.start for c in pipeline)
    end = max(c.end for c in pipeline)
    line_start = text.rfind("\n", 0, start) + 1
    nl = text.find("\n", end)
    line_end = len(text) if nl == -1 else nl
    before, after = text[line_start:start], text[end:line_end]
    if before.strip() or (after.strip() and not after.strip().startswith("#")):
        return [], "the command shares its line with other shell code"
    above = text[:line_start].rstrip("\n").rstrip("\r").rstrip(" \t")
    if line_start > 0 and above.endswith(("\\", "|", "&&", "||")):
        return [], "the line above continues into the command"
    # The script without that line must still parse, and no body may be left
    # empty (`then` + `fi`: bash rejects it, tree-sitter does not).
    rest = text[:line_start] + text[min(len(text), line_end + 1) :]
    if len(parse_shell(rest).errors) > len(script.errors) or _empties_a_body(text, line_start, line_end):
        return [], "deleting the line would leave an empty block"
    base = unit.tmap
    shift = 0
    while isinstance(base, ShiftMap):
        shift += base.shift
        base = base.parent
    source = unit.source
    index = source.index
    if isinstance(base, FileMap):
        others = [c for c in script.commands if not (start <= c.start < end + 1)]
        if not others:
            return [], "it is the script's only command"
        first = index.line_of(base.offset(line_start - shift))
        last = index.line_of(base.offset(max(start, end - 1) - shift))
        return [_line_edit(source, first, last)], None
    if not isinstance(base, ScalarMap) or unit.line is None:
        return [], "the command is not written where authlint can delete it"
    st = base.st
    item_start, item_end = shift, shift + len(st.value)
    others = [c for c in script.commands if item_start <= c.start < item_end and not (start <= c.start < end + 1)]
    if others and st.style == scalars.LITERAL and st.exact:
        # A literal block's value lines are the file's lines, less the indentation.
        a = base.file_span(line_start - shift, start - shift)
        b = base.file_span(end - shift, line_end - shift)
        if a is None or b is None:
            return [], base.why_not_exact()
        first, last = index.line_of(a.start), index.line_of(b.start)
        if source.text[index.line_starts[first] : a.start].strip() or source.text[b.end : index.line_end(last)].strip():
            return [], "the line holds other text"
        return [_line_edit(source, first, last)], None
    if others:
        return [], "the command shares its script item with other commands"
    return _item_removal(ref)


_OPENERS = lazy_compile(r"(?:^|[\s;&|])(?:then|do|else|\{|\()$|\)$")
_CLOSERS = lazy_compile(r"^(?:fi|done|else|elif|esac|\}|\)|;;)(?:$|[\s;&|])")


def _code_lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.split("\n") if ln.strip() and not ln.strip().startswith("#")]


def _empties_a_body(text: str, line_start: int, line_end: int) -> bool:
    before = _code_lines(text[:line_start])
    after = _code_lines(text[line_end + 1 :])
    prev = before[-1] if before else ""
    nxt = after[0] if after else ""
    return bool(_OPENERS.search(prev)) and bool(_CLOSERS.match(nxt))


def _line_edit(source, first: int, last: int) -> Edit:
    index = source.index
    start = index.line_starts[first]
    end = index.line_starts[last + 1] if last + 1 < index.line_count else len(source.text)
    return Edit(source.path, start, end, "")


def _item_removal(ref: CommandRef) -> tuple[list[Edit], str | None]:
    """Delete the script item (a block-sequence entry) that holds only this pipeline."""
    line = ref.unit.line
    job = ref.job
    if line is None or job is None:
        return [], "the command is not in a job's script"
    scalar = line.scalar
    seq = None
    for yf in job.pipeline.files.values():
        if yf.source is not scalar.source:
            continue
        for doc in yf.documents:
            for v in walk(doc):
                if isinstance(v, YSeq) and any(item is scalar for item in v.items):
                    seq = v
                    break
            if seq is not None:
                break
    if seq is None:
        return [], "the script item could not be located"
    if seq.flow:
        return [], "the script is a flow list"
    if len(seq.items) < 2:
        return [], "it is the only line of the script"
    source = scalar.source
    text, index = source.text, source.index
    first = index.line_of(scalar.start)
    if not re.fullmatch(r"\s*-\s+", text[index.line_starts[first] : scalar.start]):
        return [], "the script item shares its line"
    last = last_line(source, scalar.start, scalar.end)
    if last is None:
        return [], "the script item shares its line"
    return [_line_edit(source, first, last)], None


def silence_tee_fix(ref: CommandRef, title: str) -> Fix | None:
    """`... | tee FILE` -> `... | tee FILE >/dev/null`: the file is still written."""
    pipeline = ref.cmd.pipeline or [ref.cmd]
    last = pipeline[-1]
    if last.basename != "tee" or not any(not (w.value or "-").startswith("-") for w in last.args):
        return None
    if any(r.heredoc is not None for r in last.redirects):
        return None
    edit = ref.edit(last.end, last.end, " >/dev/null")
    if edit is None:
        return Fix(title, (), Applicability.DISPLAY_ONLY, reason=ref.unit.tmap.why_not_exact())
    return Fix(title, (edit,), Applicability.UNSAFE)
