"""Registry keys of `auths` and the registry of an image reference (domain §1.4, §2.3, §7.3).

The canonical key is what every consumer finds: ``https://index.docker.io/v1/``
for Docker Hub, else the bare lower-case ``host[:port]``.  A ``/path`` suffix
without a scheme is kept in the canonical form: the runner (>= 17.5) and
containers/image honour path-scoped keys, so dropping it would widen the
credential's scope; it is still listed as a problem (docker CLI and BuildKit
collapse it to the host).  With a scheme the runner keeps only the host, so
the canonical form drops the path too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from ..lazy import lazy_compile

DOCKER_HUB = "https://index.docker.io/v1/"
HUB_HOSTS = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"})

# Problem texts (stable: rules and tests match on them).
HAS_SCHEME = "has a scheme"
TRAILING_SLASH = "trailing slash"
HAS_PATH = "has a path"
HAS_TAG = "has a tag"
HUB_SPELLING = f"Docker Hub should be spelt {DOCKER_HUB}"
UPPER_CASE = "upper-case host"
WHITESPACE = "surrounding whitespace"
EMPTY = "empty key"

# $VAR, ${VAR}, $(cmd), GitLab $[[ inputs.x ]]
_VAR = lazy_compile(r"\$(?:[A-Za-z_{(]|\[\[)")
_SCHEME = lazy_compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


@dataclass
class KeyInfo:
    key: str
    host: str = ""  # lower-case host[:port]
    scheme: str | None = None
    path: str | None = None  # without leading/trailing '/' and without the tag
    trailing_slash: bool = False
    tag: str | None = None  # ':tag' or '@digest' after the last '/', without its sign
    is_docker_hub: bool = False
    canonical: str = ""  # what the key should be (the key itself when templated)
    problems: list[str] = field(default_factory=list)
    templated: bool = False  # holds a variable: not judged

    @property
    def ok(self) -> bool:
        return not self.problems


def normalize_key(key: str) -> KeyInfo:
    info = KeyInfo(key)
    if _VAR.search(key):
        info.templated = True
        info.canonical = key
        return info
    rest = key.strip()
    if not rest:
        info.problems.append(EMPTY)
        return info
    m = _SCHEME.match(rest)
    if m:
        info.scheme = m.group(1)
        rest = rest[m.end():]
    info.trailing_slash = rest.endswith("/")
    raw_host, _, path = rest.strip("/").partition("/")
    info.host = raw_host.lower()
    info.path, info.tag = _split_tag(path)
    info.is_docker_hub = info.host in HUB_HOSTS
    info.canonical = _canonical(info)
    info.problems = _problems(info, key, raw_host)
    return info


def _split_tag(path: str) -> tuple[str | None, str | None]:
    """(path, tag) with ':tag' or '@digest' cut from the last segment, as the runner does."""
    if not path:
        return None, None
    head, slash, last = path.rpartition("/")
    for sign in ("@", ":"):
        if sign in last:
            last, _, tag = last.partition(sign)
            return (head + slash + last).strip("/") or None, tag
    return path, None


def _canonical(info: KeyInfo) -> str:
    if info.is_docker_hub:
        return DOCKER_HUB
    if info.path and not info.scheme:
        return f"{info.host}/{info.path}"
    return info.host


def _problems(info: KeyInfo, key: str, raw_host: str) -> list[str]:
    if info.is_docker_hub:
        return [] if key == DOCKER_HUB else [HUB_SPELLING]
    problems = []
    if key != key.strip():
        problems.append(WHITESPACE)
    if info.scheme:
        problems.append(HAS_SCHEME)
    if info.path:
        problems.append(HAS_PATH)
    if info.trailing_slash:
        problems.append(TRAILING_SLASH)
    if info.tag is not None:
        problems.append(HAS_TAG)
    if raw_host != info.host:
        problems.append(UPPER_CASE)
    return problems


def image_registry(image_ref: str) -> str:
    """host[:port] of an image reference, the docker way; '' when the registry part is a variable.

    The first path component is a registry when it has '.' or ':' or is
    'localhost'; otherwise the image is on Docker Hub ('docker.io', also for
    'index.docker.io/...').  Tags, digests, ``docker://`` and ``user:pass@`` are dropped.
    """
    ref = image_ref.strip()
    if ref.startswith("docker://"):
        ref = ref[len("docker://"):]
    first, slash, _ = ref.partition("/")
    if not slash:  # 'nginx:1.25', '$IMAGE': a Docker Hub name unless the name is a variable
        name = re.split(r"[:@]", first, maxsplit=1)[0]
        return "" if not name or _VAR.search(name) else "docker.io"
    if "@" in first:  # credentials in the reference: user:pass@host
        first = first.rsplit("@", 1)[1]
    if _VAR.search(first):
        return ""
    if "." in first or ":" in first or first == "localhost":
        host = first.lower()
        return "docker.io" if host == "index.docker.io" else host
    return "docker.io"
