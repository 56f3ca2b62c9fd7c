"""Linting many projects: one project at a time, keeping only what it found.

A project's model (YAML trees, jobs, shell scripts) is dropped as soon as the
project is linted, so memory stays flat with the number of projects; its units
break their cycles when done, so refcounting frees it.  The cyclic garbage
collector is paused during the run, and what a project leaves alive is frozen
(after_project): otherwise its collections rescan everything kept so far, and
time grows faster than linearly.

Above ``POOL_MIN_PROJECTS`` projects, a fork pool lints them in parallel (the
imports are done before the fork and shared); its outcomes come back in
project order, so a pooled run gives the same findings, in the same order, as
one process.  ``AUTHLINT_JOBS`` sets the number of processes (1: no pool).  A
streamed fleet's projects go to the pool while discovery still walks (EarlyFleet).

One project of many files (a monorepo, a folder of pipelines: the corpus) is
linted in steps, a pipeline or a file each, once its pipelines are loaded; from
``POOL_MIN_STEPS`` steps a fork pool runs them, and each worker sends back what
its steps added (hits, problems, sources read), merged in step order.
"""

from __future__ import annotations

import gc
import os
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from .engine import _Run
from .lazy import on_first_call
from .suppressions import may_hold

if TYPE_CHECKING:
    from .engine import Linter, Outcome
    from .workspace import Workspace

Candidate = tuple[Path, str, bool]  # (path, kind, explicit), as Workspace.discover gives them

POOL_MIN_PROJECTS = 64  # below this, forking costs more than it saves (and a second worker gets no batch)
BATCH = 32  # projects per task sent to a worker (at 8, the parent spent ~0.4 CPU-s more at 10,000 projects)
POOL_MIN_STEPS = 24  # the same for the steps of one project (a pipeline each: more work than a project)
STEP_BATCH = 3
EARLY_WINDOW = 64  # batches sent and not yet taken back (what may wait in the parent while discovery walks)


def lint_projects(linter: "Linter", groups: list[list[Candidate]], wanted: set[str]) -> Iterator["Outcome"]:
    """Each project's outcome (groups: project_groups), in project order (wanted: the display
    paths to report on)."""
    workers = pool_size(len(groups))
    with paused_gc():
        if workers > 1:
            yield from _pooled(linter, groups, wanted, workers)
        else:
            if len(groups) > 1:
                gc.freeze()  # what exists now (modules, the linter) lives on: full collections skip it
            try:
                for i, group in enumerate(groups):
                    if i and linter.collect_garbage:  # what the previous project dropped (after the last: the caller's)
                        after_project(linter.ws)
                    outcome = _lint_group(linter, group, wanted)
                    yield _slim(outcome) if len(groups) > 1 else outcome  # the editor's one project keeps its sources
            finally:
                if len(groups) > 1:
                    gc.unfreeze()


def project_groups(ws: "Workspace", candidates: list[Candidate], tops: list[str] | None = None) -> list[list[Candidate]]:
    """Candidates grouped by project directory, a nested project with the one around it
    (a monorepo's pipeline includes files of its sub-projects); groups in path order.  Given
    `tops`, each group's own directory (absolute: the shallowest project directory in it) is
    added to it, in the same order."""
    from .workspace import directory_of

    return [[candidates[i] for i in group] for group in _grouped(ws, [directory_of(c[0]) for c in candidates], tops)]


def _grouped(ws: "Workspace", dirs: list[str], tops: list[str] | None = None) -> list[list[int]]:
    """project_groups of the files in these absolute, normalised directories, as their indices."""
    keyed = [str(ws._project_of_dir(d)) for d in dirs]  # absolute and normalised
    if len(distinct := set(keyed)) == 1:  # one project (a fleet's chunk): one group, no search for parents
        if tops is not None:
            tops.extend(distinct)
        return [list(range(len(keyed)))]
    top: dict[str, str] = {}
    shortest = max(map(len, keyed), default=0) + 1  # the length of the shortest directory in top (none yet)
    for d in sorted(set(keyed), key=lambda p: (p.count(os.sep), p)):  # parents first
        top[d] = _top_of(top, d, shortest)
        shortest = min(shortest, len(d))
    groups: dict[str, list[int]] = {}
    for i, d in enumerate(keyed):
        groups.setdefault(top[d], []).append(i)
    if tops is not None:
        tops.extend(sorted(groups))
    return [groups[k] for k in sorted(groups)]


def _top_of(top: dict[str, str], d: str, shortest: int) -> str:
    """The group of d's nearest parent that has one, else d (`shortest`: the length of the
    shortest directory in top; a fleet's projects are siblings, none of whose parents is one)."""
    a = d
    while len(parent := os.path.dirname(a)) >= shortest and parent != a:
        if parent in top:
            return top[parent]
        a = parent
    return d


def pool_size(projects: int, minimum: int | None = None, batch: int | None = None) -> int:
    """How many processes lint `projects` projects (1: this one); or steps, given their minimum and batch."""
    minimum = POOL_MIN_PROJECTS if minimum is None else minimum
    batch = BATCH if batch is None else batch
    if projects < minimum or _IN_WORKER:
        return 1
    import multiprocessing  # with pickle, socket, selectors: ~7 ms a small run does not need

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    try:
        jobs = int(os.environ.get("AUTHLINT_JOBS", "0"))
    except ValueError:
        jobs = 0
    if jobs <= 0:
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(jobs, projects // batch))


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
    run = _Run(linter)
    run.lint_candidates(group, wanted)
    outcome = run.outcome()
    run.release()
    return outcome


def _slim(outcome: "Outcome") -> "Outcome":
    """A project's outcome kept until the report: of the sources read, only those a finding
    may show (its file, its fix's files) or whose suppressions the report checks."""
    shown = {p.source.path for p in outcome.problems}
    for _, hit in outcome.hits:
        shown.add(hit.source.path)
        shown.update(e.path for e in (hit.fix.edits if hit.fix else ()))
    outcome.sources = {k: s for k, s in outcome.sources.items() if k in shown or (k in outcome.report and may_hold(s.text))}
    return outcome


YOUNG = 5000  # new objects a project may leave before its cycles are collected


def after_project(ws: "Workspace") -> None:
    """Between the projects of a run over several: what the last one left alive (the parse
    memo's scripts for the next projects, the outcomes a worker has not sent yet) is frozen, so
    that no collection scans it again.  Models are cycle-free, so such scans find nothing, and
    they cost 6-10 % of a fleet's CPU: once the memo is full, each project's scripts push out
    older ones, the young generations fill with them and each object was scanned cold.  Frozen
    objects are still freed by refcounting (the memo's evicted scripts have their cycles broken
    by release()); the run unfreezes them at its end (a worker's die with it).  A project that
    left many new objects has its cycles collected first.  Only runs over several projects call
    this: the editor keeps its memo and collects after publishing."""
    _release_scripts()  # scripts the memo dropped: freed now by refcounting
    ws.forget_reads()  # and the files it read (its outcome keeps those the report shows)
    if gc.get_count()[0] >= YOUNG:
        gc.collect(1)
    gc.freeze()


# Imported at the first call (a warm cache hit imports no parser), then called straight: an
# import in a function costs 1-3 µs a call, and this runs per project.
_release_scripts = on_first_call(__name__, "_release_scripts", "authlint.shell.parser:release")


# ---------------------------------------------------------------- fork pool
_FORKED: tuple | None = None  # what the workers inherit: (linter, groups, wanted) or (run, steps)
_IN_WORKER = False  # a worker forks no pool of its own
_INHERITED: dict[str, int] | None = None  # a worker's: how many entries each learned dict had at the fork


def _fork_map(state: tuple, work: Callable[[range], tuple[Any, dict]], count: int, batch: int, workers: int,
              ws: "Workspace") -> Iterator[Any]:
    """work(batch) over range(count) in a fork pool that inherits `state`; each batch's result in
    order, after what its worker's workspace learned is merged into `ws`."""
    global _FORKED
    _FORKED = state
    batches = [range(i, min(i + batch, count)) for i in range(0, count, batch)]
    gc.freeze()  # the workers never touch the inherited objects' GC headers: pages stay shared
    try:
        with _pool(workers) as pool:
            for part, learned in pool.imap(work, batches):
                for name, values in learned.items():
                    getattr(ws, name).update(values)
                yield part
    finally:
        _FORKED = None
        gc.unfreeze()


def _pool(workers: int):
    """A fork pool whose worker handler thread wakes for a dead worker or a change of state, not
    for each result: it polled until the result thread had read the result, in a loop that took
    30 % of the parent's CPU at 10,000 projects."""
    import multiprocessing
    from multiprocessing.pool import Pool

    class QuietPool(Pool):
        def _get_sentinels(self):  # Pool's: [the result queue, the change notifier]
            return [self._change_notifier._reader]

    return QuietPool(workers, context=multiprocessing.get_context("fork"))


def _in_worker(ws: "Workspace") -> None:
    """Start of a worker's batch: no pool of its own, no automatic collection; what it inherited
    counted once (a copy of the 10,000 project directories of a fleet for each batch cost 2 ms)."""
    global _IN_WORKER, _INHERITED
    _IN_WORKER = True
    gc.disable()
    if _INHERITED is None:
        _INHERITED = {name: len(values) for name, values in _learned(ws).items()}


def _pooled(linter: "Linter", groups: list[list[Candidate]], wanted: set[str], workers: int) -> Iterator["Outcome"]:
    _before_fork()
    for outcomes in _fork_map((linter, groups, wanted), _work, len(groups), BATCH, workers, linter.ws):
        yield from outcomes


def _before_fork() -> None:
    """What every worker needs and a run loads lazily, loaded once here: detect-secrets (the
    credential rules always run, and their generic scan uses it)."""
    from .secrets import load

    load()


def _work(batch: range) -> tuple[list["Outcome"], dict[str, dict]]:
    assert _FORKED is not None
    linter, groups, wanted = _FORKED
    _in_worker(linter.ws)
    outcomes = []
    for i in batch:
        outcomes.append(_slim(_lint_group(linter, groups[i], wanted)))
        after_project(linter.ws)
    return outcomes, _newly_learned(linter.ws)


def run_steps(run: "_Run", steps: list[tuple]) -> None:
    """run.step(*step) for each step, in a fork pool when there are enough of them."""
    workers = 1 if run.l.cancelled is not None else pool_size(len(steps), POOL_MIN_STEPS, STEP_BATCH)
    if workers == 1:
        for step in steps:
            run.step(*step)
        return
    _before_fork()
    for part in _fork_map((run, steps), _work_steps, len(steps), STEP_BATCH, workers, run.ws):
        run.absorb(part)


def _work_steps(batch: range) -> tuple["Outcome", dict[str, dict]]:
    """A batch of steps on the inherited run: what they added to it (a worker's later batches
    start from the run its earlier ones left, as one process would)."""
    assert _FORKED is not None
    run, steps = _FORKED
    _in_worker(run.ws)
    run.hits, run.problems, run.errors, run.internal, run.warnings = [], [], [], [], []
    sources, report, pipelines = dict(run.sources), set(run.report), set(run.pipelines)
    for i in batch:
        run.step(*steps[i])
    part = run.outcome()
    part.sources = {k: v for k, v in run.sources.items() if sources.get(k) is not v}
    part.report = run.report - report
    part.pipelines = {k: v for k, v in run.pipelines.items() if k not in pipelines}
    return part, _newly_learned(run.ws)


def _newly_learned(ws) -> dict[str, dict]:
    """What the workspace learned since the fork, for the parent; the worker forgets it (sent).
    Entries are only ever added: the new ones follow the inherited, in insertion order."""
    assert _INHERITED is not None
    new = {}
    for name, values in _learned(ws).items():
        new[name] = dict(islice(values.items(), _INHERITED.get(name, 0), None))
        for k in new[name]:
            del values[k]
    return new


def _learned(ws) -> dict[str, dict]:
    """What a workspace learns while linting (project directories; a recording workspace's
    reads and probes, which the cache stores): its dict attributes, except the given overlays,
    the sources read, the repository tops and discovery's listing (the parent needs none of them)."""
    return {k: v for k, v in vars(ws).items() if isinstance(v, dict) and k not in ("overlays", "_cache", "_tops", "_marks")}


# ------------------------------------------------- projects linted while discovery walks
class EarlyFleet:
    """A fleet's projects linted in a fork pool while discovery still walks (a walk of 10,000
    projects takes about a second, one core idle meanwhile): each directory below the given one
    is a set of whole projects once walked (see `eligible`), sent to the workers with its
    candidates and project directories, EARLY_WINDOW batches ahead.  Outcomes come back in the order of the groups the whole
    discovery gives (project_groups), exactly as `lint_projects` would give them: a worker knows
    only the wanted paths of its projects, and keeps those it was asked about and did not know;
    a project asked about a path another project holds is linted again here with every path."""

    def __init__(self, linter: "Linter") -> None:
        from collections import deque

        self.linter, self.ws = linter, linter.ws
        self.waiting: list[tuple[str, list[Candidate], list[str]]] = []  # closed groups not sent yet, with their files' directories
        self.sent: deque = deque()  # (group tops, AsyncResult), in the order sent
        self.groups: dict[str, list[Candidate]] = {}
        self.pool: Any = None
        self.early = True  # false once a file directly in the walked directory joins every project into one, or with one process

    @staticmethod
    def eligible(linter: "Linter", paths: list[Path]) -> bool:
        """One directory, outside any git work tree, with no pipeline file in it or above it
        (then no project of a file below it is it or above it, and a directory below it holds
        whole projects); a plain workspace (a recording one records each probe), no editor."""
        from .workspace import ROOT_NAMES, Workspace

        ws = linter.ws
        if (len(paths) != 1 or not paths[0].is_dir() or linter.cancelled is not None or ws.overlays
                or type(ws).exists is not Workspace.exists or _IN_WORKER):
            return False
        start = os.path.abspath(paths[0])
        if ws._repo_top(start) is not None:
            return False
        d = start
        while True:
            if any(ws.exists(os.path.join(d, n)) for n in ROOT_NAMES):  # type: ignore[arg-type]
                return False
            if (parent := os.path.dirname(d)) == d:
                return True
            d = parent

    def discover(self, paths: list[Path]) -> list[Candidate]:
        self.root = os.path.abspath(paths[0])
        return self.ws.discover(paths, self._walked)

    def _walked(self, chunk: list[Candidate], dirs: list[str]) -> None:
        """The candidates under one directory below the walked one (whole projects), or directly
        in it, and the directory each is in: walked first, they make it a project holding every
        other, sent as one at the end."""
        tops: list[str] = []
        groups = _grouped(self.ws, dirs, tops)
        if self.root in tops:
            self.early = False
        for top, group in zip(tops, groups):
            self.groups[top] = [chunk[i] for i in group]
            self.waiting.append((top, self.groups[top], [dirs[i] for i in group]))
        self._send()

    def sound(self) -> bool:
        """Whether the groups found walk by walk are the whole discovery's: none is the walked
        directory (which would hold every other)."""
        return self.early and self.root not in self.groups

    def _send(self, last: bool = False) -> None:
        if not self.early:
            return
        if self.pool is None:
            if len(self.groups) < POOL_MIN_PROJECTS:
                return
            workers = pool_size(1 << 30)  # as many as asked for: there are enough projects
            if workers < 2:
                self.early = False
                return
            global _FORKED
            _before_fork()
            _FORKED = (self.linter,)
            gc.freeze()  # the workers never touch the inherited objects' GC headers: pages stay shared
            self.pool = _pool(workers)
        while self.waiting and len(self.sent) < EARLY_WINDOW and (last or len(self.waiting) >= BATCH):
            batch, self.waiting = self.waiting[:BATCH], self.waiting[BATCH:]
            payload = [self._task(group, dirs) for _, group, dirs in batch]
            self.sent.append(([top for top, _, _ in batch], self.pool.apply_async(_work_early, (payload,))))

    def _task(self, group: list[Candidate], dirs: list[str]) -> tuple[list[tuple[str, str, bool]], dict[str, str]]:
        """What a worker needs of a group: its candidates with plain paths (a str pickles in a
        seventh of a Path's time, and unpickles with Path() in two thirds), and the project
        directory of each directory they are in."""
        return [(str(path), kind, explicit) for path, kind, explicit in group], {d: str(self.ws._projects[d]) for d in dirs}

    def outcomes(self, tops: list[str], groups: list[list[Candidate]], wanted: set[str]) -> Iterator["Outcome"]:
        """Each project's outcome in the order of `tops`; the pool ends with them."""
        try:
            got: dict[str, tuple] = {}
            for top, group in zip(tops, groups):
                while top not in got:
                    self._send(last=True)
                    keys, result = self.sent.popleft()
                    got.update(zip(keys, result.get()))
                outcome, asked = got.pop(top)
                if any(p in wanted for p in asked):
                    outcome = _slim(_lint_group(self.linter, group, wanted))
                    self.ws.forget_reads()
                yield outcome
        finally:
            self.close()

    def close(self) -> None:
        global _FORKED
        if self.pool is not None:
            self.pool.terminate()
            self.pool = None
            _FORKED = None
            gc.unfreeze()


class _Known(set):
    """A worker's wanted paths: those of its projects; a path it is asked about and does not
    know is kept (the parent checks them against every path once discovery is complete)."""

    def __init__(self, known) -> None:
        super().__init__(known)
        self.asked: list[str] = []

    def __contains__(self, path: object) -> bool:
        if set.__contains__(self, path):
            return True
        self.asked.append(path)  # type: ignore[arg-type]
        return False

    def __rand__(self, other):  # `linted & wanted`: set's own intersection would bypass __contains__
        return {p for p in other if p in self}

    __and__ = __rand__


def _work_early(payload: list[tuple[list[tuple[str, str, bool]], dict[str, str]]]) -> list[tuple["Outcome", list[str]]]:
    """Each group's outcome, and the paths it asked about that the worker did not know."""
    from .workspace import display_path

    assert _FORKED is not None
    linter = _FORKED[0]
    ws = linter.ws
    _in_worker(ws)
    out = []
    for task, dirs in payload:
        group = [(Path(path), kind, explicit) for path, kind, explicit in task]
        made: dict[str, Path] = {}  # one Path for a project's directories (they keep its str)
        for d, project in dirs.items():
            if d not in ws._projects:
                ws._projects[d] = made.get(project) or made.setdefault(project, Path(project))
        known = _Known(display_path(c[0]) for c in group)
        out.append((_slim(_lint_group(linter, group, known)), known.asked))
        after_project(ws)
    return out  # nothing the workspace learned: a plain one learns only project directories, which the parent has
