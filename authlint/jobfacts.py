"""What a resolved job does with registry credentials (RULES.md "credential job").

``facts(unit)`` is computed once per JobUnit and shared by the AL2xx/AL4xx/AL5xx
rules: which registry tools the job runs, whether it pushes, where each tool
reads its auth file, which commands write or log in, which variables hold
credentials, and where `set -x` is on.

Paths are compared as *templates*: `~` is spelt `$HOME`, `${X}` is spelt `$X`,
and variables the job defines (or the job image is known to define, e.g.
`DOCKER_CONFIG=/kaniko/.docker` in Kaniko images) are expanded.  A path that
still holds an unknown variable is unknown (``None``), and rules stay silent.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from .authjson.looks import produces_auth_json
from .lazy import lazy_compile, on_first_call
from .shell.flow import Definition, job_flows
from .shell.model import VAR_REF, Word
from .tools import is_login, leading_words, pushes, tool_args, tool_of
from .writes import AuthWrite, auth_targets, auth_writes, directory, expand, normpath

if TYPE_CHECKING:
    from .gitlab import Image
    from .shell.model import Command
    from .units import CommandRef, JobUnit
    from .yaml.model import YScalar

# Images and the tool they provide (domain §3).
_KANIKO_IMAGE = re.compile(r"(^|/)(kaniko-project/executor|osscontainertools/kaniko|martizih/kaniko|kaniko-build/[\w.-]+|[\w.-]*kaniko[\w.-]*)(:|@|$)", re.I)
_KANIKO_FORK = lazy_compile(r"osscontainertools/kaniko|martizih/kaniko|kaniko-build|chainguard", re.I)
# Images whose entrypoint and tags authlint knows (a home-made image FROM kaniko may differ).
KANIKO_UPSTREAM = lazy_compile(r"^(?:gcr\.io/kaniko-project/executor)(?=[:@]|$)", re.I)
KANIKO_KNOWN = re.compile(
    r"^(?:gcr\.io/kaniko-project/executor|ghcr\.io/osscontainertools/kaniko|(?:docker\.io/|index\.docker\.io/)?martizih/kaniko"
    r"|cgr\.dev/chainguard/kaniko)(?=[:@]|$)",
    re.I,
)
# Forks with built-in credential providers that read DOCKER_AUTH_CONFIG and CI_JOB_TOKEN
# (osscontainertools docs/registries.md: `[default, env, google, ecr, acr, gitlab]` by default).
_KANIKO_PROVIDERS = lazy_compile(r"osscontainertools/kaniko|martizih/kaniko", re.I)
_BUILDKIT_IMAGE = lazy_compile(r"(^|/)moby/buildkit(:|@|$)", re.I)
_DOCKER_IMAGE = re.compile(r"(^|/)(library/)?docker(:|@|$)", re.I)
_CONTAINERS_IMAGE = lazy_compile(r"(^|/)(buildah|podman|skopeo)/(stable|upstream|testing|buildah|podman|skopeo)(:|@|$)|(^|/)(buildah|podman|skopeo)(:|@|$)", re.I)
_DEFAULT_HOME = "/root"

# Tool families: who reads which auth file (domain §2.4, §3.1, §3.5).
KANIKO, DOCKER, CONTAINERS = "kaniko", "docker", "containers"
_FAMILY = {
    "kaniko": KANIKO, "executor": KANIKO,
    "docker": DOCKER, "buildctl": DOCKER, "buildctl-daemonless.sh": DOCKER, "nerdctl": DOCKER,
    "crane": DOCKER, "oras": DOCKER, "regctl": DOCKER, "helm": DOCKER, "cosign": DOCKER,
    "buildah": CONTAINERS, "podman": CONTAINERS, "skopeo": CONTAINERS,
}

# Registries whose credentials come from cloud credential helpers or workload identity
# (ECR, GCR / Artifact Registry, ACR): Kaniko ships the helpers, CI images configure them.
CLOUD_REGISTRY = lazy_compile(r"\.dkr\.ecr\.[\w.-]+\.amazonaws\.com|(^|\.)gcr\.io$|-docker\.pkg\.dev$|\.azurecr\.io$|^public\.ecr\.aws$", re.I)
_LOCAL_HOST = lazy_compile(r"^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$", re.I)
# Commands that set up registry credentials in ways authlint cannot see the details of.
_HIDDEN_LOGIN = re.compile(r"get-login|configure-docker|docker-credential-|acr\s+login|credential[-_]helper|ecr-login", re.I)
_LOGIN_NAME = re.compile(r"login|auth|registry|credential|docker[-_]?config|creds", re.I)
_SHELL_NAMES = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh"})
_RUNNERS = frozenset({"source", ".", "eval", "make", "just", "task", "npm", "yarn", "pnpm", "npx", "python", "python3", "node", "ruby", "perl", "go", "gradle", "./gradlew", "mvn", "ansible-playbook", "earthly", "dagger", "werf"})


@dataclass(eq=False)
class ImageRef:
    """An image reference split the way registries read it (no network, no defaults)."""

    text: str
    host: str | None  # None: Docker Hub (no registry part)
    path: str
    tag: str | None
    digest: str | None

    @property
    def repository(self) -> str:
        return f"{self.host}/{self.path}" if self.host else self.path


def parse_image(text: str) -> ImageRef:
    ref = text.strip()
    digest = None
    if "@" in ref:
        ref, digest = ref.split("@", 1)
    tag = None
    last = ref.rsplit("/", 1)[-1]
    if ":" in last:
        ref, tag = ref.rsplit(":", 1)
    host = None
    first, _, rest = ref.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost" or first.startswith("$")):
        host, ref = first, rest
    return ImageRef(text, host, ref, tag, digest)


def is_kaniko_debug_tag(tag: str | None) -> bool:
    """Kaniko images with a shell: `debug`, `v1.23.2-debug`, `debug-v1.3.0`; Chainguard `-dev`."""
    return tag is not None and ("debug" in tag.lower() or tag.lower().endswith("-dev") or tag.lower() == "dev")


def docker_version(tag: str | None) -> tuple[int, int] | None:
    """The docker CLI version a `docker:` image tag selects, (99, 0) for floating tags
    (`latest`, `dind`, `cli`, `git`, ...), None when unknown (a variable or a digest only)."""
    if tag is None:
        return (99, 0)
    if "$" in tag:
        return None
    m = re.match(r"^(\d+)(?:\.(\d+))?", tag)
    if m:
        major = int(m.group(1))
        minor = int(m.group(2)) if m.group(2) is not None else 99  # `docker:28` floats to the newest 28.x
        return (major, minor)
    if tag.lower().startswith(("stable", "18.", "17.")):
        return (19, 3)  # `stable` froze at 19.03
    return (99, 0)


@lru_cache(maxsize=1024)  # asked for every job that runs docker; a fleet's jobs share a few images
def cli_version(image: str | None, expanded: str | None) -> tuple[int, int] | None:
    """Version of the docker CLI a job runs, from its image as written and expanded: from a
    `docker:` job image tag; (99, 0) when the job uses docker with another image (assumed
    current); None unknown."""
    if image and expanded is None:
        return None
    name = expanded or image
    ref = parse_image(name) if name else None
    if ref is not None and _DOCKER_IMAGE.search(ref.repository):
        if ref.tag is None and ref.digest is not None:
            return None
        return docker_version(ref.tag)
    return (99, 0)


@lru_cache(maxsize=4096)  # the same few paths in every job's writes, reads and mkdirs
def path_key(text: str) -> str:
    """A path template in one spelling: `~` -> `$HOME`, `${X}` -> `$X`, normalised."""
    t = text.strip()
    if t == "~" or t.startswith("~/"):
        t = "$HOME" + t[1:]
    t = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", r"$\1", t)
    return normpath(t) if t else t


@dataclass(eq=False)
class JobFacts:
    """What a job does with registry credentials: its tools, logins, pushes and auth file writes."""

    unit: "JobUnit"
    image: str | None = None  # the job image name, as written
    kaniko: bool = False
    kaniko_fork: bool = False
    tools: set[str] = field(default_factory=set)  # 'kaniko', 'docker', 'buildctl', 'buildah', 'podman', 'skopeo', ...
    pushes: list["CommandRef"] = field(default_factory=list)
    logins: list["CommandRef"] = field(default_factory=list)
    writes: list[AuthWrite] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)  # literal job variables + script exports seen (best effort)
    # --- added for AL201/AL203/AL204/AL210/AL213 (see the module doc) ---
    image_name: "YScalar | None" = None  # the scalar holding the job image name
    image_expanded: str | None = None  # image name with the job's variables expanded (None: unknown variable)
    env_raw: dict[str, str] = field(default_factory=dict)  # every variable the job sets, value as written
    families: set[str] = field(default_factory=set)  # KANIKO / DOCKER / CONTAINERS of the tools run
    mkdirs: list[tuple["CommandRef", "Word"]] = field(default_factory=list)  # mkdir / install -d directories
    opaque: list["CommandRef"] = field(default_factory=list)  # commands running code authlint could not read
    hidden_logins: list["CommandRef"] = field(default_factory=list)  # credential set-up authlint cannot inspect
    dead_logins: list["CommandRef"] = field(default_factory=list)  # a password piped to a login without --password-stdin
    unsets: list[tuple["CommandRef", str]] = field(default_factory=list)  # `unset X` / `export -n X`
    config_dirs: list["Word"] = field(default_factory=list)  # docker --config DIR
    authfiles: list["Word"] = field(default_factory=list)  # --authfile / --compat-auth-file values
    kaniko_dirs: list["Word"] = field(default_factory=list)  # executor --kaniko-dir DIR
    inline_creds: list["CommandRef"] = field(default_factory=list)  # push commands given --creds
    # DOCKER_CONFIG names a directory (docker reads $DOCKER_CONFIG/config.json); this is the
    # File-type variable whose path it holds instead (a file: no config.json can be under it)
    docker_config_file: str | None = None

    @property
    def credential_job(self) -> bool:
        return bool(self.logins or self.writes or (self.tools and self.pushes))

    # ------------------------------------------------------------------ images
    @property
    def image_ref(self) -> ImageRef | None:
        name = self.image_expanded or self.image
        return parse_image(name) if name else None

    @property
    def kaniko_image(self) -> bool:
        """The job image is a Kaniko image (upstream, fork, or one named after it)."""
        return bool(self.image and _KANIKO_IMAGE.search(self.image_expanded or self.image))

    @property
    def kaniko_providers(self) -> bool:
        """A fork whose built-in credential providers read DOCKER_AUTH_CONFIG and CI_JOB_TOKEN."""
        return bool(self.image and _KANIKO_PROVIDERS.search(self.image_expanded or self.image))

    @property
    def services(self) -> list["Image"]:
        return list(self.unit.job.services)

    def service_names(self) -> list[str]:
        out = []
        for svc in self.unit.job.services:
            if svc.name is not None:
                out.append(expand(svc.name.value, self.env) or svc.name.value)
        return out

    @property
    def dind(self) -> bool:
        return any(_DOCKER_IMAGE.search(n) and "dind" in n for n in self.service_names())

    def docker_cli_version(self) -> tuple[int, int] | None:
        return cli_version(self.image, self.image_expanded)

    def home(self) -> str | None:
        """$HOME in the job container: set by the job, else the image default when known."""
        if "HOME" in self.env:
            return self.env["HOME"]
        if "HOME" in self.env_raw:
            return None
        ref = self.image_ref
        if ref is None:
            return None
        repo = ref.repository.lower()
        if _BUILDKIT_IMAGE.search(repo):
            return "/home/user" if ref.tag and "rootless" in ref.tag else _DEFAULT_HOME
        if self.kaniko_image or _DOCKER_IMAGE.search(repo) or _CONTAINERS_IMAGE.search(repo):
            return _DEFAULT_HOME
        return None

    def _image_env(self) -> dict[str, str]:
        """Variables the job image is known to set."""
        out: dict[str, str] = {}
        home = self.home()
        if home is not None:
            out["HOME"] = home
        if self.kaniko or self.kaniko_image:
            out["DOCKER_CONFIG"] = "/kaniko/.docker"
        return out

    # ------------------------------------------------------------------ paths
    def resolve(self, template: str) -> str | None:
        """A path template with the job's (and image's) variables expanded; None if unknown."""
        memo = self.__dict__.get("_resolved")  # the rules ask the same few paths again
        if memo is None:
            memo = self.__dict__["_resolved"] = {}
        if template not in memo:
            t = template.strip()
            if t == "~" or t.startswith("~/"):
                t = "$HOME" + t[1:]
            value = expand(t, self._path_env())
            memo[template] = normpath(value) if value is not None else None
        return memo[template]  # type: ignore[no-any-return]

    def _path_env(self) -> dict[str, str]:
        """resolve()'s variables: the image's, the job's over them, less those the job sets to
        something authlint cannot read (once: the facts are complete when a rule asks)."""
        env = self.__dict__.get("_path_env_memo")
        if env is None:
            env = self.__dict__["_path_env_memo"] = {**self._image_env(), **self.env}
            for name in self.env_raw:
                if name not in self.env:
                    env.pop(name, None)
        return env  # type: ignore[no-any-return]

    def kaniko_config(self) -> str:
        """The one file Kaniko reads: ${DOCKER_CONFIG:-/kaniko/.docker}/config.json."""
        base = self.env.get("DOCKER_CONFIG") or "/kaniko/.docker"
        return normpath(base.rstrip("/") + "/config.json") if not base.endswith(".json") else base

    def docker_config(self) -> str:
        """docker/buildx/buildctl/crane/oras: ${DOCKER_CONFIG:-$HOME/.docker}/config.json."""
        base = self.env.get("DOCKER_CONFIG") or (self.env.get("HOME", _DEFAULT_HOME) + "/.docker")
        return normpath(base.rstrip("/") + "/config.json")

    def containers_configs(self) -> list[str]:
        """buildah/podman/skopeo, in lookup order (domain §3.5)."""
        out = []
        if "REGISTRY_AUTH_FILE" in self.env:
            out.append(self.env["REGISTRY_AUTH_FILE"])
        if "XDG_RUNTIME_DIR" in self.env:
            out.append(self.env["XDG_RUNTIME_DIR"].rstrip("/") + "/containers/auth.json")
        out.append(normpath(self.env.get("HOME", _DEFAULT_HOME) + "/.docker/config.json"))
        return [normpath(p) for p in out]

    def write_path(self, write: AuthWrite) -> str | None:
        """The written file's path with known variables expanded (None if unknown)."""
        return self.resolve(write.path)

    def read_templates(self, family: str) -> list[str] | None:
        """The files the family's tools read credentials from, as path templates
        (`$HOME/.docker/config.json`), `--config`/`--authfile`/`--kaniko-dir`
        values included (a list; None is kept for callers of older versions)."""
        out: list[str] = []
        env = self.env_raw
        if family == KANIKO:
            out += [w.template.rstrip("/") + "/.docker/config.json" for w in self.kaniko_dirs]
            if self.docker_config_file is not None or "DOCKER_CONFIG" in env and env["DOCKER_CONFIG"].rstrip("/").endswith(".json"):
                out.append("$DOCKER_CONFIG")  # Kaniko takes a DOCKER_CONFIG that names a file as the file (domain §3.1)
            else:
                out.append("$DOCKER_CONFIG/config.json")
            if "DOCKER_CONFIG" not in env and self.docker_config_file is None:
                out.append("/kaniko/.docker/config.json")
            # go-containerregistry falls back to these when no docker config exists
            if "REGISTRY_AUTH_FILE" in env:
                out.append("$REGISTRY_AUTH_FILE")
            if "XDG_RUNTIME_DIR" in env:
                out.append("$XDG_RUNTIME_DIR/containers/auth.json")
        elif family == DOCKER:
            out += [w.template.rstrip("/") + "/config.json" for w in self.config_dirs]
            if self.docker_config_file is not None:
                return out  # $DOCKER_CONFIG/config.json is under a file: docker reads no config
            out.append("$DOCKER_CONFIG/config.json" if "DOCKER_CONFIG" in env else "$HOME/.docker/config.json")
        elif family == CONTAINERS:
            out += [w.template for w in self.authfiles]
            if "REGISTRY_AUTH_FILE" in env:  # then buildah, podman and skopeo read only that file
                return out + ["$REGISTRY_AUTH_FILE"]
            if "XDG_RUNTIME_DIR" in env:
                out.append("$XDG_RUNTIME_DIR/containers/auth.json")
            out.append("$XDG_CONFIG_HOME/containers/auth.json" if "XDG_CONFIG_HOME" in env else "$HOME/.config/containers/auth.json")
            out += ["$HOME/.docker/config.json", "$HOME/.dockercfg"]
        return out

    def reads(self, family: str) -> list[str] | None:
        """read_templates resolved; None when one of them cannot be resolved."""
        templates = self.read_templates(family)
        if templates is None:
            return None
        out = [self.resolve(t) for t in templates]
        return None if any(p is None for p in out) else out  # type: ignore[return-value]

    def consumer_families(self) -> set[str]:
        """Tool families that use registry credentials in this job."""
        fams = set(self.families)
        if self.kaniko:
            fams.add(KANIKO)
        return fams

    def reads_written(self, write: AuthWrite, families: set[str] | None = None) -> bool | None:
        """Whether some tool of the job reads the file write writes; None when unknown."""
        fams = self.consumer_families() if families is None else families
        if not fams:
            return None
        template = write.path
        wkey = path_key(template)
        wres = self.resolve(template)
        unknown = False
        for fam in fams:
            templates = self.read_templates(fam)
            if templates is None:
                unknown = True
                continue
            if not templates:
                continue  # the family reads no file at all (docker with DOCKER_CONFIG naming a file)
            if wkey in {path_key(t) for t in templates}:
                return True
            resolved = [self.resolve(t) for t in templates]
            if wres is not None and wres in resolved:
                return True
            if fam == CONTAINERS and wres is not None and re.fullmatch(r"/run/user/[^/]+/containers/auth\.json", wres):
                return True
            if wres is None or any(r is None for r in resolved):
                unknown = True
        return None if unknown else False

    def unread_writes(self) -> list[AuthWrite]:
        """The job's registry auth writes when no tool of the job reads any of them
        (each path known): they are in the wrong place, and a fix moves them (asked by
        AL203 and AL204: computed once)."""
        cached = self.__dict__.get("_unread")
        if cached is None:
            cached = self.__dict__["_unread"] = self._unread_writes()
        return list(cached)

    def _unread_writes(self) -> list[AuthWrite]:
        fams = self.consumer_families()
        if not fams or self.opaque:
            return []
        writes = [w for w in self.writes if is_registry_write(w)]
        if not writes or any(self.reads_written(w, fams) is not False for w in writes):
            return []
        return writes

    def config_dir_exists(self, dirpath: str) -> bool:
        """Directories that exist in the job container without a mkdir."""
        d = path_key(dirpath)
        resolved = self.resolve(d)
        known = {".", "/", "/tmp", "$HOME", "$CI_PROJECT_DIR", "$CI_BUILDS_DIR", "$PWD", "$TMPDIR", "$RUNNER_TEMP_PROJECT_DIR"}
        if d in known:
            return True
        home = self.home()
        if resolved is not None and (resolved in (".", "/", "/tmp") or (home is not None and resolved == home)):
            return True
        if (self.kaniko or self.kaniko_image) and resolved == "/kaniko/.docker":
            return True  # the Kaniko image creates it (deploy/Dockerfile)
        return False

    def made_dir_before(self, dirpath: str, position: int) -> bool:
        """A `mkdir` (or `install -d`) of dirpath or a directory below it runs before position."""
        want = path_key(dirpath)
        want_resolved = self.resolve(want)
        for ref, word in self.mkdirs:
            if ref.position >= position:
                continue
            t = word.template
            m = re.fullmatch(r"\$\(\s*dirname\s+(.+?)\s*\)", t)
            if m:
                t = directory(m.group(1).strip("\"'"))
            got = path_key(t)
            if got == want or got.startswith(want + "/"):
                return True
            got_resolved = self.resolve(got)
            if want_resolved is not None and got_resolved is not None and (got_resolved == want_resolved or got_resolved.startswith(want_resolved + "/")):
                return True
        return False

    def is_shared_text(self, ref: "CommandRef") -> str | None:
        """Why an edit at ref would change other jobs too (None: it belongs to this job alone)."""
        return shared_reason(self.unit, ref)




def _own_before_script(unit: "JobUnit", ref: "CommandRef", lines: list[str]) -> list:
    """Edits adding `before_script:` to the job itself when the command is in a shared template.

    Only where that changes nothing else: the job has no before_script (a new one would
    replace an inherited one), the command is in `script`, and nothing the script runs
    before it sets a variable the new lines use or changes directory."""
    from .insert import insert_before_script
    from .yaml.model import YMap, YScalar

    job = unit.job
    if job.hidden or job.before_script or ref.unit.called_from is not None:
        return []
    if ref.unit.line is None or not any(line.scalar is ref.unit.line.scalar for line in job.script):
        return []
    used = {m.group(1) for line in lines for m in VAR_REF.finditer(line)}
    for earlier in unit.commands:
        if earlier is ref:
            break
        if earlier.cmd.basename in ("cd", "pushd", "export", "source", ".") or any(
            a.name in used for a in earlier.unit.script.assignments if a.start < earlier.cmd.end
        ):
            return []
    yf = unit.pipeline.files.get(job.path)
    root = yf.root if yf is not None else None
    own = root.get(job.name) if isinstance(root, YMap) else None
    if not isinstance(own, YMap) or own.source is not yf.source:
        return []
    if any(k.value == "before_script" for k, _ in own.entries if isinstance(k, YScalar)) or own.merges:
        return []  # an empty or merged-in before_script is still a key: a second one would duplicate it
    edits, _ = insert_before_script(yf.source, own, lines)
    return edits


def shared_reason(unit: "JobUnit", ref: "CommandRef") -> str | None:
    """Why editing the text of ref's command would change more than this job, or None."""
    shell = ref.unit
    if shell.called_from is not None:
        return f"the command is in {shell.source.path}, a script other jobs may run"
    line = shell.line
    if line is None:
        return "the command is not in this job's own script"
    scalar = line.scalar
    job_path = unit.job.path
    pipeline = unit.pipeline
    path = pipeline.path_of(scalar)
    if path is not None and path != job_path:
        return f"the command is in {path}, which other pipelines or jobs may include"
    users = [j.name for j in pipeline.jobs.values() if not j.hidden and j.name != unit.name and any(l.scalar is scalar for l in j.lines)]
    if users:
        return f"the command is in a template shared with job {users[0]!r}"
    return None


# Images whose `sh` is BusyBox ash (Alpine, BusyBox, docker:, Kaniko's debug images): its
# `echo` prints the text as it is.
_ASH_IMAGE = lazy_compile(r"(^|/)(alpine|busybox|docker|kaniko-project/executor|[\w.-]*kaniko[\w.-]*)(:|@|$)", re.I)


def echo_is_exact(ref: "CommandRef") -> bool:
    """`echo` (and `echo -n`) writes its text unchanged here, backslashes included: a bash
    script, or a job image whose sh is BusyBox ash (dash's echo rewrites them)."""
    text = ref.unit.script.text
    if text.startswith("#!") and "bash" in text.split("\n", 1)[0]:
        return True
    if ref.job is None or ref.unit.called_from is not None:
        return False
    image = job_image(ref.job) or _image_name(ref.job)
    return bool(image and _ASH_IMAGE.search(image))


def facts(unit: "JobUnit") -> JobFacts:
    cached = unit.__dict__.get("_facts")
    if cached is None:
        cached = unit.__dict__["_facts"] = _build(unit)
    return cached


class Activity:
    """What a job's commands do with registries, read without the job's variables: rules
    that care only about jobs that push, write auth files or run a client ask it before
    ``facts(unit)``, which also expands the job's environment (most jobs do none of it)."""

    __slots__ = ("tools", "writes", "logins", "_clients", "_pushes")

    def __init__(self, tools: frozenset[str], writes: bool, logins: bool, clients: tuple["Command", ...]) -> None:
        self.tools = tools  # tools.tool_of of each command (`executor`, where JobFacts.tools says `kaniko`)
        self.writes = writes  # an auth file write (JobFacts.writes is not empty)
        self.logins = logins  # a registry login that reads its password (JobFacts.logins is not empty)
        self._clients = clients  # the commands running a registry client
        self._pushes: bool | None = None

    @property
    def pushes(self) -> bool:
        """A command that pushes (JobFacts.pushes holds some of these): asked on first use, as
        AL201 asks only of jobs that neither log in nor write."""
        if self._pushes is None:
            self._pushes = any(pushes(c) for c in self._clients)
        return self._pushes


_QUIET = Activity(frozenset(), False, False, ())  # a job that runs no client and writes no auth file (most)


def activity(unit: "JobUnit") -> Activity:
    cached = unit.__dict__.get("_activity")
    if cached is None:
        tools: set[str] = set()
        clients: list["Command"] = []
        write = login = False
        for r in unit.commands:
            cmd = r.cmd
            tool, writes, logs_in = cmd.derived(_command_activity)
            if tool is not None:
                tools.add(tool)
                clients.append(cmd)
            write = write or writes
            login = login or logs_in
        quiet = not (clients or write or login)
        cached = unit.__dict__["_activity"] = _QUIET if quiet else Activity(frozenset(tools), write, login, tuple(clients))
    return cached


_INERT = (None, False, False)  # a command that runs no client, writes no auth file, logs in nowhere (most)


def _command_activity(cmd: "Command") -> tuple[str | None, bool, bool]:
    """What activity() reads of one command (once per command): the client it runs, whether it
    writes an auth file, whether it logs in reading its password."""
    tool = tool_of(cmd)
    writes = bool(auth_targets(cmd))
    login = (tool is not None or cmd.basename == "executor") and is_login(cmd) and _reads_password(cmd)
    return (tool, writes, login) if tool is not None or writes or login else _INERT


def writes_auth(unit: "JobUnit") -> bool:
    """The job writes an auth file (activity(unit).writes): the job test of the rules about
    those writes, which say nothing of a job that writes none."""
    return activity(unit).writes


def job_image(unit: "JobUnit") -> str | None:
    """JobFacts.image_expanded, without building the facts when the name holds no variable."""
    name = _image_name(unit)
    if name is None or "$" not in name and not name.startswith("~"):
        return name  # expand() leaves it as it is
    return facts(unit).image_expanded


def job_cli_version(unit: "JobUnit") -> tuple[int, int] | None:
    """JobFacts.docker_cli_version(), without building the facts when the image holds no variable."""
    return cli_version(_image_name(unit), job_image(unit))


def job_image_ref(unit: "JobUnit") -> ImageRef | None:
    """JobFacts.image_ref, without building the facts when the name holds no variable."""
    name = job_image(unit) or _image_name(unit)
    return parse_image(name) if name else None


def job_dind(unit: "JobUnit") -> bool:
    """JobFacts.dind, without building the facts when no service name holds a variable
    (expand() leaves such a name as it is)."""
    names = [svc.name.value for svc in unit.job.services if svc.name is not None]
    if any("$" in n or n.startswith("~") for n in names):
        return facts(unit).dind
    return any(_DOCKER_IMAGE.search(n) and "dind" in n for n in names)


def _image_name(unit: "JobUnit") -> str | None:
    """JobFacts.image: the job image name as written."""
    image = unit.job.image
    return image.name.value if image is not None and image.name is not None else None


def is_auth_content(write: AuthWrite) -> bool:
    """Whether what a write stores looks like registry credentials (not an app's config.json)."""
    texts: list[str] = []
    if write.producer is not None:
        texts.append(write.producer.raw)
        for r in write.producer.redirects:
            if r.heredoc is not None:
                texts.append(r.heredoc.body)
        for cmd in write.producer.pipeline:
            texts.append(cmd.raw)
    if write.via == "cp":
        texts.append(write.ref.cmd.raw)
    if write.redirect is not None and write.redirect.group:  # `{ ...; } > f`: the group's whole output
        from .shell.flow import write_group

        group = write_group(write.ref)
        texts += [group[1].text] if group is not None and group[1] is not None else []
    blob = "\n".join(texts)
    return produces_auth_json(blob)


def is_docker_like_path(template: str) -> bool:
    """A path that only registry clients read: `.docker/config.json`, `containers/auth.json`, ..."""
    t = path_key(template)
    name = t.rsplit("/", 1)[-1]
    if name in (".dockercfg", "config-gitlab.json") or name.endswith(".dockerconfigjson"):
        return True
    d = directory(t)
    return (name == "config.json" and (d.endswith(".docker") or d.startswith("/kaniko") or d in ("$DOCKER_CONFIG",))) or (
        name == "auth.json" and d.endswith(("containers", ".docker"))
    ) or t in ("$REGISTRY_AUTH_FILE",)


def is_registry_write(write: AuthWrite) -> bool:
    """An auth write of registry credentials (by its path or its content)."""
    return is_docker_like_path(write.target.template) or is_auth_content(write)


def _build(unit: "JobUnit") -> JobFacts:
    job = unit.job
    f = JobFacts(unit)
    if job.image is not None and job.image.name is not None:
        f.image = job.image.name.value
        f.image_name = job.image.name
    _environment(f, unit)
    spliced = {id(u.called_from) for u in _called_units(unit)}
    for ref in unit.commands:
        c = ref.cmd.derived(_command_facts)
        if c is _PLAIN:
            continue  # most commands
        for k, v in c.exports:
            f.env[k] = v
            f.env_raw[k] = v
        f.unsets += [(ref, name) for name in c.unsets]
        f.mkdirs += [(ref, w) for w in c.mkdirs]
        if c.opaque and id(ref) not in spliced:  # a called script spliced into the job is read
            f.opaque.append(ref)
        if c.hidden_login:
            f.hidden_logins.append(ref)
        tool = c.tool
        if tool is not None:
            f.kaniko = f.kaniko or tool == "kaniko"
            f.tools.add(tool)
            fam = _FAMILY.get(tool)
            if fam:
                f.families.add(fam)
            f.config_dirs += c.config_dirs
            f.authfiles += c.authfiles
            f.kaniko_dirs += c.kaniko_dirs
            if c.inline_creds:
                f.inline_creds.append(ref)
            if c.login is not None:
                (f.logins if c.login else f.dead_logins).append(ref)
            elif c.pushes:
                f.pushes.append(ref)
        if c.writes:
            f.writes.extend(auth_writes(ref))
    if f.kaniko:
        f.tools.add("kaniko")
        f.families.add(KANIKO)
    return f


@dataclass(frozen=True, slots=True)
class _CommandFacts:
    """What _build reads of one command alone: computed once per command (the parse memo
    shares a script's commands among the jobs and projects that run its text)."""

    tool: str | None = None  # tools.tool_of, as JobFacts.tools names it: `kaniko` for the executor
    login: bool | None = None  # a login: True when it reads its password, False when it cannot
    pushes: bool = False  # a push (asked of a client that does not log in)
    writes: bool = False  # writes an auth file (writes.auth_targets)
    exports: tuple[tuple[str, str], ...] = ()  # export/declare/local/readonly NAME=VALUE words
    unsets: tuple[str, ...] = ()  # `unset X` / `export -n X`
    mkdirs: tuple["Word", ...] = ()  # mkdir / install -d directories
    opaque: bool = False  # runs code authlint did not read (unless a script spliced into the job)
    hidden_login: bool = False  # credential set-up authlint cannot inspect
    config_dirs: tuple["Word", ...] = ()  # docker --config DIR
    authfiles: tuple["Word", ...] = ()  # --authfile / --compat-auth-file values
    kaniko_dirs: tuple["Word", ...] = ()  # executor --kaniko-dir DIR
    inline_creds: bool = False  # a client given --creds


_PLAIN = _CommandFacts()  # a command that does none of it (most)
# The commands whose words set or unset variables or make directories (see _command_facts).
_SETS_OR_MAKES = frozenset({"export", "declare", "local", "readonly", "unset", "mkdir", "install"})


def _command_facts(cmd: "Command") -> _CommandFacts:
    base = cmd.basename
    client = tool_of(cmd)
    tool = "kaniko" if client == "executor" or base == "executor" else client
    writes = bool(auth_targets(cmd))
    opaque = _opaque(cmd)
    hidden_login = bool(_HIDDEN_LOGIN.search(cmd.raw) or (cmd.name is not None and cmd.name.value is None and "login" in cmd.raw)) or bool(
        base and client is None and base not in _SHELL_NAMES and _LOGIN_NAME.search(base) and not base.startswith(("mkdir", "echo"))
    )  # a function or helper such as `registry_login` too
    if tool is None and not (writes or opaque or hidden_login) and base not in _SETS_OR_MAKES:
        return _PLAIN
    exports: list[tuple[str, str]] = []
    if base == "export" or base in ("declare", "local", "readonly"):
        for w in cmd.args:
            if w.value and "=" in w.value:
                k, v = w.value.split("=", 1)
                exports.append((k, v))
    unsets: list[str] = []
    if base == "unset" or (base == "export" and any(w.value == "-n" for w in cmd.args)):
        unsets = [w.value for w in cmd.args if w.value and not w.value.startswith("-")]
    mkdirs: list["Word"] = []
    if base == "mkdir" or (base == "install" and any(w.value == "--directory" or re.fullmatch(r"-[a-zA-Z]*d[a-zA-Z]*", w.value or "") for w in cmd.args)):
        skip = False
        for w in cmd.args:
            if skip:
                skip = False
                continue
            v = w.value
            if v is not None and v.startswith("-"):
                skip = v in ("-m", "--mode", "-o", "-g", "--owner", "--group", "--context", "-Z")
                continue
            mkdirs.append(w)
    flags: dict[str, list["Word"]] = {"--config": [], "--authfile": [], "--kaniko-dir": []}
    login = None
    pushed = inline_creds = False
    if tool is not None:
        _flags(cmd, tool, flags)
        inline_creds = any(w.template.startswith(("--creds", "--dest-creds")) for w in cmd.args)
        if is_login(cmd):
            login = _reads_password(cmd)
        else:
            pushed = pushes(cmd)
    return _CommandFacts(
        tool, login, pushed, writes, tuple(exports), tuple(unsets), tuple(mkdirs), opaque, hidden_login,
        tuple(flags["--config"]), tuple(flags["--authfile"]), tuple(flags["--kaniko-dir"]), inline_creds,
    )


def _environment(f: JobFacts, unit: "JobUnit") -> None:
    """env_raw / env from the flow model's definitions: YAML variables, then script
    assignments in order (the last one wins; order of execution is not modelled)."""
    flow = job_flows(unit)[0] if unit.shell == "sh" else None
    defs = flow.defs if flow is not None else {
        name: [_yaml_definition(var)] for name, var in unit.job.variables.items() if var.value is not None
    }
    if flow is not None:
        f.docker_config_file = flow.file_variable("DOCKER_CONFIG")
    yaml_defs = {n: d for n, ds in defs.items() for d in ds if d.word is None and d.level not in ("read", "for", "matrix")}
    for name, d in yaml_defs.items():
        f.env_raw[name] = d.raw
        values = {e.raw for e in defs[name] if e.word is None and e.level in ("job", "global", "rules", "trigger")}
        if ("$" not in d.raw or not d.expand) and len(values) == 1:
            f.env[name] = d.raw  # one value whichever `rules:` entry matches
    # Variables that refer to known ones: `DOCKER_CONFIG: $HOME/.docker` with HOME known.
    for _ in range(3):
        grew = False
        for name, raw in f.env_raw.items():
            if name not in f.env and "$" in raw:
                value = expand(raw, f.env)
                if value is not None:
                    f.env[name] = value
                    grew = True
        if not grew:
            break  # another round would see the same values
    if f.image is not None:
        f.image_expanded = expand(f.image, f.env)
    if f.image and _KANIKO_IMAGE.search(f.image_expanded or f.image):
        f.kaniko = True
        f.kaniko_fork = bool(_KANIKO_FORK.search(f.image_expanded or f.image))
    for name, ds in defs.items():  # plain `DOCKER_CONFIG=/x` statements (best effort, order ignored)
        for d in ds:
            if d.word is None:
                continue
            raw = d.word.template
            f.env_raw[name] = raw
            if d.word.value is not None:
                f.env[name] = d.word.value
            elif "$" in raw:
                value = expand(raw, f.env)
                if value is not None:
                    f.env[name] = value
                else:
                    f.env.pop(name, None)


def _yaml_definition(var):
    return Definition(var.name, None, var.value.value, var.level, var.expand)


def _reads_password(cmd) -> bool:
    """False for `echo "$T" | docker login -u U registry`: without --password-stdin (or -p)
    the CLI prompts on a terminal, and a job has none, so the login fails."""
    if tool_of(cmd) not in ("docker", "podman", "buildah", "skopeo", "nerdctl"):
        return True
    piped = cmd.pipeline_index > 0 or any(r.op in ("<<<", "<", "<<", "<<-") for r in cmd.redirects)
    if not piped:
        return True
    words = [w.template for w in cmd.args]
    return any(w in ("--password-stdin", "-p", "--password") or w.startswith(("--password=", "-p")) for w in words)


def _called_units(unit: "JobUnit"):
    seen = set()
    for ref in unit.commands:
        u = ref.unit
        if u.called_from is not None and id(u) not in seen:
            seen.add(id(u))
            yield u


# The engine's own notion of "a script the job calls", imported at the first call (the engine
# imports the rules, which import this) and then called straight (asked of most commands).
_called_script = on_first_call(__name__, "_called_script", "authlint.engine:_called_script")


def _opaque(cmd: "Command") -> bool:
    """A command that runs code authlint did not read (a script it could not open,
    `eval`, a build tool); a script it did read is spliced into the job (see _build)."""
    base = cmd.basename
    if cmd.name is None:
        return False
    if cmd.name.value is None:
        return True  # `$CMD args`, `$(aws ecr get-login)`
    if tool_of(cmd) is not None or base == "executor":
        return False
    if _called_script(cmd) is not None:
        return True  # a script the engine could not read (one it read is spliced)
    if base in _SHELL_NAMES:
        return any(w.value is None or not w.value.startswith("-") for w in cmd.args[:1]) and not any(w.value == "-c" for w in cmd.args)
    if base in ("source", "."):
        return True
    name = cmd.name.value
    if "/" in name or name.endswith(".sh"):
        return True
    return base in _RUNNERS


def _flags(cmd: "Command", tool: str, sinks: dict[str, list["Word"]]) -> None:
    """The values of --config (docker's only), --authfile and --compat-auth-file (both
    into sinks["--authfile"]) and --kaniko-dir, in order."""
    args = cmd.args
    for i, w in enumerate(args):
        t = w.template
        if not t.startswith("--"):
            continue  # every flag below is long
        nxt = args[i + 1] if i + 1 < len(args) else None
        for flag, sink in (("--config", "--config"), ("--authfile", "--authfile"), ("--compat-auth-file", "--authfile"), ("--kaniko-dir", "--kaniko-dir")):
            if flag == "--config" and tool != "docker":
                continue
            if t == flag and nxt is not None:
                sinks[sink].append(nxt)
            elif t.startswith(flag + "="):
                value = w.value[len(flag) + 1 :] if w.value is not None else None
                sinks[sink].append(Word(w.start, w.end, w.raw, w.parts, value, w.quoting, False))  # offsets approximate


def push_targets(cmd, tool: str) -> list[str]:
    """Image references a push command sends to (templates)."""
    words = [w.template for w in cmd.args]
    out: list[str] = []
    if tool == "kaniko":
        for i, w in enumerate(words):
            if w in ("--destination", "-d") and i + 1 < len(words):
                out.append(words[i + 1])
            elif w.startswith("--destination="):
                out.append(w.split("=", 1)[1])
            elif w.startswith("-d") and len(w) > 2 and not w.startswith("--"):
                out.append(w[2:].lstrip("="))
        return out
    args = tool_args(cmd)
    words = [w.template for w in args]
    subs = leading_words(args)
    if tool in ("docker", "podman", "buildah", "nerdctl") and subs[:1] == ["push"]:
        rest = [w for w in words[1:] if not w.startswith("-")]
        return rest[-1:] if tool == "buildah" and len(rest) > 1 else rest[:1]
    for i, w in enumerate(words):
        if w in ("-t", "--tag") and i + 1 < len(words):
            out.append(words[i + 1])
        elif w.startswith("--tag="):
            out.append(w.split("=", 1)[1])
        m = re.search(r"name=([^,\s]+)", w)
        if m and ("push=true" in w or "type=registry" in w):
            out.extend(n.strip("\"'") for n in m.group(1).split(";"))
    return out


def target_host(ref_text: str, env: dict[str, str]) -> str | None:
    """The registry host of an image reference ('docker.io' for Docker Hub); None if unknown."""
    text = ref_text.strip("\"'")
    if text.startswith("docker://"):
        text = text[len("docker://"):]
    expanded = expand(text, env)
    if expanded is None:
        head = text.split("/", 1)[0]
        if head in ("$CI_REGISTRY", "${CI_REGISTRY}") or text.startswith(("$CI_REGISTRY_IMAGE", "${CI_REGISTRY_IMAGE}")):
            return "$CI_REGISTRY"
        return None
    ref = parse_image(expanded)
    return ref.host.lower() if ref.host else "docker.io"


def needs_credentials(host: str | None) -> bool | None:
    """Whether pushing to host needs credentials the job must provide (None: unknown)."""
    if host is None:
        return None
    if _LOCAL_HOST.match(host):
        return False
    if CLOUD_REGISTRY.search(host.split(":")[0]):
        return None  # credential helpers / workload identity
    return True


# ---------------------------------------------------------------- insertion
def line_head(ref: "CommandRef") -> "CommandRef | None":
    """The first command on ref's script line (the place a new line can go before),
    or None when the line continues an earlier one (`\\`, `|`, `&&` at the end of
    the line above) or changes directory before ref."""
    from .units import CommandRef

    script = ref.unit.script
    text = script.text
    start = ref.cmd.start
    line_start = text.rfind("\n", 0, start) + 1
    above = text[:line_start].rstrip("\n").rstrip("\r")
    if line_start > 0 and above.rstrip(" \t").endswith(("\\", "|", "&&", "||")):
        return None
    before = text[line_start:start]
    if re.search(r"(^|[;&|(\s])(cd|pushd|popd)(\s|$)", before):
        return None
    head = ref.cmd
    for cmd in script.commands:
        if line_start <= cmd.start < head.start and cmd.substitution_depth == 0 and _COMPOUND_START.fullmatch(text[line_start : cmd.start] or " "):
            head = cmd
    prefix = text[line_start : head.start]
    if prefix.strip():
        if not _COMPOUND_START.fullmatch(prefix):
            return None
        # `if [ -f x ]; then cp ...; fi` on one line: new lines go before the `if`
        head = dataclasses.replace(head, start=line_start + len(prefix) - len(prefix.lstrip()))
    if head is ref.cmd:
        return ref
    return CommandRef(head, ref.unit, ref.job, ref.position)


_COMPOUND_START = lazy_compile(r"\s*(?:(?:if|while|until|!|\{|\()\s+)*")


def insert_lines_before(unit: "JobUnit", ref: "CommandRef", lines: list[str]) -> tuple[list, str | None]:
    """Edits that run shell `lines` just before ref, in this job's own script only."""
    from .insert import insert_before

    reason = shared_reason(unit, ref)
    if reason is not None:
        edits = _own_before_script(unit, ref, lines)
        return (edits, None) if edits else ([], reason)
    anchor = line_head(ref)
    if anchor is None:
        return [], "the command continues a line above or follows a `cd` on its line"
    return insert_before(anchor, lines)
