"""What authlint knows about registry clients' command lines (domain.md §2-§3).

Pure functions over shell ``Command``s, shared by the rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .shell.model import Command, Word

# Clients that talk to registries with credentials.
REGISTRY_TOOLS = frozenset({
    "docker", "podman", "buildah", "skopeo", "helm", "oras", "crane", "regctl", "executor",
    "buildctl", "buildctl-daemonless.sh", "werf", "cosign", "kubectl", "nerdctl", "img", "jib", "trivy",
})

# Flags whose value is a secret, per the clients' docs (domain §3.5, M10).
_SECRET_FLAG = re.compile(
    r"^--?(?:p|password|pass|creds|src-creds|dest-creds|src-password|dest-password|registry-token|"
    r"src-registry-token|dest-registry-token|[a-z-]*-password|docker-password|registry-password|identity-token)$"
)
# `--creds user:password` style: the secret is after the first colon.
_CREDS_FLAGS = frozenset({"--creds", "--src-creds", "--dest-creds"})
# Flags that take no value (so the next word is not their value).
_STDIN_FLAGS = frozenset({"--password-stdin", "--pass-stdin"})

# Variables whose name says they hold a registry credential (RULES.md AL102).
_CRED_NAME = re.compile(
    r"^(?:.*REGISTRY.*(?:PASS|TOKEN|PWD).*|DOCKER_?(?:HUB_?)?(?:PASS|PASSWORD|PWD|TOKEN)\w*|.*_DEPLOY_TOKEN|DOCKER_AUTH_CONFIG"
    r"|CI_REGISTRY_PASSWORD|CI_JOB_TOKEN|CI_DEPLOY_PASSWORD|CI_DEPENDENCY_PROXY_PASSWORD)$",
    re.I,
)


@lru_cache(maxsize=4096)  # the same few names in every job and file (its regex tries every alternative on most)
def is_credential_name(name: str) -> bool:
    return bool(_CRED_NAME.match(name))


# Commands that run another command given as their arguments.
WRAPPERS = frozenset({"sudo", "env", "command", "exec", "time", "nice", "nohup", "doas"})
_WRAPPER_VALUE_OPTIONS = frozenset({"-u", "--unset", "-C", "--chdir", "-g", "--group", "-n", "--adjustment", "--user"})


def unwrap(cmd: Command) -> tuple[str | None, list[Word]]:
    """The program a command runs and its arguments (computed once per command: do not
    mutate the list)."""
    return cmd.derived("unwrap", _unwrap)  # type: ignore[no-any-return]


def tool_of(cmd: Command) -> str | None:
    """The registry client a command runs (`sudo docker` and `/kaniko/executor` included)."""
    return cmd.derived("tool_of", _tool_of)  # type: ignore[no-any-return]


def tool_args(cmd: Command) -> list[Word]:
    """The words after the tool's name and its global options (`sudo docker --config d push x` -> [push, x])."""
    return cmd.derived("tool_args", _tool_args)  # type: ignore[no-any-return]


def pushes(cmd: Command) -> bool:
    """Whether a registry client command pushes an image (or copies one to a registry)."""
    return cmd.derived("pushes", _pushes)  # type: ignore[no-any-return]


def subcommands(cmd: Command) -> list[str]:
    """Literal words right after the program name, up to the first option
    (`docker login -u x` -> ['login'], `helm registry login r` -> ['registry', 'login', 'r'])."""
    return cmd.derived("subcommands", _subcommands)  # type: ignore[no-any-return]


def is_login(cmd: Command) -> bool:
    return cmd.derived("is_login", _is_login)  # type: ignore[no-any-return]


def secret_args(cmd: Command) -> list["SecretArg"]:
    """Secret-valued options of a registry client command line (also Jib's
    `-Djib.to.auth.password=` and `-p`/`--password` of any wrapper's `login`).
    Empty unless the command shows one of REGISTRY_NAMES or SECRET_ARG_WORDS (rules' TRIGGERS)."""
    return cmd.derived("secret_args", _secret_args)  # type: ignore[no-any-return]


def _unwrap(cmd: Command) -> tuple[str | None, list[Word]]:
    """The program a command runs and its arguments, past `sudo`/`env`/... wrappers
    (`sudo -E docker push x` -> ('docker', [push, x])); (None, []) when a wrapper runs
    a command authlint cannot read."""
    name = cmd.basename
    args = list(cmd.args)
    if name == "nix" and args and args[0].value in ("run", "shell", "develop"):
        # `nix run nixpkgs.skopeo -c skopeo copy ...`: the command after -c/--command
        at = next((i for i, w in enumerate(args) if w.value in ("-c", "--command")), None)
        if at is not None and at + 1 < len(args):
            first = args[at + 1].value
            return (first.rsplit("/", 1)[-1], args[at + 2 :]) if first is not None else (None, [])
    if name not in WRAPPERS:
        return name, args
    skip = False
    for i, w in enumerate(args):
        v = w.value
        if skip:
            skip = False
            continue
        if v is None:
            return None, []
        if v in _WRAPPER_VALUE_OPTIONS:
            skip = True
            continue
        if v.startswith("-") or "=" in v:
            continue
        return v.rsplit("/", 1)[-1], args[i + 1 :]
    return name, args  # `env` alone


# Builds of a client under another name, with the same command line: krane is crane with
# cloud keychains compiled in (go-containerregistry).
_SAME_CLI = {"krane": "crane"}


# The command names tool_of recognises (the program, its basename or behind a wrapper), and the
# words secret_args needs from any other command: rules' TRIGGERS (triggers.py) are built from them.
REGISTRY_NAMES = REGISTRY_TOOLS | frozenset(_SAME_CLI)
SECRET_ARG_WORDS = ("-Djib.", "login")


def _tool_of(cmd: Command) -> str | None:
    name, _ = unwrap(cmd)
    name = _SAME_CLI.get(name or "", name)
    return name if name in REGISTRY_TOOLS else None


# docker's global options that take a value: `docker --config DIR push x`
DOCKER_GLOBAL = ("--config", "-c", "--context", "-H", "--host", "-l", "--log-level")


def _tool_args(cmd: Command) -> list[Word]:
    name, args = unwrap(cmd)
    if name is None:
        return []
    tool = tool_of(cmd)
    if tool in ("docker", "podman"):
        return after_global_options(tool, args)
    while len(args) >= 2 and args[0].value in DOCKER_GLOBAL:
        args = args[2:]
    while args and option_text(args[0]).startswith(tuple(o + "=" for o in DOCKER_GLOBAL)):
        args = args[1:]
    return args


def _pushes(cmd: Command) -> bool:
    tool = tool_of(cmd)
    if tool is None:
        return False
    args = tool_args(cmd)
    words = [w.value or w.template for w in args]
    subs = leading_words(args)
    if tool == "executor":
        if any(w == "--no-push" or (w.startswith("--no-push=") and w.split("=", 1)[1].lower() != "false") for w in words):
            return False
        return any(w.startswith(("--destination", "-d")) for w in words)
    if tool in ("docker", "podman", "buildah", "nerdctl"):
        if subs[:1] == ["push"] or subs[:2] in (["image", "push"], ["manifest", "push"]):
            return True
        return "buildx" in subs[:1] and ("--push" in words or any("type=registry" in w or "push=true" in w for w in words))
    if tool in ("buildctl", "buildctl-daemonless.sh"):
        return any("push=true" in w for w in words)
    if tool == "skopeo":
        return subs[:1] in (["copy"], ["sync"])
    if tool in ("crane", "oras", "regctl", "helm"):
        return bool(set(subs[:2]) & {"push", "copy", "cp", "append", "put"})
    return False


def pushes_over_http(cmd: Command) -> bool:
    """A push the command itself sends over plain HTTP (BuildKit's `registry.insecure=true`
    output, Kaniko's `--insecure`): a LAN or in-cluster registry, open to anonymous pushes."""
    tool = tool_of(cmd)
    words = [option_text(w) for w in tool_args(cmd)]
    if tool in ("buildctl", "buildctl-daemonless.sh"):
        return any("push=true" in w and "registry.insecure=true" in w for w in words)
    if tool == "executor":
        return any(w in ("--insecure", "--insecure=true") for w in words)
    return False


def kaniko_image_stays(cmd: Command) -> bool:
    """A Kaniko build whose image leaves nothing behind: `--no-push`, no `--tar-path`,
    and no layer cache pushed (`--cache` off, or `--no-push-cache`)."""
    if tool_of(cmd) != "executor" or pushes(cmd):
        return False
    words = [option_text(w) for w in tool_args(cmd)]
    if any(w.startswith(("--tar-path", "--tarPath")) for w in words):
        return False
    cache = any(w in ("--cache", "--cache=true") for w in words)
    return not cache or any(w in ("--no-push-cache", "--no-push-cache=true") for w in words)


def leading_words(args: list[Word]) -> list[str]:
    """The first literal words, up to the first option (at most 3)."""
    out = []
    for w in args:
        if w.value is None or w.value.startswith("-") or len(out) == 3:
            break
        out.append(w.value)
    return out


_GLOBAL_WITH_VALUE = frozenset({"--config", "-c", "--context", "-H", "--host", "-l", "--log-level", "--tlscacert", "--tlscert", "--tlskey", "--url", "--connection", "--root", "--runroot", "--storage-driver"})


def option_text(w: Word) -> str:
    """A word as written, for telling options apart: `--config=$DIR` has no literal value
    but is an option all the same."""
    return w.value if w.value is not None else w.template


def after_global_options(tool: str | None, words: list[Word]) -> list[Word]:
    """The words after docker's / podman's global options (`--config DIR`, `--config="$DIR"`, `-D`)."""
    i = 0
    if tool in ("docker", "podman"):
        while i < len(words) and option_text(words[i]).startswith("-"):
            i += 2 if words[i].value in _GLOBAL_WITH_VALUE else 1
    return words[i:]


def _subcommands(cmd: Command) -> list[str]:
    # past `sudo -u root` and docker's global options; `$KUBECTL create ...` keeps its words too
    return leading_words(after_global_options(tool_of(cmd), unwrap(cmd)[1]))


def _is_login(cmd: Command) -> bool:
    subs = subcommands(cmd)
    return tool_of(cmd) is not None and "login" in subs[:3]


@dataclass(frozen=True)
class SecretArg:
    """A secret given on a command line: the flag and where its value is."""

    flag: str
    word: Word  # the word holding the value
    offset: int  # index in word.template where the value starts
    value: str  # the value as written (template form: expansions as raw text)
    literal: str | None  # the literal value when it has no expansions

    def secret_part(self) -> tuple[int, str | None]:
        """(offset, literal secret) — for `--creds user:pass` only the password counts."""
        if self.flag in _CREDS_FLAGS and ":" in self.value:
            i = self.value.index(":") + 1
            lit = self.literal[i:] if self.literal is not None else None
            return self.offset + i, lit
        return self.offset, self.literal


# Jib's credentials as Maven/Gradle system properties: `-Djib.to.auth.password=...`.
_JIB_PASSWORD = re.compile(r"^-Djib\.(?:to|from)\.auth\.password=")


def _secret_args(cmd: Command) -> list[SecretArg]:
    out: list[SecretArg] = []
    for w in cmd.args:
        t = w.template
        m = _JIB_PASSWORD.match(t) if t.startswith("-Djib.") else None
        if m:
            value = t[m.end() :]
            out.append(SecretArg(m.group().rstrip("="), w, m.end(), value, value if w.value is not None else None))
    wrapper_login = tool_of(cmd) is None and "login" in leading_words(unwrap(cmd)[1])[:2]
    if tool_of(cmd) is None and cmd.basename not in ("executor",) and not wrapper_login:
        return out
    args = cmd.args
    login = is_login(cmd) or wrapper_login
    i = 0
    while i < len(args):
        w = args[i]
        t = w.template
        if not t.startswith("-"):  # every case below is an option
            i += 1
            continue
        if t == "-p" and not login:  # `docker run -p 80:80` publishes a port
            i += 1
            continue
        if t.startswith("-") and "=" in t and _SECRET_FLAG.match(t.split("=", 1)[0]):
            flag, value = t.split("=", 1)
            off = len(flag) + 1
            out.append(SecretArg(flag, w, off, value, value if w.value is not None else None))
        elif _SECRET_FLAG.match(t) and t not in _STDIN_FLAGS and i + 1 < len(args):
            v = args[i + 1]
            out.append(SecretArg(t, v, 0, v.template, v.value))
            i += 1
        elif login and t.startswith("-p") and len(t) > 2 and t[2] not in "-=":
            out.append(SecretArg("-p", w, 2, t[2:], w.value[2:] if w.value is not None else None))
        i += 1
    return out


# ------------------------------------------------------------------ base64 encoders
def encoder(cmd: Command) -> str | None:
    """'base64' / 'openssl' when cmd encodes to base64, else None."""
    vals = [w.value for w in cmd.args]
    if cmd.basename == "base64":
        if any(v in ("-d", "--decode", "-D") or (v and re.fullmatch(r"-[a-zA-Z]*d[a-zA-Z]*", v) and not v.startswith("--")) for v in vals):
            return None
        return "base64"
    if cmd.basename == "openssl" and vals:
        if vals[0] == "base64" or (vals[0] == "enc" and any(v in ("-base64", "-a") for v in vals)):
            return None if "-d" in vals else "openssl"
    return None


def wraps(cmd: Command) -> bool:
    """An encoder that wraps its output lines."""
    kind = encoder(cmd)
    vals = [w.value or "" for w in cmd.args]
    if kind == "base64":
        for i, v in enumerate(vals):
            if v in ("-w0", "--wrap=0", "-w=0") or (v in ("-w", "--wrap") and i + 1 < len(vals) and vals[i + 1] == "0"):
                return False
        return True
    if kind == "openssl":
        return "-A" not in vals
    return False


def strips_newlines(cmd: Command) -> bool:
    """`tr -d '\\n'` (or `\\r\\n`, `[:space:]`, ...) after cmd in its pipeline."""
    for later in cmd.pipeline[cmd.pipeline_index + 1 :]:
        if later.basename != "tr":
            continue
        vals = [w.value for w in later.args]
        if not any(v is not None and re.fullmatch(r"-[a-zA-Z]*d[a-zA-Z]*|--delete", v) for v in vals):
            continue
        if any(v is not None and ("\\n" in v or "\n" in v or "[:space:]" in v or "\\012" in v) for v in vals):
            return True
    return False
