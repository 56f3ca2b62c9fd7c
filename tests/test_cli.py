"""The command line and the engine's configuration contract (DESIGN.md §3)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from authlint.cli import main
from support.files import write

SECRET = "hunter2-Zq8"
PIPELINE = f"""\
build:
  image: docker:27
  script:
    - docker login -u deploy -p {SECRET} registry.example.com
    - docker push registry.example.com/app
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return write(tmp_path, {".gitlab-ci.yml": PIPELINE})


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_text_output_has_location_code_frame_and_redaction(project, capsys) -> None:
    code, out, _ = run(capsys, "check", ".")
    assert code == 1
    assert ".gitlab-ci.yml:4:33: error AL102 literal password given to `docker login -p`" in out
    assert "4 |     - docker login -u deploy -p " in out
    assert "^" in out and "AL102" in out
    assert SECRET not in out
    assert "Found 1 finding." in out


def test_json_output_contract(project, capsys) -> None:
    code, out, _ = run(capsys, "check", "--output-format", "json")
    assert code == 1
    doc = json.loads(out)
    assert doc["version"] == 1
    (f,) = doc["findings"]
    assert set(f) >= {"code", "name", "severity", "message", "path", "start", "end", "job", "fix", "fingerprint"}
    assert (f["code"], f["name"], f["severity"], f["path"], f["job"]) == ("AL102", "literal-registry-password", "error", ".gitlab-ci.yml", "build")
    assert f["start"] == {"line": 4, "column": 33} and f["end"] == {"line": 4, "column": 33 + len(SECRET)}
    assert doc["summary"] == {"files": 1, "findings": 1, "fixable": 0}
    assert SECRET not in out


def test_exit_codes(project, capsys) -> None:
    assert run(capsys, "check", "--exit-zero")[0] == 0
    assert run(capsys, "check", "--ignore", "AL102")[0] == 0
    code, _, err = run(capsys, "check", "--select", "AL999")
    assert code == 2 and "unknown rule selector" in err
    code, _, err = run(capsys, "check", "missing-dir")
    assert code == 2 and "no such file" in _ + err
    assert run(capsys, "check", "--output-format", "xml")[0] == 2


@pytest.mark.parametrize("selector", ["AL102", "AL1", "AL10", "literal-registry-password", "ALL"])
def test_select_by_code_prefix_and_name(project, capsys, selector) -> None:
    assert run(capsys, "check", "--select", selector)[0] == 1
    assert run(capsys, "check", "--select", selector, "--ignore", "AL102")[0] == 0


def test_extend_select_enables_off_by_default_rules(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {".gitlab-ci.yml": (
        "build:\n  image:\n    name: gcr.io/kaniko-project/executor:debug\n    entrypoint: [\"\"]\n  script:\n"
        "    - /kaniko/executor --context . --no-push\n"
    )})
    _, out, _ = run(capsys, "check", "--no-cache", "--output-format", "json")
    assert "AL503" not in {f["code"] for f in json.loads(out)["findings"]}  # off by default
    _, out, _ = run(capsys, "check", "--no-cache", "--extend-select", "AL503", "--output-format", "json")
    assert "AL503" in {f["code"] for f in json.loads(out)["findings"]}


def test_statistics_quiet_and_color(project, capsys) -> None:
    _, out, _ = run(capsys, "check", "--statistics")
    assert "    1  AL102" in out
    _, out, _ = run(capsys, "check", "-q")
    assert "Found" not in out and "AL102" in out
    _, out, _ = run(capsys, "check", "--color", "always")
    assert "\x1b[" in out
    _, out, _ = run(capsys, "check", "--color", "never", "--no-cache")
    assert "\x1b[" not in out


def test_stdin_filename(project, capsys, monkeypatch) -> None:
    import io

    data = PIPELINE.replace("registry.example.com\n", "registry.example.com  # authlint: ignore[AL102] -- test\n", 1)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode())))
    code, out, _ = run(capsys, "check", "--stdin-filename", ".gitlab-ci.yml")
    assert code == 0, out


def test_rule_and_rules(capsys) -> None:
    code, out, _ = run(capsys, "rule", "AL102")
    assert code == 0 and out.startswith("# AL102 literal-registry-password") and "## Why is this bad?" in out
    assert run(capsys, "rule", "literal-registry-password")[1] == out
    assert run(capsys, "rule", "AL999")[0] == 2
    code, out, _ = run(capsys, "rules")
    assert code == 0 and "AL001  parse-error" in out
    rules = json.loads(run(capsys, "rules", "--output-format", "json")[1])
    assert {"code", "name", "severity", "fix", "default", "summary"} <= set(rules[0])


def test_pyproject_config(project, capsys) -> None:
    write(project, {"pyproject.toml": '[tool.authlint]\nignore = ["AL102"]\n'})
    assert run(capsys, "check")[0] == 0
    write(project, {"pyproject.toml": '[tool.authlint]\nper-file-ignores = { ".gitlab-ci.yml" = ["AL1"] }\n'})
    assert run(capsys, "check")[0] == 0
    write(project, {"pyproject.toml": '[tool.authlint]\nseverity = { AL102 = "info" }\nfail-severity = "warning"\n'})
    code, out, _ = run(capsys, "check", "--output-format", "json")
    assert code == 0 and json.loads(out)["findings"][0]["severity"] == "info"


def test_authlint_toml_and_bad_config(project, capsys) -> None:
    write(project, {"authlint.toml": 'select = ["AL3"]\n'})
    assert run(capsys, "check")[0] == 0
    write(project, {"authlint.toml": "select = [\n"})
    code, _, err = run(capsys, "check")
    assert code == 2 and "invalid TOML" in err and "Traceback" not in err
    write(project, {"authlint.toml": "selekt = []\n"})
    code, _, err = run(capsys, "check")
    assert code == 2 and "unknown setting" in err


def test_exclude_and_gitignore(project, capsys) -> None:
    write(project, {"vendor/x.gitlab-ci.yml": PIPELINE, ".gitignore": "ignored/\n", "ignored/y.gitlab-ci.yml": PIPELINE})
    _, out, _ = run(capsys, "check", "--output-format", "json")
    paths = {f["path"] for f in json.loads(out)["findings"]}
    assert paths == {".gitlab-ci.yml", "vendor/x.gitlab-ci.yml"}
    write(project, {"authlint.toml": 'exclude = ["vendor"]\n'})
    _, out, _ = run(capsys, "check", "--output-format", "json")
    assert {f["path"] for f in json.loads(out)["findings"]} == {".gitlab-ci.yml"}


def test_inline_suppressions(project, capsys) -> None:
    same_line = PIPELINE.replace("registry.example.com\n", "registry.example.com  # authlint: ignore[AL102] -- rotated\n", 1)
    write(project, {".gitlab-ci.yml": same_line})
    assert run(capsys, "check")[0] == 0
    above = PIPELINE.replace("    - docker login", "    # authlint: ignore[literal-registry-password]\n    - docker login")
    write(project, {".gitlab-ci.yml": above})
    assert run(capsys, "check")[0] == 0
    whole = "# authlint: ignore-file[AL102]\n" + PIPELINE
    write(project, {".gitlab-ci.yml": whole})
    assert run(capsys, "check")[0] == 0
    pragma = PIPELINE.replace("registry.example.com\n", "registry.example.com  # pragma: allowlist secret\n", 1)
    write(project, {".gitlab-ci.yml": pragma})
    assert run(capsys, "check")[0] == 0


def test_unused_suppression_is_reported_and_fixed(project, capsys) -> None:
    text = "# authlint: ignore[AL206] -- stale\njob:\n  script: [make]\n"
    write(project, {".gitlab-ci.yml": text})
    code, out, _ = run(capsys, "check")
    assert code == 1 and "AL003" in out
    assert run(capsys, "fix")[0] == 0
    assert (project / ".gitlab-ci.yml").read_text() == "job:\n  script: [make]\n"


def test_included_file_is_linted_in_its_pipeline(project, capsys) -> None:
    write(project, {
        ".gitlab-ci.yml": "include:\n  - local: ci/jobs.yml\nvariables:\n  REGISTRY: registry.example.com\n",
        "ci/jobs.yml": PIPELINE,
    })
    code, out, _ = run(capsys, "check", "ci/jobs.yml", "--output-format", "json")
    doc = json.loads(out)
    assert code == 1
    assert {f["path"] for f in doc["findings"]} == {"ci/jobs.yml"}


def test_called_script_is_linted(project, capsys) -> None:
    write(project, {
        ".gitlab-ci.yml": "push:\n  script:\n    - ./ci/push.sh\n",
        "ci/push.sh": f"#!/bin/sh\ndocker login -u deploy -p {SECRET} registry.example.com\n",
    })
    _, out, _ = run(capsys, "check", "--output-format", "json")
    (f,) = json.loads(out)["findings"]
    assert f["path"] == "ci/push.sh" and f["start"]["line"] == 2


def test_shell_file_without_extension_by_shebang(project, capsys) -> None:
    write(project, {".gitlab-ci.yml": "job:\n  script: [make]\n", "bin/login": f"#!/bin/bash\ndocker login -p {SECRET} r.example.com\n"})
    _, out, _ = run(capsys, "check", "--output-format", "json")
    assert {f["path"] for f in json.loads(out)["findings"]} == {"bin/login"}


def test_diff_writes_nothing(project, capsys) -> None:
    text = "# authlint: ignore[AL206]\njob:\n  script: [make]\n"
    write(project, {".gitlab-ci.yml": text})
    code, out, _ = run(capsys, "check", "--diff")
    assert code == 1 and out.startswith("--- a/.gitlab-ci.yml\n+++ b/.gitlab-ci.yml\n")
    assert (project / ".gitlab-ci.yml").read_text() == text


def test_diff_redacts_secrets_in_context_and_removed_lines(project, capsys) -> None:
    auth = "ZGVwbG95Omh1bnRlcjJYWFg="
    write(project, {".gitlab-ci.yml": (
        f"variables:\n  DOCKER_AUTH_CONFIG: '{{\"auths\":{{\"r.example.com\":{{\"auth\":\"{auth}\"}}}}}}'\n"
        f"build:\n  image: docker:27\n  script:\n    - docker login -u deploy -p {SECRET} r.example.com\n"
        "    - echo $CI_JOB_TOKEN | docker login -u gitlab-ci-token --password-stdin r.example.com\n"
    )})
    code, out, err = run(capsys, "check", "--diff", "--unsafe-fixes", "--no-cache")
    assert code == 1 and '-  DOCKER_AUTH_CONFIG:' in out and '+    - echo "$CI_JOB_TOKEN"' in out
    assert auth not in out + err and SECRET not in out + err and "[redacted]" in out


def test_console_script_runs(project) -> None:
    exe = Path(sys.executable).parent / "authlint"
    if not exe.exists():
        pytest.skip("console script not installed in this environment")
    proc = subprocess.run([str(exe), "check", "--output-format", "json"], capture_output=True, text=True, cwd=project, timeout=60)
    assert proc.returncode == 1 and json.loads(proc.stdout)["findings"][0]["code"] == "AL102"
    assert SECRET not in proc.stdout + proc.stderr


def test_python_api(project) -> None:
    from authlint import fix_text, lint_text

    result = lint_text(".gitlab-ci.yml", PIPELINE)
    assert [f.code for f in result.findings] == ["AL102"]
    stale = "# authlint: ignore[AL206]\njob:\n  script: [make]\n"
    assert fix_text(".gitlab-ci.yml", stale) == "job:\n  script: [make]\n"
    assert os.listdir(project) == [".gitlab-ci.yml"]  # nothing written


@pytest.mark.parametrize("config, message", [
    ('ignore = ["AL9"]\n', "unknown rule selector 'AL9'"),
    ('unsafe-fixes = "false"\n', "'unsafe-fixes' must be true or false"),
    ('severity = {AL999 = "error"}\n', "unknown rule selector 'AL999'"),
    ('per-file-ignores = {"ci/*.yml" = ["AL2O6"]}\n', "unknown rule selector 'AL2O6'"),
    ("[rules.AL2O2]\nx = 1\n", "[rules.AL2O2]: unknown rule"),
    ('[rules.AL202]\naccepted_sources = ["X"]\n', "unknown option(s) accepted_sources"),
    ('max-file-size = "big"\n', "'max-file-size' must be a positive number"),
])
def test_config_mistakes_are_usage_errors(project, capsys, config: str, message: str) -> None:
    # a typo must not silently switch a rule off or an unsafe fix on
    write(project, {"authlint.toml": config})
    code, _, err = run(capsys, "check", "--no-cache")
    assert code == 2 and message in err and "internal error" not in err


def test_broken_pyproject_meant_for_authlint_is_an_error(project, capsys) -> None:
    write(project, {"pyproject.toml": '[tool.authlint\nselect = ["AL1"]\n'})
    code, _, err = run(capsys, "check", "--no-cache")
    assert code == 2 and "invalid TOML" in err
    write(project, {"pyproject.toml": "[project\nname = 'x'\n"})  # not ours: ignored
    assert run(capsys, "check", "--no-cache")[0] == 1


def test_usage_errors_redact_tokens(project, capsys) -> None:
    token = "glpat-" + "Abcdefghij1234567890"
    code, _, err = run(capsys, "check", "--select", token)
    assert code == 2 and token not in err


def test_missing_path_is_not_all_checks_passed(project, capsys) -> None:
    code, out, err = run(capsys, "check", "--no-cache", "nonexistent/")
    assert code == 2 and "All checks passed" not in out and "no such file" in out + err


def test_readme_python_api_example_runs(capsys, monkeypatch) -> None:
    import re

    root = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(root)
    readme = (root / "README.md").read_text()
    code = re.search(r"## Python API\n.*?```python\n(.*?)```", readme, re.S).group(1)
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "examples/broken-pipeline/.gitlab-ci.yml:22:33 AL102" in out


def test_quiet_on_a_clean_project_prints_nothing(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {".gitlab-ci.yml": "job:\n  script: [make]\n"})
    assert run(capsys, "check", "--no-cache", "-q") == (0, "", "")


# -- exit codes: one test each (0 clean, 1 findings, 2 usage or internal error) -----------------


def test_exit_0_on_a_clean_project(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {".gitlab-ci.yml": "job:\n  script: [make]\n"})
    code, out, _ = run(capsys, "check", "--no-cache")
    assert code == 0 and out.endswith("All checks passed!\n")


def test_exit_0_when_findings_are_below_the_failing_severity(project, capsys) -> None:
    assert run(capsys, "check", "--severity", "error")[0] == 1
    write(project, {"authlint.toml": 'severity = { AL102 = "warning" }\n'})
    assert run(capsys, "check", "--no-cache", "--severity", "error")[0] == 0


def test_exit_1_on_findings_and_0_with_exit_zero(project, capsys) -> None:
    assert run(capsys, "check", "--no-cache")[0] == 1
    assert run(capsys, "check", "--no-cache", "--exit-zero")[0] == 0


def test_exit_1_when_diff_has_changes(project, capsys) -> None:
    write(project, {".gitlab-ci.yml": "# authlint: ignore[AL206]\njob:\n  script: [make]\n"})
    assert run(capsys, "check", "--diff")[0] == 1
    write(project, {".gitlab-ci.yml": "job:\n  script: [make]\n"})
    assert run(capsys, "check", "--diff")[0] == 0


def test_exit_2_on_usage_errors(project, capsys) -> None:
    for args in (["--select", "AL999"], ["--output-format", "xml"], ["--no-such-option"], ["--ci-config-path", "../x.yml"]):
        code, _, err = run(capsys, "check", *args)
        assert code == 2 and "Traceback" not in err, args


def test_exit_2_on_an_internal_error(project, capsys, monkeypatch) -> None:
    from authlint import engine

    def boom(self, path):
        raise RuntimeError("bug")

    monkeypatch.setattr(engine._Run, "_lint_pipeline", boom)
    code, out, err = run(capsys, "check", "--no-cache")
    assert code == 2 and "internal error" in out + err and "All checks passed" not in out


def test_exit_0_after_write_baseline(project, capsys) -> None:
    assert run(capsys, "check", "--write-baseline", "bl.json")[0] == 0
    assert run(capsys, "check", "--no-cache", "--baseline", "bl.json")[0] == 0


# -- output details ----------------------------------------------------------------------------


def test_text_names_the_severity_and_concise_is_one_line_per_finding(project, capsys) -> None:
    _, out, _ = run(capsys, "check", "--color", "always")
    assert "\x1b[31merror\x1b[0m" in out  # colour adds to the word, never replaces it
    _, out, _ = run(capsys, "check", "--output-format", "concise")
    first, last = out.splitlines()
    assert first.startswith(".gitlab-ci.yml:4:33: error AL102 literal password given to `docker login -p` (")
    assert last == "Found 1 finding." and SECRET not in out


def test_statistics_prints_only_the_table_and_marks_safe_fixes(project, capsys) -> None:
    auth = "ZGVwbG95Omh1bnRlcjJYWFg="
    write(project, {".gitlab-ci.yml": PIPELINE + "# authlint: ignore[AL206] -- stale\n"
                    f"variables:\n  DOCKER_AUTH_CONFIG: '{{\"auths\": {{\"r.example.com\": {{\"auth\": \"{auth}\"}}}}}}'\n"})
    _, out, _ = run(capsys, "check", "--statistics")
    lines = out.splitlines()
    assert all(line[:5].strip().isdigit() for line in lines)  # the table and nothing else
    assert "    1  AL003  [*] unused-suppression" in lines  # a safe fix
    assert "    1  AL101      inline-docker-auth-config" in lines  # an unsafe fix: no [*]
    assert "    1  AL102      literal-registry-password" in lines


def test_repeated_selectors_add_up(project, capsys) -> None:
    write(project, {".gitlab-ci.yml": PIPELINE + "# authlint: ignore[AL206] -- stale\n"})
    codes = lambda *a: {f["code"] for f in json.loads(run(capsys, "check", "--output-format", "json", *a)[1])["findings"]}
    assert codes("--select", "AL102", "--select", "AL003") == {"AL102", "AL003"}
    assert codes("--ignore", "AL102", "--ignore", "AL003") == set()
    assert codes("--select", "AL102,AL003", "--ignore", "AL003") == {"AL102"}


def test_output_file(project, capsys) -> None:
    code, out, _ = run(capsys, "check", "--output-format", "json", "--output-file", "report.json")
    assert code == 1 and out == ""
    assert json.loads((project / "report.json").read_text())["findings"][0]["code"] == "AL102"


def test_show_settings_says_where_each_value_came_from(project, capsys) -> None:
    write(project, {"pyproject.toml": '[tool.authlint]\nignore = ["AL106"]\nci-config-path = ["ci/main.yml"]\n'})
    code, out, _ = run(capsys, "check", "--show-settings", "--select", "AL1")
    lines = dict(line.split(" = ", 1) for line in out.splitlines() if " = " in line)
    assert code == 0 and out.startswith(f"# config file: {project / 'pyproject.toml'}")
    assert lines["ignore"] == f'["AL106"]  # {project / "pyproject.toml"}'
    assert lines["ci-config-path"] == f'["ci/main.yml"]  # {project / "pyproject.toml"}'
    assert lines["select"] == '["AL1"]  # command line'
    assert lines["max-file-size"] == "5000000  # default"


def test_closing_the_pipe_exits_quietly(project) -> None:
    for args in (["rules"], ["check", "--no-cache", "."]):
        proc = subprocess.run(f"{sys.executable} -m authlint {' '.join(args)} | head -c 10 >/dev/null; echo ${{PIPESTATUS[0]}}",
                              shell=True, executable="/bin/bash", cwd=project, capture_output=True, text=True, timeout=60)
        assert proc.stderr == "" and proc.stdout.strip() in ("0", "1"), (args, proc.stderr)
