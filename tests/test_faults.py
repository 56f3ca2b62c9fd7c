"""Bad input and faults (issue 10): no secret printed, no hang, nothing read outside the
project, no silent pass. One test (or a few) per numbered item, with the audit's reproducer;
the secrets are fake."""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

import pytest

from authlint import api, cache
from authlint.cli import main
from authlint.settings import Settings
from support.files import write

PW = "Fk7Qz-Vw93-Lp2x"


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("AUTHLINT_CACHE_DIR", raising=False)
    return tmp_path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def every_output(capsys, *args: str) -> str:
    """stdout + stderr of the run in every output format, with --statistics."""
    texts = []
    for fmt in ("text", "json", "sarif", "gitlab", "junit", "github"):
        _, out, err = run(capsys, "check", "--no-cache", "--statistics", "--output-format", fmt, *args)
        texts.append(out + err)
    return "\n".join(texts)


# ---------------------------------------------------------------- 3. fixes cost one parse per file and round
def test_fixes_of_a_round_are_verified_once_per_file(monkeypatch) -> None:
    from authlint import fixes
    from authlint.diagnostics import Applicability, Edit, Finding, Fix, Severity, Span

    text = "job:\n  script:\n" + "".join(f"    - echo $V{i}\n" for i in range(50))
    findings = []
    for i in range(50):
        at = text.index(f"$V{i}\n")
        fix = Fix("quote", (Edit(".gitlab-ci.yml", at, at + len(f"$V{i}"), f'"$V{i}"'),), Applicability.SAFE)
        findings.append(Finding("AL206", "x", Severity.WARNING, "m", ".gitlab-ci.yml", Span(at, at + 1), fix=fix))
    calls = []
    real = fixes.problems
    monkeypatch.setattr(fixes, "problems", lambda path, t: calls.append(path) or real(path, t))
    texts = {".gitlab-ci.yml": text}
    outcome = fixes.FixOutcome()
    assert fixes.apply_round(findings, texts, outcome)
    assert len(outcome.applied) == 50 and texts[".gitlab-ci.yml"].count('"$V') == 50
    assert len(calls) == 2  # the text before and the text after, not two per fix


def test_a_code_action_without_only_is_answered_from_the_last_lint(project, monkeypatch) -> None:
    pytest.importorskip("pygls")
    from authlint import api as api_module
    from authlint.lsp import server

    write(project, {".gitlab-ci.yml": "job:\n  script:\n    - echo $DOCKER_AUTH_CONFIG > /kaniko/.docker/config.json\n"})
    settings = Settings(project_dir=str(project))
    path = str(project / ".gitlab-ci.yml")
    text = (project / ".gitlab-ci.yml").read_text()
    snap = server.Snapshot("file://" + path, path, 1, text, "ci", settings, {path: text}, "utf-16", None)
    linted = server.compute(snap)
    monkeypatch.setattr(api_module, "fix_paths", lambda *a, **k: pytest.fail("re-linted for an unasked code action"))
    changed = server.fix_all_from_lint(linted)
    (old, new), = changed.values()
    assert old == text and '"$DOCKER_AUTH_CONFIG"' in new


# ---------------------------------------------------------------- 9. nested pipelines
def test_a_parse_error_in_a_nested_pipeline_is_reported_at_that_file(project, capsys) -> None:
    write(project, {".gitlab-ci.yml": "job:\n  script:\n    - make\n", "sub/.gitlab-ci.yml": "job:\n  script: [make\n  x: 1\n"})
    code, out, _ = run(capsys, "check", "--no-cache", ".")
    assert code == 1
    assert "sub/.gitlab-ci.yml:" in out and "\n.gitlab-ci.yml:" not in "\n" + out
    assert "- make" not in out  # the root's line is not in the frame


# ---------------------------------------------------------------- 10. linear in the number of findings
def test_suppressions_are_parsed_once_per_file(project, monkeypatch) -> None:
    from authlint import suppressions

    lines = "".join(f"    - docker login -u u -p {PW}{i:04d} r\n" for i in range(200))
    write(project, {".gitlab-ci.yml": "job:\n  script:\n" + lines})
    calls = []
    real = suppressions.parse
    monkeypatch.setattr(suppressions, "parse", lambda src: calls.append(src.path) or real(src))
    result = api.lint_paths(["."], Settings(project_dir=str(project)))
    assert len([f for f in result.findings if f.code == "AL102"]) == 200
    assert len(calls) == len(set(calls))
    shared = {id(result.secrets[id(f)]) for f in result.findings}
    assert len(shared) == 1  # one set per file, not one copy per finding


def test_redaction_of_many_values_finds_every_one() -> None:
    from authlint.secrets import SecretSet, redact_text

    values = SecretSet([f"{PW}{i:05d}" for i in range(5000)] + ["x9", "hunter2"])
    text = f"a {PW}04711 b x9 c hunter2 d {PW}"
    assert redact_text(text, values) == "a Fk7Q…[redacted] b …[redacted] c h…[redacted] d " + PW


# ---------------------------------------------------------------- 13. --diff: per file, whole tokens
def test_diff_redacts_per_file_and_whole_tokens_only(project, capsys, tmp_path) -> None:
    write(project, {
        ".gitlab-ci.yml": "include: [{local: b.yml}]\na:\n  image: docker:27\n  script:\n    - docker login -u u -p pass r\n",
        "b.yml": "b:\n  image: docker:27\n  script:\n    - echo $DOCKER_AUTH_CONFIG > /kaniko/.docker/config.json\n"
                 "    - echo \"$CI_REGISTRY_PASSWORD\" | docker login -u u --password-stdin r\n",
    })
    code, out, _ = run(capsys, "check", "--no-cache", "--diff", ".")
    assert code == 1 and "+++ b/b.yml" in out
    assert "--password-stdin" in out and "p…[redacted]" not in out.split("+++ b/b.yml")[1]
    import subprocess

    (project / "fix.patch").write_text(out)
    assert subprocess.run(["patch", "-p1", "--dry-run", "-i", "fix.patch"], cwd=project, capture_output=True).returncode == 0


def test_whole_token_redaction_keeps_glued_flag_values_redacted() -> None:
    from authlint.secrets import redact_text

    text = "--password-stdin -p pass -ppass u:pass@h xpass passx"
    assert redact_text(text, ["pass"], whole_tokens=True) == "--password-stdin -p p…[redacted] -pp…[redacted] u:p…[redacted]@h xpass passx"


# ---------------------------------------------------------------- 14. non-UTF-8 stdin
def test_non_utf8_stdin_is_al001_and_text_output_does_not_crash(project, capsys, monkeypatch) -> None:
    data = b"job:\n  script:\n    - echo \xff\xfe caf\xe9\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    strict = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    monkeypatch.setattr(sys, "stdout", strict)
    code = main(["check", "--stdin-filename", ".gitlab-ci.yml"])
    strict.flush()
    out = strict.buffer.getvalue().decode()
    assert code == 1 and "AL001" in out and "UTF-8" in out


# ---------------------------------------------------------------- 15. argparse errors
@pytest.mark.parametrize("argv", [["check", "--color", "glpat-Xy7Rk2Qm9Tz4Lw8Np3Vb"], ["check", "--glpat-Xy7Rk2Qm9Tz4Lw8Np3Vb"]])
def test_argparse_errors_redact_gitlab_tokens(capsys, argv) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and "error:" in err
    assert "Xy7Rk2Qm9Tz4Lw8Np3Vb" not in out + err


# ---------------------------------------------------------------- 16. control characters
@pytest.mark.parametrize("color", ["never", "always"])
def test_code_frames_show_control_characters_escaped(project, capsys, color) -> None:
    write(project, {
        ".gitlab-ci.yml": "job:\n  script:\n    - echo \x1b]0;owned\x07 \x1b[2J\n",  # YAML rejects it: AL001's frame
        "push.sh": "echo '\x1b]0;owned\x07' \x1b[2J $DOCKER_AUTH_CONFIG > /kaniko/.docker/config.json\n",
    })
    _, out, _ = run(capsys, "check", "--no-cache", "--color", color, ".")
    assert "AL001" in out and "AL206" in out
    frames = out.replace("\x1b[0m", "").replace("\x1b[1m", "")
    for code in ("\x1b[2m", "\x1b[31m", "\x1b[33m", "\x1b[36m", "\x1b[34m"):
        frames = frames.replace(code, "")
    assert "\x1b" not in frames and "\x07" not in frames
    assert "\\x1b]0;owned\\x07" in out


# ---------------------------------------------------------------- 17. kill -9, fsync, concurrent edits
def test_stale_temp_files_of_killed_runs_are_removed(project, capsys) -> None:
    write(project, {".gitlab-ci.yml": "job:\n  script:\n    - echo $DOCKER_AUTH_CONFIG > /kaniko/.docker/config.json\n"})
    stale = project / "..gitlab-ci.yml.k3Xq9a_Z.tmp"  # mkstemp's `.NAME.XXXXXXXX.tmp`, left by kill -9
    stale.write_bytes(b"")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    fresh = project / "..gitlab-ci.yml.Ab3De5Gh.tmp"  # a concurrent write in progress
    fresh.write_bytes(b"")
    run(capsys, "fix", "--no-cache", ".")
    assert '"$DOCKER_AUTH_CONFIG"' in (project / ".gitlab-ci.yml").read_text()
    leftovers = sorted(p.name for p in project.iterdir() if p.name.endswith(".tmp"))
    assert leftovers == [fresh.name]


def test_writes_are_fsynced_before_the_rename(tmp_path, monkeypatch) -> None:
    from authlint import fixes

    order = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: order.append("fsync") or real_fsync(fd))
    monkeypatch.setattr(os, "replace", lambda a, b: order.append("rename") or real_replace(a, b))
    fixes.write_atomic(tmp_path / "a.sh", "echo ok\n", False)
    assert order[:2] == ["fsync", "rename"] and (tmp_path / "a.sh").read_text() == "echo ok\n"


def test_fix_does_not_overwrite_an_edit_made_while_it_runs(project, capsys, monkeypatch) -> None:
    from authlint import fixes

    ci = project / ".gitlab-ci.yml"
    write(project, {".gitlab-ci.yml": "job:\n  script:\n    - echo $DOCKER_AUTH_CONFIG > /kaniko/.docker/config.json\n"})
    real = fixes.write_atomic_bytes

    def user_edits_first(path, data, *a, **k):
        ci.write_text("job:\n  script:\n    - echo the user's edit\n")
        return real(path, data, *a, **k)

    monkeypatch.setattr(fixes, "write_atomic_bytes", user_edits_first)
    code, out, _ = run(capsys, "fix", "--no-cache", ".")
    assert ci.read_text() == "job:\n  script:\n    - echo the user's edit\n"
    assert "changed on disk" in out and code != 0


# ---------------------------------------------------------------- 18. UTF-16 auth file
def test_utf16_config_json_is_an_error_with_the_reason(project, capsys) -> None:
    doc = '{"auths": {"r.example.com": {"auth": "ZGVwbG95OkZrN1F6LVZ3OTMtTHAyeA=="}}}'
    write(project, {"config.json": doc.encode("utf-16")})
    code, out, _ = run(capsys, "check", "--no-cache", ".")
    assert code == 1 and "config.json:1:1: error AL001" in out and "UTF-16" in out
    write(project, {"config.json": doc.encode("utf-16-le")})  # no BOM
    code, out, _ = run(capsys, "check", "--no-cache", ".")
    assert code == 1 and "UTF-16" in out


# ---------------------------------------------------------------- 1. credentials in URLs
def test_credentials_in_include_urls_are_found_and_redacted_everywhere(project, capsys) -> None:
    ci = (
        f"include: [{{remote: 'https://deploy:{PW}@gitlab.example.com/t/x.yml'}}, "
        f"{{remote: 'https://gitlab.example.com/t/y.yml?ref=main&private_token=Qm4Tz-Rk81-Wn6v'}}]\n"
        "job:\n  script:\n    - echo $DOCKER_AUTH_CONFIG > /kaniko/.docker/config.json\n"
    )
    write(project, {".gitlab-ci.yml": ci})
    out = every_output(capsys, ".")
    assert out.count("AL105") >= 2 and "AL002" in out
    assert PW not in out and "Qm4Tz-Rk81-Wn6v" not in out
    code, out, err = run(capsys, "fix", "--no-cache", "--show-fixes", ".")
    assert "fixed .gitlab-ci.yml" in out and PW not in out + err and "Qm4Tz-Rk81-Wn6v" not in out + err


# ---------------------------------------------------------------- 2, 4. lines that do not parse
@pytest.mark.parametrize("files", [
    {".gitlab-ci.yml": f"job:\n  script:\n\t- docker login -u deploy -p {PW} r\n"},
    {"a.sh": f"[[ docker login -u u -p {PW} r\n"},
    {".gitlab-ci.yml": f"job:\n  script:\n    - '[[ docker login -u u -p {PW} r'\n"},
    {".gitlab-ci.yml": f"job:\n  script: [docker login -u u -p {PW} 'https://x:{PW}@r.example.com\n"},
])
def test_a_line_that_does_not_parse_is_still_redacted(project, capsys, files) -> None:
    write(project, files)
    out = every_output(capsys, ".")
    assert "AL001" in out and PW not in out and PW[:8] not in out


def test_shell_syntax_messages_quote_no_snippet(project, capsys) -> None:
    write(project, {"a.sh": f"if docker login -u u -p {PW}9999999999 r; then\n"})
    out = every_output(capsys, "a.sh")
    assert "AL001" in out and "Fk7Qz-Vw9" not in out


# ---------------------------------------------------------------- 5. nothing read outside the project
def test_symlinked_include_out_of_the_project_is_reported_unread(project, capsys, tmp_path_factory) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "pw.yml").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (outside / "x.sh").write_text(f"docker login -u u -p {PW} r\n")
    (project / ".git").mkdir()
    (project / "ci").mkdir()
    (project / "ci" / "pw.yml").symlink_to(outside / "pw.yml")
    write(project, {".gitlab-ci.yml": f"include: [{{local: ci/pw.yml}}]\njob:\n  script:\n    - sh {os.path.relpath(outside / 'x.sh', project)}\n"})
    code, out, _ = run(capsys, "check", "--no-cache", ".")
    assert code == 1 and "root:x" not in out and PW[:8] not in out
    assert "ci/pw.yml:1:1: error AL001" in out and "x.sh:1:1: error AL001" in out and out.count("outside the project") >= 2


def test_symlinked_auth_file_out_of_the_project_is_reported_unread(project, capsys, tmp_path_factory) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "config.json").write_text('{"auths": {"r": {"auth": "ZGVwbG95OkZrN1F6LVZ3OTMtTHAyeA=="}}}')
    (project / ".git").mkdir()
    (project / "config.json").symlink_to(outside / "config.json")
    code, out, _ = run(capsys, "check", "--no-cache", ".")
    assert code == 1 and "config.json:1:1: error AL001" in out and "ZGVw" not in out


# ---------------------------------------------------------------- 6. FIFOs
@pytest.mark.parametrize("name", [".gitlab-ci.yml", "config.json", "a.sh", "ci/inc.yml"])
def test_a_fifo_is_not_opened(project, capsys, name) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    (project / ".git").mkdir()
    if name == "ci/inc.yml":
        write(project, {".gitlab-ci.yml": "include: [{local: ci/inc.yml}]\njob:\n  script: [make]\n"})
    (project / name).parent.mkdir(exist_ok=True)
    os.mkfifo(project / name)
    code, out, _ = run(capsys, "check", "--no-cache", ".")  # would block forever on open()
    if name == "ci/inc.yml":
        assert code == 1 and "ci/inc.yml:1:1: error AL001 ci/inc.yml cannot be read: not a regular file" in out
    code, out, _ = run(capsys, "check", "--no-cache", name)
    assert code == 1 and f"{name}:1:1: error AL001" in out and "not a regular file" in out


# ---------------------------------------------------------------- 7. unreadable inputs fail the run
def test_an_unreadable_script_fails_the_run_even_next_to_an_info_finding(project, capsys, monkeypatch) -> None:
    write(project, {
        ".gitlab-ci.yml": "include: [{remote: 'https://example.com/x.yml'}]\njob:\n  script: [./ci/run.sh]\n",
        "ci/run.sh": "echo hi\n",
        "config.json": '{"auths": {}}',
    })
    real_open = os.open

    def denied(path, *a, **k):
        if str(path).endswith(("run.sh", "config.json")):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *a, **k)

    monkeypatch.setattr(os, "open", denied)
    code, out, _ = run(capsys, "check", "--no-cache", ".")
    assert code == 1 and "AL002" in out
    assert "ci/run.sh:1:1: error AL001 Permission denied" in out and "config.json:1:1: error AL001 Permission denied" in out


def test_an_unreadable_directory_fails_the_run(project, capsys, monkeypatch) -> None:
    write(project, {".gitlab-ci.yml": "job:\n  script: [make]\n", "ci/x.sh": "echo hi\n"})
    real_scandir = os.scandir

    def scandir(path="."):  # as if ci/ could not be listed (root reads any directory)
        if os.path.basename(path) == "ci":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, out, _ = run(capsys, "check", "--no-cache", ".")
    assert code == 1 and "AL001 directory cannot be read: Permission denied" in out


# ---------------------------------------------------------------- 11. fixes through anchors converge
AL204_ANCHOR = """\
build: &b
  image: docker:27
  before_script: {}
  script:
    - echo "$DOCKER_AUTH_CONFIG" > "$HOME/.docker/config.json"
    - docker push "$CI_REGISTRY_IMAGE"
other: *b
"""


def test_al204_fix_through_an_anchor_converges_to_strict_yaml(project, capsys) -> None:
    from authlint.fixes import parses

    write(project, {".gitlab-ci.yml": AL204_ANCHOR})
    res = api.fix_paths([".gitlab-ci.yml"], Settings(project_dir=str(project)), write=False)
    new = res.outcome.texts.get(".gitlab-ci.yml", (AL204_ANCHOR, AL204_ANCHOR))[1]
    assert new.count("before_script") <= 1 and parses(".gitlab-ci.yml", new)
    assert len(res.outcome.applied) <= 2


def test_the_still_parses_check_rejects_duplicate_keys() -> None:
    from authlint.fixes import _still_parses, parses

    assert not parses("x.yml", "a:\n  k: 1\n  k: 2\n")
    assert not _still_parses(".gitlab-ci.yml", "a:\n  k: 1\n", "a:\n  k: 1\n  k: 2\n")
    assert _still_parses(".gitlab-ci.yml", "a:\n  k: 1\n  k: 2\n", "a:\n  k: 1\n  k: 3\n")  # no new duplicate


# ---------------------------------------------------------------- 8. the cache directory is authlint's own
LOGIN = f"job:\n  script:\n    - docker login -u u -p {PW} r\n"


@pytest.mark.parametrize("setup", ["symlink", "foreign"])
def test_a_cache_directory_that_is_not_authlints_is_refused(project, capsys, setup) -> None:
    write(project, {".gitlab-ci.yml": LOGIN})
    if setup == "symlink":
        (project / ".authlint_cache").symlink_to(".")
    else:
        write(project, {".authlint_cache/notes.txt": "mine\n"})
    for _ in range(2):
        code, out, err = run(capsys, "check", ".")
        assert code == 1 and "AL102" in out and "not used" in err
    assert not (project / ".gitignore").exists() and sorted(p.name for p in project.iterdir())[:2] != ["CACHEDIR.TAG"]
    assert not (project / "CACHEDIR.TAG").exists()


# ---------------------------------------------------------------- 12. cache entries are checked
def _entry_file(project: Path) -> Path:
    entries = list((project / ".authlint_cache").rglob("*.entry"))
    assert len(entries) == 1
    return entries[0]


TOKEN = "glpat-Qw7Rt5Yu3Io1Pa9Sd2Fg"


def _text(entry: dict, text: str) -> int:
    """A text added to the entry's table (stored findings refer to their texts by index)."""
    entry["strings"].append(text)
    return len(entry["strings"]) - 1


def _set(row: list, at: int, value) -> None:
    row[at] = value


DAMAGES = {  # on the part's finding rows (cache.CODE, ...), their texts in the table
    "moved locator": lambda d: d.update(secret_sets=[[[p, 0, 3] for p, _, _ in locs] for locs in d["secret_sets"]]),
    "span past the end": lambda d: d["findings"][0].__setitem__(slice(cache.START, cache.END + 1), [0, 10_000]),
    "unknown code": lambda d: _set(d["findings"][0], cache.CODE, "AL999"),
    "secret in a message": lambda d: _set(d["findings"][0], cache.MESSAGE, _text(d, f"password {PW}")),
    "secret in a code frame": lambda d: d["findings"][0][cache.FRAME].__setitem__(2, _text(d, PW)),
    "token in a fix": lambda d: [_set(f[cache.FIX], cache.TITLE, _text(d, TOKEN)) for f in d["findings"] if f[cache.FIX]],
    "locators emptied, secret shown": lambda d: (d.update(secret_sets=[[] for _ in d["secret_sets"]]),
                                                 d["findings"][0][cache.FRAME].__setitem__(2, _text(d, PW))),
}


@pytest.mark.parametrize("damage", ["empty findings", *DAMAGES])
def test_a_tampered_cache_entry_is_dropped(project, capsys, damage) -> None:
    """Every damage but the first comes with a forged checksum: the entry is checked anyway,
    and one whose stored texts would show a secret is never served."""
    import json

    from authlint import cache

    write(project, {".gitlab-ci.yml": LOGIN})
    code, first, _ = run(capsys, "check", ".")
    assert code == 1 and PW in (project / ".gitlab-ci.yml").read_text()
    entry = _entry_file(project)
    whole = cache.decode(entry.read_bytes())
    (data,) = whole["part"]  # the one project's findings, as the report got them
    assert data["secret_sets"] and all(f[cache.FRAME] for f in data["findings"])
    if damage == "empty findings":
        data["findings"] = []
        entry.write_bytes(entry.read_bytes()[:65] + cache.encode(whole)[65:])  # the old checksum
    else:
        DAMAGES[damage](data)
        entry.write_bytes(cache.encode(whole))
    for fmt in ("text", "json", "sarif"):
        code, out, _ = run(capsys, "check", ".", "--output-format", fmt)
        assert code == 1 and PW not in out and TOKEN not in out
        if fmt == "text":
            assert out == first


# ---------------------------------------------------------------- fuzz: a planted secret never shows
from hypothesis import HealthCheck, example, given, settings as hsettings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_ALNUM = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
SECRETS = st.builds(
    lambda head, body: head + body,
    st.sampled_from(["Fk7", "Qz9", "Rw4", "Tn2"]),
    st.text(_ALNUM + "-_", min_size=10, max_size=20),
).filter(lambda s: any(c.isdigit() for c in s[3:]) and "xxx" not in s.lower())
PHRASES = [
    "docker login -u deploy -p {s} registry.example.com",
    "podman login --username deploy --password={s} registry.example.com",
    "git clone https://deploy:{s}@gitlab.example.com/g/r.git",
    "curl -fsS 'https://gitlab.example.com/api/v4/projects/7/jobs/artifacts/main/raw/a?private_token={s}'",
]
MUTATIONS = ["", "\t", "[[ ", "- ", "'", '"', "{", "&", "$(", "`", "\x1b]0;", "<<EOF\n"]


@st.composite
def planted(draw) -> tuple[str, str, str]:
    secret = draw(SECRETS)
    phrase = draw(st.sampled_from(PHRASES)).format(s=secret)
    before, after = draw(st.sampled_from(MUTATIONS)), draw(st.sampled_from(MUTATIONS))
    if draw(st.booleans()):
        style = draw(st.sampled_from(["plain", "literal", "flow", "quoted"]))
        item = {"plain": f"    - {before}{phrase}{after}\n",
                "literal": f"    - |\n      set -e\n      {before}{phrase}{after}\n",
                "flow": f"  script: [{before}{phrase}{after}]\n",
                "quoted": f"    - \"{before}{phrase}{after}\"\n"}[style]
        head = "build:\n  image: docker:27\n" + ("" if style == "flow" else "  script:\n")
        text = head + item + "    - docker push registry.example.com/app\n" * (style != "flow")
        return ".gitlab-ci.yml", text, secret
    return "push.sh", f"#!/bin/sh\nset -eu\n{before}{phrase}{after}\necho done\n", secret


@pytest.mark.parametrize("phrase", PHRASES)
def test_salvage_finds_the_secret_whatever_breaks_the_line(phrase: str) -> None:
    """Every mutation the fuzz plants, on either side: the line's secret is still found."""
    from authlint.salvage import secrets_in_broken_text

    secret = "Fk7q2Wd9LmX4rT"
    line = phrase.format(s=secret)
    for before in MUTATIONS:
        for after in MUTATIONS:
            assert secret in secrets_in_broken_text(before + line + after), repr(before + line + after)


def _leaks(secret: str, text: str) -> bool:
    return any(secret[i : i + 8] in text for i in range(len(secret) - 7))


@hsettings(max_examples=int(os.environ.get("AUTHLINT_FUZZ_EXAMPLES", "40")), deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(planted(), st.booleans())
@example((".gitlab-ci.yml", "build:\n  script: [- docker login -u deploy -p Fk72222222222 registry.example.com$(]\n",
          "Fk72222222222"), False)  # an unclosed `$(` made the salvaged command unparsable
def test_a_planted_secret_never_appears_in_any_output(tmp_path_factory, case, color) -> None:
    from authlint.cli import _diffs
    from authlint.reporters import FORMATS, Report, get

    path, text, secret = case
    root = tmp_path_factory.mktemp("fuzz")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        settings = Settings(project_dir=str(root))
        result = api.lint_text(path, text, settings)
        res = api.fix_paths([path], settings, unsafe=True, write=False, overlays={str(root / path): text})
        for lint in (result, res.result):
            for fmt in FORMATS:
                out = get(fmt)(Report(lint, color=color, statistics=color, fixed_count=1))
                assert not _leaks(secret, out), f"{fmt} shows the secret:\n{out}"
        diff = _diffs(res.changed, res.outcome.secrets)
        assert not _leaks(secret, diff), diff
        titles = " ".join(f.fix.title for f in res.outcome.applied if f.fix)
        assert not _leaks(secret, titles)
    finally:
        os.chdir(cwd)


def test_readme_states_what_authlint_reads() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## What authlint reads", 1)[1].split("\n## ", 1)[0]
    assert "Regular files inside the project" in section and "never followed" in section
