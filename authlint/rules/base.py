"""What a rule module declares: metadata, docs, examples, and its check hooks.

A rule module defines ``RULE = Rule(...)`` plus any of the hooks below, each a
pure function returning ``Hit``s:

* ``check_file(unit: FileUnit, options)``        once per linted file
* ``check_job(unit: JobUnit, options)``          once per resolved job
* ``check_command(ref: CommandRef, options)``    once per shell command
* ``check_auth(doc: AuthDoc, options)``          once per auth JSON document

A module may also declare ``TRIGGERS = Triggers(...)``: the commands its
``check_command`` can report on (and the jobs its ``check_job`` can).  The
engine then calls it only on those; without ``TRIGGERS`` it runs on every
command and job (the safe default).

The engine attaches code, name and severity, applies configuration and
suppressions, and turns hits into ``Finding``s.  Rules never do I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from ..diagnostics import Hit as Hit, Severity  # Hit re-exported for the rule modules

if TYPE_CHECKING:
    from ..shell.model import Command
    from ..units import AuthDoc, JobUnit

FIX_NONE, FIX_SAFE, FIX_UNSAFE, FIX_SOMETIMES = "none", "safe", "unsafe", "sometimes"


@dataclass(frozen=True, eq=False)
class Rule:
    """A rule's metadata: what `authlint rules` lists and the engine attaches to its hits."""

    code: str
    name: str
    severity: Severity
    summary: str  # one line, shown by `authlint rules`
    fix: str = FIX_NONE  # what RULES.md promises: none / safe / unsafe / sometimes
    default_enabled: bool = True
    options: dict[str, Any] = field(default_factory=dict)  # option name -> default


@dataclass(frozen=True, eq=False)
class Triggers:
    """What a command must show for a rule's check_command to be called on it: one of
    these command names (its basename, or the program behind sudo/env/command/exec/
    time/nice), or one of these substrings in a word's template (its arguments,
    assignment values and redirect targets).  A necessary condition, never a verdict."""

    commands: frozenset[str] = frozenset()
    words: tuple[str, ...] = ()
    # Also a command whose program is not a literal word (`$KUBECTL ...`, `sudo $CMD`): the flow
    # model may know what it runs.
    dynamic: bool = False
    # Also the first command of each script a shell runs (a rule that reads the whole script there).
    first: bool = False
    # For check_job: a cheap test a job must pass for it to be called (None: every job).
    job: "Callable[[JobUnit], bool] | None" = None
    # What check_command reads of the command alone (the words it judges), before it asks the
    # job or the flow: the engine asks it once per Command and skips the call where it is empty
    # (but not at a script's first command, for a rule with `first`); the rule reads it through
    # Command.derived.
    command: "Callable[[Command], Any] | None" = None
    # check_auth reads the document alone: effective(doc)'s text, opaque ranges and parse result,
    # its origin and variable, and a file's path (not its command, job or scalar; its map only to
    # place hits and fixes).  Where it found nothing, the engine does not call it on the same
    # document again: a script's auth JSON snippet recurs in every job and project writing it.
    # Or a test reading only that (the rule's early exit, as `command` is check_command's): the
    # engine asks it once per distinct document and does not call the rule where it is false.
    document: "bool | Callable[[AuthDoc], Any]" = False


MARK_OPEN, MARK_CLOSE = "\u27e6", "\u27e7"  # ⟦ ⟧ mark the expected span in examples


@dataclass(frozen=True, eq=False)
class Example:
    """A code sample for docs and tests.

    kind: 'sh' (a shell snippet: also wrapped in YAML by the harness),
    'yaml' (a whole .gitlab-ci.yml) or 'json' (a committed auth file).
    In invalid examples, ⟦ and ⟧ mark the expected span of the first finding.
    ``fixed`` is the expected text after applying every fix (unsafe included);
    ``files`` are extra project files (path -> text) for includes and scripts.
    """

    code: str
    kind: str = "sh"
    fixed: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    path: str | None = None
    count: int | None = None  # expected number of findings of this rule, when it matters

    @property
    def text(self) -> str:
        return self.code.replace(MARK_OPEN, "").replace(MARK_CLOSE, "")

    @property
    def marked(self) -> tuple[int, int] | None:
        if MARK_OPEN not in self.code:
            return None
        start = self.code.index(MARK_OPEN)
        end = self.code.index(MARK_CLOSE) - 1
        return start, end

    @property
    def filename(self) -> str:
        return self.path or {"sh": "script.sh", "yaml": ".gitlab-ci.yml", "json": "config.json"}[self.kind]


DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety")


def doc_sections(doc: str) -> dict[str, str]:
    """Split a rule docstring into its '## Title' sections."""
    parts = re.split(r"^## +(.+?)\s*$", doc or "", flags=re.M)
    return {parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
