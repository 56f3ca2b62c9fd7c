"""Which rules to call on a command, from the triggers they declare.

Most rules look at a few programs (docker, base64, tee ...): calling every
rule's ``check_command`` on every command fanned 13.6k commands out to 184k
rule calls on the corpus.  The rules' ``TRIGGERS`` are indexed once per run and
each command's names and word text are computed once; a rule without
``TRIGGERS`` runs on every command.  A rule's command test (``Triggers.command``,
what it reads of the command alone) is asked once per command, which recurs
from the parse memo in every job and project running its text, and drops the
rule's call where it is empty: `$` is on most command lines, an unquoted
credential on few.  A rule's ``check_job`` runs on the jobs
that pass its ``Triggers.job`` test, and its ``check_auth`` on the documents that
pass its ``Triggers.document`` test (asked once per distinct document) or, for a
rule reading the document alone, where it found something before.
``ENABLED = False`` calls every rule on every command, job and document (the
tests compare both ways).
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable

from .tools import unwrap

if TYPE_CHECKING:
    from .shell.model import Command
    from .units import AuthDoc, JobUnit

ENABLED = True

# A rule's module, the hook function to call and the rule's options (bound once per run).
RuleCall = tuple[ModuleType, Callable[..., Any], Any]
_TEXTS = 8192  # CommandRules.by_text entries kept
_DOCUMENTS = 4096  # AuthRules.quiet entries kept
_DOCUMENT_TEXT = 4096  # longer documents are not kept


class CommandRules:
    """The check_command calls (in registry order) and their trigger index."""

    def __init__(self, calls: list[RuleCall]) -> None:
        self.calls = calls
        modules = [c[0] for c in calls]
        self.always = {m for m in modules if not _on_commands(getattr(m, "TRIGGERS", None))}
        self.by_name: dict[str | None, set[ModuleType]] = {}  # None: a program that is not a literal word
        self.by_word: dict[str, set[ModuleType]] = {}
        self.firsts = {m for m in modules if m not in self.always and m.TRIGGERS.first}
        for m in modules:
            if m in self.always:
                continue
            triggers = m.TRIGGERS
            for name in [*triggers.commands, *([None] if triggers.dynamic else [])]:
                self.by_name.setdefault(name, set()).add(m)
            for word in triggers.words:
                self.by_word.setdefault(word, set()).add(m)
        self.words = tuple(self.by_word)
        self.tests = {m: m.TRIGGERS.command for m in modules if m not in self.always and m.TRIGGERS.command is not None}
        self.memo: dict[tuple, _Chosen] = {}  # (names, words present, first) -> calls, in order, and their tests
        # (names, word text, first) -> the same: most command lines recur (in a project, across a fleet),
        # and looking their text up is cheaper than testing it for every word.  Bounded.
        self.by_text: dict[tuple, _Chosen] = {}

    def for_command(self, cmd: "Command", first: bool = False) -> list[RuleCall]:
        """The calls for cmd; first: it is the first command of its script in the shell running it."""
        if not ENABLED or len(self.always) == len(self.calls):
            return self.calls
        kept = cmd.rule_calls  # a command recurs (parse memo) in every job and project running its script
        if kept is None or kept[0] is not self:  # (or another linter's: an editor session makes one per run)
            kept = cmd.rule_calls = [self, None, None]
        calls = kept[1 + first]
        if calls is None:
            calls = kept[1 + first] = self._for_command(cmd, first)
        return calls

    def _for_command(self, cmd: "Command", first: bool) -> list[RuleCall]:
        names, text = cmd.derived("triggers", trigger_text)
        seen = (names, text, first)
        chosen = self.by_text.get(seen)
        if chosen is None:
            key = (names, tuple([w in text for w in self.words]), first)
            chosen = self.memo.get(key)
            if chosen is None:
                hit = self.always.union(*(self.by_name.get(n, ()) for n in names),
                                        *(self.by_word[w] for w, present in zip(self.words, key[1]) if present),
                                        self.firsts if first else ())
                calls = [c for c in self.calls if c[0] in hit]
                # a rule called as the script's first command is called whatever its command test says
                tests = {m: t for m, t in self.tests.items() if m in hit and not (first and m in self.firsts)}
                chosen = self.memo[key] = _Chosen(calls, tests)
            if len(self.by_text) >= _TEXTS:
                self.by_text.clear()
            self.by_text[seen] = chosen
        if not chosen.tests:
            return chosen.calls
        try:  # (asked once per command and linter: the command keeps what this returns)
            failed = chosen.failed(cmd)
        except Exception:  # a rule bug: its call raises it again, and the engine reports it there
            return chosen.calls
        return chosen.narrowed(failed) if failed else chosen.calls


class _Chosen:
    """The calls a command's triggers pick, and the command tests of those rules."""

    def __init__(self, calls: list[RuleCall], tests: dict[ModuleType, Callable[["Command"], Any]]) -> None:
        self.calls = calls
        self.tests = tuple(dict.fromkeys(tests.values()))  # (rules may share a test)
        self.test_of = tests
        self.without: dict[tuple, list[RuleCall]] = {}  # the tests failed -> calls

    def failed(self, cmd: "Command") -> tuple[Callable[["Command"], Any], ...]:
        """The tests cmd fails (each asked directly: most fail, and a rule that is called
        asks its own once more, through Command.derived)."""
        out: tuple[Callable[["Command"], Any], ...] = ()
        for test in self.tests:
            if not test(cmd):
                out += (test,)
        return out

    def narrowed(self, failed: tuple) -> list[RuleCall]:
        calls = self.without.get(failed)
        if calls is None:
            calls = self.without[failed] = [c for c in self.calls if self.test_of.get(c[0]) not in failed]
        return calls


def _on_commands(triggers) -> bool:
    """Whether TRIGGERS narrow the commands (a rule declaring only a job test sees every command)."""
    return triggers is not None and bool(triggers.commands or triggers.words or triggers.dynamic or triggers.first)


class AuthRules:
    """The check_auth calls (in registry order), and for each document the rules not to call on
    it: those that read it alone (Triggers.document True) and found nothing on it, and those
    whose document test fails on it (asked once per document)."""

    def __init__(self, calls: list[RuleCall]) -> None:
        self.calls = calls
        documents = [(c[0], getattr(getattr(c[0], "TRIGGERS", None), "document", False)) for c in calls]
        self.alone = {module for module, document in documents if document is True}
        self.tests = [(module, document) for module, document in documents if callable(document)]
        # (text, opaque, effective text and opaque, origin, variable, a file's path) -> the rules
        # not to call there.  Bounded.
        self.quiet: dict[tuple, set[ModuleType]] = {}

    def quiet_on(self, doc: "AuthDoc", effective: "AuthDoc") -> set[ModuleType] | None:
        """The rules known to find nothing on doc, as written and as the JSON reader sees it
        (effective: a printf format's), for the caller to grow; None: nothing is kept for it."""
        if not ENABLED or not (self.alone or self.tests) or len(doc.text) > _DOCUMENT_TEXT:
            return None
        read = None if effective is doc else (effective.text, tuple(effective.opaque))
        key = (doc.text, tuple(doc.opaque), read, doc.origin, doc.variable, doc.source.path if doc.origin == "file" else None)
        quiet = self.quiet.get(key)
        if quiet is None:
            if len(self.quiet) >= _DOCUMENTS:
                self.quiet.clear()
            quiet = {module for module, test in self.tests if not test(doc)}
            self.quiet[key] = quiet
        return quiet


class JobRules:
    """The check_job calls (in registry order) and each rule's job test."""

    def __init__(self, calls: list[RuleCall]) -> None:
        self.calls = calls
        tests = [getattr(getattr(c[0], "TRIGGERS", None), "job", None) for c in calls]
        self.gated = [(i, test) for i, test in enumerate(tests) if test is not None]
        self.memo: dict[tuple[int, ...], list[RuleCall]] = {}  # indexes of the failed tests -> calls, in order

    def for_job(self, unit: "JobUnit") -> list[RuleCall]:
        if not ENABLED or not self.gated:
            return self.calls
        failed = tuple([i for i, test in self.gated if not test(unit)])
        chosen = self.memo.get(failed)
        if chosen is None:
            chosen = self.memo[failed] = [c for i, c in enumerate(self.calls) if i not in failed]
        return chosen


def trigger_text(cmd: "Command") -> tuple[tuple[str | None, ...], str]:
    """What picks a command's rules: its names and word text (asked once per command: a
    script's commands recur, from the parse memo, in every job and project running its text)."""
    return command_names(cmd), word_text(cmd)


def command_names(cmd: "Command") -> tuple[str | None, ...]:
    """The command's basename and, behind a wrapper (`sudo docker`), the program it runs."""
    return (cmd.basename, unwrap(cmd)[0])


def word_text(cmd: "Command") -> str:
    """The templates of the command's words, assignment values and redirect targets, or a
    text holding them all (a word without quotes or backslashes is its own template, and a
    command's own text holds its words, unless they come from a string or an enclosing group)."""
    raw = cmd.raw
    if cmd.via is None and _plain(raw) and not (cmd.redirects and any(r.group for r in cmd.redirects)):
        return raw
    words = [*cmd.argv, *(a.value for a in cmd.env if a.value is not None), *(r.target for r in cmd.redirects if r.target is not None)]
    return "\n".join([w.raw if _plain(w.raw) else w.template for w in words])


def _plain(raw: str) -> bool:
    """No quotes or backslashes (three scans in C: faster than a set of its characters)."""
    return "'" not in raw and '"' not in raw and "\\" not in raw
