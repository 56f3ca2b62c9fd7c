"""What authlint knows about registry clients' command lines (domain.md §2-§3).

Pure functions over shell ``Command``s, shared by the rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .shell.model import Command, Word

# Clients that talk to registries with credentials.
REGISTRY_TOOLS = frozenset({
    "docker", "podman", "buildah", "skopeo", "helm", "oras", "crane", "regctl", "executor",
    "buildctl", "buildctl-daemonless.sh", "werf", "cosign", "kubectl", "nerdctl", "img", "jib",
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


def is_credential_name(name: str) -> bool:
    return bool(_CRED_NAME.match(name))


def tool_of(cmd: Command) -> str | None:
    """The registry client a command runs (`sudo docker` and `/kaniko/executor` included)."""
    base = cmd.basename
    if base in ("sudo", "env", "command", "exec", "time", "nice") and cmd.args:
        for w in cmd.args:
            if w.value and not w.value.startswith("-") and "=" not in w.value:
                return w.value.rsplit("/", 1)[-1] if w.value.rsplit("/", 1)[-1] in REGISTRY_TOOLS else None
        return None
    return base if base in REGISTRY_TOOLS else None


_GLOBAL_WITH_VALUE = frozenset({"--config", "-c", "--context", "-H", "--host", "-l", "--log-level", "--tlscacert", "--tlscert", "--tlskey", "--url", "--connection", "--root", "--runroot", "--storage-driver"})


def subcommands(cmd: Command) -> list[str]:
    """Literal words right after the program name, up to the first option
    (`docker login -u x` -> ['login'], `helm registry login r` -> ['registry', 'login', 'r'])."""
    out = []
    args = cmd.args
    i = 0
    if tool_of(cmd) in ("docker", "podman"):  # skip global options: docker --config DIR login
        while i < len(args) and (args[i].value or "").startswith("-"):
            takes_value = args[i].value in _GLOBAL_WITH_VALUE
            i += 2 if takes_value else 1
    for w in args[i:]:
        if w.value is None or w.value.startswith("-") or len(out) == 3:
            break
        out.append(w.value)
    return out


def is_login(cmd: Command) -> bool:
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


def secret_args(cmd: Command) -> list[SecretArg]:
    """Secret-valued options of a registry client command line."""
    if tool_of(cmd) is None and cmd.basename not in ("executor",):
        return []
    out: list[SecretArg] = []
    args = cmd.args
    login = is_login(cmd)
    i = 0
    while i < len(args):
        w = args[i]
        t = w.template
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
        elif login and re.match(r"^-p[^-]", t) and not t.startswith("-p="):
            out.append(SecretArg("-p", w, 2, t[2:], w.value[2:] if w.value is not None else None))
        i += 1
    return out
