"""What the speed work must keep: the same findings however a run is carried out.

A run over many projects lints them one by one (models dropped, GC paused) or
in a fork pool; both must give the same findings, in the same order, with the
same secrets to redact, files and errors.  (Speed itself is measured under bench/.)
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import os
import time
from pathlib import Path

import pytest

from authlint import cache, gitlab, projects, triggers
from authlint import rules as registry
from authlint.engine import Linter, LintResult
from authlint.settings import Settings

from support.corpus import require_corpus

ROOT = Path(__file__).resolve().parents[1]


def _bench(name: str = "fleet"):
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def _fleet():
    return _bench("fleet")


def outcome(result: LintResult) -> tuple:
    """Everything a reporter sees of a result, secrets included (by finding position)."""
    secrets = [result.secrets.get(id(f), ()) for f in result.findings]
    return result.findings, secrets, result.files, sorted(result.sources), result.errors, result.internal_error


def lint(paths: list[Path], jobs: int, monkeypatch, cwd: Path, use_triggers: bool = True) -> LintResult:
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("AUTHLINT_JOBS", str(jobs))
    monkeypatch.setattr(triggers, "ENABLED", use_triggers)
    return Linter(Settings(project_dir=str(cwd), select=("ALL",))).lint_paths(paths)


@pytest.fixture
def small_pool(monkeypatch):
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork start method on this platform")
    monkeypatch.setattr(projects, "POOL_MIN_PROJECTS", 2)
    monkeypatch.setattr(projects, "BATCH", 1)


def test_fleet_pool_gives_the_findings_of_one_process(tmp_path: Path, monkeypatch, small_pool) -> None:
    _fleet().generate(tmp_path, 30)
    (tmp_path / "p00004" / "broken.sh").write_text("if then fi\n")  # a parse error among them
    single = lint([tmp_path], 1, monkeypatch, tmp_path)
    pooled = lint([tmp_path], 2, monkeypatch, tmp_path)
    assert projects.pool_size(30) == 2
    assert len(single.findings) > 30 and {f.code for f in single.findings} >= {"AL001", "AL206", "AL211"}
    assert outcome(pooled) == outcome(single)


def test_corpus_same_findings_pooled_with_triggers_as_one_process_calling_every_rule(monkeypatch, small_pool) -> None:
    corpus = require_corpus()
    dirs = sorted(p for p in corpus.iterdir() if p.is_dir())
    reference = lint(dirs, 1, monkeypatch, corpus, use_triggers=False)
    pooled = lint(dirs, 2, monkeypatch, corpus)
    assert len(reference.findings) > 100
    assert outcome(pooled) == outcome(reference)


def test_one_project_of_many_pipelines_linted_in_pooled_steps_gives_the_findings_of_one_process(monkeypatch) -> None:
    """The corpus files named one by one are one project: its pipelines and files are steps,
    which a pool runs in batches (a worker's later batches start from the state its earlier
    ones left); merged in step order, they give what one process gives."""
    from authlint import engine

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork start method on this platform")
    corpus = require_corpus()
    files = sorted(str(p.relative_to(corpus)) for p in corpus.rglob("*") if p.suffix in (".yml", ".yaml", ".sh"))
    monkeypatch.setattr(projects, "POOL_MIN_STEPS", 2)
    monkeypatch.setattr(projects, "STEP_BATCH", 5)
    absorbed = []
    absorb = engine._Run.absorb
    monkeypatch.setattr(engine._Run, "absorb", lambda run, part: (absorbed.append(part), absorb(run, part))[1])
    built = []  # pipelines whose jobs this process built (a worker's calls stay in the worker)
    build_jobs = gitlab.build_jobs
    monkeypatch.setattr(engine, "_build_jobs", lambda p, reuse=None: (built.append(p.unbuilt is not None), build_jobs(p, reuse))[1])
    single = lint([Path(f) for f in files], 1, monkeypatch, corpus)
    groups, built_single = len(absorbed), sum(built)
    pooled = lint([Path(f) for f in files], 2, monkeypatch, corpus)
    assert len(absorbed) - groups > groups + 20  # the steps' batches came back from the workers
    assert built_single > 150 and sum(built) - built_single < 10  # the workers built the pipelines they lint
    assert len(single.findings) > 500
    assert outcome(pooled) == outcome(single)


def test_generated_projects_same_findings_with_and_without_triggers(tmp_path: Path, monkeypatch) -> None:
    """The benchmark's projects (bench/gen_projects.py and bench/fleet.py): triggers drop no finding."""
    _bench("gen_projects").generate(tmp_path / "gen", 50)
    _fleet().generate(tmp_path / "fleet", 25)
    with_triggers = lint([tmp_path], 1, monkeypatch, tmp_path)
    every_rule = lint([tmp_path], 1, monkeypatch, tmp_path, use_triggers=False)
    assert len({f.code for f in every_rule.findings}) >= 6 and len(every_rule.findings) > 60
    assert outcome(with_triggers) == outcome(every_rule)


def test_rule_examples_same_findings_with_and_without_triggers(tmp_path: Path, monkeypatch) -> None:
    """Every VALID/INVALID example of a rule with triggers (as a file and as a script item)
    is a project of one run."""
    count = 0
    for module in [m for m in registry.all_modules() if hasattr(m, "TRIGGERS")]:
        for kind in ("VALID", "INVALID"):
            for i, ex in enumerate(getattr(module, kind, [])):
                texts = {ex.filename: ex.text}
                if ex.kind == "sh" and ".gitlab-ci.yml" not in ex.files:
                    block = "".join(f"      {line}\n" for line in ex.text.splitlines())
                    texts[".gitlab-ci.yml"] = "job:\n  script:\n    - |\n" + block
                for j, (name, text) in enumerate(texts.items()):
                    root = tmp_path / f"{module.RULE.code}-{kind}-{i}-{j}"
                    for rel, body in {**ex.files, name: text}.items():
                        (root / rel).parent.mkdir(parents=True, exist_ok=True)
                        (root / rel).write_text(body, encoding="utf-8", newline="")
                    (root / ".git").mkdir()
                    count += 1
    with_triggers = lint([tmp_path], 1, monkeypatch, tmp_path)
    every_rule = lint([tmp_path], 1, monkeypatch, tmp_path, use_triggers=False)
    assert count > 200 and len(every_rule.findings) > 150
    assert outcome(with_triggers) == outcome(every_rule)


def test_projects_are_grouped_with_the_project_around_them(tmp_path: Path) -> None:
    for rel in ("mono/.gitlab-ci.yml", "mono/sub/.gitlab-ci.yml", "mono/sub/x.sh", "solo/.gitlab-ci.yml", "solo/ci/y.sh"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("a: 1\n")
    ws = Linter(Settings()).ws
    groups = [sorted(str(p.relative_to(tmp_path)) for p, _, _ in g) for g in projects.project_groups(ws, ws.discover([tmp_path]))]
    assert groups == [["mono/.gitlab-ci.yml", "mono/sub/.gitlab-ci.yml", "mono/sub/x.sh"], ["solo/.gitlab-ci.yml", "solo/ci/y.sh"]]



def rendered(result: LintResult) -> dict[str, str]:
    from authlint.reporters import FORMATS, Report, get

    return {fmt: get(fmt)(Report(result)) for fmt in FORMATS}


def _age(root: Path, seconds: int) -> None:
    """Set every mtime under root `seconds` into the past (so the cache may trust its stamps)."""
    when = time.time_ns() - seconds * 1_000_000_000
    for path in [root, *root.rglob("*")]:
        if ".authlint_cache" not in path.parts:
            os.utime(path, ns=(when, when))


def test_warm_runs_give_the_findings_of_cold_runs(tmp_path: Path, monkeypatch, small_pool) -> None:
    """Cold runs here use the pool: what the workers read is recorded in the entry."""
    fleet = tmp_path / "fleet"
    _fleet().generate(fleet, 10)
    _age(fleet, 20)
    monkeypatch.chdir(fleet)
    settings = Settings(project_dir=str(fleet))

    def through_cache() -> LintResult:
        return cache.lint_paths([Path(".")], settings, tmp_path / "cache")

    def cold() -> tuple:
        return outcome(Linter(settings).lint_paths([Path(".")]))

    before = dict(cache.STATS)
    first, warm = through_cache(), through_cache()
    assert (cache.STATS["miss"] - before["miss"], cache.STATS["hit"] - before["hit"]) == (1, 1)
    reference = cold()
    assert outcome(first) == reference
    shown = lambda o: o[:3] + o[4:]  # noqa: E731 - a hit keeps only the sources its findings show
    assert shown(outcome(warm)) == shown(reference)
    assert rendered(warm) == rendered(first)  # every format, from the entry alone

    # a same-size edit, a new project, a new ignore file: each is seen without re-reading everything
    ci = fleet / "p00001" / ".gitlab-ci.yml"
    ci.write_text(ci.read_text().replace('"$CI_REGISTRY_PASSWORD"', " $CI_REGISTRY_PASSWORD "))
    _fleet().generate(tmp_path / "more", 2)
    (tmp_path / "more" / "p00001").rename(fleet / "q00001")
    (fleet / ".gitignore").write_text("p00007/\n")
    for change in range(3):  # the changes, then only new mtimes: re-hashed, found unchanged, stamped anew
        _age(fleet, 10 - change)
        before = dict(cache.STATS)
        result = through_cache()
        assert shown(outcome(result)) == shown(outcome(through_cache())) == (shown(cold()) if change == 0 else expected)
        expected = shown(outcome(result))
        assert cache.STATS["hit"] - before["hit"] == (1 if change == 0 else 2)
    assert ("AL206", "p00001/.gitlab-ci.yml") in {(f.code, f.path) for f in result.findings}  # the edit
    assert any(f.path.startswith("q00001/") for f in result.findings)  # the new project
    assert not any(f.path.startswith("p00007/") for f in result.findings)


@pytest.mark.parametrize("jobs", [1, 2])
def test_streamed_text_report_is_the_whole_report(tmp_path: Path, monkeypatch, capsys, small_pool, jobs: int) -> None:
    """`check` writes a text or JSON report project by project, with --no-cache as through the
    cache: the same bytes and exit code in every mode.  p00003-x sorts before p00003/: from
    p00003 on, the projects wait and are written together at the end."""
    import shutil

    from authlint.cli import main
    from authlint.reporters import json, text

    fleet = tmp_path / "fleet"
    _fleet().generate(fleet, 12)
    (fleet / "p00004" / "broken.sh").write_text("if then fi\n")
    shutil.copytree(fleet / "p00003", fleet / "p00003-x")
    monkeypatch.chdir(fleet)
    monkeypatch.setenv("AUTHLINT_JOBS", str(jobs))
    parts: list[LintResult] = []
    for stream in (text.Stream, json.Stream):
        monkeypatch.setattr(stream, "part", lambda self, result, part=stream.part: (parts.append(result), part(self, result))[1])

    def report(*args: str) -> tuple:
        code = main(["check", *args])
        out, err = capsys.readouterr()
        written = tmp_path / "report.txt"
        content = written.read_text() if written.exists() else None
        written.unlink(missing_ok=True)
        return code, out, err, content

    for mode in ([], ["--output-format", "concise"], ["--output-format", "json"], ["--output-format", "json", "p00002"],
                 ["--output-format", "json", "--select", "AL003"], ["-q"], ["--statistics"], ["--severity", "error", "-q"],
                 ["--output-file", str(tmp_path / "report.txt")], ["--exit-zero", "p00002", "p00001"]):
        parts.clear()
        streamed = report("--no-cache", *mode)
        assert parts or mode[-1] == "AL003"
        assert streamed == report(*mode) and (streamed[1] or streamed[3])
    parts.clear()
    report("--no-cache")
    assert len(parts) == 4 and parts[0].findings[0].path.startswith("p00000/")  # p00000-p00002, then the rest
    assert {f.path.split("/")[0] for f in parts[-1].findings} >= {"p00003", "p00003-x", "p00004", "p00011"}
    # From outside the fleet its projects show as `../fleet/p00000/...` or absolute paths: still streamed.
    (tmp_path / "a" / "b" / "c").mkdir(parents=True)
    for cwd, shown in ((tmp_path / "a", "../fleet"), (tmp_path / "a" / "b" / "c", str(fleet))):
        monkeypatch.chdir(cwd)
        parts.clear()
        streamed = report("--no-cache", "--output-format", "concise", str(fleet))
        assert len(parts) == 4 and parts[0].findings[0].path.startswith(f"{shown}/p00000/")
        assert streamed == report("--output-format", "concise", str(fleet))
    monkeypatch.chdir(fleet)
    # From inside a project its files show as `-ci/.gitlab-ci.yml`, before `../p00000/...`: all wait.
    (fleet / "p00002" / "-ci").mkdir()
    shutil.copy(fleet / "p00002" / ".gitlab-ci.yml", fleet / "p00002" / "-ci")
    monkeypatch.chdir(fleet / "p00002")
    parts.clear()
    streamed = report("--no-cache", ".", "../p00000")
    assert len(parts) == 1 and streamed[1].startswith("-ci/.gitlab-ci.yml:") and "\n../p00000/" in streamed[1]
    assert streamed == report(".", "../p00000")


def test_a_lint_overtaken_by_a_newer_version_stops(tmp_path: Path, monkeypatch) -> None:
    from authlint.engine import LintCancelled
    from authlint.lsp.server import Snapshot, compute

    _fleet().generate(tmp_path, 1)
    ci = tmp_path / "p00000" / ".gitlab-ci.yml"
    monkeypatch.chdir(tmp_path)
    linter = Linter(Settings(project_dir=str(tmp_path)))
    asked = []
    linter.cancelled = lambda: asked.append(1) or True
    with pytest.raises(LintCancelled):
        linter.lint_paths([ci])
    assert asked == [1]  # at the first job
    snap = Snapshot(ci.as_uri(), str(ci), 2, ci.read_text(), "ci", Settings(project_dir=str(tmp_path)), {}, "utf-16", None,
                    stale=lambda: True)
    assert compute(snap).result is None
    assert compute(Snapshot(**{**vars(snap), "stale": lambda: False})).findings


@pytest.mark.parametrize("generator", ["fleet", "gen_projects"])
def test_a_linted_project_leaves_no_cycles_for_the_collector(tmp_path: Path, monkeypatch, generator: str) -> None:
    """Between projects the model is freed by refcounting (units, flows and facts cached on
    them, parser builders, the pipeline builder, models a parser gave up): the collection after
    each finds next to nothing, so it stays cheap however large the projects are, and what
    a fleet run freezes holds no garbage."""
    import gc

    _bench(generator).generate(tmp_path, 12)
    found = []
    after = projects.after_project

    def counting(ws) -> None:
        from authlint.shell.parser import release

        release()  # what after_project collects, counted
        found.append(gc.collect(1))
        after(ws)

    monkeypatch.setattr(projects, "after_project", counting)
    result = lint([tmp_path], 1, monkeypatch, tmp_path)
    assert len(found) == 11 and len(result.findings) > 12
    assert sum(found) <= 10 * len(found)  # was ~1,700 objects a project


PASSWORD = "Zr4-lit3ral-Pw9q"


@pytest.mark.parametrize("jobs", [1, 2])
def test_every_format_streamed_is_the_whole_report_cold_storing_and_warm(tmp_path: Path, monkeypatch, capsys, small_pool,
                                                                         jobs: int) -> None:
    """Every format is written part by part, with --no-cache, by the run that fills the cache and
    by a hit: the bytes of the report rendered from the whole result, secrets redacted; the
    entry holds every part (a second run is a hit); a baseline is applied as the parts come."""
    import shutil
    import xml.etree.ElementTree as ET

    from authlint.cli import main
    from authlint.reporters import FORMATS, Report, get

    fleet = tmp_path / "fleet"
    _fleet().generate(fleet, 8)
    (fleet / "p00004" / "broken.sh").write_text("if then fi\n")
    (fleet / "p00005" / "login.sh").write_text(f"#!/bin/sh\ndocker login -u u -p {PASSWORD} r.example.com\n")
    shutil.copytree(fleet / "p00003", fleet / "p00003-x")  # sorts before p00003/: the rest waits
    _age(fleet, 20)
    monkeypatch.chdir(fleet)
    monkeypatch.setenv("AUTHLINT_JOBS", str(jobs))
    monkeypatch.setenv("AUTHLINT_CACHE_DIR", str(tmp_path / "cache"))
    whole = Linter(Settings(project_dir=str(fleet))).lint_paths([Path(".")])
    assert whole.findings and any(f.code.startswith("AL1") for f in whole.findings)

    def report(*args: str) -> tuple[int, str]:
        code = main(["check", *args])
        return code, capsys.readouterr()[0]

    for fmt in FORMATS if jobs == 1 else ("text", "sarif"):
        for options in ((), ("--statistics",)) if fmt == "text" else ((),):
            expected = get(fmt)(Report(whole, statistics=bool(options)))
            assert PASSWORD not in expected
            before = dict(cache.STATS)
            runs = [report("--no-cache", "--output-format", fmt, *options)]
            shutil.rmtree(tmp_path / "cache", ignore_errors=True)
            runs += [report("--output-format", fmt, *options) for _ in range(2)]
            assert runs == [(1, expected)] * 3, fmt
            assert (cache.STATS["write"] - before["write"], cache.STATS["hit"] - before["hit"]) == (1, 1)
    (entry,) = (tmp_path / "cache").rglob("*.entry")
    stored = cache.decode(entry.read_bytes())
    assert sum(len(p["findings"]) for p in stored["part"]) == len(whole.findings) and stored["files"] == whole.files
    assert PASSWORD.encode() not in entry.read_bytes()
    junit = ET.fromstring(get("junit")(Report(whole)))  # cases: the findings', the clean files', in order
    flagged = {f.path for f in whole.findings}
    assert [c.get("file") for c in junit.iter("testcase")] == [f.path for f in whole.findings] + [p for p in whole.files if p not in flagged]

    baseline = tmp_path / "baseline.json"
    assert main(["check", "--no-cache", "--write-baseline", str(baseline), "p00001", "p00005"]) == 0
    kept = [f for f in whole.findings if f.path.split("/")[0] not in ("p00001", "p00005")]
    expected = get("json")(Report(LintResult(kept, whole.sources, whole.files, whole.errors, whole.secrets)))
    assert report("--no-cache", "--baseline", str(baseline), "--output-format", "json") == (1, expected)
    assert report("--baseline", str(baseline), "--output-format", "json") == (1, expected)


def test_a_run_that_fails_or_is_interrupted_leaves_no_entry(tmp_path: Path, monkeypatch, capsys) -> None:
    """The entry is spooled in unnamed temp files and appears whole, by a rename, or not at all."""
    from authlint import engine
    from authlint.cli import main

    fleet = tmp_path / "fleet"
    _fleet().generate(fleet, 3)
    _age(fleet, 20)
    monkeypatch.chdir(fleet)
    monkeypatch.setenv("AUTHLINT_JOBS", "1")
    monkeypatch.setenv("AUTHLINT_CACHE_DIR", str(tmp_path / "cache"))
    real = engine._Run._findings
    seen: list[int] = []

    def interrupted(self, *args):
        seen.append(1)
        if len(seen) == 2:  # the first part is written (to the report and the entry), then ^C
            raise KeyboardInterrupt
        return real(self, *args)

    monkeypatch.setattr(engine._Run, "_findings", interrupted)
    assert main(["check"]) == 130 and capsys.readouterr()[0]
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file() and p.name not in ("CACHEDIR.TAG", ".gitignore")]
    monkeypatch.setattr(engine._Run, "_findings", real)

    class Failing:
        def seek(self, offset: int) -> None:
            raise OSError("disk full")

        def close(self) -> None:
            pass

    real_finish = cache._Writer.finish

    def finish(self, *args):  # the join fails half-way
        self.spools["part"] = Failing()
        return real_finish(self, *args)

    monkeypatch.setattr(cache._Writer, "finish", finish)
    whole = main(["check", "--no-cache"]), capsys.readouterr()[0]
    assert (main(["check"]), capsys.readouterr()[0]) == whole and whole[0] == 1
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file() and p.name not in ("CACHEDIR.TAG", ".gitignore")]


def test_between_projects_what_is_left_is_frozen_after_big_cycles_are_collected(monkeypatch) -> None:
    """After a project, what it left alive is frozen: no later collection scans it (the parse
    memo's scripts); a project that left YOUNG new objects has its cycles collected first, one that
    left next to nothing costs no collection."""
    import gc

    from authlint.workspace import Workspace

    collected: list[int] = []

    def seen(phase: str, info: dict) -> None:
        if phase == "stop":
            collected.append(info["collected"])

    ws = Workspace(Settings())
    with projects.paused_gc():
        gc.collect()
        frozen = gc.get_freeze_count()
        gc.callbacks.append(seen)
        try:
            kept = [[i] for i in range(100)]
            projects.after_project(ws)  # next to nothing new: no collection, the survivors frozen
            assert collected == [] and gc.get_freeze_count() >= frozen + 100
            for _ in range(projects.YOUNG // 2 + 1):  # cycles of two lists: YOUNG+ objects
                a: list = []
                a.append([a])
            projects.after_project(ws)
            assert len(collected) == 1 and collected[0] >= projects.YOUNG
        finally:
            gc.callbacks.remove(seen)
            gc.unfreeze()
    assert kept


def test_a_fleet_linted_while_discovery_walks_gives_the_one_process_report(tmp_path: Path, monkeypatch, capsys,
                                                                           small_pool) -> None:
    """A streamed fleet's projects go to the pool as the walk finds them: the report is the one
    process's, byte for byte, with groups whose order differs from the walk's (`a/sub` walked
    before `a-c`, sorted after it), a project calling another's script (it asks about a path
    another project holds: linted again in the parent) and a nested project; a file directly in
    the walked directory joins every project into one, linted without the early pool."""
    from authlint.cli import main

    fleet = tmp_path / "fleet"
    _fleet().generate(fleet, 10)
    for rel, text in (("a/sub/.gitlab-ci.yml", "t:\n  script:\n    - docker login -p hunter22 r.example\n"),
                      ("a-c/.gitlab-ci.yml", "t:\n  script:\n    - bash ../p00001/ci/deploy.sh\n"),
                      ("p00001/ci/deploy.sh", "docker login -p s3cr3tpass r.example\n"),
                      ("p00002/nested/.gitlab-ci.yml", "n:\n  script:\n    - docker login -p nestpass1 r.example\n")):
        (fleet / rel).parent.mkdir(parents=True, exist_ok=True)
        (fleet / rel).write_text(text)
    relinted = []
    monkeypatch.setattr(projects, "_lint_group", lambda *a, lint=projects._lint_group: (relinted.append(os.getpid()), lint(*a))[1])
    early = []
    monkeypatch.setattr(projects.EarlyFleet, "outcomes", lambda self, *a, o=projects.EarlyFleet.outcomes: (early.append(1), o(self, *a))[1])
    monkeypatch.chdir(tmp_path)

    def report(jobs: int) -> tuple:
        monkeypatch.setenv("AUTHLINT_JOBS", str(jobs))
        code = main(["check", "--no-cache", "--output-format", "json", "fleet"])
        return code, capsys.readouterr()

    single = report(1)
    assert not early and 'resolves outside the project' in single[1].out
    relinted.clear()
    assert report(2) == single
    assert early and relinted == [os.getpid()]  # a-c, asked about fleet/p00001/ci/deploy.sh
    (fleet / "notes.sh").write_text("echo hi\n")
    early.clear()
    single = report(1)
    assert report(2) == single and not early


def test_a_workers_wanted_paths_note_every_path_asked_about_also_by_intersection() -> None:
    """The engine asks `linted & wanted` as well as `path in wanted`: set's own intersection
    would bypass the noting __contains__, and a project including another's file be missed."""
    known = projects._Known(["p1/.gitlab-ci.yml"])
    assert {"p1/.gitlab-ci.yml", "p2/x.yml"} & known == {"p1/.gitlab-ci.yml"}
    assert known & {"p3/y.yml"} == set()
    assert "p4/z.sh" not in known
    assert sorted(known.asked) == ["p2/x.yml", "p3/y.yml", "p4/z.sh"]
