"""Bad input never crashes authlint: a clear finding or a one-line error, in
bounded time and memory."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from authlint.cli import main
from support.bounded import hang_guard


@pytest.fixture
def tmp_cwd(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(capsys, *args: str) -> tuple[int, dict, str]:
    code = main(["check", "--output-format", "json", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, json.loads(out) if out.strip() else {}, err


def codes(doc: dict) -> list[str]:
    return [f["code"] for f in doc.get("findings", [])]


def test_invalid_yaml_is_a_finding(tmp_cwd, capsys) -> None:
    (tmp_cwd / ".gitlab-ci.yml").write_text("job:\n  script: [echo a\n  image: x\n")
    code, doc, _ = check(capsys)
    assert code == 1 and codes(doc) == ["AL001"]
    assert doc["findings"][0]["start"]["line"] >= 2


def test_invalid_shell_is_a_finding(tmp_cwd, capsys) -> None:
    (tmp_cwd / "push.sh").write_text("#!/bin/sh\necho a)\n")
    code, doc, _ = check(capsys)
    assert code == 1 and codes(doc) == ["AL001"] and doc["findings"][0]["start"] == {"line": 2, "column": 7}


def test_non_utf8_and_binary(tmp_cwd, capsys) -> None:
    (tmp_cwd / ".gitlab-ci.yml").write_bytes(b"job:\n  script: [\xff\xfe]\n")
    (tmp_cwd / "tool.sh").write_bytes(b"#!/bin/sh\n\x00\x01\x02binary")
    code, doc, _ = check(capsys)
    assert code == 1
    messages = {f["path"]: f["message"] for f in doc["findings"]}
    assert "not valid UTF-8" in messages[".gitlab-ci.yml"] and "binary" in messages["tool.sh"]


@pytest.mark.parametrize("name", [".gitlab-ci.yml", "script.sh", "config.json"])
def test_empty_files(tmp_cwd, capsys, name) -> None:
    (tmp_cwd / name).write_text("")
    code, doc, _ = check(capsys, name)
    assert code in (0, 1)


def test_huge_file_is_skipped_with_one_line(tmp_cwd, capsys) -> None:
    big = tmp_cwd / ".gitlab-ci.yml"
    with open(big, "w") as fh:
        fh.write("job:\n  script:\n")
        line = "    - echo " + "x" * 90 + "\n"
        fh.write(line * (50_000_000 // len(line)))
    with hang_guard():  # the file is refused, not parsed
        code, doc, err = check(capsys)
    # Reported as one AL001 finding (or, for a path given alone, a one-line error).
    assert code == 1 and codes(doc) == ["AL001"] and "larger than" in doc["findings"][0]["message"]


def test_deep_nesting_yaml(tmp_cwd, capsys) -> None:
    (tmp_cwd / ".gitlab-ci.yml").write_text("job: " + "[" * 10_000 + "]" * 10_000 + "\n")
    code, doc, _ = check(capsys)
    assert code == 1 and codes(doc) == ["AL001"] and "nesting" in doc["findings"][0]["message"]


def test_alias_bomb(tmp_cwd, capsys) -> None:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for i in range(1, 9):
        text += f"l{i}: &l{i} [" + ",".join([f"*{'a' if i == 1 else 'l' + str(i - 1)}"] * 9) + "]\n"
    text += "job:\n  script: *l8\n"
    (tmp_cwd / ".gitlab-ci.yml").write_text(text)
    with hang_guard():
        code, doc, _ = check(capsys)
    assert code in (0, 1)


def test_include_and_extends_cycles(tmp_cwd, capsys) -> None:
    (tmp_cwd / ".gitlab-ci.yml").write_text("include: [a.yml]\njob:\n  extends: .x\n  script: [make]\n.x:\n  extends: .y\n.y:\n  extends: .x\n")
    (tmp_cwd / "a.yml").write_text("include: [.gitlab-ci.yml]\n")
    code, doc, _ = check(capsys)
    assert code == 0 and set(codes(doc)) == {"AL002"}  # info: reported, not failing (fail-severity "warning")
    assert check(capsys, "--severity", "info")[0] == 1
    assert any("cycle" in f["message"] for f in doc["findings"])


def test_symlink_loop(tmp_cwd, capsys) -> None:
    (tmp_cwd / "sub").mkdir()
    os.symlink("..", tmp_cwd / "sub" / "loop")
    (tmp_cwd / ".gitlab-ci.yml").write_text("job:\n  script: [make]\n")
    code, doc, _ = check(capsys)
    assert code == 0


def test_unreadable_path(tmp_cwd, capsys) -> None:
    os.symlink("does-not-exist.yml", tmp_cwd / ".gitlab-ci.yml")
    code, doc, err = check(capsys, ".gitlab-ci.yml")
    assert code == 2 and len(err.strip().splitlines()) == 1 and ".gitlab-ci.yml" in err


def test_garbage_auth_json(tmp_cwd, capsys) -> None:
    (tmp_cwd / "config.json").write_text('{"auths": {"r.example.com": {"auth": "abc",}}')
    code, doc, _ = check(capsys)
    assert code == 1 and "AL301" in codes(doc)


def test_deep_json(tmp_cwd, capsys) -> None:
    (tmp_cwd / "config.json").write_text('{"auths": ' + "[" * 10_000 + "]" * 10_000 + "}")
    code, doc, _ = check(capsys)
    assert code == 1


def test_gitlab_input_interpolation_is_not_shell_syntax(tmp_cwd, capsys) -> None:
    # GitLab substitutes component inputs and job inputs before the shell runs
    (tmp_cwd / ".gitlab-ci.yml").write_text(
        "spec:\n  inputs:\n    stage:\n      default: test\n---\n"
        "job:\n  stage: $[[ inputs.stage ]]\n  inputs:\n    environment:\n      default: staging\n"
        '  script:\n    - echo "Testing ${{ inputs.environment }} in $[[ inputs.stage ]]"\n'
    )
    code, doc, _ = check(capsys, "--no-cache")
    assert (code, codes(doc)) == (0, [])
