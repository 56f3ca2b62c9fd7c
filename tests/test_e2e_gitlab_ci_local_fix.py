"""End to end through a real GitLab CI implementation: a broken job fails, `authlint fix` repairs it.

tests/e2e_pipelines/gitlab-ci-local/skopeo-echo-no-mkdir writes `$HOME/.docker/config.json` with
`echo "$DOCKER_AUTH_CONFIG"` without creating `$HOME/.docker` first, then pushes with
`skopeo copy --authfile $HOME/.docker/config.json` to the session registry. The job runs with
gitlab-ci-local's shell executor (`--force-shell-executor`, HOME in the process environment, see
support/gitlab_ci_local.py), with DOCKER_AUTH_CONFIG as a Variable and as a File-type variable
(gitlab-ci-local writes File-type values to a temp file and exports its path, as GitLab Runner does).
BEFORE the fix the job fails in both; AFTER the real CLI `authlint fix --unsafe-fixes` (AL204 inserts
`mkdir -p`, AL207 the canonical write) it pushes in both.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from support import components, gitlab_ci_local
from support.registry import Registry

pytestmark = pytest.mark.e2e

PROJECT = Path(__file__).resolve().parent / "e2e_pipelines" / "gitlab-ci-local" / "skopeo-echo-no-mkdir"
JOB = "push-image"
TAG = "gcl"


def _authlint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "authlint", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode in (0, 1), proc.stderr
    return proc


def _codes(project: Path) -> set[str]:
    proc = _authlint("check", "--output-format", "json", ".", cwd=project)
    return {f["code"] for f in json.loads(proc.stdout)["findings"]}


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The original job and a copy fixed by the real CLI (before any git repo is made around them)."""
    components.require("gitlab-ci-local", "skopeo")
    base = tmp_path_factory.mktemp("gcl-fix")
    before, after = base / "before", base / "after"
    shutil.copytree(PROJECT, before)
    shutil.copytree(PROJECT, after)
    assert {"AL204", "AL207"} <= _codes(after)
    _authlint("fix", "--unsafe-fixes", ".", cwd=after)
    fixed = (after / ".gitlab-ci.yml").read_text()
    assert fixed != (PROJECT / ".gitlab-ci.yml").read_text()
    assert 'mkdir -p "$HOME/.docker"' in fixed
    assert not {"AL204", "AL207"} & _codes(after)
    return {"before": before, "after": after}


def _variables_file(project: Path, registry: Registry, var_type: str) -> None:
    """gitlab-ci-local's project variables file: DOCKER_AUTH_CONFIG as a Variable or a File-type variable.

    Written into the job's copy only after `authlint fix` ran (on another copy), so authlint never sees
    it. (`--variables-file` is resolved against the project directory, so the default name is used.)
    """
    doc = {"DOCKER_AUTH_CONFIG": {"type": var_type, "values": {"*": registry.docker_auth_config}}}
    # JSON is YAML; the value has no `$`, so gitlab-ci-local's expansion leaves it as it is.
    (project / ".gitlab-ci-local-variables.yml").write_text(json.dumps(doc))


FILE_VARIABLES = "gitlab-ci-local-file-variables-*"  # gitlab-ci-local 4.73: always under /tmp, never removed


@pytest.fixture
def file_variables_cleanup() -> Iterator[None]:
    """Remove the File-type variable directories this test's gitlab-ci-local run left in /tmp."""
    tmp = Path("/tmp")
    before = set(tmp.glob(FILE_VARIABLES))
    yield
    for leftover in set(tmp.glob(FILE_VARIABLES)) - before:
        if leftover.is_dir() and {p.name for p in leftover.iterdir()} <= {"DOCKER_AUTH_CONFIG"}:
            shutil.rmtree(leftover, ignore_errors=True)


@pytest.mark.parametrize("var_type", ["variable", "file"])
@pytest.mark.parametrize("phase", ["before", "after"])
def test_gitlab_ci_local_job_before_and_after_fix(
    registry: Registry, projects: dict[str, Path], tmp_path: Path, file_variables_cleanup: None,
    phase: str, var_type: str,
) -> None:
    project = tmp_path / "project"
    shutil.copytree(projects[phase], project)
    home = tmp_path / "home"  # fresh: no ~/.docker, no ~/.gitlab-ci-local
    repo = f"e2e/gcl-fix/{phase}-{var_type}"
    variables = {
        "CI_REGISTRY": registry.host,
        "CI_REGISTRY_IMAGE": f"{registry.host}/{repo}",
        "IMAGE_TAG": TAG,
        "OCI_LAYOUT": str(registry.oci_layout),
    }
    _variables_file(project, registry, var_type)
    proc = gitlab_ci_local.run_job(project, JOB, variables, home,
                                   extra_args=["--ignore-predefined-vars=CI_REGISTRY,CI_REGISTRY_IMAGE"])
    out = proc.stdout + proc.stderr
    assert f"variable type - {var_type}" in proc.stdout, out  # the job saw the type we configured
    if phase == "before":
        assert proc.returncode == 1, out
        assert "FAIL" in proc.stdout, out
        assert re.search(r"\.docker/config\.json: (No such file or directory|Directory nonexistent)", out), out
        assert registry.tags(repo) == []
    else:
        assert proc.returncode == 0, out
        assert "PASS" in proc.stdout, out
        assert registry.tags(repo) == [TAG]
        written = (home / ".docker" / "config.json").read_text()
        assert written == registry.docker_auth_config  # the JSON itself (copied or printf'd), not a path
