"""Per-job reuse (authlint/incremental.py): after every edit, the findings of a run that
reuses the last run's jobs equal those of a lint from scratch of the same text."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authlint import engine, gitlab
from authlint.engine import Linter, LintResult
from authlint.incremental import JobMemo, _Shift
from authlint.settings import Settings
from authlint.source import Source
from authlint.yaml.model import YamlError, load
from support.files import write
from support.incremental import PIPELINE, SCRIPT, jobs_shape, yaml_shape


class Editor:
    """An editor's buffers over a project: each lint uses the last one's memo, and is compared
    with a lint from scratch."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ci = str(root / ".gitlab-ci.yml")
        self.buffers = {self.ci: PIPELINE, str(root / "ci" / "deploy.sh"): SCRIPT}
        self.settings = Settings(project_dir=str(root))
        self.memo = JobMemo()

    def lint(self, memo: JobMemo | None) -> LintResult:
        linter = Linter(self.settings, self.buffers)
        linter.reuse = memo
        built, build = [], gitlab.build_jobs

        def spy(pipeline, reuse=None) -> None:
            build(pipeline, reuse)
            built.append(pipeline)
        with patch.object(engine, "_build_jobs", spy):  # the engine's binding of it
            result = linter.lint_paths([Path(self.ci)])
        self.built = built
        return result

    def check(self) -> tuple[int, int]:
        """(jobs replayed, jobs linted) of the incremental run, after comparing it with a full one:
        findings, the jobs it built (or reused) and the YAML it loaded (or reused)."""
        incremental = self.lint(self.memo)
        jobs = [jobs_shape(p) for p in self.built]
        assert observable(incremental) == observable(self.lint(None))
        assert jobs == [jobs_shape(p) for p in self.built]
        for yf in self.memo.files.values():  # the YAML it reused: as a load from scratch, node by node
            assert yaml_shape(yf) == yaml_shape(load(Source(yf.source.path, yf.source.text, yf.source.bom)))
        return self.memo.last


def observable(result: LintResult) -> tuple:
    """Everything a user sees of a run: findings with their fixes and fingerprints, errors."""
    findings = [(f.code, f.path, f.span, f.message, f.job, f.fix, f.severity, f.fingerprint_key) for f in result.findings]
    return findings, result.errors, result.files


@pytest.fixture
def editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Editor:
    write(tmp_path, {".gitlab-ci.yml": PIPELINE, "ci/deploy.sh": SCRIPT})
    monkeypatch.chdir(tmp_path)  # paths are shown relative to the working directory
    return Editor(tmp_path)


# (what changes, old text, new text, most jobs linted again or None), applied one after another
EDITS = [
    ("a script line", 'docker push "$CI_REGISTRY_IMAGE"', 'docker push "$CI_REGISTRY_IMAGE:latest"', 1),
    # a line more: jobs with findings below it are linted again (a message may quote a line number)
    ("a comment between jobs", "\nkaniko-b:", "\n# the other kaniko\nkaniko-b:", 4),
    ("the comment edited", "# the other kaniko", "# the other kaniko job", 1),
    ("a line inserted in a template (line numbers below move)", "    - set -x\n", "    - echo one\n    - set -x\n", None),
    ("a line removed above a finding", "    - echo one\n", "", None),
    ("a job renamed", "\ntest:\n", "\ntests:\n", None),
    ("a global variable", "DEPLOY_USER: deployer", "DEPLOY_USER: deployer2", None),
    ("default:", 'echo "start"', 'echo "begin"', None),
    ("an anchor several jobs use", '-p "$REGISTRY_PASSWORD"', '--password "$REGISTRY_PASSWORD"', None),
    ("an extends parent", "build:\n  extends: .base", "build:\n  extends: .kaniko", None),
    ("the parent back", "build:\n  extends: .kaniko", "build:\n  extends: .base", None),
    ("a template's own text", "    name: gcr.io/kaniko-project/executor:debug\n  variables:", "    name: gcr.io/kaniko-project/executor:v1.23.2\n  variables:", None),
    ("a job starts sharing the auth config", "deploy:\n  variables:", "deploy:\n  extends: .kaniko\n  variables:", None),
    ("a job starts running the template's script", "kaniko-b:\n  extends: .kaniko", "kaniko-b:\n  extends: [.kaniko, .base]", None),
    ("YAML broken", "kaniko-b:\n", "kaniko-b: [\n", None),
    ("YAML restored", "kaniko-b: [\n", "kaniko-b:\n", None),
    ("a called script renamed", "./ci/deploy.sh", "./ci/missing.sh", None),
    ("and back", "./ci/missing.sh", "./ci/deploy.sh", None),
    # auth JSON in a YAML value: the file's scan for such values skips regions that kept their text and had none
    ("auth JSON in a job's value", "    PASSWORD: hunter2-S3cretValue\n",
     "    PASSWORD: hunter2-S3cretValue\n    AUTH_JSON: '{\"auths\": {\"r.example.com\": {\"auth\": \"ZGVwbG95Omh1bnRlcjJTM2NyZXQ=\"}}}'\n", 2),  # and the job with findings below (a line more)
    ("a literal secret typed", "PASSWORD: hunter2-S3cretValue", "PASSWORD: hunter2-S3cretValue2", 1),
    ("the header comment", "# A pipeline", "# The pipeline", None),
    ("CRLF line endings", "\n", "\r\n", None),
]


def test_edits_give_the_findings_of_a_lint_from_scratch(editor: Editor) -> None:
    replayed, linted = editor.check()
    assert (replayed, linted) == (0, 8)
    for what, old, new, most in EDITS:
        text = editor.buffers[editor.ci]
        assert old in text, what
        editor.buffers[editor.ci] = text.replace(old, new)
        replayed, linted = editor.check()
        if most is not None:
            assert linted <= most and replayed > 0, what  # reuse happened: the test is not vacuous
            assert editor.memo.kept > 0, what  # and jobs were not built again


def test_called_script_edits(editor: Editor) -> None:
    editor.check()
    script = str(editor.root / "ci" / "deploy.sh")
    editor.buffers[script] = SCRIPT.replace("cat ~/.docker/config.json\n", "")
    editor.check()
    editor.buffers[script] = "\n" + editor.buffers[script]  # every line moves
    editor.check()
    editor.buffers[editor.ci] += "\n"  # the last job changes: the others, the script's caller too, are replayed
    assert editor.check() == (7, 1)


def test_settings_change_lints_everything(editor: Editor) -> None:
    editor.check()
    editor.settings = editor.settings.with_overrides(ignore=("AL402",))
    assert editor.check()[0] == 0


SNIPPETS = ["!", "x", "\n", "  ", "- ", ": ", "&a ", "*a", "<<: *a\n", "extends: .base\n", "#", '"', "'", "[", "]",
            "set -x\n", "    - echo $DOCKER_AUTH_CONFIG\n", ".x:\n  script: [set -x]\n", "DOCKER_AUTH_CONFIG", "\r\n"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 6), st.sampled_from(SNIPPETS)), min_size=1, max_size=4))
def test_random_edits_give_the_findings_of_a_lint_from_scratch(editor: Editor, edits) -> None:
    editor.buffers[editor.ci] = PIPELINE
    editor.memo = JobMemo()
    editor.check()
    for at, cut, insert in edits:
        text = editor.buffers[editor.ci]
        at %= len(text) + 1
        editor.buffers[editor.ci] = text[:at] + insert + text[at + cut :]
        editor.check()


@pytest.mark.parametrize(("old", "new", "span", "moved"), [
    ("abcdef", "abXcdef", (0, 2), (0, 2)),
    ("abcdef", "abXcdef", (2, 4), (3, 5)),
    ("abcdef", "abXcdef", (1, 3), None),  # straddles the change
    ("abcdef", "abXcdef", (2, 2), None),  # a point at the change: before or after the new text?
    ("abcdef", "abdef", (3, 5), (2, 4)),
    ("abcdef", "abcdef", (2, 2), (2, 2)),
    ("aaaa", "aaaaa", (0, 4), (0, 4)),  # the same text either way: the first four
])
def test_shift(old: str, new: str, span: tuple[int, int], moved: tuple[int, int] | None) -> None:
    assert _Shift(old, new).span(*span) == moved


def test_an_alias_follows_a_new_anchor_of_its_name(editor: Editor) -> None:
    # The job's own text does not change, but its alias now names the other template's list.
    editor.buffers[editor.ci] = ".a: &x\n  - echo a\n.b:\n  variables: {V: '1'}\njob:\n  script: *x\n"
    editor.check()
    editor.buffers[editor.ci] = editor.buffers[editor.ci].replace(
        ".b:\n  variables: {V: '1'}\n", '.b: &x\n  - set -x\n  - docker login -u me -p "$REGISTRY_PASSWORD" r.example.com\n')
    assert editor.check() == (0, 1)  # linted again (.b, a list now, is no job)
    assert "AL402" in {f.code for f in editor.lint(None).findings}


def _reloads(text: str, edits: list[tuple[str, str]]) -> list[bool]:
    """Each edit applied in turn to a file the memo loaded: whether the memo reused the last
    load (kept the nodes of some entry), after comparing its model with a load from scratch."""
    memo = JobMemo()
    memo.load(Source("ci.yml", text))
    out = []
    for old, new in edits:
        assert old in text, old
        before = {id(v) for kv in memo.files["ci.yml"].root.entries for v in kv}
        text = text.replace(old, new, 1)
        try:
            fresh = load(Source("ci.yml", text))
        except YamlError:
            with pytest.raises(YamlError):
                memo.load(Source("ci.yml", text))
            out.append(False)
            continue
        got = memo.load(Source("ci.yml", text))
        assert yaml_shape(got) == yaml_shape(fresh), (old, new)
        out.append(any(id(v) in before for kv in got.root.entries for v in kv))
    return out


ANCHORED = """\
.defaults: &defaults
  tags: [docker]
.cache: &cache
  cache: {key: k}
.login: &login
  - docker login -u me -p "$P" r.example.com
.unused: &unused
  - echo unused
first:
  <<: [*defaults, *cache]
  script: [echo one]
second:
  <<: *defaults
  script:
    - *login
    - echo two
keep: |+
  kept

last:
  script: [echo last]
"""


@pytest.mark.parametrize(("edits", "reused"), [
    ([("echo two", "echo 2")], [True]),  # a job with aliases and a merge key: the anchors are bound
    ([("echo one", "echo 1"), ("echo 1", "echo one")], [True, True]),
    ([("tags: [docker]", "tags: [linux]")], [False]),  # an anchored entry: its aliases elsewhere would go stale
    ([("echo two", "echo two\n    - *login")], [True]),  # an anchor another alias names
    ([("echo two", "echo two\n    - *unused")], [False]),  # an anchor no alias named yet: its node is unknown
    ([("  script: [echo one]", "  script: [echo one]\n  extra: &new x")], [False]),  # defines an anchor
    ([("echo last", "echo end")], [True]),  # the last entry: the document ends with it
    ([("  kept\n", "  kept!\n")], [True]),  # a kept block scalar's trailing lines end at the next key
    ([("last:\n", "last2:\n")], [True]),  # a key renamed
    ([("last:\n", "---\nlast:\n")], [False]),  # a new document
    ([("last:\n", "...\nlast:\n")], [False]),
    ([("second:\n", "# second:\n")], [True]),  # no longer an entry: its lines join the one above
    ([("first:\n", "first:\n  x: 1\nsecond_b:\n")], [True]),  # an entry added
    ([(".defaults:", "x: [\n.defaults:")], [False]),  # the header (and the YAML) broken
    ([("- echo two", "- 'echo two")], [False]),  # a broken entry: a load from scratch fails too
    ([("[echo last]", "['echo last]"), ("['echo last]", "[echo last]")], [False, True]),  # the last good load is kept
])
def test_a_reload_equals_a_load_from_scratch(edits: list[tuple[str, str]], reused: list[bool]) -> None:
    assert _reloads(ANCHORED, edits) == reused


def test_a_reload_at_the_first_byte_and_on_crlf() -> None:
    assert _reloads("a: 1\nb: 2\n", [("a: 1", "a: 10"), ("b: 2", "b: 20")]) == [True, True]
    assert _reloads("a: 1\r\nb: [x]\r\n", [("[x]", "[y]")]) == [True]
    assert _reloads("a: 1\n<<: *x\nb: 2\n".replace("a: 1", "a: &x 1"), [("b: 2", "b: 3")]) == [False]  # `<<` at the top
    two = "x: &a [1]\ny: *a\n---\nb: 1\nc: [2]\n"  # an anchor of another document: an alias here names nothing
    assert _reloads(two, [("c: [2]", "c: *a")]) == [False]
    assert _reloads("%TAG !e! tag:example.com,2000:\n---\na: !e!x 1\nb: 2\n", [("b: 2", "b: 3")]) == [False]


def test_two_pipelines_of_a_run_include_one_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The second pipeline of a run that reads the shared file gets a model of its own: its jobs
    # are not the last build's (those were made of the first pipeline's model).
    common = ".login:\n  script:\n    - docker login -u me -p \"$REGISTRY_PASSWORD\" r.example.com\n"
    files = {".gitlab-ci.yml": "include: ci/common.yml\na:\n  extends: .login\n",
             ".gitlab-ci.yaml": "include: ci/common.yml\nb:\n  extends: .login\n", "ci/common.yml": common}
    write(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    editor = Editor(tmp_path)
    editor.buffers = {str(tmp_path / k): v for k, v in files.items()}
    editor.ci = str(tmp_path)  # the project: both pipelines
    editor.check()
    for old, new in [("r.example.com", "r2.example.com"), ("a:\n", "a:\n  stage: test\n"), ("b:\n", "b:\n  stage: test\n")]:
        path = next(p for p, text in editor.buffers.items() if old in text)
        editor.buffers[path] = editor.buffers[path].replace(old, new)
        editor.check()
    assert len(editor.built) == 2


TROUBLED = """\
.t:
  script:
    - !reference [.nope, script]
    - docker login -u me -p "$REGISTRY_PASSWORD" r.example.com
a:
  extends: .t
b:
  extends: .t
  script: [echo b]
c:
  extends: .missing
  script: [docker login -u me -p hunter2-S3cretValue r.example.com]
d:
  script: [echo d]
e:
  script: [echo e]
"""


def test_a_build_with_problems_reuses_the_jobs_away_from_them(editor: Editor) -> None:
    # A problem is reported at a node of the regions of the jobs whose build meets it: those are
    # built again (and report it), the others reused.
    editor.buffers[editor.ci] = TROUBLED
    editor.check()
    # (.t's reference and c's extends are troubled, and a and b extend .t: e is reused, d built again)
    for old, new, kept in [("echo d", "echo dd", 1), ("echo b", "echo bb", 2), (".missing", ".t", 2),
                           ("- !reference [.nope, script]", "- echo t", 2), ("echo e", "echo ee", 5),  # no problem left
                           ("- echo t", "- !reference [.nope, script]", 2), ("[echo b]", "[!reference [.t, script]]", 2)]:
        editor.buffers[editor.ci] = editor.buffers[editor.ci].replace(old, new)
        editor.check()
        assert editor.memo.kept == kept, (old, new)
