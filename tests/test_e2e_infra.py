"""The e2e building blocks really work: registry + skopeo auth, gitlab-ci-local preview and shell jobs."""

from __future__ import annotations

import base64
import subprocess
import textwrap
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from support import components, gitlab_ci_local
from support.registry import Registry, basic_auth, docker_auth_config

pytestmark = pytest.mark.e2e


def _config_with(reg: Registry, auth: str) -> str:
    return docker_auth_config(reg.host, auth)


def test_password_has_trap_characters(registry: Registry) -> None:
    assert {'"', "\\", "$", " ", ":"} <= set(registry.password)
    assert registry.password2.isalnum()


def test_right_credentials_push(registry: Registry, tmp_path: Path) -> None:
    proc = registry.push(registry.write_authfile(tmp_path / "config.json"), "e2e/right:v1")
    assert proc.returncode == 0, proc.stderr
    assert registry.tags("e2e/right") == ["v1"]


def test_plain_second_user_push(registry: Registry, tmp_path: Path) -> None:
    text = _config_with(registry, basic_auth(registry.user2, registry.password2))
    proc = registry.push(registry.write_authfile(tmp_path / "config.json", text), "e2e/plain:v1")
    assert proc.returncode == 0, proc.stderr


def test_wrong_password_is_unauthorized(registry: Registry, tmp_path: Path) -> None:
    text = _config_with(registry, basic_auth(registry.user, registry.password + "x"))
    proc = registry.push(registry.write_authfile(tmp_path / "config.json", text), "e2e/wrong:v1")
    assert proc.returncode != 0
    assert "unauthorized" in proc.stderr
    assert registry.tags("e2e/wrong") == []


def test_auth_of_echo_output_fails(registry: Registry, tmp_path: Path) -> None:
    # `echo "$USER:$PASS" | base64` encodes a trailing newline: it becomes part of the password.
    auth = base64.b64encode(f"{registry.user}:{registry.password}\n".encode()).decode()
    proc = registry.push(registry.write_authfile(tmp_path / "config.json", _config_with(registry, auth)))
    assert proc.returncode != 0
    assert "unauthorized" in proc.stderr


def test_wrapped_base64_with_escaped_newline_works(registry: Registry, tmp_path: Path) -> None:
    # coreutils `base64` without -w0 wraps at 76 columns; JSON-escaped (\n) that is still accepted.
    creds = f"{registry.user}:{registry.password}".encode()
    auth = subprocess.run(["base64"], input=creds, capture_output=True, check=True).stdout.decode()
    assert "\n" in auth.rstrip("\n"), "credentials too short to wrap"
    text = _config_with(registry, auth)
    assert "\\n" in text
    proc = registry.push(registry.write_authfile(tmp_path / "config.json", text), "e2e/wrapped:v1")
    assert proc.returncode == 0, proc.stderr


PIPELINE = """\
.base:
  image: alpine:3.20
  variables:
    FROM_BASE: base
    OVERRIDDEN: base
  before_script:
    - echo base
build:
  extends: .base
  stage: build
  variables:
    OVERRIDDEN: build
  script:
    - echo build
test:
  extends: .base
  script:
    - echo test
"""


def test_preview_merges_extends(tmp_path: Path) -> None:
    components.require("gitlab-ci-local")
    (tmp_path / ".gitlab-ci.yml").write_text(PIPELINE)
    merged = YAML(typ="safe").load(gitlab_ci_local.preview(tmp_path))
    assert merged["build"] == {
        "image": {"name": "alpine:3.20"},  # --preview normalises image/services to the long form
        "variables": {"FROM_BASE": "base", "OVERRIDDEN": "build"},
        "before_script": ["echo base"],
        "stage": "build",
        "script": ["echo build"],
    }
    assert merged["test"]["variables"] == {"FROM_BASE": "base", "OVERRIDDEN": "base"}
    assert merged["test"]["script"] == ["echo test"]
    assert ".base" not in merged  # hidden jobs are dropped


PUSH_JOB = """\
push-image:
  image: quay.io/skopeo/stable  # ignored: run_job forces the shell executor
  script:
    - mkdir -p "$HOME/.docker"
    - echo "$DOCKER_AUTH_CONFIG" > "$HOME/.docker/config.json"
    - skopeo copy --quiet --dest-tls-verify=false "oci:$OCI_LAYOUT:latest" "docker://$REGISTRY/$REPO"
"""


@pytest.fixture
def push_project(tmp_path: Path) -> Path:
    components.require("gitlab-ci-local", "skopeo")
    project = tmp_path / "project"
    project.mkdir()
    (project / ".gitlab-ci.yml").write_text(PUSH_JOB)
    return project


@pytest.mark.parametrize("right", [True, False], ids=["right-password", "wrong-password"])
def test_gitlab_ci_local_job_pushes_with_docker_auth_config(
    registry: Registry, push_project: Path, tmp_path: Path, right: bool
) -> None:
    password = registry.password if right else "wrong"
    config = _config_with(registry, basic_auth(registry.user, password))
    repo = f"e2e/gcl-{'right' if right else 'wrong'}"
    home = tmp_path / "home"
    home.mkdir()
    variables = {"DOCKER_AUTH_CONFIG": config, "REGISTRY": registry.host,
                 "OCI_LAYOUT": str(registry.oci_layout), "REPO": f"{repo}:v1"}
    proc = gitlab_ci_local.run_job(push_project, "push-image", variables, home)
    out = proc.stdout + proc.stderr
    assert (home / ".docker" / "config.json").read_text() == config + "\n"  # the job ran with our HOME
    if right:
        assert proc.returncode == 0, out
        assert "PASS" in proc.stdout
        assert registry.tags(repo) == ["v1"]
    else:
        assert proc.returncode == 1, out
        assert "FAIL" in proc.stdout and "unauthorized" in out
        assert registry.tags(repo) == []
    assert (push_project / ".gitlab-ci-local").is_dir()  # its state stays in the project dir


def test_run_job_keeps_values_and_state_out_of_git(tmp_path: Path) -> None:
    components.require("gitlab-ci-local")
    (tmp_path / ".gitlab-ci.yml").write_text(textwrap.dedent("""\
        show:
          script:
            - printf '[%s]\\n' "$RAW" "$EXPANDED"
        """))
    tricky = 'a "b" \\c $HOME %s `x`'
    proc = gitlab_ci_local.run_job(tmp_path, "show", {"RAW": gitlab_ci_local.literal(tricky), "EXPANDED": "x$HOME"},
                                   tmp_path / "home")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"[{tricky}]" in proc.stdout
    assert "[x]" in proc.stdout  # $HOME is not a CI variable: GitLab-style expansion empties it
    status = subprocess.run(["git", "status", "--porcelain"], cwd=tmp_path, capture_output=True, text=True)
    assert status.stdout == ""
    assert "warn" not in proc.stderr.lower()
