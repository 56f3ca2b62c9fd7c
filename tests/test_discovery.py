"""Every entry point lints CI files in their pipeline's context (issue 8), on a git repository
built in the test: a directory argument, a file list, a run from a subdirectory, pre-commit with a
changed include, a custom CI path, stray CI files, GitLab's include limit, nested .gitignore files,
Helm templates, nothing to lint, and stdin."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from authlint.cli import main
from support.files import write

SECRET = "hunter2-Zq8"
ROOT = """\
include:
  - local: ci/templates.yml
push:
  extends: .push
"""
TEMPLATES = f"""\
.push:
  image: docker:27
  script:
    - docker login -u deploy -p {SECRET} registry.example.com
"""
STRAY_JOB = f"""\
deploy:
  script:
    - docker login -u deploy -p {SECRET} registry.example.com
"""


def git_init(root: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(root)], check=True, capture_output=True, stdin=subprocess.DEVNULL)
    return root


def project(tmp_path: Path, monkeypatch, files: dict[str, str], git: bool = True) -> Path:
    """files in tmp_path (a git work tree unless git=False), which becomes the working directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AUTHLINT_NO_CACHE", "1")
    write(tmp_path, files)
    return git_init(tmp_path) if git else tmp_path


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    return project(tmp_path, monkeypatch, {".gitlab-ci.yml": ROOT, "ci/templates.yml": TEMPLATES})


def check(capsys, *args: str) -> tuple[int, list[dict], str]:
    code = main(["check", "--output-format", "json", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out)["findings"] if out.strip() else [], err


def where(findings: list[dict]) -> set[tuple[str, str, str | None]]:
    return {(f["code"], f["path"], f["job"]) for f in findings}


# -- the pipeline's context from any path ------------------------------------------------------


def test_directory_argument_lints_included_files_in_context(repo, capsys) -> None:
    code, findings, _ = check(capsys, "ci/")
    assert code == 1
    assert where(findings) == {("AL102", "ci/templates.yml", "push")}  # job `push` lives in the root


def test_file_list(repo, capsys) -> None:
    write(repo, {".gitlab-ci.yml": ROOT + f"other:\n  script:\n    - docker login -u x -p {SECRET} r.example.com\n"})
    code, findings, _ = check(capsys, ".gitlab-ci.yml", "ci/")
    assert code == 1 and {f["path"] for f in findings} == {".gitlab-ci.yml", "ci/templates.yml"}
    code, findings, _ = check(capsys, "ci/templates.yml")
    assert {f["path"] for f in findings} == {"ci/templates.yml"}  # only the files given are reported


def test_run_from_a_subdirectory(repo, capsys, monkeypatch) -> None:
    monkeypatch.chdir(repo / "ci")
    code, findings, _ = check(capsys, ".")
    assert code == 1 and where(findings) == {("AL102", "templates.yml", "push")}


def test_precommit_with_a_changed_include(repo) -> None:
    """The hook's entry as pre-commit runs it: the changed files only, in one process."""
    proc = subprocess.run([sys.executable, "-m", "authlint", "check", "--force-exclude", "--no-cache",
                           "--output-format", "json", "ci/templates.yml", "README.md"],
                          cwd=repo, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1, proc.stderr
    assert where(json.loads(proc.stdout)["findings"]) == {("AL102", "ci/templates.yml", "push")}


def test_custom_ci_config_path_resolves_includes_from_the_repository_top(tmp_path, monkeypatch, capsys) -> None:
    project(tmp_path, monkeypatch, {
        "build/pipeline.yml": "include:\n  - local: build/jobs.yml\npush:\n  extends: .push\n",
        "build/jobs.yml": TEMPLATES,
    })
    write(tmp_path, {"pyproject.toml": '[tool.authlint]\nci-config-path = "build/pipeline.yml"\n'})
    code, findings, _ = check(capsys, "build/")
    assert code == 1 and where(findings) == {("AL102", "build/jobs.yml", "push")}  # no AL002: resolved from the top
    (tmp_path / "pyproject.toml").unlink()
    code, findings, _ = check(capsys, "--ci-config-path", "build/pipeline.yml", "build/jobs.yml")
    assert where(findings) == {("AL102", "build/jobs.yml", "push")}
    code, findings, err = check(capsys, "--ci-config-path", "build/pipline.yml", "build/jobs.yml")  # a typo
    assert err.startswith("warning: ci-config-path build/pipline.yml not found in ./")
    assert ("AL102", "build/jobs.yml", ".push") in where(findings)  # linted on its own, without the root's jobs


@pytest.mark.parametrize("spelling", [".gitlab-ci.yaml", ".gitlab/ci.yml", ".gitlab/.gitlab-ci.yml"])
def test_root_detected_from_common_spellings(tmp_path, monkeypatch, capsys, spelling) -> None:
    project(tmp_path, monkeypatch, {spelling: ROOT, "ci/templates.yml": TEMPLATES})
    code, findings, _ = check(capsys, "ci/templates.yml")
    assert code == 1 and where(findings) == {("AL102", "ci/templates.yml", "push")}


def test_detected_root_is_the_file_no_other_includes(tmp_path, monkeypatch, capsys) -> None:
    project(tmp_path, monkeypatch, {
        ".gitlab/ci.yml": "include:\n  - local: .gitlab-ci.yaml\n",
        ".gitlab-ci.yaml": ROOT,
        "ci/templates.yml": TEMPLATES,
    })
    code, findings, _ = check(capsys, "ci/")
    assert code == 1 and where(findings) == {("AL102", "ci/templates.yml", "push")}
    assert main(["check", "--show-files", "."]) == 0
    assert capsys.readouterr().out.splitlines() == [
        ".gitlab-ci.yaml  (in pipeline .gitlab/ci.yml)",
        ".gitlab/ci.yml  (pipeline root)",
        "ci/templates.yml  (in pipeline .gitlab/ci.yml)",
    ]


# -- files no pipeline includes ----------------------------------------------------------------


def test_stray_ci_files_are_linted_on_their_own(repo, capsys) -> None:
    write(repo, {
        "templates/deploy.yml": "spec:\n  inputs:\n    stage:\n      default: test\n---\n" + STRAY_JOB,
        "old/pipeline.yml": STRAY_JOB,
        "docs/mkdocs.yml": "site_name: docs\nnav:\n  - index.md\n",
    })
    code, findings, _ = check(capsys, ".")
    assert code == 1
    assert where(findings) == {
        ("AL102", "ci/templates.yml", "push"),
        ("AL102", "templates/deploy.yml", "deploy"),
        ("AL102", "old/pipeline.yml", "deploy"),
    }


def test_files_past_the_include_limit_are_linted_on_their_own(tmp_path, monkeypatch, capsys) -> None:
    files = {f"ci/j{i:03}.yml": f"j{i:03}:\n  script:\n    - echo {i}\n" for i in range(151)}
    files["ci/j150.yml"] = STRAY_JOB
    files[".gitlab-ci.yml"] = "include:\n" + "".join(f"  - local: {p}\n" for p in sorted(files) if p != ".gitlab-ci.yml")
    project(tmp_path, monkeypatch, files)
    code, findings, _ = check(capsys, ".")
    assert code == 1
    assert ("AL102", "ci/j150.yml", "deploy") in where(findings)
    (limit,) = [f for f in findings if f["code"] == "AL002"]
    assert limit["path"] == ".gitlab-ci.yml" and limit["start"]["line"] == 152  # the 151st include
    assert "150" in limit["message"] and "ci/j150.yml" in limit["message"]


# -- ignored files -----------------------------------------------------------------------------


@pytest.mark.parametrize("with_git", [True, False], ids=["git", "no-git"])
def test_nested_gitignore(tmp_path, monkeypatch, capsys, with_git) -> None:
    project(tmp_path, monkeypatch, {
        ".gitignore": "build/\n",
        "build/x.gitlab-ci.yml": STRAY_JOB,
        "sub/.gitignore": "*.gitlab-ci.yml\n!kept.gitlab-ci.yml\n",
        "sub/dropped.gitlab-ci.yml": STRAY_JOB,
        "sub/kept.gitlab-ci.yml": STRAY_JOB,
        "sub/deeper/also-dropped.gitlab-ci.yml": STRAY_JOB,
    }, git=with_git)
    _, findings, _ = check(capsys, ".")
    assert {f["path"] for f in findings} == {"sub/kept.gitlab-ci.yml"}
    _, findings, _ = check(capsys, "sub")
    assert {f["path"] for f in findings} == {"sub/kept.gitlab-ci.yml"}


def test_exclude_still_applies_inside_git(repo, capsys) -> None:
    write(repo, {"vendor/x.gitlab-ci.yml": STRAY_JOB, "authlint.toml": 'extend-exclude = ["vendor"]\n'})
    _, findings, _ = check(capsys, ".")
    assert "vendor/x.gitlab-ci.yml" not in {f["path"] for f in findings}
    _, findings, _ = check(capsys, "--force-exclude", "vendor/x.gitlab-ci.yml")
    assert findings == []


# -- YAML that is not CI -----------------------------------------------------------------------


def test_helm_templates_are_skipped_but_broken_ci_yaml_is_not(repo, capsys) -> None:
    helm = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}\n{{- if .Values.x }}\ndata: {{ .Values.x | b64enc }}\n{{- end }}\n"
    write(repo, {"chart/templates/secret.yaml": helm, "chart/values.yaml": "x: 1\n"})
    code, findings, _ = check(capsys, ".")
    assert code == 1 and {f["path"] for f in findings} == {"ci/templates.yml"}
    code, findings, _ = check(capsys, "chart/templates/secret.yaml", "chart/values.yaml")  # pre-commit passes them
    assert (code, findings) == (0, [])
    write(repo, {"ci/templates.yml": TEMPLATES + "  script: [\n", "old.gitlab-ci.yml": "a: [\n",
                 "legacy/jobs.yml": "build:\n  script:\n    - make\n  tags: [\n"})
    _, findings, _ = check(capsys, ".")
    assert {(f["code"], f["path"]) for f in findings if f["code"] == "AL001"} == {
        ("AL001", "ci/templates.yml"),  # included by the root
        ("AL001", "old.gitlab-ci.yml"),  # a CI file by name
        ("AL001", "legacy/jobs.yml"),  # CI by its keys
    }


# -- a run that looked at nothing says so ------------------------------------------------------


def test_nothing_to_lint_warns_and_never_passes(tmp_path, monkeypatch, capsys) -> None:
    project(tmp_path, monkeypatch, {"README.md": "hello\n", "docs/mkdocs.yml": "site_name: x\n"}, git=False)
    code = main(["check", "."])
    out, err = capsys.readouterr()
    assert code == 0 and "All checks passed" not in out
    assert err.startswith("warning: No CI, shell or auth files found under the given path(s)")


def test_show_files_names_each_file_and_its_pipeline_root(repo, capsys) -> None:
    write(repo, {"old/pipeline.yml": STRAY_JOB, "ci/deploy.sh": "#!/bin/sh\necho hi\n", "ci/other.sh": "#!/bin/sh\n",
                 ".gitlab-ci.yml": ROOT + "deploy:\n  script:\n    - ./ci/deploy.sh\n"})
    assert main(["check", "--show-files", "."]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        ".gitlab-ci.yml  (pipeline root)",
        "ci/deploy.sh  (called in pipeline .gitlab-ci.yml)",
        "ci/other.sh",
        "ci/templates.yml  (in pipeline .gitlab-ci.yml)",
        "old/pipeline.yml  (pipeline root)",
    ]


def test_stdin_dash(repo, capsys, monkeypatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(STRAY_JOB.encode())))
    code, findings, _ = check(capsys, "-")
    assert code == 1 and where(findings) == {("AL102", ".gitlab-ci.yml", "deploy")}
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"#!/bin/sh\necho hi\n")))
    code, findings, _ = check(capsys, "-", "--stdin-filename", "ci/x.sh")
    assert (code, findings) == (0, [])


def test_missing_configured_root_warns_on_every_run(tmp_path, monkeypatch, capsys) -> None:
    project(tmp_path, monkeypatch, {"ci/jobs.yml": STRAY_JOB, "authlint.toml": 'ci-config-path = "ci/main.yml"\n'})
    monkeypatch.delenv("AUTHLINT_NO_CACHE")
    for _ in range(2):  # the second run would be a cache hit if warnings were cached
        code = main(["check", "."])
        out, err = capsys.readouterr()
        assert code == 1 and "warning: ci-config-path ci/main.yml not found" in err and "AL102" in out


@given(st.lists(st.lists(st.sampled_from(["a", "b", "ab", "a-b"]), min_size=1, max_size=4).map(lambda parts: "/r/" + "/".join(parts)),
                max_size=12))
def test_project_groups_join_a_nested_project_with_the_one_around_it(dirs: list[str]) -> None:
    """_grouped, which climbs no higher than the shortest project directory: each directory in
    the group of its nearest parent that has one, as a climb to the root finds."""
    import os

    from authlint.projects import _grouped

    class Plain:  # every directory is its own project directory
        def _project_of_dir(self, d: str) -> str:
            return d

    def expected(ds: list[str]) -> list[list[int]]:
        top: dict[str, str] = {}
        for d in sorted(set(ds), key=lambda p: (p.count(os.sep), p)):
            a, top[d] = d, d
            while (parent := os.path.dirname(a)) != a:
                if parent in top:
                    top[d] = top[parent]
                    break
                a = parent
        groups: dict[str, list[int]] = {}
        for i, d in enumerate(ds):
            groups.setdefault(top[d], []).append(i)
        return [groups[k] for k in sorted(groups)]

    tops: list[str] = []
    assert _grouped(Plain(), dirs, tops) == expected(dirs)  # type: ignore[arg-type]
    assert tops == sorted(tops) and len(tops) == len(expected(dirs))
    one: list[str] = []  # a chunk of one project (its own group, without the search for parents)
    assert _grouped(Plain(), dirs[:1] * 3, one) == expected(dirs[:1] * 3) and one == dirs[:1]  # type: ignore[arg-type]
