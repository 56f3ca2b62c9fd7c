"""One data-flow model of a job's shell: where each value comes from, where it goes.

A ``Flow`` covers the commands that run in one shell: a job's before_script +
script (with the scripts it calls spliced in), its after_script on its own, or
a shell file linted alone.  It answers:

* ``origins(name)``: what a variable holds, followed through copies: a
  committed literal, a GitLab predefined (credential) variable, a CI/CD
  variable defined in the YAML or only in the project's settings, the output of
  a named command, the contents of a file, arithmetic, a function parameter;
* ``sinks(name)``: where each expansion goes: an argument of tool T at flag F,
  the stdin of T, a pipe into T, a file, the job log, or a ``$(...)`` capture;
* ``creds``: which variables hold a registry credential, judged by origin
  (a name like ``*PASSWORD*`` counts only for a variable set outside the
  repository) and by use (passed as ``-p``, piped into ``--password-stdin``,
  the ``auth`` of an auth JSON), and whether GitLab masks it in the log;
* ``auth_paths`` / ``path_vars``: files that hold auth JSON, and File-type
  variables (a path, not the secret); ``file_variable(name)``: the File-type
  variable whose path a variable holds (``DOCKER_CONFIG: $CONFIG_FILE``);
* files: ``write_group(ref)``, what a ``{ ...; } > f`` group writes as one text
  (shell/output.py); ``file_origins(path, before)``, where a written file's
  content comes from; ``login_files(ref)``, the auth file a login writes;
  ``project_path`` + ``uploads(path)``, whether the file becomes an artifact,
  a dotenv report or a cache entry of the job (gitlab/uploads.py);
  ``stdin_source(ref)``, what feeds a command's standard input.

Every rule that asks "where does ``$X`` come from, where does it go" asks this
module; see tests/test_flow.py for the per-construct tables.  The definitions
are read when a flow is made; the credential analysis (``creds``, ``registry``,
``auth_paths``, ``path_vars``, ``sources``, ``credential``) runs on first use,
for both shells of the job (each sees the other's credentials): the job facts
every rule reads need only the definitions.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from ..authjson.looks import produces_auth_json
from ..gitlab.predefined import CREDENTIALS, MASKED, USERS, is_known_predefined, misspelt_predefined
from ..gitlab.values import entries
from ..lazy import lazy_compile
from ..textmap import ShiftMap
from ..tools import WRAPPERS, is_credential_name, is_login, pushes, secret_args, subcommands, tool_of, unwrap
from ..writes import auth_writes
from ..yaml.model import YMap, YScalar, YSeq
from .model import LITERAL, OUT_OPS, VAR_REF
from .output import Output, Reader, group_members, group_output, shared_redirect, stdout_of

if TYPE_CHECKING:
    from ..gitlab.uploads import Upload
    from ..units import CommandRef, FileUnit, JobUnit, ShellUnit
    from .model import Command, Part, Script, Word

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# ---------------------------------------------------------------- vocabulary
_SECRET_WORD = re.compile(
    r"(?:^|_)(?:PASSWORD|PASSWD|PASS|PWD|SECRET|SECRETS|TOKEN|TOKENS|JWT|APIKEY|CREDENTIALS?|CREDS|AUTH)(?:_|$)"
    r"|(?:^|_)(?:API|PRIVATE|ACCESS|SECRET)_KEY(?:_|$)|DOCKERCONFIGJSON|DOCKER_CONFIG_JSON",
    re.I,
)
_NOT_SECRET = lazy_compile(
    r"_(?:USER|USERNAME|LOGIN|NAME|URL|URI|HOST|HOSTNAME|SERVER|ID|FILE|PATH|PATHS|DIR|TYPE|ENDPOINT|EXPIRY|EXPIRES|TTL|"
    r"LENGTH|LEN|ENABLED|REQUIRED|KIND|MODE|REGION|ROLE|METHOD|SCOPES?|PROVIDER|ADDR|ADDRESS|PORT|HEADER|PREFIX|"
    r"VERSION|TIMEOUT|COUNT|NAMESPACE|PROJECT|REPO|REPOSITORY|IMAGE|REGISTRY)$",
    re.I,
)
_NOT_SECRET_NAMES = frozenset({"PWD", "OLDPWD", "CI_REGISTRY_USER", "CI_DEPLOY_USER", "CI_DEPENDENCY_PROXY_USER"})


@functools.lru_cache(maxsize=4096)  # the same names in every job
def secret_name(name: str) -> bool:
    """Whether a variable's name says it holds a credential."""
    if name in _NOT_SECRET_NAMES:
        return False
    if name in CREDENTIALS or is_credential_name(name):
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


# ------------------------------------------------------------------ origins
LITERAL_ORIGIN = "literal"  # a value committed in the repository
PREDEFINED_CREDENTIAL = "predefined-credential"  # CI_JOB_TOKEN, CI_REGISTRY_PASSWORD, ...
PREDEFINED = "predefined"  # CI_REGISTRY, CI_COMMIT_SHA, HOME, ...
SETTINGS = "settings"  # a CI/CD variable defined only outside the repository (project/group settings)
UNDEFINED = "undefined"  # a `CI_*` name GitLab does not define and nothing in the repository sets
COMMAND = "command"  # the output of a named command
FILE = "file"  # the contents of a file
ARITHMETIC = "arithmetic"
PARAMETER = "parameter"  # $1, $@: whatever a function's caller passes
READ = "read"  # `read X`: a line of some stdin
COMPOSITE = "composite"  # text with several expansions ("$U:$P")
UNKNOWN = "unknown"

# Commands whose output is what they read (so `$(echo "$P" | base64)` still holds $P).
PASS_THROUGH = frozenset({
    "cat", "tee", "base64", "basenc", "sed", "awk", "gawk", "mawk", "tr", "jq", "yq", "cut", "head", "tail", "grep",
    "egrep", "fgrep", "sort", "uniq", "fold", "rev", "openssl", "xxd", "od", "hexdump", "column", "envsubst", "less",
    "more", "nl", "tac", "paste", "fmt", "expand", "iconv", "gzip", "python", "python3",
})
_PRINTERS = frozenset({"echo", "printf"})
# Commands whose output is a secret whatever its variable is called.
_SECRET_PRODUCERS = (
    ("vault",), ("aws", "ecr", "get-login-password"), ("aws", "ecr", "get-login"), ("aws", "ecr-public", "get-login-password"),
    ("gcloud", "auth", "print-access-token"), ("az", "acr", "login"), ("az", "account", "get-access-token"),
    ("op", "read"), ("bw", "get"), ("gopass", "show"), ("pass", "show"), ("sops",), ("kubectl", "get", "secret"),
)
# Cloud CLIs whose login tokens are base64/JWT text: no space, glob, quote or backslash.
_TOKEN_CLIS = frozenset({"aws", "gcloud", "az"})


@dataclass(frozen=True)
class Origin:
    """Where one definition of a variable's value comes from (after copies are followed)."""

    kind: str
    name: str  # the variable whose definition this is (or the predefined/settings variable reached)
    text: str | None = None  # the literal value; the command name; the file path
    level: str | None = None  # where a CI/CD variable is defined: 'job', 'global', 'matrix', ... or 'script'
    refs: tuple[str, ...] = ()  # variables a composite value or a command's input is built from
    producer: bool = False  # COMMAND: a command whose output is a secret (vault, get-login-password, ...)
    passes: bool = False  # COMMAND: the command's output is its input (echo ... | base64)


@dataclass(frozen=True)
class Value:
    """What a word holds: a variable defined outside the script (after copies), a literal, or unknown."""

    var: str | None = None
    literal: str | None = None
    undefined: bool = False  # a `CI_*` name GitLab does not define and nothing sets: empty


_SIMPLE_REF = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")


@dataclass(frozen=True)
class Definition:
    """One place a variable is set: a YAML variable or a shell assignment/read."""

    name: str
    word: "Word | None"  # the shell value (None for YAML values, `read`, `export X`)
    raw: str  # the value as written ('' when unknown)
    level: str  # 'job' | 'global' | 'matrix' | 'script' | 'read' | 'for'
    expand: bool = True
    commands: "list[Command] | None" = None  # the commands of the Script holding a shell assignment


@dataclass(frozen=True)
class Sink:
    """Where one expansion of a variable goes."""

    kind: str  # 'arg' | 'stdin' | 'pipe' | 'file' | 'log' | 'capture' | 'assign'
    ref: "CommandRef"
    part: "Part"
    tool: str | None = None  # the program the value is given to
    flag: str | None = None  # 'arg': the option it is the value of; 'pipe'/'stdin': '--password-stdin' when given
    path: str | None = None  # 'file': the file it is written to


@dataclass(eq=False)
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


_STDIN_FLAGS = ("--password-stdin", "--pass-stdin")


@dataclass(eq=False)
class Credentials:
    """A flow's credential analysis (see Flow's properties of the same names)."""

    creds: dict[str, bool] = field(default_factory=dict)
    registry: set[str] = field(default_factory=set)
    auth_paths: set[str] = field(default_factory=set)
    path_vars: set[str] = field(default_factory=set)
    sources: dict[str, str] = field(default_factory=dict)
    credential: bool = False


@dataclass(eq=False)
class Flow:
    """Commands that run in one shell, with where their values come from and go."""

    refs: list["CommandRef"]
    job: "JobUnit | None" = None
    units: list["ShellUnit"] = field(default_factory=list)
    # Fills _defs on first use (most commands' rules never ask): a plain function, as analyse.
    define: "Callable[[Flow], dict[str, list[Definition]]] | None" = field(default=None, repr=False)
    # Fills _cred (of this flow and its sibling shell): most jobs' rules never ask, so it runs on first use.
    # A plain function of the flow, not a closure over it: a flow naming itself is a cycle that
    # only the collector frees.
    analyse: "Callable[[Flow], None] | None" = field(default=None, repr=False)
    _cred: "Credentials | None" = field(default=None, repr=False)
    _path_like: set[str] | None = field(default=None, repr=False)
    _file_vars: set[str] | None = field(default=None, repr=False)
    _secret_uses: dict[str, None] | None = field(default=None, repr=False)
    _origins: dict[str, tuple[Origin, ...]] = field(default_factory=dict, repr=False)
    _sinks: dict[str, list[Sink]] | None = field(default=None, repr=False)
    _re: tuple[str, re.Pattern[str]] | None = field(default=None, repr=False)
    _by_script: dict[int, tuple[list[int], list["ShellUnit"]]] = field(default_factory=dict, repr=False)
    _defs: dict[str, list[Definition]] | None = field(default=None, repr=False)

    @property
    def defs(self) -> dict[str, list[Definition]]:
        """Where each variable is defined: the CI/CD variables, then script assignments and `read`s."""
        if self._defs is None:
            self._defs = self.define(self) if self.define is not None else {}
        return self._defs

    # ---------------------------------------------------------- credentials
    def credentials(self) -> "Credentials":
        if self._cred is None:
            if self.analyse is not None:
                self.analyse(self)
            else:  # a flow made by hand (`Flow([])`): its own commands only
                self._cred = _collect(self)
            assert self._cred is not None
        return self._cred

    @property
    def creds(self) -> dict[str, bool]:
        """Credential variables: name -> masked by GitLab."""
        return self.credentials().creds

    @property
    def registry(self) -> set[str]:
        """The creds that are registry credentials (by name, use or source)."""
        return self.credentials().registry

    def may_be_registry(self, name: str) -> bool:
        """False when ``name`` cannot be in ``registry``, said without the credential analysis:
        nothing in the flow defines it, its name does not say so and no command uses it as a secret."""
        return name in self.defs or name in CREDENTIALS or is_credential_name(name) or name in self.secret_uses()

    def in_registry(self, name: str) -> bool:
        """``name in registry``, without the credential analysis where the answer needs none: a variable
        no command uses as a secret and that may not be one (may_be_registry) is not, and one that a
        command uses as a secret is, unless _collect drops it (not a variable, only committed values
        or counts set it, it holds a file's path)."""
        if self._cred is not None or name not in self.secret_uses():
            return self.may_be_registry(name) and name in self.registry
        return (
            _IDENT.fullmatch(name) is not None
            and not _committed(self.origins(name))
            and name not in self.path_like()
            and name not in _file_secrets(self.job)
        )

    def may_be_cred(self, name: str) -> bool:
        """False when ``name`` cannot be in ``creds``, said without the credential analysis: its name
        does not say so, and no shell of the job (each sees the other's) defines it or uses it as a secret."""
        if name in CREDENTIALS or secret_name(name):
            return True
        return any(name in f.defs or name in f.secret_uses() for f in (job_flows(self.job) if self.job is not None else [self]))

    def secret_uses(self) -> dict[str, None]:
        """Variables a command of the flow uses as a secret (_used_as_secret), in command order."""
        if self._secret_uses is None:
            uses: dict[str, None] = {}
            for r in self.refs:
                names = r.cmd.derived(_used_as_secret)  # a command recurs in every job running its script
                if names:
                    uses.update(dict.fromkeys(names))
            self._secret_uses = uses
        return self._secret_uses

    @property
    def auth_paths(self) -> set[str]:
        """path_key of files holding auth JSON."""
        return self.credentials().auth_paths

    @property
    def path_vars(self) -> set[str]:
        """Credential variables holding a file's path (File type)."""
        return self.credentials().path_vars

    @property
    def sources(self) -> dict[str, str]:
        """Derived variable -> the credential it holds."""
        return self.credentials().sources

    @property
    def credential(self) -> bool:
        """The job (or file) logs in, writes an auth file, or pushes with a registry client."""
        return self.credentials().credential

    @property
    def file_vars(self) -> set[str]:
        """Every variable judged to hold a file's path (File type, `secrets:`), set outside the repository."""
        if self._file_vars is None:
            self._file_vars = {v for v in self.path_like() if v not in self.defs} | set(_file_secrets(self.job))
        return self._file_vars

    def path_like(self) -> set[str]:
        """Variables tested as files or copied (`[ -f "$X" ]`, `cp "$X" ...`) and never written out as content."""
        if self._path_like is None:
            self._path_like = _path_like(self)
        return self._path_like

    # -------------------------------------------------------------- origins
    def origins(self, name: str) -> tuple[Origin, ...]:
        """Every origin of the variable's value, copies (`A=$B`, `A: $B`) followed."""
        cached = self._origins.get(name)
        if cached is None:
            self._origins[name] = ()  # a cycle (`A=$B; B=$A`) ends here
            found = self._resolve(name, 0)
            # Deduplicated in order (hashing an Origin runs dataclass code: one needs none, and most have one)
            cached = self._origins[name] = tuple(found) if len(found) < 2 else tuple(dict.fromkeys(found))
        return cached

    def _resolve(self, name: str, depth: int) -> "list[Origin] | tuple[Origin, ...]":
        defs = self.defs.get(name)
        if not defs:
            return _undefined(name)
        out: list[Origin] = []
        for d in defs:
            o = _classify(d)
            if o.kind == "copy" and depth < 6:
                target = o.refs[0]
                if target != name:
                    out.extend(self._resolve(target, depth + 1))
                elif len(defs) == 1:  # `readonly X=${X}`: X keeps the value it came with
                    out.extend(_undefined(name))
            elif o.kind == "copy":
                out.append(Origin(UNKNOWN, name))
            else:
                out.append(o)
        return out

    def literal(self, name: str) -> str | None:
        """The variable's value when every definition gives the same committed literal."""
        values = {o.text for o in self.origins(name) if o.kind == LITERAL_ORIGIN}
        if len(values) == 1 and all(o.kind == LITERAL_ORIGIN for o in self.origins(name)):
            return values.pop()
        return None

    def token_shaped(self, name: str) -> bool:
        """Every origin is a GitLab token or user name (`gitlab-ci-token`, `gitlab+deploy-token-N`) or a
        cloud CLI's login token: the value holds no space, glob character, quote or backslash, so quoting
        and echo's escapes change nothing."""
        origins = self.origins(name)
        return bool(origins) and all(
            o.kind == PREDEFINED_CREDENTIAL
            or (o.kind == PREDEFINED and o.name in USERS)
            or (o.kind == COMMAND and o.producer and o.text in _TOKEN_CLIS)
            for o in origins
        )

    def file_variable(self, name: str) -> str | None:
        """The File-type CI/CD variable (or `secrets:` file) whose path ``name`` holds, copies
        followed (`DOCKER_CONFIG: $REGISTRY_CONFIG`); None when any definition may hold something else,
        or when only `rules:` set it (it may be unset)."""
        defs = self.defs.get(name)
        if defs and all(d.level == "rules" for d in defs):
            return None
        origins = self.origins(name)
        names = {o.name for o in origins}
        if len(names) == 1 and all(o.kind == SETTINGS and o.name in self.file_vars for o in origins):
            return names.pop()
        return None

    def value(self, raw: str) -> "Value":
        """What a word (its raw text, quotes allowed) holds: one variable after copies
        are followed, one literal, or unknown."""
        t = raw.strip()
        if len(t) >= 2 and t[0] == t[-1] and t[0] in "\"'":
            if t[0] == "'":
                return Value(literal=t[1:-1])
            t = t[1:-1]
        m = _SIMPLE_REF.fullmatch(t)
        if m:
            origins = self.origins(m.group(1))
            if len(origins) != 1:
                return Value()
            o = origins[0]
            if o.kind == LITERAL_ORIGIN:
                return Value(literal=o.text)
            if o.kind in (PREDEFINED_CREDENTIAL, PREDEFINED, SETTINGS, UNDEFINED):
                return Value(var=o.name, undefined=o.kind == UNDEFINED)
            return Value()
        if "$" in t or "`" in t:
            return Value()
        return Value(literal=t)

    def program(self, cmd: "Command") -> str | None:
        """The program a command runs, past wrappers, with a command named by a variable
        (`$KUBECTL create secret ...`, `KUBECTL: kubectl`) resolved from its definition."""
        name, _ = unwrap(cmd)
        if name is not None and cmd.name is not None and cmd.name.value is not None:
            return name
        word = cmd.name if cmd.basename not in WRAPPERS else next((w for w in cmd.args if w.value is None), None)
        var = word.single_variable if word is not None else None
        value = self.literal(var) if var is not None else None
        return value.split()[0].rsplit("/", 1)[-1] if value else None

    # ---------------------------------------------------------------- sinks
    def sinks(self, name: str) -> list[Sink]:
        """Where each expansion of the variable goes, in command order."""
        if self._sinks is None:
            self._sinks = {}
            for ref in self.refs:
                for sink in command_sinks(ref):
                    if sink.part.var is not None:
                        self._sinks.setdefault(sink.part.var, []).append(sink)
        return self._sinks.get(name, [])

    # ---------------------------------------------------------- written files
    def file_reader(self, depth: int = 0) -> "Reader":
        """Reads a file `cat` prints when the flow wrote it earlier, whole, from known output."""
        from ..jobfacts import path_key

        def read(cmd: "Command", word: "Word") -> "Output | None":
            key = path_key(word.path_template)
            last = reader = None
            for r in self.refs:
                if r.cmd is cmd:
                    reader = r
                    break
                for target, how in _out_targets(r.cmd):
                    if path_key(target.path_template) == key:
                        last = (r, target, how)
            if last is None or reader is None or depth > 3:
                return None
            r, target, how = last
            script = r.unit.script
            if how != "truncate" or reader.unit.script is not script:
                return None  # appended to, copied, or in another text (offsets would not match)
            if r.cmd.basename == "tee" or len(r.cmd.pipeline or [r.cmd]) > 1:
                return None
            shared = shared_redirect(r.cmd)
            if shared is not None and shared.target is target:
                out = group_output(group_members(r.cmd, script), script, self.file_reader(depth + 1))
            else:
                out = stdout_of(r.cmd, script, self.file_reader(depth + 1))
            if out is not None and r.unit is not reader.unit:  # another script item: its own file map
                out.to_shell, out.approx = [None] * len(out.text), [word.start] * len(out.text)
            return out

        return read

    def project_path(self, template: str, ref: "CommandRef") -> str | None:
        """A path ref writes, relative to the project directory (normalised); None when it is
        outside the project, holds a variable the job does not define, or follows a `cd`."""
        from ..jobfacts import facts, path_key

        env_raw = facts(self.job).env_raw if self.job is not None else {n: ds[-1].raw for n, ds in self.defs.items()}
        t = path_key(template)
        anchored = False
        for _ in range(4):
            m = re.match(r"\$([A-Za-z_][A-Za-z0-9_]*)", t)
            if not m:
                break
            name = m.group(1)
            if name in ("CI_PROJECT_DIR", "PWD"):
                t = "." + t[m.end() :]
                anchored = True
                break
            raw = env_raw.get(name)
            if raw is None or name == "HOME" and raw.startswith("~"):
                return None
            t = path_key(raw + t[m.end() :])
        if "$" in t or t.startswith(("/", "~")):
            return None
        moved = any(r.position < ref.position and r.cmd.basename in ("cd", "pushd", "popd") and r.unit.called_from is None for r in self.refs)
        if not anchored and moved:
            return None  # relative to a directory authlint does not follow
        from ..writes import normpath

        return normpath(t) or None

    def uploads(self, path: str) -> "list[Upload]":
        """How a project-relative file leaves the job: the artifacts:paths entry (or
        artifacts:untracked) that uploads it, dotenv reports, caches (see gitlab/uploads.py)."""
        if self.job is None:
            return []
        from ..gitlab.uploads import uploads
        from ..jobfacts import facts

        return uploads(self.job.job, facts(self.job).env, path)

    def login_files(self, ref: "CommandRef") -> list[str]:
        """The auth file a registry login writes (domain §2.4, §3.5), as path templates."""
        cmd = ref.cmd
        tool = tool_of(cmd)
        if tool is None or not is_login(cmd):
            return []
        args = [w.template for w in cmd.args]
        if tool == "docker":
            for i, a in enumerate(args):
                if a == "--config" and i + 1 < len(args) and "login" not in args[: i + 1]:
                    return [args[i + 1].rstrip("/") + "/config.json"]
                if a.startswith("--config="):
                    return [a.split("=", 1)[1].rstrip("/") + "/config.json"]
            if self.file_variable("DOCKER_CONFIG") is not None:
                return []  # DOCKER_CONFIG names a file: the login cannot save its config under it
            return ["$DOCKER_CONFIG/config.json" if "DOCKER_CONFIG" in self.defs else "$HOME/.docker/config.json"]
        if tool in ("podman", "buildah", "skopeo"):
            for i, a in enumerate(args):
                if a == "--authfile" and i + 1 < len(args):
                    return [args[i + 1]]
                if a.startswith("--authfile="):
                    return [a.split("=", 1)[1]]
            return ["$REGISTRY_AUTH_FILE"] if "REGISTRY_AUTH_FILE" in self.defs else []
        if tool == "helm" and subcommands(cmd)[:2] == ["registry", "login"]:
            for i, a in enumerate(args):
                if a == "--registry-config" and i + 1 < len(args):
                    return [args[i + 1]]
        return []

    def file_origins(self, template: str, before: "CommandRef") -> tuple[Origin, ...]:
        """Where the content of the file at template comes from, as written before ``before``:
        the origins of every variable the writing commands expand (echo/printf words, the
        pipeline feeding them, unquoted here-documents, a login's password)."""
        from ..jobfacts import path_key

        key = path_key(template)
        names: list[str] = []
        for r in self.refs:
            if r.cmd is before.cmd:
                break
            cmd = r.cmd
            targets = [w.path_template for w, how in _out_targets(cmd) if how != "other" or cmd.basename == "tee"]
            if key in {path_key(t) for t in targets}:
                names += _content_refs(cmd)
            if key in {path_key(t) for t in self.login_files(r)}:
                names += _content_refs(cmd)
        return tuple(dict.fromkeys(o for n in dict.fromkeys(names) for o in self.origins(n)))

    # -------------------------------------------------------------- lookups
    def is_cred(self, name: str | None) -> bool:
        return name is not None and self.may_be_cred(name) and name in self.creds

    def uses(self, word: "Word", include_masked: bool = False) -> list[CredUse]:
        """Credential expansions in a word whose value would be printed, in order.
        Masked predefined variables used as they are count only with include_masked."""
        if all(p.kind == LITERAL or p.kind == "variable" and p.simple and not self.may_be_cred(p.var or "") for p in word.parts):
            return []  # no expansion that can hold a credential: no analysis needed
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
        if self._re is None or self._re[0] != names:
            self._re = (names, re.compile(r"\$\{?(" + names + r")\b"))
        return self._re[1]

    def traced(self, ref: "CommandRef") -> bool:
        """Whether `set -x` is (or may be) on when ref runs, followed as the shell runs it (shell/trace.py)."""
        from .trace import OFF, trace_at

        return trace_at(self, ref.cmd)[0] != OFF

    def ref_unit(self, offset: int, script) -> "ShellUnit | None":
        """The unit of this flow whose item holds shell offset (joined scripts)."""
        starts = self._by_script.get(id(script))
        if starts is None:  # sorted (shift, unit) per script: a job can have thousands of items
            pairs = sorted(
                ((u.tmap.shift if isinstance(u.tmap, ShiftMap) else 0, n, u) for n, u in enumerate(self.units) if u.script is script),
                key=lambda t: (t[0], -t[1]),
            )
            starts = self._by_script[id(script)] = ([p[0] for p in pairs], [p[2] for p in pairs])
        shifts, units = starts
        k = bisect.bisect_right(shifts, offset) - 1
        return units[k] if k >= 0 else None


# ------------------------------------------------------------ classification
def _classify(d: Definition) -> Origin:
    """The origin of one definition; kind 'copy' (refs[0] the copied variable) to follow.
    Once per definition: origins() and the credential analysis ask of every one."""
    o = d.__dict__.get("_origin")
    if o is None:
        o = d.__dict__["_origin"] = _origin(d)
    return o  # type: ignore[no-any-return]


def _origin(d: Definition) -> Origin:
    if d.level == "read":
        return Origin(READ, d.name, level="script")
    if d.level == "for":
        return Origin(UNKNOWN, d.name, level="script")
    word = d.word
    if word is None:  # a YAML value: GitLab expands `$X` in it unless expand: false
        raw = d.raw
        if not d.expand or "$" not in raw:
            return Origin(LITERAL_ORIGIN, d.name, raw, d.level)
        return _template_origin(d.name, raw, d.level)
    if word.value is not None:
        return Origin(LITERAL_ORIGIN, d.name, word.value, d.level)
    expansions = [p for p in word.parts if p.kind != LITERAL]
    fixed = "".join(p.value or "" for p in word.parts if p.kind == LITERAL)
    if len(expansions) == 1 and not fixed:
        p = expansions[0]
        if p.kind == "arithmetic":
            return Origin(ARITHMETIC, d.name, level=d.level)
        if p.kind == "command_substitution":
            return _command_origin(d, p)
        if p.kind == "variable" and p.var is not None:
            if not _IDENT.fullmatch(p.var):
                return Origin(PARAMETER, d.name, level=d.level)
            return Origin("copy", d.name, refs=(p.var,))
    if any(p.kind == "command_substitution" for p in expansions):
        subs = [p for p in expansions if p.kind == "command_substitution"]
        inner = [_command_origin(d, p) for p in subs]
        refs = tuple(n for p in word.parts if p.kind == "variable" and p.var for n in [p.var])
        refs += tuple(r for o in inner if o.passes for r in o.refs)
        return Origin(COMPOSITE, d.name, word.template, d.level, refs, producer=any(o.producer for o in inner))
    return _template_origin(d.name, word.template, d.level)


@functools.lru_cache(maxsize=4096)  # the same CI/CD variables in every job (Origins are frozen)
def _template_origin(name: str, raw: str, level: str) -> Origin:
    refs = tuple(VAR_REF.findall(raw))
    if re.fullmatch(r'\s*"?\$\{?[A-Za-z_][A-Za-z0-9_]*\}?"?\s*', raw) and refs:
        return Origin("copy", name, refs=refs[:1])
    if not refs:
        return Origin(PARAMETER if "$" in raw else LITERAL_ORIGIN, name, None if "$" in raw else raw, level)
    return Origin(COMPOSITE, name, raw, level, refs)


def _command_origin(d: Definition, part: "Part") -> Origin:
    """`$(cmd ...)`: the output of the pipeline's last stage, which is the input when it passes data through."""
    inner = [c for c in d.commands or () if part.start <= c.start < part.end]
    if not inner:
        return Origin(UNKNOWN, d.name, level=d.level)
    depth = min(c.substitution_depth for c in inner)
    top = [c for c in inner if c.substitution_depth == depth]
    pipeline = top[-1].pipeline or [top[-1]]
    first, last = pipeline[0], pipeline[-1]
    name, args = unwrap(last)
    words = [w.value or "" for w in unwrap(first)[1]]
    producer = any(_runs(first, p) for p in _SECRET_PRODUCERS)
    if first.basename == "cat" and words or any(r.op == "<" for r in first.redirects) and first.name is None:
        paths = [w.template for w in first.args if not (w.value or "").startswith("-")]
        paths += [r.target.template for r in first.redirects if r.op == "<" and r.target is not None]
        if len(pipeline) == 1:
            return Origin(FILE, d.name, paths[0] if paths else None, d.level)
    passes = all(unwrap(c)[0] in PASS_THROUGH | _PRINTERS for c in pipeline)
    refs: tuple[str, ...] = ()
    if passes:
        refs = tuple(p.var for c in pipeline for w in unwrap(c)[1] for p in w.parts if p.var and _IDENT.fullmatch(p.var))
        refs += tuple(p.var for c in pipeline for r in c.redirects if r.target is not None and r.op == "<<<" for p in r.target.parts if p.var)
    return Origin(COMMAND, d.name, name, d.level, refs, producer=producer, passes=passes)


def secret_output(flow: Flow, cmd: "Command") -> str | None:
    """What secret a command prints, if any: a secret producer's output (`vault kv get`,
    `aws ecr get-login-password`) or values read out of an auth file (`jq -r '.auths[].auth'
    config.json`)."""
    if any(_runs(cmd, p) for p in _SECRET_PRODUCERS):
        return f"the output of `{unwrap(cmd)[0]}`"
    name, args = unwrap(cmd)
    if name not in ("jq", "yq", "cat", "base64", "head", "tail", "grep") or (name in ("jq", "yq") and safe_jq(args)):
        return None
    from ..jobfacts import is_docker_like_path, path_key

    operands = [w for w in args if not (w.value or "").startswith("-")]
    if name in ("jq", "yq"):
        operands = operands[1:]
    if any(is_docker_like_path(w.template) or path_key(w.template) in flow.auth_paths for w in operands):
        return "values of the registry auth file"
    return None


def substituted_secrets(flow: Flow, script, word: "Word") -> list[str]:
    """What the `$(...)` parts of a word hold when a secret flows out of them unfiltered:
    `"AUTH=$(jq -r '.auths[].auth' config.json)"`, `"T=$(vault kv get -field=token ...)"`."""
    out = []
    for part in word.parts:
        if part.kind != "command_substitution":
            continue
        # `<`: the command whose name is this `$(...)` starts where it does, and is not inside it
        inner = [c for c in getattr(script, "commands", []) if part.start < c.start < part.end]
        if not inner:
            continue
        depth = min(c.substitution_depth for c in inner)
        last = [c for c in inner if c.substitution_depth == depth][-1]
        pipeline = last.pipeline or [last]
        for i, stage in enumerate(pipeline):
            secret = secret_output(flow, stage)
            if secret is not None and all(_passes_values(s) for s in pipeline[i + 1 :]):
                out.append(secret)
                break
    return out


def _passes_values(cmd: "Command") -> bool:
    name, args = unwrap(cmd)
    return name in PASS_THROUGH and not consumes(name, args) and not (name in ("jq", "yq") and safe_jq(args))


_INPUT_REF = re.compile(r"\$\[\[\s*inputs\.([A-Za-z0-9_-]+)\s*(?:\|[^\]]*)?\]\]")


def input_defaults(ref: "CommandRef", word: "Word") -> list[tuple[str, str | None]]:
    """`$[[ inputs.NAME ]]` in a word (GitLab fills them in before the shell runs):
    (NAME, the `spec:inputs` default of the file that holds the word, or None)."""
    source = ref.unit.source
    if "$[[" not in source.text:
        return []  # (most files: no input at all, and the word's span is not needed)
    span = ref.span(word.start, word.end)
    names = _INPUT_REF.findall(source.text[span.start : span.end])
    if not names:
        return []
    spec = None
    pipeline = ref.job.pipeline if ref.job is not None else None
    for yf in pipeline.files.values() if pipeline is not None else []:
        if yf.source is source and len(yf.documents) > 1 and isinstance(yf.documents[0], YMap):
            spec = yf.documents[0].get("spec")
    inputs = spec.get("inputs") if isinstance(spec, YMap) else None
    out: list[tuple[str, str | None]] = []
    for name in names:
        entry = inputs.get(name) if isinstance(inputs, YMap) else None
        default = entry.get("default") if isinstance(entry, YMap) else None
        out.append((name, default.value if isinstance(default, YScalar) and not default.is_null else None))
    return out


_SED_S = lazy_compile(r"^s(.)(.*?)(?<!\\)\1(.*?)(?<!\\)\1[gIip0-9]*$", re.S)


def substituted(ref: "CommandRef", value: str) -> str | None:
    """The replacement (shell text) when a command after ref edits the file ref writes
    with `sed -i s/PAT/REPLACEMENT/` and PAT matches value: the text is a template the
    job fills in before any tool reads it; None otherwise."""
    from ..jobfacts import path_key

    flow = flow_of(ref)
    targets = {path_key(w.target.template) for w in auth_writes(ref)}
    if flow is None or not targets:
        return None
    after = False
    for r in flow.refs:
        if r.cmd is ref.cmd:
            after = True
            continue
        name, args = unwrap(r.cmd)
        if not after or name != "sed" or not any((w.value or "").startswith(("-i", "--in-place")) for w in args):
            continue
        words = [w for w in args if not (w.value or "").startswith("-")]
        scripts = [args[i + 1] for i, w in enumerate(args[:-1]) if w.value in ("-e", "--expression")] or words[:1]
        files = [w for w in words if w not in scripts]
        if not any(path_key(w.template) in targets for w in files):
            continue
        for s in scripts:
            m = _SED_S.match(s.template)
            if m is None:
                continue
            try:
                hit = re.search(m.group(2), value) is not None
            except re.error:
                hit = m.group(2) in value
            if hit:
                return m.group(3)
    return None


def stdin_word(ref: "CommandRef") -> "Word | None":
    """The word a command reads on stdin: a here-string, or what `echo`/`printf '%s'` pipes into it."""
    cmd = ref.cmd
    for r in cmd.redirects:
        if r.op == "<<<" and r.target is not None:
            return r.target
    if cmd.pipeline_index > 0:
        prev = cmd.pipeline[cmd.pipeline_index - 1]
        if prev.basename in _PRINTERS:
            words = [w for w in prev.args if not (w.value or "").startswith("-")]
            if prev.basename == "printf" and len(words) == 2 and (words[0].value or "") in ("%s", "%s\\n"):
                return words[1]
            if prev.basename == "echo" and len(words) == 1:
                return words[0]
    return None


def stdin_source(ref: "CommandRef") -> str | None:
    """What feeds a command's standard input, said in words (None: the job's, i.e. nothing):
    the previous pipeline stage, a here-string, a here-document or a file."""
    cmd = ref.cmd
    for r in reversed(cmd.redirects):
        if r.fd not in (None, 0):
            continue
        if r.op == "<<<":
            return "a here-string"
        if r.heredoc is not None:
            return "a here-document"
        if r.op in ("<", "<>", "<&") and r.target is not None:
            return f"the file {r.target.template}"
    if cmd.pipeline_index > 0:
        prev = cmd.pipeline[cmd.pipeline_index - 1]
        return f"a pipe from `{unwrap(prev)[0] or prev.raw.split()[0]}`"
    return None


def _runs(cmd: "Command", words: tuple[str, ...]) -> bool:
    name, args = unwrap(cmd)
    values = [w.value for w in args if not (w.value or "").startswith("-")]
    return name == words[0] and values[: len(words) - 1] == list(words[1:])


# ------------------------------------------------------------ written files
def write_group(ref: "CommandRef", flow: "Flow | None" = None) -> "tuple[list[Command], Output | None] | None":
    """ref's command as one of two or more commands sharing a `{ ...; } > f` / `( ... ) > f`
    redirect: the members, and what they write together as one text (None: unknown)."""
    if not ref.cmd.redirects:  # a group's shared redirect is one of its members' (most commands have none)
        return None
    members = group_members(ref.cmd, ref.unit.script)
    if len(members) < 2:
        return None
    flow = flow or flow_of(ref)
    cache = flow.__dict__.setdefault("_groups", {}) if flow is not None else {}
    key = id(members[0])
    if key not in cache:
        out = cache[key] = group_output(members, ref.unit.script, flow.file_reader() if flow is not None else None)
        if out is not None and flow is not None and len(flow.units) > 1:  # a group over several script items
            first = flow.ref_unit(members[0].start, ref.unit.script)
            for i, o in enumerate(out.to_shell):
                if o is not None and flow.ref_unit(o, ref.unit.script) is not first:
                    out.to_shell[i], out.approx[i] = None, members[0].start  # each item has its own file map
    return members, cache[key]


def _out_targets(cmd: "Command") -> list[tuple["Word", str]]:
    """(file word, how) of every file cmd writes: 'truncate' or 'append' by redirect, 'other' by tee / cp."""
    out = [(r.target, "append" if r.op in (">>", "&>>") else "truncate") for r in cmd.redirects
           if r.op in OUT_OPS and r.fd in (None, 1) and r.target is not None]
    if cmd.basename == "tee" or cmd.basename in ("cp", "install", "mv"):
        files = [w for w in cmd.args if not (w.value or "").startswith("-")]
        out += [(w, "other") for w in (files if cmd.basename == "tee" else files[-1:] if len(files) >= 2 else [])]
    return out


def _content_refs(cmd: "Command") -> list[str]:
    """Variables named in what a command (with the pipeline feeding it) writes or sends."""
    texts = [c.raw for c in cmd.pipeline or [cmd]]
    texts += [r.heredoc.body for c in cmd.pipeline or [cmd] for r in c.redirects if r.heredoc is not None and not r.heredoc.quoted]
    return [n for t in texts for n in VAR_REF.findall(t)]

# -------------------------------------------------------------------- sinks
def command_sinks(ref: "CommandRef") -> list[Sink]:
    """Where the expansions of one command's words go."""
    cmd = ref.cmd
    name, args = unwrap(cmd)
    out: list[Sink] = []
    printer = name in _PRINTERS
    to_stdin = None
    if printer:
        to_stdin = _stdout_sink(cmd)
    for i, w in enumerate(args):
        for p in w.parts:
            if p.var is None:
                continue
            if to_stdin is not None:
                out.append(Sink(to_stdin[0], ref, p, to_stdin[1], to_stdin[2], to_stdin[3]))
                continue
            flag = None
            t = w.template
            if t.startswith("-") and "=" in t:
                flag = t.split("=", 1)[0]
            elif i > 0 and (args[i - 1].value or "").startswith("-"):
                flag = args[i - 1].value
            out.append(Sink("arg", ref, p, name, flag))
    stdin_flag = "--password-stdin" if any(w.value in _STDIN_FLAGS for w in args) else None
    for r in cmd.redirects:
        parts = r.heredoc.parts if r.heredoc is not None else (r.target.parts if r.op == "<<<" and r.target is not None else [])
        for p in parts:
            if p.var is not None:
                out.append(Sink("stdin", ref, p, name, stdin_flag))
    return out


def _stdout_sink(cmd: "Command") -> tuple[str, str | None, str | None, str | None]:
    """(kind, tool, flag, path) of where a printer's output goes."""
    if cmd.substitution_depth > 0 and cmd.pipeline_index + 1 >= len(cmd.pipeline or [cmd]):
        return ("capture", None, None, None)
    where = stdout_to_log(cmd)
    if where is False:
        targets = [r.target.template for r in cmd.redirects if r.target is not None and r.op in OUT_OPS]
        return ("file", None, None, targets[-1] if targets else None)
    pipeline = cmd.pipeline or [cmd]
    if cmd.pipeline_index + 1 < len(pipeline):
        nxt = pipeline[cmd.pipeline_index + 1]
        tool, nargs = unwrap(nxt)
        flag = "--password-stdin" if any(w.value in _STDIN_FLAGS for w in nargs) else None
        return ("pipe", tool, flag, None)
    return ("log", None, None, None)


def xtrace_change(cmd: "Command") -> int | None:
    """+1 when `set` turns xtrace on, -1 when off, None when it does not touch it."""
    if cmd.basename != "set":
        return None
    change = None
    words = [w.value for w in cmd.args]
    i = 0
    while i < len(words):
        v = words[i]
        if v is None or v in ("--", "-"):
            break
        if v in ("-o", "+o"):
            if i + 1 < len(words) and words[i + 1] == "xtrace":
                change = 1 if v == "-o" else -1
            i += 2
            continue
        if re.fullmatch(r"[-+][a-zA-Z]+", v):
            letters = v[1:]
            if "x" in letters:
                change = 1 if v[0] == "-" else -1
            if letters.endswith("o") and i + 1 < len(words):
                if words[i + 1] == "xtrace":
                    change = 1 if v[0] == "-" else -1
                i += 2
                continue
            i += 1
            continue
        break  # positional parameters
    return change


# ---------------------------------------------------------------- the flows
def job_flows(unit: "JobUnit") -> list[Flow]:
    """The job's main shell (before_script + script) and its after_script shell."""
    cached = unit.__dict__.get("_flows")
    if cached is not None:
        return cached
    main = Flow(list(unit.commands), unit, units=[u for u in unit.units if u.section != "after_script"])
    after = Flow(list(unit.after), unit, units=[u for u in unit.units if u.section == "after_script"])
    for flow in (main, after):
        flow.define = _definitions
        flow.analyse = _analyse_job
    unit.__dict__["_flows"] = [main, after]
    return [main, after]


def _analyse_job(flow: Flow) -> None:
    assert flow.job is not None
    _job_credentials(*job_flows(flow.job))


def _job_credentials(main: Flow, after: Flow) -> None:
    credential = any(_handles_credentials(r) for r in [*main.refs, *after.refs])
    for flow in (main, after):
        flow._cred = _collect(flow)
        flow._cred.credential = credential
    # Credentials seen in one shell are credentials in the other too.
    for a, b in ((main, after), (after, main)):
        for k, v in a.creds.items():
            b.creds.setdefault(k, v)
        b.auth_paths.update(a.auth_paths)


def shell_flow(shell: "ShellUnit") -> Flow:
    """A shell file linted on its own."""
    cached = shell.__dict__.get("_flow")
    if cached is not None:
        return cached
    from ..units import CommandRef

    refs = [CommandRef(c, shell, None, i) for i, c in enumerate(shell.script.commands)]
    flow = Flow(refs, None, units=[shell], define=_definitions)
    flow.analyse = _file_credentials
    shell.__dict__["_flow"] = flow
    return flow


def _file_credentials(flow: Flow) -> None:
    flow._cred = _collect(flow)
    flow._cred.credential = any(credential_command(r) for r in flow.refs)


def file_flow(unit: "FileUnit") -> Flow | None:
    return shell_flow(unit.shell) if unit.shell is not None else None


def flow_of(ref: "CommandRef") -> Flow | None:
    """The flow a command runs in (None for PowerShell jobs)."""
    job = ref.job
    if job is None:
        return shell_flow(ref.unit)
    if job.shell != "sh":
        return None
    main, after = job_flows(job)
    # A job's command is at its position in commands or after (a ref a rule makes runs in main).
    late = job.after
    return after if ref.position < len(late) and late[ref.position] is ref else main


def credential_command(ref: "CommandRef") -> bool:
    """A command that logs in to a registry, writes an auth file, or pushes."""
    from ..jobfacts import is_docker_like_path

    cmd = ref.cmd
    if is_login(cmd) or pushes(cmd) or any(is_docker_like_path(w.target.template) for w in auth_writes(ref)):
        return True
    return tool_of(cmd) is not None and any((w.value or w.template) == "--push" or "push=true" in w.template for w in cmd.args)


def _handles_credentials(ref: "CommandRef") -> bool:
    """A registry login, an auth file write or a push (JobFacts.credential_job, per command)."""
    cmd = ref.cmd
    return is_login(cmd) or pushes(cmd) or bool(auth_writes(ref))


def _definitions(flow: Flow) -> dict[str, list[Definition]]:
    job = flow.job
    defs = {name: list(ds) for name, ds in _yaml_definitions(job).items()} if job is not None else {}
    scripts: dict[int, object] = {}
    for unit in [*flow.units, *(r.unit for r in flow.refs)]:
        scripts.setdefault(id(unit.script), unit.script)
    for script in scripts.values():
        for d in script.derived(_script_definitions) if script.assignments else ():  # type: ignore[attr-defined]
            defs.setdefault(d.name, []).append(d)
    for ref in flow.refs:
        name, args = unwrap(ref.cmd)
        if name == "read":
            for w in args:
                if w.value is not None and _IDENT.fullmatch(w.value):
                    defs.setdefault(w.value, []).append(Definition(w.value, None, "", "read"))
    return defs


def _script_definitions(script: "Script") -> tuple[Definition, ...]:
    """The definitions of a script's assignments, made once per Script: each keeps its
    classification (_classify), which the next job running the script then finds."""
    out = []
    for a in script.assignments:
        if a.value is not None:
            out.append(Definition(a.name, a.value, a.value.raw, "script", commands=script.commands))
        elif a.array is not None or a.kind == "plain":
            out.append(Definition(a.name, None, "", "for"))
    return tuple(out)


def _yaml_definitions(job: "JobUnit") -> dict[str, list[Definition]]:
    """The job's CI/CD variables (job, global, matrix, `rules:`): made once for both its shells."""
    cached = job.__dict__.get("_yaml_definitions")
    if cached is not None:
        return cached
    defs: dict[str, list[Definition]] = {}
    for name, var in job.job.variables.items():
        if var.value is not None:
            defs.setdefault(name, []).append(_yaml_definition(name, var.value.value, var.level, var.expand))
    for combo in job.job.matrix:
        for name, var in combo.items():
            if var.value is not None:
                defs.setdefault(name, []).append(_yaml_definition(name, var.value.value, "matrix", True))
    for name, scalar in _rules_variables(job):
        defs.setdefault(name, []).append(_yaml_definition(name, scalar.value, "rules", True))
    job.__dict__["_yaml_definitions"] = defs
    return defs


@functools.lru_cache(maxsize=4096)  # the same CI/CD variables in every job and project
def _yaml_definition(name: str, raw: str, level: str, expand: bool) -> Definition:
    """A CI/CD variable's definition, shared by value (with its classification: _classify)."""
    return Definition(name, None, raw, level, expand)


def _rules_variables(job: "JobUnit") -> list[tuple[str, "YScalar"]]:
    """`rules: - if: ... variables: {NAME: value}`: values the job has when that rule matches."""
    rules = job.job.config.get("rules")
    out = []
    for rule in rules.items if isinstance(rules, YSeq) else []:
        variables = rule.get("variables") if isinstance(rule, YMap) else None
        for name, _, value in entries(variables) if isinstance(variables, YMap) else []:
            if isinstance(value, YScalar) and not value.is_null:
                out.append((name, value))
    return out


@functools.lru_cache(maxsize=4096)  # the same names in every job
def _undefined(name: str) -> tuple[Origin, ...]:
    """The origin of a variable nothing in the repository defines."""
    if name in CREDENTIALS and name != "DOCKER_AUTH_CONFIG":
        return (Origin(PREDEFINED_CREDENTIAL, name),)
    if is_known_predefined(name):
        return (Origin(PREDEFINED, name),)
    if misspelt_predefined(name):
        return (Origin(UNDEFINED, name),)
    return (Origin(SETTINGS, name),)


def _holds_secret(o: Origin, name_says: bool) -> bool:
    """Whether an origin makes a variable a credential (before uses are seen)."""
    if o.kind == PREDEFINED_CREDENTIAL:
        return True
    if o.kind in (SETTINGS, PARAMETER, READ, FILE, UNKNOWN):
        return name_says or o.name in CREDENTIALS or secret_name(o.name)
    if o.kind == COMMAND:
        return o.producer
    return False  # literal (AL102/AL106's business), arithmetic, other commands' output, predefined


def _committed(origins: tuple[Origin, ...]) -> bool:
    """Only committed values or counts: not a credential (AL102/AL106 judge literals)."""
    return bool(origins) and all(o.kind in (LITERAL_ORIGIN, ARITHMETIC) for o in origins)


def _collect(flow: Flow) -> Credentials:
    """Credential variables (by origin, by use, by derivation) and auth files of a flow."""
    out = Credentials()
    creds: dict[str, bool] = {}

    def masked_origin(name: str) -> bool:
        return all(o.kind == PREDEFINED_CREDENTIAL and o.name in MASKED for o in flow.origins(name))

    def add(name: str | None, masked: bool | None = None) -> None:
        if not name or name in creds or not _IDENT.fullmatch(name):
            return  # positional parameters mean different things in each function
        if _committed(flow.origins(name)):
            return  # a committed value (test passwords): AL102/AL106's business; a counter
        creds[name] = masked_origin(name) if masked is None else masked

    # 1. by origin: every variable the flow mentions
    mentioned: set[str] = set(flow.defs)
    for defs in flow.defs.values():
        for d in defs:
            mentioned.update(VAR_REF.findall(d.raw))
    for ref in flow.refs:
        mentioned.update(VAR_REF.findall(ref.cmd.raw))
        for r in ref.cmd.redirects:
            if r.heredoc is not None and not r.heredoc.quoted:
                mentioned.update(VAR_REF.findall(r.heredoc.body))
    registry: set[str] = set()
    for name in mentioned:
        says = secret_name(name)
        origins = flow.origins(name)
        if any(_holds_secret(o, says) for o in origins):
            add(name)
            if name in CREDENTIALS or is_credential_name(name) or any(o.kind == PREDEFINED_CREDENTIAL for o in origins):
                registry.add(name)
    # 2. by use: login passwords, --password-stdin producers, auth JSON secret fields
    for name in flow.secret_uses():
        add(name)
        registry.add(name)
    # 3. derived: X=$(... $CRED | base64), X="$U:$CRED", job variables that copy one
    for _ in range(4):
        grew = False
        for name, defs in flow.defs.items():
            if name in creds:
                continue
            for d in defs:
                o = _classify(d)
                refs = [n for n in (o.refs if o.kind in ("copy", COMPOSITE) or o.passes else ()) if n in creds]
                if not refs:
                    continue
                plain = o.kind == "copy" or (o.kind == COMPOSITE and not any(p.kind == "command_substitution" for p in (d.word.parts if d.word else [])))
                add(name, plain and all(creds[n] for n in refs))
                out.sources.setdefault(name, out.sources.get(refs[0], refs[0]))
                if any(n in registry for n in refs):
                    registry.add(name)
                grew = True
                break
        if not grew:
            break
    for v in flow.path_like():  # File-type variables: printing them prints the path
        if v in creds:
            del creds[v]
            out.path_vars.add(v)
    for name in _file_secrets(flow.job):
        creds.pop(name, None)
        out.path_vars.add(name)
    out.creds = creds
    out.registry = registry & set(creds)
    out.auth_paths = _auth_paths(flow)
    return out


def _file_secrets(job: "JobUnit | None") -> list[str]:
    """`secrets:` entries (Vault, Azure Key Vault, GCP, AWS) are File-type variables unless
    `file: false`: the variable holds the path of a temporary file, not the secret."""
    secrets = job.job.config.get("secrets") if job is not None else None
    out = []
    for name, value in secrets.items() if isinstance(secrets, YMap) else []:
        file = value.get("file") if isinstance(value, YMap) else None
        if not (isinstance(file, YScalar) and file.value.strip().lower() == "false"):
            out.append(name)
    return out


def _used_as_secret(cmd: "Command") -> list[str]:
    """Variables a command uses as a secret: a secret flag's value, what it reads with
    --password-stdin, an `auth`/`password` field of auth JSON it prints, the password
    half of a `user:password` it encodes (of the command alone: do not mutate the list)."""
    out: list[str] = []
    for arg in secret_args(cmd):
        out += [p.var for p in arg.word.parts if p.var]
    if any(w.value in _STDIN_FLAGS for w in cmd.args):
        for r in cmd.redirects:
            if r.op == "<<<" and r.target is not None:
                out += [p.var for p in r.target.parts if p.var]
        if cmd.pipeline_index > 0:
            prev = cmd.pipeline[cmd.pipeline_index - 1]
            if prev.basename in _PRINTERS:
                out += [p.var for w in prev.args for p in w.parts if p.var]
    texts = [w.template for w in cmd.args] if cmd.basename in _PRINTERS else []
    texts += [r.heredoc.body for r in cmd.redirects if r.heredoc is not None and not r.heredoc.quoted]
    for t in texts:
        if "{" in t:
            for m in _JSON_SECRET_FIELD.finditer(t):
                out += VAR_REF.findall(m.group(1))
    # `printf '%s:%s' "$U" "$P" | base64`, `echo -n "$U:$P" | base64`
    if cmd.basename in _PRINTERS and cmd.pipeline_index + 1 < len(cmd.pipeline):
        nxt = cmd.pipeline[cmd.pipeline_index + 1]
        if nxt.basename in ("base64", "openssl"):
            words = [w for w in cmd.args if not (w.value or "").startswith("-")]
            if cmd.basename == "printf" and words and re.fullmatch(r"%s:%s(\\n)?", words[0].value or "") and len(words) >= 3:
                out += [p.var for p in words[2].parts if p.var]
            else:
                for w in words:
                    t = w.template
                    if ":" in t:
                        out += VAR_REF.findall(t[t.index(":") :])
    return out


_JSON_SECRET_FIELD = lazy_compile(r"[\"']?(?:auth|password|identitytoken|registrytoken)[\"']?\s*:\s*[\"']?([^\"',}]*)", re.I)


def _path_like(flow: Flow) -> set[str]:
    """File-type variables: `[ -f "$X" ]`, `cp "$X" ...` and never written out as
    content hold a path."""
    tested: set[str] = set()
    for ref in flow.refs:
        cmd = ref.cmd
        name = cmd.basename
        if name in ("[", "[[", "test"):
            args = cmd.args
            for i, w in enumerate(args[1:], 1):
                if args[i - 1].value in ("-e", "-f", "-r", "-s") and w.single_variable:
                    tested.add(w.single_variable)
        elif name in ("cp", "install", "source", ".") and cmd.args:
            ops = [w for w in cmd.args if not (w.value or "").startswith("-")]
            if ops and ops[0].single_variable:
                tested.add(ops[0].single_variable)
    if not tested:
        return tested  # most flows: what they print need not be read
    content: set[str] = set()
    for ref in flow.refs:
        cmd = ref.cmd
        if cmd.basename in _PRINTERS and (stdout_to_log(cmd) is False or cmd.pipeline_index + 1 < len(cmd.pipeline or [cmd])):
            for w in cmd.args:
                content.update(p.var for p in w.parts if p.var)
    copies = [(n, o.refs[0]) for n, defs in flow.defs.items() for d in defs for o in [_classify(d)] if o.kind == "copy"]
    for _ in range(3):
        for x, y in copies:
            if x in tested or y in tested:
                tested |= {x, y}
            if x in content or y in content:
                content |= {x, y}
    return tested - content


def _auth_paths(flow: Flow) -> set[str]:
    """Files the flow writes auth JSON to (by path or by content), as path keys."""
    from ..jobfacts import is_docker_like_path, path_key

    paths: set[str] = set()
    for ref in flow.refs:
        cmd = ref.cmd
        for r in cmd.redirects:
            if r.op in OUT_OPS and r.fd in (None, 1) and r.target is not None:
                t = r.target.template
                texts = [r2.heredoc.body for r2 in cmd.redirects if r2.heredoc is not None]
                producer = cmd.pipeline[0] if cmd.pipeline else cmd
                texts += [producer.raw, cmd.raw]
                group = write_group(ref, flow) if r.group else None
                texts += [group[1].text] if group is not None and group[1] is not None else []
                if is_docker_like_path(t) or any(produces_auth_json(c) for c in texts):
                    paths.add(path_key(t))
        if cmd.basename == "tee" and cmd.pipeline_index > 0:
            blob = " ".join(c.raw for c in cmd.pipeline[: cmd.pipeline_index])
            for w in cmd.args:
                if not (w.value or "").startswith("-") and (is_docker_like_path(w.template) or produces_auth_json(blob)):
                    paths.add(path_key(w.template))
    return paths


# ------------------------------------------------- output that lands in auth JSON
_DECLARATIONS = frozenset({"export", "local", "declare", "readonly", "typeset"})


def _contains(word: "Word", offset: int) -> bool:
    return word.start <= offset < word.end


def enclosing(ref: "CommandRef", offset: int | None = None) -> tuple[str, object, object] | None:
    """What holds the `$(...)` around ref's command: ('word', command, word),
    ('heredoc', command, heredoc) or ('assignment', assignment, None)."""
    cmd = ref.cmd
    if cmd.substitution_depth == 0:
        return None
    at = cmd.start if offset is None else offset
    best = None
    for other in ref.unit.script.commands:
        if other.substitution_depth != cmd.substitution_depth - 1 or not (other.start <= at):
            continue
        for w in other.argv:
            if _contains(w, at):
                best = ("word", other, w)
        for r in other.redirects:
            hd = r.heredoc
            if hd is not None and hd.body_start <= at < hd.body_end:
                best = ("heredoc", other, hd)
            elif r.target is not None and _contains(r.target, at):
                best = ("word", other, r.target)
        for a in other.env:
            if a.value is not None and _contains(a.value, at):
                best = ("assignment", a, None)
    if best is None or (best[0] == "word" and best[1].basename in _DECLARATIONS):
        for a in ref.unit.script.assignments:  # X=$(...), export X=$(...)
            if a.value is not None and _contains(a.value, at):
                best = ("assignment", a, None)
    return best


def _json_text(kind: str, holder, item) -> str | None:
    if kind == "word":
        if holder.basename not in ("echo", "printf"):
            return None
        return " ".join(w.template for w in holder.args)
    if kind == "heredoc":
        return item.body
    return None


def _scripts(ref: "CommandRef"):
    if ref.job is None:
        return [ref.unit]
    seen, out = set(), []
    for u in list(ref.job.units) + [r.unit for r in ref.job.commands]:
        if id(u.script) not in seen:
            seen.add(id(u.script))
            out.append(u)
    return out


def _uses(text: str, name: str) -> bool:
    return re.search(r"\$\{?" + re.escape(name) + r"(?![A-Za-z0-9_])", text) is not None


def variable_in_auth_json(ref: "CommandRef", name: str) -> bool:
    """Whether $name ends up in auth JSON somewhere in the job (or script)."""
    for unit in _scripts(ref):
        for cmd in unit.script.commands:
            if cmd.basename in ("echo", "printf"):
                text = " ".join(w.template for w in cmd.args)
                if _uses(text, name) and produces_auth_json(text):
                    return True
            for r in cmd.redirects:
                hd = r.heredoc
                if hd is not None and not hd.quoted and _uses(hd.body, name) and produces_auth_json(hd.body):
                    return True
        for a in unit.script.assignments:
            if a.value is None or a.name == name:
                continue
            t = a.value.template
            if _uses(t, name) and (produces_auth_json(t) or a.name == "DOCKER_AUTH_CONFIG"):
                return True
    return False


def output_in_auth_json(ref: "CommandRef") -> bool:
    """Whether the output of ref's pipeline lands in auth JSON."""
    holder = enclosing(ref)
    if holder is None:
        return False
    kind, obj, item = holder
    if kind == "assignment":
        if obj.name == "DOCKER_AUTH_CONFIG":
            return False  # the whole value is base64: not JSON text
        return variable_in_auth_json(ref, obj.name)
    text = _json_text(kind, obj, item)
    return text is not None and produces_auth_json(text)


# -------------------------------------------------------------- output flow
# What changes a value so that GitLab's masking no longer recognises it.
ENCODERS = frozenset({"base64", "basenc", "openssl", "xxd", "od", "hexdump", "rev", "gzip", "iconv"})
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
        name, args = unwrap(nxt)
        if name not in PASS_THROUGH or consumes(name, args):
            return False, encoded, stages
        if filter_ok is not None and filter_ok(name, args):
            return False, encoded, stages
        stages.append(name)
        if name in ENCODERS:
            encoded = True
        if stdout_to_log(nxt) is not True:
            return False, encoded, stages
    return True, encoded, stages


def consumes(name: str, args: list["Word"]) -> bool:
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
    return False


def dumps_variables(name: str, args: list["Word"]) -> bool:
    """`env`, `printenv`, `export -p`, `declare -p`, `set` without a command: prints every variable."""
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


_JQ_SAFE = lazy_compile(r"\bkeys(_unsorted)?\b|\blength\b|\bhas\(|\btype\b|\bempty\b")
_JQ_DELETES_SECRETS = lazy_compile(r"\s*del\(\s*\.auths\[\]\.(?:auth|password|identitytoken)(?:\s*,\s*\.auths\[\]\.(?:auth|password|identitytoken))*\s*\)\s*")


def safe_jq(args: list["Word"]) -> bool:
    """A jq/yq filter that prints no values (`.auths | keys`, `length`, `has(...)`,
    `del(.auths[].password)`... when nothing else in the entries is secret)."""
    for w in args:
        v = w.value
        if v is None:
            return False
        if v.startswith("-"):
            continue
        if _JQ_DELETES_SECRETS.fullmatch(v):
            return True
        return bool(_JQ_SAFE.search(v)) and "auth\"" not in v and ".auth " not in v
    return False
