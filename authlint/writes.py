"""Where scripts write docker/containers auth files, and what they write.

Shared by the AL2xx rules: a write is a redirect (`> f`, `>> f`), `tee [-a] f`
or `cp src f` whose target's file name is an auth file name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .shell.model import OUT_OPS

if TYPE_CHECKING:
    from .shell.model import Command, Redirect, Word
    from .units import CommandRef

AUTH_FILE_NAMES = ("config.json", "auth.json", ".dockercfg", "config-gitlab.json")
# What a command that writes an auth file shows (see auth_writes): a rule's Triggers.
WRITE_COMMANDS = frozenset({"tee", "cp", "install", "mv"})
AUTH_PATH_MARKS = (*AUTH_FILE_NAMES, ".dockerconfigjson")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(eq=False)
class AuthWrite:
    """A command that writes a registry auth file (a redirect, tee or cp)."""

    ref: "CommandRef"  # the command that opens the file (echo with `>`, tee, cp)
    target: "Word"
    mode: str  # 'truncate' | 'append'
    via: str  # 'redirect' | 'tee' | 'cp'
    redirect: "Redirect | None" = None
    producer: "Command | None" = None  # whose output lands in the file (echo/printf/cat/base64)

    @property
    def path(self) -> str:
        return self.target.path_template


def is_auth_path(text: str) -> bool:
    name = text.rstrip("/\"'").rsplit("/", 1)[-1]
    return name in AUTH_FILE_NAMES or name.endswith(".dockerconfigjson")


def auth_writes(ref: "CommandRef") -> list[AuthWrite]:
    cmd = ref.cmd
    out: list[AuthWrite] = []
    for target, mode, via, redirect in auth_targets(cmd):
        if via == "redirect":
            producer: "Command | None" = cmd
        else:
            producer = cmd.pipeline[cmd.pipeline_index - 1] if via == "tee" and cmd.pipeline_index > 0 else None
        out.append(AuthWrite(ref, target, mode, via, redirect, producer))
    return out


def auth_targets(cmd: "Command") -> "tuple[tuple[Word, str, str, Redirect | None], ...]":
    """The auth files a command writes: (target, mode, via, redirect) of each AuthWrite
    (once per command: the parse memo shares commands across jobs and projects)."""
    if not cmd.redirects and cmd.basename not in WRITE_COMMANDS:
        return ()  # most commands
    return cmd.derived(_auth_targets)  # type: ignore[no-any-return]


def _auth_targets(cmd: "Command") -> "tuple[tuple[Word, str, str, Redirect | None], ...]":
    out: list[tuple[Word, str, str, Redirect | None]] = []
    for r in cmd.redirects:
        if r.op in OUT_OPS and r.fd in (None, 1) and r.target is not None and is_auth_path(r.target.path_template):
            out.append((r.target, "append" if r.op in (">>", "&>>") else "truncate", "redirect", r))
    base = cmd.basename
    if base == "tee":
        files = [w for w in cmd.args if not (w.value or "").startswith("-")]
        mode = "append" if any(w.value in ("-a", "--append") for w in cmd.args) else "truncate"
        out += [(w, mode, "tee", None) for w in files if is_auth_path(w.path_template)]
    elif base in ("cp", "install", "mv"):
        files = [w for w in cmd.args if not (w.value or "").startswith("-")]
        if len(files) >= 2 and is_auth_path(files[-1].path_template):
            out.append((files[-1], "truncate", "cp", None))
    return tuple(out)


def expand(text: str, env: dict[str, str]) -> str | None:
    """Expand $X / ${X} / ${X:-d} and a leading ~ with env; None when a variable is unknown."""
    if text.startswith("~/") or text == "~":
        home = env.get("HOME")
        if home is None:
            return None
        text = home + text[1:]
    if "$" not in text:
        return text  # most texts
    out: list[str] = []
    end = 0
    for m in _VAR.finditer(text):
        name = m.group(1) or m.group(3)
        default = m.group(2)
        if name in env and (env[name] or default is None):
            value = env[name]
        elif default is not None:
            value = default
        else:
            return None  # an unknown variable: nothing after it matters
        out += (text[end : m.start()], value)
        end = m.end()
    out.append(text[end:])
    return "".join(out)


def directory(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else "."


def normpath(path: str) -> str:
    """Collapse `//`, `/./` and a trailing slash (no filesystem access)."""
    parts: list[str] = []
    for p in path.split("/"):
        if p in ("", "."):
            continue
        if p == ".." and parts:
            parts.pop()
            continue
        parts.append(p)
    return ("/" if path.startswith("/") else "") + "/".join(parts)


def canonical_write(config_dir: str, variable: str = "DOCKER_AUTH_CONFIG", file: str = "config.json") -> list[str]:
    """The write RULES.md prescribes: works for Variable- and File-type variables,
    in dash, bash and busybox sh (printf, not echo; no bashisms)."""
    d = _shell_quote_path(config_dir)
    f = _shell_quote_path(f"{config_dir.rstrip('/')}/{file}")
    v = f'"${variable}"'
    return [
        f"mkdir -p {d}",
        f"if [ -f {v} ]; then cp {v} {f}; else printf '%s' {v} > {f}; fi",
    ]


def _shell_quote_path(path: str) -> str:
    """Double-quote a path when it has expansions or special characters; keep it bare otherwise."""
    if re.fullmatch(r"[A-Za-z0-9_./-]+", path):
        return path
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'
