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
from typing import TYPE_CHECKING

from .tools import unwrap

if TYPE_CHECKING:
    from .shell.model import Command

ENABLED = True


class CommandRules:
    """The check_command modules (in registry order) and their trigger index."""

    def __init__(self, modules: list[ModuleType]) -> None:
        self.modules = modules
        self.always = {m for m in modules if getattr(m, "TRIGGERS", None) is None}
        self.by_name: dict[str, set[ModuleType]] = {}
        self.by_word: list[tuple[str, ModuleType]] = []
        for m in modules:
            triggers = getattr(m, "TRIGGERS", None)
            if triggers is None:
                continue
            for name in triggers.commands:
                self.by_name.setdefault(name, set()).add(m)
            self.by_word.extend((w, m) for w in triggers.words)

    def for_command(self, cmd: "Command") -> list[ModuleType]:
        if not ENABLED or len(self.always) == len(self.modules):
            return self.modules
        chosen = self.always.union(*(self.by_name.get(n, ()) for n in command_names(cmd)))
        text = None
        for word, m in self.by_word:
            if m not in chosen:
                text = word_text(cmd) if text is None else text
                if word in text:
                    chosen.add(m)
        return [m for m in self.modules if m in chosen]


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
