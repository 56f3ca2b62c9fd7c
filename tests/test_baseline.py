"""`--baseline` / `--write-baseline` (DESIGN.md §3, Suppression and config)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from authlint.cli import main
from support.files import write

SECRET = "hunter2-Zq8"
TOKEN = "glpat-Abcdefghij1234567890"
USERPASS = "deploy:s3cr3t-Pw-77"
B64 = base64.b64encode(USERPASS.encode()).decode()


def job(name: str) -> str:
    return f"""\
{name}:
  image: docker:27
  script:
    - docker login -u deploy -p {SECRET} registry.example.com
    - docker push registry.example.com/app
"""


PIPELINE = f"""\
variables:
  TOKEN: {TOKEN}
""" + job("build")

AUTH_JSON = '{"auths":{"registry.example.com":{"auth":"%s"}}}\n' % B64


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["check", "--no-cache", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {".gitlab-ci.yml": PIPELINE, "config.json": AUTH_JSON})
    return tmp_path


def findings(capsys, *args: str) -> tuple[int, list[dict]]:
    code, out, _ = run(capsys, "--output-format", "json", *args)
    return code, json.loads(out)["findings"]


def test_write_then_reuse(project, capsys) -> None:
    code, before = findings(capsys)
    assert code == 1 and len(before) >= 3
    code, _, err = run(capsys, "--write-baseline", "baseline.json")
    assert code == 0 and f"Wrote {len(before)} findings to baseline baseline.json." in err
    code, out, _ = run(capsys, "--baseline", "baseline.json")
    assert code == 0
    assert "All checks passed!" in out and f"{len(before)} findings in baseline." in out
    code, out, _ = run(capsys, "--baseline", "baseline.json", "-q")
    assert code == 0 and "in baseline" not in out
    code, after = findings(capsys, "--baseline", "baseline.json")
    assert code == 0 and after == []


def test_file_format_is_stable_and_sorted(project, capsys) -> None:
    run(capsys, "--write-baseline", "baseline.json")
    first = (project / "baseline.json").read_bytes()
    run(capsys, "--write-baseline", "baseline.json")
    assert (project / "baseline.json").read_bytes() == first
    doc = json.loads(first)
    assert set(doc) == {"version", "findings"} and doc["version"] == 1
    entries = doc["findings"]
    assert entries == sorted(entries, key=lambda e: (e["path"], e["code"], e.get("job", ""), e["fingerprint"]))
    for e in entries:
        assert set(e) <= {"code", "path", "job", "fingerprint", "count"} and e["count"] == 1
    assert first.decode() == json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_no_secret_in_baseline(project, capsys) -> None:
    run(capsys, "--write-baseline", "baseline.json")
    text = (project / "baseline.json").read_text()
    for secret in (SECRET, TOKEN, TOKEN[6:], B64, USERPASS, "s3cr3t-Pw-77"):
        assert secret not in text


def test_moving_lines_keeps_findings_baselined(project, capsys) -> None:
    run(capsys, "--write-baseline", "baseline.json")
    original = (project / "baseline.json").read_bytes()
    moved = "# a comment\n\nstages: [build]\n\n" + PIPELINE.replace("variables:\n", "variables:\n  OTHER: plain\n\n")
    write(project, {".gitlab-ci.yml": moved, "config.json": "\n\n" + AUTH_JSON})
    code, left = findings(capsys, "--baseline", "baseline.json")
    assert code == 0 and left == []
    run(capsys, "--write-baseline", "baseline.json")
    assert (project / "baseline.json").read_bytes() == original  # no churn when lines move


def test_new_finding_in_another_job_or_file_still_fails(project, capsys) -> None:
    run(capsys, "--write-baseline", "baseline.json")
    write(project, {".gitlab-ci.yml": PIPELINE + "\n" + job("deploy")})
    code, left = findings(capsys, "--baseline", "baseline.json")
    assert code == 1 and [(f["code"], f["job"]) for f in left] == [("AL102", "deploy")]
    write(project, {".gitlab-ci.yml": PIPELINE, "ci/push.sh": f"#!/bin/sh\ndocker login -u deploy -p {SECRET} registry.example.com\n"})
    code, left = findings(capsys, "--baseline", "baseline.json")
    assert code == 1 and [(f["code"], f["path"]) for f in left] == [("AL102", "ci/push.sh")]


def test_baseline_counts_duplicates(project, capsys) -> None:
    login = f"    - docker login -u deploy -p {SECRET} registry.example.com\n"
    write(project, {".gitlab-ci.yml": PIPELINE.replace(login, login * 2)})
    run(capsys, "--write-baseline", "baseline.json")
    doc = json.loads((project / "baseline.json").read_text())
    assert sum(e["count"] for e in doc["findings"] if e["code"] == "AL102") == 2
    assert run(capsys, "--baseline", "baseline.json")[0] == 0
    write(project, {".gitlab-ci.yml": PIPELINE.replace(login, login * 3)})
    code, left = findings(capsys, "--baseline", "baseline.json")
    assert code == 1 and [f["code"] for f in left] == ["AL102"]
    # Hand-merged baselines may repeat a fingerprint: counts add up.
    for e in doc["findings"]:
        e["count"] = 1
    doc["findings"] += [e for e in doc["findings"] if e["code"] == "AL102"]
    (project / "baseline.json").write_text(json.dumps(doc))
    write(project, {".gitlab-ci.yml": PIPELINE.replace(login, login * 2)})
    assert run(capsys, "--baseline", "baseline.json")[0] == 0


def test_fixed_findings_just_disappear(project, capsys) -> None:
    run(capsys, "--write-baseline", "baseline.json")
    write(project, {".gitlab-ci.yml": job("build").replace(f"-p {SECRET}", "-p $REGISTRY_PASSWORD")})
    code, out, _ = run(capsys, "--baseline", "baseline.json", "--select", "AL102")
    assert code == 0 and "in baseline" not in out


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "does not exist (create it with --write-baseline baseline.json)"),
        ("{not json", "not a valid authlint baseline: invalid JSON"),
        ("[]", "expected an object with 'version' and 'findings'"),
        ('{"version": 2, "findings": []}', "unsupported baseline version 2"),
        ('{"version": 1, "findings": {}}', "'findings' must be a list"),
        ('{"version": 1, "findings": [{"code": "AL102"}]}', "entry 1 needs a 'fingerprint' string and a positive 'count'"),
        ('{"version": 1, "findings": [{"fingerprint": "x", "count": 0}]}', "entry 1 needs"),
    ],
)
def test_unusable_baseline_is_a_usage_error(project, capsys, content, message) -> None:
    if content is not None:
        (project / "baseline.json").write_text(content)
    code, out, err = run(capsys, "--baseline", "baseline.json")
    assert code == 2 and message in err and out == ""


def test_baseline_directory_is_a_usage_error(project, capsys) -> None:
    (project / "bl").mkdir()
    code, _, err = run(capsys, "--baseline", "bl")
    assert code == 2 and "authlint: error:" in err


def test_baseline_with_fix_reports_only_new_findings(project, capsys) -> None:
    run(capsys, "--write-baseline", "baseline.json")
    write(project, {".gitlab-ci.yml": PIPELINE + "    - echo hi  # authlint: ignore[AL102]\n"})
    code = main(["fix", "--baseline", "baseline.json"])
    out, _ = capsys.readouterr()
    assert code == 0 and "Fixed 1 finding." in out and "in baseline." in out
    assert "authlint: ignore" not in (project / ".gitlab-ci.yml").read_text()


def test_fix_from_stdin_honours_the_baseline(tmp_path, monkeypatch, capsys) -> None:
    import io

    from authlint.cli import main

    monkeypatch.chdir(tmp_path)
    text = "build:\n  image: docker:27\n  script:\n    - docker login -u u -p Hunter2-Very-S3cret r.example.com\n"
    (tmp_path / ".gitlab-ci.yml").write_text(text)
    assert main(["check", "--no-cache", "--write-baseline", "bl.json"]) == 0
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    code = main(["check", "--fix", "--baseline", "bl.json", "--stdin-filename", ".gitlab-ci.yml"])
    assert code == 0 and capsys.readouterr().out == text


def test_baseline_matches_from_a_subdirectory_of_the_project(tmp_path, monkeypatch, capsys) -> None:
    # fingerprints hold the path from the project directory (the config file's), not from the cwd
    from authlint.cli import main

    (tmp_path / "ci").mkdir()
    (tmp_path / "pyproject.toml").write_text("[tool.authlint]\nignore = []\n")
    (tmp_path / ".gitlab-ci.yml").write_text("build:\n  image: docker:27\n  script:\n    - ./ci/push.sh\n")
    (tmp_path / "ci" / "push.sh").write_text("#!/bin/sh\ndocker login -u u -p Hunter2-Very-S3cret r.example.com\n")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--no-cache", "--write-baseline", "bl.json", "."]) == 0
    monkeypatch.chdir(tmp_path / "ci")
    assert main(["check", "--no-cache", "--baseline", "../bl.json", "push.sh"]) == 0
    capsys.readouterr()
