"""End to end: findings point at the exact file line and column, whatever the
YAML style, line endings, BOM or non-ASCII text before them."""

from __future__ import annotations

from pathlib import Path

import pytest

from authlint.engine import Linter
from authlint.settings import Settings

SECRET = "hunter2"


def lint(tmp_path: Path, text: str, name: str = ".gitlab-ci.yml", newline: str = "\n", bom: bool = False):
    data = text.replace("\n", newline).encode("utf-8")
    if bom:
        data = b"\xef\xbb\xbf" + data
    (tmp_path / name).write_bytes(data)
    result = Linter(Settings(select=("AL102",), project_dir=str(tmp_path))).lint_paths([tmp_path / name])
    return result


def where(result) -> list[tuple[int, int, int, int]]:
    out = []
    for f in result.findings:
        src = result.sources[f.path]
        a, b = src.index.position(f.span.start), src.index.position(f.span.end)
        out.append((a.line, a.column, b.line, b.column))
    return out


STYLES = {
    "plain": f"job:\n  script:\n    - docker login -u u -p {SECRET} r.example.com\n",
    "single": f"job:\n  script:\n    - 'docker login -u u -p {SECRET} r.example.com'\n",
    "double": f'job:\n  script:\n    - "docker login -u u -p {SECRET} r.example.com"\n',
    "double-escapes": f'job:\n  script:\n    - "echo \\"a\\t\\" && docker login -u u -p {SECRET} r.example.com"\n',
    "literal-line-3": f"job:\n  script:\n    - |\n      echo one\n      echo two\n      docker login -u u -p {SECRET} r.example.com\n",
    "literal-keep-indent": f"job:\n  script:\n    - |+2\n        echo one\n      docker login -u u -p {SECRET} r.example.com\n\n",
    "folded": f"job:\n  script:\n    - >\n      echo one &&\n      docker login -u u -p {SECRET} r.example.com\n",
    "flow": f"job:\n  script: [echo one, docker login -u u -p {SECRET} r.example.com]\n",
}


@pytest.mark.parametrize("style", list(STYLES))
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("bom", [False, True])
def test_secret_position_in_every_scalar_style(tmp_path: Path, style: str, newline: str, bom: bool) -> None:
    text = STYLES[style]
    result = lint(tmp_path, text, newline=newline, bom=bom)
    line_no = next(i for i, line in enumerate(text.split("\n"), 1) if SECRET in line)
    col = text.split("\n")[line_no - 1].index(SECRET) + 1
    assert where(result) == [(line_no, col, line_no, col + len(SECRET))]


def test_non_ascii_before_the_word(tmp_path: Path) -> None:
    text = f"# café ☕ 🚀\njob:\n  script:\n    - |\n      echo 'héllo 🚀' && docker login -u u -p {SECRET} r\n"
    result = lint(tmp_path, text)
    (f,) = result.findings
    src = result.sources[f.path]
    line = text.split("\n")[4]
    assert where(result) == [(5, line.index(SECRET) + 1, 5, line.index(SECRET) + 1 + len(SECRET))]
    # LSP positions count UTF-16 units: the emoji before the word counts twice.
    assert src.index.utf16(f.span.start) == (4, line.index(SECRET) + 1)


def test_shell_file_positions_with_crlf(tmp_path: Path) -> None:
    text = f"#!/bin/sh\nset -e\n  docker login -u u -p {SECRET} r\n"
    result = lint(tmp_path, text, name="push.sh", newline="\r\n")
    assert where(result) == [(3, 24, 3, 31)]


def test_reference_and_extends_point_into_the_template_file(tmp_path: Path) -> None:
    (tmp_path / "ci").mkdir()
    (tmp_path / "ci" / "login.yml").write_text(f".login:\n  before_script:\n    - docker login -u u -p {SECRET} r\n")
    text = "include: [ci/login.yml]\njob:\n  before_script:\n    - !reference [.login, before_script]\n  script: [make]\n"
    (tmp_path / ".gitlab-ci.yml").write_text(text)
    result = Linter(Settings(select=("AL102",), project_dir=str(tmp_path))).lint_paths([tmp_path])
    (f,) = result.findings
    assert f.path.endswith("ci/login.yml") and where(result) == [(3, 28, 3, 35)]
    assert f.job == "job"  # the concrete job, not the template


def test_auth_json_in_an_escaped_shell_string_points_at_the_value(tmp_path: Path) -> None:
    # `\"` escapes: the JSON string starts at the backslash of its escaped quote, not at the word
    line = '    - echo "{\\"auths\\":{\\"r.example.com\\":{\\"auth\\":\\"ZGVwbG95Omh1bnRlcjJYWFg=\\"}}}" > $HOME/.docker/config.json'
    text = "job:\n  image: docker:27\n  script:\n" + line + "\n"
    (tmp_path / ".gitlab-ci.yml").write_text(text)
    result = Linter(Settings(select=("AL103",), project_dir=str(tmp_path))).lint_paths([tmp_path / ".gitlab-ci.yml"])
    start = line.index('\\"ZGVw')
    end = line.index('=\\"') + 3
    assert where(result) == [(4, start + 1, 4, end + 1)]
