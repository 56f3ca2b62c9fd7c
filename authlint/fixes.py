"""Applying fixes: splice text edits, verify, re-lint to a fixpoint, write atomically.

Fixes are text edits on the original file; YAML is never re-serialised.  A fix
whose result no longer parses (YAML, JSON or shell) is refused.  Files whose
content did not change are never touched.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .diagnostics import Applicability, Edit, Finding, Fix
from .source import BOM, Source

MAX_ITERATIONS = 10


def splice(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits to text in one pass."""
    out, pos = [], 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        if e.start < pos:
            raise ValueError("overlapping edits")
        out.append(text[pos : e.start])
        out.append(e.content)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


def parses(path: str, text: str) -> bool:
    """Whether text is still valid for its kind of file."""
    from .workspace import classify

    kind = classify(Path(path))
    if kind in ("ci", "yaml"):
        from .yaml.model import YamlError, load

        try:
            load(Source(path, text))
        except YamlError:
            return False
        return True
    if kind == "auth":
        from .authjson import parse_json

        return not parse_json(text).errors
    if kind == "shell" or kind is None:
        from .shell import parse

        return not parse(text).errors
    return True


def _shell_error_count(text: str) -> int:
    from .shell import parse

    return len(parse(text).errors)


@dataclass
class FixOutcome:
    texts: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (original, fixed)
    applied: list[Finding] = field(default_factory=list)
    refused: list[tuple[Finding, str]] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)  # of every round's findings: the diff must not show them


def applicable(findings: list[Finding], unsafe: bool) -> list[Finding]:
    need = Applicability.UNSAFE if unsafe else Applicability.SAFE
    return [f for f in findings if f.fix is not None and f.fix.applies(need)]


def apply_round(findings: list[Finding], texts: dict[str, str], outcome: FixOutcome) -> bool:
    """Apply every non-conflicting fix to texts (path -> text); True if anything changed.

    All fixes of a round were computed on the same text, so they are spliced
    together onto it; a conflicting fix waits for the next round, which
    re-lints the new text first.
    """
    originals = dict(texts)
    chosen: dict[str, list[Edit]] = {}
    ordered = sorted(findings, key=lambda f: (f.path, f.fix.edits[0].start if f.fix and f.fix.edits else 0))
    for f in ordered:
        assert f.fix is not None
        edits = f.fix.edits
        if not edits or any(e.path not in originals for e in edits):
            continue
        if any(_conflict(e, other) for e in edits for other in chosen.get(e.path, [])):
            continue
        trial = {p: chosen.get(p, []) + [e for e in edits if e.path == p] for p in {e.path for e in edits}}
        try:
            new = {p: splice(originals[p], trial[p]) for p in trial}
        except ValueError:
            continue  # the fix's own edits overlap: a rule bug, never applied
        broken = [p for p in trial if not _still_parses(p, originals[p], new[p])]
        if broken:
            outcome.refused.append((f, f"the fix would make {broken[0]} invalid"))
            continue
        chosen.update(trial)
        outcome.applied.append(f)
    for path, edits in chosen.items():
        texts[path] = splice(originals[path], edits)
    return any(texts[p] != originals[p] for p in chosen)


def _conflict(a: Edit, b: Edit) -> bool:
    if max(a.start, b.start) < min(a.end, b.end):
        return True
    touching = a.start <= b.end and b.start <= a.end
    return touching and (a.start == a.end or b.start == b.end)


def _still_parses(path: str, old: str, new: str) -> bool:
    from .workspace import classify

    kind = classify(Path(path))
    if kind == "shell" or kind is None:
        return _shell_error_count(new) <= _shell_error_count(old)
    if parses(path, old):
        return parses(path, new)
    return True


def write_atomic(path: Path, text: str, bom: bool) -> None:
    """Replace path's content via a temp file + rename, keeping its mode."""
    write_atomic_bytes(path, ((BOM if bom else "") + text).encode("utf-8"))


def write_atomic_bytes(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write data to path via a temp file in the same directory and a rename.

    An existing file keeps its mode; a new one gets ``mode`` minus the umask."""
    import tempfile  # only when writing: keeps start-up short

    try:
        final_mode = path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        final_mode = mode & ~umask
    fd, tmp = tempfile.mkstemp(dir=str(path.parent or "."), prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, final_mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def fix_title(fix: Fix) -> str:
    return fix.title
