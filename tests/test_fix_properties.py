"""Properties of `authlint fix` (unsafe fixes included) on real and generated pipelines.

Inputs: every pipeline under tests/e2e_pipelines/, every file of the public corpus
(../shared/corpus: real-world/*.y*ml and scripts/*.sh), and pipelines generated with hypothesis from
the fixtures' script lines in every YAML style (plain item, `|` block, flow list, single- and
double-quoted), indentation 2/4, LF/CRLF, BOM, extra comments, before_script/script order, job names.

For each, with `authlint.api.fix_paths(..., unsafe=True, write=False)` on a temp copy:

* the fixed YAML still loads (authlint.yaml.model.load) and the shell (script files, and every job's
  script lines) has no more tree-sitter errors than before;
* no byte changes outside the edits of the findings applied: the fix rounds are replayed with the
  engine's own pieces (lint, applicable, apply_round); each round's text must be exactly the previous
  text with the edits of the findings the linter reported and the round applied spliced in (so every
  byte outside those edits' ranges is unchanged), and the replay must end where fix_paths ends. (A
  difflib comparison is only used to show failures: its alignment is ambiguous when lines repeat —
  it will pair an unchanged duplicate line with the edited one and report a change far from the edit.)
* every `#` comment line of the original is still there, unless a rule that deletes lines (AL003,
  AL101, AL401, AL403) removed exactly that line;
* it is idempotent: fixing the fixed text again changes nothing.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from authlint.api import fix_paths
from authlint.diagnostics import Finding
from authlint.engine import Linter
from authlint.fixes import MAX_ITERATIONS, FixOutcome, applicable, apply_round, splice
from authlint.gitlab import load_pipeline
from authlint.settings import Settings
from authlint.shell import parse as parse_shell
from authlint.source import BOM, Source
from authlint.workspace import classify
from authlint.yaml.model import YamlError
from authlint.yaml.model import load as load_yaml
from support.corpus import CORPUS, require_corpus

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "e2e_pipelines"
DELETERS = frozenset({"AL003", "AL101", "AL401", "AL403"})  # rules whose fixes delete whole lines
SETTINGS = Settings()


def _fixture_projects() -> list[Path]:
    return sorted(p.parent for p in FIXTURES.glob("*/*/.gitlab-ci.yml"))


def _corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted((CORPUS / "real-world").glob("*.y*ml")) + sorted((CORPUS / "scripts").glob("*.sh"))


# ---------------------------------------------------------------------------------------------
# Checking one project


@dataclass
class Round:
    before: dict[str, str]  # absolute path -> text (files edited in this round)
    after: dict[str, str]
    applied: list[Finding]


@dataclass
class Report:
    originals: dict[str, Source]  # absolute path -> original source (every file of the project)
    fixed: dict[str, str]  # absolute path -> fixed text (files fix_paths changed)
    rounds: list[Round] = field(default_factory=list)
    parse_errors: tuple[int, int] = (0, 0)  # AL001 findings before and after the fix

    def text(self, path: str) -> str:
        return self.fixed.get(path, self.originals[path].text)


def _abs(display: str) -> str:
    return os.path.abspath(display)


def _read_all(root: Path) -> dict[str, Source]:
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            out[str(p)] = Source.from_bytes(str(p), p.read_bytes())
    return out


def _replay(targets: list[Path], originals: dict[str, Source]) -> tuple[list[Round], int]:
    """The fix loop of authlint.api.fix_paths, one round at a time, keeping what each round applied;
    also the number of AL001 (parse error) findings before any fix."""
    overlays: dict[str, str] = {}
    result = Linter(SETTINGS, overlays).lint_paths(targets)
    parse_errors = sum(f.code == "AL001" for f in result.findings)
    rounds: list[Round] = []
    for _ in range(MAX_ITERATIONS):
        todo = applicable(result.findings, True)
        if not todo:
            break
        texts = {e.path: result.sources[e.path].text for f in todo for e in (f.fix.edits if f.fix else ())
                 if e.path in result.sources}
        before = dict(texts)
        outcome = FixOutcome()
        if not apply_round(todo, texts, outcome):
            break
        changed = {p: t for p, t in texts.items() if t != before[p]}
        rounds.append(Round({_abs(p): before[p] for p in changed}, {_abs(p): t for p, t in changed.items()},
                            list(outcome.applied)))
        for p, t in changed.items():
            overlays[_abs(p)] = (BOM if originals[_abs(p)].bom else "") + t
        result = Linter(SETTINGS, overlays).lint_paths(targets)
    return rounds, parse_errors


def fix_project(root: Path, targets: list[Path]) -> Report:
    originals = _read_all(root)
    res = fix_paths(targets, SETTINGS, unsafe=True, write=False)
    fixed = {_abs(p): new for p, (old, new) in res.outcome.texts.items() if old != new}
    for path in fixed:
        assert path in originals, f"fix edited {path}, outside the project {root}"
    rounds, parse_errors = _replay(targets, originals)
    return Report(originals, fixed, rounds, (parse_errors, sum(f.code == "AL001" for f in res.result.findings)))


def _shell_errors_in_jobs(root: Path, texts: dict[str, str], originals: dict[str, Source], rel_root: str) -> int:
    def read(rel: str) -> Source:
        path = str(root / rel)
        if path not in originals:
            raise OSError(rel)
        return Source(rel, texts.get(path, originals[path].text), originals[path].bom)

    pipeline = load_pipeline(rel_root, read, str(root))
    return sum(len(parse_shell(line.scalar.value).errors) for job in pipeline.jobs.values() for line in job.lines)


def _comment_lines(text: str) -> Counter[str]:
    return Counter(line.strip() for line in text.splitlines() if line.strip().startswith("#"))


def _exempt_comments(report: Report, path: str, markers: tuple[str, ...] = ()) -> Counter[str]:
    """Comment lines (and `markers`, e.g. end-of-line comments) that a deleting rule's edit covered:
    those may go."""
    out: Counter[str] = Counter()
    for rnd in report.rounds:
        text = rnd.before.get(path)
        if text is None:
            continue
        for f in rnd.applied:
            if f.code not in DELETERS or f.fix is None:
                continue
            for e in f.fix.edits:
                if _abs(e.path) == path:
                    lo = text.rfind("\n", 0, e.start) + 1
                    hi = text.find("\n", e.end)
                    covered = text[lo: len(text) if hi < 0 else hi]
                    out.update(_comment_lines(covered))
                    out.update({m: covered.count(m) for m in markers if m in covered})
    return out


def check_properties(root: Path, targets: list[Path], markers: tuple[str, ...] = ()) -> Report:
    """All the properties for one project; `markers` are comment texts (such as end-of-line comments)
    whose every occurrence must survive too."""
    report = fix_project(root, targets)
    originals = report.originals

    # 1. every round is exactly its applied findings' edits, and difflib agrees; the replay ends where
    #    fix_paths ends
    replayed = {p: s.text for p, s in originals.items()}
    for n, rnd in enumerate(report.rounds, 1):
        for path, before in rnd.before.items():
            edits = [e for f in rnd.applied if f.fix for e in f.fix.edits if _abs(e.path) == path]
            assert edits, f"round {n}: {path} changed without an applied edit"
            expected = splice(before, edits)
            assert rnd.after[path] == expected, f"round {n}: {path} is not its edits spliced in:\n" + _diff(
                path, expected, rnd.after[path])
            replayed[path] = rnd.after[path]
    for path, src in originals.items():
        assert replayed[path] == report.text(path), f"{path}: replaying the rounds does not give fix_paths' text"

    for path, new in report.fixed.items():
        src = originals[path]
        kind = classify(Path(path))
        # 2. still valid YAML / no more shell errors
        if kind in ("ci", "yaml"):
            try:
                load_yaml(src)
            except YamlError:
                pass  # was already invalid
            else:
                load_yaml(Source(path, new, src.bom))  # raises if the fix broke the YAML
        elif kind == "shell":
            assert len(parse_shell(new).errors) <= len(parse_shell(src.text).errors), f"{path}: more shell errors"
        # 3. comments kept
        exempt = _exempt_comments(report, path, markers)
        lost = _comment_lines(src.text) - _comment_lines(new) - exempt
        assert not lost, f"{path}: comment lines lost: {sorted(lost)}\n" + _diff(path, src.text, new)
        for m in markers:
            assert new.count(m) >= src.text.count(m) - exempt[m], f"{path}: comment {m!r} lost\n" + _diff(
                path, src.text, new)

    # 2b. no new parse errors (YAML, GitLab structure, shell) anywhere authlint looks, and the jobs'
    #     script lines have no more tree-sitter errors than before
    assert report.parse_errors[1] <= report.parse_errors[0], f"AL001 findings before/after: {report.parse_errors}"
    for target in targets:
        if classify(target) in ("ci", "yaml") and str(target) in report.fixed:
            rel = target.relative_to(root).as_posix()
            try:
                old = _shell_errors_in_jobs(root, {}, originals, rel)
            except Exception:  # noqa: BLE001 - the original does not load as a pipeline: nothing to compare
                continue
            new_errors = _shell_errors_in_jobs(root, report.fixed, originals, rel)
            assert new_errors <= old, f"{target}: job scripts have {new_errors} shell errors, {old} before"

    # 5. converged within the iteration limit, and still strict YAML (duplicate keys rejected) where
    #    the original was
    assert len(report.rounds) < MAX_ITERATIONS, f"no fixpoint after {len(report.rounds)} rounds"
    for path, new in report.fixed.items():
        if classify(Path(path)) in ("ci", "yaml") and _strict_ok(originals[path].text):
            assert _strict_ok(new), f"{path}: the fix broke a strict YAML load\n" + _diff(path, originals[path].text, new)

    # 4. idempotent: fixing the fixed text changes nothing
    if report.fixed:
        overlays = {p: (BOM if originals[p].bom else "") + t for p, t in report.fixed.items()}
        again = fix_paths(targets, SETTINGS, unsafe=True, write=False, overlays=overlays)
        assert not again.changed, "a second fix changed:\n" + "\n".join(
            _diff(p, old, new) for p, (old, new) in again.changed.items())
    return report


def _strict_ok(text: str) -> bool:
    """A strict YAML load: ruamel's round-trip loader rejects duplicate keys (custom tags are kept)."""
    try:
        list(YAML(typ="rt").load_all(text))
    except Exception:  # noqa: BLE001 - any error means "not strict YAML"
        return False
    return True


def _diff(path: str, old: str, new: str) -> str:
    return "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True), path, path))


# ---------------------------------------------------------------------------------------------
# Fixtures and corpus


@pytest.mark.parametrize("project", _fixture_projects(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_fix_properties_on_fixtures(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / project.name
    shutil.copytree(project, root)
    monkeypatch.chdir(tmp_path)
    targets = sorted(p for p in root.rglob("*") if p.is_file())
    report = check_properties(root, targets)
    if project.parent.name == "broken":
        assert report.fixed, "the broken fixture was not fixed"
    if project.parent.name == "correct":
        assert not report.fixed, "a correct fixture was changed"


@pytest.fixture(scope="module")
def corpus_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    require_corpus()
    files = _corpus_files()
    base = tmp_path_factory.mktemp("corpus")
    out = {}
    for f in files:
        root = base / f.stem.replace(".", "_")
        root.mkdir()
        shutil.copy2(f, root / f.name)
        out[f.name] = (root, root / f.name)
    return out


def test_fix_properties_on_corpus(corpus_reports: dict[str, tuple[Path, Path]],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    failures = []
    changed = 0
    for name, (root, path) in corpus_reports.items():
        monkeypatch.chdir(root)
        try:
            report = check_properties(root, [path])
        except AssertionError as exc:
            failures.append(f"{name}: {exc}")
            continue
        changed += bool(report.fixed)
    assert not failures, f"{len(failures)} corpus files:\n" + "\n\n".join(failures)
    assert changed >= 20, "the corpus should exercise the fixes"  # 67 of 157 files at the time of writing


# ---------------------------------------------------------------------------------------------
# Generated pipelines

KANIKO = ('image:', '  name: gcr.io/kaniko-project/executor:debug', '  entrypoint: [""]')
DOCKER = ("image: docker:27", "services: [docker:27-dind]")
IMAGES = {"kaniko": KANIKO, "docker": DOCKER, "none": (),
          "kaniko-bare": ("image: gcr.io/kaniko-project/executor:debug",)}  # no entrypoint: AL213
ARTIFACTS = [("artifacts:", "  untracked: true"), ("artifacts:", "  paths:", "    - ."),
             ("artifacts: {paths: [.docker/, dist/]}",), ("cache:", "  paths: [.docker]")]

# Script lines from the fixtures (broken and correct), and neutral ones.
AUTH_LINES = [
    'echo "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json',
    "echo $DOCKER_AUTH_CONFIG > $HOME/.docker/config.json",
    'echo "$DOCKER_AUTH_CONFIG" >> "$HOME/.docker/config.json"',
    'echo "$DOCKER_AUTH_CONFIG" > ~/.docker/config.json',
    "mkdir -p /root/.docker",
    'echo "{\\"auths\\":{\\"$CI_REGISTRY\\":{\\"auth\\":\\"$(echo "$CI_REGISTRY_USER:$CI_REGISTRY_PASSWORD" | base64)\\"}}}" > /kaniko/.docker/config.json',
    'echo "{\\"auths\\":{\\"$CI_REGISTRY\\":{\\"auth\\":\\"$(printf \'%s:%s\' "$CI_REGISTRY_USER" "$CI_REGISTRY_PASSWORD" | base64 | tr -d \'\\n\')\\"}}}" > /root/.docker/config.json',
    'echo "{\\"auths\\":{\\"$CI_REGISTRY\\":{\\"username\\":\\"$CI_REGISTRY_USER\\",\\"password\\":\\"$CI_REGISTRY_PASSWORD\\"}}}" > /kaniko/.docker/config.json',
    "AUTH=$(printf '%s:%s' gitlab-ci-token \"$CI_JOB_TOKEN\" | base64)",
    "printf '{\"auths\":{\"%s\":{\"auth\":\"%s\"}}}' \"$CI_REGISTRY\" \"$AUTH\" > /kaniko/.docker/config.json",
    "AUTH=\"$(printf '%s:%s' \"$CI_REGISTRY_USER\" \"$CI_REGISTRY_PASSWORD\" | openssl base64)\"",
    "docker login -u $CI_REGISTRY_USER -p $CI_REGISTRY_PASSWORD $CI_REGISTRY",
    'docker login -u gitlab-ci-token -p "$CI_BUILD_TOKEN" "$CI_REGISTRY"',
    'echo "$CI_JOB_TOKEN" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"',
    'mkdir -p "$DOCKER_CONFIG" && echo "$DOCKER_AUTH_CONFIG" > "$DOCKER_CONFIG/config.json"',
    'buildah login -u "$CI_REGISTRY_USER" --password $CI_REGISTRY_PASSWORD $CI_REGISTRY',
    "printf '%s' \"$CI_REGISTRY_PASSWORD\" | docker login -u \"$CI_REGISTRY_USER\" --password-stdin \"$CI_REGISTRY\"",
    'mkdir -p /kaniko/.docker',
    "if [ -f \"$DOCKER_AUTH_CONFIG\" ]; then cp \"$DOCKER_AUTH_CONFIG\" /kaniko/.docker/config.json; else printf '%s' \"$DOCKER_AUTH_CONFIG\" > /kaniko/.docker/config.json; fi",
    "cat /kaniko/.docker/config.json",
    "echo $CI_REGISTRY_PASSWORD",
    "set -x",
    "echo building  # authlint: ignore[AL206]",
    'echo "déjà vu: $CI_JOB_NAME" && echo $DOCKER_AUTH_CONFIG > "$HOME/.docker/config.json"',
]
PUSH_LINES = [
    '/kaniko/executor --context "$CI_PROJECT_DIR" --dockerfile "$CI_PROJECT_DIR/Dockerfile" --destination "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"',
    "/kaniko/executor --context $CI_PROJECT_DIR --destination $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA",
    'docker build -t "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA" .',
    'docker push "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"',
    'buildah push "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"',
]
NEUTRAL_LINES = ["echo done", "ls -la", 'test -n "$CI_COMMIT_SHA"', "export FOO=bar: baz", "echo 'a # not a comment'",
                 "echo 'ünïcode ✓'"]
JOB_NAMES = ["build", "push-image", "kaniko build", "deploy:image", "build_ä", "Build 2"]
VARIABLES = [
    'CI_DEBUG_TRACE: "true"',
    "DOCKER_AUTH_CONFIG: '{\"auths\":{\"registry.example.com\":{\"auth\":\"dXNlcjpodW50ZXIy\"}}}'",
    "DOCKER_CONFIG: /kaniko/.docker",
    "DOCKER_CONFIG: $CI_PROJECT_DIR/.docker",
    "STORAGE_DRIVER: vfs",
]
COMMENTS = ["# registry login", "# TODO: move to DOCKER_AUTH_CONFIG", "# ünïcode comment", "#no space",
            "# authlint: ignore[AL211]"]


def _fixture_lines() -> list[str]:
    """Every one-line script item of the fixture pipelines (after includes, extends and !reference)."""
    out: set[str] = set()
    for project in _fixture_projects():
        def read(rel: str, project: Path = project) -> Source:
            return Source.from_bytes(rel, (project / rel).read_bytes())

        for job in load_pipeline(".gitlab-ci.yml", read, str(project)).jobs.values():
            out.update(t for t in (line.text.strip() for line in job.lines) if "\n" not in t)
    return sorted(out)


LINES = sorted(set(AUTH_LINES + PUSH_LINES + NEUTRAL_LINES + _fixture_lines()))
STYLES = ("plain", "single", "double", "double-escaped", "literal", "folded")
SHARED = ".registry-auth"  # a hidden job whose script other jobs use through !reference or an alias


class _Reference(list):  # type: ignore[type-arg]
    pass


_SAFE = YAML(typ="safe", pure=True)
_SAFE.constructor.add_constructor("!reference", lambda c, n: _Reference(c.construct_sequence(n)))


def _loads(text: str) -> object:
    return _SAFE.load(text)


def _plain_ok(cmd: str, flow: bool) -> bool:
    probe = f"[{cmd}]" if flow else f"- {cmd}\n"
    try:
        return _loads(probe) == [cmd]
    except Exception:  # noqa: BLE001 - any YAML error: not representable as a plain scalar
        return False


def _quote(cmd: str, style: str) -> str:
    if style == "single":
        return "'" + cmd.replace("'", "''") + "'"
    body = cmd.replace("\\", "\\\\").replace('"', '\\"')
    if style == "double-escaped":  # non-ASCII as \u escapes: the scalar's source map is not 1:1 there
        body = "".join(c if ord(c) < 128 else f"\\u{ord(c):04x}" for c in body)
    return '"' + body + '"'


def _fold(cmd: str, width: int = 30) -> list[str] | None:
    """`cmd` as the lines of a `>-` block (folding joins them with single spaces), or None."""
    words = cmd.split(" ")
    if len(words) < 2 or any(w == "" for w in words):
        return None  # leading, trailing or double spaces do not survive folding
    lines, line = [], words[0]
    for w in words[1:]:
        if len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line += " " + w
    return [*lines, line]


@dataclass
class Item:
    commands: list[str]  # one command, or several for a `|` block; [] for a reference to SHARED
    style: str  # one of STYLES, or "reference"
    comment_before: str | None = None
    trailing_comment: str | None = None

    def value(self) -> object:
        if self.style == "reference":
            return [SHARED, "script"]
        if self.style == "literal":
            return "\n".join(self.commands) + "\n"
        return self.commands[0]


@dataclass
class Section:
    name: str  # before_script / script
    items: list[Item]
    flow: bool
    alias: bool = False  # `before_script: *shared` (the alias of SHARED's script)
@dataclass
class Job:
    name: str
    image: str
    variables: list[str]
    sections: list[Section]
    extra: tuple[str, ...] = ()  # artifacts:/cache: lines


@dataclass
class Pipeline:
    jobs: list[Job]
    indent: int
    seq_indent: bool  # "  - item" (True) or "- item" at the key's column
    crlf: bool
    bom: bool
    top_comment: str | None
    shared: Section | None = None  # SHARED's script, anchored as &shared

    def expected(self) -> dict[str, dict[str, object]]:
        """What the generated YAML must mean: each job's sections (a reference stays a reference)."""
        out: dict[str, dict[str, object]] = {}
        if self.shared is not None:
            out[SHARED] = {"script": [i.value() for i in self.shared.items]}
        for job in self.jobs:
            out[job.name] = {}
            for sec in job.sections:
                items = self.shared.items if sec.alias and self.shared is not None else sec.items
                out[job.name][sec.name] = [i.value() for i in items]
        return out

    def render(self) -> str:
        pad = " " * self.indent
        lines: list[str] = []
        if self.top_comment:
            lines.append(self.top_comment)
        if self.shared is not None:
            lines.append(f"{SHARED}:")
            lines += self._section(self.shared, pad, anchor=" &shared")
            lines.append("")
        for job in self.jobs:
            key = job.name if _plain_key_ok(job.name) else _quote(job.name, "double")
            lines.append(f"{key}:")
            lines += [pad + line for line in IMAGES[job.image]]
            if job.variables:
                lines.append(f"{pad}variables:")
                lines += [pad * 2 + v for v in job.variables]
            for sec in job.sections:
                lines += self._section(sec, pad)
            lines += [pad + line for line in job.extra]
            lines.append("")
        text = "\n".join(lines)
        return text.replace("\n", "\r\n") if self.crlf else text

    def _section(self, sec: Section, pad: str, anchor: str = "") -> list[str]:
        if sec.alias:
            return [f"{pad}{sec.name}: *shared"]
        if sec.flow:
            body = ", ".join(_flow_item(i) for i in sec.items)
            return [f"{pad}{sec.name}:{anchor} [{body}]"]
        dash = pad + (" " * self.indent if self.seq_indent else "")
        out = [f"{pad}{sec.name}:{anchor}"]
        for item in sec.items:
            if item.comment_before:
                out.append(f"{dash}{item.comment_before}")
            if item.style in ("literal", "folded"):
                body = item.commands if item.style == "literal" else _fold(item.commands[0])
                assert body is not None
                out.append(f"{dash}- {'|' if item.style == 'literal' else '>-'}")
                out += [f"{dash}  {line}" for line in body]
                continue
            if item.style == "reference":
                value = f"!reference [{SHARED}, script]"
            else:
                value = item.commands[0] if item.style == "plain" else _quote(item.commands[0], item.style)
            tail = f"  {item.trailing_comment}" if item.trailing_comment else ""
            out.append(f"{dash}- {value}{tail}")
        return out


def _flow_item(item: Item) -> str:
    if item.style == "reference":
        return f"!reference [{SHARED}, script]"
    return item.commands[0] if item.style == "plain" else _quote(item.commands[0], item.style)


def _plain_key_ok(name: str) -> bool:
    try:
        return _loads(f"{name}: 1\n") == {name: 1}
    except Exception:  # noqa: BLE001
        return False


def _usable(style: str, cmd: str, flow: bool) -> str:
    """`style`, or single quotes where `cmd` cannot be written that way."""
    if (style == "plain" and not _plain_ok(cmd, flow)) or (style == "folded" and _fold(cmd) is None):
        return "single"
    return style


@st.composite
def items(draw: st.DrawFn, flow: bool, references: bool) -> Item:
    if references and draw(st.integers(0, 5)) == 0:
        return Item([], "reference")
    styles = [s for s in STYLES if not flow or s not in ("literal", "folded")]
    style = draw(st.sampled_from(styles))
    if style == "literal":  # a `|` block with several lines (and maybe a shell comment line)
        cmds = draw(st.lists(st.sampled_from(LINES), min_size=1, max_size=4))
        if draw(st.booleans()):
            cmds.insert(draw(st.integers(0, len(cmds))), draw(st.sampled_from(COMMENTS)))
        return Item(cmds, "literal", draw(st.none() | st.sampled_from(COMMENTS)))
    cmd = draw(st.sampled_from(LINES))
    style = _usable(style, cmd, flow)
    if flow:
        return Item([cmd], style)
    trailing = None if style == "folded" else draw(st.none() | st.sampled_from(COMMENTS))
    return Item([cmd], style, draw(st.none() | st.sampled_from(COMMENTS)), trailing)


@st.composite
def sections(draw: st.DrawFn, name: str, references: bool, alias: bool = False) -> Section:
    if alias and draw(st.integers(0, 3)) == 0:
        return Section(name, [], False, alias=True)
    flow = draw(st.integers(0, 5)) == 0
    return Section(name, draw(st.lists(items(flow, references), min_size=1, max_size=5)), flow)


@st.composite
def jobs(draw: st.DrawFn, name: str, shared: bool) -> Job:
    secs = [draw(sections("script", shared))]
    if draw(st.booleans()):
        before = draw(sections("before_script", shared, alias=shared))
        secs = [before, *secs] if draw(st.booleans()) else [*secs, before]
    variables = draw(st.lists(st.sampled_from(VARIABLES), unique_by=lambda v: v.split(":")[0], max_size=2))
    extra = draw(st.sampled_from([(), (), *ARTIFACTS]))
    return Job(name, draw(st.sampled_from(sorted(IMAGES))), variables, secs, extra)


@st.composite
def pipelines(draw: st.DrawFn) -> Pipeline:
    shared = draw(st.none() | sections("script", False))
    names = draw(st.lists(st.sampled_from(JOB_NAMES), min_size=1, max_size=2, unique=True))
    return Pipeline([draw(jobs(n, shared is not None)) for n in names], draw(st.sampled_from([2, 4])),
                    draw(st.booleans()), draw(st.booleans()), draw(st.booleans()),
                    draw(st.none() | st.sampled_from(COMMENTS)), shared)


def test_generator_means_what_it_says() -> None:
    """The generator's own check, on fixed shapes (hypothesis runs the same check on every example)."""
    cmd = 'echo "déjà vu: $CI_JOB_NAME" && echo $DOCKER_AUTH_CONFIG > "$HOME/.docker/config.json"'
    for style in STYLES:
        for flow in (False, True):
            if flow and style in ("literal", "folded"):
                continue
            shared = Section("script", [Item([cmd], "single")], False)
            script = [Item([cmd], _usable(style, cmd, flow)), Item(["ls -la"], _usable(style, "ls -la", flow)),
                      Item([], "reference")]
            job = Job("build", "kaniko", [], [Section("before_script", [], False, alias=True),
                                              Section("script", script, flow)])
            _check_generated(Pipeline([job], 2, True, True, True, "# top", shared))


def _check_generated(p: Pipeline) -> None:
    text = p.render()
    data = _loads(text)
    for job, secs in p.expected().items():
        for sec, lines in secs.items():
            assert data[job][sec] == lines, f"generator bug: {job}.{sec}\n{text}"


@settings(max_examples=int(os.environ.get("AUTHLINT_FIX_EXAMPLES", "80")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(pipelines())
def test_fix_properties_on_generated_pipelines(tmp_path_factory: pytest.TempPathFactory, p: Pipeline) -> None:
    _check_generated(p)
    root = tmp_path_factory.mktemp("gen")
    path = root / ".gitlab-ci.yml"
    path.write_bytes(((BOM if p.bom else "") + p.render()).encode("utf-8"))
    cwd = os.getcwd()
    os.chdir(root)
    try:
        report = check_properties(root, [path], markers=tuple(COMMENTS))
    finally:
        os.chdir(cwd)
    codes = sorted({f.code for rnd in report.rounds for f in rnd.applied})
    event(f"fixed: {','.join(codes) or 'nothing'}")
    for code in codes:
        event(f"applied {code}")


# ---------------------------------------------------------------------------------------------
# AL206 must not "fix" ${X:-'{}'}: quoting it changes what dash and busybox sh write

DEFAULT_WORD_JOB = """\
push:
  image: docker:27
  script:
    - mkdir -p "$HOME/.docker"
    - echo ${DOCKER_AUTH_CONFIG:-'{}'} > "$HOME/.docker/config.json"
"""


@pytest.mark.parametrize("shell", ["dash", "busybox"])
@pytest.mark.parametrize("value", [None, '{"auths":{}}'], ids=["unset", "set"])
def test_al206_quoted_default_word_is_display_only(shell: str, value: str | None, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside double quotes the single quotes of `${X:-'{}'}` are ordinary characters, so dash and
    busybox end the expansion at the first `}`: naive quoting writes `{"auths":{}}'}` or `'{'}`.
    AL206 still reports the word but only shows its fix, and the real shells prove why."""
    from support import components, jobrun

    components.require(shell)
    project = tmp_path / "project"
    project.mkdir()
    (project / ".gitlab-ci.yml").write_text(DEFAULT_WORD_JOB)
    monkeypatch.chdir(project)
    res = fix_paths([project / ".gitlab-ci.yml"], Settings(select=("AL206",)), unsafe=True, write=False)
    assert not res.changed
    [finding] = [f for f in res.result.findings if f.code == "AL206"]
    assert finding.fix is not None and not finding.fix.edits and "quotes" in (finding.fix.reason or "")

    def written(text: str, name: str) -> str:
        d = tmp_path / name
        d.mkdir()
        (d / ".gitlab-ci.yml").write_text(text)
        (d / "job.sh").write_text("set -e\n" + jobrun.extract(d, "push").text + "\n")
        home = d / "home"
        home.mkdir()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home)}
        if value is not None:
            env["DOCKER_AUTH_CONFIG"] = value
        proc = subprocess.run(jobrun.shell_command(shell, d / "job.sh"), env=env, capture_output=True, text=True,
                              timeout=30, stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, proc.stderr
        return (home / ".docker" / "config.json").read_text()

    naive = DEFAULT_WORD_JOB.replace("echo ${DOCKER_AUTH_CONFIG:-'{}'}", "echo \"${DOCKER_AUTH_CONFIG:-'{}'}\"")
    assert written(naive, "naive") != written(DEFAULT_WORD_JOB, "before")


# ---------------------------------------------------------------------------------------------
# Anchored jobs, aliases and merge keys: fixes converge and never duplicate a key (issue 10)


@st.composite
def anchored_pipelines(draw: st.DrawFn) -> str:
    job = draw(jobs("build", False))
    text = Pipeline([job], 2, True, False, False, None).render()
    first = text.index("build:")
    text = text[:first] + "build: &b" + text[first + len("build:"):]
    if draw(st.booleans()):  # an empty before_script GitLab would reject: still a key
        head = text.index("\n", first) + 1
        text = text[:head] + "  before_script: " + draw(st.sampled_from(["{}", "[]", "null"])) + "\n" + text[head:]
    user = draw(st.sampled_from(["other: *b\n", "other:\n  <<: *b\n  stage: test\n", "other:\n  <<: *b\n"]))
    return text.rstrip("\n") + "\n" + user


@settings(max_examples=int(os.environ.get("AUTHLINT_FIX_EXAMPLES", "40")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(anchored_pipelines())
def test_fixes_through_anchors_and_merge_keys_converge(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    root = tmp_path_factory.mktemp("anchor")
    path = root / ".gitlab-ci.yml"
    path.write_text(text, encoding="utf-8")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        check_properties(root, [path])
    finally:
        os.chdir(cwd)
