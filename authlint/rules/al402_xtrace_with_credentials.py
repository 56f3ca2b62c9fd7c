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
from typing import TYPE_CHECKING, Iterator

from ..diagnostics import Applicability, Fix, Severity
from ..units import CommandRef, ShellUnit
from ..shell.flow import CredUse, Flow, flow_of, substituted_secrets
from ..shell.trace import MAYBE, OFF, ON, Event, job_may_trace, may_trace, trace_events
from .base import Example, Hit, Rule, Triggers

if TYPE_CHECKING:
    from ..shell.model import Word

RULE = Rule(
    code="AL402",
    name="xtrace-with-credentials",
    severity=Severity.ERROR,
    summary="`set -x` is on while a command expands a credential: the trace prints it",
    options={"conditional": True},
)

# ------------------------------------------------------------------- checks
TRIGGERS = Triggers(first=True)  # the shell's first command: a job's script, its after_script, a file


def check_command(ref: CommandRef, options) -> Iterator[Hit]:
    """The whole shell is walked once, from its first command (template jobs included)."""
    if ref.job is not None and (ref.position or not job_may_trace(ref.job)):
        return  # a job's shell starts at position 0 (its script, or its after_script); most never trace
    scope = flow_of(ref)
    if scope is None or not scope.refs or scope.refs[0].cmd is not ref.cmd or not may_trace(scope):
        return
    yield from _check_scope(scope, trace_events(scope), options)


def _check_scope(scope: Flow, events: list[tuple[ShellUnit, Event]], options) -> Iterator[Hit]:
    conditional = options.get("conditional", True)
    reported_until: dict[int, int] = {}
    for unit, ev in events:
        if ev.level == OFF or ev.origin is None or (ev.level == MAYBE and not conditional):
            continue
        script_key = id(unit.script)
        if ev.start < reported_until.get(script_key, -1):
            continue  # inside a command already reported (`X=$(printf ... "$P" | base64)`)
        use = _leak(scope, ev, unit.script)
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


def _leak(scope: Flow, ev: Event, script):
    for w in _words(ev):
        uses = scope.uses(w)
        if uses:
            return uses[0]
        # `docker login -p $(aws ecr get-login-password)`, `$(aws ecr get-login)`: the trace prints the output
        for p in w.parts:
            secret = substituted_secrets(scope, script, _Only(p)) if p.kind == "command_substitution" else []
            if secret:
                return CredUse(w, p.start, p.end, secret[0], False, "$(")
    # `X=$(aws ecr get-login-password)`: the trace prints the credential's new value
    for name, w, start in _assigned(ev):
        if scope.creds.get(name) is False and any(p.kind != "literal" for p in w.parts):
            return CredUse(w, start, w.end, name, False, "=")
    return None


class _Only:
    """One part of a word, shaped as a word for substituted_secrets."""

    def __init__(self, part) -> None:
        self.parts = [part]


def _hit(scope: Flow, unit: ShellUnit, ev: Event, use) -> Hit:
    origin = ev.origin
    assert origin is not None
    where = f"line {origin.line}" if origin.source_path == unit.source.path else f"{origin.source_path}:{origin.line}"
    what = use.describe()
    subject = f"the assignment to {ev.assignment.name}" if ev.cmd is None else f"`{ev.cmd.basename}`" if ev.cmd.basename else "the command"
    if use.raw == "=":
        subject, what = f"the assignment to {use.name}", "the credential"
    elif use.raw == "$(":
        what = use.name  # a secret command's output: always a secret
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
    registry = use.raw == "$(" or use.name in scope.registry or scope.sources.get(use.name) in scope.registry
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
    # a secret command's output on the traced command line
    Example('set -x\ndocker login -u AWS -p ⟦$(aws ecr get-login-password)⟧ "$ECR_REGISTRY"\n'),
    # AWS CLI v1 prints a whole `docker login -p <token>` command, which the trace shows as it runs
    Example("set -ex\n⟦$(aws ecr get-login --no-include-email --region eu-west-1)⟧\ndocker push \"$ECR_IMAGE\"\n"),
    Example('[[ "$TRACE" ]] && set -x\necho "⟦$DOCKER_PASSWORD⟧" | docker login --password-stdin -u "$DOCKER_USER" docker.io\n'),
    Example('if [ -n "$DEBUG" ]; then set -x; fi\ndocker login -u deploy -p "⟦$REGISTRY_PASSWORD⟧" r.example.com\n'),
    Example("set -x\nsh -xc 'docker login -u deploy -p \"⟦$REGISTRY_PASSWORD⟧\" r.example.com'\n"),
    Example(
        "build:\n  before_script:\n    - set -x\n  script:\n    - docker login -u deploy -p ⟦$DEPLOY_PASSWORD⟧ r.example.com\n    - docker push r.example.com/app\n",
        kind="yaml",
    ),
]
