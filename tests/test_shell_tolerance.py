"""The shell model agrees with `bash -n` (issue 7 section 2).

authlint never runs bash while linting: the model itself must say "syntax
error" exactly where `bash -n` does.  These tests may call `bash -n` and
`dash -n` (they only parse) to check that, on a table of constructs and on
every script and job script of ../shared/corpus.
"""

from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from authlint.api import lint_text
from authlint.engine import runner_scripts
from authlint.gitlab import load_pipeline
from authlint.shell import parse
from authlint.source import Source
from tests.support.corpus import require_corpus


def rejects(shell: str, text: str) -> bool:
    """`bash -n` / `dash -n` reports a syntax error (bash exits 0 after some `[[ ]]` errors)."""
    done = subprocess.run([shell, "-n"], input=text.encode("utf-8", "surrogateescape"), capture_output=True, timeout=30)
    complaints = [line for line in done.stderr.decode(errors="replace").splitlines() if "warning:" not in line]
    return done.returncode != 0 or bool(complaints)


def model_rejects(text: str) -> bool:
    return bool(parse(text).errors)


VALID = [
    'grep -q "^${NAME}$" names.txt && echo "found it"',
    'X=$(echo "$A" | grep "^${NAME}$")\necho "x y"',
    'echo ${#VAR:-0} "$X"',
    'x=${#VAR:0:1}',
    'x=${#VAR-0}',
    'echo ${x[}',
    'echo ${@@}',
    'NS=$((kubectl get ns "${K}" | grep -c x) || true)\necho "$NS"',
    'x=$((cmd) | wc -l)',
    'echo $(( 1 ) )',
    'PORT=$((5100 + (0x$(echo -n "$S" | md5sum | cut -c1-4) % 100)))',
    'echo $((1+))',
    'for l in *; do for c in a b; do echo "$l$c"; done done',
    'if a; then if b; then c; fi fi',
    'while a; do case x in y) b;; esac done',
    'f() { if a; then b; fi }',
    'if a; then (b) fi',
    'x=$',
    'echo "a$" $',
    'echo a \\',
    'cat <<EOF > f\necho a',
    '[ "$x" = "a$" ] && echo "${A}$" \'$\'',
    'msg="{\\"a\\":1,`\n  `\\"b\\":2}"\necho "$msg"',
    'echo `` x` `y \'` `\'',
]

INVALID = [
    'echo a )',
    'if a; then b',
    'echo "abc',
    'done',
    'echo a; }',
    'if a; then b; fi; fi',
    'for i in 1; do echo; done done',
    'echo $((1+)',
    'echo $((',
    'echo a | | b',
    '[[ a == ]]',
    'x=(a b',
    'echo "a`b"',
]

# Where the model and `bash -n` still disagree, and why that is acceptable.
KNOWN = {
    "case $x in a) echo a;& *) echo b;;& esac": "tree-sitter-bash has no `;&` / `;;&` case terminators (bash 4 fall-through; not seen in CI scripts)",
    "coproc foo { cat; }": "tree-sitter-bash has no named coproc",
    "echo a;;": "tree-sitter-bash accepts `;;` outside `case`",
    "for x in; do echo; done": "tree-sitter-bash needs a word after `in`",
    "cmd <> f": "tree-sitter-bash has no `<>` redirection",
    "if a; then b; fi\r\n": "tree-sitter-bash reads `\\r` as a blank, bash as part of the word (`fi\\r`): CRLF scripts are AL215's",
}


@pytest.mark.parametrize("text", VALID)
def test_valid_for_bash_and_model(text: str) -> None:
    assert not rejects("bash", text)
    assert parse(text).errors == []


@pytest.mark.parametrize("text", INVALID)
def test_invalid_for_bash_and_model(text: str) -> None:
    assert rejects("bash", text)
    assert parse(text).errors


@pytest.mark.parametrize("text", sorted(KNOWN))
def test_known_disagreements_still_disagree(text: str) -> None:
    """A listed gap that is fixed must leave the list."""
    assert rejects("bash", text) != model_rejects(text), KNOWN[text]


def test_commands_that_parsed_cleanly_are_kept() -> None:
    script = parse('docker login -u "$U" --password-stdin r\necho a )\nprintf x > f')
    assert [c.raw for c in script.commands] == ['docker login -u "$U" --password-stdin r', "echo a", "printf x > f"]
    assert script.errors


def test_masked_substitution_keeps_offsets_and_commands() -> None:
    text = 'S=$((kubectl get ns "$N" | grep -c x) || true)'
    script = parse(text)
    assert script.errors == []
    get = next(c for c in script.commands if c.basename == "kubectl")
    assert text[get.start : get.end] == get.raw == 'kubectl get ns "$N"'
    assert [c.basename for c in script.commands] == ["kubectl", "grep", "true"]


def test_bad_length_substitution_has_its_own_message_and_keeps_the_block() -> None:
    text = 'echo "${#TAGS:-0}"\ndocker login -u "$U" -p "$REGISTRY_PASSWORD" registry.example.com\n'
    script = parse(text)
    assert script.errors == []
    [(start, end, message)] = script.runtime_errors
    assert text[start:end] == "${#TAGS:-0}" and "bad substitution" in message
    arg = script.commands[0].args[0]
    assert arg.parts[0].var == "TAGS"
    assert parse("echo '${#TAGS:-0}'").runtime_errors == []  # quoted: never expanded
    assert parse('echo "${#LDAP_BIND_PASSWORD} ${#A[@]} ${#}"').runtime_errors == []
    findings = lint_text("deploy.sh", text).findings
    assert {f.code for f in findings} >= {"AL001", "AL211"}
    al001 = next(f for f in findings if f.code == "AL001")
    assert "bad substitution" in al001.message and (al001.span.start, al001.span.end) == (start, end)


def test_characters_that_crash_tree_sitter_bash_are_masked() -> None:
    """tree-sitter-bash 0.25 segfaults on `a{` + some characters outside the BMP."""
    for ch in ("\U000e0fff", "\U000e1a81", "\U000e0000"):
        script = parse(f"echo a{{{ch} b\n")
        assert script.commands[0].args[0].raw == f"a{{{ch}"


def test_folded_script_line_parses() -> None:
    yaml = (
        "build:\n  image: docker:27\n  script:\n    - >\n      docker build\n      --tag \"^${NAME}$\"\n"
        "      .\n    - >\n      if [ -n \"$X\" ]; then\n        echo yes\n      fi\n"
    )
    findings = lint_text(".gitlab-ci.yml", yaml).findings
    assert [f for f in findings if f.code == "AL001"] == []


# ----------------------------------------------------------------- the corpus

# corpus label -> why the model and `bash -n` / `dash -n` disagree there.
CORPUS_KNOWN: dict[str, str] = {}


def _sh_script(text: str) -> bool:
    first = text.split("\n", 1)[0].rstrip()
    return first.startswith("#!") and (first.endswith("/sh") or first.endswith(" sh"))


def _corpus_texts(corpus: Path):
    for path in sorted((corpus / "scripts").iterdir()):
        text = path.read_text(errors="surrogateescape")
        yield path.name, text, ["bash", "dash"] if _sh_script(text) else ["bash"]
    for folder in ("real-world", "gitlab-schema-tests/positive"):
        for path in sorted((corpus / folder).glob("*.y*ml")):
            def read(rel: str, base: Path = path.parent) -> Source:
                return Source(rel, (base / rel).read_text())

            pipeline = load_pipeline(path.name, read, str(path.parent))
            for job in pipeline.jobs.values():
                for i, text in enumerate(runner_scripts(job)):
                    yield f"{folder}/{path.name}:{job.name}:{i}", text, ["bash"]


def test_model_agrees_with_bash_n_on_the_corpus() -> None:
    corpus = require_corpus()
    if shutil.which("dash") is None:
        pytest.fail("dash is needed for the sh scripts of the corpus")
    labels: dict[tuple[str, str], list[str]] = {}  # many jobs share one script: ask bash once
    for label, text, shells in _corpus_texts(corpus):
        for shell in shells:
            labels.setdefault((shell, text), []).append(f"{label} ({shell})")
    with ThreadPoolExecutor(4) as pool:
        verdicts = dict(zip(labels, pool.map(lambda key: rejects(*key), labels)))
    found = {
        label: verdict
        for (shell, text), verdict in verdicts.items()
        if verdict != model_rejects(text)
        for label in labels[(shell, text)]
    }
    assert sum(map(len, labels.values())) > 1000
    unexplained = {k: v for k, v in found.items() if k not in CORPUS_KNOWN}
    assert unexplained == {}, f"{len(found)} disagreements (label: bash rejects)"
