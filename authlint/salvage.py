"""Secrets on text that did not parse.

A file (or script item) with a syntax error is reported as AL001, and its code
frame shows the broken line: the values on it must be redacted although no
rule saw them as YAML or shell.  Each line is read as a token stream: every
registry client named on it starts a command parsed on its own (a broken
prefix such as `\t- ` or `[[ ` is skipped), and its secret-valued options,
URL credentials and detect-secrets' findings are kept for redaction.
"""

from __future__ import annotations

import re

from .secrets import is_scan_candidate, looks_like_literal_secret, scan_lines, url_credentials
from .tools import REGISTRY_TOOLS

# Quotes and shell punctuation: an unbalanced one (`"`, `$(`, `{`) would make the rest one string
# or a syntax error.  Blanked, the words stay where they were.
_BREAKERS = re.compile(r"['\"`()\[\]{};&|<>]")
_WORD = re.compile(r"\S+")  # once the breakers are blanked
_STARTS = REGISTRY_TOOLS | {"sudo"}


def secrets_in_broken_text(text: str) -> set[str]:
    """Values to redact in text that authlint could not parse (the lines a code frame shows)."""
    found = {c.value for c in url_credentials(text)}
    lines = text.splitlines()
    for line in lines:
        found.update(_command_secrets(line))
    candidates = [(n, line) for n, line in enumerate(lines, 1) if is_scan_candidate(line)]
    for d in scan_lines(candidates, skip_gitlab_tokens=False) if candidates else ():
        if d.start is not None:
            found.add(lines[d.line - 1][d.start : d.end])
    return {v for v in found if v}


def _command_secrets(line: str) -> set[str]:
    from .shell import parse
    from .tools import secret_args

    out: set[str] = set()
    line = _BREAKERS.sub(" ", line)  # read tokens, not strings or groups
    for m in _WORD.finditer(line):
        if m.group().rsplit("/", 1)[-1] not in _STARTS:  # /kaniko/executor too
            continue
        for cmd in parse(line[m.start() :]).commands:
            for arg in secret_args(cmd):
                _, literal = arg.secret_part()
                if literal and looks_like_literal_secret(literal):
                    out.add(literal)
    return out
