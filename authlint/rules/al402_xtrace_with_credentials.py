"""
## What it does
Finds commands that run while `set -x` (also `set -ex`, `set -eux`,
`set -o xtrace`, a `#!/bin/sh -x` shebang, `bash -x script.sh`, `sh -xc '...'`)
is on and whose words expand a credential: a login given `-p "$PASSWORD"`, an
`echo "$PASSWORD" | ... --password-stdin`, an auth JSON built with `echo`, an
assignment such as `AUTH=$(printf '%s:%s' "$U" "$P" | base64)`.

The shell's trace is followed as bash runs it: `set +x` turns it off, a
`( set +x; ... )` subshell or a function body keeps its changes to itself, a
`sh -c` child shell starts without it, and after_script is a new shell.  What
the trace does not print is not reported: here-documents and redirections
(`<<< "$P"`, `<<EOF`) never appear in it.  GitLab masks its own job-scoped
credentials (`CI_JOB_TOKEN`, `CI_REGISTRY_PASSWORD`, ...) wherever their exact
value is printed, so a trace showing them as they are is not reported, but a
value derived from them (a base64 `auth`) is.

A `set -x` that runs only under a condition (`[[ "$TRACE" ]] && set -x`,
`if [ -n "$DEBUG" ]; then set -x; fi`) is reported too, worded as "may be on":
debug switches get turned on exactly when a pipeline misbehaves, and the
credential then lands in the log.  Set the option `conditional = false` to
report only unconditional tracing.

Severity: an **error** for a registry credential (by name, by its use as a
login password or in auth JSON, or derived from one); **info** for another
secret the trace shows (an API or test token): a leak worth fixing, but not
the registry credential this linter guards.

## Why is this bad?
With xtrace the shell prints every command after expansion, so
`docker login -u deploy -p "$REGISTRY_PASSWORD"` appears in the job log as
`+ docker login -u deploy -p hunter2`.  Masking only hides exact values of
masked variables; JSON and base64-derived values are never masked
(domain.md M8).

## Example
```sh
set -eux
echo "{\\"auths\\":{\\"$REGISTRY\\":{\\"username\\":\\"$REGISTRY_USER\\",\\"password\\":\\"$REGISTRY_PASSWORD\\"}}}" > /kaniko/.docker/config.json
```

## Use instead
```sh
set -eux
set +x
printf '%s' "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json
set -x
```
or run the credential commands in a `( set +x; ... )` subshell.

## Fix safety
There is no automatic fix: where tracing should resume is the author's call.
The suggested change wraps the command in `set +x` / `set -x`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

from ..diagnostics import Applicability, Fix, Severity
from ..lazy import lazy_compile
from ..units import CommandRef, ShellUnit
from ..shell.flow import CredUse, Flow, flow_of, xtrace_change
from .base import Example, Hit, Rule

if TYPE_CHECKING:
    from ..shell.model import Assignment, Command, Script, Word

RULE = Rule(
    code="AL402",
    name="xtrace-with-credentials",
    severity=Severity.ERROR,
    summary="`set -x` is on while a command expands a credential: the trace prints it",
    options={"conditional": True},
)

OFF, MAYBE, ON = 0, 1, 2
_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"})


@dataclass(frozen=True)
class Origin:
    """Where tracing was turned on."""

    label: str  # `set -eux`, `#!/bin/sh -x`, `bash -x`
    source_path: str
    line: int  # 1-based
    conditional: bool


@dataclass
class Event:
    start: int
    end: int
    cmd: "Command | None"
    assignment: "Assignment | None"
    level: int
    origin: Origin | None


# -------------------------------------------------------------- xtrace flags
def _shell_flag_x(cmd: "Command") -> bool:
    if cmd.basename not in _SHELLS:
        return False
    args = [w.value for w in cmd.args]
    for i, v in enumerate(args):
        if v is None or not v.startswith(("-", "+")) or v == "--":
            return False
        if v.startswith("-") and not v.startswith("--") and "x" in v[1:]:
            return True
        if v == "-o" and i + 1 < len(args) and args[i + 1] == "xtrace":
            return True
    return False


_SHEBANG_X = lazy_compile(r"^#![^\n]*?\s-[a-zA-Z]*x")


def walk(script: "Script", level: int, origin: Origin | None, locate) -> tuple[list[Event], int, Origin | None]:
    """Events (commands and plain assignments, in source order) with the xtrace
    state each runs under, and the state the script leaves behind."""
    items: list[Event] = []
    for cmd in script.commands:
        items.append(Event(cmd.start, cmd.end, cmd, None, OFF, None))
    for a in script.assignments:
        if a.kind == "plain":
            items.append(Event(a.start, a.end, None, a, OFF, None))
    items.sort(key=lambda e: (e.start, e.cmd is not None))
    if level == OFF and not any(e.cmd is not None and (xtrace_change(e.cmd) is not None or _shell_flag_x(e.cmd)) for e in items):
        return items, level, origin  # nothing is ever traced
    isolated, conditional = script.isolated, script.conditional
    scopes: list[tuple[int, int, Origin | None]] = []  # (end, level and origin to restore)
    k = 0
    shells: list["Command"] = []
    for ev in items:
        o = ev.start
        while scopes and scopes[-1][0] <= o:
            _, level, origin = scopes.pop()
        while k < len(isolated) and isolated[k][0] <= o:
            end = isolated[k][1]
            k += 1
            if end > o:
                scopes.append((end, level, origin))
        cmd = ev.cmd
        if cmd is not None and cmd.via is not None:  # `sh -c '...'`: a child shell
            outer = next((c for c in reversed(shells) if c.start <= cmd.start and cmd.end <= c.end), None)
            if outer is not None and _shell_flag_x(outer):
                ev.level, ev.origin = ON, Origin(f"{outer.basename} -x", *locate(outer.start), False)
            continue
        ev.level, ev.origin = level, origin
        if cmd is None:
            continue
        if cmd.basename in _SHELLS:
            shells.append(cmd)
        change = xtrace_change(cmd)
        if change is None:
            continue
        cond = any(a <= o < b for a, b in conditional)
        label = "set " + " ".join(w.value or "" for w in cmd.args)
        if change > 0 and not cond:
            level, origin = ON, Origin(label, *locate(cmd.start), False)
        elif change > 0 and level == OFF:
            level, origin = MAYBE, Origin(label, *locate(cmd.start), True)
        elif change < 0 and not cond:
            level, origin = OFF, None
        elif change < 0 and level == ON:
            level = MAYBE
    while scopes:
        _, level, origin = scopes.pop()
    return items, level, origin


# ------------------------------------------------------------------- checks
def check_command(ref: CommandRef, options) -> Iterator[Hit]:
    """The whole shell is walked once, from its first command (template jobs included)."""
    scope = flow_of(ref)
    if scope is None or not scope.refs or scope.refs[0].cmd is not ref.cmd:
        return
    if scope.job is not None:
        yield from _check_scope(scope, _job_events(scope), options)
        return
    shell = ref.unit
    level, origin = _shebang(shell)
    events, _, _ = walk(shell.script, level, origin, _locator([shell]))
    yield from _check_scope(scope, [(shell, ev) for ev in events], options)


def _locator(units: list[ShellUnit]):
    """offset in the units' (shared) script -> (file path, 1-based line)."""

    def locate(offset: int) -> tuple[str, int]:
        best, best_shift = units[0], -1
        for u in units:
            shift = getattr(u.tmap, "shift", 0)
            if shift <= offset and shift > best_shift:
                best, best_shift = u, shift
        index = best.source.index
        return best.source.path, index.line_of(best.span(offset, offset).start) + 1

    return locate


def _shebang(unit: ShellUnit) -> tuple[int, Origin | None]:
    first = unit.script.text.split("\n", 1)[0]
    if _SHEBANG_X.match(first):
        return ON, Origin(first.strip(), unit.source.path, 1, False)
    return OFF, None


def _job_events(scope: Flow) -> list[tuple[ShellUnit, Event]]:
    """Events of a job shell: its own script items (one shell, in order) and the
    scripts it calls, each with the state it starts in."""
    out: list[tuple[ShellUnit, Event]] = []
    done: set[int] = set()
    level, origin = OFF, None
    at_cmd: dict[tuple[object, int], tuple[int, Origin | None]] = {}
    for ref in scope.refs:
        unit = ref.unit
        if unit.called_from is None:
            if id(unit.script) in done:
                continue
            done.add(id(unit.script))
            own = [u for u in scope.units if u.script is unit.script] or [unit]
            events, level, origin = walk(unit.script, level, origin, _locator(own))
            for ev in events:
                out.append((scope.ref_unit(ev.start, unit.script) or unit, ev))
                if ev.cmd is not None:
                    at_cmd[("main", id(ev.cmd))] = (ev.level, ev.origin)
            continue
        if id(unit) in done:
            continue
        done.add(id(unit))
        caller = unit.called_from
        start_level, start_origin = OFF, None
        key = ("main", id(caller.cmd)) if caller.unit.called_from is None else (id(caller.unit), id(caller.cmd))
        state = at_cmd.get(key)
        if caller.cmd.basename in ("source", "."):
            if state is not None:
                start_level, start_origin = state
        elif _shell_flag_x(caller.cmd):
            path, line = _locator([caller.unit])(caller.cmd.start)
            start_level, start_origin = ON, Origin(f"{caller.cmd.basename} -x", path, line, False)
        elif caller.cmd.basename not in _SHELLS:
            start_level, start_origin = _shebang(unit)
        events, _, _ = walk(unit.script, start_level, start_origin, _locator([unit]))
        for ev in events:
            out.append((unit, ev))
            if ev.cmd is not None:
                at_cmd[(id(unit), id(ev.cmd))] = (ev.level, ev.origin)
    return out


def _check_scope(scope: Flow, events: list[tuple[ShellUnit, Event]], options) -> Iterator[Hit]:
    conditional = options.get("conditional", True)
    reported_until: dict[int, int] = {}
    for unit, ev in events:
        if ev.level == OFF or ev.origin is None or (ev.level == MAYBE and not conditional):
            continue
        script_key = id(unit.script)
        if ev.start < reported_until.get(script_key, -1):
            continue  # inside a command already reported (`X=$(printf ... "$P" | base64)`)
        use = _leak(scope, ev)
        if use is None:
            continue
        reported_until[script_key] = ev.end
        yield _hit(scope, unit, ev, use)


def _words(ev: Event) -> list["Word"]:
    if ev.assignment is not None:
        return [ev.assignment.value] if ev.assignment.value is not None else []
    cmd = ev.cmd
    assert cmd is not None
    words = list(cmd.argv)
    words += [a.value for a in cmd.env if a.value is not None]
    return words


def _assigned(ev: Event) -> list[tuple[str, "Word", int]]:
    """(name, value word) of the assignments the trace prints for this event."""
    if ev.assignment is not None:
        a = ev.assignment
        return [(a.name, a.value, a.value.start)] if a.value is not None else []
    cmd = ev.cmd
    assert cmd is not None
    out = [(a.name, a.value, a.value.start) for a in cmd.env if a.value is not None]
    if cmd.basename in ("export", "declare", "local", "readonly", "typeset"):
        for w in cmd.args:
            t = w.template
            m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)=", t)
            if m:
                out.append((m.group(1), w, w.template_offset(m.end())))
    return out


def _leak(scope: Flow, ev: Event):
    for w in _words(ev):
        uses = scope.uses(w)
        if uses:
            return uses[0]
    # `X=$(aws ecr get-login-password)`: the trace prints the credential's new value
    for name, w, start in _assigned(ev):
        if scope.creds.get(name) is False and any(p.kind != "literal" for p in w.parts):
            return CredUse(w, start, w.end, name, False, "=")
    return None


def _hit(scope: Flow, unit: ShellUnit, ev: Event, use) -> Hit:
    origin = ev.origin
    assert origin is not None
    where = f"line {origin.line}" if origin.source_path == unit.source.path else f"{origin.source_path}:{origin.line}"
    what = use.describe()
    subject = f"`{ev.cmd.basename or 'the command'}`" if ev.cmd is not None else f"the assignment to {ev.assignment.name}"
    if use.raw == "=":
        subject, what = f"the assignment to {use.name}", "the credential"
    if ev.level == ON:
        message = f"`{origin.label}` ({where}) is on: the shell prints {subject} with {what} expanded into the job log"
    else:
        message = (
            f"`{origin.label}` ({where}) may be on here (it runs only under a condition): "
            f"when it is, the shell prints {subject} with {what} expanded into the job log"
        )
    fix = Fix("turn tracing off around the command: `set +x` before it, `set -x` after it", (), Applicability.DISPLAY_ONLY,
              reason="where tracing should resume is the author's call")
    job = scope.job.name if scope.job is not None else None
    registry = use.name in scope.registry or scope.sources.get(use.name) in scope.registry
    return Hit(unit.source, unit.span(use.start, use.end), message, fix=fix, job=job, key=f"{origin.label} {use.name}",
               severity=None if registry else Severity.INFO)


_KANIKO_JSON = (
    'echo "{\\"auths\\":{\\"$REGISTRY\\":{\\"username\\":\\"$REGISTRY_USER\\",\\"password\\":\\"$REGISTRY_PASSWORD\\"}}}"'
    " > /kaniko/.docker/config.json"
)

VALID = [
    Example('set -x\necho "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"\n'),
    Example('set -eux\ndocker login -u deploy --password-stdin r.example.com <<< "$REGISTRY_PASSWORD"\n'),
    Example("set -x\nset +x\n" + _KANIKO_JSON + "\nset -x\n/kaniko/executor --context . --destination r.example.com/app\n"),
    # the good pattern from the corpus (fFQR5h3UF2 run_kaniko.sh): tracing off inside a subshell
    Example(
        "set -o errexit -o nounset -o xtrace\n(\n    set +x\n"
        '    auth=$(printf "%s:%s" "${USER}" "${TOKEN}" | base64 -w 0)\n'
        "    cat - >/kaniko/.docker/config.json <<EOF\n"
        '{ "auths": { "${AUTH_TARGET}": { "auth": "${auth}" } } }\nEOF\n)\n'
        '/kaniko/executor --context "${CONTEXT}" --destination "${DESTINATION}"\n'
    ),
    # here-documents are not traced
    Example('set -x\nmkdir -p /kaniko/.docker\ncat > /kaniko/.docker/config.json <<EOF\n{"auths": {"r.example.com": {"auth": "$REGISTRY_AUTH"}}}\nEOF\n'),
    Example('echo "$REGISTRY_PASSWORD" | docker login -u deploy --password-stdin r.example.com\nset -x\ndocker push r.example.com/app\n'),
    # set -v prints the unexpanded text
    Example('set -v\ndocker login -u deploy -p "$REGISTRY_PASSWORD" r.example.com\n'),
    Example('f() {\n  set -x\n  make\n}\ndocker login -u deploy -p "$REGISTRY_PASSWORD" r.example.com\n'),
    Example("set -x\nsh -c 'docker login -u deploy -p \"$REGISTRY_PASSWORD\" r.example.com'\n"),
    Example(
        'build:\n  script:\n    - set -x\n    - make\n  after_script:\n    - docker login -u deploy -p "$REGISTRY_PASSWORD" r.example.com\n',
        kind="yaml",
    ),
]

INVALID = [
    # another secret (not a registry credential): reported at info
    Example('set -x\ncurl -s -H "PRIVATE-TOKEN: ⟦$API_TOKEN⟧" https://gitlab.example.com/api/v4/projects\n'),
    # jpjonte login.sh: set -eux, then the password is echoed into config.json
    Example("set -eux\nmkdir -p /kaniko/.docker\n" + _KANIKO_JSON.replace("$REGISTRY_PASSWORD", "⟦$REGISTRY_PASSWORD⟧") + "\n"),
    Example('set -x\ndocker login -u deploy -p "⟦$REGISTRY_PASSWORD⟧" r.example.com\n'),
    Example('set -o xtrace\necho "⟦$DOCKER_PASSWORD⟧" | docker login -u me --password-stdin\n'),
    # masked predefined token, but the trace prints the base64 assignment
    Example('set -x\nAUTH=⟦$(echo -n "gitlab-ci-token:$CI_JOB_TOKEN" | base64 -w0)⟧\n'),
    # the trace prints the new value of a credential variable
    Example("set -x\nexport ECR_PASSWORD=⟦$(aws ecr get-login-password --region eu-west-3)⟧\n"),
    Example('[[ "$TRACE" ]] && set -x\necho "⟦$DOCKER_PASSWORD⟧" | docker login --password-stdin -u "$DOCKER_USER" docker.io\n'),
    Example('if [ -n "$DEBUG" ]; then set -x; fi\ndocker login -u deploy -p "⟦$REGISTRY_PASSWORD⟧" r.example.com\n'),
    Example("set -x\nsh -xc 'docker login -u deploy -p \"⟦$REGISTRY_PASSWORD⟧\" r.example.com'\n"),
    Example(
        "build:\n  before_script:\n    - set -x\n  script:\n    - docker login -u deploy -p ⟦$DEPLOY_PASSWORD⟧ r.example.com\n    - docker push r.example.com/app\n",
        kind="yaml",
    ),
]
