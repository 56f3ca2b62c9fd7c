"""
## What it does
Finds a `user:password` pair fed to `base64` (or `openssl base64`) with a
trailing newline: `echo "$U:$P" | base64`, or a here-string
`base64 <<< "$U:$P"` (a here-string always ends in a newline).  `echo -n`
is reported too: it is not portable, and dash's `echo` (the `sh` of Debian
and Ubuntu images) still rewrites backslash sequences in the password.

Severity: an **error** where the newline (or a rewritten backslash) reaches
the registry; **info** for `echo -n` where it is exact (a bash script, or a job
image whose `sh` is BusyBox ash: Alpine, BusyBox, `docker:`, Kaniko's debug
images), since `printf` is then only the portable spelling.  `echo -n` of
GitLab's job tokens or of a cloud CLI's login token (`aws ecr
get-login-password`, `gcloud auth print-access-token`) is not reported: those
hold no backslash.  A word counts
as a pair when a literal `:` is followed by a literal password or by a
variable whose name says it holds a secret (`PASS`, `PWD`, `TOKEN`, `SECRET`,
`KEY`, `AUTH`, `CRED`, or a registry credential name), or when the encoded
value is assigned to such a variable or lands in auth JSON; `$HOST:$PORT` is
not reported.

## Why is this bad?
`echo` and `<<<` append `\n`, and base64 encodes it.  Docker splits the
decoded `auth` at the first `:` and keeps everything after it — the newline
included — as the password, so the registry answers `401 Unauthorized` /
`HTTP Basic: Access denied`.  Nothing in the job log shows why: the encoded
value looks fine.  (`docker login --password-stdin` trims one newline; a
hand-made `auth` value does not.)

## Example
```sh
AUTH=$(echo "$CI_REGISTRY_USER:$CI_REGISTRY_PASSWORD" | base64 -w 0)
```

## Use instead
```sh
AUTH=$(printf '%s:%s' "$CI_REGISTRY_USER" "$CI_REGISTRY_PASSWORD" | base64 -w 0)
```

## Fix safety
The fix is safe: it replaces the `echo` (or the here-string) by a `printf`
that writes exactly the same text without the newline: each variable becomes
a `%s` with the quoted variable as argument, literal text stays in the format
(`%` and `\\` escaped).  The quoting also stops word splitting of the values,
which an unquoted `echo $U:$P` would apply.  The fix is shown, not applied,
when the word holds something other than literal text and plain variables
(`${X:-default}`, `$(cmd)`), a single quote, or when the text cannot be edited
exactly.
"""

from __future__ import annotations

import re
from typing import Iterator

from ..diagnostics import Applicability, Fix, Severity
from ..gitlab.predefined import JOB_SCOPED
from ..jobfacts import echo_is_exact
from ..lazy import lazy_compile
from ..shell.flow import enclosing, flow_of, output_in_auth_json
from ..shell.model import Command, Redirect, Word
from ..tools import encoder, is_credential_name
from ..units import CommandRef, make_fix
from .base import FIX_SAFE, Example, Hit, Rule, Triggers

RULE = Rule(
    code="AL209",
    name="newline-in-credential",
    severity=Severity.ERROR,
    summary="`echo`/here-string puts a newline into the base64-encoded user:password",
    fix=FIX_SAFE,
)

_ECHO_FLAG = re.compile(r"^-[neE]+$")


_SECRETISH = lazy_compile(r"PASS|PWD|TOKEN|SECRET|KEY|AUTH|CRED", re.I)


def _credential_context(ref: CommandRef, encoder_cmd) -> bool:
    """The encoded pair is assigned to an AUTH/TOKEN-like variable or lands in auth JSON."""
    holder = enclosing(ref)
    if holder is not None and holder[0] == "assignment" and _SECRETISH.search(holder[1].name):
        return True
    return output_in_auth_json(CommandRef(encoder_cmd, ref.unit, ref.job, ref.position))


def _is_colon_word(word: Word) -> bool:
    return any(p.kind == "literal" and p.value and ":" in p.value for p in word.parts)


def _is_pair(word: Word) -> bool:
    """A `user:password` word: a literal `:` followed by a literal password or a
    variable whose name says it holds a secret (`$HOST:$PORT` is not a pair)."""
    for i, p in enumerate(word.parts):
        if p.kind == "literal" and p.value and ":" in p.value:
            rest = p.value.split(":", 1)[1]
            after = word.parts[i + 1 :]
            if rest and not after:
                return True
            return any(
                (q.kind == "literal" and q.value) or (q.var is not None and (_SECRETISH.search(q.var) or is_credential_name(q.var)))
                for q in after
            ) or bool(rest)
    return False


def _echoed_pair(cmd: Command) -> tuple[list[str], Word] | None:
    """(flags, word) of `echo [-n] WORD | base64` where WORD holds a literal colon."""
    if cmd.basename != "echo":
        return None
    nxt = cmd.pipeline_index + 1
    if nxt >= len(cmd.pipeline) or encoder(cmd.pipeline[nxt]) is None:
        return None
    words = list(cmd.args)
    flags = []
    while words and words[0].value is not None and _ECHO_FLAG.match(words[0].value):
        flags.append(words.pop(0).value or "")
    if flags not in ([], ["-n"]) or len(words) != 1 or not _is_colon_word(words[0]):
        return None  # `-e`/`-E` ask for escape handling on purpose
    return flags, words[0]


def _pair_strings(cmd: Command) -> list[Redirect]:
    """The here-strings holding a literal colon that cmd, an encoder, encodes."""
    if encoder(cmd) is None:
        return []
    return [r for r in cmd.redirects if r.op == "<<<" and r.target is not None and _is_colon_word(r.target)]


def _may_pair(cmd: Command) -> bool:
    """What the rule reads of the command alone (once per command): a colon word echoed or
    given as a here-string to an encoder."""
    return cmd.derived(_echoed_pair) is not None or bool(cmd.derived(_pair_strings))


TRIGGERS = Triggers(commands=frozenset({"echo", "base64", "openssl"}), command=_may_pair)


def printf_for(word: Word) -> str | None:
    """`printf 'FMT' "$A" ...` writing word's value without a newline, or None."""
    fmt, args = [], []
    for p in word.parts:
        if p.kind == "literal":
            value = p.value or ""
            if "'" in value or "\n" in value:
                return None
            fmt.append(value.replace("\\", "\\\\").replace("%", "%%"))
        elif p.kind == "variable" and p.simple:
            fmt.append("%s")
            args.append(f'"{p.raw}"')
        else:
            return None
    return "printf '" + "".join(fmt) + "'" + "".join(" " + a for a in args)


def _in_backticks(ref: CommandRef) -> bool:
    text = ref.unit.script.text
    line_start = text.rfind("\n", 0, ref.cmd.start) + 1
    return "`" in text[line_start : ref.cmd.start]


def check_command(ref: CommandRef, options) -> Iterator[Hit]:
    cmd = ref.cmd
    echoed = cmd.derived(_echoed_pair)
    if echoed is not None:
        flags, word = echoed
        flow = flow_of(ref)
        if flags and all(v in JOB_SCOPED or (flow is not None and flow.token_shaped(v)) for v in word.variables):
            return  # GitLab's job tokens and cloud login tokens hold no backslash: `echo -n` is harmless there
        if not _is_pair(word) and not _credential_context(ref, cmd.pipeline[cmd.pipeline_index + 1]):
            return
        new = printf_for(word)
        title = f"write it without a newline: `{new}`" if new else "write it with printf '%s:%s' \"$USER\" \"$PASSWORD\""
        if new is None:
            fix = Fix(title, (), Applicability.DISPLAY_ONLY, reason="the word is not plain text and variables")
        elif cmd.redirects or cmd.env or not cmd.exact or cmd.via or _in_backticks(ref):
            fix = Fix(title, (), Applicability.DISPLAY_ONLY, reason="the command's text cannot be edited exactly")
        else:
            fix = make_fix(title, [ref.edit(cmd.start, cmd.end, new)], Applicability.SAFE, ref.unit.tmap)
        exact = bool(flags) and echo_is_exact(ref)
        message = (
            "`echo -n` is exact in this shell, but not portable: dash's echo rewrites backslashes in the password (401); "
            "`printf '%s:%s'` works everywhere"
            if exact
            else "`echo -n` is not portable and dash's echo rewrites backslashes in the password (401); use `printf '%s:%s'`"
            if flags
            else "`echo` adds a newline that base64 encodes into the password: the registry rejects it (401); "
            "use `printf '%s:%s'`"
        )
        yield ref.hit(
            word.start,
            word.end,
            message,
            fix=fix,
            key="echo",
            severity=Severity.INFO if exact else None,
        )
        return
    for r in cmd.derived(_pair_strings):
        if not _is_pair(r.target) and not _credential_context(ref, cmd):
            continue
        new = printf_for(r.target)
        head = ref.unit.script.text[cmd.start : r.start].rstrip()
        line = f"{new} | {head}" if new else None
        title = f"pipe it without a newline: `{line}`" if line else "pipe it with printf '%s:%s' \"$USER\" \"$PASSWORD\""
        if line is None:
            fix = Fix(title, (), Applicability.DISPLAY_ONLY, reason="the word is not plain text and variables")
        elif len(cmd.redirects) != 1 or r.end != cmd.end or cmd.pipeline_index != 0 or cmd.env or not cmd.exact or cmd.via or _in_backticks(ref):
            fix = Fix(title, (), Applicability.DISPLAY_ONLY, reason="the command's text cannot be edited exactly")
        else:
            fix = make_fix(title, [ref.edit(cmd.start, cmd.end, line)], Applicability.SAFE, ref.unit.tmap)
        yield ref.hit(
            r.start,
            r.end,
            "a here-string ends in a newline that base64 encodes into the password: the registry rejects it (401); "
            "pipe `printf '%s:%s'` instead",
            fix=fix,
            key="<<<",
        )


_PUSH = '/kaniko/executor --context . --destination "$CI_REGISTRY_IMAGE"\n'

VALID = [
    Example("AUTH=$(printf '%s:%s' \"$CI_REGISTRY_USER\" \"$CI_REGISTRY_PASSWORD\" | base64 | tr -d '\\n')\n"),
    Example('AUTH=$(echo -ne "$U:$P" | base64 -w 0)\n'),
    Example('AUTH=$(echo -n "$CI_REGISTRY_USER:$CI_REGISTRY_PASSWORD" | base64 -w 0)\n'),
    # a cloud CLI's login token holds no backslash either
    Example('ECR_PASSWORD=$(aws ecr get-login-password --region eu-west-1)\nAUTH=$(echo -n "AWS:${ECR_PASSWORD}" | base64 -w 0)\n'),
    # corpus look-alikes: decoding, and --password-stdin (which trims one newline)
    Example('echo "$KUBECONFIG_B64" | base64 -d > ~/.kube/config\n'),
    Example('echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"\n'),
    Example('echo "$PAYLOAD" | base64\n'),
    Example('echo "${IMAGE:-app}" | base64\n'),
    Example('echo "$SERVICE_HOST:$SERVICE_PORT" | base64\n'),
]

INVALID = [
    # `echo -n` drops the newline, but dash's echo still turns `\n` in the password into a newline
    Example(
        'AUTH=$(echo -n ⟦"$REGISTRY_USER:$REGISTRY_PASSWORD"⟧ | base64 -w 0)\n' + _PUSH,
        fixed="AUTH=$(printf '%s:%s' \"$REGISTRY_USER\" \"$REGISTRY_PASSWORD\" | base64 -w 0)\n" + _PUSH,
    ),
    Example(
        'AUTH=$(echo ⟦"$CI_REGISTRY_USER:$CI_REGISTRY_PASSWORD"⟧ | base64 -w 0)\n' + _PUSH,
        fixed="AUTH=$(printf '%s:%s' \"$CI_REGISTRY_USER\" \"$CI_REGISTRY_PASSWORD\" | base64 -w 0)\n" + _PUSH,
    ),
    Example(
        "echo ⟦${REG_USER}:${REG_PASS}⟧ | openssl base64 -A > auth.b64\n" + _PUSH,
        fixed="printf '%s:%s' \"${REG_USER}\" \"${REG_PASS}\" | openssl base64 -A > auth.b64\n" + _PUSH,
    ),
    Example(
        'AUTH=$(echo ⟦"gitlab-ci-token:$CI_JOB_TOKEN"⟧ | base64 | tr -d "\\n")\n' + _PUSH,
        fixed="AUTH=$(printf 'gitlab-ci-token:%s' \"$CI_JOB_TOKEN\" | base64 | tr -d \"\\n\")\n" + _PUSH,
    ),
    Example(
        'AUTH=$(base64 -w0 ⟦<<< "$CI_REGISTRY_USER:$CI_REGISTRY_PASSWORD"⟧)\n' + _PUSH,
        fixed="AUTH=$(printf '%s:%s' \"$CI_REGISTRY_USER\" \"$CI_REGISTRY_PASSWORD\" | base64 -w0)\n" + _PUSH,
    ),
    Example(
        "build:\n  script:\n    - 'export AUTH=$(echo ⟦\"$REG_USER:$REG_PASS\"⟧ | base64 -w 0)'\n",
        kind="yaml",
        fixed="build:\n  script:\n    - 'export AUTH=$(printf ''%s:%s'' \"$REG_USER\" \"$REG_PASS\" | base64 -w 0)'\n",
    ),
    # a default value: shown only
    Example('AUTH=$(echo ⟦"${U:-gitlab-ci-token}:$P"⟧ | base64 -w 0)\n'),
]
