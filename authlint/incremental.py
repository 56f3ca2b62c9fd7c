"""Per-job reuse for the language server: a job's findings from the last run of
its pipeline, kept while nothing they depend on changed.

The editor re-lints the whole pipeline on every change, and most changes touch
one job.  What a job's findings depend on, and so what reuse is keyed on:

* the text of the top-level entries its configuration is built from: its own (in
  every file that defines it), the ones it `extends`, `!reference`s or aliases
  (`*anchor`, `<<: *anchor`), transitively, and the ones every job inherits
  (RESERVED keys: `variables:`, `default:`, `include:`, the legacy top-level
  `image:`...), and each file's header (comments, a component's `spec:`);
* the pipeline's layout: its files, each file's top-level names in order, BOM
  and line ending (a new or renamed entry can resolve an `extends` that failed
  or change which file defines a job);
* what rules read across jobs: which other jobs run the same script line
  (jobfacts.shared_reason: a shared line is not edited in place), the images of
  the other jobs sharing its DOCKER_AUTH_CONFIG value (AL309), whether a file
  mentions DOCKER_AUTH_CONFIG at all (AL210);
* the scripts the job runs (their text; a missing one by its absence);
* the settings (results of other settings are dropped) and the working
  directory (paths are shown relative to it).

A region is a top-level entry's text up to the next entry (its trailing comments
and blank lines included), or a file's header before the first; with the same
layout, region i is the same entry in both runs, and unchanged when its text is
the same and moved only as a whole.  Which region each alias names is found anew
each run (an alias follows the last anchor of its name, which an edit elsewhere
can change: the YAML model lists every alias), the names a region extends or
references are walked again only when its text changed, and a job's regions are
gathered again only when some alias names another region than in the last run.

A reused job's findings move with the text: a file's old and new texts differ in
one span (common prefix and suffix), and every span and fix edit of a reused
finding must lie wholly before or after it.  A message may quote a line number
(AL402's "line 12"), so after an edit that adds or removes lines a job with
findings is reused only when its regions all lie before the edit.  The file rules
run every time; the scan of YAML values for auth JSON skips the entries whose text
is unchanged and had no value opening an object.

The model is reused too: a changed file's YAML is composed again only for the
top-level entries the edit touched (yaml/reload.py, JobMemo.load), and the build
reuses the last build's jobs whose regions kept their text and were not composed
again, moved to the new text (PipelineReuse.globals and .job, the build's hooks).
"""

from __future__ import annotations

import bisect
import os
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .diagnostics import Edit, Span
from .source import Source
from .gitlab.resolve import RESERVED
from .gitlab.values import REFERENCE_TAG
from .workspace import display_path
from .yaml.model import YamlFile, YMap, YScalar, YSeq, load
from .yaml.reload import Shift as _Shift
from .yaml.reload import Moved, move_built, reload

if TYPE_CHECKING:
    from .engine import Problem, _Run
    from .gitlab import Job, Pipeline
    from .gitlab.model import Variable

Region = tuple[str, int]  # (display path, i): a file's header (0) or its top-level entry i - 1
MAX_PIPELINES = 8  # pipelines remembered (one per root the editor lints)
MAX_FILES = 32  # YAML files remembered
AUTH_VARIABLE = "DOCKER_AUTH_CONFIG"


@dataclass
class _Job:
    """One job's share of a run, in the coordinates of the texts it was recorded on."""

    regions: frozenset[Region]  # its inputs
    facts: tuple
    hits: list[tuple[Any, Any]]  # (rule module, Hit)
    problems: list["Problem"]
    internal: list[str]
    calls: list[tuple[str, str | None]]  # (script path, its text; None when missing)
    auth: list[tuple[str, int]]  # the run's auth_seen keys it added


@dataclass
class _Memo:
    settings: object  # the Settings object the jobs were linted under
    layout: tuple
    texts: dict[str, str]  # display path -> text the jobs' coordinates refer to
    bounds: dict[str, list[int]]  # display path -> where its regions start in that text
    names: dict[Region, frozenset[str]]  # what each region extends or references
    aliases: dict[str, dict[int, set[Region]]]  # display path -> region -> the regions its aliases name
    objects: set[Region]  # the regions with a YAML scalar that opens an object (auth JSON, maybe)
    jobs: dict[str, _Job]
    build: "_Build | None"  # the last build (None: one that reported a problem outside the pipeline's files)


@dataclass
class _Build:
    """A build of the pipeline's jobs (gitlab/pipeline.py), kept to reuse jobs whose inputs did not change."""

    sources: dict[str, Source]  # display path -> the source the build's nodes are on
    jobs: dict[str, "Job"]
    variables: dict[str, "Variable"]
    default: YMap | None
    troubled: frozenset[Region]  # the regions where it reported a problem


class JobMemo:
    """The editor's memory of its last runs: per pipeline root and Settings object, each job's results."""

    def __init__(self) -> None:
        self.memos: OrderedDict[tuple[str, int], _Memo] = OrderedDict()
        self.last = (0, 0)  # (jobs replayed, jobs linted) in the last pipeline committed
        self.files: OrderedDict[str, YamlFile] = OrderedDict()  # display path -> its last load
        self.moved: dict[str, tuple[YamlFile, Moved]] = {}  # display path -> its last load, when it reused the one before
        self.kept = 0  # jobs the last build reused

    def load(self, source: Source) -> YamlFile:
        """source's YAML, reusing the last load of its file for the entries an edit left alone
        (yaml/reload.py).  A file that does not parse keeps its last load, for the next edit."""
        old = self.files.get(source.path)
        if old is not None and old.source is source:
            return load(source)  # read again in the same run (a second pipeline): its own model, as without reuse
        reloaded = reload(old, source) if old is not None else None
        self.moved.pop(source.path, None)
        if reloaded is None:
            yf = load(source)
        else:
            yf = reloaded[0]
            self.moved[source.path] = reloaded
        self.files.pop(source.path, None)
        self.files[source.path] = yf
        while len(self.files) > MAX_FILES:
            self.files.popitem(last=False)
        return yf

    def pipeline(self, run: "_Run", pipeline: "Pipeline", project: Path) -> "PipelineReuse":
        self.kept = 0
        return PipelineReuse(self, run, pipeline, project)

    def get(self, root: str, settings: object) -> _Memo | None:
        memo = self.memos.get((root, id(settings)))
        return memo if memo is not None and memo.settings is settings else None

    def keep(self, root: str, settings: object, memo: _Memo | None) -> None:
        key = (root, id(settings))
        self.memos.pop(key, None)
        if memo is not None:
            self.memos[key] = memo
            while len(self.memos) > MAX_PIPELINES:
                self.memos.popitem(last=False)


class _Layout:
    """A pipeline's files cut into regions: each file's header, then one per top-level entry."""

    def __init__(self, pipeline: "Pipeline") -> None:
        self.ok = True
        self.files: dict[str, Any] = {}  # display path -> YamlFile
        self.bounds: dict[str, list[int]] = {}  # display path -> region starts (0 = the header)
        self.by_name: dict[str, list[tuple[str, int]]] = {}  # top-level name -> (path, entry index)
        shape = []
        for yf in pipeline.files.values():
            src = yf.source
            root = yf.root
            entries = root.entries if isinstance(root, YMap) else []
            if (root is not None and not isinstance(root, YMap)) or (isinstance(root, YMap) and root.merges):
                self.ok = False  # a top-level merge or a non-mapping: no reuse, every job is linted
            self.files[src.path] = yf
            self.bounds[src.path] = [0] + [k.start for k, _ in entries]
            names = tuple(k.value if isinstance(k, YScalar) else None for k, _ in entries)
            for i, name in enumerate(names):
                if name is not None:
                    self.by_name.setdefault(name, []).append((src.path, i))
            shape.append((src.path, src.bom, src.newline, len(yf.documents), names, AUTH_VARIABLE in src.text))
        self.key = (os.getcwd(), pipeline.root, pipeline.incomplete, tuple(sorted(pipeline.sources)), tuple(shape))

    def span(self, path: str, i: int) -> tuple[int, int]:
        """Where region i of a file is: 0 is the header, entry k is region k + 1."""
        return _span(self.bounds[path], i, len(self.files[path].source.text))


def _span(bounds: list[int], i: int, length: int) -> tuple[int, int]:
    return bounds[i], bounds[i + 1] if i + 1 < len(bounds) else length


class PipelineReuse:
    """One run of one pipeline: replays the jobs whose inputs did not change, records the rest."""

    def __init__(self, memo: JobMemo, run: "_Run", pipeline: "Pipeline", project: Path) -> None:
        self.memo, self.run, self.pipeline, self.project = memo, run, pipeline, project
        self.root = display_path(project / pipeline.root)
        self.layout = _Layout(pipeline)
        old = memo.get(self.root, run.l.settings)
        self.old = old if old is not None and self.layout.ok and old.layout == self.layout.key else None
        self.shifts: dict[str, _Shift | None] = {}
        self.jobs: dict[str, _Job] = {}
        self.replayed = 0
        self._direct: dict[Region, tuple[set[Region], frozenset[str]]] = {}
        self._aliases: dict[str, dict[int, set[Region]]] = {}
        self._globals: frozenset[Region] | None = None  # every job's inputs, computed once
        self._same: dict[tuple[Region, bool], bool] = {}
        self._aliases_same: bool | None = None
        self._users: dict[int, tuple[str, ...]] | None = None
        self.objects: set[Region] = set()
        self.moves: dict[int, Moved] | None = None  # id(old source) -> its file's reload, when jobs are reused
        self.troubled: frozenset[Region] | None = None  # where the build's problems are (None: somewhere unknown)
        self._kept_regions: dict[Region, bool] = {}

    # ----------------------------------------------------- the YAML auth JSON scan
    def auth_candidates(self, yf: Any) -> list:
        """What the engine walks for scalars that open an object: every document, but of the
        pipeline document only the entries whose region changed or had such a scalar last run
        (a scalar's value is read from its own text; aliases into a skipped region find
        nothing new there: its scalars are the same)."""
        path, old = yf.source.path, self.old
        root = yf.root
        if old is None or not isinstance(root, YMap) or path not in self.layout.files:
            return list(yf.documents)
        keep: list = list(yf.documents[:-1])
        for i, (k, v) in enumerate(root.entries):
            region = (path, i + 1)
            if region in old.objects or not self._unchanged(region, False):
                keep += [k, v]
        return keep

    def auth_candidate(self, scalar: Any) -> None:
        """Record the region of a scalar that opens an object."""
        path = scalar.source.path
        bounds = self.layout.bounds.get(path)
        if bounds is not None and self.layout.files[path].source is scalar.source:
            self.objects.add((path, bisect.bisect_right(bounds, scalar.start) - 1))

    # ------------------------------------------------------------ the engine's hooks
    def mark(self) -> tuple[int, ...]:
        r = self.run
        return len(r.hits), len(r.problems), len(r.internal), len(r.auth_seen), len(r.calls)

    def record(self, job: "Job", mark: tuple[int, ...]) -> None:
        if not self.layout.ok:
            return
        r = self.run
        h, p, i, a, c = mark
        auth = list(r.auth_seen)[a:]
        self.jobs[job.name] = _Job(self.regions(job), self.facts(job), r.hits[h:], r.problems[p:], r.internal[i:], r.calls[c:], auth)

    def replay(self, job: "Job") -> bool:
        """Add the job's findings from the last run when its inputs are unchanged (False: lint it)."""
        old = self.old.jobs.get(job.name) if self.old is not None else None
        if old is None:
            return False
        if not all(self._unchanged(r, bool(old.hits or old.problems)) for r in old.regions):
            return False
        if (not self._same_aliases() and old.regions != self.regions(job)) or old.facts != self.facts(job):
            return False
        if not self._calls_unchanged(old.calls):  # first: reads the scripts into this run
            return False
        moved = self._moved(old)
        if moved is None:
            return False
        r = self.run
        r.hits.extend(moved.hits)
        r.problems.extend(moved.problems)
        r.internal.extend(moved.internal)
        r.auth_seen.update(dict.fromkeys(moved.auth))
        r.calls.extend(moved.calls)
        self.jobs[job.name] = moved
        self.replayed += 1
        return True

    def commit(self) -> None:
        settings = self.run.l.settings
        self.memo.last = (self.replayed, len(self.pipeline.jobs) - self.replayed)
        if not self.layout.ok:
            self.memo.keep(self.root, settings, None)
            return
        texts = {path: yf.source.text for path, yf in self.layout.files.items()}
        for job in self.jobs.values():
            for path, text in job.calls:
                if text is not None:
                    texts[display_path(Path(path))] = text  # as its findings' sources name it
        names = {region: direct[1] for region, direct in self._direct.items()}
        aliases = {path: self._aliased(path) for path in self.layout.files}
        p = self.pipeline
        build = None if self.troubled is None else _Build(
            {path: yf.source for path, yf in self.layout.files.items()}, dict(p.jobs), p.variables, p.default, self.troubled)
        self.memo.keep(self.root, settings, _Memo(settings, self.layout.key, texts, self.layout.bounds, names, aliases, self.objects, self.jobs, build))

    # ------------------------------------------------------------ the build's hooks
    def globals(self) -> "tuple[dict[str, Variable], YMap | None] | None":
        """The last build's global variables and `default:`, moved to this run's texts, when its
        jobs can be reused at all: every file was reloaded from the text that build was made on
        (yaml/reload.py), the global regions kept their text and were not composed again."""
        old = self.old
        build = old.build if old is not None else None
        if build is None:
            return None
        moves: dict[int, Moved] = {}
        for path, yf in self.layout.files.items():
            loaded, moved = self.memo.moved.get(path, (None, None))
            if loaded is not yf or moved is None or moved.old is not build.sources.get(path):
                return None  # (a file read twice in a run is loaded afresh the second time)
            moves[id(moved.old)] = moved
        self.moves = moves
        self.regions_of_globals()
        assert self._globals is not None
        if not self._same_aliases() or not self._kept(self._globals) or self._globals & build.troubled:
            return None
        nodes = [n for v in build.variables.values() for n in (v.value, v.key, v.mapping) if n is not None]
        move_built(nodes + ([build.default] if build.default is not None else []), moves)
        return build.variables, build.default

    def job(self, name: str) -> "Job | None":
        """The last build's job, moved to this run's texts, when its regions kept their text and
        were not composed again (called after globals() said yes)."""
        assert self.old is not None and self.old.build is not None and self.moves is not None
        job, record = self.old.build.jobs.get(name), self.old.jobs.get(name)
        if job is None or record is None or record.regions & self.old.build.troubled:
            return None
        if not self._kept(record.regions - self.regions_of_globals()):
            return None  # (globals() checked those)
        move_built([job.config], self.moves)  # what else it holds is in its config, the globals or the files
        self.memo.kept += 1
        return job

    def built(self, problems: list) -> None:
        """Where the build's problems are.  A job's build reports problems only at nodes of its
        regions (what it is built from, synthetic containers borrowing their positions); so a
        job none of whose regions holds one reported none, and is reused only then: the jobs
        that could report a problem are built again, and report it."""
        regions = set()
        for problem in problems:
            yf = self.pipeline.files.get(problem.path)
            bounds = self.layout.bounds.get(yf.source.path) if yf is not None else None
            if bounds is None:
                return  # not in a file of the pipeline: no reuse
            regions.add((yf.source.path, bisect.bisect_right(bounds, problem.span.start) - 1))
        self.troubled = frozenset(regions)

    def _kept(self, regions: frozenset[Region]) -> bool:
        """The regions' nodes are the last build's, moved: their text is the same and was not composed again."""
        kept = self._kept_regions
        for region in regions:
            ok = kept.get(region)
            if ok is None:
                assert self.old is not None
                moved = self.memo.moved[region[0]][1]
                start, end = _span(self.old.bounds[region[0]], region[1], len(self.old.texts[region[0]]))
                ok = kept[region] = self._unchanged(region, False) and not (start < moved.b and moved.a < end)
            if not ok:
                return False
        return True

    # ------------------------------------------------------------------- inputs
    def regions(self, job: "Job") -> frozenset[Region]:
        """The regions the job's configuration is built from."""
        return self._closure([(path, i + 1) for path, i in self.layout.by_name.get(job.name, [])]) | self.regions_of_globals()

    def regions_of_globals(self) -> frozenset[Region]:
        """The regions every job is built from."""
        if self._globals is None:
            starts = [(path, 0) for path in self.layout.files]
            starts += [(path, i + 1) for name in RESERVED for path, i in self.layout.by_name.get(name, [])]
            self._globals = self._closure(starts)
        return self._globals

    def _same_aliases(self) -> bool:
        """Every alias names a value in the same region as in the last run.  Then a job whose
        regions all kept their text has the same regions: what a region extends or references
        is read from its text, and the layout (where each name is defined) is the same."""
        if self._aliases_same is None:
            assert self.old is not None
            self._aliases_same = all(self._aliased(path) == self.old.aliases.get(path) for path in self.layout.files)
        return self._aliases_same

    def _closure(self, starts: list[Region]) -> frozenset[Region]:
        seen: set[Region] = set()
        todo = list(starts)
        while todo:
            at = todo.pop()
            if at in seen:
                continue
            seen.add(at)
            regions, names = self._deps(*at)
            todo.extend(regions)
            todo.extend((path, i + 1) for name in names for path, i in self.layout.by_name.get(name, []))
        return frozenset(seen)

    def _deps(self, path: str, i: int) -> tuple[set[Region], frozenset[str]]:
        """(regions aliased, names extended or referenced) by region i of a file."""
        key = (path, i)
        if key not in self._direct:
            self._direct[key] = (self._aliased(path).get(i, set()), self._names(path, i))
        return self._direct[key]

    def _aliased(self, path: str) -> dict[int, set[Region]]:
        """region -> the other regions its aliases name (the YAML model lists where aliases are)."""
        if path not in self._aliases:
            out: dict[int, set[Region]] = {}
            bounds = self.layout.bounds[path]
            for site, target in self.layout.files[path].aliases:
                here, there = bisect.bisect_right(bounds, site) - 1, bisect.bisect_right(bounds, target.start) - 1
                if here != there:
                    out.setdefault(here, set()).add((path, there))
            self._aliases[path] = out
        return self._aliases[path]

    def _names(self, path: str, i: int) -> frozenset[str]:
        """The names region i `extends` or `!reference`s: the last run's when its text (and the
        file's header, which may define tags) did not change."""
        old = self.old
        if old is not None and (path, i) in old.names and self._unchanged((path, 0), False) and self._unchanged((path, i), False):
            return old.names[(path, i)]
        names: set[str] = set()
        yf = self.layout.files[path]
        src, (lo, hi) = yf.source, self.layout.span(path, i)
        stack: list = [] if i == 0 else list(yf.root.entries[i - 1])
        while stack:
            v = stack.pop()
            if v.source is not src or not lo <= v.start < hi:
                continue  # an alias of a value elsewhere: that region's names
            if isinstance(v, YSeq):
                if v.tag == REFERENCE_TAG and v.items and isinstance(v.items[0], YScalar):
                    names.add(v.items[0].value)
                stack.extend(v.items)
            elif isinstance(v, YMap):
                stack.extend(v.merges)
                for k, item in v.entries:
                    if isinstance(k, YScalar) and k.value == "extends":
                        names.update(s.value for s in ([item] if isinstance(item, YScalar) else getattr(item, "items", [])) if isinstance(s, YScalar))
                    stack += [k, item]
        return frozenset(names)

    def facts(self, job: "Job") -> tuple:
        """What rules read of other jobs (see the module docstring)."""
        if self._users is None:
            users: dict[int, list[str]] = {}
            for other in self.pipeline.jobs.values():
                if not other.hidden:
                    for line in other.lines:
                        users.setdefault(id(line.scalar), []).append(other.name)
            self._users = {k: tuple(names) for k, names in users.items() if len(names) > 1}  # the shared lines only
        shared = self._users  # a line's users, this job among them (the same for every user: built once)
        shared_lines = tuple((k, shared[id(line.scalar)]) for k, line in enumerate(job.lines) if id(line.scalar) in shared) if shared else ()
        var = job.variables.get(AUTH_VARIABLE)
        scalar = var.value if var is not None else None
        images: list = []
        if scalar is not None:
            for other in self.pipeline.jobs.values():
                v = other.variables.get(AUTH_VARIABLE)
                if other is not job and not other.hidden and v is not None and v.value is scalar:
                    pulled = ([other.image] if other.image else []) + list(other.services)
                    images.append((other.name, tuple(i.name.value for i in pulled if i.name is not None)))
        return shared_lines, tuple(images)

    def _calls_unchanged(self, calls: list[tuple[str, str | None]]) -> bool:
        """The scripts the job ran are the same (and read into this run); missing ones still missing."""
        r = self.run
        for path, text in calls:
            base = r._shell_unit_for_file(Path(path), self.project) if r.ws.exists(Path(path)) else None
            if (base.source.text if base is not None else None) != text:
                return False
            if base is not None:
                r.pipelines.setdefault(base.source.path, self.root)
        return True

    # ----------------------------------------------------------------- moving
    def _shift(self, path: str) -> _Shift | None:
        if path not in self.shifts:
            old = self.old.texts.get(path) if self.old is not None else None
            src = self.run.sources.get(path)
            self.shifts[path] = None if old is None or src is None else _Shift(old, src.text)
        return self.shifts[path]

    def _unchanged(self, region: Region, lines_matter: bool) -> bool:
        """The region's text is the same, at the same place or moved (and, when lines_matter, on the
        same lines).  The layout is the same, so region i of a file is entry i - 1 in both runs."""
        key = (region, lines_matter)
        if key not in self._same:
            path, i = region
            shift = self._shift(path)
            assert self.old is not None
            old = _span(self.old.bounds[path], i, len(self.old.texts[path]))
            self._same[key] = shift is not None and shift.span(*old) == self.layout.span(path, i) and not (
                lines_matter and shift.lines_moved and shift.after(old[0]))
        return self._same[key]

    def _moved(self, job: _Job) -> _Job | None:
        """The job's record in this run's coordinates, or None when some part of it cannot move."""
        hits = []
        for module, hit in job.hits:
            moved = self._hit(hit)
            if moved is None:
                return None
            hits.append((module, moved))
        problems = []
        for p in job.problems:
            span = self._span(p.source.path, p.span)
            if span is None:
                return None
            problems.append(replace(p, source=self.run.sources[p.source.path], span=span))  # _span: it is read
        auth = []
        for path, offset in job.auth:
            shift = self._shift(path)
            at = shift.span(offset, offset + 1) if shift is not None else None
            if at is None:
                return None
            auth.append((path, at[0]))
        return _Job(job.regions, job.facts, hits, problems, job.internal, job.calls, auth)

    def _span(self, path: str, span: Span) -> Span | None:
        """span of an old text of path in this run's text of path (which was read), or None."""
        shift = self._shift(path)
        at = shift.span(span.start, span.end) if shift is not None else None
        return None if at is None else Span(*at)

    def _hit(self, hit):
        """The hit, its fix's edits too, at their places in this run's texts (None: one touches the change)."""
        span = self._span(hit.source.path, hit.span)
        if span is None:
            return None
        fix = hit.fix
        if fix is not None and fix.edits:
            edits = []
            for e in fix.edits:
                at = self._span(e.path, Span(e.start, e.end))
                if at is None:
                    return None
                edits.append(Edit(e.path, at.start, at.end, e.content))
            fix = replace(fix, edits=tuple(edits))
        return replace(hit, source=self.run.sources[hit.source.path], span=span, fix=fix)

