"""Applying fixes: splice text edits, verify, re-lint to a fixpoint, write atomically.

Fixes are text edits on the original file; YAML is never re-serialised.  A fix
whose result no longer parses (YAML, JSON or shell) is refused.  Files whose
content did not change are never touched.
"""

from __future__ import annotations

import bisect
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterable

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


UNPARSABLE = 1 << 30


def parses(path: str, text: str) -> bool:
    """Whether text is valid for its kind of file (YAML strictly: no duplicate keys)."""
    return problems(path, text) == 0


def problems(path: str, text: str) -> int:
    """How invalid text is for its kind of file: UNPARSABLE when it does not parse, else the
    number of duplicate mapping keys (YAML; a strict loader rejects them) or shell syntax errors."""
    from .workspace import classify

    kind = classify(Path(path))
    if kind in ("ci", "yaml"):
        from .yaml.model import YamlError, load

        try:
            yfile = load(Source(path, text))
        except YamlError:
            return UNPARSABLE
        return _duplicate_keys(yfile)
    if kind == "auth":
        from .authjson import parse_json

        return UNPARSABLE if parse_json(text).errors else 0
    return _shell_error_count(text)


def _duplicate_keys(yfile) -> int:
    from .yaml.model import YMap, YScalar, walk

    count = 0
    for doc in yfile.documents:
        for node in walk(doc):
            if isinstance(node, YMap):
                keys = [k.value for k, _ in node.entries if isinstance(k, YScalar)]
                count += len(keys) - len(set(keys))
    return count


def _shell_error_count(text: str) -> int:
    from .shell import parse

    return len(parse(text).errors)


@dataclass
class FixOutcome:
    texts: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (original, fixed)
    applied: list[Finding] = field(default_factory=list)
    refused: list[tuple[Finding, str]] = field(default_factory=list)
    # path -> every value any round found in that file: its diff must not show them
    secrets: dict[str, set[str]] = field(default_factory=dict)
    valid: dict[tuple[str, str], int] = field(default_factory=dict)  # (path, text) -> its parse errors


def applicable(findings: list[Finding], unsafe: bool) -> list[Finding]:
    need = Applicability.UNSAFE if unsafe else Applicability.SAFE
    return [f for f in findings if f.fix is not None and f.fix.applies(need)]


def apply_round(findings: list[Finding], texts: dict[str, str], outcome: FixOutcome) -> bool:
    """Apply every non-conflicting fix to texts (path -> text); True if anything changed.

    All fixes of a round were computed on the same text, so they are spliced
    together onto it and each file is verified once (a parse is the costly part);
    only a file whose combined result is broken has its fixes tried one by one.
    A conflicting fix waits for the next round, which re-lints the new text first.
    """
    originals = dict(texts)
    candidates = _non_conflicting(findings, originals)
    edits = _by_path(candidates)
    broken = {p for p in edits if not _verified(p, originals[p], splice(originals[p], edits[p]), outcome)}
    chosen = [f for f in candidates if not {e.path for e in f.fix.edits} & broken]  # type: ignore[union-attr]
    edits = _by_path(chosen)
    for f in candidates:
        paths = {e.path for e in f.fix.edits}  # type: ignore[union-attr]
        if not paths & broken:
            continue
        trial = {p: edits.get(p, []) + [e for e in f.fix.edits if e.path == p] for p in paths}  # type: ignore[union-attr]
        bad = [p for p in sorted(paths) if not _verified(p, originals[p], splice(originals[p], trial[p]), outcome)]
        if bad:
            outcome.refused.append((f, f"the fix would make {bad[0]} invalid"))
            continue
        edits.update(trial)
        chosen.append(f)
    outcome.applied.extend(chosen)
    for path, path_edits in edits.items():
        texts[path] = splice(originals[path], path_edits)
    return any(texts[p] != originals[p] for p in edits)


def _non_conflicting(findings: list[Finding], originals: dict[str, str]) -> list[Finding]:
    """Fixes in file order, each kept when none of its edits conflicts with one kept before."""
    kept: list[Finding] = []
    spans: dict[str, list[tuple[int, int]]] = {}  # path -> kept edits' (start, end), sorted
    ordered = sorted(findings, key=lambda f: (f.path, f.fix.edits[0].start if f.fix and f.fix.edits else 0))
    for f in ordered:
        assert f.fix is not None
        edits = f.fix.edits
        if not edits or any(e.path not in originals for e in edits) or _overlapping(edits):
            continue  # overlapping edits of one fix: a rule bug, never applied
        if any(_conflicts_with_kept(e, spans.get(e.path, [])) for e in edits):
            continue
        for e in edits:
            bisect.insort(spans.setdefault(e.path, []), (e.start, e.end))
        kept.append(f)
    return kept


def _conflicts_with_kept(e: Edit, kept: list[tuple[int, int]]) -> bool:
    # Kept edits are disjoint, so only the neighbours of e's place in start order can touch it.
    i = bisect.bisect_left(kept, (e.start, e.end))
    return any(_conflict(e, Edit(e.path, a, b, "")) for a, b in kept[max(0, i - 2) : i + 2])


def _overlapping(edits: tuple[Edit, ...]) -> bool:
    ordered = sorted((e.start, e.end) for e in edits)
    paths = {e.path for e in edits}
    if len(paths) > 1:
        return any(_overlapping(tuple(e for e in edits if e.path == p)) for p in paths)
    return any(b[0] < a[1] for a, b in zip(ordered, ordered[1:]))


def _by_path(findings: list[Finding]) -> dict[str, list[Edit]]:
    out: dict[str, list[Edit]] = {}
    for f in findings:
        for e in f.fix.edits:  # type: ignore[union-attr]
            out.setdefault(e.path, []).append(e)
    return out


def _verified(path: str, old: str, new: str, outcome: FixOutcome) -> bool:
    """Whether new is still valid where old was: it parses, adds no duplicate YAML key and no
    shell syntax error. Each text is parsed once per run."""

    def score(text: str) -> int:
        key = (path, text)
        if key not in outcome.valid:
            outcome.valid[key] = problems(path, text)
        return outcome.valid[key]

    return score(new) <= score(old) or score(old) >= UNPARSABLE


def _still_parses(path: str, old: str, new: str) -> bool:
    return _verified(path, old, new, FixOutcome())


def _conflict(a: Edit, b: Edit) -> bool:
    if max(a.start, b.start) < min(a.end, b.end):
        return True
    touching = a.start <= b.end and b.start <= a.end
    return touching and (a.start == a.end or b.start == b.end)


def write_atomic(path: Path, text: str, bom: bool, expected: str | None = None) -> bool:
    """Replace path's content via a temp file + rename, keeping its mode.

    With *expected* (the text the fix started from), a file someone changed meanwhile is
    left alone and False returned: a user's edit made while `fix` runs is never overwritten.
    """
    data = ((BOM if bom else "") + text).encode("utf-8", "surrogateescape")
    if expected is not None:
        want = ((BOM if bom else "") + expected).encode("utf-8", "surrogateescape")
        return write_atomic_bytes(path, data, expected=want)
    return write_atomic_bytes(path, data)


STALE_TEMP_SECONDS = 60  # a temp file this old is a leftover of a killed run, not a write in progress


def write_atomic_bytes(path: Path, data: bytes | Callable[[BinaryIO], None], mode: int = 0o644,
                       expected: bytes | None = None) -> bool:
    """Write data to path via a temp file in the same directory, fsync and a rename (data may
    be a function that writes the temp file itself, for a file too large to hold).

    An existing file keeps its mode; a new one gets ``mode`` minus the umask. With
    *expected*, the file is compared right before the rename and left alone (False)
    when its content is no longer that. Leftover temp files of killed runs are removed."""
    import tempfile  # only when writing: keeps start-up short

    try:
        final_mode = path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        final_mode = mode & ~umask
    _remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(dir=str(path.parent or "."), prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            if callable(data):
                data(fh)
            else:
                fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, final_mode)
        if expected is not None and _current_bytes(path) != expected:
            os.unlink(tmp)
            return False
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(path.parent)
    return True


def _current_bytes(path: Path) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return None


def _remove_stale_temps(path: Path) -> None:
    """`.NAME.XXXXXXXX.tmp` files (mkstemp's pattern) left by a run killed between write and rename."""
    import re
    import time

    pattern = re.compile(re.escape(f".{path.name}.") + r"[A-Za-z0-9_]{8}\.tmp")
    directory = path.parent or Path(".")
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    now = time.time()
    for entry in entries:
        try:
            if pattern.fullmatch(entry.name) and entry.is_file(follow_symlinks=False) and now - entry.stat(follow_symlinks=False).st_mtime > STALE_TEMP_SECONDS:
                os.unlink(entry.path)
        except OSError:
            pass


def _fsync_dir(directory: Path) -> None:
    """The rename itself survives a crash only once the directory is synced (POSIX)."""
    try:
        fd = os.open(str(directory or "."), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fix_title(fix: Fix) -> str:
    return fix.title
