"""
## What it does
Finds GitLab's predefined registry credentials used with a user name or a
registry they do not belong to:

* the job token (`$CI_JOB_TOKEN`, `$CI_REGISTRY_PASSWORD`,
  `$CI_DEPENDENCY_PROXY_PASSWORD`) with a user other than `gitlab-ci-token`
  (`$CI_REGISTRY_USER`, `$CI_DEPENDENCY_PROXY_USER`), e.g. `$CI_DEPLOY_USER`,
  `$GITLAB_USER_LOGIN` or a literal name;
* the deploy-token password `$CI_DEPLOY_PASSWORD` with a user other than
  `$CI_DEPLOY_USER`;
* the dependency-proxy pair (`$CI_DEPENDENCY_PROXY_USER` /
  `$CI_DEPENDENCY_PROXY_PASSWORD`) used to log in to `$CI_REGISTRY`, the
  registry pair used for `$CI_DEPENDENCY_PROXY_SERVER`, and GitLab credentials
  given to a login without a registry (which means Docker Hub);
* a login given a password (`-p`, `--password-stdin`) but no user name: the
  client asks for one, and a CI job has no terminal to answer it.

It reads `-u`/`--username` and `-p`/`--password`/`--password-stdin` (with the
`echo`/`printf` or here-string feeding it) of registry logins, `--creds U:P`,
`printf '%s:%s' "$U" "$P" | base64` / `echo -n "$U:$P" | base64`, and the
`username`/`password` fields of auth JSON, following job variables that copy
another variable (`REGISTRY_PASSWORD: $CI_REGISTRY_PASSWORD`).  A user held in
a custom variable whose value authlint cannot see is left alone; a `CI_*` user
variable that GitLab does not define and nothing in the repository sets
(`$CI_REGISTRY_USERNAME`, a misspelt `$CI_REGISTRY_USER`) is empty.

Severity: a **warning** where the login fails; **info** for a pipeline that
points `CI_REGISTRY` at Docker Hub and overrides `CI_REGISTRY_USER` /
`CI_REGISTRY_PASSWORD` with its own: its logins work, so the one finding is at
the override, about the confusing names.

## Why is this bad?
GitLab accepts the job token only with the user name `gitlab-ci-token`
(`CI_REGISTRY_USER` and `CI_DEPENDENCY_PROXY_USER` hold exactly that), and a
deploy token only with its own user name: any other pairing fails with
`unauthorized: HTTP Basic: Access denied`.  `CI_DEPENDENCY_PROXY_*` are only
defined when the dependency proxy is enabled and `CI_REGISTRY_*` only when the
container registry is, so the pair of the other feature may be empty; a login
without a registry argument sends GitLab credentials to Docker Hub.

## Example
```sh
echo "$CI_JOB_TOKEN" | docker login -u "$CI_DEPLOY_USER" --password-stdin "$CI_REGISTRY"
```

## Use instead
```sh
echo "$CI_JOB_TOKEN" | docker login -u "gitlab-ci-token" --password-stdin "$CI_REGISTRY"
```

## Fix safety
The fix is safe.  It changes the user name, never the password: the password
is the credential that is sent and decides the identity and its permissions,
it always exists (the job token) or was chosen on purpose (a deploy token), and
for each password GitLab accepts exactly one user name, so making the user
match is the change that makes the command do what it already does, only
successfully.  Switching the password instead would change who logs in (and a
deploy token exists only when a `gitlab-deploy-token` was created).  For a
registry mismatch it replaces the credential pair with the pair GitLab defines
for the registry the command targets (both hold the same job token), or adds
`"$CI_REGISTRY"` to a login that has no registry.  It is shown only where the
word cannot be edited exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

from ..authjson.view import entries
from ..diagnostics import Applicability, Edit, Fix, Severity
from ..gitlab.predefined import JOB_TOKENS, JOB_USERS, OTHER_USERS
from ..shell.flow import Flow, Value, flow_of, job_flows, stdin_word
from ..tools import REGISTRY_NAMES, is_login, subcommands, tool_of
from ..units import AuthDoc, CommandRef, JobUnit
from .base import FIX_SAFE, Example, Hit, Rule, Triggers

if TYPE_CHECKING:
    from ..authjson.parser import JNode
    from ..shell.model import Command, Word

RULE = Rule(
    code="AL502",
    name="token-user-mismatch",
    severity=Severity.WARNING,
    summary="GitLab registry credentials paired with the wrong user name or registry",
    fix=FIX_SAFE,
)

JOB_TOKEN = JOB_TOKENS
JOB_USER = "gitlab-ci-token"
DEPLOY_PASSWORD, DEPLOY_USER = "CI_DEPLOY_PASSWORD", "CI_DEPLOY_USER"
_OTHER_USERS = OTHER_USERS  # predefined variables that never hold a registry user name for these tokens
_DOCKER_HUB = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io", "https://index.docker.io/v1/"})
_NO_FLOW = Flow([])
_OVERRIDDEN = ("CI_REGISTRY_PASSWORD", "CI_REGISTRY_USER")


def _overrides(unit: JobUnit) -> bool:
    """check_job's job test: the job gives one of _OVERRIDDEN a value (most do not: CI_REGISTRY is not resolved)."""
    variables = unit.job.variables
    for name in _OVERRIDDEN:
        var = variables.get(name)
        if var is not None and var.value is not None:
            return True
    return False


# ------------------------------------------------------------ the judgement
@dataclass(eq=False)
class Problem:
    """A user that does not go with the job token, and the user that does."""

    message: str
    replacement: str | None  # new user (shell text, unquoted), or None
    kind: str  # 'user' | 'pair' | 'hub'
    pair: tuple[str, str] | None = None  # (user var, password var) for 'pair'


def judge(user: Value | None, password: Value, registry: Value | None, has_registry: bool, login: bool) -> Problem | None:
    pw = password.var
    if user is not None and user.undefined and (pw is not None or password.literal is not None):
        return Problem(
            f"${user.var} is not a GitLab predefined variable and nothing in the repository sets it: "
            "the user name is empty and the login fails",
            f"${JOB_USERS_FOR.get(pw or '', 'CI_REGISTRY_USER')}" if pw in JOB_TOKEN else None,
            "user",
        )
    if pw is None:
        return None
    if pw in JOB_TOKEN:
        if user is not None and not _job_user_ok(user):
            shown = _show(user)
            want = f"${JOB_USERS_FOR[pw]}" if pw in JOB_USERS_FOR else JOB_USER
            return Problem(
                f"${pw} is the job token, which GitLab accepts only with the user name `gitlab-ci-token` "
                f"($CI_REGISTRY_USER); with {shown} the login fails with `unauthorized`",
                want,
                "user",
            )
    elif pw == DEPLOY_PASSWORD:
        if user is not None and _deploy_user_wrong(user):
            return Problem(
                f"$CI_DEPLOY_PASSWORD is the `gitlab-deploy-token` deploy token, which works only with its own user name "
                f"$CI_DEPLOY_USER; with {_show(user)} the login fails with `unauthorized`",
                f"${DEPLOY_USER}",
                "user",
            )
    else:
        return None
    if not login:
        return None
    if not has_registry and (pw in JOB_TOKEN or pw == DEPLOY_PASSWORD):
        server = "CI_DEPENDENCY_PROXY_SERVER" if pw == "CI_DEPENDENCY_PROXY_PASSWORD" else "CI_REGISTRY"
        return Problem(f"a login without a registry goes to Docker Hub, but ${pw} is a GitLab credential; log in to ${server}", f"${server}", "hub")
    if registry is not None and registry.literal in _DOCKER_HUB and (pw in JOB_TOKEN or pw == DEPLOY_PASSWORD):
        return Problem(f"${pw} is a GitLab credential, useless for Docker Hub ({registry.literal})", None, "hub")
    if user is not None and registry is not None and registry.var is not None:
        if registry.var == "CI_REGISTRY" and user.var == "CI_DEPENDENCY_PROXY_USER" and pw == "CI_DEPENDENCY_PROXY_PASSWORD":
            return Problem(
                "the dependency proxy credentials are for $CI_DEPENDENCY_PROXY_SERVER; for $CI_REGISTRY use $CI_REGISTRY_USER and "
                "$CI_REGISTRY_PASSWORD (the same job token, but each pair is defined only while its feature is enabled)",
                None, "pair", ("CI_REGISTRY_USER", "CI_REGISTRY_PASSWORD"),
            )
        if registry.var == "CI_DEPENDENCY_PROXY_SERVER" and user.var == "CI_REGISTRY_USER" and pw == "CI_REGISTRY_PASSWORD":
            return Problem(
                "the container registry credentials are for $CI_REGISTRY; for $CI_DEPENDENCY_PROXY_SERVER use "
                "$CI_DEPENDENCY_PROXY_USER and $CI_DEPENDENCY_PROXY_PASSWORD (the same job token, but each pair is defined only "
                "while its feature is enabled)",
                None, "pair", ("CI_DEPENDENCY_PROXY_USER", "CI_DEPENDENCY_PROXY_PASSWORD"),
            )
    return None


JOB_USERS_FOR = {"CI_REGISTRY_PASSWORD": "CI_REGISTRY_USER", "CI_DEPENDENCY_PROXY_PASSWORD": "CI_DEPENDENCY_PROXY_USER"}


def _job_user_ok(user: Value) -> bool:
    if user.literal is not None:
        return user.literal == JOB_USER
    if user.var is None:
        return True  # unknown: not judged
    if user.var in JOB_USERS:
        return True
    return user.var not in _OTHER_USERS  # a custom variable authlint cannot see


def _deploy_user_wrong(user: Value) -> bool:
    if user.literal is not None:
        return user.literal == JOB_USER
    return user.var in _OTHER_USERS and user.var != DEPLOY_USER


def _show(user: Value) -> str:
    return f"`{user.literal}`" if user.literal is not None else f"${user.var}"


# ------------------------------------------------------------ command lines
_USER_FLAGS = ("-u", "--username", "--user")
_PASS_FLAGS = ("-p", "--password", "--pass")
_FLAGS = _USER_FLAGS + _PASS_FLAGS
_FLAGS_EQ = tuple(f + "=" for f in _FLAGS)
_VALUE_FLAGS = frozenset({
    "-u", "--username", "--user", "-p", "--password", "--pass", "--authfile", "--cert-dir", "--compat-auth-file",
    "--config", "--registry-config", "--ca-file", "--cert-file", "--key-file",
})


@dataclass(eq=False)
class Slot:
    """Where a login's user value is written."""

    word: "Word"
    offset: int  # template index where the value starts
    text: str  # the value's raw text


def _login_parts(cmd) -> tuple[Slot | None, Slot | None, list["Word"], bool]:
    """(user, password, positionals after `login`, --password-stdin) of a login command."""
    args = list(cmd.args)
    subs = subcommands(cmd)
    # skip to the word after `login`
    start = 0
    for i, w in enumerate(args):
        if w.value == "login" and "login" in subs:
            start = i + 1
            break
    user = password = None
    stdin = False
    positionals: list["Word"] = []
    i = start
    while i < len(args):
        w = args[i]
        t = w.template
        raw = w.raw
        if t in ("--password-stdin", "--pass-stdin"):
            stdin = True
        elif t in _FLAGS and i + 1 < len(args):
            slot = Slot(args[i + 1], 0, args[i + 1].raw)
            if t in _USER_FLAGS:
                user = slot
            else:
                password = slot
            i += 1
        elif t.startswith(_FLAGS_EQ):
            flag = t.split("=", 1)[0]
            cut = raw.index("=") + 1 if "=" in raw else None
            if cut is not None:
                slot = Slot(w, len(flag) + 1, raw[cut:])
                if flag in _USER_FLAGS:
                    user = slot
                else:
                    password = slot
        elif t in _VALUE_FLAGS:
            i += 1
        elif _attached_short(t):
            if t[1] == "u":
                user = Slot(w, 2, raw[2:])
            else:
                password = Slot(w, 2, raw[2:])
        elif t.startswith("-") and t != "-":
            pass
        elif t != "--":
            positionals.append(w)
        i += 1
    return user, password, positionals, stdin


def _attached_short(t: str) -> bool:
    """`-uUSER`, `-pPASS`: pflag's attached short form (re.match(r"-[up][^-=]", t), without a
    regex call for every word of every login)."""
    return len(t) > 2 and t[0] == "-" and t[1] in "up" and t[2] not in "-="


def _stdin_password(ref: CommandRef) -> Slot | None:
    word = stdin_word(ref)
    return Slot(word, 0, word.raw) if word is not None else None


# Clients whose login prompts for a missing user name (docker: "Cannot perform an interactive login from a non TTY device").
_ASKS_FOR_USER = frozenset({"docker", "podman", "buildah", "skopeo", "helm", "crane", "regctl", "nerdctl", "oras"})
_NO_USER = (
    "`{tool} login` gets a password but no user name (-u): it asks for one, and a CI job has no terminal, "
    "so the login fails"
)


def _creds_slots(cmd: "Command") -> list[tuple["Word", int]]:
    """(word, template index) of each `--creds user:password` value of a registry client."""
    args = cmd.args
    out = []
    for i, w in enumerate(args if tool_of(cmd) is not None else ()):
        t = w.template
        if t in ("--creds", "--src-creds", "--dest-creds") and i + 1 < len(args):
            out.append((args[i + 1], 0))
        elif t.startswith(("--creds=", "--src-creds=", "--dest-creds=")):
            out.append((w, t.index("=") + 1))
    return out


def _piped_pair(cmd: "Command") -> list["Word"]:
    """The words of `printf '%s:%s' "$U" "$P" | base64` or `echo -n "$U:$P" | base64`, else none."""
    if cmd.basename not in ("echo", "printf") or cmd.pipeline_index + 1 >= len(cmd.pipeline or [cmd]):
        return []
    if cmd.pipeline[cmd.pipeline_index + 1].basename not in ("base64", "openssl"):
        return []
    words = [w for w in cmd.args if not (w.value or "").startswith("-")]
    if cmd.basename == "printf" and len(words) == 3 and re.fullmatch(r"%s:%s", words[0].value or ""):
        return words
    return words if len(words) == 1 else []


def _judges(cmd: "Command") -> bool:
    """What the rule reads of the command alone (once per command): a login given a password,
    a --creds pair, or a pair piped into base64."""
    if tool_of(cmd) is not None and is_login(cmd):
        _, password, _, stdin = cmd.derived(_login_parts)
        return password is not None or stdin
    return bool(cmd.derived(_creds_slots)) or bool(cmd.derived(_piped_pair))


def _userpass(doc: AuthDoc) -> list[tuple["JNode", "JNode"]]:
    """What check_auth judges, read of the document alone: the string username and password of each entry having both."""
    pairs = []
    for entry in entries(doc):
        if entry.is_object:
            u_node, p_node = entry.field("username"), entry.field("password")
            if u_node is not None and p_node is not None and u_node.kind == "string" and p_node.kind == "string":
                pairs.append((u_node, p_node))
    return pairs


# check_command reads registry clients' logins and --creds, and `echo`/`printf` piped into base64.
TRIGGERS = Triggers(commands=REGISTRY_NAMES | {"echo", "printf"}, job=_overrides, command=_judges, document=_userpass)


def check_command(ref: CommandRef, options) -> Iterator[Hit]:
    cmd = ref.cmd
    tool = tool_of(cmd)  # the flow is asked for only where a value is judged (most commands: none)
    if tool is not None and is_login(cmd):
        user, password, positionals, stdin = cmd.derived(_login_parts)
        if password is None and stdin:
            password = _stdin_password(ref)
        if password is None:
            return
        if user is None and tool in _ASKS_FOR_USER:
            end = cmd.args[0].end if cmd.args else cmd.end
            yield ref.hit(cmd.start, end, _NO_USER.format(tool=tool), key="no user")
            return
        resolver = _resolver(flow_of(ref))
        pw = resolver.value(password.text)
        u = resolver.value(user.text) if user is not None else None
        registry_word = positionals[-1] if positionals else None
        registry = resolver.value(registry_word.raw) if registry_word is not None else None
        hub_default = tool == "docker"
        problem = judge(u, pw, registry, registry_word is not None or not hub_default, True)
        if problem is not None:
            yield _command_hit(ref, problem, user, password, registry_word)
        return
    # --creds user:password (skopeo, buildah, podman)
    for slot, offset in cmd.derived(_creds_slots):
        yield from _pair_word(ref, _resolver(flow_of(ref)), slot, offset)
    # printf '%s:%s' "$U" "$P" | base64 ; echo -n "$U:$P" | base64
    words = cmd.derived(_piped_pair)
    if words:
        resolver = _resolver(flow_of(ref))
        if len(words) == 3:
            u, p = resolver.value(words[1].raw), resolver.value(words[2].raw)
            problem = judge(u, p, None, True, False)
            if problem is not None:
                yield _user_hit(ref, problem, Slot(words[1], 0, words[1].raw))
        elif len(words) == 1:
            yield from _pair_word(ref, resolver, words[0], 0)


def _pair_word(ref: CommandRef, resolver: Flow, word: "Word", offset: int) -> Iterator[Hit]:
    """A `$USER:$PASSWORD` word (from template index offset)."""
    t = word.template[offset:]
    if ":" not in t:
        return
    ranges = [(s - offset, e - offset) for s, e in word.expansion_ranges if s >= offset]
    colon = None
    for i, ch in enumerate(t):
        if ch == ":" and not any(s <= i < e for s, e in ranges):
            colon = i
            break
    if colon is None:
        return
    u_text, p_text = t[:colon], t[colon + 1 :]
    u = resolver.value(u_text) if "\"" not in u_text else Value()
    p = resolver.value(p_text)
    problem = judge(u, p, None, True, False)
    if problem is None or problem.kind != "user":
        return
    a, b = offset, offset + colon
    start = word.template_offset(a)
    end = word.template_offset(b - 1) + 1 if b > a else start
    fix = None
    if problem.replacement is not None:
        edit = ref.edit(start, end, problem.replacement) if _plain_range(word, a, b) else None
        fix = _fix(problem, [edit], ref)
    yield ref.hit(start, max(start, end), problem.message, fix=fix, key=f"pair {u_text}")


def _plain_range(word: "Word", a: int, b: int) -> bool:
    """Template range [a, b) maps onto the shell text one to one (no quotes inside)."""
    offs = [word.template_offset(i) for i in range(a, b)]
    return bool(offs) and all(offs[i + 1] == offs[i] + 1 for i in range(len(offs) - 1))


def _command_hit(ref: CommandRef, problem: Problem, user: Slot | None, password: Slot, registry: "Word | None") -> Hit:
    cmd = ref.cmd
    if problem.kind == "user" and user is not None:
        return _user_hit(ref, problem, user)
    if problem.kind == "pair" and user is not None and problem.pair is not None:
        new_user, new_pw = problem.pair
        edits = [_replace_slot(ref, user, f"${new_user}"), _replace_slot(ref, password, f"${new_pw}")]
        span_word = user.word
        return ref.hit(span_word.start, span_word.end, problem.message, fix=_fix(problem, edits, ref, title=f"use ${new_user} / ${new_pw}"), key="pair")
    # Docker Hub
    end = cmd.args[0].end if cmd.args else cmd.end
    fix = None
    if problem.replacement is not None and registry is None:
        last = cmd.args[-1] if cmd.args else cmd.name
        edit = ref.edit(last.end, last.end, f' "{problem.replacement}"') if last is not None else None
        fix = _fix(problem, [edit], ref, title=f'log in to "{problem.replacement}"')
    if registry is not None:
        return ref.hit(registry.start, registry.end, problem.message, fix=fix, key="hub")
    return ref.hit(cmd.start, end, problem.message, fix=fix, key="hub")


def _user_hit(ref: CommandRef, problem: Problem, user: Slot) -> Hit:
    edit = _replace_slot(ref, user, problem.replacement) if problem.replacement else None
    fix = _fix(problem, [edit], ref) if problem.replacement else None
    w = user.word
    start = w.template_offset(user.offset) if user.offset else w.start
    return ref.hit(start, w.end, problem.message, fix=fix, key=f"user {user.text}")


def _replace_slot(ref: CommandRef, slot: Slot, new: str) -> Edit | None:
    """Replace a value word (or the part after `--flag=`), keeping double quotes."""
    w = slot.word
    raw = slot.text
    start = w.start + (len(w.raw) - len(raw))
    quoted = len(raw) >= 2 and raw[0] == raw[-1] == '"'
    if raw.startswith("'") and new.startswith("$"):
        content = f'"{new}"'
    elif quoted:
        content = f'"{new}"'
    elif raw.startswith("'"):
        content = f"'{new}'"
    else:
        content = new
    return ref.edit(start, w.end, content)


def _fix(problem: Problem, edits: list, ref: CommandRef, title: str | None = None) -> Fix:
    title = title or f"use {problem.replacement} as the user name"
    if not edits or any(e is None for e in edits):
        return Fix(title, (), Applicability.DISPLAY_ONLY, reason=ref.unit.tmap.why_not_exact())
    return Fix(title, tuple(edits), Applicability.SAFE)


def _resolver(flow: Flow | None) -> Flow:
    return flow if flow is not None else _NO_FLOW


# ---------------------------------------------------------- the override
def check_job(unit: JobUnit, options) -> Iterator[Hit]:
    """`CI_REGISTRY: docker.io` with CI_REGISTRY_USER / CI_REGISTRY_PASSWORD overridden:
    the logins are consistent, so the finding is one, at the override, and informational."""
    flows = job_flows(unit) if unit.shell == "sh" else []
    registry = flows[0].value("$CI_REGISTRY") if flows else Value()
    if registry.literal not in _DOCKER_HUB:
        return
    for name in _OVERRIDDEN:
        var = unit.job.variables.get(name)
        if var is not None and var.value is not None:
            yield Hit(
                var.value.source,
                var.value.span,
                f"the pipeline points CI_REGISTRY at Docker Hub and replaces GitLab's {name}: the job token is not "
                "used, and a job or template that expects GitLab's registry under these names logs in to Docker Hub; "
                "give the Docker Hub credentials their own names (DOCKERHUB_USER, DOCKERHUB_TOKEN)",
                job=unit.name,
                key=f"override {name}",
                severity=Severity.INFO,
            )
            return


# ------------------------------------------------------------------ auth JSON
def check_auth(doc: AuthDoc, options) -> Iterator[Hit]:
    scope = flow_of(doc.command) if doc.command is not None else None
    resolver = _resolver(scope)
    for u_node, p_node in _userpass(doc):
        u_text, p_text = str(u_node.value), str(p_node.value)
        problem = judge(resolver.value(u_text), resolver.value(p_text), None, True, False)
        if problem is None or problem.kind != "user":
            continue
        edit = doc.edit(u_node.start + 1, u_node.end - 1, problem.replacement) if problem.replacement else None
        fix = None
        if problem.replacement:
            fix = Fix(f"use {problem.replacement} as the user name", (edit,), Applicability.SAFE) if edit else Fix(
                f"use {problem.replacement} as the user name", (), Applicability.DISPLAY_ONLY, reason="the JSON text cannot be edited exactly here")
        yield doc.hit(u_node.start + 1, u_node.end - 1, problem.message, fix=fix, key=f"json {u_text}")


VALID = [
    Example('echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"\n'),
    Example('docker login -u gitlab-ci-token -p "$CI_JOB_TOKEN" "$CI_REGISTRY"\n'),
    Example('docker login -u $CI_REGISTRY_USER -p $CI_JOB_TOKEN $CI_REGISTRY\n'),
    Example('echo "${CI_DEPLOY_PASSWORD}" | docker login ${CI_REGISTRY} -u ${CI_DEPLOY_USER} --password-stdin\n'),
    Example('echo "$CI_DEPENDENCY_PROXY_PASSWORD" | docker login -u "$CI_DEPENDENCY_PROXY_USER" --password-stdin "$CI_DEPENDENCY_PROXY_SERVER"\n'),
    Example('docker login -u "$DOCKER_HUB_USER" -p "$DOCKER_HUB_TOKEN"\n'),
    Example('docker login -ume -p"$QUAY_TOKEN" quay.io\n'),  # pflag's attached short options
    Example('docker login -u "$REGISTRY_USER" -p "$CI_JOB_TOKEN" "$CI_REGISTRY"\n'),  # a custom user variable: not judged
    Example('git clone "https://gitlab-ci-token:${CI_JOB_TOKEN}@gitlab.example.com/group/lib.git"\n'),
    Example("AUTH=$(printf '%s:%s' \"$CI_REGISTRY_USER\" \"$CI_REGISTRY_PASSWORD\" | base64 | tr -d '\\n')\n"),
    Example(
        "variables:\n  REGISTRY_USER: gitlab-ci-token\n  REGISTRY_PASSWORD: $CI_REGISTRY_PASSWORD\n"
        "build:\n  script:\n    - echo \"$REGISTRY_PASSWORD\" | docker login -u \"$REGISTRY_USER\" --password-stdin \"$CI_REGISTRY\"\n",
        kind="yaml",
    ),
]

INVALID = [
    Example(
        'echo "$CI_JOB_TOKEN" | docker login -u ⟦"$CI_DEPLOY_USER"⟧ --password-stdin "$CI_REGISTRY"\ndocker push "$CI_REGISTRY_IMAGE"\n',
        fixed='echo "$CI_JOB_TOKEN" | docker login -u "gitlab-ci-token" --password-stdin "$CI_REGISTRY"\ndocker push "$CI_REGISTRY_IMAGE"\n',
    ),
    Example(
        "docker login -u ⟦$GITLAB_USER_LOGIN⟧ -p $CI_REGISTRY_PASSWORD $CI_REGISTRY\ndocker push $CI_REGISTRY_IMAGE\n",
        fixed="docker login -u $CI_REGISTRY_USER -p $CI_REGISTRY_PASSWORD $CI_REGISTRY\ndocker push $CI_REGISTRY_IMAGE\n",
    ),
    Example(
        'docker login --username=⟦gitlab-ci-token⟧ --password="$CI_DEPLOY_PASSWORD" "$CI_REGISTRY"\ndocker pull "$CI_REGISTRY_IMAGE"\n',
        fixed='docker login --username=$CI_DEPLOY_USER --password="$CI_DEPLOY_PASSWORD" "$CI_REGISTRY"\ndocker pull "$CI_REGISTRY_IMAGE"\n',
    ),
    Example(
        'echo "$CI_DEPENDENCY_PROXY_PASSWORD" | docker login -u ⟦"$CI_DEPENDENCY_PROXY_USER"⟧ --password-stdin "$CI_REGISTRY"\ndocker push "$CI_REGISTRY_IMAGE"\n',
        fixed='echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"\ndocker push "$CI_REGISTRY_IMAGE"\n',
    ),
    # edbizarro: GitLab credentials sent to Docker Hub
    Example(
        '⟦docker login⟧ -u "$CI_REGISTRY_USER" -p "$CI_REGISTRY_PASSWORD"\ndocker push "$CI_REGISTRY_IMAGE"\n',
        fixed='docker login -u "$CI_REGISTRY_USER" -p "$CI_REGISTRY_PASSWORD" "$CI_REGISTRY"\ndocker push "$CI_REGISTRY_IMAGE"\n',
    ),
    Example(
        "AUTH=$(echo -n \"⟦$CI_DEPLOY_USER⟧:$CI_JOB_TOKEN\" | base64 -w0)\nmkdir -p /kaniko/.docker\n",
        fixed="AUTH=$(echo -n \"gitlab-ci-token:$CI_JOB_TOKEN\" | base64 -w0)\nmkdir -p /kaniko/.docker\n",
    ),
    Example(
        "skopeo copy --dest-creds ⟦me⟧:$CI_JOB_TOKEN oci:img docker://$CI_REGISTRY_IMAGE\nskopeo inspect docker://$CI_REGISTRY_IMAGE\n",
        fixed="skopeo copy --dest-creds gitlab-ci-token:$CI_JOB_TOKEN oci:img docker://$CI_REGISTRY_IMAGE\nskopeo inspect docker://$CI_REGISTRY_IMAGE\n",
    ),
    # the pipeline's own Docker Hub credentials under GitLab's names: one finding, at the override
    Example(
        "variables:\n  CI_REGISTRY: docker.io\n  CI_REGISTRY_USER: $DOCKERHUB_USER\n  CI_REGISTRY_PASSWORD: ⟦$DOCKERHUB_TOKEN⟧\n"
        "build:\n  script:\n    - echo \"$CI_REGISTRY_PASSWORD\" | docker login -u \"$CI_REGISTRY_USER\" --password-stdin \"$CI_REGISTRY\"\n"
        "    - docker push \"$CI_REGISTRY/me/app\"\n",
        kind="yaml",
        count=1,
    ),
    # a CI_ name GitLab does not define, set nowhere in the repository: the user is empty
    Example(
        'docker login --username ⟦"$CI_REGISTRY_USERNAME"⟧ --password "$CI_REGISTRY_PASSWORD" "$CI_REGISTRY"\n',
        fixed='docker login --username "$CI_REGISTRY_USER" --password "$CI_REGISTRY_PASSWORD" "$CI_REGISTRY"\n',
    ),
    # a password without a user name: the client prompts, and there is no terminal
    Example('⟦docker login⟧ -p "$QUAY_TOKEN" quay.io\ndocker push quay.io/me/app\n'),
    Example('echo "$HARBOR_TOKEN" | ⟦podman login⟧ --password-stdin harbor.example.com\n'),
    Example(
        "mkdir -p /kaniko/.docker\n"
        "echo \"{\\\"auths\\\":{\\\"$CI_REGISTRY\\\":{\\\"username\\\":\\\"⟦$CI_DEPLOY_USER⟧\\\",\\\"password\\\":\\\"$CI_REGISTRY_PASSWORD\\\"}}}\" > /kaniko/.docker/config.json\n",
    ),
]
