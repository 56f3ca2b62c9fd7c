"""Which job settings take a file out of the job: artifacts, dotenv reports, caches.

``uploads(job, env, path)`` answers "this project-relative file becomes an
artifact / a dotenv report / a cache entry of the job, through this setting".
Patterns are GitLab's doublestar globs, relative to the project directory
(`$CI_PROJECT_DIR/x` and `./x` are `x`; `.` is the whole project); a pattern
holding a variable the job does not define is unknown and matches nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from ..yaml.model import YMap, YScalar, YSeq

if TYPE_CHECKING:
    from .model import Job

ARTIFACTS, UNTRACKED, DOTENV, CACHE, CACHE_UNTRACKED = "artifacts", "untracked", "dotenv", "cache", "cache-untracked"
_PROJECT = ("CI_PROJECT_DIR", "PWD")


@dataclass(frozen=True)
class Upload:
    """One setting that takes a file out of the job."""

    kind: str  # ARTIFACTS (artifacts:paths) | UNTRACKED | DOTENV | CACHE (cache:paths) | CACHE_UNTRACKED
    scalar: "YScalar"  # the setting's value, where a finding points
    exact: bool = False  # the setting names exactly this file
    settings: "YMap | None" = None  # the artifacts: / cache: mapping it belongs to


@lru_cache(maxsize=512)  # the same patterns are matched against every path of a job
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A doublestar glob (`**`, `*`, `?`, `[...]`, `{a,b}`) as a regex over '/'-paths."""
    out, i, n = [], 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if pattern.startswith("**", i):
                j = i + 2
                if j < n and pattern[j] == "/":
                    out.append("(?:.*/)?")
                    i = j + 1
                else:
                    out.append(".*")
                    i = j
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = pattern.find("]", i + 1)
            if j == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : j]
                if body.startswith(("!", "^")):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = j
        elif c == "{":
            j = pattern.find("}", i + 1)
            if j == -1:
                out.append(re.escape(c))
            else:
                alts = pattern[i + 1 : j].split(",")
                out.append("(?:" + "|".join(glob_regex(a).pattern[:-2] for a in alts) + ")")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z")


def norm_pattern(text: str, env: dict[str, str]) -> str | None:
    """An artifacts/cache path as a project-relative pattern; None when it holds an unknown variable."""
    t = text.strip()
    t = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", r"$\1", t)
    for name in _PROJECT:
        if t == "$" + name:
            return ""
        if t.startswith("$" + name + "/"):
            t = t[len(name) + 2 :]
    if "$" in t:
        for _ in range(3):
            m = re.search(r"\$([A-Za-z_][A-Za-z0-9_]*)", t)
            if not m:
                break
            if m.group(1) not in env or "$" in env[m.group(1)]:
                return None
            t = t[: m.start()] + env[m.group(1)] + t[m.end() :]
        if "$" in t:
            return None
    if t.startswith("/"):
        return None
    t = t.rstrip("/")
    while t.startswith("./"):
        t = t[2:]
    return "" if t in (".", "") else t


def covers(pattern: str, path: str) -> bool:
    """Whether an artifacts path pattern uploads path (a matched directory brings its whole content)."""
    if pattern == "":
        return True
    rx = glob_regex(pattern)
    parts = path.split("/")
    return any(rx.match("/".join(parts[:k])) for k in range(1, len(parts) + 1))


def _scalars(value) -> list["YScalar"]:
    if isinstance(value, YScalar) and not value.is_null:
        return [value]
    if isinstance(value, YSeq):
        return [v for v in value.items if isinstance(v, YScalar)]
    return []


def _true(value) -> bool:
    return isinstance(value, YScalar) and value.value.strip().lower() == "true"


def _first(settings: "YMap", path: str, env: dict[str, str], kind: str, untracked: str) -> Upload | None:
    """The `paths` entry that takes path (the first that covers it), else `untracked: true`."""
    for scalar in _scalars(settings.get("paths")):
        pattern = norm_pattern(scalar.value, env)
        if pattern is not None and covers(pattern, path):
            return Upload(kind, scalar, pattern == path, settings)
    flag = settings.get("untracked")
    return Upload(untracked, flag, False, settings) if _true(flag) else None


def uploads(job: "Job", env: dict[str, str], path: str) -> list[Upload]:
    """How a project-relative file leaves the job, in setting order: the artifacts:paths
    entry (or artifacts:untracked) that uploads it unless artifacts:exclude removes it, the
    dotenv reports that name it, and per cache its cache:paths entry (or cache:untracked)."""
    out: list[Upload] = []
    art = job.artifacts
    if art is not None:
        excludes = [norm_pattern(s.value, env) for s in _scalars(art.get("exclude"))]
        if not any(p is not None and covers(p, path) for p in excludes):
            up = _first(art, path, env, ARTIFACTS, UNTRACKED)
            out += [up] if up is not None else []
        reports = art.get("reports")
        for scalar in _scalars(reports.get("dotenv")) if isinstance(reports, YMap) else []:
            if norm_pattern(scalar.value, env) == path:
                out.append(Upload(DOTENV, scalar, True, art))
    for cache in job.cache:
        up = _first(cache, path, env, CACHE, CACHE_UNTRACKED)
        out += [up] if up is not None else []
    return out


def takes_files(job: "Job") -> bool:
    """Whether uploads() can name any file for the job: some artifacts or cache `paths` or
    `untracked: true`, or a dotenv report (a job whose artifacts are test reports takes none)."""
    art = job.artifacts
    if art is None and not job.cache:
        return False  # most jobs
    settings = ([art] if art is not None else []) + job.cache
    if any(_scalars(s.get("paths")) or _true(s.get("untracked")) for s in settings):
        return True
    reports = art.get("reports") if art is not None else None
    return isinstance(reports, YMap) and bool(_scalars(reports.get("dotenv")))
