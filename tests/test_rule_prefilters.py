"""The cheap tests rules ask before their real work drop no finding: with each one forced
to say "go on", the corpus and the benchmark's generated projects give the same findings."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from authlint.engine import Linter
from authlint.rules import (
    al106_secret_detected as al106,
    al401_secret_printed_to_log as al401,
    al402_xtrace_with_credentials as al402,
    al405_credential_build_arg as al405,
)
from authlint.settings import Settings
from authlint.shell import trace
from authlint.shell.flow import job_flows
from support.corpus import require_corpus

_BENCH = Path(__file__).resolve().parents[1] / "bench"


def _generate(name: str, root: Path, count: int) -> None:
    spec = importlib.util.spec_from_file_location(name, _BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    module.generate(root, count)


def _findings(paths: list[Path], cwd: Path, monkeypatch) -> list:
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("AUTHLINT_JOBS", "1")
    return Linter(Settings(project_dir=str(cwd), select=("ALL",))).lint_paths(paths).findings


def _runs(tmp_path: Path) -> list[tuple[list[Path], Path]]:
    """(paths, working directory) of the corpus and of generated projects."""
    corpus = require_corpus()
    _generate("gen_projects", tmp_path / "gen", 30)
    _generate("fleet", tmp_path / "fleet", 20)
    (tmp_path / "gen" / "p_trace").mkdir()  # a called script that traces by its shebang
    (tmp_path / "gen" / "p_trace" / ".gitlab-ci.yml").write_text(
        "job:\n  script:\n    - ./ci/login.sh\n    - echo \"$CI_REGISTRY_PASSWORD\" | base64\n")
    (tmp_path / "gen" / "p_trace" / "ci").mkdir()
    (tmp_path / "gen" / "p_trace" / "ci" / "login.sh").write_text(
        "#!/bin/bash -x\ndocker login -u me -p \"$REGISTRY_PASSWORD\" registry.example.com\n")
    return [([p for p in corpus.iterdir() if p.is_dir()], corpus), ([tmp_path], tmp_path)]


def test_prefilters_drop_no_finding(tmp_path: Path, monkeypatch) -> None:
    runs = _runs(tmp_path)
    fast = [_findings(paths, cwd, monkeypatch) for paths, cwd in runs]
    monkeypatch.setattr(al106, "is_scan_candidate", lambda line: True)  # every file scanned
    monkeypatch.setattr(al401, "_literal_only", lambda args: False)
    monkeypatch.setattr(al402, "job_may_trace", lambda unit: True)
    monkeypatch.setattr(al405, "_keeps_build_line", lambda script: True)
    slow = [_findings(paths, cwd, monkeypatch) for paths, cwd in runs]
    assert fast == slow
    codes = {f.code for f in fast[0] + fast[1]}
    assert {"AL106", "AL401", "AL402", "AL405"} <= codes
    assert any(f.code == "AL402" and f.path.endswith("login.sh") for f in fast[1])


def test_al402_job_test_is_may_trace_of_the_job_flows(tmp_path: Path, monkeypatch) -> None:
    """AL402's job test answers, without the flows, what may_trace says of the job's two flows."""
    answers: list[tuple[bool, bool]] = []

    def checked(unit) -> bool:
        fast = trace.job_may_trace(unit)
        answers.append((fast, any(trace.may_trace(flow) for flow in job_flows(unit))))
        return fast

    monkeypatch.setattr(al402, "job_may_trace", checked)
    for paths, cwd in _runs(tmp_path):
        _findings(paths, cwd, monkeypatch)
    assert all(fast == slow for fast, slow in answers)
    assert any(fast for fast, _ in answers) and not all(fast for fast, _ in answers)
