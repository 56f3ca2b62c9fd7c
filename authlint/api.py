"""The Python API: lint and fix files or in-memory text.

The CLI, the pre-commit hooks and the language server are thin wrappers
around these functions.
"""

from __future__ import annotations

import os

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from .engine import Linter, LintResult
from .settings import Settings, load_settings
from .source import BOM

if TYPE_CHECKING:
    from .fixes import FixOutcome


def _settings(settings: Settings | None, start: Path) -> Settings:
    return settings if settings is not None else load_settings(start)


def lint_paths(paths: Iterable[str | Path], settings: Settings | None = None,
               sink: Callable[[LintResult], None] | None = None, fingerprints: bool = True) -> LintResult:
    """Lint files and directories (discovery as in `authlint check`); a sink gets the findings
    project by project instead (Linter.lint_paths).  Without `fingerprints`, the findings'
    fingerprint_key is their rule's key, not their fingerprint (for a report that shows none)."""
    paths = [Path(p) for p in paths]
    linter = Linter(_settings(settings, Path.cwd()))
    linter.fingerprints = fingerprints
    return linter.lint_paths(paths, sink)


def lint_text(path: str | Path, text: str, settings: Settings | None = None) -> LintResult:
    """Lint text as if it were the content of path (editors, stdin)."""
    p = Path(path)
    return Linter(_settings(settings, Path.cwd()), {os.path.abspath(p): text}).lint_paths([p])


@dataclass(eq=False)
class FixResult:
    """What a fix run changed, and the lint of the fixed text."""

    outcome: FixOutcome
    result: LintResult  # the lint of the fixed text (what remains)

    @property
    def changed(self) -> dict[str, tuple[str, str]]:
        return {p: t for p, t in self.outcome.texts.items() if t[0] != t[1]}


def fix_paths(
    paths: Iterable[str | Path],
    settings: Settings | None = None,
    unsafe: bool = False,
    write: bool = True,
    overlays: dict[str, str] | None = None,
) -> FixResult:
    """Apply fixes until nothing changes (bounded); write changed files atomically."""
    from .fixes import MAX_ITERATIONS, FixOutcome, applicable, apply_round, write_atomic

    paths = [Path(p) for p in paths]
    settings = _settings(settings, Path.cwd())
    overlays = dict(overlays or {})
    outcome = FixOutcome()
    boms: dict[str, bool] = {}
    result = Linter(settings, overlays).lint_paths(paths)
    for _ in range(MAX_ITERATIONS):
        _remember_secrets(result, outcome)
        todo = applicable(result.findings, unsafe or settings.unsafe_fixes)
        if not todo:
            break
        texts = {}
        for f in todo:
            for e in f.fix.edits if f.fix else ():
                src = result.sources.get(e.path)
                if src is not None:
                    texts[e.path] = src.text
                    boms[e.path] = src.bom
                    outcome.texts.setdefault(e.path, (src.text, src.text))
        before = dict(texts)
        if not apply_round(todo, texts, outcome):
            break
        for path, text in texts.items():
            if text != before[path]:
                overlays[os.path.abspath(Path(path))] = (BOM if boms[path] else "") + text
                outcome.texts[path] = (outcome.texts[path][0], text)
        result = Linter(settings, overlays).lint_paths(paths)
    _remember_secrets(result, outcome)
    if write:
        for path, (old, new) in outcome.texts.items():
            if old != new and not write_atomic(Path(path), new, boms.get(path, False), expected=old):
                result.errors.append(f"{path}: changed on disk while authlint was fixing it; left as it is")
    return FixResult(outcome, result)


def _remember_secrets(result: LintResult, outcome: FixOutcome) -> None:
    """Each file's values to redact in its diff (findings of a file share one set: added once)."""
    seen: set[int] = set()
    for f in result.findings:
        values = result.secrets.get(id(f), ())
        paths = {f.path, *(e.path for e in (f.fix.edits if f.fix else ()))}
        for path in paths:
            if (id(values), path) not in seen:
                seen.add((id(values), path))
                outcome.secrets.setdefault(path, set()).update(values)


def fix_text(path: str | Path, text: str, settings: Settings | None = None, unsafe: bool = False) -> str:
    """The fixed form of text (as the content of path); nothing is written."""
    p = Path(path)
    res = fix_paths([p], settings, unsafe=unsafe, write=False, overlays={os.path.abspath(p): text})
    shown = next((k for k in res.outcome.texts if os.path.abspath(k) == os.path.abspath(p)), None)
    return res.outcome.texts[shown][1] if shown else text
