"""The typed units rules look at: files, jobs, shell commands, auth JSON.

Every unit knows its source file and carries a ``TextMap`` from the text it
analyses back to the file, so rules report in file coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator

from .diagnostics import Applicability, Edit, Fix, Hit, Span
from .source import Source
from .textmap import TextMap

if TYPE_CHECKING:
    from .authjson.parser import ParseResult
    from .gitlab import Job, Pipeline, ScriptLine
    from .shell.model import Command, Script, Word
    from .yaml.model import YamlFile, YScalar


@dataclass(eq=False)
class ShellUnit:
    """One shell text: a script item of a job, or a shell file."""

    script: "Script"
    source: Source
    tmap: TextMap
    section: str | None = None  # before_script / script / after_script; None for files
    line: "ScriptLine | None" = None
    called_from: "CommandRef | None" = None  # the job command that runs this file
    own: tuple[int, int] | None = None  # a job's script item in the joined script: its part

    def span(self, start: int, end: int) -> Span:
        return self.tmap.span(start, end)

    def owns(self, offset: int) -> bool:
        """Whether `offset` of its script is in this unit's own text: a job's script items are
        units over the one script the runner joins them into, each owning its item's part."""
        return self.own is None or self.own[0] <= offset <= self.own[1]

    def release(self) -> None:
        """Its project is linted: empty it, fields and caches (a file's flow names it: a cycle);
        nothing reads it after."""
        self.__dict__.clear()


@dataclass(eq=False)
class CommandRef:
    """A shell command and where it runs: its script unit and, in a pipeline, its job."""

    cmd: "Command"
    unit: ShellUnit
    job: "JobUnit | None" = None
    position: int = 0  # index in the job's command sequence

    @property
    def source(self) -> Source:
        return self.unit.source

    def span(self, start: int | None = None, end: int | None = None) -> Span:
        return self.unit.span(self.cmd.start if start is None else start, self.cmd.end if end is None else end)

    def word_span(self, word: "Word") -> Span:
        return self.unit.span(word.start, word.end)

    def hit(self, start: int, end: int, message: str, **kw) -> Hit:
        job = self.job.name if self.job else None
        return Hit(self.source, self.span(start, end), message, job=job, **kw)

    def word_hit(self, word: "Word", message: str, a: int = 0, b: int | None = None, **kw) -> Hit:
        """A hit on template range [a, b) of a word (the whole word by default)."""
        if a == 0 and b is None:
            return self.hit(word.start, word.end, message, **kw)
        b = len(word.template) if b is None else b
        start = word.template_offset(a)
        end = word.template_offset(b - 1) + 1 if b > a else start
        return self.hit(start, max(start, end), message, **kw)

    def edit(self, start: int, end: int, content: str) -> Edit | None:
        return make_edit(self.unit.tmap, start, end, content)


@dataclass(eq=False)
class JobUnit:
    """A resolved job and its shell commands, as the check_job hook sees them."""

    job: "Job"
    pipeline: "Pipeline"
    commands: list[CommandRef] = field(default_factory=list)  # before_script + script, in run order
    after: list[CommandRef] = field(default_factory=list)  # after_script (a separate shell)
    units: list[ShellUnit] = field(default_factory=list)
    shell: str = "sh"  # 'powershell' for Windows jobs (no shell model)

    @property
    def name(self) -> str:
        return self.job.name

    @property
    def incomplete(self) -> bool:
        return self.job.incomplete

    def release(self) -> None:
        """Its lint is over: break the cycles it forms (its commands name it, the flows and
        facts cached on it name its commands, a called script's unit names the command that
        runs it), so refcounting frees it, not the collector (paused during a run).  It is
        emptied, fields and caches: nothing reads it after."""
        for ref in (*self.commands, *self.after):
            if ref.unit.called_from is ref:
                ref.unit.called_from = None
        self.__dict__.clear()


@dataclass(eq=False)
class FileUnit:
    """A linted file and what was built from it, as the check_file hook sees it."""

    source: Source
    kind: str  # 'ci' | 'shell' | 'auth' | 'other'
    yaml: "YamlFile | None" = None
    pipeline: "Pipeline | None" = None
    shell: ShellUnit | None = None


@dataclass(eq=False)
class AuthDoc:
    """An auth JSON document: in a YAML value, a shell word, a heredoc or a file."""

    text: str
    opaque: list[tuple[int, int]]
    result: "ParseResult"
    tmap: TextMap
    origin: str  # 'yaml' | 'shell' | 'heredoc' | 'file'
    job: "JobUnit | None" = None
    variable: str | None = None  # the variable it is assigned to, e.g. DOCKER_AUTH_CONFIG
    command: CommandRef | None = None
    scalar: "YScalar | None" = None

    @property
    def source(self) -> Source:
        return self.tmap.source

    @property
    def literal(self) -> bool:
        return not self.opaque

    def hit(self, start: int, end: int, message: str, **kw) -> Hit:
        job = self.job.name if self.job else None
        return Hit(self.source, self.tmap.span(start, end), message, job=job, **kw)

    def edit(self, start: int, end: int, content: str) -> Edit | None:
        return make_edit(self.tmap, start, end, content)


def make_edit(tmap: TextMap, start: int, end: int, content: str) -> Edit | None:
    """An exact file edit replacing derived text [start, end), or None."""
    span = tmap.file_span(start, end)
    encoded = tmap.encode(content)
    if span is None or encoded is None:
        return None
    return Edit(tmap.source.path, span.start, span.end, encoded)


def make_fix(title: str, edits: list[Edit | None], applicability: Applicability, tmap: TextMap) -> Fix:
    """A fix, downgraded to display-only when some edit cannot be made exactly."""
    if not edits or any(e is None for e in edits):
        return Fix(title, (), Applicability.DISPLAY_ONLY, reason=tmap.why_not_exact())
    return Fix(title, tuple(e for e in edits if e is not None), applicability)


def iter_commands(unit: ShellUnit) -> Iterator["Command"]:
    yield from unit.script.commands
