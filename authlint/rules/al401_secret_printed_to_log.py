"""
## What it does
Finds commands whose output puts a registry credential into the job log:

* `echo` / `printf` / `printenv NAME` of a credential variable (a variable
  named like one, e.g. `*PASSWORD*`, `*TOKEN*`, `*SECRET*`, `DOCKER_AUTH_CONFIG`;
  one the script uses as one, e.g. the value of `-p`, what is piped into
  `--password-stdin`, an `auth`/`password` field of an auth JSON; or one
  derived from those, e.g. `AUTH=$(printf '%s:%s' "$U" "$P" | base64)`);
* `cat` (also `jq`, `head`, `base64`, ...) of an auth file: `~/.docker/config.json`,
  `/kaniko/.docker/config.json`, `$DOCKER_CONFIG/config.json`,
  `containers/auth.json`, `cat "$DOCKER_AUTH_CONFIG"` (a File-type variable
  holds a path), or a file the script wrote auth JSON into;
* `env`, `printenv`, `export -p`, `declare -p`, `set` (without arguments) in a
  job or script that handles registry credentials.

Only output that reaches the log counts: output redirected to a file or
`/dev/null`, captured by `$(...)`, or piped into a command that consumes it
(`docker login --password-stdin`, `sha256sum`, `grep -q`, ...) is fine; output
piped through `tee`, `base64`, `jq`, `sed`, `sort`, ... still reaches the log.
`2>&1`/`>&2` does not help: stderr is in the log too.

GitLab masks its own job-scoped credentials (`CI_JOB_TOKEN`,
`CI_REGISTRY_PASSWORD`, `CI_DEPENDENCY_PROXY_PASSWORD`, `CI_DEPLOY_PASSWORD`,
`CI_BUILD_TOKEN`; `masked: true` in `app/models/ci/build.rb`) wherever their
exact value appears in the log, so printing them as they are is not reported;
printing them encoded (`echo "$CI_JOB_TOKEN" | base64`) or inside a derived
value (a base64 `auth`) is.

## Why is this bad?
Job logs are readable by everyone with access to the project's pipelines (and
on public projects, by everyone).  Masking only replaces the exact value of a
masked variable: a JSON `DOCKER_AUTH_CONFIG` cannot be masked at all, and a
base64 `auth` built from a masked password is a different string, printed in
clear text (domain.md M8; gitlab#13514).

## Example
```sh
printf '%s' "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json
cat /kaniko/.docker/config.json
```

## Use instead
```sh
printf '%s' "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json
```
To check that a credential is set, print its length (`${#VAR}`) or test it
(`[ -n "$VAR" ]`), never its value.

## Fix safety
The fix deletes the command (the whole pipeline) and is unsafe: the job no
longer prints what it printed, which someone may rely on for debugging.  When
the output ends in `tee FILE`, the fix instead sends tee's copy to `/dev/null`
so the file is still written.  It is applied only where the pipeline is a whole
line of a `|` block or a `.sh` file, or a whole script item (not the only one);
elsewhere it is shown only.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator

from ..diagnostics import Applicability, Edit, Fix, Severity
from ..jobfacts import CREDENTIAL_VARIABLES, VAR_REF, facts, is_docker_like_path, path_key
from ..shell import parse as parse_shell
from ..textmap import FileMap, ScalarMap, ShiftMap
from ..tools import is_credential_name, is_login, secret_args, subcommands, tool_of
from ..units import CommandRef, FileUnit, JobUnit, ShellUnit
from ..writes import auth_writes
from ..yaml import scalars
from ..yaml.model import YSeq, walk
from .base import FIX_UNSAFE, Example, Hit, Rule

if TYPE_CHECKING:
    from ..shell.model import Command, Part, Word

RULE = Rule(
    code="AL401",
    name="secret-printed-to-log",
    severity=Severity.ERROR,
    summary="a registry credential or auth file is printed to the job log",
    fix=FIX_UNSAFE,
)

# ----------------------------------------------------------------------------
# Shared by AL401-AL405: which variables hold credentials, where output goes.
# ----------------------------------------------------------------------------

# Predefined job credentials GitLab masks in the log (app/models/ci/build.rb: `masked: true`).
MASKED_PREDEFINED = frozenset({
    "CI_JOB_TOKEN", "CI_REGISTRY_PASSWORD", "CI_BUILD_TOKEN", "CI_DEPLOY_PASSWORD",
    "CI_DEPENDENCY_PROXY_PASSWORD", "CI_JOB_JWT", "CI_JOB_JWT_V1", "CI_JOB_JWT_V2",
})
_SECRET_WORD = re.compile(
    r"(?:^|_)(?:PASSWORD|PASSWD|PASS|PWD|SECRET|SECRETS|TOKEN|TOKENS|JWT|APIKEY|CREDENTIALS?|CREDS|AUTH)(?:_|$)"
    r"|(?:^|_)(?:API|PRIVATE|ACCESS|SECRET)_KEY(?:_|$)|DOCKERCONFIGJSON|DOCKER_CONFIG_JSON",
    re.I,
)
_NOT_SECRET = re.compile(
    r"_(?:USER|USERNAME|LOGIN|NAME|URL|URI|HOST|HOSTNAME|SERVER|ID|FILE|PATH|DIR|TYPE|ENDPOINT|EXPIRY|EXPIRES|TTL|"
    r"LENGTH|LEN|ENABLED|REQUIRED|KIND|MODE|REGION|ROLE|METHOD|SCOPES?|PROVIDER|ADDR|ADDRESS|PORT|HEADER|PREFIX|"
    r"VERSION|TIMEOUT|COUNT|NAMESPACE|PROJECT|REPO|REPOSITORY|IMAGE|REGISTRY)$",
    re.I,
)
_NOT_SECRET_NAMES = frozenset({"PWD", "OLDPWD", "CI_REGISTRY_USER", "CI_DEPLOY_USER", "CI_DEPENDENCY_PROXY_USER"})


def secret_name(name: str) -> bool:
    """Whether a variable's name says it holds a credential."""
    if name in _NOT_SECRET_NAMES:
        return False
    if name in CREDENTIAL_VARIABLES or is_credential_name(name):
        return True
    return bool(_SECRET_WORD.search(name)) and not _NOT_SECRET.search(name)


def reveals(part: "Part") -> bool:
    """Whether an expansion prints (most of) its variable's value: `${#X}`,
    `${X:+y}`, `${!X}` and substrings `${X:0:4}` do not."""
    raw = part.raw
    if part.simple or not raw.startswith("${"):
        return True
    if raw.startswith(("${#", "${!")):
        return False
    m = re.match(r"\$\{[A-Za-z_][A-Za-z0-9_]*(.*)\}$", raw, re.S)
    op = m.group(1) if m else ""
    if op.startswith((":+", "+")):
        return False
    sub = re.fullmatch(r":\s*(\(?\s*-?\s*\d+\s*\)?)\s*(?::\s*(\d+))?", op)
    if sub:  # a substring: a few characters (`${X:0:4}`, `${X: -4}`) identify, they do not reveal
        offset = int(re.sub(r"[\s()]", "", sub.group(1)))
        length = int(sub.group(2)) if sub.group(2) else (-offset if offset < 0 else None)
        return length is None or length > 4
    return True




@dataclass
class CredUse:
    """A credential expansion found in a word."""

    word: "Word"
    start: int  # shell-text offsets of the expansion
    end: int
    name: str
    derived: bool  # inside a command substitution / a value GitLab cannot mask
    raw: str = ""  # the expansion as written
    source: str | None = None  # the credential a derived variable holds

    def describe(self) -> str:
        if self.derived:
            return f"a value derived from ${self.name}"
        m = re.fullmatch(r"\$\{\w+:\s*\(?\s*(-?\s*\d+)\s*\)?\s*(?::\s*(\d+))?\}", self.raw)
        if m and m.group(2):
            return f"{m.group(2)} characters of ${self.name}"
        if self.source and self.source != self.name:
            return f"${self.name} (which holds ${self.source})"
        return f"${self.name}"


@dataclass(eq=False)
class Scope:
    """Commands that run in one shell, with what authlint knows about them: a
    job's before_script + script, its after_script, or a shell file."""

    refs: list[CommandRef]
    job: JobUnit | None = None
    creds: dict[str, bool] = field(default_factory=dict)  # name -> masked by GitLab
    auth_paths: set[str] = field(default_factory=set)  # path_key of files holding auth JSON
    path_vars: set[str] = field(default_factory=set)  # credential variables holding a file's path (File type)
    sources: dict[str, str] = field(default_factory=dict)  # derived variable -> the credential it holds
    credential: bool = False  # logs in, writes an auth file, or pushes with a registry client
    units: list[ShellUnit] = field(default_factory=list)

    # -------------------------------------------------------------- lookups
    def is_cred(self, name: str | None) -> bool:
        return name is not None and name in self.creds

    def uses(self, word: "Word", include_masked: bool = False) -> list[CredUse]:
        """Credential expansions in a word whose value would be printed, in order.
        Masked predefined variables used as they are count only with include_masked."""
        out: list[CredUse] = []
        for p in word.parts:
            if p.kind == "variable" and p.var in self.creds:
                if not reveals(p):
                    continue
                masked = self.creds[p.var]
                if masked and not include_masked:
                    continue
                out.append(CredUse(word, p.start, p.end, p.var, False, p.raw, self.sources.get(p.var)))
            if p.kind in ("command_substitution", "other_expansion", "arithmetic") or (p.kind == "variable" and not p.simple):
                derived = p.kind == "command_substitution"
                for m in self._ref_re().finditer(p.raw):
                    name = m.group(1)
                    if p.kind == "variable" and name == p.var:
                        continue  # `${X:-...}` itself is handled above
                    if p.raw[m.start() : m.start() + 3] == "${#":
                        continue
                    if not derived and self.creds[name] and not include_masked:
                        continue
                    if any(u.start == p.start for u in out):
                        break
                    out.append(CredUse(word, p.start, p.end, name, derived, p.raw))
                    break
        return out

    def _ref_re(self) -> re.Pattern[str]:
        names = "|".join(sorted((re.escape(n) for n in self.creds), key=len, reverse=True)) or "(?!x)x"
        cached = self.__dict__.get("_re")
        if cached is None or cached[0] != names:
            cached = (names, re.compile(r"\$\{?(" + names + r")\b"))
            self.__dict__["_re"] = cached
        return cached[1]

    def ref_unit(self, offset: int, script) -> ShellUnit | None:
        """The unit of this scope whose item holds shell offset (joined scripts)."""
        index = self.__dict__.setdefault("_units_by_script", {})
        starts = index.get(id(script))
        if starts is None:  # sorted (shift, unit) per script: a job can have thousands of items
            pairs = sorted(
                ((u.tmap.shift if isinstance(u.tmap, ShiftMap) else 0, n, u) for n, u in enumerate(self.units) if u.script is script),
                key=lambda t: (t[0], -t[1]),
            )
            starts = index[id(script)] = ([p[0] for p in pairs], [p[2] for p in pairs])
        shifts, units = starts
        k = bisect.bisect_right(shifts, offset) - 1
        return units[k] if k >= 0 else None


_AUTH_HINT = re.compile(r"\bauths\b|credsStore|credHelpers|DOCKER_AUTH_CONFIG|dockerconfigjson", re.I)
_JSON_SECRET_FIELD = re.compile(r"[\"']?(?:auth|password|identitytoken|registrytoken)[\"']?\s*:\s*[\"']?([^\"',}]*)", re.I)
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_WRAPPERS = frozenset({"sudo", "env", "command", "exec", "time", "nice", "nohup", "doas"})


def effective(cmd: "Command") -> tuple[str | None, list["Word"]]:
    """The program a command runs and its arguments, past `sudo`/`env`/... wrappers."""
    name = cmd.basename
    args = list(cmd.args)
    if name in _WRAPPERS:
        skip = False
        for i, w in enumerate(args):
            v = w.value
            if skip:
                skip = False
                continue
            if v is None:
                return None, []
            if v in ("-u", "--unset", "-C", "--chdir", "-g", "--group", "-n", "--adjustment"):
                skip = True
                continue
            if v.startswith("-") or "=" in v:
                continue
            return v.rsplit("/", 1)[-1], args[i + 1 :]
        return name, args  # `env` alone
    return name, args


def job_scopes(unit: JobUnit) -> list[Scope]:
    """The job's main shell (before_script + script) and its after_script shell."""
    cached = unit.__dict__.get("_leak_scopes")
    if cached is not None:
        return cached
    f = facts(unit)
    main = Scope(list(unit.commands), unit, units=[u for u in unit.units if u.section != "after_script"])
    after = Scope(list(unit.after), unit, units=[u for u in unit.units if u.section == "after_script"])
    for scope in (main, after):
        scope.credential = f.credential_job
        _collect(scope, unit)
    # Credentials seen in one shell are credentials in the other too.
    for a, b in ((main, after), (after, main)):
        for k, v in a.creds.items():
            b.creds.setdefault(k, v)
        b.auth_paths |= a.auth_paths
    unit.__dict__["_leak_scopes"] = [main, after]
    unit.__dict__["_leak_after"] = {id(r) for r in unit.after}
    return [main, after]


def shell_scope(shell: ShellUnit) -> Scope:
    """A shell file linted on its own."""
    cached = shell.__dict__.get("_leak_scope")
    if cached is not None:
        return cached
    refs = [CommandRef(c, shell, None, i) for i, c in enumerate(shell.script.commands)]
    scope = Scope(refs, None, units=[shell])
    _collect(scope, None)
    scope.credential = any(_credential_command(r) for r in refs)
    shell.__dict__["_leak_scope"] = scope
    return scope


def file_scope(unit: FileUnit) -> Scope | None:
    return shell_scope(unit.shell) if unit.shell is not None else None


def scope_of(ref: CommandRef) -> Scope | None:
    """The scope a command runs in (None for PowerShell jobs)."""
    job = ref.job
    if job is None:
        return shell_scope(ref.unit)
    if job.shell != "sh":
        return None
    main, after = job_scopes(job)
    return after if id(ref) in job.__dict__["_leak_after"] else main


def _credential_command(ref: CommandRef) -> bool:
    cmd = ref.cmd
    if is_login(cmd) or any(_is_auth_write_target(w.target.template) for w in auth_writes(ref)):
        return True
    tool = tool_of(cmd) or ("executor" if cmd.basename == "executor" else None)
    if tool is None:
        return False
    words = [w.value or w.template for w in cmd.args]
    subs = subcommands(cmd)
    if tool == "executor":
        return any(w.startswith(("--destination", "-d")) for w in words) and "--no-push" not in words
    if subs[:1] == ["push"] or subs[:2] in (["image", "push"], ["manifest", "push"]):
        return True
    if tool == "skopeo":
        return subs[:1] in (["copy"], ["sync"])
    return "--push" in words or any("push=true" in w for w in words)


def _is_auth_write_target(template: str) -> bool:
    return is_docker_like_path(template)


def _collect(scope: Scope, job: JobUnit | None) -> None:
    """Credential variables (by name, by use, by derivation) and auth files of a scope."""
    creds: dict[str, bool] = {}
    defined: set[str] = set()
    values: list[tuple[str, str, bool]] = []  # (name, raw value, is_command_output)
    literal: dict[str, bool] = {}  # name -> every value it is given is a committed literal
    if job is not None:
        for name, var in job.job.variables.items():
            defined.add(name)
            if var.value is not None:
                values.append((name, var.value.value if var.expand else "", False))
                text = var.value.value
                literal[name] = bool(text) and (not var.expand or "$" not in text)
    seen_scripts: dict[int, object] = {}
    for ref in scope.refs:
        seen_scripts.setdefault(id(ref.unit.script), ref.unit.script)
    for script in seen_scripts.values():
        for a in script.assignments:
            defined.add(a.name)
            if a.value is not None:
                has_sub = any(p.kind == "command_substitution" for p in a.value.parts)
                values.append((a.name, a.value.raw, has_sub))
                lit = a.value.value is not None and a.value.value != ""
                literal[a.name] = literal.get(a.name, True) and lit
            else:
                literal[a.name] = False

    def add(name: str | None, masked: bool | None = None) -> None:
        if not name or name in creds or not _IDENT.fullmatch(name):
            return  # positional parameters mean different things in each function
        if literal.get(name):
            return  # a value committed in the repository (test passwords): AL102/AL106's business
        if masked is None:
            masked = name in MASKED_PREDEFINED and name not in defined
        creds[name] = masked

    # 1. by name: every variable the scope mentions, and the job's own variables
    mentioned: set[str] = set(defined)
    for _, raw, _ in values:
        mentioned.update(VAR_REF.findall(raw))
    for ref in scope.refs:
        mentioned.update(VAR_REF.findall(ref.cmd.raw))
        for r in ref.cmd.redirects:
            if r.heredoc is not None and not r.heredoc.quoted:
                mentioned.update(VAR_REF.findall(r.heredoc.body))
    for name in mentioned:
        if secret_name(name):
            add(name)
    # 2. by use: login passwords, --password-stdin producers, auth JSON secret fields
    for ref in scope.refs:
        cmd = ref.cmd
        for arg in secret_args(cmd):
            for p in arg.word.parts:
                if p.var:
                    add(p.var)
        if any(w.value in ("--password-stdin", "--pass-stdin") for w in cmd.args):
            for r in cmd.redirects:
                if r.op == "<<<" and r.target is not None:
                    for p in r.target.parts:
                        add(p.var)
            if cmd.pipeline_index > 0:
                prev = cmd.pipeline[cmd.pipeline_index - 1]
                if prev.basename in ("echo", "printf"):
                    for w in prev.args:
                        for p in w.parts:
                            add(p.var)
        texts = []
        if cmd.basename in ("echo", "printf"):
            texts += [w.template for w in cmd.args]
        for r in cmd.redirects:
            if r.heredoc is not None and not r.heredoc.quoted:
                texts.append(r.heredoc.body)
        for t in texts:
            if "{" in t:
                for m in _JSON_SECRET_FIELD.finditer(t):
                    for name in VAR_REF.findall(m.group(1)):
                        add(name)
        # `printf '%s:%s' "$U" "$P" | base64`, `echo -n "$U:$P" | base64`
        if cmd.basename in ("echo", "printf") and cmd.pipeline_index + 1 < len(cmd.pipeline):
            nxt = cmd.pipeline[cmd.pipeline_index + 1]
            if nxt.basename in ("base64", "openssl"):
                words = [w for w in cmd.args if not (w.value or "").startswith("-")]
                if cmd.basename == "printf" and words and re.fullmatch(r"%s:%s(\\n)?", words[0].value or "") and len(words) >= 3:
                    for p in words[2].parts:
                        add(p.var)
                else:
                    for w in words:
                        t = w.template
                        if ":" in t:
                            for name in VAR_REF.findall(t[t.index(":") :]):
                                add(name)
    # 3. derived: X=$(... $CRED ...), X="$CRED", job variables that copy one
    for _ in range(4):
        grew = False
        for name, raw, has_sub in values:
            if name in creds or not raw:
                continue
            refs = [n for n in VAR_REF.findall(raw) if n in creds]
            if not refs:
                continue
            masked = not has_sub and all(creds[n] for n in refs)
            add(name, masked)
            scope.sources.setdefault(name, scope.sources.get(refs[0], refs[0]))
            grew = True
        if not grew:
            break
    # File-type variables: `[ -f "$X" ]`, `cp "$X" ...` and never written out as
    # content hold a path; printing them prints the path.
    tested: set[str] = set()
    content: set[str] = set()
    copies: list[tuple[str, str]] = []
    for ref in scope.refs:
        cmd = ref.cmd
        name = cmd.basename
        if name in ("[", "[[", "test"):
            args = cmd.args
            for i, w in enumerate(args[1:], 1):
                if args[i - 1].value in ("-e", "-f", "-r", "-s") and w.single_variable:
                    tested.add(w.single_variable)
        elif name in ("cp", "install", "source", ".") and cmd.args:
            ops = [w for w in cmd.args if not (w.value or "").startswith("-")]
            for w in ops[:1] if name in ("cp", "install") else ops[:1]:
                if w.single_variable:
                    tested.add(w.single_variable)
        elif name in ("echo", "printf") and (stdout_to_log(cmd) is False or cmd.pipeline_index + 1 < len(cmd.pipeline or [cmd])):
            for w in cmd.args:
                content.update(p.var for p in w.parts if p.var)
    for a_name, raw, _ in values:
        m = re.fullmatch(r'"?\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?"?', raw.strip())
        if m:
            copies.append((a_name, m.group(1)))
    for _ in range(3):
        for x, y in copies:
            if x in tested or y in tested:
                tested |= {x, y}
            if x in content or y in content:
                content |= {x, y}
    for v in tested - content:
        if v in creds:
            del creds[v]
            scope.path_vars.add(v)
    scope.creds = creds
    # Auth files: docker/containers auth paths and files written with auth JSON.
    paths: set[str] = set()
    for ref in scope.refs:
        cmd = ref.cmd
        for r in cmd.redirects:
            if r.op in (">", ">>", ">|", "&>", "&>>") and r.fd in (None, 1) and r.target is not None:
                t = r.target.template
                texts = [r2.heredoc.body for r2 in cmd.redirects if r2.heredoc is not None]
                producer = cmd.pipeline[0] if cmd.pipeline else cmd
                texts += [producer.raw, cmd.raw]
                if is_docker_like_path(t) or any(_AUTH_HINT.search(c) for c in texts):
                    paths.add(path_key(t))
        if cmd.basename == "tee" and cmd.pipeline_index > 0:
            blob = " ".join(c.raw for c in cmd.pipeline[: cmd.pipeline_index])
            for w in cmd.args:
                if not (w.value or "").startswith("-") and (is_docker_like_path(w.template) or _AUTH_HINT.search(blob)):
                    paths.add(path_key(w.template))
    scope.auth_paths = paths


# ------------------------------------------------------------- output flow
_PASS_THROUGH = frozenset({
    "cat", "tee", "base64", "basenc", "sed", "awk", "gawk", "mawk", "tr", "jq", "yq", "cut", "head", "tail", "grep",
    "egrep", "fgrep", "sort", "uniq", "fold", "rev", "openssl", "xxd", "od", "hexdump", "column", "envsubst", "less",
    "more", "nl", "tac", "paste", "fmt", "expand", "iconv", "gzip", "python", "python3",
})
# What changes a value so that GitLab's masking no longer recognises it.
_ENCODERS = frozenset({"base64", "basenc", "openssl", "xxd", "od", "hexdump", "rev", "gzip", "iconv"})
_LOG_TARGETS = frozenset({"/dev/stdout", "/dev/stderr", "/dev/tty", "/proc/self/fd/1", "/proc/self/fd/2", "/dev/fd/1", "/dev/fd/2"})


def stdout_to_log(cmd: "Command") -> bool | None:
    """Where a command's own stdout goes: True the log (or the next pipeline stage),
    False a file or /dev/null, None unknown (another descriptor)."""
    result: bool | None = True
    for r in cmd.redirects:
        if r.heredoc is not None or r.op in ("<", "<<<", "<&"):
            continue
        if r.fd not in (None, 1) and r.op not in ("&>", "&>>"):
            continue
        target = r.target.value if r.target is not None else None
        if r.op in (">&",) and target is not None and target.isdigit():
            result = True if target in ("1", "2") else None
            continue
        if r.op in (">&",) and target == "-":
            result = False
            continue
        if r.op in (">", ">>", ">|", "&>", "&>>", ">&"):
            result = target in _LOG_TARGETS if target is not None else False
    return result


def output_path(cmd: "Command", filter_ok=None) -> tuple[bool, bool, list[str]]:
    """Whether what cmd writes to stdout ends up in the job log.

    Returns (reaches the log, passed through an encoder, stage names).  Output
    inside `$(...)` never reaches the log by itself; a pipeline passes it on
    only through commands that print what they read (tee, base64, jq, ...).
    ``filter_ok(stage)`` may declare a filtering stage (e.g. `grep X`) a sink.
    """
    if cmd.substitution_depth > 0:
        return False, False, []
    if stdout_to_log(cmd) is not True:
        return False, False, []
    encoded = False
    stages: list[str] = []
    pipeline = cmd.pipeline or [cmd]
    for nxt in pipeline[cmd.pipeline_index + 1 :]:
        name, args = effective(nxt)
        if name not in _PASS_THROUGH or _consumes(name, args):
            return False, encoded, stages
        if filter_ok is not None and filter_ok(name, args):
            return False, encoded, stages
        stages.append(name)
        if name in _ENCODERS:
            encoded = True
        if stdout_to_log(nxt) is not True:
            return False, encoded, stages
    return True, encoded, stages


def _consumes(name: str, args: list["Word"]) -> bool:
    """A pass-through command used so that nothing (or no value) is printed."""
    values = [w.value or "" for w in args]
    if name in ("grep", "egrep", "fgrep"):
        return any(re.fullmatch(r"-[a-zA-Z]*[qcl][a-zA-Z]*|--quiet|--silent|--count|--files-with-matches", v) for v in values)
    if name == "cut":  # `env | cut -d= -f1`: names only
        joined = " ".join(values)
        return bool(re.search(r"-f\s*1(\s|$)|--fields=1(\s|$)", joined)) and "=" in joined
    if name in ("awk", "gawk", "mawk"):
        return any(re.fullmatch(r"\{\s*print \$1;?\s*\}", v.strip()) for v in values)
    if name == "sed":
        return any(v.strip() in ("s/=.*//", "s/=.*$//") for v in values)
    if name in ("python", "python3"):
        return True  # a script of its own: unknown, taken as a consumer
    if name in ("jq", "yq"):
        return safe_jq(args)
    if name == "openssl":
        return not values or values[0] not in ("base64", "enc")
    if name == "base64":
        return False
    return False


_JQ_SAFE = re.compile(r"\bkeys(_unsorted)?\b|\blength\b|\bhas\(|\btype\b|\bempty\b")


def safe_jq(args: list["Word"]) -> bool:
    """A jq/yq filter that prints no values (`.auths | keys`, `length`, `has(...)`)."""
    for w in args:
        v = w.value
        if v is None:
            return False
        if v.startswith("-"):
            continue
        return bool(_JQ_SAFE.search(v)) and "auth\"" not in v and ".auth " not in v
    return False


# -------------------------------------------------------------- deletion fix
def removal_fix(ref: CommandRef, title: str, applicability: Applicability = Applicability.UNSAFE) -> Fix:
    """Delete the pipeline holding ref's command: a whole line of a `.sh` file or
    `|` block, or a whole script item; display-only anywhere else."""
    edits, reason = _removal_edits(ref)
    if not edits:
        return Fix(title, (), Applicability.DISPLAY_ONLY, reason=reason)
    return Fix(title, tuple(edits), applicability)


def _removal_edits(ref: CommandRef) -> tuple[list[Edit], str | None]:
    cmd = ref.cmd
    unit = ref.unit
    script = unit.script
    text = script.text
    pipeline = cmd.pipeline or [cmd]
    if cmd.via is not None or not cmd.exact or cmd.substitution_depth:
        return [], "the command is inside another command's string"
    if any(r.heredoc is not None for c in pipeline for r in c.redirects):
        return [], "the command has a here-document"
    start = min(c.start for c in pipeline)
    end = max(c.end for c in pipeline)
    line_start = text.rfind("\n", 0, start) + 1
    nl = text.find("\n", end)
    line_end = len(text) if nl == -1 else nl
    before, after = text[line_start:start], text[end:line_end]
    if before.strip() or (after.strip() and not after.strip().startswith("#")):
        return [], "the command shares its line with other shell code"
    above = text[:line_start].rstrip("\n").rstrip("\r").rstrip(" \t")
    if line_start > 0 and above.endswith(("\\", "|", "&&", "||")):
        return [], "the line above continues into the command"
    # The script without that line must still parse, and no body may be left
    # empty (`then` + `fi`: bash rejects it, tree-sitter does not).
    rest = text[:line_start] + text[min(len(text), line_end + 1) :]
    if len(parse_shell(rest).errors) > len(script.errors) or _empties_a_body(text, line_start, line_end):
        return [], "deleting the line would leave an empty block"
    base = unit.tmap
    shift = 0
    while isinstance(base, ShiftMap):
        shift += base.shift
        base = base.parent
    source = unit.source
    index = source.index
    if isinstance(base, FileMap):
        others = [c for c in script.commands if not (start <= c.start < end + 1)]
        if not others:
            return [], "it is the script's only command"
        first = index.line_of(base.offset(line_start - shift))
        last = index.line_of(base.offset(max(start, end - 1) - shift))
        return [_line_edit(source, first, last)], None
    if not isinstance(base, ScalarMap) or unit.line is None:
        return [], "the command is not written where authlint can delete it"
    st = base.st
    item_start, item_end = shift, shift + len(st.value)
    others = [c for c in script.commands if item_start <= c.start < item_end and not (start <= c.start < end + 1)]
    if others and st.style == scalars.LITERAL and st.exact:
        # A literal block's value lines are the file's lines, less the indentation.
        a = base.file_span(line_start - shift, start - shift)
        b = base.file_span(end - shift, line_end - shift)
        if a is None or b is None:
            return [], base.why_not_exact()
        first, last = index.line_of(a.start), index.line_of(b.start)
        if source.text[index.line_starts[first] : a.start].strip() or source.text[b.end : index.line_end(last)].strip():
            return [], "the line holds other text"
        return [_line_edit(source, first, last)], None
    if others:
        return [], "the command shares its script item with other commands"
    return _item_removal(ref)


_OPENERS = re.compile(r"(?:^|[\s;&|])(?:then|do|else|\{|\()$|\)$")
_CLOSERS = re.compile(r"^(?:fi|done|else|elif|esac|\}|\)|;;)(?:$|[\s;&|])")


def _code_lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.split("\n") if ln.strip() and not ln.strip().startswith("#")]


def _empties_a_body(text: str, line_start: int, line_end: int) -> bool:
    before = _code_lines(text[:line_start])
    after = _code_lines(text[line_end + 1 :])
    prev = before[-1] if before else ""
    nxt = after[0] if after else ""
    return bool(_OPENERS.search(prev)) and bool(_CLOSERS.match(nxt))


def _line_edit(source, first: int, last: int) -> Edit:
    index = source.index
    start = index.line_starts[first]
    end = index.line_starts[last + 1] if last + 1 < index.line_count else len(source.text)
    return Edit(source.path, start, end, "")


def _item_removal(ref: CommandRef) -> tuple[list[Edit], str | None]:
    """Delete the script item (a block-sequence entry) that holds only this pipeline."""
    line = ref.unit.line
    job = ref.job
    if line is None or job is None:
        return [], "the command is not in a job's script"
    scalar = line.scalar
    seq = None
    for yf in job.pipeline.files.values():
        if yf.source is not scalar.source:
            continue
        for doc in yf.documents:
            for v in walk(doc):
                if isinstance(v, YSeq) and any(item is scalar for item in v.items):
                    seq = v
                    break
            if seq is not None:
                break
    if seq is None:
        return [], "the script item could not be located"
    if seq.flow:
        return [], "the script is a flow list"
    if len(seq.items) < 2:
        return [], "it is the only line of the script"
    source = scalar.source
    text, index = source.text, source.index
    first = index.line_of(scalar.start)
    if not re.fullmatch(r"\s*-\s+", text[index.line_starts[first] : scalar.start]):
        return [], "the script item shares its line"
    end = scalar.end
    while end > scalar.start and text[end - 1] in " \t\r\n":
        end -= 1
    last = index.line_of(max(scalar.start, end - 1))
    rest = text[end : index.line_end(last)].strip()
    if rest and not rest.startswith("#"):
        return [], "the script item shares its line"
    return [_line_edit(source, first, last)], None


def silence_tee_fix(ref: CommandRef, title: str) -> Fix | None:
    """`... | tee FILE` -> `... | tee FILE >/dev/null`: the file is still written."""
    pipeline = ref.cmd.pipeline or [ref.cmd]
    last = pipeline[-1]
    if last.basename != "tee" or not any(not (w.value or "-").startswith("-") for w in last.args):
        return None
    if any(r.heredoc is not None for r in last.redirects):
        return None
    edit = ref.edit(last.end, last.end, " >/dev/null")
    if edit is None:
        return Fix(title, (), Applicability.DISPLAY_ONLY, reason=ref.unit.tmap.why_not_exact())
    return Fix(title, (edit,), Applicability.UNSAFE)


# ----------------------------------------------------------------- the rule
_PRINTERS = frozenset({"echo", "printf"})
_READERS = frozenset({"cat", "tac", "head", "tail", "more", "less", "jq", "yq", "bat", "nl", "base64", "xxd", "od", "hexdump", "strings", "tee"})
_DUMPERS = frozenset({"env", "printenv", "export", "declare", "typeset", "set"})


def check_command(ref: CommandRef, options) -> Iterator[Hit]:
    scope = scope_of(ref)
    if scope is not None:
        hit = _check(scope, ref)
        if hit is not None:
            yield hit


def _check(scope: Scope, ref: CommandRef) -> Hit | None:
    cmd = ref.cmd
    name, args = effective(cmd)
    if name is None or cmd.in_condition and name not in _PRINTERS:
        return None
    if name in _PRINTERS:
        return _printed(scope, ref, name, args)
    if name == "printenv" and args:
        return _printenv(scope, ref, args)
    if name in _DUMPERS and _is_dump(name, args):
        return _dump(scope, ref, name)
    if name in _READERS:
        return _read(scope, ref, name, args)
    return None


def _printed(scope: Scope, ref: CommandRef, name: str, args: list["Word"]) -> Hit | None:
    if name == "printf" and any((w.value or "").startswith("-v") for w in args[:1]):
        return None  # printf -v VAR: assigns, prints nothing
    reaches, encoded, stages = output_path(ref.cmd)
    if not reaches:
        return None
    for w in args:
        for use in scope.uses(w, include_masked=True):
            masked = scope.creds.get(use.name, False) and not use.derived
            if masked and not encoded:
                continue
            via = f" through `{' | '.join(stages)}`" if stages else ""
            what = use.describe()
            extra = " (encoded, so GitLab's masking no longer hides it)" if masked else ""
            message = f"`{name}` prints {what}{via} to the job log{extra}; never print credentials"
            return ref.hit(use.start, use.end, message, fix=_fix(ref, f"delete the `{name}` command"), key=f"{name} {use.name}")
    return None


def _printenv(scope: Scope, ref: CommandRef, args: list["Word"]) -> Hit | None:
    reaches, encoded, _ = output_path(ref.cmd)
    if not reaches:
        return None
    for w in args:
        v = w.value
        if v and scope.is_cred(v) and (not scope.creds[v] or encoded):
            return ref.hit(w.start, w.end, f"`printenv {v}` prints the credential {v} to the job log", fix=_fix(ref, "delete the `printenv` command"), key=f"printenv {v}")
    return None


def _is_dump(name: str, args: list["Word"]) -> bool:
    values = [w.value for w in args]
    if any(v is None for v in values):
        return False
    if name == "env":
        skip = False
        for v in values:
            if skip:
                skip = False
                continue
            if v in ("-u", "--unset", "-C", "--chdir", "-S", "--split-string"):
                skip = True
                continue
            if v.startswith("-") or "=" in v:
                continue
            return False  # runs a command
        return True
    if name == "printenv":
        return all(v.startswith("-") for v in values)
    if name == "export":
        return all(v == "-p" for v in values)
    if name in ("declare", "typeset"):
        return bool(values) and all(re.fullmatch(r"-[xp]+", v) for v in values) or not values
    if name == "set":
        return not values
    return False


def _dump(scope: Scope, ref: CommandRef, name: str) -> Hit | None:
    if not scope.credential:
        return None
    names = sorted(n for n, masked in scope.creds.items() if not masked)

    def filtered(stage: str, args) -> bool:
        if stage not in ("grep", "egrep", "fgrep"):
            return False
        values = [w.value for w in args]
        if any(v is None for v in values) or any(v.startswith("-") and "v" in v[1:] and not v.startswith("--") for v in values):
            return False
        pats = [v for v in values if not v.startswith("-")]
        if not pats:
            return False
        flags = re.I if any(v.startswith("-") and "i" in v for v in values) else 0
        candidates = set(names) | {"DOCKER_AUTH_CONFIG"}
        try:
            rx = re.compile(pats[0], flags)
        except re.error:
            return False
        return not any(rx.search(f"{n}=value") for n in candidates)

    reaches, _, _ = output_path(ref.cmd, filtered)
    if not reaches:
        return None
    shown = {"export": "export -p", "declare": "declare -p", "typeset": "typeset -p"}.get(name, name)
    message = (
        f"`{shown}` prints the job's variables to the log in a job that handles registry credentials: "
        "DOCKER_AUTH_CONFIG (JSON cannot be masked) and unmasked passwords appear in clear text"
    )
    cmd = ref.cmd
    end = max([cmd.name.end if cmd.name is not None else cmd.start] + [w.end for w in cmd.args])
    return ref.hit(cmd.start, end, message, fix=_fix(ref, f"delete the `{shown}` command"), key=shown)


def _read(scope: Scope, ref: CommandRef, name: str, args: list["Word"]) -> Hit | None:
    cmd = ref.cmd
    reaches, _, stages = output_path(cmd)
    if not reaches:
        return None
    if name == "tee":
        return None  # tee prints what it reads: the producer is reported
    if name in ("jq", "yq") and safe_jq(args):
        return None
    operands = _operands(name, args)
    for w in operands:
        if _is_auth_file(scope, ref, w):
            via = f" through `{' | '.join(stages)}`" if stages else ""
            message = f"`{name}` prints the registry auth file {w.template}{via} to the job log: its `auth` values are not masked"
            return ref.hit(w.start, w.end, message, fix=_fix(ref, f"delete the `{name}` command"), key=f"{name} {path_key(w.template)}")
    if name == "cat" and not operands:
        for r in cmd.redirects:
            hd = r.heredoc
            if hd is not None and not hd.quoted:
                for p in hd.parts:
                    if p.kind == "variable" and p.var in scope.creds and not scope.creds[p.var] and reveals(p):
                        message = f"`cat` prints a here-document holding ${p.var} to the job log"
                        return ref.hit(p.start, p.end, message, fix=_fix(ref, "delete the `cat` command"), key=f"cat heredoc {p.var}")
            if r.op == "<<<" and r.target is not None:
                for use in scope.uses(r.target):
                    return ref.hit(use.start, use.end, f"`cat` prints ${use.name} to the job log", fix=_fix(ref, "delete the `cat` command"), key=f"cat {use.name}")
    return None


def _operands(name: str, args: list["Word"]) -> list["Word"]:
    out: list["Word"] = []
    skip = False
    for w in args:
        v = w.value
        if skip:
            skip = False
            continue
        if v is not None and v.startswith("-") and v != "-":
            if name in ("head", "tail") and v in ("-n", "-c"):
                skip = True
            if name in ("jq", "yq") and v in ("--arg", "--argjson", "--slurpfile", "--rawfile", "-f", "--from-file"):
                skip = True
            continue
        out.append(w)
    if name in ("jq", "yq") and out:
        out = out[1:]  # the filter
    return out


def _is_auth_file(scope: Scope, ref: CommandRef, word: "Word") -> bool:
    t = word.template
    if re.fullmatch(r"/proc/[^/]+/environ", t):
        return False
    if word.single_variable in ("DOCKER_AUTH_CONFIG", "REGISTRY_AUTH_FILE") or word.single_variable in scope.path_vars:
        return True
    if is_docker_like_path(t) or path_key(t) in scope.auth_paths:
        return True
    if scope.job is not None:
        f = facts(scope.job)
        resolved = f.resolve(t)
        if resolved is not None and f.credential_job and resolved in (f.docker_config(), f.kaniko_config() if f.kaniko else None):
            return True
    return False


def _fix(ref: CommandRef, title: str) -> Fix:
    tee = silence_tee_fix(ref, "send tee's copy to /dev/null")
    if tee is not None:
        return tee
    return removal_fix(ref, title)


VALID = [
    Example('echo "Logging into Docker registry..."\n'),
    Example('echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"\n'),
    Example("printf '%s' \"$DOCKER_AUTH_CONFIG\" > /kaniko/.docker/config.json\n"),
    Example('echo "DOCKER_AUTH_CONFIG is ${#DOCKER_AUTH_CONFIG} characters long"\n'),
    Example('echo "user: $CI_REGISTRY_USER, token: $CI_JOB_TOKEN"\n'),
    Example('AUTH=$(printf \'%s:%s\' "$REGISTRY_USER" "$REGISTRY_PASSWORD" | base64 | tr -d \'\\n\')\n'),
    Example('echo "$REGISTRY_PASSWORD" | sha256sum\n'),
    Example("env | sort\nmake test\n"),  # not a credential job
    Example('echo "$REGISTRY_PASSWORD" | docker login -u deploy --password-stdin r.example.com\nenv | grep -c CI_\n'),
    Example("cat package.json\n"),
    Example("jq -r '.auths | keys[]' ~/.docker/config.json\n"),
    Example("set -eu\nset -o pipefail\n"),
    Example('mkdir -p ~/.docker\necho "{\\"auths\\":{\\"r.example.com\\":{\\"auth\\":\\"$AUTH\\"}}}" | tee ~/.docker/config.json > /dev/null\n'),
    Example('git clone "https://gitlab-ci-token:${CI_JOB_TOKEN}@gitlab.example.com/group/repo.git"\n'),
    Example('[ -n "$REGISTRY_PASSWORD" ] || echo "REGISTRY_PASSWORD is not set" >&2\n'),
]

INVALID = [
    Example(
        "printf '%s' \"$DOCKER_AUTH_CONFIG\" > /kaniko/.docker/config.json\ncat ⟦/kaniko/.docker/config.json⟧\n"
        "/kaniko/executor --context . --destination \"$CI_REGISTRY_IMAGE\"\n",
        fixed="printf '%s' \"$DOCKER_AUTH_CONFIG\" > /kaniko/.docker/config.json\n"
        "/kaniko/executor --context . --destination \"$CI_REGISTRY_IMAGE\"\n",
    ),
    # the corpus' clearest leak (3forges config.sh): echo of the token, then cat | tee of the JSON
    Example(
        'echo "  PESTO_CI_DOCKER_AUTH_TOKEN=[⟦${PESTO_CI_DOCKER_AUTH_TOKEN}⟧]"\n'
        "cat <<EOF >./.pesto.ci.docker.config.json\n"
        '{"auths": {"https://index.docker.io/v1/": {"auth": "${PESTO_CI_DOCKER_AUTH_TOKEN}"}}}\n'
        "EOF\n"
        "mkdir -p ~/.docker/\n"
        "cat ./.pesto.ci.docker.config.json | tee ~/.docker/config.json\n",
        count=2,
        fixed="cat <<EOF >./.pesto.ci.docker.config.json\n"
        '{"auths": {"https://index.docker.io/v1/": {"auth": "${PESTO_CI_DOCKER_AUTH_TOKEN}"}}}\n'
        "EOF\n"
        "mkdir -p ~/.docker/\n"
        "cat ./.pesto.ci.docker.config.json | tee ~/.docker/config.json >/dev/null\n",
    ),
    Example('echo "password is ⟦$REGISTRY_PASSWORD⟧"\n'),
    Example('echo ⟦$DOCKER_AUTH_CONFIG⟧ | jq .\n'),
    Example('AUTH=$(echo -n "$REGISTRY_USER:$REGISTRY_PASSWORD" | base64 -w0)\necho "auth: ⟦$AUTH⟧"\n', fixed='AUTH=$(echo -n "$REGISTRY_USER:$REGISTRY_PASSWORD" | base64 -w0)\n'),
    Example('echo "⟦$CI_JOB_TOKEN⟧" | base64\n'),
    Example('echo "$DOCKER_PASSWORD" | docker login -u me --password-stdin\n⟦env⟧ | sort\n', fixed='echo "$DOCKER_PASSWORD" | docker login -u me --password-stdin\n'),
    Example('cat ⟦"$DOCKER_AUTH_CONFIG"⟧\n'),
    Example(
        "docker login -u \"$CI_REGISTRY_USER\" -p \"$CI_REGISTRY_PASSWORD\" \"$CI_REGISTRY\"\njq . ⟦~/.docker/config.json⟧\n",
        fixed="docker login -u \"$CI_REGISTRY_USER\" -p \"$CI_REGISTRY_PASSWORD\" \"$CI_REGISTRY\"\n",
    ),
    Example(
        "build:\n  image: docker:27\n  script:\n    - docker login -u \"$CI_REGISTRY_USER\" -p \"$CI_REGISTRY_PASSWORD\" \"$CI_REGISTRY\"\n"
        "    - ⟦printenv⟧\n    - docker push \"$CI_REGISTRY_IMAGE\"\n",
        kind="yaml",
        fixed="build:\n  image: docker:27\n  script:\n    - docker login -u \"$CI_REGISTRY_USER\" -p \"$CI_REGISTRY_PASSWORD\" \"$CI_REGISTRY\"\n"
        "    - docker push \"$CI_REGISTRY_IMAGE\"\n",
    ),
]
