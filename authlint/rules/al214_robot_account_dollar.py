"""
## What it does
Finds a Harbor robot account name (`robot$name`, `robot$project+name`) where
its `$` gets expanded:

* in a GitLab CI/CD variable value (global, job, `value:` form) that GitLab
  expands, that is without `$$` and without `expand: false`;
* in a shell word that is unquoted or double-quoted (`-u "robot$ci"`).

Severity: an **error**: the registry receives a truncated user name and
refuses the login, every time.

## Why is this bad?
GitLab expands `$name` in a variable value, and the shell expands it in a
double-quoted or unquoted word.  An undefined `$name` becomes empty, so the
registry receives the user `robot` (or `robot+name`) and answers
`unauthorized: authentication required`.

## Example
```sh
echo "$HARBOR_TOKEN" | docker login -u "robot$ci-builder" --password-stdin harbor.example.com
```

## Use instead
```sh
echo "$HARBOR_TOKEN" | docker login -u 'robot$ci-builder' --password-stdin harbor.example.com
```
In a variable, write `robot$$ci-builder` or set `expand: false`.

## Fix safety
The fix is safe.  In a shell word it single-quotes the name (only when the
word has no other expansion and no single quote); in a variable value it
doubles the `$`, which GitLab turns back into one `$`.  A variable whose value
cannot be edited exactly gets no fix.
"""

from __future__ import annotations

import re
from typing import Iterator

from ..diagnostics import Applicability, Edit, Fix, Severity
from ..units import CommandRef, FileUnit, make_fix
from .base import FIX_SAFE, Example, Hit, Rule, Triggers

TRIGGERS = Triggers(words=("robot$",))  # a word's template spells `robot` then `$name`
RULE = Rule(
    code="AL214",
    name="robot-account-dollar",
    severity=Severity.ERROR,
    summary="Harbor robot account name `robot$name` whose `$` is expanded by GitLab or the shell",
    fix=FIX_SAFE,
)

# `robot$name` not preceded by a name character; `$$` is GitLab's escaped dollar.
_ROBOT = re.compile(r"(?<![\w$])robot(\$)(?!\$)(?=[A-Za-z_])")
_MESSAGE = (
    "`robot${name}` is a Harbor robot account, but {who} expands `${name}` (empty when undefined), "
    "so the registry gets the user `robot{rest}` and answers `unauthorized`; {fix}"
)


def check_file(unit: FileUnit, options) -> Iterator[Hit]:
    pipeline = unit.pipeline
    if pipeline is None or unit.yaml is None:
        return
    seen: set[int] = set()
    variables = list(pipeline.variables.values()) + [v for job in pipeline.jobs.values() for v in job.variables.values()]
    for var in variables:
        scalar = var.value
        if scalar is None or not var.expand or "robot$" not in scalar.value or id(scalar) in seen or scalar.source is not unit.source:
            continue  # (every _ROBOT match is in a `robot$`: most values have none, and the regex tries each position)
        seen.add(id(scalar))
        for m in _ROBOT.finditer(scalar.value):
            name = re.match(r"[A-Za-z_][A-Za-z0-9_]*", scalar.value[m.end() :])
            assert name is not None
            span = scalar.text.file_span(m.start(1), m.end(1))
            if span is not None and unit.source.text[span.start : span.end] == "$":
                fix = Fix("escape the dollar for GitLab: `$$`", (Edit(unit.source.path, span.start, span.end, "$$"),), Applicability.SAFE)
            else:
                fix = Fix("escape the dollar for GitLab: `$$`", (), Applicability.DISPLAY_ONLY, reason="the value cannot be edited exactly")
            end = m.end() + name.end()
            message = _message(name.group(), "GitLab", "write `robot$$...` or set `expand: false`", scalar.value[end:])
            yield Hit(unit.source, scalar.text.span(m.start(), end), message, fix=fix, key=var.name)


def check_command(ref: CommandRef, options) -> Iterator[Hit]:
    for word in ref.cmd.argv:
        parts = word.parts
        for i, part in enumerate(parts[1:], 1):
            before = parts[i - 1]
            if not (part.kind == "variable" and part.simple and part.raw.startswith("$") and part.raw[1:2] != "{"):
                continue
            if not (before.is_literal and before.quote in ("none", "double") and re.search(r"(?<![\w$])robot$", before.value or "")):
                continue
            rest = "".join(p.value or "" for p in parts[i + 1 :] if p.is_literal)
            message = _message(part.var or "", "the shell", "single-quote the name", rest)
            yield ref.hit(before.end - len("robot"), part.end, message, fix=_quote_fix(ref, word), key=part.var or "")


def _message(name: str, who: str, fix: str, rest: str) -> str:
    return _MESSAGE.format(name=name, who=who, fix=fix, rest=rest[:1] + "..." if rest[:1] in ("+", "-", ".") else "")


def _quote_fix(ref: CommandRef, word) -> Fix:
    title = "single-quote the robot account name"
    expansions = [p for p in word.parts if not p.is_literal]
    if len(expansions) != 1 or "'" in word.template or not ref.cmd.exact or ref.cmd.via:
        return Fix(title, (), Applicability.DISPLAY_ONLY, reason="the word holds other expansions or quotes")
    return make_fix(title, [ref.edit(word.start, word.end, "'" + word.template + "'")], Applicability.SAFE, ref.unit.tmap)


VALID = [
    Example("echo \"$HARBOR_TOKEN\" | docker login -u 'robot$ci-builder' --password-stdin harbor.example.com\n"),
    Example('echo "$HARBOR_TOKEN" | docker login -u "robot\\$ci-builder" --password-stdin harbor.example.com\n'),
    Example('echo "$T" | docker login -u "robot${HARBOR_PROJECT}" --password-stdin harbor.example.com\n'),
    Example("variables:\n  HARBOR_USER: robot$$ci-builder\nbuild:\n  script: [make]\n", kind="yaml"),
    Example("variables:\n  HARBOR_USER:\n    value: robot$ci-builder\n    expand: false\nbuild:\n  script: [make]\n", kind="yaml"),
    Example('echo "$BOT_NAME"\n'),
]

INVALID = [
    Example(
        'echo "$HARBOR_TOKEN" | docker login -u "⟦robot$ci⟧-builder" --password-stdin harbor.example.com\ndocker push harbor.example.com/app\n',
        fixed="echo \"$HARBOR_TOKEN\" | docker login -u 'robot$ci-builder' --password-stdin harbor.example.com\ndocker push harbor.example.com/app\n",
    ),
    Example(
        "variables:\n  HARBOR_USER: ⟦robot$library⟧+ci\nbuild:\n  script:\n    - echo \"$HARBOR_TOKEN\" | docker login -u \"$HARBOR_USER\" --password-stdin harbor.example.com\n",
        kind="yaml",
        fixed="variables:\n  HARBOR_USER: robot$$library+ci\nbuild:\n  script:\n    - echo \"$HARBOR_TOKEN\" | docker login -u \"$HARBOR_USER\" --password-stdin harbor.example.com\n",
    ),
    Example(
        'echo "$T" | docker login -u ⟦robot$ci⟧ --password-stdin "$HARBOR"\ndocker push "$HARBOR/app"\n',
        fixed="echo \"$T\" | docker login -u 'robot$ci' --password-stdin \"$HARBOR\"\ndocker push \"$HARBOR/app\"\n",
    ),
]
