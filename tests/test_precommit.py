"""pre-commit integration: the hooks in .pre-commit-hooks.yaml, run by the real `pre-commit`.

pre-commit installs a hook repository from a git revision, so the session fixture copies this
checkout's current files (the package, pyproject.toml, README.md, .pre-commit-hooks.yaml) into a
temporary git repo and commits them; consumer repos point `repo:` at that path and `rev:` at the
commit. One PRE_COMMIT_HOME is shared by the session, so the hook environment (pip install of
authlint and its dependencies from PyPI) is built once.

pre-commit passes only the changed files. The first tests (no pre-commit needed) pin down what the
engine does with such a partial list: an included CI file or a script a job calls is linted in the
context of the project's .gitlab-ci.yml, and only the files given are reported.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from authlint.cli import main
from support import components
from support.files import write
from support.gitlab_ci_local import GIT_ENV

REPO = Path(__file__).resolve().parents[1]
SECRET = "hunter2-Zq8"
TOKEN = "glpat-Abcdefghij1234567890"

KANIKO_ROOT = """\
include:
  - local: ci/build.yml
.kaniko:
  image:
    name: gcr.io/kaniko-project/executor:v1.23.2-debug
    entrypoint: [""]
"""
# Kaniko reads /kaniko/.docker/config.json only: wrong in this job, which gets its image from the root.
BUILD_WRONG_PATH = """\
build:
  extends: .kaniko
  script:
    - mkdir -p "$HOME/.docker"
    - printf '%s' "$DOCKER_AUTH_CONFIG" > "$HOME/.docker/config.json"
    - /kaniko/executor --context . --destination "$CI_REGISTRY_IMAGE"
"""
BUILD_CLEAN = """\
build:
  extends: .kaniko
  script:
    - mkdir -p /kaniko/.docker
    - printf '%s' "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json
    - /kaniko/executor --context . --destination "$CI_REGISTRY_IMAGE"
"""
SCRIPT_ROOT = """\
build:
  image:
    name: gcr.io/kaniko-project/executor:v1.23.2-debug
    entrypoint: [""]
  script:
    - ./ci/auth.sh
    - /kaniko/executor --context . --destination "$CI_REGISTRY_IMAGE"
"""
AUTH_SH_WRONG_PATH = """\
#!/bin/sh
mkdir -p "$HOME/.docker"
printf '%s' "$DOCKER_AUTH_CONFIG" > "$HOME/.docker/config.json"
"""
AUTH_SH_CLEAN = """\
#!/bin/sh
mkdir -p /kaniko/.docker
printf '%s' "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json
"""
LOGIN_P = f"""\
build:
  image: docker:27
  script:
    - docker login -u deploy -p {SECRET} registry.example.com
    - docker push registry.example.com/app
"""
CLEAN = """\
build:
  image: docker:27
  services: [docker:27-dind]
  script:
    - printf '%s' "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"
    - docker push "$CI_REGISTRY_IMAGE"
"""
UNQUOTED = """\
build:
  image:
    name: gcr.io/kaniko-project/executor:v1.23.2-debug
    entrypoint: [""]
  script:
    - mkdir -p /kaniko/.docker
    - echo $DOCKER_AUTH_CONFIG > /kaniko/.docker/config.json
    - /kaniko/executor --context "$CI_PROJECT_DIR" --destination "$CI_REGISTRY_IMAGE:$CI_COMMIT_TAG"
"""


def findings(capsys, *args: str) -> tuple[int, list[dict]]:
    code = main(["check", "--output-format", "json", *args])
    out, _ = capsys.readouterr()
    return code, json.loads(out)["findings"]


def where(found: list[dict]) -> set[tuple[str, str, int]]:
    return {(f["code"], f["path"], f["start"]["line"]) for f in found}


# -- the engine given only the changed files ------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()  # the project root marker (no git needed)
    return tmp_path


def test_included_file_alone_gets_the_root_pipeline_context(project, capsys) -> None:
    write(project, {".gitlab-ci.yml": KANIKO_ROOT, "ci/build.yml": BUILD_WRONG_PATH})
    code, found = findings(capsys, "ci/build.yml")
    # Standalone, `extends: .kaniko` would be unknown (AL002) and the Kaniko image unseen (no AL203).
    assert code == 1 and where(found) == {("AL203", "ci/build.yml", 5)}
    assert "Kaniko" in found[0]["message"] and found[0]["job"] == "build"


def test_included_file_alone_without_the_root_is_linted_standalone(project, capsys) -> None:
    write(project, {"ci/build.yml": BUILD_WRONG_PATH})
    _, found = findings(capsys, "ci/build.yml")
    assert ("AL002", "ci/build.yml", 2) in where(found) and "AL203" not in {f["code"] for f in found}


def test_transitive_glob_include_and_yaml_root_name(project, capsys) -> None:
    write(project, {
        ".gitlab-ci.yaml": KANIKO_ROOT.replace("ci/build.yml", "ci/mid.yml"),
        "ci/mid.yml": "include:\n  - local: 'ci/jobs/*.yml'\n",
        "ci/jobs/build.yml": BUILD_WRONG_PATH,
    })
    code, found = findings(capsys, "ci/jobs/build.yml")
    assert code == 1 and where(found) == {("AL203", "ci/jobs/build.yml", 5)}


def test_only_given_files_are_reported(project, capsys) -> None:
    # The root has its own finding; given only the include, only the include is reported.
    write(project, {".gitlab-ci.yml": KANIKO_ROOT + LOGIN_P.replace("build:", "login:"), "ci/build.yml": BUILD_CLEAN})
    code, found = findings(capsys, "ci/build.yml")
    assert (code, found) == (0, [])
    _, found = findings(capsys, ".")
    assert {f["path"] for f in found} == {".gitlab-ci.yml"}


def test_a_given_root_reports_only_itself(project, capsys) -> None:
    # pre-commit passes the changed .gitlab-ci.yml: the unchanged include's findings are not its business
    write(project, {".gitlab-ci.yml": KANIKO_ROOT + LOGIN_P.replace("build:", "login:"), "ci/build.yml": BUILD_WRONG_PATH})
    _, found = findings(capsys, ".gitlab-ci.yml")
    assert {f["path"] for f in found} == {".gitlab-ci.yml"}
    _, found = findings(capsys, ".gitlab-ci.yml", "ci/build.yml")
    assert {f["path"] for f in found} == {".gitlab-ci.yml", "ci/build.yml"}
    _, found = findings(capsys, ".")
    assert {f["path"] for f in found} == {".gitlab-ci.yml", "ci/build.yml"}


def test_called_script_alone_gets_the_calling_job_context(project, capsys) -> None:
    write(project, {".gitlab-ci.yml": SCRIPT_ROOT, "ci/auth.sh": AUTH_SH_WRONG_PATH}, executable=("ci/auth.sh",))
    code, found = findings(capsys, "ci/auth.sh")
    assert code == 1 and where(found) == {("AL203", "ci/auth.sh", 3)}
    _, whole = findings(capsys, ".")
    assert where(whole) == where(found)  # the same as linting the whole project
    write(project, {"ci/auth.sh": AUTH_SH_CLEAN})
    assert findings(capsys, "ci/auth.sh") == (0, [])


def test_script_alone_is_not_blamed_for_the_pipeline(project, capsys) -> None:
    # The root pipeline has a missing include, a called script authlint cannot read (too large)
    # and its own finding: none of it shows up when only another script is checked.
    write(project, {
        "authlint.toml": "max-file-size = 2000\n",
        ".gitlab-ci.yml": "include:\n  - local: ci/missing.yml\n" + LOGIN_P + "big:\n  script: [./ci/big.sh]\n",
        "ci/big.sh": "#!/bin/sh\n" + "echo big\n" * 500,
        "ci/tool.sh": "#!/bin/sh\nset -eu\necho ok\n",
    })
    assert findings(capsys, "ci/tool.sh") == (0, [])
    assert main(["check", "."]) == 1  # while the whole project has findings and a read error
    assert "ci/big.sh:1:1: error AL001 file is larger than 2000 bytes" in capsys.readouterr().out


def test_yaml_that_is_not_gitlab_ci_is_skipped(project, capsys) -> None:
    # pre-commit passes every YAML file; these parse but are not pipelines (GitLab would call
    # `repos:` or `nav:` a job that "should be a mapping").
    write(project, {
        ".pre-commit-config.yaml": "repos:\n  - repo: https://example.com/hooks\n    rev: v1\n    hooks: [{id: authlint}]\n",
        "mkdocs.yml": "site_name: docs\nnav:\n  - Home: index.md\n",
        "docker-compose.yml": "services:\n  web:\n    image: nginx:1.27\n",
    })
    assert findings(capsys, ".pre-commit-config.yaml", "mkdocs.yml", "docker-compose.yml") == (0, [])


def test_fix_of_an_included_file_edits_only_that_file(project, capsys) -> None:
    write(project, {".gitlab-ci.yml": KANIKO_ROOT, "ci/build.yml": UNQUOTED.replace("build:\n", "build:\n  extends: .kaniko\n", 1)})
    root_before = (project / ".gitlab-ci.yml").read_text()
    assert main(["fix", "ci/build.yml"]) == 0
    capsys.readouterr()
    assert (project / ".gitlab-ci.yml").read_text() == root_before
    assert '"$DOCKER_AUTH_CONFIG"' in (project / "ci/build.yml").read_text()


# -- the real pre-commit ------------------------------------------------------------------------

HOOK_REPO_FILES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "LICENSE", "authlint")


def _env(pc_home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "GIT_", "SKIP"))}
    return {**env, **GIT_ENV, "PRE_COMMIT_HOME": str(pc_home), "PRE_COMMIT_COLOR": "never", "NO_COLOR": "1"}


def _git(cwd: Path, *args: str, env: dict[str, str]) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True,
                          stdin=subprocess.DEVNULL)
    return proc.stdout.strip()


class PreCommit:
    def __init__(self, hook_repo: Path, rev: str, home: Path) -> None:
        self.hook_repo, self.rev, self.home = hook_repo, rev, home
        self.env = _env(home)

    def consumer(self, path: Path, files: dict[str, str], hooks: tuple[str, ...] = ("authlint",),
                 executable: tuple[str, ...] = ()) -> Path:
        """A git repo with `files` committed and a config that uses this checkout's hooks."""
        path.mkdir(parents=True, exist_ok=True)
        config = (
            "repos:\n"
            f"  - repo: {json.dumps(str(self.hook_repo))}\n"
            f"    rev: {self.rev}\n"
            f"    hooks: [{', '.join('{id: %s}' % h for h in hooks)}]\n"
        )
        write(path, {".pre-commit-config.yaml": config, **files}, executable)
        _git(path, "init", "-q", "-b", "main", env=self.env)
        _git(path, "add", "-A", env=self.env)
        _git(path, "commit", "-q", "--no-verify", "-m", "init", env=self.env)
        return path

    def __call__(self, cwd: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=self.env,
                              capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        proc.stdout += proc.stderr
        return proc

    def git(self, cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(["git", *args], cwd=cwd, env=self.env, capture_output=True, text=True, timeout=600,
                              stdin=subprocess.DEVNULL)
        proc.stdout += proc.stderr
        if check:
            assert proc.returncode == 0, proc.stdout
        return proc


@pytest.fixture(scope="session")
def pre_commit(tmp_path_factory: pytest.TempPathFactory) -> PreCommit:
    """This checkout as a committed hook repo, and a PRE_COMMIT_HOME with its hook env installed."""
    components.require("git")
    try:
        import pre_commit  # noqa: F401
    except ImportError:
        reason = "pre-commit is not installed (pip install -e '.[test]')"
        if components.strict():
            pytest.fail(reason + " [AUTHLINT_REQUIRE_E2E=1]", pytrace=False)
        pytest.skip(reason)
    base = tmp_path_factory.mktemp("pre-commit")
    hook_repo = base / "authlint-hooks"
    hook_repo.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in HOOK_REPO_FILES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, hook_repo / name, ignore=ignore)
        elif src.exists():
            shutil.copy2(src, hook_repo / name)
    pc = PreCommit(hook_repo, "", base / "home")
    _git(hook_repo, "init", "-q", "-b", "main", env=pc.env)
    _git(hook_repo, "add", "-A", env=pc.env)
    _git(hook_repo, "commit", "-q", "-m", "authlint under test", env=pc.env)
    pc.rev = _git(hook_repo, "rev-parse", "HEAD", env=pc.env)
    # Build the hook environment once (pip install of the copy; needs PyPI or a wheelhouse).
    warm = pc.consumer(base / "warm", {"README.txt": "warm-up\n"}, hooks=("authlint", "authlint-fix", "authlint-dockercfg"))
    proc = pc(warm, "install-hooks")
    assert proc.returncode == 0, proc.stdout
    return pc


@pytest.mark.e2e
def test_manifest_is_valid(pre_commit) -> None:
    proc = pre_commit(REPO, "validate-manifest", str(REPO / ".pre-commit-hooks.yaml"))
    assert proc.returncode == 0, proc.stdout


@pytest.mark.e2e
def test_hook_fails_on_credentials_in_ci_yaml_and_shebang_scripts(pre_commit, tmp_path) -> None:
    repo = pre_commit.consumer(tmp_path / "c", {
        ".gitlab-ci.yml": LOGIN_P,
        "deploy.gitlab-ci.yml": LOGIN_P.replace("build:", "deploy:"),
        "bin/release": '#!/bin/bash\ndocker login -u deploy -p "$REGISTRY_PASSWORD" registry.example.com\n',
        "notes.txt": f"docker login -p {SECRET}\n",  # not a file authlint looks at
    }, executable=("bin/release",))
    proc = pre_commit(repo, "run", "authlint", "--all-files")
    assert proc.returncode == 1, proc.stdout
    out = proc.stdout
    assert "authlint (registry credentials in GitLab CI)" in out and "Failed" in out
    assert ".gitlab-ci.yml:4:33: error AL102" in out
    assert "deploy.gitlab-ci.yml:4:33: error AL102" in out
    assert "bin/release:2:24: warning AL211" in out  # extension-less, found by its shebang
    assert "notes.txt" not in out and ".pre-commit-config.yaml" not in out
    assert SECRET not in out


@pytest.mark.e2e
def test_hooks_check_auth_files(pre_commit, tmp_path) -> None:
    auth = base64.b64encode(f"deploy:{TOKEN}".encode()).decode()
    repo = pre_commit.consumer(tmp_path / "c", {
        "docker/config.json": json.dumps({"auths": {"registry.example.com": {"auth": auth}}}) + "\n",
        "k8s/pull.dockerconfigjson": json.dumps({"auths": {"registry.example.com": {"auth": auth}}}) + "\n",
        ".dockercfg": json.dumps({"registry.gitlab.com": {"username": "deploy", "password": TOKEN, "email": "ci@example.com"}}) + "\n",
        "package.json": '{"name": "app", "version": "1.0.0"}\n',
    }, hooks=("authlint", "authlint-dockercfg"))
    proc = pre_commit(repo, "run", "--all-files")
    assert proc.returncode == 1, proc.stdout
    out = proc.stdout
    assert "docker/config.json:1:" in out and "AL104" in out
    assert "k8s/pull.dockerconfigjson:1:" in out
    assert ".dockercfg:1:" in out
    assert "package.json" not in out
    assert TOKEN not in out
    # `.dockercfg` and `*.dockerconfigjson` have no json tag: only the -dockercfg hook sees them.
    main_hook = pre_commit(repo, "run", "authlint", "--all-files", "--verbose").stdout
    assert "docker/config.json:1:" in main_hook and ".dockercfg" not in main_hook and "dockerconfigjson" not in main_hook


@pytest.mark.e2e
def test_hook_passes_on_clean_files(pre_commit, tmp_path) -> None:
    repo = pre_commit.consumer(tmp_path / "c", {
        ".gitlab-ci.yml": CLEAN,
        "docker-compose.yml": "services:\n  web:\n    image: nginx:1.27\n",  # YAML that is not GitLab CI
        "scripts/build.sh": "#!/bin/sh\nset -eu\nmake\n",
        "package.json": '{"name": "app", "repository": "https://gitlab.example.com/group/app.git"}\n',
    })
    proc = pre_commit(repo, "run", "authlint", "--all-files")
    assert proc.returncode == 0, proc.stdout
    assert "Passed" in proc.stdout


@pytest.mark.e2e
def test_fix_hook_modifies_then_passes(pre_commit, tmp_path) -> None:
    repo = pre_commit.consumer(tmp_path / "c", {".gitlab-ci.yml": UNQUOTED}, hooks=("authlint-fix",))
    proc = pre_commit(repo, "run", "authlint-fix", "--all-files")
    assert proc.returncode == 1, proc.stdout
    assert "files were modified by this hook" in proc.stdout
    fixed = (repo / ".gitlab-ci.yml").read_text()
    assert fixed != UNQUOTED and '"$DOCKER_AUTH_CONFIG"' in fixed
    assert "echo $DOCKER_AUTH_CONFIG" not in fixed
    again = pre_commit(repo, "run", "authlint-fix", "--all-files")
    assert again.returncode == 0, again.stdout
    assert (repo / ".gitlab-ci.yml").read_text() == fixed


@pytest.mark.e2e
def test_commit_of_a_changed_include_or_script_is_linted_in_the_pipeline(pre_commit, tmp_path) -> None:
    """`git commit` through the installed hook: pre-commit passes only the staged file."""
    repo = pre_commit.consumer(tmp_path / "c", {
        ".gitlab-ci.yml": KANIKO_ROOT + SCRIPT_ROOT.replace("build:", "build-script:"),
        "ci/build.yml": BUILD_CLEAN,
        "ci/auth.sh": AUTH_SH_CLEAN,
    }, executable=("ci/auth.sh",))
    assert pre_commit(repo, "install").returncode == 0

    write(repo, {"ci/build.yml": BUILD_WRONG_PATH})
    pre_commit.git(repo, "add", "ci/build.yml")
    proc = pre_commit.git(repo, "commit", "-m", "change the include", check=False)
    assert proc.returncode != 0, proc.stdout
    assert "ci/build.yml:5:43: error AL203" in proc.stdout and "Kaniko" in proc.stdout
    assert "AL002" not in proc.stdout  # `extends: .kaniko` resolved through the root
    assert ".gitlab-ci.yml:" not in proc.stdout
    pre_commit.git(repo, "reset", "-q", "--hard")

    write(repo, {"ci/auth.sh": AUTH_SH_WRONG_PATH})
    pre_commit.git(repo, "add", "ci/auth.sh")
    proc = pre_commit.git(repo, "commit", "-m", "change the script", check=False)
    assert proc.returncode != 0, proc.stdout
    assert "ci/auth.sh:3:37: error AL203" in proc.stdout and "Kaniko" in proc.stdout

    write(repo, {"ci/auth.sh": AUTH_SH_CLEAN + "echo done\n"})
    pre_commit.git(repo, "add", "ci/auth.sh")
    proc = pre_commit.git(repo, "commit", "-m", "a clean change", check=False)
    assert proc.returncode == 0, proc.stdout


@pytest.mark.e2e
def test_try_repo(pre_commit, tmp_path) -> None:
    repo = pre_commit.consumer(tmp_path / "c", {".gitlab-ci.yml": LOGIN_P, "ci/ok.yml": "x: 1\n"})
    proc = pre_commit(repo, "try-repo", str(pre_commit.hook_repo), "authlint", "--files", ".gitlab-ci.yml")
    assert proc.returncode == 1, proc.stdout
    assert ".gitlab-ci.yml:4:33: error AL102" in proc.stdout
    proc = pre_commit(repo, "try-repo", str(pre_commit.hook_repo), "authlint", "--files", "ci/ok.yml")
    assert proc.returncode == 0, proc.stdout
