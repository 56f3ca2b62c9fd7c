"""The resolved pipeline: jobs whose every value still points into its file.

These are plain data; ``pipeline.load_pipeline`` builds them.  Leaf values are
the original ``YScalar`` objects of the files, so a finding on a job built
from three files lands in the file that holds the offending text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Literal

from ..diagnostics import Span
from ..source import Source
from ..yaml.model import YamlFile, YMap, YNode, YScalar, YValue

IncludeKind = Literal["local", "remote", "project", "template", "component", "unknown"]
VariableLevel = Literal["global", "job", "matrix", "trigger"]
Section = Literal["before_script", "script", "after_script"]

PARSE_ERROR = "AL001"  # a file that does not parse, or a structure GitLab rejects
UNRESOLVED = "AL002"  # an include / extends / !reference that cannot be resolved offline


@dataclass(eq=False)
class Problem:
    """A pipeline that could not be read as GitLab would: a parse error or an unresolved include."""

    code: str  # PARSE_ERROR or UNRESOLVED
    path: str  # project-relative file the span is in
    span: Span
    message: str


@dataclass(eq=False)
class Include:
    """An `include:` entry and the files it resolved to."""

    path: str  # the file holding the include entry
    node: YValue  # the entry (a string scalar or a mapping)
    kind: IncludeKind
    target: str  # the location as written (`local:`, URL, project, template or component)
    resolved: list[str] = field(default_factory=list)  # project-relative files read for it


@dataclass(eq=False)
class Variable:
    """A CI/CD variable defined in `variables:` (global, job, matrix or trigger)."""

    name: str
    # The scalar holding the value: the plain form's value or the `value:` of the
    # mapping form. None when the value is not a scalar (GitLab rejects those).
    value: YScalar | None
    key: YNode
    level: VariableLevel
    expand: bool = True  # False for `expand: false` (the value is taken literally)
    mapping: YMap | None = None  # the `{value:, description:, ...}` form, when used


@dataclass(eq=False)
class ScriptLine:
    """A line of a job's script section, after `!reference` and nested lists are flattened."""

    section: Section
    index: int  # position in the section after nested lists are flattened
    scalar: YScalar  # provenance: scalar.source + scalar.start/end, scalar.text maps value -> file
    via_reference: bool = False  # spliced in by a `!reference`

    @property
    def text(self) -> str:
        return self.scalar.value


@dataclass(eq=False)
class Image:
    """A job's or a service's `image:` (the string form or the mapping form)."""

    value: YValue  # the string scalar or the mapping
    name: YScalar | None
    entrypoint: YValue | None = None
    pull_policy: YValue | None = None


@dataclass(eq=False)
class Job:
    """A job as GitLab runs it: includes, `default:`, `extends` and `!reference` applied."""

    name: str
    key: YScalar
    path: str  # project-relative file that defines the (winning) job key
    hidden: bool
    # The fully resolved mapping (includes, default:, inherit:, extends, !reference
    # applied; scripts flattened). Synthetic containers, original leaf scalars.
    config: YMap
    extends: list[str] = field(default_factory=list)  # every ancestor, in merge order (first = weakest)
    image: Image | None = None
    services: list[Image] = field(default_factory=list)
    variables: dict[str, Variable] = field(default_factory=dict)  # global (per inherit:) then the job's own
    matrix: list[dict[str, Variable]] = field(default_factory=list)  # one dict per parallel:matrix combination
    before_script: list[ScriptLine] = field(default_factory=list)
    script: list[ScriptLine] = field(default_factory=list)
    after_script: list[ScriptLine] = field(default_factory=list)
    artifacts: YMap | None = None
    cache: list[YMap] = field(default_factory=list)
    trigger: YValue | None = None
    # Something this job may depend on could not be read (an unresolved include,
    # an unknown or cyclic extends, an unresolved !reference): rules that need
    # the whole job stay silent.
    incomplete: bool = False

    @property
    def lines(self) -> list[ScriptLine]:
        """before_script + script + after_script, in run order."""
        return [*self.before_script, *self.script, *self.after_script]


@dataclass(eq=False)
class Pipeline:
    """A pipeline: its files, includes, jobs, global variables and problems."""

    root: str
    files: dict[str, YamlFile] = field(default_factory=dict)  # project-relative path -> parsed file (root first)
    sources: dict[str, Source] = field(default_factory=dict)  # every file read, including those that did not parse
    includes: list[Include] = field(default_factory=list)
    jobs: dict[str, Job] = field(default_factory=dict)  # hidden templates too (hidden=True)
    variables: dict[str, Variable] = field(default_factory=dict)  # global
    default: YMap | None = None  # `default:` with legacy top-level image/services/... folded in
    problems: list[Problem] = field(default_factory=list)
    # An include could not be read: any job may be missing keys.
    incomplete: bool = False
    unbuilt: Callable[[], None] | None = field(default=None, repr=False)  # load_pipeline(build=False): jobs still to resolve
    _mentions: dict[str, bool] = field(default_factory=dict, repr=False)  # mentions(), by word

    def mentions(self, word: str) -> bool:
        """Whether some file of the pipeline holds word (rules ask it for every job: searched once)."""
        hit = self._mentions.get(word)
        if hit is None:
            hit = self._mentions[word] = any(word in yf.source.text for yf in self.files.values())
        return hit

    def path_of(self, node: YNode) -> str | None:
        """Project-relative path of the file a node comes from."""
        for path, yfile in self.files.items():
            if yfile.source is node.source:
                return path
        return None
