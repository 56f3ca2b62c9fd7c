"""Which rules to call on a command, from the triggers they declare.

Most rules look at a few programs (docker, base64, tee ...): calling every
rule's ``check_command`` on every command fanned 13.6k commands out to 184k
rule calls on the corpus.  The rules' ``TRIGGERS`` are indexed once per run and
each command's names and word text are computed once; a rule without
``TRIGGERS`` runs on every command.  ``ENABLED = False`` calls every rule on
every command (the tests compare both ways).
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable

from .tools import unwrap

if TYPE_CHECKING:
    from .shell.model import Command

ENABLED = True

# A rule's module, the hook function to call and the rule's options (bound once per run).
RuleCall = tuple[ModuleType, Callable[..., Any], Any]


class CommandRules:
    """The check_command calls (in registry order) and their trigger index."""

    def __init__(self, calls: list[RuleCall]) -> None:
        self.calls = calls
        modules = [c[0] for c in calls]
        self.always = {m for m in modules if getattr(m, "TRIGGERS", None) is None}
        self.by_name: dict[str, set[ModuleType]] = {}
        self.by_word: dict[str, set[ModuleType]] = {}
        for m in modules:
            triggers = getattr(m, "TRIGGERS", None)
            if triggers is None:
                continue
            for name in triggers.commands:
                self.by_name.setdefault(name, set()).add(m)
            for word in triggers.words:
                self.by_word.setdefault(word, set()).add(m)
        self.words = tuple(self.by_word)
        self.memo: dict[tuple, list[RuleCall]] = {}  # (names, words present) -> calls, in order

    def for_command(self, cmd: "Command") -> list[RuleCall]:
        if not ENABLED or len(self.always) == len(self.calls):
            return self.calls
        names = command_names(cmd)
        text = word_text(cmd) if self.words else ""
        key = (names, tuple(w in text for w in self.words))
        chosen = self.memo.get(key)
        if chosen is None:
            hit = self.always.union(*(self.by_name.get(n, ()) for n in names),
                                    *(self.by_word[w] for w, present in zip(self.words, key[1]) if present))
            chosen = self.memo[key] = [c for c in self.calls if c[0] in hit]
        return chosen


def command_names(cmd: "Command") -> tuple[str | None, ...]:
    """The command's basename and, behind a wrapper (`sudo docker`), the program it runs."""
    return (cmd.basename, unwrap(cmd)[0])


def word_text(cmd: "Command") -> str:
    """The templates of the command's words, assignment values and redirect targets, or a
    text holding them all (a word without quotes or backslashes is its own template, and a
    command's own text holds its words, unless they come from a string or an enclosing group)."""
    if cmd.via is None and not _QUOTING.intersection(cmd.raw) and not any(r.group for r in cmd.redirects):
        return cmd.raw
    words = [*cmd.argv, *(a.value for a in cmd.env if a.value is not None), *(r.target for r in cmd.redirects if r.target is not None)]
    return "\n".join(w.template if _QUOTING.intersection(w.raw) else w.raw for w in words)


_QUOTING = frozenset("'\"\\")
