"""Run gitlab-ci-local (npm, 4.73.0 on node 20) against a throwaway project directory.

Jobs run with the shell executor on this host, so they see the host's skopeo and the fixture registry.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from .components import which

# Identity via env (git >= 2.31) instead of a .gitconfig: the tests' temporary HOME hides the global
# one, and gitlab-ci-local would print "Using fallback git user.name" warnings.
GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_COUNT": "3",
    "GIT_CONFIG_KEY_0": "user.name", "GIT_CONFIG_VALUE_0": "authlint e2e",
    "GIT_CONFIG_KEY_1": "user.email", "GIT_CONFIG_VALUE_1": "e2e@authlint.invalid",
    "GIT_CONFIG_KEY_2": "commit.gpgsign", "GIT_CONFIG_VALUE_2": "false",
}
REMOTE = "https://gitlab.example.com/authlint/e2e.git"  # only parsed for CI_PROJECT_* variables, never contacted
# GCL_* are gitlab-ci-local options/variables; the rest would point skopeo at credentials outside HOME.
SCRUB_PREFIXES = ("GCL_", "DOCKER_CONFIG", "REGISTRY_AUTH_FILE", "XDG_CONFIG_HOME")


class GitlabCiLocalError(RuntimeError):
    pass


def literal(value: str) -> str:
    """Escape `$` so gitlab-ci-local (like GitLab with variable expansion on) keeps the value as is."""
    return value.replace("$", "$$")


def _git(project_dir: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=project_dir, env={**os.environ, **GIT_ENV}, check=True,
                   capture_output=True, stdin=subprocess.DEVNULL)


def ensure_git_repo(project_dir: Path) -> None:
    """Make `project_dir` its own git repo with a commit, an `origin` remote and origin/HEAD.

    gitlab-ci-local reads all of these; without them it prints warnings (and falls back to a parent repo).
    Its state dir `.gitlab-ci-local/` is excluded so it never lands in a commit or `git status`.
    """
    if (project_dir / ".git").exists():
        return
    _git(project_dir, "init", "-q", "-b", "main")
    (project_dir / ".git" / "info").mkdir(exist_ok=True)
    with open(project_dir / ".git" / "info" / "exclude", "a") as exclude:
        exclude.write(".gitlab-ci-local/\n")
    _git(project_dir, "add", "-A")
    _git(project_dir, "commit", "-q", "--allow-empty", "-m", "e2e fixture")
    _git(project_dir, "remote", "add", "origin", REMOTE)
    _git(project_dir, "update-ref", "refs/remotes/origin/main", "HEAD")  # what a fetch would have created
    _git(project_dir, "remote", "set-head", "origin", "main")


def executable() -> str:
    path = which("gitlab-ci-local")
    if path is None:
        raise GitlabCiLocalError("gitlab-ci-local not found; call components.require('gitlab-ci-local') first")
    return path


def _env(home: Path) -> dict[str, str]:
    # HOME goes into the process environment, never as a CI variable: a variable whose value is an
    # existing path becomes a *file* variable (EISDIR). Shell-executor jobs inherit this environment.
    env = {k: v for k, v in os.environ.items() if not k.startswith(SCRUB_PREFIXES)}
    return {**env, **GIT_ENV, "HOME": str(home)}


def _run(project_dir: Path, args: Sequence[str], home: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    ensure_git_repo(project_dir)
    # Schema validation costs ~0.3 s; it did not change --preview output on valid pipelines (checked),
    # it only turns a schema-invalid pipeline into an error.
    cmd = [executable(), "--no-color", "--json-schema-validation=false", *args]
    return subprocess.run(cmd, cwd=project_dir, env=_env(home), capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def preview(project_dir: Path, *, home: Path | None = None, timeout: float = 60) -> str:
    """`gitlab-ci-local --preview`: the merged YAML (includes, extends, default:, !reference expanded).

    Quirks of the output: hidden jobs and `default:` are gone, `image`/`services` come out in the long
    form (`{name: ...}`), repeated values become anchors/aliases (`&ref_0`/`*ref_0`).

    Without `home`, a fresh empty HOME keeps ~/.gitlab-ci-local/{variables.yml,.env} out of the result.
    """
    with tempfile.TemporaryDirectory(prefix="gcl-home-") as tmp:
        proc = _run(project_dir, ["--preview"], home or Path(tmp), timeout)
    if proc.returncode != 0:
        raise GitlabCiLocalError(f"gitlab-ci-local --preview failed ({proc.returncode}):\n{proc.stderr}{proc.stdout}")
    return proc.stdout


def run_job(
    project_dir: Path,
    job: str,
    variables: Mapping[str, str],
    home: Path,
    *,
    extra_args: Sequence[str] = (),
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run one job with the shell executor (even if it has `image:`) and HOME=`home` (created if missing).

    Values are expanded like GitLab does (`$X` is replaced, `$$` is a literal `$`): wrap with literal()
    to pass a value unchanged. Exit code 1 means the job failed; its output is in stdout.
    """
    home.mkdir(parents=True, exist_ok=True)
    # Job name first and `--opt=value` forms: a space-separated array option would swallow a positional.
    args = [job, "--force-shell-executor", *(f"--variable={k}={v}" for k, v in variables.items()), *extra_args]
    return _run(project_dir, args, home, timeout)
