"""
## What it does
Finds `echo` writing a whole auth file from a variable:
`echo "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json` (also `echo -n`,
unquoted, `${...}`, or piped into `tee`).  Any variable counts when the target
is a registry client's auth file (`.docker/config.json`, `/kaniko/...`,
`containers/auth.json`); `DOCKER_AUTH_CONFIG` counts wherever it is written.
A variable the pipeline itself defines as JSON (in `variables:` or the
script) is not File-type, and without a backslash echo writes it unchanged:
it is not reported; nor is a value the script computes (`CFG=$(jq ...)`)
written by an `echo` that keeps backslashes (bash, BusyBox ash).  The message
names only what can go wrong in the job: a File-type value, echo's backslashes.

This rule is informational but **enabled by default**: its fix is what makes a
File-type `DOCKER_AUTH_CONFIG` (the type GitLab Runner's docs recommend) work
in the job script.

Severity: **info**: for a Variable-type value without backslashes, what most
jobs have, the `echo` writes the right file; it breaks for a File-type
variable and where `echo` rewrites backslashes, and the fix works for both.

## Why is this bad?
Two ways to break the file:

* A **File-type** CI/CD variable holds the *path* of a temporary file in the
  job's environment, not the JSON.  `echo "$DOCKER_AUTH_CONFIG"` then writes
  `/builds/group/project.tmp/DOCKER_AUTH_CONFIG` into `config.json` and every
  reader fails with `invalid character '/' looking for beginning of value`.
* `echo` in dash (the `sh` of Debian/Ubuntu images) and some busybox builds
  interprets backslashes: a JSON escape such as `\\` or `\n` inside a
  password or `auth` value is rewritten and the JSON breaks or the password
  changes.

## Example
```sh
echo "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json
```

## Use instead
```sh
if [ -f "$DOCKER_AUTH_CONFIG" ]; then cp "$DOCKER_AUTH_CONFIG" /kaniko/.docker/config.json; else printf '%s' "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json; fi
```
This is the second line of authlint's canonical write; it works for Variable-
and File-type variables in dash, bash and busybox sh.

## Fix safety
The fix is safe: it replaces the `echo` command (with its redirect) by the
line above, using the same variable and the target exactly as written.  For a
Variable-type value it writes the same JSON minus the trailing newline (which
JSON ignores) and without `echo`'s backslash rewriting; for a File-type value
it copies the file instead of writing its path.  Inside a list such as `mkdir
-p d && echo ... > f` only the `echo` command is replaced; `if ... fi` is a
single command there, so `&&`, `||` and `set -e` behave as before.  The fix is
shown, not applied, under `set -x` (the `if` would trace the credential three
times instead of once: AL402), for `echo | tee` (the `tee` output may be used), for
appends (see AL205), when the `echo` has other redirects, is part of a
pipeline or inherits the redirect of a `{ ...; }` group, and where the text
cannot be edited exactly (a folded `>` block, a `sh -c` string, a plain item
of a flow list `[...]`, which cannot hold `[`).
"""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Applicability, Fix, Severity
from ..jobfacts import echo_is_exact, is_docker_like_path
from ..lazy import lazy_compile
from ..shell.flow import COMPOSITE, LITERAL_ORIGIN, SETTINGS, UNKNOWN, flow_of
from ..shell.model import Command
from ..units import CommandRef, make_fix
from ..writes import AuthWrite, auth_writes
from .base import FIX_SAFE, Example, Hit, Rule, Triggers

RULE = Rule(
    code="AL207",
    name="echo-auth-config",
    severity=Severity.INFO,
    summary="`echo` writes the auth file from a variable: breaks File-type variables and backslashes",
    fix=FIX_SAFE,
    default_enabled=True,
)

_ECHO_FLAG = lazy_compile(r"^-[neE]+$")


def echoed_variable(cmd: Command) -> tuple[str, str] | None:
    """(name, raw expansion) when cmd is `echo [-n|-e|-E] $X` (quoted or not), else None
    (asked once per command, and the rule is not called on an echo of anything else)."""
    if cmd.basename != "echo":
        return None
    words = list(cmd.args)
    while words and words[0].value is not None and _ECHO_FLAG.match(words[0].value):
        words = words[1:]
    if len(words) != 1:
        return None
    name = words[0].single_variable
    if name is None:
        return None
    part = next(p for p in words[0].parts if p.kind != "literal")
    return name, part.raw


TRIGGERS = Triggers(commands=frozenset({"echo"}), command=echoed_variable)


def _writes_of(ref: CommandRef) -> list[AuthWrite]:
    """Auth writes that store this echo's output: its own redirects or a `| tee`."""
    cmd = ref.cmd
    out = [w for w in auth_writes(ref) if w.via == "redirect"]
    nxt = cmd.pipeline_index + 1
    if not out and nxt < len(cmd.pipeline) and cmd.pipeline[nxt].basename == "tee":
        out = auth_writes(CommandRef(cmd.pipeline[nxt], ref.unit, ref.job, ref.position))
    return out


def check_command(ref: CommandRef, options) -> Iterator[Hit]:
    echoed = ref.cmd.derived(echoed_variable)
    if echoed is None:
        return
    writes = _writes_of(ref)
    if not writes:
        return  # most echoes of a variable write no auth file
    name, raw = echoed
    writes = [w for w in writes if name == "DOCKER_AUTH_CONFIG" or is_docker_like_path(w.target.template)]
    if not writes or _pipeline_json(ref, name):
        return  # (the variable's origins are not needed)
    why = _why(ref, name)
    if not why:
        return  # a value the script builds, written by an echo that keeps backslashes: nothing changes
    for w in writes:
        target = w.target.raw
        line = f"if [ -f \"${name}\" ]; then cp \"${name}\" {target}; else printf '%s' \"${name}\" > {target}; fi"
        yield ref.hit(
            ref.cmd.start,
            ref.cmd.name.end if ref.cmd.name is not None else ref.cmd.end,
            f"`echo` writes ${name} to {w.target.template}: {', and '.join(why)}; "
            + ("copy the file or write it with printf '%s'" if len(why) == 2 or "File-type" in why[0] else "write it with printf '%s'"),
            fix=_fix(ref, w, line),
            key=f"{name}>{w.target.template}",
        )
        return


def _why(ref: CommandRef, name: str) -> list[str]:
    """What can go wrong here: a CI/CD variable may be File-type; this shell's echo may rewrite backslashes."""
    flow = flow_of(ref)
    origins = flow.origins(name) if flow is not None else ()
    why = []
    if not origins or any(o.kind in (SETTINGS, UNKNOWN) for o in origins):
        why.append("a File-type variable holds a path, not JSON")
    if not echo_is_exact(ref):
        why.append("echo may rewrite backslashes")
    return why


def _pipeline_json(ref: CommandRef, name: str) -> bool:
    """The variable is JSON defined in the pipeline itself (not a File-type CI/CD
    variable) and holds no backslash for echo to rewrite: echo writes it as it is."""
    flow = flow_of(ref)
    origins = flow.origins(name) if flow is not None else ()
    return bool(origins) and all(
        o.kind in (LITERAL_ORIGIN, COMPOSITE) and o.text is not None and o.text.lstrip().startswith("{") and "\\" not in o.text
        for o in origins
    )


def _fix(ref: CommandRef, w: AuthWrite, line: str) -> Fix:
    title = "copy a File-type variable, else printf '%s' it"
    cmd = ref.cmd
    why = None
    if w.via != "redirect" or w.redirect is None:
        why = "the file is written by `tee`, whose output may be used"
    elif w.redirect.group:
        why = "the redirect belongs to an enclosing group"
    elif w.mode == "append":
        why = "the file is appended to (see AL205)"
    elif len(cmd.redirects) != 1 or len(cmd.pipeline) > 1 or cmd.env or cmd.negated:
        why = "the `echo` has other redirects or is part of a pipeline"
    elif not cmd.exact or cmd.via:
        why = "the command's text cannot be edited exactly"
    elif (flow := flow_of(ref)) is not None and flow.traced(ref):
        why = "`set -x` is on: the `if` would print the credential in three traced commands instead of one"
    if why:
        return Fix(title + f": `{line}`", (), Applicability.DISPLAY_ONLY, reason=why)
    return make_fix(title + f": `{line}`", [ref.edit(cmd.start, cmd.end, line)], Applicability.SAFE, ref.unit.tmap)


_PUSH = '/kaniko/executor --context . --destination "$CI_REGISTRY_IMAGE"\n'
_K = "/kaniko/.docker/config.json"
_CANON = "if [ -f \"$DOCKER_AUTH_CONFIG\" ]; then cp \"$DOCKER_AUTH_CONFIG\" {t}; else printf '%s' \"$DOCKER_AUTH_CONFIG\" > {t}; fi"

VALID = [
    Example(_CANON.format(t=_K) + "\n"),
    Example("printf '%s' \"$DOCKER_AUTH_CONFIG\" > /kaniko/.docker/config.json\n"),
    # JSON the pipeline defines itself: not File-type, no backslash to rewrite
    Example(
        "build:\n  variables:\n    DOCKER_AUTH_CONFIG: '{\"auths\": {\"registry.example.com\": {\"auth\": \"$REGISTRY_AUTH\"}}}'\n"
        "  script:\n    - echo \"$DOCKER_AUTH_CONFIG\" > /kaniko/.docker/config.json\n",
        kind="yaml",
    ),
    # hand-built JSON is AL202/AL212's business
    Example('echo "{\\"auths\\":{\\"$CI_REGISTRY\\":{\\"auth\\":\\"$AUTH\\"}}}" > /kaniko/.docker/config.json\n'),
    # an application's config, not a registry auth file
    Example('echo "$APP_SETTINGS" > src/config.json\n'),
    # JSON the script builds itself, written by bash's echo (which keeps backslashes): nothing to change
    Example(
        "#!/bin/bash\nCFG=$(jq -n --arg a \"$AUTH\" '{auths: {\"registry.example.com\": {auth: $a}}}')\n"
        'echo "$CFG" > ~/.docker/config.json\n'
    ),
    # corpus look-alikes: a decoded whole file, a password for --password-stdin
    Example('echo "${DOCKER_CFG:-}" | base64 --decode > ~/.docker/config.json\n'),
    Example('echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"\n'),
]

INVALID = [
    Example(
        '⟦echo⟧ "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json\n' + _PUSH,
        fixed=_CANON.format(t=_K) + "\n" + _PUSH,
    ),
    # under `set -x` the rewrite would trace the credential three times (AL402): shown only
    Example('set -x\n⟦echo⟧ "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json\n' + _PUSH),
    # the seed pattern (AL206 quotes the variable; this replaces the echo)
    Example(
        "mkdir -p $HOME/.docker && ⟦echo⟧ $DOCKER_AUTH_CONFIG > $HOME/.docker/config.json\ndocker push \"$CI_REGISTRY_IMAGE\"\n",
        fixed="mkdir -p $HOME/.docker && " + _CANON.format(t="$HOME/.docker/config.json") + "\ndocker push \"$CI_REGISTRY_IMAGE\"\n",
    ),
    Example(
        "⟦echo⟧ -n \"${DOCKER_AUTH_CONFIG}\" > \"$HOME/.docker/config.json\" || exit 1\ndocker push \"$CI_REGISTRY_IMAGE\"\n",
        fixed=_CANON.format(t='"$HOME/.docker/config.json"') + " || exit 1\ndocker push \"$CI_REGISTRY_IMAGE\"\n",
    ),
    # another variable into a registry client's file
    Example(
        "⟦echo⟧ \"$REGISTRY_CONFIG_JSON\" > ~/.docker/config.json\ndocker push \"$CI_REGISTRY_IMAGE\"\n",
        fixed="if [ -f \"$REGISTRY_CONFIG_JSON\" ]; then cp \"$REGISTRY_CONFIG_JSON\" ~/.docker/config.json; "
        "else printf '%s' \"$REGISTRY_CONFIG_JSON\" > ~/.docker/config.json; fi\ndocker push \"$CI_REGISTRY_IMAGE\"\n",
    ),
    # YAML items: plain, single-quoted and double-quoted
    Example(
        "build:\n  script:\n    - ⟦echo⟧ \"$DOCKER_AUTH_CONFIG\" > /kaniko/.docker/config.json\n",
        kind="yaml",
        fixed="build:\n  script:\n    - " + _CANON.format(t=_K) + "\n",
    ),
    Example(
        "build:\n  script:\n    - '⟦echo⟧ \"$DOCKER_AUTH_CONFIG\" > /kaniko/.docker/config.json'\n",
        kind="yaml",
        fixed="build:\n  script:\n    - '" + _CANON.format(t=_K).replace("'", "''") + "'\n",
    ),
    Example(
        "build:\n  script:\n    - \"⟦echo⟧ $DOCKER_AUTH_CONFIG > /kaniko/.docker/config.json\"\n",
        kind="yaml",
        fixed="build:\n  script:\n    - \"" + _CANON.format(t=_K).replace('"', '\\"') + "\"\n",
    ),
    # a plain item in a flow list cannot hold `[`: shown only
    Example(
        "build:\n  script: [mkdir -p /kaniko/.docker, ⟦echo⟧ \"$DOCKER_AUTH_CONFIG\" > /kaniko/.docker/config.json]\n",
        kind="yaml",
    ),
    # tee: shown only
    Example('⟦echo⟧ "$DOCKER_AUTH_CONFIG" | tee /kaniko/.docker/config.json\n'),
]
