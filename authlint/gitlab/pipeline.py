"""load_pipeline: a root CI file and its local includes, resolved into jobs.

Order of operations (GitLab's lib/gitlab/ci/config.rb; gitlab-ci-local does the same):
1. local includes merged under the including file (deep merge, includer wins);
2. `extends` (multi-parent, deep merge, lists replaced);
3. `!reference` (against the extends-resolved targets, nested);
4. `default:` (and the legacy top-level image/services/cache/before_script/
   after_script) copied into visible jobs that lack a key, per `inherit:default`;
5. global variables merged under the job's own, per `inherit:variables`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ..diagnostics import Span
from ..source import Source
from ..yaml.model import MAP_TAG, SEQ_TAG, YamlFile, YMap, YNode, YScalar, YSeq, YValue, load
from . import jobs as J
from .includes import Includer
from .model import PARSE_ERROR, Job, Pipeline, Problem, ScriptLine, Variable
from .resolve import RESERVED, Resolver
from .values import NO_ENTRY, Merger, entries, is_false, is_null, is_reference, strings, synth_map, synth_seq

LEGACY_DEFAULTS = ("image", "services", "cache", "before_script", "after_script")
SECTIONS = ("before_script", "script", "after_script")


def load_pipeline(root: str, read: Callable[[str], Source], project_dir: str = ".", *, build: bool = True,
                  parse: Callable[[Source], YamlFile] = load) -> Pipeline:
    """Resolve the pipeline rooted at `root` (a project-relative path).

    `read(path)` returns a file's Source or raises OSError / DecodeError; every
    failure becomes a Problem, never an exception.  With build=False only its files
    are read and parsed (what tells which files are pipelines): build_jobs resolves
    the jobs later, in the worker that lints it.  `parse` parses a file's YAML.
    """
    pipeline = Pipeline(root)
    seen: set[tuple[str, str, int, int, str]] = set()

    def report(problem: Problem) -> None:
        key = (problem.code, problem.path, problem.span.start, problem.span.end, problem.message)
        if key not in seen:
            seen.add(key)
            pipeline.problems.append(problem)

    includer = Includer(read, project_dir, report, parse)
    layers = includer.collect(root)
    pipeline.files = includer.files
    pipeline.sources = includer.sources
    pipeline.includes = includer.includes
    pipeline.incomplete = includer.incomplete
    if layers:
        pipeline.unbuilt = lambda reuse=None: _build(pipeline, layers, report, reuse)
    if build:
        build_jobs(pipeline)
    return pipeline


class Reuse(Protocol):
    """The editor's last build of the pipeline (incremental.PipelineReuse)."""

    def globals(self) -> tuple[dict[str, Variable], YMap | None] | None:
        """The global variables and `default:`, when the last build's jobs can be reused at all."""

    def job(self, name: str) -> Job | None:
        """The job as the last build made it, when nothing it is built from changed."""

    def built(self, problems: list[Problem]) -> None:
        """The build is done, and reported these problems (a job it did not build reports none)."""


def build_jobs(pipeline: Pipeline, reuse: Reuse | None = None) -> None:
    """The jobs and global variables of a pipeline loaded with build=False (once)."""
    pending, pipeline.unbuilt = pipeline.unbuilt, None
    if pending is not None:
        pending(reuse)


def _build(pipeline: Pipeline, layers: list[tuple[str, YMap]], report: Callable[[Problem], None], reuse: Reuse | None) -> None:
    problems = len(pipeline.problems)
    try:
        _Builder(pipeline, layers, report).build(reuse)
    except RecursionError:  # a last resort: every walk is bounded, but extends and references interleave
        pipeline.problems.append(Problem(PARSE_ERROR, pipeline.root, Span(0, 0), "pipeline nested too deeply to resolve"))
        for job in pipeline.jobs.values():
            job.incomplete = True
    if reuse is not None:
        reuse.built(pipeline.problems[problems:])


class _Builder:
    def __init__(self, pipeline: Pipeline, layers: list[tuple[str, YMap]], report: Callable[[Problem], None]) -> None:
        self.pipeline = pipeline
        by_source = {id(f.source): path for path, f in pipeline.files.items()}
        # Not a bound method: the resolver keeps it, and a builder it named would be cyclic garbage.
        self.where: Callable[[YNode], str] = lambda node: by_source.get(id(node.source), node.source.path)
        self.merger = Merger()
        self.top = self._merge_layers(layers)
        plain = all(f.plain for f in pipeline.files.values())
        cleans = [f.clean for f in pipeline.files.values() if f.clean is not None]
        clean = cleans[0] if len(cleans) == 1 else set().union(*cleans)  # (read only: one file's own set)
        self.resolver = Resolver(self.top, report, self.where, self.merger, plain, clean)
        self.default_raw: dict[str, tuple[YNode, YValue]] = {}

    def shape(self, node: YNode, message: str) -> None:
        self.resolver.problem(PARSE_ERROR, node, message)

    def _merge_layers(self, layers: list[tuple[str, YMap]]) -> dict[str, tuple[YNode, YValue]]:
        top: dict[str, tuple[YNode, YValue]] = {}
        for _, layer in layers:
            for name, entry in layer._lookup.items():  # (its entry tuples, not new ones)
                if name != "include":
                    old = top.get(name)
                    top[name] = (entry[0], self.merger.merge(old[1], entry[1])) if old else entry
        return top

    # -- pipeline level ----------------------------------------------------------

    def build(self, reuse: Reuse | None = None) -> None:
        p = self.pipeline
        kept = reuse.globals() if reuse is not None else None
        if kept is not None:
            p.variables, p.default = kept
            self.default_raw = self._default_raw()
        else:
            p.variables = J.variables(self._resolved("variables"), "global", self.shape)
            self.default_raw = self._default_raw()
            p.default = self._default_map()
        for name, (key, value) in self.top.items():
            if name in RESERVED or not isinstance(key, YScalar):
                continue
            hidden = name.startswith(".")
            if self.resolver.is_job_like(name):
                job = reuse.job(name) if kept is not None else None  # type: ignore[union-attr]
                p.jobs[name] = job if job is not None else self._job(name, key, hidden)
            elif not hidden and not is_reference(value):  # hidden keys may hold anything (snippets for anchors)
                self.shape(value, f"job {name!r} should be a mapping")

    def _resolved(self, name: str) -> YValue | None:
        value = self.top.get(name, (None, None))[1]
        return None if value is None else self.resolver.resolve(value)[0]

    def _default_raw(self) -> dict[str, tuple[YNode, YValue]]:
        """`default:` entries, legacy top-level keys overriding (as gitlab-ci-local does)."""
        out: dict[str, tuple[YNode, YValue]] = {}
        default = self.top.get("default")
        if default is not None:
            if isinstance(default[1], YMap):
                out = {name: (key, value) for name, key, value in entries(default[1])}
            elif not is_null(default[1]):
                self.shape(default[1], "default should be a mapping")
        for name in LEGACY_DEFAULTS:
            if name in self.top:
                out[name] = self.top[name]
        return out

    def _default_map(self) -> YMap | None:
        if not self.default_raw:
            return None
        resolved = [(key, self.resolver.resolve(value)[0]) for key, value in self.default_raw.values()]
        default = self.top.get("default", (None, None))[1]
        return synth_map(default if isinstance(default, YMap) else resolved[0][0], resolved)

    # -- one job -----------------------------------------------------------------

    def _job(self, name: str, key: YScalar, hidden: bool) -> Job:
        shape = _ignore if hidden else self.shape  # GitLab never validates hidden keys
        ext = self.resolver.extended(name)
        inherit = self._inherit(ext.config)
        unresolved = ext.config if hidden else self._with_default(ext.config, inherit.get("default"))
        config, incomplete = self.resolver.resolve(unresolved)
        assert isinstance(config, YMap)
        (before, script, after), lists, partial = self._scripts(unresolved, shape)
        if lists and not _flat_already(config, lists):
            flat = {section: synth_seq(original, lines) for section, (original, lines) in lists.items()}
            config = synth_map(config, [(k, flat.get(n, v)) for n, k, v in entries(config)])
        # The parts in the order they report shape problems; a missing key's part is not read.
        get = config._lookup.get
        trigger = get("trigger", NO_ENTRY)[1]
        variables = self._variables(get("variables", NO_ENTRY)[1], trigger, inherit.get("variables"), shape)
        parallel, image = get("parallel", NO_ENTRY), get("image", NO_ENTRY)
        services, cache = get("services", NO_ENTRY), get("cache", NO_ENTRY)
        matrix = [] if parallel is NO_ENTRY else J.matrix(parallel[1], shape)
        image = None if image is NO_ENTRY else J.image(image[1], shape)
        services = [] if services is NO_ENTRY else J.services(services[1], shape)
        cache = [] if cache is NO_ENTRY else J.caches(cache[1], shape)
        artifacts = get("artifacts", NO_ENTRY)[1]
        incomplete = incomplete or partial or ext.incomplete or self.pipeline.incomplete
        return Job(name, key, self.where(key), hidden, config, ext.ancestors, image, services, variables, matrix,  # (field order)
                   before, script, after, artifacts if isinstance(artifacts, YMap) else None, cache, trigger, incomplete)

    def _scripts(self, unresolved: YMap, shape: J.Shape) -> tuple[list[list[ScriptLine]], dict[str, tuple[YSeq, list[YScalar]]], bool]:
        """The lines of each script section, the sections given as lists (with their lines'
        scalars), and whether some part could not be resolved."""
        sections: list[list[ScriptLine]] = []
        lists: dict[str, tuple[YSeq, list[YScalar]]] = {}
        incomplete = False
        deref = self.resolver.deref
        get = unresolved._lookup.get
        for section in SECTIONS:
            original = get(section, NO_ENTRY)[1]
            if original is None:  # most jobs lack a section or two
                sections.append([])
                continue
            result = J.script(section, original, deref, shape)  # type: ignore[arg-type]
            sections.append(result.lines)
            incomplete = incomplete or result.incomplete
            if isinstance(original, YSeq):
                lists[section] = (original, result.scalars)
        return sections, lists, incomplete

    def _inherit(self, config: YMap) -> dict[str, YValue]:
        value = config._lookup.get("inherit", NO_ENTRY)[1]
        if value is None:  # most jobs
            return {}
        value = self.resolver.resolve(value)[0]
        return {name: v for name, _, v in entries(value)} if isinstance(value, YMap) else {}

    def _with_default(self, config: YMap, inherit: YValue | None) -> YMap:
        """config plus the `default:` keys it lacks (a null value counts as lacking)."""
        if not self.default_raw or is_false(inherit):
            return config
        names = _named(inherit)
        own = {name: (k, v) for name, k, v in entries(config)}
        added = False
        for name, (k, v) in self.default_raw.items():
            if (names is None or name in names) and is_null(own.get(name, (None, None))[1]):
                own[name] = (k, v)
                added = True
        return synth_map(config, list(own.values())) if added else config

    def _variables(self, own: YValue | None, trigger: YValue | None, inherit: YValue | None, shape: J.Shape) -> dict[str, Variable]:
        """The global variables the job inherits (per `inherit:variables`), under its own."""
        glob = self.pipeline.variables
        if inherit is None:  # most jobs
            inherited = dict(glob)
        elif is_false(inherit):
            inherited = {}
        else:
            names = _named(inherit)
            inherited = dict(glob) if names is None else {n: v for n, v in glob.items() if n in names}
        if own is None:
            return inherited
        level = "trigger" if not is_null(trigger) else "job"
        return {**inherited, **J.variables(own, level, shape)}


def _named(inherit: YValue) -> set[str] | None:
    """The names an `inherit:` list allows; None when it allows all (true, or not a list)."""
    allowed = strings(inherit)
    return {s.value for s in allowed} if allowed is not None and not isinstance(inherit, YScalar) else None


def _ignore(node: YNode, message: str) -> None:
    """The shape reporter of a hidden job."""


def _flat_already(config: YMap, lists: dict[str, tuple[YSeq, list[YScalar]]]) -> bool:
    """Whether config with its script lists flattened (synth_map of synth_seqs) would be config
    again, attribute for attribute: a block mapping with the default tag, no merge key, no
    duplicate or non-scalar key, whose script lists are block lists of their very lines (most jobs)."""
    if config.tag != MAP_TAG or config.flow or config.order or len(config._lookup) != len(config.entries):
        return False
    get = config._lookup.get
    return all(get(section, NO_ENTRY)[1] is seq and seq.tag == SEQ_TAG and not seq.flow and seq.items == lines
               for section, (seq, lines) in lists.items())
