"""What a resolved job does with registry credentials (RULES.md "credential job").

``facts(unit)`` is computed once per JobUnit and shared by the AL2xx/AL4xx/AL5xx
rules: which registry tools the job runs, whether it pushes, where each tool
reads its auth file, which commands write or log in, which variables hold
credentials, and where `set -x` is on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from .tools import is_credential_name, is_login, subcommands, tool_of
from .writes import AuthWrite, auth_writes, expand, normpath

if TYPE_CHECKING:
    from .units import CommandRef, JobUnit

# Images and the tool they provide (domain §3).
_KANIKO_IMAGE = re.compile(r"(^|/)(kaniko-project/executor|osscontainertools/kaniko|martizih/kaniko|kaniko-build/[\w.-]+|[\w.-]*kaniko[\w.-]*)(:|@|$)", re.I)
_KANIKO_FORK = re.compile(r"osscontainertools/kaniko|martizih/kaniko|kaniko-build|chainguard", re.I)
_BUILDKIT_IMAGE = re.compile(r"(^|/)moby/buildkit(:|@|$)", re.I)
_DOCKER_IMAGE = re.compile(r"(^|/)(library/)?docker(:|@|$)", re.I)
_DEFAULT_HOME = "/root"

# Predefined job-scoped credentials (they expire with the job).
JOB_SCOPED = frozenset({
    "CI_REGISTRY_USER", "CI_REGISTRY_PASSWORD", "CI_JOB_TOKEN", "CI_DEPENDENCY_PROXY_USER",
    "CI_DEPENDENCY_PROXY_PASSWORD", "CI_DEPLOY_USER", "CI_DEPLOY_PASSWORD",
})
CREDENTIAL_VARIABLES = frozenset({"DOCKER_AUTH_CONFIG", "CI_REGISTRY_PASSWORD", "CI_JOB_TOKEN", "CI_DEPENDENCY_PROXY_PASSWORD", "CI_DEPLOY_PASSWORD", "CI_BUILD_TOKEN"})


@dataclass
class JobFacts:
    unit: "JobUnit"
    image: str | None = None  # the job image name, as written
    kaniko: bool = False
    kaniko_fork: bool = False
    tools: set[str] = field(default_factory=set)  # 'kaniko', 'docker', 'buildctl', 'buildah', 'podman', 'skopeo', ...
    pushes: list["CommandRef"] = field(default_factory=list)
    logins: list["CommandRef"] = field(default_factory=list)
    writes: list[AuthWrite] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)  # literal job variables + script exports seen (best effort)
    credential_vars: set[str] = field(default_factory=set)
    xtrace: set[int] = field(default_factory=set)  # positions (CommandRef.position) run under `set -x`

    @property
    def credential_job(self) -> bool:
        return bool(self.logins or self.writes or (self.tools and self.pushes))

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
        env = dict(self.env)
        env.setdefault("HOME", _DEFAULT_HOME)
        p = expand(write.target.template, env)
        return normpath(p) if p is not None else None


def facts(unit: "JobUnit") -> JobFacts:
    cached = unit.__dict__.get("_facts")
    if cached is None:
        cached = unit.__dict__["_facts"] = _build(unit)
    return cached


def _build(unit: "JobUnit") -> JobFacts:
    job = unit.job
    f = JobFacts(unit)
    if job.image is not None and job.image.name is not None:
        f.image = job.image.name.value
    if f.image and _KANIKO_IMAGE.search(f.image):
        f.kaniko = True
        f.kaniko_fork = bool(_KANIKO_FORK.search(f.image))
    for name, var in job.variables.items():
        if var.value is not None and "$" not in var.value.value:
            f.env[name] = var.value.value
        if name in CREDENTIAL_VARIABLES or is_credential_name(name):
            f.credential_vars.add(name)
        elif var.value is not None and any(c in var.value.value for c in ("$" + v for v in CREDENTIAL_VARIABLES)):
            f.credential_vars.add(name)  # REGISTRY_PASSWORD: $CI_REGISTRY_PASSWORD
    f.credential_vars |= CREDENTIAL_VARIABLES
    for shell in unit.units:  # plain `DOCKER_CONFIG=/x` statements (best effort, order ignored)
        for a in shell.script.assignments:
            if a.value is not None and a.value.value is not None:
                f.env[a.name] = a.value.value
    tracing = False
    for ref in unit.commands:
        cmd = ref.cmd
        base = cmd.basename
        if base == "set":
            flags = " ".join(w.value or "" for w in cmd.args)
            if re.search(r"(^|\s)-[a-z]*x|-o xtrace", flags):
                tracing = True
            if re.search(r"(^|\s)\+[a-z]*x|\+o xtrace", flags):
                tracing = False
        if tracing:
            f.xtrace.add(ref.position)
        if base == "export" or base in ("declare", "local", "readonly"):
            for w in cmd.args:
                if w.value and "=" in w.value:
                    k, v = w.value.split("=", 1)
                    f.env[k] = v
        tool = tool_of(cmd)
        if tool == "executor" or (base == "executor"):
            f.kaniko = True
            tool = "kaniko"
        if tool:
            f.tools.add(tool)
            if is_login(cmd):
                f.logins.append(ref)
            elif _pushes(cmd, tool):
                f.pushes.append(ref)
        f.writes.extend(auth_writes(ref))
    if f.kaniko:
        f.tools.add("kaniko")
    return f


def _pushes(cmd, tool: str) -> bool:
    words = [w.value or w.template for w in cmd.args]
    subs = subcommands(cmd)
    if tool == "kaniko":
        return "--no-push" not in words and any(w.startswith(("--destination", "-d")) for w in words)
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
