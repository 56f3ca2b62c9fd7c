"""The engine: discover files, build units, run rules, apply configuration and
suppressions, and turn hits into findings.  Rules stay pure; everything with
side effects or policy happens here, once.
"""

from __future__ import annotations

import os

import bisect
import contextlib
import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Iterable

from . import rules as registry
from . import suppressions
from .authjson.looks import looks_like_auth_json, starts_as_object
from .diagnostics import Applicability, Edit, Finding, Fix, Severity, Span
from .lazy import lazy_compile, on_first_call
from .rules.base import Hit
from .secrets import SecretSet, fingerprint, redact_text
from .settings import Settings
from .source import DecodeError, Source
from .textmap import ChainMap, FileMap, LineMap, ScalarMap, ShiftMap, TextMap
from .units import AuthDoc, CommandRef, FileUnit, JobUnit, ShellUnit
from .workspace import ROOT_NAMES, ReadError, Workspace, absolute, classify, display_path, fixed_cwd, relative

if TYPE_CHECKING:
    from .incremental import JobMemo, PipelineReuse

CREDENTIAL_FAMILY = "AL1"
MAX_CALL_DEPTH = 3
_GL_VAR = lazy_compile(r"\$\$|\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*")


@dataclass(eq=False)
class Problem:
    """A finding the engine itself raises (parse errors, unresolved includes)."""

    code: str
    source: Source
    span: Span
    message: str


@dataclass(eq=False)
class LintResult:
    """What a lint run found, with what reporters and fixes need."""

    findings: list[Finding]
    sources: dict[str, Source]  # display path -> source, for reporters and fixes
    files: list[str]  # display paths linted and reported on
    errors: list[str] = field(default_factory=list)  # one-line errors (unreadable input)
    secrets: dict[int, tuple[str, ...]] = field(default_factory=dict)  # id(finding) -> values to redact
    internal_error: bool = False  # a bug in authlint (exit 2), as opposed to unreadable input
    pipelines: dict[str, str] = field(default_factory=dict)  # CI file or called script -> the root it was linted under
    warnings: list[str] = field(default_factory=list)  # worth saying, not worth failing (a configured root missing)
    frames: dict[int, tuple[int, str, str, str] | None] = field(default_factory=dict)  # id(finding) -> its code frame, stored (a cache hit)


@dataclass(eq=False)
class Outcome:
    """One project's lint, without its model: small, and picklable for a worker process."""

    hits: list[tuple[str, Hit]]  # (rule code, hit)
    problems: list[Problem]
    sources: dict[str, Source]
    report: set[str]
    errors: list[str]
    internal: list[str]
    pipelines: dict[str, str]  # reported file -> the pipeline it was linted in
    warnings: list[str]


class LintCancelled(BaseException):
    """Raised between jobs when Linter.cancelled() says the result is no longer wanted
    (a BaseException: no per-file guard turns it into an internal error)."""


class Linter:
    def __init__(self, settings: Settings, overlays: dict[str, str] | None = None) -> None:
        self.settings = settings
        self.cancelled: Callable[[], bool] | None = None  # the editor's "a newer version exists"
        self.reuse: JobMemo | None = None  # the editor's per-job results of earlier runs (incremental.py)
        self.collect_garbage = True  # after each project; the editor collects after publishing instead
        self.fingerprints = True  # the findings' (baselines, caches, machine formats); a text report shows none
        self.enabled = registry.resolve_selection(settings.select, settings.extend_select, settings.ignore)
        # Credential rules always run: when disabled their hits are dropped, but what they
        # found is still redacted in code frames and diffs of the other findings.
        self.modules = [
            m for m in registry.all_modules() if m.RULE.code in self.enabled or m.RULE.code.startswith(CREDENTIAL_FAMILY)
        ]
        self.hooks = {h: [m for m in self.modules if hasattr(m, h)] for h in registry.HOOKS}
        self.options = {m.RULE.code: settings.options_for(m.RULE.code, m.RULE.options) for m in self.modules}
        # What _run_hook calls, bound once: (module, hook function, options) per hook.
        self.calls = {h: [(m, getattr(m, h), self.options[m.RULE.code]) for m in ms] for h, ms in self.hooks.items()}
        from .triggers import AuthRules, CommandRules, JobRules

        self.command_rules = CommandRules(self.calls["check_command"])
        self.auth_rules = AuthRules(self.calls["check_auth"])
        self.job_rules = JobRules(self.calls["check_job"])
        self.ws = Workspace(settings, dict(overlays or {}))

    # ------------------------------------------------------------------ entry
    def lint_paths(self, paths: Iterable[str | Path], sink: Callable[[LintResult], None] | None = None) -> LintResult:
        """The lint of paths; given a sink, the findings go to it project by project instead
        (in report order), and the result keeps none of them (nor their sources)."""
        run = _Run(self)
        return run.execute([Path(p) for p in paths], sink)


class _Run:
    """One lint run: units built once, hits gathered, then post-processed."""

    def __init__(self, linter: Linter) -> None:
        self.l = linter
        self.ws = linter.ws
        self.hits: list[tuple[ModuleType, Hit]] = []
        self.problems: list[Problem] = []
        self.sources: dict[str, Source] = {}
        self.report: set[str] = set()
        self.errors: list[str] = []
        self.internal: list[str] = []
        self.shell_cache: dict[tuple, tuple[list, list[Problem]]] = {}
        self.file_units: dict[str, ShellUnit] = {}
        self.done_pipelines: set[str] = set()
        self.in_pipeline: set[str] = set()  # display paths of every file some linted pipeline read
        self.wanted: set[str] = set()  # display paths under the given paths
        self.reporting_root = False  # whether the pipeline being linted is reported (not context only)
        self.pipelines: dict[str, str] = {}
        self.warnings: list[str] = []
        self.auth_seen: dict[tuple[str, int], None] = {}  # ordered: a job's additions are replayed with it
        self.calls: list[tuple[str, str | None]] = []  # (script a job runs, its text or None): what reuse checks

    # ---------------------------------------------------------------- driver
    def execute(self, paths: list[Path], sink: Callable[[LintResult], None] | None = None) -> LintResult:
        with fixed_cwd():
            return self._execute(paths, sink)

    def _execute(self, paths: list[Path], sink: Callable[[LintResult], None] | None) -> LintResult:
        from .projects import EarlyFleet, lint_projects, paused_gc, project_groups

        for p in paths:
            if not p.exists() and os.path.abspath(p) not in self.ws.overlays:
                self.errors.append(f"{display_path(p)}: no such file or directory")
        given = [p for p in paths if p.exists() or os.path.abspath(p) in self.ws.overlays]
        # A streamed fleet: its projects are linted while discovery walks (same outcomes, same order).
        early = EarlyFleet(self.l) if sink is not None and EarlyFleet.eligible(self.l, given) else None
        with paused_gc() if early is not None else contextlib.nullcontext():
            try:
                candidates = early.discover(given) if early is not None else self.ws.discover(given)
                for where, message in self.ws.unreadable:  # a directory under the given paths
                    self._unreadable(where, message, given=True)
                self.wanted = {display_path(c[0]) for c in candidates}
                tops: list[str] = []
                if early is not None and early.pool is not None and early.sound():
                    tops.extend(sorted(early.groups))
                    parts = early.outcomes(tops, [early.groups[t] for t in tops], self.wanted)
                else:
                    if early is not None:
                        early.close()
                    parts = lint_projects(self.l, project_groups(self.ws, candidates, tops), self.wanted)
                if sink is not None:
                    return self._stream(parts, [_floor(top) for top in tops], sink)
                for part in parts:
                    self.absorb(part)
                return self._finish()
            finally:
                if early is not None:
                    early.close()

    def lint_candidates(self, candidates: list[tuple[Path, str, bool]], wanted: set[str]) -> None:
        """Lint one project's candidates (the model is dropped with this _Run afterwards)."""
        self.wanted = wanted
        # Every candidate's project pipeline first, once: the CI files it includes and the
        # scripts its jobs call are linted in its context, wherever the given paths point.
        projects = dict.fromkeys(self.ws.project_dir(c[0]) for c in candidates)
        for project in projects:
            for root in self._roots(project):
                self._guarded(self._lint_root, root, project)
        steps = self._stray_steps([c for c in candidates if c[1] in ("ci", "yaml") and display_path(c[0]) not in self.in_pipeline])
        for path, kind, explicit in candidates:
            shown = display_path(path)
            if kind == "shell":
                steps.append((shown, self._lint_shell_file, path))
            elif kind == "auth":
                steps.append((shown, self._lint_auth_file, path))
            elif kind == "unknown" and explicit:
                steps.append((shown, self._lint_unknown, path))
        _run_steps(self, steps)

    def step(self, shown: str, lint: Callable, path: Path, *args) -> None:
        """One file's lint, reported on (independent of the other steps: a pool may run it)."""
        self.report.add(shown)
        self._guarded(lint, path, *args)

    def outcome(self) -> "Outcome":
        """What a project's lint leaves behind: hits, problems, sources, reported files, errors."""
        hits = [(m.RULE.code, h) for m, h in self.hits]
        return Outcome(hits, self.problems, self.sources, self.report, self.errors, self.internal, self.pipelines, self.warnings)

    def release(self) -> None:
        """The project is linted (its outcome taken): free its script files' units."""
        for unit in self.file_units.values():
            if unit is not None:
                unit.release()

    def absorb(self, part: "Outcome", findings: bool = True) -> None:
        """Add a part's outcome to the run (without findings: only its files and errors)."""
        if findings:
            mods = registry.by_code()
            self.hits.extend((mods[code], h) for code, h in part.hits)
            self.problems.extend(part.problems)
            self.sources.update(part.sources)
            for path, pipeline in part.pipelines.items():
                self.pipelines.setdefault(path, pipeline)
        self.report.update(part.report)
        self.errors.extend(part.errors)
        self.internal.extend(part.internal)
        self.warnings.extend(w for w in part.warnings if w not in self.warnings)

    def _guarded(self, step, path: Path, *args) -> None:
        """One file's failure is reported on one line and never stops the run."""
        try:
            step(path, *args)
        except RecursionError:
            self.errors.append(f"{display_path(path)}: input nested too deeply to lint")
        except MemoryError:
            self.errors.append(f"{display_path(path)}: input too large to lint")
        except Exception as exc:
            self.internal.append(f"internal error on {display_path(path)}: {type(exc).__name__}: {redact_text(str(exc))[:200]}")

    def _read(self, path: Path, within: Path | None = None) -> Source | None:
        try:
            src = self.ws.read(path, within)
        except DecodeError as exc:
            self._unreadable(path, f"cannot read file: {exc}")
            return None
        except (ReadError, OSError) as exc:
            self._unreadable(path, str(exc) if isinstance(exc, ReadError) else f"{display_path(path)}: {exc}")
            return None
        self.sources[src.path] = src
        return src

    def _unreadable(self, path: Path, message: str, given: bool = False) -> None:
        """An input that cannot be read fails the run: an AL001 error (a line when AL001 is off)."""
        shown = display_path(path)
        if "AL001" not in self.l.enabled:
            self.errors.append(message)
            return
        src = self.sources.setdefault(shown, Source(shown, ""))
        if given or shown in self.wanted or self.reporting_root:
            self.report.add(shown)
        self.problems.append(Problem("AL001", src, Span(0, 0), message.removeprefix(shown + ": ")))

    # -------------------------------------------------------------- pipelines
    def _roots(self, project: Path) -> list[Path]:
        """The project's pipeline roots: the configured or default file; among several common
        spellings, the ones no other includes."""
        found = self.ws.root_candidates(project)
        configured = self.l.settings.ci_config_path
        if configured and not found and os.path.exists(project / ".git"):
            self.warnings.append(f"ci-config-path {', '.join(configured)} not found in {display_path(project)}/; "
                                 "its included files are linted on their own")
        if len(found) < 2 or configured:
            return found
        included: set[str] = set()
        for root in found:
            pipeline = self._load_pipeline(root, project, build=False)
            if pipeline is not None:
                included.update(s.path for s in pipeline.sources.values() if s.path != display_path(root))
        return [r for r in found if display_path(r) not in included] or found[:1]

    def _lint_root(self, root: Path, project: Path) -> None:
        """A project's pipeline; a root outside the given paths is context only, its read errors
        belong to a run on it."""
        errors = len(self.errors)
        self._lint_pipeline(root, project)
        if display_path(root) not in self.wanted:
            del self.errors[errors:]

    def _stray_steps(self, strays: list[tuple[Path, str, bool]]) -> list[tuple]:
        """CI YAML that no project pipeline includes (a templates repository, a CI/CD component's
        templates/, an old pipeline, files past GitLab's include limit) is linted as a pipeline of
        its own; one stray included by another is linted inside it; other YAML is skipped.
        The steps that lint them (every pipeline is loaded here, once; their
        jobs are built by the step that lints them)."""
        pipelines: list[tuple[Path, Path]] = []
        for path, kind, _ in strays:
            project = path.parent if path.name in ROOT_NAMES else self.ws.project_dir(path)
            if kind == "ci" or self._looks_like_ci(path, project):
                pipelines.append((path, project))
        included: set[str] = set()
        for path, project in pipelines:
            pipeline = self._load_pipeline(path, project, build=False)
            if pipeline is not None:
                included.update(s.path for s in pipeline.sources.values() if s.path != display_path(path))
        steps: list[tuple] = []
        linted = set(self.in_pipeline)  # as _lint_pipeline will grow in_pipeline, step by step
        for path, project in pipelines:
            shown = display_path(path)
            if shown in linted or (shown in included and path.name not in ROOT_NAMES):
                continue
            steps.append((shown, self._lint_pipeline, path, project))
            pipeline = self._load_pipeline(path, project, build=False)
            if pipeline is not None:
                linted.update(s.path for s in pipeline.sources.values())
        return steps

    def _looks_like_ci(self, path: Path, project: Path) -> bool:
        """YAML judged by its content: a parsed file by its keys (not by the shape errors the CI
        loader raises: `repos:` in .pre-commit-config.yaml is "a job that should be a mapping");
        a file that does not parse by sniffing its text (Helm and Jinja templates are not CI)."""
        pipeline = self._load_pipeline(path, project, build=False)
        if pipeline is None:
            return True  # unreadable: let the error show
        shown = display_path(path)
        yf = next((f for f in pipeline.files.values() if f.source.path == shown), None)
        if yf is None:
            src = next((s for s in pipeline.sources.values() if s.path == shown), None)
            return src is not None and _sniff_ci(src.text)
        from .yaml.model import YMap

        root = yf.root
        if not isinstance(root, YMap):
            return False
        if len(yf.documents) > 1 and isinstance(yf.documents[0], YMap) and "spec" in yf.documents[0]:
            return True  # a CI/CD component: `spec:` header, `---`, then its jobs
        if any(k in root for k in ("include", "stages", "default", "workflow")):
            return True
        return any(
            isinstance(v, YMap) and any(k in v for k in _JOB_KEYS)
            for _, v in root.items()
        )

    def _load_pipeline(self, root: Path, project: Path, build: bool = True):
        """The pipeline rooted at root, loaded once; build=False: its files only (deciding
        which files are pipelines needs no jobs, and a pool's workers then build them)."""
        key = absolute(root)
        cache = self.__dict__.setdefault("_pipelines", {})
        if key not in cache:
            def read(rel: str) -> Source:
                src = self.ws.read(project / rel, project)
                self.sources[src.path] = src
                return src

            rel_root = relative(key, os.fspath(project))
            try:
                parse = {"parse": self.l.reuse.load} if self.l.reuse is not None else {}
                cache[key] = _load_pipeline_files(rel_root, read, str(project), build=False, **parse)
            except (ReadError, OSError) as exc:
                self._unreadable(root, str(exc))
                cache[key] = None
            except DecodeError as exc:
                self._unreadable(root, f"cannot read file: {exc}")
                cache[key] = None
        if build and cache[key] is not None:
            _build_jobs(cache[key])
        return cache[key]

    def _lint_pipeline(self, root: Path, project: Path) -> None:
        shown = display_path(root)
        if shown in self.done_pipelines:
            return
        self.done_pipelines.add(shown)
        self.reporting_root = shown in self.wanted  # its unreadable inputs fail the run
        pipeline = self._load_pipeline(root, project, build=False)
        if pipeline is None:
            return
        reuse = self.l.reuse.pipeline(self, pipeline, project) if self.l.reuse is not None else None
        _build_jobs(pipeline, reuse)  # with reuse, the jobs whose inputs did not change are the last run's
        for p in pipeline.problems:
            src = self._source_for(pipeline, p.path)
            if src is None:  # the file could not be read at all: report on an empty text
                src = self.sources.setdefault(display_path(project / p.path), Source(display_path(project / p.path), ""))
                if self.reporting_root or src.path in self.wanted:
                    self.report.add(src.path)  # an unreadable input fails the run
            self.problems.append(Problem(p.code, src, p.span, p.message))
        linted = {s.path for s in pipeline.sources.values()}
        self.in_pipeline.update(linted)
        self.report.update(linted & self.wanted)  # only files under the given paths are reported
        for path in linted & self.wanted:
            self.pipelines.setdefault(path, shown)
        # Concrete jobs first: a finding in shared template text is reported for them.
        ordered = sorted(pipeline.jobs.values(), key=lambda j: j.hidden)
        # Needed only for a YAML value that opens an object, rare: not computed otherwise (the editor lints every change).
        shell_lines_and_names = _once(functools.partial(_shell_lines_and_names, pipeline))
        for yf in pipeline.files.values():
            unit = FileUnit(yf.source, "ci", yaml=yf, pipeline=pipeline)
            self._run_hook("check_file", unit)
            self._yaml_auth_docs(yf, shell_lines_and_names, reuse)
        for job in ordered:
            if self.l.cancelled is not None and self.l.cancelled():
                raise LintCancelled
            if reuse is not None and reuse.replay(job):
                continue
            mark = reuse.mark() if reuse is not None else None
            ju = self._job_unit(job, pipeline, project)
            if not ju.job.hidden:
                self._run_hook("check_job", ju)
            self._command_hooks(ju.commands)
            self._command_hooks(ju.after)  # another shell
            if reuse is not None:
                reuse.record(job, mark)
            ju.release()
        if reuse is not None:
            reuse.commit()

    @staticmethod
    def _source_for(pipeline, path: str) -> Source | None:
        """The file a pipeline problem is in (paths are relative to that pipeline's project)."""
        yf = pipeline.files.get(path)
        return yf.source if yf is not None else pipeline.sources.get(path)

    # ------------------------------------------------------------------- jobs
    def _job_unit(self, job, pipeline, project: Path) -> JobUnit:
        ju = JobUnit(job, pipeline)
        if _is_powershell(job):
            ju.shell = "powershell"  # not a POSIX shell: no shell model, text rules only
            return ju
        for target, lines in zip((ju.commands, ju.after), _script_lines(job)):
            for unit, commands in self._job_script(lines):
                ju.units.append(unit)
                for cmd in commands:
                    self._append_command(ju, target, cmd, unit, project, 0)
        return ju

    def _append_command(self, ju: JobUnit, target: list[CommandRef], cmd, unit: ShellUnit, project: Path, depth: int) -> None:
        ref = CommandRef(cmd, unit, ju, len(target))
        target.append(ref)
        called = _called_script(cmd)
        if called and depth < MAX_CALL_DEPTH:
            sub = self._called_unit(project, called, ref)
            if sub is not None:
                for c in sub.script.commands:
                    self._append_command(ju, target, c, sub, project, depth + 1)

    def _job_script(self, lines) -> list[tuple[ShellUnit, list]]:
        """Script items parsed as the runner runs them: joined into one script.

        Each item becomes a ShellUnit over the joined script whose map points
        into the item's own file; if the joined script does not parse, items
        are parsed one by one so the rest can still be linted.
        """
        scalars = tuple([line.scalar for line in lines])  # the cache's key (a YScalar hashes by identity)
        cached = self.shell_cache.get(scalars)
        if cached is not None:
            out, problems = cached
            self.problems.extend(problems)  # again for each job (deduplicated at the end): reuse keeps a job's own
            return out
        problems_before = len(self.problems)
        texts = [scalar.value for scalar in scalars]
        text = "\n".join(texts)
        if "$[[" in text or "${{" in text:  # inputs, masked item by item (most scripts have none)
            texts = [_mask_inputs(t) for t in texts]
            text = "\n".join(texts)
        starts, pos = [], 0
        for t in texts:
            starts.append(pos)
            pos += len(t) + 1
        joined = _shell_parse(text)
        maps = [LineMap(scalar) for scalar in scalars]
        out: list[tuple[ShellUnit, list]] = []
        if not joined.errors:
            if len(lines) == 1:  # one item (many jobs): every command is its own
                buckets = [list(joined.commands)]
            else:
                buckets = [[] for _ in lines]
                for cmd in joined.commands:  # starts[0] is 0: each command is in some item
                    buckets[bisect.bisect_right(starts, cmd.start) - 1].append(cmd)
            for line, m, s, t, bucket in zip(lines, maps, starts, texts, buckets):
                out.append((ShellUnit(joined, m.source, ShiftMap(m, s), line.section, line, None, (s, s + len(t))), bucket))
            for start, end, message in joined.runtime_errors:
                k = max(0, bisect.bisect_right(starts, start) - 1)
                where = ShellUnit(joined, lines[k].scalar.source, ShiftMap(maps[k], starts[k]))
                self.problems.append(Problem("AL001", where.source, where.span(start, end), message))
        else:
            start, end, message = joined.errors[0]
            k = max(0, bisect.bisect_right(starts, start) - 1)
            where = ShellUnit(joined, lines[k].scalar.source, ShiftMap(maps[k], starts[k]))
            end = max(start, min(end, starts[k] + len(texts[k])))
            self.problems.append(Problem("AL001", where.source, where.span(start, end), f"shell syntax error: {message}"))
            for line, m, t in zip(lines, maps, texts):
                script = _shell_parse(t)
                unit = ShellUnit(script, line.scalar.source, m, line.section, line)
                out.append((unit, list(script.commands)))
                self._shell_problems(unit, syntax=False)
        self.shell_cache[scalars] = (out, self.problems[problems_before:])
        return out

    def _shell_problems(self, unit: ShellUnit, syntax: bool = True) -> None:
        script = unit.script
        for start, end, message in script.errors[:1] if syntax else ():  # the first error; the rest cascade
            self.problems.append(Problem("AL001", unit.source, unit.span(start, end), f"shell syntax error: {message}"))
        for start, end, message in script.runtime_errors:
            self.problems.append(Problem("AL001", unit.source, unit.span(start, end), message))

    def _called_unit(self, project: Path, rel: str, ref: CommandRef) -> ShellUnit | None:
        path = (project / rel).resolve() if not rel.startswith("/") else None
        if path is None or not self.ws.exists(path):
            return None
        base = self._shell_unit_for_file(path, project)
        self.calls.append((str(path), base.source.text if base is not None else None))
        if base is None:
            return None
        if ref.job is not None and base.source.path not in self.pipelines:  # --show-files: the pipeline whose jobs call it
            self.pipelines[base.source.path] = display_path(project / ref.job.pipeline.root)
        return ShellUnit(base.script, base.source, base.tmap, None, None, called_from=ref)

    def _shell_unit_for_file(self, path: Path, within: Path | None = None) -> ShellUnit | None:
        key = absolute(path)
        if key in self.file_units:
            return self.file_units[key]
        src = self._read(path, within)
        if src is None:
            self.file_units[key] = None  # type: ignore[assignment]
            return None
        unit = ShellUnit(_shell_parse(src.text), src, FileMap(src))
        self.file_units[key] = unit
        self._shell_problems(unit)
        return unit

    # ------------------------------------------------------------ shell files
    def _lint_shell_file(self, path: Path) -> None:
        unit = self._shell_unit_for_file(path)
        if unit is None:
            return
        self._run_hook("check_file", FileUnit(unit.source, "shell", shell=unit))
        self._command_hooks([CommandRef(cmd, unit, None) for cmd in unit.script.commands])

    def _lint_auth_file(self, path: Path) -> None:
        src = self._read(path)
        if src is None:
            return
        self._run_hook("check_file", FileUnit(src, "auth"))
        self._auth_doc(src.text, [], FileMap(src), "file")

    def _lint_unknown(self, path: Path) -> None:
        src = self._read(path)
        if src is not None:
            self._run_hook("check_file", FileUnit(src, "other"))

    # -------------------------------------------------------------- auth JSON
    def _yaml_auth_docs(self, yf, shell_lines_and_names: Callable[[], tuple[set[int], dict[int, str]]],
                        reuse: "PipelineReuse | None") -> None:
        if reuse is not None or yf.braced is None:
            if not _may_open_object(yf.source.text):
                return
            tops = reuse.auth_candidates(yf) if reuse is not None else yf.documents
            # a value without a brace cannot open an object (most: one C scan each, no call)
            candidates = [scalar for top in tops for scalar in _scalars_in(top) if "{" in scalar.value]
        else:
            candidates = yf.braced  # the scalars of the walk that can open an object, recorded by the load
        for scalar in candidates:
            if not starts_as_object(scalar.value):
                continue
            if reuse is not None:
                reuse.auth_candidate(scalar)
            shell_lines, names = shell_lines_and_names()
            if id(scalar) in shell_lines:
                continue
            if names.get(id(scalar)) != "DOCKER_AUTH_CONFIG" and not looks_like_auth_json(scalar.value):
                continue
            opaque = [(m.start(), m.end()) for m in _GL_VAR.finditer(scalar.value) if m.group() != "$$"]
            tmap = ScalarMap(scalar.source, scalar.text)
            self._auth_doc(scalar.value, opaque, tmap, "yaml", variable=names.get(id(scalar)), scalar=scalar)

    def _shell_auth_docs(self, ref: CommandRef) -> None:
        """The auth documents a command writes."""
        cmd = ref.cmd
        if not cmd.redirects and cmd.basename not in ("echo", "printf"):
            return  # most commands: no document (a group's shared redirect is one of its members')
        group = _write_group(ref)
        if group is not None:  # `{ echo '{'; echo '"auths": ...'; echo '}'; } > f` writes one document
            members, output = group
            if output is not None and members[0] is cmd and looks_like_auth_json(_masked(output.text, output.opaque)):
                tmap = ChainMap(ref.unit.tmap, output.to_shell, cmd.start, '"\\$`\'', approx=output.approx)
                self._auth_doc(output.text, output.opaque, tmap, "shell", command=ref)
            return
        for word in cmd.args if cmd.name is not None and cmd.basename in ("echo", "printf") else []:
            template = word.template
            if "{" in template and looks_like_auth_json(template):
                opaque = word.expansion_ranges
                if not looks_like_auth_json(_masked(template, opaque)):
                    continue  # the hint is inside `$(...)`, whose own command is linted on its own
                approx, to_shell = _word_chars(ref, word, template)
                forbidden = '"\\$`' if word.quoting in ("double", "mixed") else "'" if word.quoting == "single" else " \t'\"\\$`*?[]{}|&;<>()#~"
                tmap = ChainMap(ref.unit.tmap, to_shell, word.start, forbidden, approx=approx)
                self._auth_doc(template, opaque, tmap, "shell", command=ref)
        for redirect in cmd.redirects:
            hd = redirect.heredoc
            if hd is None or not (starts_as_object(hd.body) and looks_like_auth_json(hd.body)):
                continue
            opaque = [] if hd.quoted else [(p.start - hd.body_start, p.end - hd.body_start) for p in hd.parts if p.kind != "literal"]
            tmap = ChainMap(ref.unit.tmap, [hd.body_start + i for i in range(len(hd.body))], hd.body_start)
            self._auth_doc(hd.body, opaque, tmap, "heredoc", command=ref)

    def _auth_doc(self, text: str, opaque, tmap: TextMap, origin: str, **kw) -> None:
        if not self.l.hooks["check_auth"]:
            return
        key = (tmap.source.path, tmap.offset(0))
        job = kw.get("command").job if kw.get("command") is not None else None
        if key in self.auth_seen and job is None:
            return
        self.auth_seen[key] = None
        result = _parse_json(text, opaque)
        doc = AuthDoc(text, list(opaque), result, tmap, origin, job=job, **kw)
        self._auth_hooks(doc)

    def _auth_hooks(self, doc: AuthDoc) -> None:
        """check_auth on doc, but not a rule that reads the document alone where it found nothing before."""
        rules = self.l.auth_rules
        try:
            quiet = rules.quiet_on(doc, _effective(doc))
        except Exception:  # a bug there: each rule's call raises it again, and is reported there
            quiet = None
        if quiet is None:
            self._call(rules.calls, doc)
            return
        alone, hits, internal = rules.alone, self.hits, self.internal
        for call in rules.calls:
            module = call[0]
            if module in quiet:
                continue
            found, failed = len(hits), len(internal)
            self._call((call,), doc)
            if module in alone and len(hits) == found and len(internal) == failed:
                quiet.add(module)

    # ------------------------------------------------------------ rule calls
    def _command_hooks(self, refs: list[CommandRef]) -> None:
        """The commands one shell runs, in order (a job's script, its after_script, a file)."""
        firsts: dict[object, object] = {}  # each script's first command here (a called script may run twice)
        for_command = self.l.command_rules.for_command
        for ref in refs:
            cmd = ref.cmd
            self._call(for_command(cmd, firsts.setdefault(ref.unit.script, cmd) is cmd), ref)
            self._shell_auth_docs(ref)

    def _run_hook(self, hook: str, unit) -> None:
        self._call(self.l.job_rules.for_job(unit) if hook == "check_job" else self.l.calls[hook], unit)

    def _call(self, calls: Iterable, unit) -> None:
        hits = self.hits
        for module, check, options in calls:
            try:
                for hit in check(unit, options) or ():
                    hits.append((module, hit))
            except Exception as exc:  # a rule bug must not hide every other finding
                where = _unit_path(unit)
                self.internal.append(f"internal error in {module.RULE.code} on {where}: {type(exc).__name__}: {redact_text(str(exc))[:200]}")

    # ---------------------------------------------------------- post-process
    def _stream(self, parts: Iterable["Outcome"], floors: list[str], sink: Callable[[LintResult], None]) -> LintResult:
        """Each project's findings finished and sent to sink as soon as it is linted, when they
        can come before every later project's: its files sort after those sent and before the
        next project's directory (a project reads only inside its directory, so they do).  The
        first that cannot, and every later one, wait and are sent together at the end.  The
        result keeps the files and errors (no pipelines: --show-files does not stream)."""
        mods = registry.by_code()
        later: list[str | None] = [None] * len(floors)  # the least floor of the projects after each
        for i in range(len(floors) - 2, -1, -1):
            later[i] = floors[i + 1] if later[i + 1] is None else min(floors[i + 1], later[i + 1])
        last, waiting = "", bool(self.problems)  # an unreadable given directory sorts anywhere
        for i, part in enumerate(parts):
            paths = part.report | {h.source.path for _, h in part.hits} | {p.source.path for p in part.problems}
            waiting = waiting or bool(paths and (min(paths) <= last or (later[i] is not None and max(paths) >= later[i])))
            self.absorb(part, findings=waiting)
            if waiting:
                continue
            last = max(paths, default=last)
            hits = [(mods[code], h) for code, h in part.hits]
            findings, secrets = self._findings(hits, part.problems, part.report, part.sources)
            if findings:
                sink(LintResult(findings, part.sources, [], secrets=secrets))
        findings, secrets = self._findings(self.hits, self.problems, self.report, self.sources)
        if findings:
            sink(LintResult(findings, self.sources, [], secrets=secrets))
        return LintResult([], {}, sorted(self.report), self.errors + self.internal, {}, bool(self.internal), {}, self.warnings)

    def _finish(self) -> LintResult:
        findings, secrets = self._findings(self.hits, self.problems, self.report, self.sources)
        files = sorted(self.report)
        return LintResult(findings, self.sources, files, self.errors + self.internal, secrets, bool(self.internal), self.pipelines, self.warnings)

    def _findings(self, hits: list[tuple[ModuleType, Hit]], problems: list[Problem], report: set[str],
                  sources: dict[str, Source]) -> tuple[list[Finding], dict[int, SecretSet]]:
        """The findings of hits and problems on the reported files: configured, deduplicated,
        unsuppressed, redacted, sorted and fingerprinted (each file's on their own)."""
        mods = registry.by_code() if problems else {}  # (a dict of every rule: most projects have no problem)
        for p in problems:
            if p.code in self.l.enabled and p.code in mods:
                span = _tidy(p.source.text, p.span)
                secrets = tuple(_broken_line_secrets(p.source, span)) if p.code == "AL001" else ()
                hits.append((mods[p.code], Hit(p.source, span, _unquoted(p.message), secrets=secrets)))
        findings: list[Finding] = []
        file_secrets: dict[str, set[str]] = {}
        seen: set[tuple] = set()
        supp_cache: dict[str, suppressions.FileSuppressions] = {}
        settings, enabled = self.l.settings, self.l.enabled
        for module, hit in hits:
            rule = module.RULE
            src = hit.source
            if hit.secrets:
                file_secrets.setdefault(src.path, set()).update(s for s in hit.secrets if s)
            if src.path not in report or rule.code not in enabled:
                continue
            dedupe = (rule.code, src.path, hit.span.start, hit.span.end, hit.message)
            if dedupe in seen:
                continue
            seen.add(dedupe)
            if settings.per_file_ignores and any(
                    rule.code.startswith(c.upper()) or rule.name == c for c in settings.ignored_for_path(src.path)):
                continue
            supp = supp_cache.get(src.path)
            if supp is None:  # once per file (setdefault would parse for every finding)
                supp = supp_cache[src.path] = suppressions.parse(src)
            if supp.items or supp.allow_lines:  # (most files have neither: no line to look up)
                line = src.index.line_of(hit.span.start)
                if supp.match(line, rule.code, rule.name):
                    continue
                if rule.code.startswith(CREDENTIAL_FAMILY) and line in supp.allow_lines:
                    continue
            severity = rule.severity if hit.severity is None else hit.severity
            if settings.severity:
                severity = settings.severity_for(rule.code, severity)
            # message: redacted below, with every value found in its file
            findings.append(Finding(rule.code, rule.name, severity, hit.message, src.path, hit.span, hit.job, hit.fix, hit.key))
        findings = _drop_shadowed_generic(findings)
        findings += self._unused_suppressions(supp_cache, report, sources)
        # A finding's message, code frame, fix or diff may show any value found in its file:
        # every finding gets its file's one shared set (memory and redaction time stay linear).
        shared = {path: SecretSet(values) for path, values in file_secrets.items()}
        secrets: dict[int, SecretSet] = {}
        for f in findings:
            values = shared.get(f.path)
            if values is None:  # (setdefault would make an empty set for every finding)
                values = shared[f.path] = SecretSet()
            secrets[id(f)] = values
            f.message = redact_text(f.message, values) if values else _redacted(f.message)
        findings.sort(key=lambda f: (f.path, f.span.start, f.code, f.span.end))
        if self.l.fingerprints:
            _fingerprint(findings, sources, secrets, self.l.settings.project_dir)
        return findings, secrets

    def _unused_suppressions(self, cache: dict[str, suppressions.FileSuppressions], report: set[str],
                             sources: dict[str, Source]) -> list[Finding]:
        if "AL003" not in self.l.enabled:
            return []
        out = []
        for path in report:
            src = sources.get(path)
            if src is None:
                continue
            supp = cache.get(path) or suppressions.parse(src)
            for s in supp.items:
                known = [c for c in s.codes if registry.lookup(c) is not None]
                unknown = [c for c in s.codes if registry.lookup(c) is None]
                unused = sorted(c for c in known if registry.lookup(c).RULE.code not in s.used)  # type: ignore[union-attr]
                if not unused and not unknown:
                    continue
                span = suppressions.removal_span(s, src)
                all_unused = len(unused) + len(unknown) == len(s.codes)
                fix = Fix("remove the unused suppression", (Edit(src.path, span.start, span.end, ""),), Applicability.SAFE) if all_unused else None
                what = ", ".join(unused + [f"{c} (unknown rule)" for c in unknown])
                out.append(Finding("AL003", "unused-suppression", self.l.settings.severity_for("AL003", Severity.WARNING),
                                   f"unused suppression: nothing to ignore for {what}", path, s.span, fix=fix))
        return out


# A message redacted of GitLab tokens alone (its file has no values): by text, as rules' messages
# recur across a fleet's projects and a message holding "gl" ("globbing") is scanned for tokens.
_redacted = functools.lru_cache(maxsize=1024)(redact_text)


def _floor(top: str) -> str:
    """A bound below the display paths of a project (its top directory): that directory and a
    slash, as its files show as that prefix and their path below it (`../p/x.yml`, `/abs/p/x.yml`
    too); none when the working directory is in the project (its files may show as `x.yml` or
    `../p/x.yml`)."""
    shown = display_path(top)
    if all(part in (".", "..") for part in shown.split("/")):
        return ""
    return shown if shown.endswith("/") else shown + "/"


def _broken_line_secrets(source: Source, span: Span) -> set[str]:
    """A line that did not parse is still scanned: the values on the line AL001's frame shows."""
    if not source.text:
        return set()
    from .salvage import secrets_in_broken_text

    return secrets_in_broken_text(source.index.line_text(source.index.line_of(span.start)))


def _unquoted(message: str) -> str:
    """A syntax error's message quotes no text: a snippet cut short could end inside a secret,
    where redaction no longer recognises it (the code frame shows the line, redacted)."""
    head, sep, _ = message.partition("syntax error near ")
    return (head.rstrip(": ") or "syntax error") if sep else message


def _tidy(text: str, span: Span) -> Span:
    """Problem spans for humans: trailing line breaks dropped, a point widened to its character."""
    start, end = span.start, span.end
    while end > start and text[end - 1] in " \t\r\n":
        end -= 1
    if end == start and start < len(text) and text[start] not in "\r\n":
        end = start + 1
    return Span(start, end)


def _drop_shadowed_generic(findings: list[Finding]) -> list[Finding]:
    """AL106 (generic detect-secrets) yields to a specific credential finding on the same text."""
    if not any(f.code == "AL106" for f in findings):
        return findings
    specific = defaultdict(list)
    for f in findings:
        if f.code.startswith(CREDENTIAL_FAMILY) and f.code != "AL106":
            specific[f.path].append(f.span)
    return [
        f for f in findings
        if f.code != "AL106" or not any(f.span.overlaps(s) or f.span == s for s in specific[f.path])
    ]


def _fingerprint(findings: list[Finding], sources: dict[str, Source], secrets: dict[int, tuple[str, ...]],
                 project_dir: str = ".") -> None:
    """Line-independent, secret-free identities: rule, path (from the project directory, so a
    baseline matches wherever authlint runs), job, redacted text, occurrence."""
    counts: dict[tuple, int] = defaultdict(int)
    top = absolute(project_dir)
    paths: dict[str, str] = {}  # a file's findings share it: one relpath a file, not a finding
    for f in findings:
        path = paths.get(f.path)
        if path is None:
            path = paths[f.path] = relative(absolute(f.path), top)
        key = f.fingerprint_key
        if not key:  # a rule's key stands for the text: its snippet is redacted only without one
            src = sources.get(f.path)
            snippet = src.text[f.span.start : f.span.end] if src else ""
            key = redact_text(" ".join(snippet.split()), secrets.get(id(f), ()))
        base = (f.code, path, f.job or "", key)
        counts[base] += 1
        f.fingerprint_key = fingerprint(*base, str(counts[base]))[:32]


def _project_dir(path: Path, settings: Settings | None = None) -> Path:
    """The directory a file's pipeline resolves local includes from (Workspace.project_dir)."""
    return Workspace(settings or Settings()).project_dir(path)


_CI_TOKEN = lazy_compile(r"^(?:stages|include|workflow|default|before_script|after_script)\s*:|^\s+(?:script|extends|stage)\s*:", re.M)
_TEMPLATE_TOKEN = lazy_compile(r"\{\{|\{%|\{#")


def _sniff_ci(text: str) -> bool:
    """Whether YAML that does not parse is still meant as CI (so AL001 is worth reporting): it
    uses GitLab's keys and no template language (Helm, Jinja) that would explain the error."""
    return not _TEMPLATE_TOKEN.search(text) and bool(_CI_TOKEN.search(text))


_JOB_KEYS = ("script", "run", "trigger", "extends", "before_script", "stage", "needs", "rules", "image", "services", "artifacts")
_INPUT = lazy_compile(r"\$\[\[.*?\]\]|\$\{\{[^\n}]*\}\}", re.S)  # $[[ inputs.x ]], ${{ inputs.x }}
# Every PowerShell hint holds `$env:` or a dash before the noun of a cmdlet or -ErrorAction: a
# line without either (most lines: a `-[A-Z]` such as PRIVATE-TOKEN too) is not searched for
# them (the search tries each alternative at each position: ~35,000 instructions a line).
_POWERSHELL_CHANCE = re.compile(r"-(?:Module|Item|ChildItem|Location|Output|Host|WebRequest|Process|Path|ErrorAction)\b")
_POWERSHELL = re.compile(r"\$env:|\b(?:Import-Module|New-Item|Remove-Item|Get-ChildItem|Set-Location|Write-(?:Output|Host)|Invoke-WebRequest|Start-Process|Test-Path)\b|-ErrorAction\b")


def _word_chars(ref: CommandRef, word, template: str) -> tuple[list[int], list[int | None]]:
    """Where each character of an echo/printf word's template is in the shell text: approximately,
    and exactly (None where it is not there verbatim). Once per word and shell text, kept on the
    command: it recurs from the parse memo in every job and project running its text."""
    memo = ref.cmd.derived(_word_chars, lambda _: {})
    shell_text = ref.unit.script.text
    cached = memo.get(id(word))  # the command holds its words: an id stays theirs
    if cached is None or cached[0] != shell_text:
        approx = [word.template_offset(i) for i in range(len(template))]
        to_shell = [o if word.exact and o < len(shell_text) and shell_text[o] == ch else None for o, ch in zip(approx, template)]
        cached = memo[id(word)] = (shell_text, approx, to_shell)
    return cached[1], cached[2]


def _masked(text: str, ranges) -> str:
    """text with the given ranges blanked out."""
    chars = list(text)
    for a, b in ranges:
        chars[a:b] = " " * (b - a)
    return "".join(chars)


def _unit_path(unit) -> str:
    """The file a hook's unit comes from (a JobUnit has a job, the others a source)."""
    source = getattr(unit, "source", None)
    if source is not None:
        return source.path
    job = getattr(unit, "job", None)
    return str(getattr(job, "path", None) or getattr(unit, "name", "?"))


def _script_lines(job) -> tuple[list, list]:
    """The runner's two scripts: before_script + script, and after_script on its own."""
    return [*job.before_script, *job.script], job.after_script


def runner_scripts(job) -> list[str]:
    """The shell texts the runner runs for ``job`` (non-empty ones), as authlint parses them."""
    return ["\n".join(_mask_inputs(line.scalar.value) for line in lines) for lines in _script_lines(job) if lines]


def _mask_inputs(text: str) -> str:
    """GitLab replaces `$[[ inputs.x ]]` (and job inputs `${{ inputs.x }}`) before the shell runs:
    parse them as an opaque expansion of the same length."""
    if "$[[" not in text and "${{" not in text:
        return text
    return _INPUT.sub(lambda m: "$" + "I" * (len(m.group()) - 1), text)


# Imported at the first call (start-up: a warm cache hit imports no parser), then called
# straight: an import in a function costs 1-3 µs a call, and these run per project, job or echo.
_shell_parse = on_first_call(__name__, "_shell_parse", "authlint.shell:parse")
_write_group = on_first_call(__name__, "_write_group", "authlint.shell.flow:write_group")
_load_pipeline_files = on_first_call(__name__, "_load_pipeline_files", "authlint.gitlab:load_pipeline")
_build_jobs = on_first_call(__name__, "_build_jobs", "authlint.gitlab:build_jobs")
_scalars_in = on_first_call(__name__, "_scalars_in", "authlint.yaml.model:scalars_in")
_windows_tag = on_first_call(__name__, "_windows_tag", "authlint.gitlab.jobs:windows_tag")
_run_steps = on_first_call(__name__, "_run_steps", "authlint.projects:run_steps")
_parse_json = on_first_call(__name__, "_parse_json", "authlint.authjson:parse_json")
_effective = on_first_call(__name__, "_effective", "authlint.authjson.doc:effective")


def _is_powershell(job) -> bool:
    """Windows jobs run PowerShell, which authlint does not model."""
    if "windows" in job.name.lower():
        return True
    tags = job.config.get("tags")
    if tags is not None and _windows_tag(tags):
        return True
    found = 0
    for line in job.before_script + job.script:
        if _powershell_line(line.scalar.value):
            found += 1
            if found == 2:
                return True
    return False


# A scalar's value starts with `{` only if its text has a `{` that no `$` comes right before
# (a `$` is never YAML syntax, so it belongs to the same value, before the brace) or an escape.
_OBJECT_CHANCE = re.compile(r"(?<!\$)\{|\\")


def _may_open_object(text: str) -> bool:
    """Whether some YAML value of text could start as a JSON object (else no scalar needs a look)."""
    return _OBJECT_CHANCE.search(text) is not None


def _powershell_line(text: str) -> bool:
    return ("$env:" in text or _POWERSHELL_CHANCE.search(text) is not None) and _POWERSHELL.search(text) is not None


_SHELLS = {"sh", "bash", "dash", "ash", "zsh", "ksh", "source", "."}


def _called_script(cmd) -> str | None:
    """Project-relative path of a script a command runs (./ci/x.sh, bash ci/x.sh)."""
    if cmd.name is None or cmd.name.value is None:
        return None
    name = cmd.name.value
    if cmd.basename in _SHELLS:
        for word in cmd.args:
            if word.value is None:
                return None
            if word.value.startswith("-"):
                if word.value in ("-c",):
                    return None
                continue
            return _local_script(word.value)
        return None
    if "/" in name:
        return _local_script(name)
    return None


@functools.lru_cache(maxsize=1024)  # projects call their scripts by the same few names (a Path each to classify)
def _local_script(value: str) -> str | None:
    value = value.removeprefix("$CI_PROJECT_DIR/").removeprefix("${CI_PROJECT_DIR}/")
    if value.startswith("/") or "$" in value or not value:
        return None
    value = value.removeprefix("./")
    return value if classify(Path(value)) in ("shell", None) else None


def _once(compute: Callable[[], Any]) -> Callable[[], Any]:
    """compute(), called at the first call only (functools.cache's wrapper costs 6 us to make: once per pipeline)."""
    done: list[Any] = []

    def value() -> Any:
        if not done:
            done.append(compute())
        return done[0]

    return value


def _shell_lines_and_names(pipeline) -> tuple[set[int], dict[int, str]]:
    """(ids of the script lines of the jobs authlint models as shell: their auth JSON is the
    shell's, variable name by value id)."""
    shell_lines = {id(line.scalar) for job in pipeline.jobs.values() if not _is_powershell(job) for line in job.lines}
    return shell_lines, _variable_names(pipeline)


def _variable_names(pipeline) -> dict[int, str]:
    names: dict[int, str] = {}
    for var in pipeline.variables.values():
        if var.value is not None:
            names[id(var.value)] = var.name
    for job in pipeline.jobs.values():
        for var in job.variables.values():
            if var.value is not None:
                names[id(var.value)] = var.name
        for combo in job.matrix:
            for var in combo.values():
                if var.value is not None:
                    names[id(var.value)] = var.name
    return names
