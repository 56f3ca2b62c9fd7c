"""Locate external components for e2e tests; skip (or, in CI, fail) when one is missing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Where .ci/run installs gitlab-ci-local (4.73.0 is the newest release that runs on node 20).
GCL_LOCAL = REPO / ".ci" / "node" / "node_modules" / ".bin" / "gitlab-ci-local"

# tool -> how to get it (the message names the package, not just the binary).
INSTALL: dict[str, str] = {
    "docker-registry": "apt-get install docker-registry",
    "skopeo": "apt-get install skopeo",
    "htpasswd": "apt-get install apache2-utils",
    "rsync": "apt-get install rsync",
    "busybox": "apt-get install busybox",
    "dash": "apt-get install dash",
    "git": "apt-get install git",
    "node": "apt-get install nodejs (node >= 20)",
    "gitlab-ci-local": "npm install --prefix .ci/node gitlab-ci-local@4.73.0",
}
# gitlab-ci-local is a node script, and it shells out to git and rsync for every job.
IMPLIES: dict[str, tuple[str, ...]] = {"gitlab-ci-local": ("node", "git", "rsync")}


def which(tool: str) -> str | None:
    """Path of `tool`, or None. gitlab-ci-local is also looked up in the repo's .ci/node."""
    if tool not in INSTALL:
        raise ValueError(f"unknown e2e component {tool!r}; known: {sorted(INSTALL)}")
    found = shutil.which(tool)
    if found is None and tool == "gitlab-ci-local" and os.access(GCL_LOCAL, os.X_OK):
        found = str(GCL_LOCAL)
    return found


def strict() -> bool:
    """CI sets AUTHLINT_REQUIRE_E2E=1 so that a missing component fails instead of skipping."""
    return os.environ.get("AUTHLINT_REQUIRE_E2E") == "1"


def require(*tools: str) -> dict[str, str]:
    """Return {tool: path} for every tool, or skip/fail the calling test naming what to install."""
    wanted = list(dict.fromkeys(t for tool in tools for t in (tool, *IMPLIES.get(tool, ()))))
    paths = {tool: which(tool) for tool in wanted}
    missing = [tool for tool, path in paths.items() if path is None]
    if missing:
        hints = "; ".join(f"{tool}: {INSTALL[tool]}" for tool in missing)
        reason = f"e2e component(s) missing: {', '.join(missing)} ({hints})"
        if strict():
            pytest.fail(reason + " [AUTHLINT_REQUIRE_E2E=1]", pytrace=False)
        pytest.skip(reason)
    return {tool: path for tool, path in paths.items() if path is not None}
