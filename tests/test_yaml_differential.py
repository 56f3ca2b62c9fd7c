"""The fast YAML composer (libyaml via PyYAML, YAML 1.2 tags) against the reference (ruamel's
pure-Python composer), node by node: kind, position, tag, value, style, flow style, and which
nodes an alias shares.  Wherever libyaml composes a file, ruamel must compose it the same way;
where libyaml refuses, authlint uses ruamel (see authlint/yaml/model.py)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st

from authlint.source import Source
from authlint.yaml import libyaml
from authlint.yaml.model import YamlError, YamlFile, _Converter, _depth_guard, _from_events, _reference, load
from support.corpus import CORPUS, require_corpus
from support.incremental import yaml_shape


def flatten(docs: list) -> list[tuple]:
    """Every node in document order; a node met again (an alias) as ('alias', first index).

    An empty scalar (`key:` with no value) has no text, and the two place it differently:
    libyaml right after the indicator, ruamel at the next token.  authlint points there
    only for "should be a list, not null"-like findings: its position is left out."""
    out: list[tuple] = []
    seen: dict[int, int] = {}
    stack = list(reversed(docs))
    while stack:
        node = stack.pop()
        if id(node) in seen:
            out.append(("alias", seen[id(node)]))
            continue
        seen[id(node)] = len(out)
        tag = getattr(node.tag, "value", None) or str(node.tag)
        where = (node.start_mark.index, node.end_mark.index, node.start_mark.line, node.start_mark.column)
        if isinstance(node.value, str):
            empty = node.start_mark.index == node.end_mark.index
            out.append(("scalar", *(("empty",) if empty else where), tag, node.value, node.style or ""))
            continue
        out.append((type(node).__name__, *where, tag, bool(node.flow_style), len(node.value)))
        children = [c for item in node.value for c in (item if isinstance(item, tuple) else (item,))]
        stack.extend(reversed(children))
    return out


def compare(text: str) -> str:
    """'same', or 'libyaml refused' (then ruamel decides alone); fails on any difference."""
    try:
        fast = libyaml.compose_all(text)
    except libyaml.Rejected:
        return "libyaml refused"
    try:
        reference = [d for d in _reference().compose_all(text) if d is not None]
    except Exception as exc:  # noqa: BLE001 - any refusal by ruamel is a divergence here
        pytest.fail(f"libyaml composed what ruamel refuses: {exc}")
    a, b = flatten(fast), flatten(reference)
    diff = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), None)
    assert diff is None and len(a) == len(b), (diff, a[diff or 0 : (diff or 0) + 3], b[diff or 0 : (diff or 0) + 3])
    return "same"


def _outcome(build) -> tuple:
    try:
        return ("model", yaml_shape(build()))
    except libyaml.Rejected:
        return ("rejected",)
    except YamlError as exc:
        return ("error", exc.message, exc.offset)


def compare_models(text: str) -> None:
    """The model built from libyaml's events is the one _Converter makes of libyaml's composed
    nodes (which compare() holds to ruamel's): values, positions, tags, styles, merges, the
    aliases and where they are, and the error or refusal."""
    source = Source("f.yml", text)

    def converted() -> YamlFile:
        converter = _Converter(source)
        docs = [converter.convert(d) for d in libyaml.compose_all(text, _depth_guard(text))]
        return YamlFile(source, docs, "c", converter.aliases)

    assert _outcome(lambda: _from_events(source)) == _outcome(converted)


@pytest.mark.parametrize("text", [
    "a: &x [1, *x]\n", "a: &x {k: *x}\nb: 1\n", "a: *nope\n", "a: &x 1\nb: &x 2\n", "- &x 1\n---\n- *x\n",
    ".m: &m {a: 1}\nj:\n  <<: [*m, {b: 2}]\n  a: 3\n  <<: *m\n", "? &k a\n: 1\n*k : 2\n", "j:\n  a: 1\n  <<: 5\n  b: 2\n", "a: 1\na: 2\n[x]: 3\n",
    "[" * 501 + "]" * 501, "[" * 502 + "]" * 502, "[" * 501 + "x" + "]" * 501, "a: *y\nb: " + "[" * 2600 + "]" * 2600, "k:\n" + "".join(" " * i + "- " for i in range(0, 1004, 2)) + "x\n",
    "a: &x [" * 501 + "*x" + "]" * 501, "a: *y\n" + "[" * 600 + "]" * 600, "a: &x [*x, " + "[" * 600 + "]" * 600 + "]", "a: [1\n", "%YAML 1.1\n---\na: on\n", "",
])  # fmt: skip
def test_the_model_from_events_is_the_converted_one(text: str) -> None:
    compare_models(text)


def _corpus_yaml() -> list[str]:
    if not CORPUS.is_dir():
        return []
    return sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*.y*ml"))


@pytest.mark.parametrize("name", _corpus_yaml() or ["(corpus missing)"])
def test_corpus_file_composes_the_same(name: str) -> None:
    corpus = require_corpus()
    text = Source.from_bytes(name, (corpus / name).read_bytes()).text
    compare_models(text)
    if compare(text) == "same":  # then authlint uses the fast path
        assert load(Source(name, text)).parser == "c"


def test_most_of_the_corpus_takes_the_fast_path() -> None:
    corpus = require_corpus()
    names = _corpus_yaml()
    fast = sum(load_or_none(corpus / n) == "c" for n in names)
    assert fast >= 0.9 * len(names), (fast, len(names))


def load_or_none(path) -> str | None:
    try:
        return load(Source.from_bytes(path.name, path.read_bytes())).parser
    except Exception:  # noqa: BLE001 - invalid corpus files (negative schema tests)
        return None


# ---------------------------------------------------------------- generated files

# Plain scalars that YAML 1.1 and 1.2 read differently, GitLab-ish words, and
# characters the two scanners could disagree on (no tabs: libyaml allows them in
# plain scalars where ruamel does not, and authlint accepts what libyaml accepts).
PLAIN = st.sampled_from([
    "yes", "No", "on", "OFF", "y", "true", "False", "TRUE", "012", "0o17", "0x1F", "0b101", "1_000",
    "1:20", "1.5", "-.5", "1e3", "1.0e+3", ".inf", "-.INF", ".NaN", "~", "null", "Null", "=", "<<",
    "2024-01-01", "2024-1-1 10:00:00", "docker:27-dind", "$CI_REGISTRY_IMAGE:latest", "echo a b",
    "a #not", "x: y", "é 🚀 中", "a\u00a0b", "-x", "?x", ":x", "x,y", "x]", "a'b",
])  # fmt: skip
QUOTED = st.sampled_from([
    "'single'", "'it''s'", "''", '""', '"dq \\t \\u00e9 \\x41"', '"yes"', "'012'", '"a\\\\b"',
    "'two\n  lines'", '"esc\\\n  aped"', '"on"',
])  # fmt: skip
PROPS = st.sampled_from(["", "", "", "", "", "&c ", "!reference ", "!!str ", "!!int ", "!custom ", "&e !x "])
KEYS = st.sampled_from(["script", "image", "yes", "on", "012", "<<", "'q k'", '"d k"', "a b", "~", "x.y", "k"])


@st.composite
def value(draw, indent: int, depth: int) -> str:
    """The text after `key:` or `- `: inline, or a line break and a nested block."""
    kinds = ["plain", "quoted", "alias", "flow", "block"] + (["map", "seq"] if depth < 3 else [])
    kind = draw(st.sampled_from(kinds))
    props = draw(PROPS)
    pad = " " * (indent + 2)
    if kind == "plain":
        return f" {props}{draw(PLAIN)}"
    if kind == "quoted":
        return f" {props}{draw(QUOTED)}"
    if kind == "alias":
        return f" *{draw(st.sampled_from('ab'))}"
    if kind == "flow":
        items = draw(st.lists(st.one_of(PLAIN.filter(lambda s: not set(s) & set(",[]{}#:?-'")), QUOTED), max_size=4))
        if draw(st.booleans()):
            return f" {props}[{', '.join(items)}]"
        return " " + props + "{" + ", ".join(f"k{i}: {v}" for i, v in enumerate(items)) + "}"
    if kind == "block":
        header = draw(st.sampled_from(["|", ">", "|-", ">+", "|2", ">-"]))
        lines = draw(st.lists(st.sampled_from(["echo a", "  more", "", "b  ", "é #x", "- y"]), min_size=1, max_size=4))
        return f" {props}{header}\n" + "\n".join(pad + ln if ln else "" for ln in lines)
    return f" {props}".rstrip() + "\n" + draw(block(indent + 2, depth + 1, kind))


@st.composite
def block(draw, indent: int, depth: int, kind: str) -> str:
    pad = " " * indent
    n = draw(st.integers(1, 4))
    if kind == "seq":
        return "\n".join(pad + "-" + draw(value(indent, depth)) for _ in range(n))
    keys = draw(st.lists(KEYS, min_size=n, max_size=n))
    return "\n".join(f"{pad}{k}:{draw(value(indent, depth))}" for k in keys)


ANCHORS = ".a: &a {x: 1, y: [on]}\n.b: &b yes\n"  # what the aliases above refer to
DOCUMENT = st.builds(
    lambda head, body, tail, newline: (head + ANCHORS + body + "\n" + tail).replace("\n", newline),
    st.sampled_from(["", "---\n", "# comment é\n", "a: 1\n---\n"]),
    block(0, 0, "map"),
    st.sampled_from(["", "...\n", "---\n- on\n", "# end"]),
    st.sampled_from(["\n", "\r\n"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(DOCUMENT)
def test_generated_files_compose_the_same(text: str) -> None:
    compare_models(text)
    event(compare(text))


@settings(max_examples=300, deadline=None)
@given(st.one_of(PLAIN, st.text(max_size=12), st.from_regex(r"[-+.0-9][0-9a-fA-Fxob_.eE:+-]{0,8}", fullmatch=True)))
@example("\n")
@example("1\n")
def test_a_plain_tag_is_the_first_matching_rule(value: str) -> None:
    """plain_tag tries only the rules for the value's first character, and _from_events tries
    none for a first character outside RULE_STARTS: both as ruamel's YAML 1.2 resolver, the
    reference (which also looks up its rules by first character: trying every rule would make
    "\n" a null, the empty rule's `$` matching before a newline)."""
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.resolver import VersionedResolver

    # "*", "&" and "!" alone are indicators (alias, anchor, tag), never a plain scalar's value;
    # ruamel still has a rule for them (its "yaml" tag)
    assume(value not in ("*", "&", "!"))
    expected = VersionedResolver(version=(1, 2)).resolve(ScalarNode, value, (True, False))
    assert libyaml.plain_tag(value) == expected
    if value[:1] not in libyaml.RULE_STARTS:
        assert expected == libyaml.STR


def test_pyyaml_events_are_its_own_outside_authlints_parse() -> None:
    """authlint reads PyYAML's C events as tuples only while it parses: another user of PyYAML
    in the process (before, after, or inside that parse's scope once it ends) gets PyYAML's events."""
    import yaml
    from yaml import _yaml

    from authlint.source import Source
    from authlint.yaml import libyaml, model

    before = _yaml.ScalarEvent
    model.load(Source("a.yml", "job:\n  script: [echo hi]\n"))
    with libyaml.tuple_events():
        with libyaml.tuple_events():  # re-entrant
            assert _yaml.ScalarEvent is not before
        assert _yaml.ScalarEvent is not before
    assert _yaml.ScalarEvent is before
    events = list(yaml.parse("a: 1\n", Loader=yaml.CSafeLoader))
    assert isinstance(events[3], yaml.ScalarEvent) and events[3].value == "a"
