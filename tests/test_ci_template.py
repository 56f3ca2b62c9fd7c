"""The GitLab CI lint job: templates/authlint.gitlab-ci.yml (plain include) and templates/authlint.yml
(CI/CD component with `spec: inputs:`).

Both templates must lint clean with authlint itself, and the component with its inputs filled in must
be the same job as the plain template. The job then runs for real under gitlab-ci-local's shell
executor in scratch projects that include the template with `include: local:`; the override
`AUTHLINT_PACKAGE: ""` makes the job use the authlint on PATH (this checkout's venv) instead of
pip-installing it. A project with findings must fail the job and still export a Code Quality report
and a JUnit report as artifacts; a clean project must pass with empty reports.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

from authlint import __version__
from authlint.reporters import REPOSITORY_URL
from support import components, gitlab_ci_local

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = REPO / "templates"
PLAIN = TEMPLATES / "authlint.gitlab-ci.yml"
COMPONENT = TEMPLATES / "authlint.yml"
INPUTS = {"stage", "image", "package", "paths", "args"}
INPUT_REF = re.compile(r"\$\[\[\s*inputs\.([A-Za-z0-9_-]+)\s*\]\]")
REPORT, JUNIT = "gl-code-quality-report.json", "authlint-junit.xml"
SECRET = "hunter2-Zq8"
# GitLab's source archive of the release tag: pip builds it without git, which python:3.12-slim lacks.
ARCHIVE_URL = f"{REPOSITORY_URL}/-/archive/v{__version__}/authlint-v{__version__}.tar.gz"


def _authlint(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "authlint", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


def _interpolate(value: Any, inputs: dict[str, str]) -> Any:
    """GitLab's input interpolation: on the loaded YAML, in every string (keys included)."""
    if isinstance(value, dict):
        return {_interpolate(k, inputs): _interpolate(v, inputs) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, inputs) for v in value]
    if isinstance(value, str):
        return INPUT_REF.sub(lambda m: inputs[m.group(1)], value)
    return value


def _component(**overrides: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(spec, the job document with inputs = defaults + overrides)."""
    spec, body = yaml.safe_load_all(COMPONENT.read_text(encoding="utf-8"))
    inputs = {name: str(d.get("default", "")) for name, d in spec["spec"]["inputs"].items()}
    unknown = set(overrides) - set(inputs)
    assert not unknown, f"not an input of the component: {unknown}"
    return spec, _interpolate(body, {**inputs, **overrides})


# -- static ------------------------------------------------------------------------------------


def test_templates_lint_clean_with_authlint() -> None:
    proc = _authlint("check", "templates/")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # A directory walk picks up *.gitlab-ci.yml only; named explicitly, the component is linted too.
    proc = _authlint("check", "--output-format", "json", "templates/authlint.yml", "templates/authlint.gitlab-ci.yml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["findings"] == [] and doc["summary"]["files"] == 2


def test_component_spec_declares_every_input_it_uses() -> None:
    docs = list(yaml.safe_load_all(COMPONENT.read_text(encoding="utf-8")))
    assert len(docs) == 2 and set(docs[0]) == {"spec"}  # header, `---`, then the job
    inputs = docs[0]["spec"]["inputs"]
    assert set(inputs) == INPUTS
    assert all(isinstance(d, dict) and "default" in d and d.get("description") for d in inputs.values())
    assert inputs["image"]["default"].startswith("python:3")
    assert (inputs["stage"]["default"], inputs["paths"]["default"], inputs["args"]["default"]) == ("test", ".", "")
    assert inputs["package"]["default"] == ARCHIVE_URL  # never a bare PyPI name authlint does not own
    used = set(INPUT_REF.findall(COMPONENT.read_text(encoding="utf-8").split("\n---\n", 1)[1]))
    assert used == INPUTS


def test_component_with_default_inputs_is_the_plain_template() -> None:
    _, job = _component()
    plain = yaml.safe_load(PLAIN.read_text(encoding="utf-8"))
    assert job == plain


def test_component_inputs_reach_the_job() -> None:
    _, doc = _component(stage="lint", image="registry.example.com/tools/authlint:0.1.0", package="",
                        paths=".gitlab-ci.yml ci/", args="--ignore AL106")
    job = doc["authlint"]
    assert job["stage"] == "lint" and job["image"] == "$AUTHLINT_IMAGE"
    assert {
        "AUTHLINT_IMAGE": "registry.example.com/tools/authlint:0.1.0",
        "AUTHLINT_PACKAGE": "",
        "AUTHLINT_PATHS": ".gitlab-ci.yml ci/",
        "AUTHLINT_ARGS": "--ignore AL106",
    }.items() <= job["variables"].items()


def test_job_contract() -> None:
    job = yaml.safe_load(PLAIN.read_text(encoding="utf-8"))["authlint"]
    script = job["script"]
    assert script[-1] == 'exit "$status"'
    gitlab = next(s for s in script if "--output-format gitlab" in s)
    junit = next(s for s in script if "--output-format junit" in s)
    assert gitlab.endswith(f"> {REPORT} || status=$?") and junit.endswith(f"> {JUNIT} || status=$?")
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["reports"] == {"codequality": REPORT, "junit": JUNIT}
    # pip installs what AUTHLINT_PACKAGE names (by default the release archive, which needs no git);
    # empty: the authlint on PATH, or a clear failure
    assert job["variables"]["AUTHLINT_PACKAGE"] == ARCHIVE_URL
    assert 'pip install --quiet "$AUTHLINT_PACKAGE"' in script[0] and "command -v authlint" in script[0]


# -- run by gitlab-ci-local ----------------------------------------------------------------------

BROKEN = f"""\
include:
  - local: templates/authlint.gitlab-ci.yml

authlint:
  variables:
    AUTHLINT_PACKAGE: ""  # use the authlint on PATH; no pip install from the network

push:
  image: docker:27
  script:
    - docker login -u deploy -p {SECRET} registry.example.com
    - ./ci/push.sh
"""
PUSH_SH = '#!/bin/sh\ndocker login -u deploy -p "$REGISTRY_PASSWORD" registry.example.com\ndocker push registry.example.com/app\n'
CLEAN = """\
include:
  - local: templates/authlint.gitlab-ci.yml

authlint:
  variables:
    AUTHLINT_PACKAGE: ""

push:
  image: docker:27
  services: [docker:27-dind]
  script:
    - printf '%s' "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"
    - docker push "$CI_REGISTRY_IMAGE"
"""


def _project(path: Path, pipeline: str, template: str, extra: dict[str, str] | None = None) -> Path:
    (path / "templates").mkdir(parents=True)
    (path / "templates" / "authlint.gitlab-ci.yml").write_text(template, encoding="utf-8")
    (path / ".gitlab-ci.yml").write_text(pipeline, encoding="utf-8")
    for rel, text in (extra or {}).items():
        (path / rel).parent.mkdir(parents=True, exist_ok=True)
        (path / rel).write_text(text, encoding="utf-8")
        if text.startswith("#!"):
            (path / rel).chmod(0o755)
    return path


class Run:
    def __init__(self, project: Path, proc: subprocess.CompletedProcess[str]) -> None:
        self.project, self.proc, self.log = project, proc, proc.stdout + proc.stderr
        self.artifacts = project / ".gitlab-ci-local" / "artifacts" / "authlint"

    def report(self) -> list[dict[str, Any]]:
        return json.loads((self.artifacts / REPORT).read_text(encoding="utf-8"))

    def junit(self) -> ET.Element:
        return ET.parse(self.artifacts / JUNIT).getroot()

    def job(self) -> dict[str, Any]:
        """The job as gitlab-ci-local ran it (include merged with the project's overrides)."""
        expanded = self.project / ".gitlab-ci-local" / "expanded-gitlab-ci.yml"
        return yaml.safe_load(expanded.read_text(encoding="utf-8"))["authlint"]


@pytest.fixture(scope="module")
def run_job(tmp_path_factory: pytest.TempPathFactory):
    """Run the `authlint` job of a scratch project with the shell executor; authlint from this venv,
    or, given `bindir`, whatever that directory's python3 installs and runs."""
    components.require("gitlab-ci-local", "rsync")
    bindir = Path(sys.executable).parent
    found = shutil.which("authlint", path=str(bindir)) or shutil.which("authlint")
    assert found, "the authlint console script is not installed (pip install -e .)"
    base = tmp_path_factory.mktemp("ci-template")

    def run(name: str, pipeline: str, template: str, extra: dict[str, str] | None = None, bindir: Path | None = None) -> Run:
        project = _project(base / name, pipeline, template, extra)
        old = os.environ["PATH"]
        others = [d for d in old.split(os.pathsep) if d and not os.path.exists(os.path.join(d, "authlint"))]
        first = str(bindir) if bindir else str(Path(found).parent)
        os.environ["PATH"] = os.pathsep.join([first, *others])  # shell-executor jobs inherit gitlab-ci-local's environment
        try:
            proc = gitlab_ci_local.run_job(project, "authlint", {}, base / f"{name}-home")
        finally:
            os.environ["PATH"] = old
        return Run(project, proc)

    return run


@pytest.fixture(scope="module")
def broken(run_job) -> Run:
    return run_job("broken", BROKEN, PLAIN.read_text(encoding="utf-8"), {"ci/push.sh": PUSH_SH})


def _assert_failed_with_reports(run: Run) -> None:
    assert run.proc.returncode == 1, run.log
    assert "FAIL" in run.log and "authlint" in run.log
    assert "AL102" in run.log and SECRET not in run.log  # the text report is in the job log, redacted
    # The job failed, and both reports were still written and exported as artifacts (when: always).
    issues = run.report()
    assert isinstance(issues, list)
    found = {(i["check_name"], i["location"]["path"], i["location"]["lines"]["begin"]) for i in issues}
    assert {("AL102", ".gitlab-ci.yml", 11), ("AL211", "ci/push.sh", 2)} <= found
    assert all({"description", "fingerprint", "severity"} <= set(i) for i in issues)
    assert SECRET not in json.dumps(issues)
    root = run.junit()
    failures = [f.get("type") for f in root.iter("failure")]
    assert "AL102" in failures and "AL211" in failures
    # The template itself is part of the linted project and is clean.
    assert not any(i["location"]["path"].startswith("templates/") for i in issues)


@pytest.mark.e2e
def test_job_fails_on_findings_and_uploads_both_reports(broken) -> None:
    _assert_failed_with_reports(broken)
    assert broken.job()["variables"]["AUTHLINT_PACKAGE"] == ""  # the override merged into the included job


@pytest.mark.e2e
def test_job_passes_on_a_clean_project(run_job) -> None:
    run = run_job("clean", CLEAN, PLAIN.read_text(encoding="utf-8"))
    assert run.proc.returncode == 0, run.log
    assert "PASS" in run.log
    assert run.report() == []
    root = run.junit()
    assert not list(root.iter("failure")) and not list(root.iter("error"))


@pytest.mark.e2e
def test_component_job_with_inputs_runs_the_same(run_job, broken) -> None:
    """gitlab-ci-local cannot fetch `include: component:`; fill in the inputs like GitLab does, then run it."""
    _, doc = _component(package="")
    text = "# templates/authlint.yml with inputs filled in (package: \"\")\n" + yaml.safe_dump(doc, sort_keys=False)
    # No override in the pipeline this time: the `package` input does it. Same line count as BROKEN.
    override = 'authlint:\n  variables:\n    AUTHLINT_PACKAGE: ""  # use the authlint on PATH; no pip install from the network\n'
    pipeline = BROKEN.replace(override, "# the component's\n# `package` input is empty:\n# authlint comes from PATH\n")
    assert "AUTHLINT_PACKAGE" not in pipeline and pipeline.count("\n") == BROKEN.count("\n")
    run = run_job("component", pipeline, text, {"ci/push.sh": PUSH_SH})
    _assert_failed_with_reports(run)
    assert run.job()["variables"]["AUTHLINT_PACKAGE"] == ""  # from the input
    assert run.job()["script"] == broken.job()["script"]
    assert run.report() == broken.report()


# -- the documented install: the release archive, into a clean Python, no git needed -----------

INCLUDED_ONLY = """\
include:
  - local: templates/authlint.gitlab-ci.yml
  - local: ci/build.yml

authlint:
  variables:
    AUTHLINT_PACKAGE: {archive}  # as the release archive URL, served from disk
    AUTHLINT_PATHS: .gitlab-ci.yml ci/

build:
  extends: .build
"""
BUILD_YML = f".build:\n  image: docker:27\n  script:\n    - docker login -u deploy -p {SECRET} registry.example.com\n"


def _release_archive(directory: Path) -> Path:
    """The checkout packed the way GitLab serves /-/archive/<tag>/<name>.tar.gz: one top directory."""
    import tarfile

    top = f"authlint-v{__version__}"
    archive = directory / f"{top}.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for rel in ("pyproject.toml", "README.md", "LICENSE", "authlint"):
            tar.add(REPO / rel, f"{top}/{rel}", filter=lambda t: None if "__pycache__" in t.name else t)
    return archive


@pytest.mark.e2e
def test_documented_install_fails_the_job_on_findings_in_an_included_file(run_job, tmp_path) -> None:
    """python:3.12-slim as the job sees it: a Python with pip and no authlint. The template's install
    line pip-installs the release archive (no git), and the findings sit only in an included file."""
    venv = tmp_path / "clean"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=120)
    archive = _release_archive(tmp_path)
    pipeline = INCLUDED_ONLY.format(archive=archive.as_uri())
    run = run_job("archive", pipeline, PLAIN.read_text(encoding="utf-8"), {"ci/build.yml": BUILD_YML}, bindir=venv / "bin")
    assert run.proc.returncode == 1, run.log
    assert (venv / "bin" / "authlint").exists()  # installed by the job, from the archive
    assert {(i["check_name"], i["location"]["path"]) for i in run.report()} == {("AL102", "ci/build.yml")}
    assert SECRET not in run.log
