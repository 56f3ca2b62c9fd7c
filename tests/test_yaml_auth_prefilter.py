"""The per-file test that lets the auth-JSON scan of YAML values skip a file: it must never
skip a file with a value that opens an object (the scan would look at that value)."""

from __future__ import annotations

from pathlib import Path

import pytest

from authlint.api import lint_text
from authlint.authjson.looks import starts_as_object
from authlint.engine import _may_open_object
from authlint.settings import Settings
from authlint.source import Source
from authlint.yaml.model import YamlError, YMap, load, scalars_in, walk
from support.corpus import CORPUS

ESCAPED = r'"\x7b\"auths\": \x7b\"r.example.com\": \x7b\"auth\": \"x\"\x7d,\x7d\x7d"'  # no `{` in the text


@pytest.mark.parametrize("value, opens", [
    ("'{\"auths\": {}}'", True),
    ("|\n    {\"auths\": {}}", True),
    ('"\\t{}"', True),
    (ESCAPED, True),
    ("'${REGISTRY}/app:${CI_COMMIT_SHA}'", False),
    ("${X}", False),
])
def test_a_value_opening_an_object_is_never_skipped(value: str, opens: bool) -> None:
    text = f"variables:\n  DOCKER_AUTH_CONFIG: {value}\n"
    assert any(starts_as_object(s.value) for s in scalars_in(load(Source("a.yml", text)).root)) == opens
    assert _may_open_object(text) or not opens


def test_escaped_auth_json_is_still_checked() -> None:
    text = f"variables:\n  DOCKER_AUTH_CONFIG: {ESCAPED}\nbuild:\n  script: [make]\n"
    assert [f.code for f in lint_text(".gitlab-ci.yml", text, Settings(select=("AL3",))).findings] == ["AL301"]


def test_no_skipped_file_holds_an_object_value() -> None:
    files = sorted(Path(__file__).parent.rglob("*.y*ml"))
    if CORPUS.is_dir():
        files += sorted(CORPUS.rglob("*.y*ml"))
    skipped = 0
    for path in files:
        source = Source.from_bytes(path.name, path.read_bytes())
        if _may_open_object(source.text):
            continue
        skipped += 1
        try:
            docs = load(source).documents
        except YamlError:
            continue
        assert not any(starts_as_object(s.value) for d in docs for s in scalars_in(d)), path
    assert skipped


def test_the_braced_scalars_a_load_records_are_those_the_walk_finds() -> None:
    """The engine reads YamlFile.braced instead of walking every value: when recorded, it holds
    exactly the scalars scalars_in meets whose value holds a `{`, in the same order."""
    files = sorted(Path(__file__).parent.rglob("*.y*ml"))
    if CORPUS.is_dir():
        files += sorted(CORPUS.rglob("*.y*ml"))
    recorded = merged = 0
    extra = ["a: &x '{\"auths\": {}}'\nb: *x\n---\nc: [{k: '{x}'}, *x]\n", "a: &m {k: '{'}\nb: {<<: *m, j: '{'}\n",
             "a: &m {k: '{'}\nb:\n  j: '{'\n  <<: [*m, {i: '{'}]\n  h: '{'\n", "a: &m {k: '{'}\nb: {<<: [*m, '{s'], j: '{'}\n",
             "a: &m {k: '{'}\nb: {? !!merge '{' : *m, j: '{'}\n", "a: &m {k: '{'}\nb: {? !!merge [&n {i: '{'}] : *n, j: '{'}\n",
             "a: &m {k: '{'}\nb:\n  <<: *m\n  c: {<<: *m, d: '{'}\n",
             "a: &m {k: '{'}\ns: &s ['{', *m]\nb:\n  <<: [*m, *s]\n  c: {<<: *s, d: '{'}\n"]
    for source in [Source.from_bytes(p.name, p.read_bytes()) for p in files] + [Source("x.yml", t) for t in extra]:
        try:
            yf = load(source)
        except YamlError:
            continue
        if yf.braced is not None:
            recorded += 1
            merged += any(isinstance(v, YMap) and v.merges for d in yf.documents for v in walk(d))
            walked = [s for d in yf.documents for s in scalars_in(d) if "{" in s.value]
            assert [id(s) for s in yf.braced] == [id(s) for s in walked], source.path
    assert recorded > 100 and merged
