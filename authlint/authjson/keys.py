"""Registry keys of `auths` and the registry of an image reference (domain §1.4, §2.3)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DOCKER_HUB = "https://index.docker.io/v1/"
_HUB_HOSTS = ("docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com")
_VAR = re.compile(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\$\(")


@dataclass
class KeyInfo:
    key: str
    host: str = ""
    scheme: str | None = None
    path: str | None = None
    trailing_slash: bool = False
    tag: str | None = None
    is_docker_hub: bool = False
    canonical: str = ""
    problems: list[str] = field(default_factory=list)
    templated: bool = False


def normalize_key(key: str) -> KeyInfo:
    info = KeyInfo(key)
    if _VAR.search(key):
        info.templated = True
        info.canonical = key
        return info
    rest = key.strip()
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", rest)
    if m:
        info.scheme = m.group(1)
        rest = rest[m.end() :]
    if rest.endswith("/"):
        info.trailing_slash = True
        rest = rest.rstrip("/")
    host, _, path = rest.partition("/")
    info.host = host.lower()
    info.is_docker_hub = info.host in _HUB_HOSTS
    if path:
        last = path.rsplit("/", 1)[-1]
        if ":" in last:
            info.tag = last.split(":", 1)[1]
            path = path[: len(path) - len(info.tag) - 1]
        info.path = path or None
    if info.is_docker_hub:
        info.canonical = DOCKER_HUB
        if key != DOCKER_HUB:
            info.problems.append(f"Docker Hub should be spelt {DOCKER_HUB}")
        return info
    if info.scheme:
        info.problems.append("has a scheme")
    if info.trailing_slash:
        info.problems.append("has a trailing slash")
    if info.tag:
        info.problems.append("has a tag")
    if info.path and info.scheme:
        info.problems.append("has a path (dropped by the runner for keys with a scheme)")
    if host != info.host:
        info.problems.append("upper-case host")
    # Path-scoped keys are honoured by the runner (>= 17.5) and containers/image: kept.
    info.canonical = info.host + (f"/{info.path}" if info.path and not info.scheme else "")
    return info


def image_registry(ref: str) -> str:
    """host[:port] of an image reference, the docker way ('' when it is a variable)."""
    ref = ref.strip()
    if not ref or ref.startswith("$"):
        return ""
    ref = ref.split("@", 1)[0]
    first, sep, _ = ref.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        if _VAR.search(first):
            return ""
        return first.lower()
    return "docker.io"
