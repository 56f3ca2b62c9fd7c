"""Linting many projects: one project at a time, keeping only what it found.

A project's model (YAML trees, jobs, shell scripts) is dropped as soon as the
project is linted, so memory stays flat with the number of projects.  The cyclic
garbage collector is paused during the run and collects only the youngest
generation (the dropped project) between projects: otherwise its full
collections rescan everything kept so far, and time grows faster than linearly.

Above ``POOL_MIN_PROJECTS`` projects, a fork pool lints them in parallel (the
imports are done before the fork and shared); its outcomes come back in
project order, so a pooled run gives the same findings, in the same order, as
one process.  ``AUTHLINT_JOBS`` sets the number of processes (1: no pool).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from .engine import Linter, Outcome
    from .workspace import Workspace

Candidate = tuple[Path, str, bool]  # (path, kind, explicit), as Workspace.discover gives them

POOL_MIN_PROJECTS = 48  # below this, forking costs more than it saves
BATCH = 8  # projects per task sent to a worker


def lint_projects(linter: "Linter", candidates: list[Candidate], wanted: set[str]) -> Iterator["Outcome"]:
    """Each project's outcome, in project order (wanted: the display paths to report on)."""
    groups = project_groups(linter.ws, candidates)
    workers = pool_size(len(groups))
    with paused_gc():
        if workers > 1:
            yield from _pooled(linter, groups, wanted, workers)
        else:
            collector = _Collector()
            for group in groups:
                yield _lint_group(linter, group, wanted)
                if linter.collect_garbage:
                    collector.after_project()


def project_groups(ws: "Workspace", candidates: list[Candidate]) -> list[list[Candidate]]:
    """Candidates grouped by project directory, a nested project with the one around it
    (a monorepo's pipeline includes files of its sub-projects); groups in path order."""
    keyed = [(ws.project_dir(c[0]), c) for c in candidates]
    top: dict[Path, Path] = {}
    for d in sorted({k for k, _ in keyed}, key=lambda p: (len(p.parts), str(p))):
        top[d] = next((top[a] for a in d.parents if a in top), d)
    groups: dict[Path, list[Candidate]] = {}
    for d, c in keyed:
        groups.setdefault(top[d], []).append(c)
    return [groups[k] for k in sorted(groups, key=str)]


def pool_size(projects: int) -> int:
    """How many processes lint `projects` projects (1: this one)."""
    if projects < POOL_MIN_PROJECTS or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    try:
        jobs = int(os.environ.get("AUTHLINT_JOBS", "0"))
    except ValueError:
        jobs = 0
    if jobs <= 0:
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(jobs, projects // BATCH))


@contextmanager
def paused_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _lint_group(linter: "Linter", group: list[Candidate], wanted: set[str]) -> "Outcome":
    from .engine import _Run

    run = _Run(linter)
    run.lint_candidates(group, wanted)
    return run.outcome()


class _Collector:
    """After a project its model is garbage in the young generations; what turned garbage among
    older objects (scripts the parse memo evicted) waits for a full collection, run when the
    projects since the last one reach a quarter of all so far (CPython's own rule: amortised
    linear)."""

    def __init__(self) -> None:
        self.done = self.since_full = 0

    def after_project(self) -> None:
        self.done += 1
        self.since_full += 1
        gc.collect(1)
        if self.since_full >= max(256, self.done // 4):
            gc.collect()
            self.since_full = 0


# ---------------------------------------------------------------- fork pool
_FORKED: tuple["Linter", list[list[Candidate]], set[str]] | None = None  # inherited by the workers


def _pooled(linter: "Linter", groups: list[list[Candidate]], wanted: set[str], workers: int) -> Iterator["Outcome"]:
    global _FORKED
    _FORKED = (linter, groups, wanted)
    batches = [range(i, min(i + BATCH, len(groups))) for i in range(0, len(groups), BATCH)]
    gc.freeze()  # the workers never touch the inherited objects' GC headers: pages stay shared
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for outcomes, learned in pool.imap(_work, batches):
                for name, values in learned.items():
                    getattr(linter.ws, name).update(values)
                yield from outcomes
    finally:
        _FORKED = None
        gc.unfreeze()


def _work(batch: range) -> tuple[list["Outcome"], dict[str, dict]]:
    assert _FORKED is not None
    linter, groups, wanted = _FORKED
    learned = _learned(linter.ws)
    inherited = {name: set(values) for name, values in learned.items()}
    gc.disable()
    outcomes = []
    for i in batch:
        outcomes.append(_lint_group(linter, groups[i], wanted))
        _COLLECTOR.after_project()
    new = {name: {k: v for k, v in values.items() if k not in inherited[name]} for name, values in learned.items()}
    for name, values in new.items():
        for k in values:
            del learned[name][k]  # sent to the parent: the worker keeps only what it inherited
    return outcomes, new


_COLLECTOR = _Collector()  # a worker's, across its batches


def _learned(ws) -> dict[str, dict]:
    """What a workspace learns while linting (sources read; a recording workspace's reads
    and probes, which the cache stores): its dict attributes, except the given overlays."""
    return {k: v for k, v in vars(ws).items() if isinstance(v, dict) and k != "overlays"}
