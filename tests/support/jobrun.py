"""Run a GitLab CI job's script the way a runner would, in `dash` or `busybox sh`, against the test registry.

What the runner does, and what this module does instead:

* **The script.** The runner runs the job's resolved `before_script` + `script` (after `include:`,
  `extends:`, `default:` and `!reference`) with errexit on and pipefail when the shell has it.
  `extract()` resolves the job with authlint's own pipeline model (`authlint.gitlab.load_pipeline`)
  and joins the lines with newlines; `run()` prepends the runner's preamble
  (`if set -o | grep pipefail ...; set -o errexit`) and `cd "$CI_PROJECT_DIR"`.
* **The image.** There is no container. Absolute paths that only exist in the job image,
  `/kaniko/...` (Kaniko's own directory) and `/root/...` (HOME of root images), are rewritten
  *textually* in the extracted script and in the job's variables to `<sandbox>/kaniko/...` and
  `<sandbox>/root/...` (`map_paths`). HOME is `<sandbox>/root`, so `~`, `$HOME` and `/root` agree as
  they do in an image that runs as root. For a Kaniko image the sandbox has `kaniko/.docker/` (empty,
  as in the image) and `kaniko/executor`. In `busybox` mode the common utilities (`base64`, `tr`,
  `mkdir`, `cp`, `sh`, ...) are busybox applets, as in an Alpine/busybox image; in `dash` mode they are
  the host's coreutils, as in a Debian image, and `sh` is dash.
* **Variables.** Predefined `CI_*` variables point at the test registry; the job's YAML `variables:`
  are expanded like GitLab does (`$X`/`${X}`, `$$` is a literal `$`) and exported; project-level
  CI/CD variables (`DOCKER_AUTH_CONFIG` and `extra`) override them, as in GitLab. `DOCKER_AUTH_CONFIG`
  is set as a **Variable** (the JSON in the environment) or as a **File**-type variable (the
  environment holds the path of `<builds>/project.tmp/DOCKER_AUTH_CONFIG`, which contains the JSON
  without a trailing newline, as GitLab Runner does).
* **The registry tools** are small fakes on PATH (Python scripts) that handle credentials the way
  the real tool does and then push FOR REAL with
  `skopeo copy --authfile F --dest-tls-verify=false oci:<layout>:latest docker://<dest>`:

  - `executor` (`/kaniko/executor`): reads `${DOCKER_CONFIG:-/kaniko/.docker}/config.json` (a missing
    file means anonymous), pushes every `--destination`;
  - `docker`: `login -u U -p P | --password-stdin [SERVER]` checks the credentials against the
    registry (as the daemon does) and stores `auth` = base64(user:password) in
    `${DOCKER_CONFIG:-$HOME/.docker}/config.json` (`--config DIR` honoured); `push REF` and
    `buildx build --push -t REF` push with that file; `build`/`tag`/... are no-ops. It models the
    docker CLI's *file* store only: the env-var store of docker CLI >= 28.3 (DOCKER_AUTH_CONFIG
    taking precedence, domain.md §2.5) is not modelled;
  - `buildah` / `podman`: `login` stores containers-auth.json in `--authfile`, `$REGISTRY_AUTH_FILE`
    or `$XDG_RUNTIME_DIR/containers/auth.json`; `push` reads the same chain plus
    `$HOME/.docker/config.json`;
  - `buildctl-daemonless.sh` / `buildctl` (BuildKit): `--output type=image,name=REF,push=true` reads
    `${DOCKER_CONFIG:-$HOME/.docker}/config.json`.

  docker, Kaniko and BuildKit read the file with docker/cli's rules (first JSON value only,
  `username`/`password` accepted when `auth` is empty, `auth` decoded with Go's base64, which skips
  `\\r`/`\\n`). skopeo (containers/image) is stricter (no trailing JSON value, no username/password).
  So the fake hands skopeo *the very file the tool read* when skopeo reads the same credentials from
  it, and otherwise a translated file holding exactly the credentials the real tool would use
  (recorded as `authfile: "translated"`).

Every fake appends one JSON record per push to `<sandbox>/jobrun.log.jsonl` (tool, ref, user,
sha256 of the password, authfile kind, skopeo exit code) — never the password itself. The registry's
bcrypt hashes compare only the first 72 bytes of a password, so tests use the recorded hash to check
long tokens exactly.

Safety: the fakes refuse any registry host other than the test registry (127.0.0.1), and every
subprocess (the shell, skopeo) has a timeout.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

SHELLS = ("dash", "busybox")
VAR_TYPES = ("variable", "file")
MAPPED_ROOTS = ("kaniko", "root")
COMMIT_SHA = "4f3c2b1a09e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4"
CONFIG_NAME = "jobrun.json"  # the fakes' settings, next to them in <sandbox>/bin
LOG_NAME = "jobrun.log.jsonl"
SKOPEO_TIMEOUT = 60.0
FAKES = ("docker", "executor", "buildah", "podman", "buildctl-daemonless.sh", "buildctl")
# Applets that stand in for an Alpine/busybox image's userland in busybox mode.
APPLETS = (
    "sh", "ash", "base64", "basename", "cat", "chmod", "cp", "cut", "dirname", "echo", "env", "false", "grep",
    "head", "id", "ls", "mkdir", "mktemp", "mv", "printf", "readlink", "rm", "sed", "awk", "sleep", "sort",
    "tail", "tee", "test", "[", "touch", "tr", "true", "wc", "xargs",
)
HUB = "https://index.docker.io/v1/"

# `/kaniko/...` or `/root/...` where a path starts: not after a word character, `.`, `/`, `-`, `$`, `}` or
# `~` (so `$CI_PROJECT_DIR/kaniko/x`, `${DIR}/root`, `./root/x`, `~/root` and `foo-root` stay as they are).
_ABSOLUTE = re.compile(r"(?<![\w./$}~-])/(kaniko|root)(?=/|$|[\s\"';:,)|&<>`])")


# ---------------------------------------------------------------------------------------------
# Extracting the job script


@dataclass(frozen=True)
class JobScript:
    job: str
    lines: tuple[str, ...]  # resolved before_script + script items, in run order
    variables: tuple[tuple[str, str, bool], ...]  # (name, YAML value, expand) — global, then the job's own
    image: str | None

    @property
    def text(self) -> str:
        """What the runner runs (before path mapping): the items joined with newlines."""
        return "\n".join(self.lines)

    @property
    def kaniko(self) -> bool:
        return self.image is not None and "kaniko" in self.image


class JobScriptError(RuntimeError):
    pass


def extract(project_dir: Path, job: str, root: str = ".gitlab-ci.yml") -> JobScript:
    """The job's resolved before_script + script, as the runner would run it (after_script is separate)."""
    from authlint.gitlab import load_pipeline
    from authlint.source import Source

    def read(rel: str) -> Source:
        return Source.from_bytes(rel, (project_dir / rel).read_bytes())

    pipeline = load_pipeline(root, read, str(project_dir))
    errors = [p for p in pipeline.problems if p.code == "AL001"]
    if errors:
        raise JobScriptError(f"{project_dir / root}: " + "; ".join(f"{p.path}: {p.message}" for p in errors))
    found = pipeline.jobs.get(job)
    if found is None or found.hidden:
        raise JobScriptError(f"no job {job!r} in {project_dir / root} (jobs: {sorted(pipeline.jobs)})")
    if found.incomplete:
        raise JobScriptError(f"job {job!r} could not be fully resolved offline")
    lines = tuple(line.scalar.value for line in (*found.before_script, *found.script))
    variables = tuple(
        (name, "" if var.value is None else var.value.value, var.expand) for name, var in found.variables.items()
    )
    image = found.image.name.value if found.image is not None and found.image.name is not None else None
    return JobScript(job, lines, variables, image)


def map_paths(text: str, sandbox: Path) -> str:
    """Rewrite the image-only absolute paths `/kaniko/...` and `/root/...` into `<sandbox>/...`."""
    return _ABSOLUTE.sub(lambda m: f"{sandbox}/{m.group(1)}", text)


def expand(value: str, env: Mapping[str, str]) -> str:
    """GitLab's expansion of a variable's value: `$X` and `${X}` from env (unknown: empty), `$$` is `$`."""
    def one(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        return env.get(m.group(1) or m.group(2), "")

    return re.sub(r"\$\$|\$\{(\w+)\}|\$(\w+)", one, value)


# ---------------------------------------------------------------------------------------------
# Running it


@dataclass(frozen=True)
class Target:
    """The registry the job's predefined variables point at."""

    host: str  # 127.0.0.1:PORT
    oci_layout: Path
    user: str  # CI_REGISTRY_USER
    password: str  # CI_REGISTRY_PASSWORD
    repo: str  # CI_REGISTRY_IMAGE is host/repo
    job_token: str = ""  # CI_JOB_TOKEN

    @property
    def image(self) -> str:
        return f"{self.host}/{self.repo}"


@dataclass
class JobRun:
    shell: str
    var_type: str
    returncode: int
    output: str  # stdout + stderr of the job
    script: str  # what ran (mapped), without the preamble
    sandbox: Path
    pushes: list[dict[str, object]] = field(default_factory=list)

    @property
    def home(self) -> Path:
        return self.sandbox / "root"

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def describe(self) -> str:
        pushes = "\n".join(json.dumps(p, sort_keys=True) for p in self.pushes) or "(no push attempted)"
        return (f"[{self.shell}/{self.var_type}] exit {self.returncode}\n--- script ---\n{self.script}\n"
                f"--- output ---\n{self.output}\n--- pushes ---\n{pushes}")


def shell_command(shell: str, script: Path) -> list[str]:
    if shell == "dash":
        return [_tool("dash"), str(script)]
    if shell == "busybox":
        return [_tool("busybox"), "sh", str(script)]
    raise ValueError(f"unknown shell {shell!r}; use one of {SHELLS}")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise FileNotFoundError(f"{name} not found (call support.components.require({name!r}) first)")
    return path


PREAMBLE = """\
# what GitLab Runner puts before a job script for sh-like shells
if set -o | grep pipefail > /dev/null; then set -o pipefail; fi
set -o errexit
cd "$CI_PROJECT_DIR"
"""


def run(
    job: JobScript,
    project_dir: Path,
    workdir: Path,
    *,
    shell: str,
    var_type: str,
    target: Target,
    docker_auth_config: str,
    extra: Mapping[str, str] | None = None,
    seed: Mapping[str, str] | None = None,
    timeout: float = 60,
) -> JobRun:
    """Run `job` from a copy of `project_dir` in a fresh sandbox under `workdir` (must not exist yet).

    extra: more project-level CI/CD variables (Variable type). seed: files that exist before the job
    (image paths such as `/root/.docker/config.json` are mapped like the script).
    """
    if var_type not in VAR_TYPES:
        raise ValueError(f"unknown variable type {var_type!r}; use one of {VAR_TYPES}")
    sandbox = workdir.resolve()
    sandbox.mkdir(parents=True)
    builds = sandbox / "builds"
    project = builds / "project"
    shutil.copytree(project_dir, project, ignore=shutil.ignore_patterns(".git", ".gitlab-ci-local"))
    home = sandbox / "root"
    (home).mkdir()
    (sandbox / "tmp").mkdir()
    (sandbox / "run").mkdir()
    bin_dir = sandbox / "bin"
    _install_fakes(bin_dir, sandbox, target, shell, timeout)
    if job.kaniko:
        (sandbox / "kaniko" / ".docker").mkdir(parents=True)
        shutil.copy2(bin_dir / "executor", sandbox / "kaniko" / "executor")
    for path, content in (seed or {}).items():
        dest = Path(map_paths(path, sandbox))
        if not dest.is_absolute():
            dest = project / dest
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(content)

    path_dirs = [str(bin_dir)]
    if shell == "busybox":
        path_dirs.append(str(bin_dir / "applets"))
    if job.kaniko:
        path_dirs.append(str(sandbox / "kaniko"))
    env: dict[str, str] = {
        "PATH": ":".join([*path_dirs, "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(home),
        "USER": "root",
        "LANG": "C.UTF-8",
        "TMPDIR": str(sandbox / "tmp"),
        "XDG_RUNTIME_DIR": str(sandbox / "run"),
        "CI": "true",
        "GITLAB_CI": "true",
        "CI_SERVER": "yes",
        "CI_JOB_NAME": job.job,
        "CI_BUILDS_DIR": str(builds),
        "CI_PROJECT_DIR": str(project),
        "CI_PROJECT_PATH": target.repo,
        "CI_REGISTRY": target.host,
        "CI_REGISTRY_USER": target.user,
        "CI_REGISTRY_PASSWORD": target.password,
        "CI_REGISTRY_IMAGE": target.image,
        "CI_JOB_TOKEN": target.job_token,
        "CI_COMMIT_SHA": COMMIT_SHA,
        "CI_COMMIT_SHORT_SHA": COMMIT_SHA[:8],
        "CI_COMMIT_REF_NAME": "main",
        "CI_COMMIT_REF_SLUG": "main",
        "CI_COMMIT_BRANCH": "main",
        "CI_DEFAULT_BRANCH": "main",
    }
    for name, value, do_expand in job.variables:  # YAML variables: global, then the job's own
        env[name] = map_paths(expand(value, env) if do_expand else value, sandbox)
    for name, value in (extra or {}).items():  # project CI/CD variables win over YAML ones
        env[name] = value
    if var_type == "file":
        tmp_dir = builds / "project.tmp"
        tmp_dir.mkdir(exist_ok=True)
        dac = tmp_dir / "DOCKER_AUTH_CONFIG"
        dac.write_text(docker_auth_config)
        env["DOCKER_AUTH_CONFIG"] = str(dac)
    else:
        env["DOCKER_AUTH_CONFIG"] = docker_auth_config

    mapped = map_paths(job.text, sandbox)
    script = sandbox / "job.sh"
    script.write_text(PREAMBLE + mapped + "\n")
    # Its own process group, so that a timeout also ends the fakes and skopeo it started.
    proc = subprocess.Popen(shell_command(shell, script), cwd=project, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        code, output = proc.returncode, out + err
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the group we created for this job only
        out, err = proc.communicate()
        code, output = -1, f"{out}{err}\njobrun: timed out after {timeout} s"
    return JobRun(shell, var_type, code, output, mapped, sandbox, _read_log(sandbox / LOG_NAME))


def _install_fakes(bin_dir: Path, sandbox: Path, target: Target, shell: str, timeout: float) -> None:
    bin_dir.mkdir()
    settings = {"host": target.host, "oci_layout": str(target.oci_layout), "sandbox": str(sandbox),
                "log": str(sandbox / LOG_NAME), "skopeo": _tool("skopeo"), "timeout": min(timeout, SKOPEO_TIMEOUT)}
    (bin_dir / CONFIG_NAME).write_text(json.dumps(settings))
    here = Path(__file__).resolve().parent.parent  # tests/, so that `support.jobrun` imports
    for tool in FAKES:
        fake = bin_dir / tool
        fake.write_text(f"#!{sys.executable} -I\n"
                        f"import sys; sys.path.insert(0, {str(here)!r})\n"
                        f"from support.jobrun import fake_main\n"
                        f"sys.exit(fake_main({tool!r}, sys.argv[1:], {str(bin_dir / CONFIG_NAME)!r}))\n")
        fake.chmod(0o755)
    if shell == "busybox":
        applets = bin_dir / "applets"
        applets.mkdir()
        busybox = _tool("busybox")
        for applet in APPLETS:
            (applets / applet).symlink_to(busybox)
    else:
        (bin_dir / "sh").symlink_to(_tool("dash"))


def _read_log(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def password_digest(password: str) -> str:
    return hashlib.sha256(password.encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Registry users (the session registry's htpasswd is reloaded live)


def ensure_user(htpasswd: Path, host: str, user: str, password: str, timeout: float = 10) -> None:
    """Add `user` to the registry's htpasswd file and wait until the registry accepts the login.

    htpasswd refuses passwords longer than 256 characters and bcrypt uses only the first 72 bytes,
    so for a longer token the first 200 characters are hashed; the registry then accepts the full
    token (it compares 72 bytes). Tests check the full token through the fakes' password digest.
    """
    subprocess.run(["htpasswd", "-Bb", str(htpasswd), user, password[:200]], check=True, capture_output=True,
                   timeout=timeout, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    while not _login_ok(host, user, password):
        if time.monotonic() > deadline:
            raise TimeoutError(f"registry {host} did not accept the new user {user!r}")
        time.sleep(0.05)


def _login_ok(host: str, user: str, password: str) -> bool:
    """GET /v2/ with basic auth, as `docker login` makes the daemon do. Only 127.0.0.1 is contacted."""
    import urllib.error
    import urllib.request

    if not host.startswith("127.0.0.1:"):
        raise RuntimeError(f"jobrun: refusing to contact {host!r}: only the 127.0.0.1 test registry")
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    req = urllib.request.Request(f"http://{host}/v2/", headers={"Authorization": f"Basic {auth}"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=10) as resp:
            return resp.status == 200
    except urllib.error.HTTPError:
        return False


# ---------------------------------------------------------------------------------------------
# The fake registry tools (run as `fake_main(tool, argv, settings)` from the scripts in <sandbox>/bin)


class ToolError(Exception):
    """A failure the real tool would report; the message goes to stderr and the tool exits 1."""


def convert_to_hostname(key: str) -> str:
    """docker/cli credentials.ConvertToHostname: drop an http(s):// scheme, cut at the first '/'."""
    stripped = key
    for scheme in ("http://", "https://"):
        if stripped.lower().startswith(scheme):
            stripped = stripped[len(scheme):]
            break
    return stripped.split("/", 1)[0]


def _decode_auth(auth: str) -> tuple[str, str]:
    """docker/cli decodeAuth: Go's StdEncoding (skips \\r and \\n, needs padding), split at the first ':'."""
    try:
        raw = base64.b64decode(auth.replace("\r", "").replace("\n", ""), validate=True)
    except ValueError as exc:
        raise ToolError(f"illegal base64 data: {exc}") from None
    text = raw.decode("utf-8", "surrogateescape")
    user, sep, password = text.partition(":")
    if not sep or not user:
        raise ToolError("invalid auth configuration file")
    return user, password.strip("\x00")


def docker_credentials(path: Path) -> dict[str, tuple[str, str]]:
    """Credentials by registry host as docker/cli's ConfigFile (also Kaniko, BuildKit) reads `path`.

    A missing or empty file has none. Only the first JSON value is read (configfile.LoadFromReader
    uses one json.Decoder.Decode); a non-empty `auth` wins over `username`/`password`.
    """
    if not path.is_file():
        return {}
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    if not text.strip():
        return {}
    try:
        start = len(text) - len(text.lstrip(" \t\r\n"))
        doc, _ = json.JSONDecoder().raw_decode(text, start)
    except json.JSONDecodeError as exc:
        raise ToolError(f"parsing config file ({path}): {exc}") from None
    return _entries(doc, path, docker_rules=True)


def containers_credentials(path: Path) -> dict[str, tuple[str, str]]:
    """Credentials by host as containers/image (skopeo, buildah, podman) reads an auth file: strict JSON,
    `auth` (base64 user:password) only."""
    if not path.is_file():
        return {}
    try:
        doc = json.loads(path.read_bytes().decode("utf-8", "surrogateescape"))
    except json.JSONDecodeError as exc:
        raise ToolError(f"reading JSON file {path!r}: unmarshaling JSON at {path!r}: {exc}") from None
    return _entries(doc, path, docker_rules=False)


def _entries(doc: object, path: Path, *, docker_rules: bool) -> dict[str, tuple[str, str]]:
    if not isinstance(doc, dict):
        raise ToolError(f"parsing config file ({path}): json: cannot unmarshal into Go value of type configfile")
    auths = doc.get("auths") or {}
    if not isinstance(auths, dict):
        raise ToolError(f"parsing config file ({path}): json: cannot unmarshal auths")
    out: dict[str, tuple[str, str]] = {}
    for key, entry in auths.items():
        if not isinstance(entry, dict):
            raise ToolError(f"parsing config file ({path}): json: cannot unmarshal auth entry for {key}")
        auth = entry.get("auth") or ""
        if not isinstance(auth, str):
            raise ToolError(f"parsing config file ({path}): json: cannot unmarshal auth for {key}")
        if auth:
            creds = _decode_auth(auth)
        elif docker_rules and (entry.get("username") or entry.get("password")):
            creds = (str(entry.get("username") or ""), str(entry.get("password") or ""))
        else:
            continue
        out.setdefault(convert_to_hostname(key), creds)
    return out


@dataclass
class _Fake:
    tool: str
    settings: dict[str, object]
    stdin_text: str | None = None

    @property
    def host(self) -> str:
        return str(self.settings["host"])

    @property
    def sandbox(self) -> Path:
        return Path(str(self.settings["sandbox"]))

    def check_host(self, registry: str) -> None:
        if registry != self.host:
            raise ToolError(f"jobrun fake {self.tool}: refusing to contact {registry!r}: "
                            f"only the test registry {self.host} may be used")

    def verify_login(self, registry: str, user: str, password: str) -> None:
        self.check_host(registry)
        if not _login_ok(registry, user, password):
            raise ToolError(f"Error response from daemon: Get \"http://{registry}/v2/\": unauthorized: "
                            f"incorrect username or password")

    def push(self, ref: str, creds_file: Path | None, read: str) -> None:
        """Push the test image to `ref` with the credentials the tool read from `creds_file`.

        read: "docker" or "containers" — whose rules the real tool applies to the file.
        """
        ref = ref.removeprefix("docker://")
        registry = ref.split("/", 1)[0]
        self.check_host(registry)
        found = {}
        if creds_file is not None:
            found = (docker_credentials if read == "docker" else containers_credentials)(creds_file)
        creds = found.get(registry)
        kind = "anonymous"
        authfile = self.sandbox / "tmp" / f"jobrun-{os.getpid()}-authfile.json"
        if creds is not None:
            same = False
            try:
                same = containers_credentials(creds_file).get(registry) == creds  # type: ignore[arg-type]
            except ToolError:
                pass
            if same:
                authfile, kind = creds_file, "original"  # type: ignore[assignment]
            else:
                kind = "translated"
                auth = base64.b64encode(f"{creds[0]}:{creds[1]}".encode("utf-8", "surrogateescape")).decode()
                _write_private(authfile, json.dumps({"auths": {registry: {"auth": auth}}}))
        else:
            _write_private(authfile, '{"auths":{}}')
        cmd = [str(self.settings["skopeo"]), "copy", "--quiet", "--authfile", str(authfile), "--dest-tls-verify=false",
               f"oci:{self.settings['oci_layout']}:latest", f"docker://{ref}"]
        # skopeo 1.9 still falls back to $HOME/.docker/config.json (and the XDG auth files) when the
        # --authfile has no entry for the registry: give it an empty HOME so only `authfile` counts.
        empty = self.sandbox / "tmp" / "skopeo-home"
        empty.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items()
               if k not in ("DOCKER_CONFIG", "REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME")}
        env.update(HOME=str(empty), XDG_RUNTIME_DIR=str(empty), XDG_CONFIG_HOME=str(empty))
        try:
            timeout = float(self.settings["timeout"])  # type: ignore[arg-type]
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                                  env=env)
            code, err = proc.returncode, proc.stderr
        except subprocess.TimeoutExpired:
            code, err = -1, "skopeo timed out"
        record = {"tool": self.tool, "ref": ref, "config": str(creds_file) if creds_file else None, "authfile": kind,
                  "user": creds[0] if creds else None,
                  "password_sha256": password_digest(creds[1]) if creds else None, "returncode": code}
        with open(str(self.settings["log"]), "a") as log:
            log.write(json.dumps(record) + "\n")
        if code != 0:
            raise ToolError(f"{self.tool}: pushing {ref} failed: {err.strip()}")
        print(f"{self.tool}: pushed {ref}", file=sys.stderr)

    def stdin(self) -> str:
        if self.stdin_text is None:
            self.stdin_text = sys.stdin.read()
        return self.stdin_text


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)


def _take(args: list[str], i: int, flag: str) -> tuple[str, int]:
    """The value of option args[i] (`--opt v`, `--opt=v`, `-ov`); returns (value, next index)."""
    arg = args[i]
    if arg.startswith("--") and "=" in arg:
        return arg.split("=", 1)[1], i + 1
    if not arg.startswith("--") and len(arg) > 2:  # -uNAME
        return arg[2:], i + 1
    if i + 1 >= len(args):
        raise ToolError(f"flag needs an argument: {flag}")
    return args[i + 1], i + 2


def _opt(arg: str, *names: str) -> bool:
    return any(arg == n or (n.startswith("--") and arg.startswith(n + "=")) or
               (not n.startswith("--") and arg.startswith(n) and len(arg) > len(n)) for n in names)


def _parse_login(args: list[str], value_flags: tuple[str, ...] = ()) -> dict[str, object]:
    """`login` flags shared by docker, buildah and podman (pflag syntax)."""
    out: dict[str, object] = {"username": None, "password": None, "stdin": False, "authfile": None, "positional": []}
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            out["positional"] += args[i + 1:]  # type: ignore[operator]
            break
        if _opt(a, "-u", "--username"):
            out["username"], i = _take(args, i, "--username")
        elif _opt(a, "-p", "--password"):
            out["password"], i = _take(args, i, "--password")
        elif a == "--password-stdin":
            out["stdin"], i = True, i + 1
        elif _opt(a, "--authfile"):
            out["authfile"], i = _take(args, i, "--authfile")
        elif any(_opt(a, f) for f in value_flags):
            _, i = _take(args, i, a)
        elif a.startswith("-"):
            i += 1  # boolean flags such as --tls-verify=false, -v
        else:
            out["positional"].append(a)  # type: ignore[union-attr]
            i += 1
    return out


def _login_password(fake: _Fake, opts: dict[str, object]) -> str:
    if opts["stdin"]:
        if opts["password"]:
            raise ToolError("conflicting options: cannot specify both --password and --password-stdin")
        if not opts["username"]:
            raise ToolError("Must provide --username with --password-stdin")
        secret = fake.stdin()
        secret = secret.removesuffix("\n").removesuffix("\r")  # docker/cli readSecretFromStdin
        return secret
    password = opts["password"]
    if not opts["username"] or not password:
        raise ToolError("Error: Cannot perform an interactive login from a non TTY device")
    return str(password)


def _store_login(path: Path, registry: str, user: str, password: str, indent: str = "\t") -> None:
    """Merge `auth` for `registry` into the JSON auth file at `path` (created with its directory)."""
    doc: dict[str, object] = {}
    if path.is_file():
        try:
            loaded = json.JSONDecoder().raw_decode(path.read_text().lstrip())[0]
            if isinstance(loaded, dict):
                doc = loaded
        except (json.JSONDecodeError, ValueError):
            print(f"WARNING: Error parsing config file ({path})", file=sys.stderr)
    auths = doc.setdefault("auths", {})
    if not isinstance(auths, dict):
        auths = doc["auths"] = {}
    auths[registry] = {"auth": base64.b64encode(f"{user}:{password}".encode("utf-8", "surrogateescape")).decode()}
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_private(path, json.dumps(doc, indent=indent))


# docker ---------------------------------------------------------------------------------------

_DOCKER_GLOBAL_VALUE = ("--config", "-H", "--host", "-c", "--context", "-l", "--log-level", "--tlscacert",
                        "--tlscert", "--tlskey")


def _docker(fake: _Fake, args: list[str]) -> int:
    config_dir = os.environ.get("DOCKER_CONFIG") or os.path.join(os.environ.get("HOME", "/root"), ".docker")
    i = 0
    while i < len(args) and args[i].startswith("-"):
        a = args[i]
        if _opt(a, "--config"):
            config_dir, i = _take(args, i, "--config")
        elif any(_opt(a, f) for f in _DOCKER_GLOBAL_VALUE):
            _, i = _take(args, i, a)
        else:
            i += 1
    if i >= len(args):
        return 0
    command, rest = args[i], args[i + 1:]
    if command in ("image", "buildx") and rest:  # docker image push / docker buildx build
        command, rest = f"{command} {rest[0]}", rest[1:]
    config = Path(config_dir) / "config.json"
    if command == "login":
        opts = _parse_login(rest)
        positional: list[str] = opts["positional"]  # type: ignore[assignment]
        if len(positional) > 1:
            raise ToolError(f'"docker login" requires at most 1 argument.\nSee \'docker login --help\'.\n'
                            f"Usage:  docker login [OPTIONS] [SERVER] (got {len(positional)} arguments)")
        server = convert_to_hostname(positional[0]) if positional else HUB
        password = _login_password(fake, opts)
        fake.verify_login(server, str(opts["username"]), password)
        _store_login(config, server, str(opts["username"]), password)
        print("Login Succeeded")
        return 0
    if command in ("push", "image push"):
        refs = [a for a in rest if not a.startswith("-")]
        if len(refs) != 1:
            raise ToolError('"docker push" requires exactly 1 argument.')
        fake.push(refs[0], config, "docker")
        return 0
    if command in ("buildx build", "build", "image build") and "--push" in rest:
        tags = [_take(rest, j, "--tag")[0] for j, a in enumerate(rest) if _opt(a, "-t", "--tag")]
        for tag in tags:
            fake.push(tag, config, "docker")
        return 0
    return 0  # build, tag, pull, info, version, logout, ...: nothing to do with credentials


# Kaniko ---------------------------------------------------------------------------------------


def _executor(fake: _Fake, args: list[str]) -> int:
    destinations: list[str] = []
    no_push = False
    i = 0
    while i < len(args):
        a = args[i]
        if _opt(a, "-d", "--destination"):
            value, i = _take(args, i, "--destination")
            destinations.append(value)
        elif a in ("--no-push", "--no-push=true"):
            no_push, i = True, i + 1
        else:
            i += 1
    if no_push:
        return 0
    if not destinations:
        raise ToolError("error: You must provide --destination, or use --no-push")
    docker_config = os.environ.get("DOCKER_CONFIG") or str(fake.sandbox / "kaniko" / ".docker")
    config = Path(docker_config)
    if not config.is_file():  # util.DockerConfLocation: DOCKER_CONFIG may name the file itself
        config = config / "config.json"
    for dest in destinations:
        try:
            fake.push(dest, config, "docker")
        except ToolError as exc:
            raise ToolError(f"error checking push permissions -- make sure you entered the correct tag name, "
                            f"and that you are authenticated correctly, and try again: {exc}") from None
    return 0


# buildah / podman -----------------------------------------------------------------------------


def _containers_authfile(explicit: object = None) -> Path:
    if explicit:
        return Path(str(explicit))
    if os.environ.get("REGISTRY_AUTH_FILE"):
        return Path(os.environ["REGISTRY_AUTH_FILE"])
    runtime = os.environ.get("XDG_RUNTIME_DIR") or f"/run/containers/{os.getuid()}"
    return Path(runtime) / "containers" / "auth.json"


def _containers_lookup(explicit: object = None) -> tuple[Path | None, str]:
    """containers-auth.json(5): --authfile / REGISTRY_AUTH_FILE / $XDG_RUNTIME_DIR, then the read-only
    fallbacks $XDG_CONFIG_HOME/containers/auth.json and $HOME/.docker/config.json."""
    first = _containers_authfile(explicit)
    if explicit or os.environ.get("REGISTRY_AUTH_FILE"):
        return first, "containers"
    home = os.environ.get("HOME", "/root")
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    for candidate in (first, Path(xdg) / "containers" / "auth.json", Path(home) / ".docker" / "config.json"):
        if candidate.is_file():
            return candidate, "containers"
    return None, "containers"


def _containers(fake: _Fake, args: list[str]) -> int:
    if not args:
        return 0
    command, rest = args[0], args[1:]
    if command == "login":
        opts = _parse_login(rest, value_flags=("--cert-dir", "--compat-auth-file"))
        positional = opts["positional"]
        if len(positional) != 1:  # type: ignore[arg-type]
            raise ToolError(f"Error: accepts 1 arg(s), received {len(positional)}")  # type: ignore[arg-type]
        registry = convert_to_hostname(positional[0])  # type: ignore[index]
        password = _login_password(fake, opts)
        fake.verify_login(registry, str(opts["username"]), password)
        _store_login(_containers_authfile(opts["authfile"]), registry, str(opts["username"]), password, indent="\t")
        print("Login Succeeded!")
        return 0
    if command == "push":
        authfile: object = None
        positional: list[str] = []
        i = 0
        while i < len(rest):
            a = rest[i]
            if _opt(a, "--authfile"):
                authfile, i = _take(rest, i, "--authfile")
            elif _opt(a, "--creds"):
                raise ToolError("jobrun: --creds is not modelled by the fake")
            elif any(_opt(a, f) for f in ("--format", "-f", "--digestfile", "--cert-dir", "--sign-by")):
                _, i = _take(rest, i, a)
            elif a.startswith("-"):
                i += 1
            else:
                positional.append(a)
                i += 1
        if not positional:
            raise ToolError("Error: at least one source image is required")
        dest = positional[-1]
        path, rules = _containers_lookup(authfile)
        fake.push(dest, path, rules)
        return 0
    return 0  # build, bud, tag, info, ...: nothing to do with credentials


# BuildKit -------------------------------------------------------------------------------------


def _buildctl(fake: _Fake, args: list[str]) -> int:
    outputs = [(_take(args, i, "--output")[0]) for i, a in enumerate(args) if _opt(a, "--output", "-o")]
    config = Path(os.environ.get("DOCKER_CONFIG") or os.path.join(os.environ.get("HOME", "/root"), ".docker"))
    for out in outputs:
        fields = dict(part.split("=", 1) for part in out.split(",") if "=" in part)
        if fields.get("type") == "image" and fields.get("push") == "true":
            for name in fields.get("name", "").strip('"').split(","):
                fake.push(name, config / "config.json", "docker")
    return 0


def fake_main(tool: str, argv: list[str], settings_path: str) -> int:
    settings = json.loads(Path(settings_path).read_text())
    fake = _Fake(tool, settings)
    handler = {"docker": _docker, "executor": _executor, "buildah": _containers, "podman": _containers,
               "buildctl-daemonless.sh": _buildctl, "buildctl": _buildctl}[tool]
    try:
        return handler(fake, argv)
    except ToolError as exc:
        print(f"{tool}: {exc}", file=sys.stderr)
        return 1


def main() -> int:  # pragma: no cover - manual debugging: python -m support.jobrun DIR JOB
    import argparse

    parser = argparse.ArgumentParser(description="print a job's extracted script")
    parser.add_argument("project")
    parser.add_argument("job")
    ns = parser.parse_args()
    print(extract(Path(ns.project), ns.job).text)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
