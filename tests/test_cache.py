"""The content-hash cache in .authlint_cache/ (hits counted, never timed)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

import authlint
from authlint import cache, engine
from authlint.cli import main
from support.files import write

SECRET = "hunter2-Zq8"
TOKEN = "glpat-Abcdefghij1234567890"
USERPASS = "deploy:s3cr3t-Pw-77"
B64 = base64.b64encode(USERPASS.encode()).decode()
SECRETS = (SECRET, TOKEN, TOKEN[6:], B64, USERPASS, "s3cr3t-Pw-77")

PIPELINE = f"""\
include:
  - local: ci/build.yml
variables:
  TOKEN: {TOKEN}
  DOCKER_AUTH_CONFIG: '{{"auths":{{"r.example.com":{{"auth":"{B64}"}}}}}}'
build:
  image: docker:27
  script:
    - docker login -u deploy -p {SECRET} registry.example.com
    - docker push registry.example.com/app
    - ./ci/push.sh
"""
INCLUDED = """\
release:
  image: docker:27
  script:
    - docker push registry.example.com/app:latest
"""
PUSH = "#!/bin/sh\ndocker push registry.example.com/app\n"
AUTH_JSON = '{"auths":{"registry.example.com":{"auth":"%s"}}}\n' % B64


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AUTHLINT_CACHE_DIR", raising=False)
    monkeypatch.delenv("AUTHLINT_NO_CACHE", raising=False)
    write(tmp_path, {".gitlab-ci.yml": PIPELINE, "ci/build.yml": INCLUDED, "ci/push.sh": PUSH, "config.json": AUTH_JSON})
    return tmp_path


@pytest.fixture
def lints(monkeypatch) -> list[int]:
    """Counts real lint runs (the engine's entry point)."""
    calls: list[int] = []
    real = engine.Linter.lint_paths

    def spy(self, paths, *args):
        calls.append(1)
        return real(self, paths, *args)

    monkeypatch.setattr(engine.Linter, "lint_paths", spy)
    return calls


def check(capsys, *args: str) -> tuple[int, str]:
    code = main(["check", *args])
    out, _ = capsys.readouterr()
    return code, out


def cache_files(root: Path) -> list[Path]:
    return [p for p in (root / ".authlint_cache").rglob("*") if p.is_file()]


def test_second_run_is_a_hit_with_identical_output(project, capsys, lints) -> None:
    first = check(capsys, "--output-format", "json")
    second = check(capsys, "--output-format", "json")
    assert first == second and first[0] == 1
    assert len(lints) == 1  # the first run linted, the second came from the cache
    assert check(capsys) == check(capsys)  # text: the same entry (the format is not part of the key)
    assert len(lints) == 1
    assert cache.STATS["hit"] >= 3
    doc = json.loads(check(capsys, "--output-format", "json")[1])
    assert {f["code"] for f in doc["findings"]} >= {"AL102", "AL104", "AL101", "AL103"}
    text = check(capsys)[1]
    assert "glpa…[redacted]" in text
    for secret in SECRETS:
        assert secret not in text


def test_cache_dir_layout(project, capsys) -> None:
    check(capsys)
    root = project / ".authlint_cache"
    assert (root / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (root / ".gitignore").read_text().splitlines()[-1] == "*"
    assert list((root / authlint.__version__).glob("*.entry"))


def test_no_secret_in_cache_files(project, capsys) -> None:
    check(capsys, "--output-format", "json")
    check(capsys, "--select", "ALL")
    files = cache_files(project)
    assert len(files) >= 4
    for path in files:
        data = path.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in data, (path, secret)


def test_redaction_works_on_cached_findings(project, capsys, lints) -> None:
    first = check(capsys, "--output-format", "json")[1]
    second = check(capsys, "--output-format", "json")[1]
    assert first == second and len(lints) == 1
    for secret in SECRETS:
        assert secret not in second
    result = cache.lint_paths(["."], authlint.load_settings(project))
    assert len(lints) == 1
    by_code = {f.code: f for f in result.findings}
    assert SECRET in result.secrets[id(by_code["AL102"])]  # read back from the file, not the cache


def test_no_cache_reads_and_writes_nothing(project, capsys, lints) -> None:
    check(capsys, "--no-cache")
    assert not (project / ".authlint_cache").exists()
    check(capsys)
    check(capsys, "--no-cache")
    assert len(lints) == 3


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda p: write(p, {".gitlab-ci.yml": PIPELINE + "    - docker login -u x -p an0ther-pw r.example.com\n"}), id="root-file"),
        pytest.param(lambda p: write(p, {"ci/build.yml": INCLUDED + "    - docker login -u u -p lit3ral-pw r.example.com\n"}), id="included-file"),
        pytest.param(lambda p: write(p, {"ci/push.sh": PUSH + "set -x\necho $CI_REGISTRY_PASSWORD\n"}), id="called-script"),
        pytest.param(lambda p: write(p, {"pyproject.toml": '[tool.authlint]\nignore = ["AL104"]\n'}), id="settings"),
        pytest.param(lambda p: write(p, {"other.sh": f"docker login -u u -p {SECRET} r\n"}), id="new-file"),
        pytest.param(lambda p: (p / "config.json").unlink(), id="deleted-file"),
        pytest.param(lambda p: write(p, {".gitignore": "config.json\n"}), id="gitignore"),
    ],
)
def test_invalidation(project, capsys, lints, change) -> None:
    before = check(capsys, "--output-format", "json")
    change(project)
    fresh = main(["check", "--no-cache", "--output-format", "json"]), capsys.readouterr()[0]
    lints.clear()
    after = check(capsys, "--output-format", "json")
    assert len(lints) == 1  # not served from the stale entry
    assert after == fresh and after != before
    lints.clear()
    assert check(capsys, "--output-format", "json") == after and lints == []


def test_missing_include_appearing_invalidates(project, capsys, lints) -> None:
    write(project, {".gitlab-ci.yml": PIPELINE.replace("ci/build.yml", "ci/later.yml")})
    before = json.loads(check(capsys, "--output-format", "json")[1])
    assert any(f["code"] == "AL002" for f in before["findings"])
    write(project, {"ci/later.yml": INCLUDED})
    after = json.loads(check(capsys, "--output-format", "json")[1])
    assert not any(f["code"] == "AL002" for f in after["findings"]) and len(lints) == 2


def test_glob_include_sees_new_files(project, capsys, lints) -> None:
    write(project, {".gitlab-ci.yml": PIPELINE.replace("ci/build.yml", "ci/*.yml"), "ci/build.yml": "x:\n  script: [echo]\n"})
    check(capsys)
    write(project, {"ci/more.yml": INCLUDED.replace("docker push registry.example.com/app:latest", f"docker login -p {SECRET} r")})
    lints.clear()
    code, out = check(capsys, "--output-format", "json")
    assert len(lints) == 1 and "ci/more.yml" in out


def test_version_change_invalidates(project, capsys, lints, monkeypatch) -> None:
    check(capsys)
    monkeypatch.setattr(authlint, "__version__", "9.9.9")
    check(capsys)
    assert len(lints) == 2 and (project / ".authlint_cache" / "9.9.9").is_dir()


def test_code_change_invalidates(project, capsys, lints, monkeypatch) -> None:
    check(capsys)
    monkeypatch.setattr(cache, "_code_stamp", lambda: "another build")
    check(capsys)
    assert len(lints) == 2


def test_corrupt_entry_is_ignored_and_rewritten(project, capsys, lints) -> None:
    expected = check(capsys, "--output-format", "json")
    (entry,) = (project / ".authlint_cache" / authlint.__version__).glob("*.entry")
    stored = cache.decode(entry.read_bytes())
    damaged = cache.encode({**stored, "part": [{"findings": [{"code": 1}]}]})  # a valid checksum, over garbage
    for garbage in (b"{not json", cache.encode({"format": 1}), damaged, entry.read_bytes()[1:], b""):
        entry.write_bytes(garbage)
        assert check(capsys, "--output-format", "json") == expected
        assert cache.decode(entry.read_bytes()) is not None  # valid again
    assert len(lints) == 6
    assert check(capsys, "--output-format", "json") == expected and len(lints) == 6


def test_fix_bypasses_the_cache(project, capsys, lints) -> None:
    write(project, {".gitlab-ci.yml": PIPELINE + "    - echo hi  # authlint: ignore[AL102]\n"})
    code, out = check(capsys, "--select", "AL003")
    assert code == 1 and "AL003" in out
    assert main(["fix", "--select", "AL003"]) == 0
    capsys.readouterr()
    assert "authlint: ignore" not in (project / ".gitlab-ci.yml").read_text()
    code, out = check(capsys, "--select", "AL003")
    assert code == 0 and "AL003" not in out


def test_cache_dir_setting_and_env(project, capsys, monkeypatch) -> None:
    write(project, {"pyproject.toml": '[tool.authlint]\ncache-dir = "build/lint-cache"\n'})
    check(capsys)
    assert (project / "build" / "lint-cache" / "CACHEDIR.TAG").is_file()
    assert not (project / ".authlint_cache").exists()
    monkeypatch.setenv("AUTHLINT_CACHE_DIR", str(project / "elsewhere"))
    check(capsys)
    assert (project / "elsewhere" / "CACHEDIR.TAG").is_file()


def test_cache_lives_in_the_config_directory(project, capsys, monkeypatch) -> None:
    write(project, {"authlint.toml": "ignore = []\n"})
    monkeypatch.chdir(project / "ci")
    check(capsys, ".")
    assert (project / ".authlint_cache").is_dir() and not (project / "ci" / ".authlint_cache").exists()


def test_runs_with_errors_are_not_cached(project, capsys, lints) -> None:
    code, out = check(capsys, ".", "missing.sh")
    assert code in (1, 2) and "missing.sh" in out
    assert check(capsys, ".", "missing.sh") == (code, out)
    assert len(lints) == 2


def test_fix_holding_a_secret_is_not_cached(project) -> None:
    from authlint.diagnostics import Edit, Finding, Fix, Severity, Span
    from authlint.source import Source

    src = Source(".gitlab-ci.yml", f"x: {SECRET}\n")
    plain = Finding("AL102", "n", Severity.ERROR, "m", src.path, Span(3, 3 + len(SECRET)),
                    fix=Fix("t", (Edit(src.path, 0, 1, "y"),)))
    stored = cache._finding_row(plain, (SECRET,), 0, None)
    assert stored is not None and stored[cache.SECRETS] == 0
    assert cache._locators((SECRET,), (src.path,), {src.path: src}) == [[src.path, 3, 3 + len(SECRET)]]
    assert SECRET not in json.dumps(stored)
    leaky = Finding("AL102", "n", Severity.ERROR, "m", src.path, Span(3, 3 + len(SECRET)),
                    fix=Fix(f"move {SECRET}", (Edit(src.path, 0, 0, f"PW={SECRET}"),)))
    assert cache._finding_row(leaky, (SECRET,), 0, None) is None


def test_a_script_named_alone_sees_a_new_globbed_job(project, capsys, lints) -> None:
    # pre-commit passes only the script; its context is the pipeline, whose glob include gains a job
    write(project, {
        ".gitlab-ci.yml": "include: 'ci/*.yml'\n",
        "ci/a.yml": "a:\n  image: docker:27\n  script:\n    - printf '%s' \"$CI_REGISTRY_PASSWORD\" | docker login -u \"$CI_REGISTRY_USER\" --password-stdin \"$CI_REGISTRY\"\n    - ./ci/push.sh\n",
        "ci/push.sh": "#!/bin/sh\ndocker push \"$CI_REGISTRY_IMAGE\"\n",
    })
    assert json.loads(check(capsys, "--output-format", "json", "ci/push.sh")[1])["findings"] == []
    write(project, {"ci/b.yml": "b:\n  image: docker:27\n  script:\n    - ./ci/push.sh\n"})
    after = json.loads(check(capsys, "--output-format", "json", "ci/push.sh")[1])["findings"]
    assert [(f["code"], f["job"]) for f in after] == [("AL201", "b")] and len(lints) == 2


def test_probes_vouched_for_by_the_layout(tmp_path: Path) -> None:
    """A hit with the same layout skips the existence probes whose answer only a change of a
    stamped directory could alter; a symlink's (its target may change unseen) is probed again."""
    write(tmp_path, {"ci/here.sh": "x\n", "elsewhere/later.sh": "x\n"})
    (tmp_path / "ci" / "link.sh").symlink_to(tmp_path / "elsewhere" / "later.sh")
    (tmp_path / "ci" / "dangling.sh").symlink_to(tmp_path / "elsewhere" / "none.sh")
    layout = {"dirs": {str(tmp_path), str(tmp_path / "ci")}}
    ci = tmp_path / "ci"
    vouched = {name: cache._vouched(str(ci / name), (ci / name).is_file(), layout)
               for name in ("here.sh", "missing.sh", "no/such/dir.sh", "link.sh", "dangling.sh", "here.sh/x")}
    assert vouched == {"here.sh": True, "missing.sh": True, "no/such/dir.sh": True, "link.sh": False, "dangling.sh": False,
                       "here.sh/x": True}
    assert not cache._vouched(str(tmp_path / "elsewhere" / "x.sh"), False, layout)  # not a stamped directory
    assert not cache._vouched(str(ci / "missing.sh"), True, layout)  # the answer changed during the run
    assert not cache._vouched(str(ci / "here.sh"), True, None)  # no trusted layout


def test_a_missing_script_appearing_in_an_aged_project_invalidates(project, capsys, lints) -> None:
    import os
    import time

    write(project, {".gitlab-ci.yml": PIPELINE.replace("./ci/push.sh", "./ci/later.sh")})
    cache._ensure_dir(project / ".authlint_cache")  # made by the first run otherwise: the project's mtime would be too recent
    when = time.time_ns() - 20 * 1_000_000_000
    for path in [project, *project.rglob("*")]:
        os.utime(path, ns=(when, when))
    before = check(capsys, "--output-format", "json")
    (entry,) = (project / ".authlint_cache" / authlint.__version__).glob("*.entry")
    assert any(p.endswith("later.sh") for p, _ in cache.decode(entry.read_bytes())["vouched"])
    assert check(capsys, "--output-format", "json") == before and len(lints) == 1
    write(project, {"ci/later.sh": "#!/bin/sh\necho $CI_REGISTRY_PASSWORD\n"})
    fresh = main(["check", "--no-cache", "--output-format", "json"]), capsys.readouterr()[0]
    assert check(capsys, "--output-format", "json") == fresh != before and len(lints) == 3


WIDE = """\
wide:
  image: docker:27
  script:
    - echo "🚀 ünïcode"; docker login -u u -p lit3ral-Pw9 r.example.com
    - "printf '%s'\\t\\"$X\\" | docker login -u u --password-stdin r.example.com"
"""


@pytest.mark.parametrize("fmt", ["text", "concise", "json", "sarif", "gitlab", "junit", "github"])
def test_every_format_is_the_same_warm_as_cold(project, capsys, lints, fmt) -> None:
    """A hit renders from the entry alone (positions, UTF-16 columns, code frames stored)."""
    from authlint.reporters import FORMATS

    assert fmt in FORMATS
    write(project, {"ci/build.yml": INCLUDED + WIDE})
    for options in ((), ("--statistics",), ("--color", "always")):
        cold = check(capsys, "--no-cache", "--output-format", fmt, *options)
        lints.clear()
        assert check(capsys, "--output-format", fmt, *options) == cold  # linted and stored, or a hit
        assert check(capsys, "--output-format", fmt, *options) == cold
        assert len(lints) <= 1 and "lit3ral-Pw9" not in cold[1]
    assert cache.STATS["hit"] >= 5


def test_a_file_added_while_the_run_lints_is_seen_next_time(project, capsys, lints, monkeypatch) -> None:
    """The layout is stamped before discovery: a file added during the run moves a stamp."""
    import os
    import time

    cache._ensure_dir(project / ".authlint_cache")
    now = time.time_ns()
    for path in [project, *project.rglob("*")]:
        os.utime(path, ns=(now - 20 * 10**9,) * 2)
    real = cache._RecordingWorkspace.discover

    def discover_then_add(self, paths):
        found = real(self, paths)
        write(project, {"late.sh": f"docker login -u u -p {SECRET} r\n"})
        os.utime(project, ns=(now - 5 * 10**9,) * 2)  # added during a long run: no longer too recent to trust
        return found

    monkeypatch.setattr(cache._RecordingWorkspace, "discover", discover_then_add)
    during = check(capsys, "--output-format", "json")
    monkeypatch.setattr(cache._RecordingWorkspace, "discover", real)
    assert "late.sh" not in during[1]
    fresh = main(["check", "--no-cache", "--output-format", "json"]), capsys.readouterr()[0]
    assert "late.sh" in fresh[1] and check(capsys, "--output-format", "json") == fresh and len(lints) == 3


def test_a_failure_while_storing_never_fails_the_lint(project, capsys, monkeypatch) -> None:
    """The entry is written while the report streams: a failure there only leaves the run unstored."""
    monkeypatch.delenv("AUTHLINT_DEBUG", raising=False)
    expected = check(capsys, "--no-cache", "--output-format", "json")
    real = cache._part
    monkeypatch.setattr(cache, "_part", lambda *args: 1 / 0)
    assert check(capsys, "--output-format", "json") == expected
    assert not list((project / ".authlint_cache").rglob("*.entry"))
    monkeypatch.setattr(cache, "_part", real)
    assert check(capsys, "--output-format", "json") == check(capsys, "--output-format", "json") == expected
    assert len(list((project / ".authlint_cache").rglob("*.entry"))) == 1
