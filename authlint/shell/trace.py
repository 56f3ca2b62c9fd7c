"""Where the shell's xtrace (`set -x`) is on, followed as bash runs the job.

``set -x`` / ``set +x`` (and ``set -eux``, ``set -o xtrace``) change it for the
rest of the shell; a ``( ... )`` subshell, a ``$(...)``, a pipeline stage or a
function body keeps its changes to itself; a ``set -x`` that runs only under a
condition makes it MAYBE on.  Child shells start without it unless asked:
``bash -x script`` and ``sh -xc '...'`` trace; ``sh script`` ignores the
script's shebang while ``./script`` honours it (``#!/bin/bash -x``);
``source script`` inherits the caller's state.  after_script is a new shell.

``trace_events(flow)`` gives every command and plain assignment of a flow
with the state it runs under (cached on the flow).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..lazy import lazy_compile
from .flow import xtrace_change

if TYPE_CHECKING:
    from ..units import JobUnit, ShellUnit
    from .flow import Flow
    from .model import Assignment, Command, Script

OFF, MAYBE, ON = 0, 1, 2
_SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"})
_TRACERS = _SHELLS | {"set"}  # the commands xtrace_change or _shell_flag_x can say yes to


@dataclass(frozen=True)
class TraceOrigin:
    """Where tracing was turned on."""

    label: str  # `set -eux`, `#!/bin/sh -x`, `bash -x`
    source_path: str
    line: int  # 1-based
    conditional: bool


@dataclass(eq=False)
class Event:
    """A command or assignment, in the order the shell runs them, with the xtrace level it runs at."""

    start: int
    end: int
    cmd: "Command | None"
    assignment: "Assignment | None"
    level: int
    origin: TraceOrigin | None


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


def walk(script: "Script", level: int, origin: TraceOrigin | None, locate) -> tuple[list[Event], int, TraceOrigin | None]:
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
    scopes: list[tuple[int, int, TraceOrigin | None]] = []  # (end, level and origin to restore)
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
                ev.level, ev.origin = ON, TraceOrigin(f"{outer.basename} -x", *locate(outer.start), False)
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
            level, origin = ON, TraceOrigin(label, *locate(cmd.start), False)
        elif change > 0 and level == OFF:
            level, origin = MAYBE, TraceOrigin(label, *locate(cmd.start), True)
        elif change < 0 and not cond:
            level, origin = OFF, None
        elif change < 0 and level == ON:
            level = MAYBE
    while scopes:
        _, level, origin = scopes.pop()
    return items, level, origin


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


def _shebang(unit: ShellUnit) -> tuple[int, TraceOrigin | None]:
    text = unit.script.text
    if not text.startswith("#!"):
        return OFF, None  # (most scripts: no need to cut the first line)
    first = text.split("\n", 1)[0]
    if _SHEBANG_X.match(first):
        return ON, TraceOrigin(first.strip(), unit.source.path, 1, False)
    return OFF, None


def _job_events(scope: "Flow") -> list[tuple[ShellUnit, Event]]:
    """Events of a job shell: its own script items (one shell, in order) and the
    scripts it calls, each with the state it starts in."""
    out: list[tuple[ShellUnit, Event]] = []
    done: set[int] = set()
    level, origin = OFF, None
    at_cmd: dict[tuple[object, int], tuple[int, TraceOrigin | None]] = {}
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
            start_level, start_origin = ON, TraceOrigin(f"{caller.cmd.basename} -x", path, line, False)
        elif caller.cmd.basename not in _SHELLS:
            start_level, start_origin = _shebang(unit)
        events, _, _ = walk(unit.script, start_level, start_origin, _locator([unit]))
        for ev in events:
            out.append((unit, ev))
            if ev.cmd is not None:
                at_cmd[(id(unit), id(ev.cmd))] = (ev.level, ev.origin)
    return out




def may_trace(flow: "Flow") -> bool:
    """False when nothing in the flow can turn xtrace on (no `set` changing it, no `sh -x`,
    no `#!... -x` script): then every event is OFF, and most jobs need no walk."""
    cached = flow.__dict__.get("_may_trace")
    if cached is None:
        cached = flow.__dict__["_may_trace"] = _may_trace(flow.refs, flow.units)
    return cached


def job_may_trace(unit: "JobUnit") -> bool:
    """may_trace of either shell of a job, asked without building their flows (most jobs have
    neither): a job's two flows hold its commands and after commands, and its script units."""
    return _may_trace((*unit.commands, *unit.after), unit.units)


def _may_trace(refs, units) -> bool:
    """A command that turns xtrace on or may, or a script of these units or refs with `#!... -x`
    (one pass: consecutive refs share their script)."""
    last = None
    for r in refs:
        cmd = r.cmd
        if cmd.basename in _TRACERS and (xtrace_change(cmd) is not None or _shell_flag_x(cmd)):
            return True
        if r.unit.script is not last:
            last = r.unit.script
            if _shebang(r.unit)[0] != OFF:
                return True
    return any(_shebang(u)[0] != OFF for u in units)


def trace_events(flow: "Flow") -> list[tuple["ShellUnit", Event]]:
    """Every command and plain assignment of the flow, in the order the shell runs them,
    with the xtrace state (OFF / MAYBE / ON) and where it was turned on."""
    cached = flow.__dict__.get("_trace")
    if cached is None:
        if flow.job is not None:
            cached = _job_events(flow)
        else:
            shell = flow.units[0]
            level, origin = _shebang(shell)
            events, _, _ = walk(shell.script, level, origin, _locator([shell]))
            cached = [(shell, ev) for ev in events]
        flow.__dict__["_trace"] = cached
    return cached


def trace_at(flow: "Flow", cmd: "Command") -> tuple[int, TraceOrigin | None]:
    """The xtrace state a command runs under (OFF when the flow does not run it)."""
    if not may_trace(flow):
        return OFF, None
    index = flow.__dict__.get("_trace_index")
    if index is None:
        index = flow.__dict__["_trace_index"] = {id(ev.cmd): (ev.level, ev.origin) for _, ev in trace_events(flow) if ev.cmd is not None}
    return index.get(id(cmd), (OFF, None))
