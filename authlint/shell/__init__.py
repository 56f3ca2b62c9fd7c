"""Shell scripts as a flat, typed model of commands, words and redirects.

``parse(text)`` never executes anything and never raises on bad input; syntax
errors are listed in ``Script.errors``.  All offsets are str indexes into
``text``.
"""

from __future__ import annotations

from authlint.shell.model import Assignment, Command, Heredoc, Part, Redirect, Script, Word
from authlint.shell.parser import parse

__all__ = ["Assignment", "Command", "Heredoc", "Part", "Redirect", "Script", "Word", "parse"]
