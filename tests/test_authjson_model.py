"""The auth JSON model: positions, opaque tokens, Go-compatible errors and auth decoding."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authlint.authjson import parse_json, strip_trailing_commas
from authlint.authjson.decode import decode_auth, encode_auth, go_std_decode
from authlint.authjson.keys import DOCKER_HUB, image_registry, normalize_key


@pytest.mark.parametrize(
    "text,offset,kind,message",
    [
        ('{"a":1,}', 7, "trailing_comma", "invalid character '}' looking for beginning of object key string"),
        ("[1,]", 3, "trailing_comma", "invalid character ']' looking for beginning of value"),
        ("{'a':1}", 1, "single_quotes", "invalid character '\\'' looking for beginning of object key string"),
        ('{"auth":"abc\ndef"}', 12, "raw_newline", "invalid character '\\n' in string literal"),
        ("\ufeff{}", 0, "bom", "invalid character 'ï' looking for beginning of value"),
        ('{"a":', 5, "unterminated", "unexpected end of JSON input"),
        ("// c\n{}", 0, "comment", "invalid character '/' looking for beginning of value"),
        ('{"a":"\\q"}', 7, "bad_escape", "invalid character 'q' in string escape code"),
        ('{"a":"\x01"}', 6, "control_char", "invalid character '\\x01' in string literal"),
        ("/some/path/to/auth.json", 0, "unexpected", "invalid character '/' looking for beginning of value"),
    ],
)
def test_errors_point_at_the_offending_character(text, offset, kind, message) -> None:
    (err,) = parse_json(text).errors
    assert (err.start, err.kind, err.message) == (offset, kind, message)


def test_two_values_are_reported_at_the_second() -> None:
    r = parse_json('{"auths":{}}\n{"auths":{"x":{}}}\n')
    assert r.value is not None and len(r.extra) == 1
    assert r.errors[0].kind == "extra_value" and r.errors[0].start == 13


def test_positions_and_string_offsets() -> None:
    text = '{\n  "auths": {"r.example.com": {"auth": "a\\nb\\u00e9"}}\n}'
    r = parse_json(text)
    entry = r.value.members[0].value.members[0]
    assert text[entry.key.start : entry.key.end] == '"r.example.com"'
    auth = entry.value.members[0].value
    assert auth.value == "a\nbé"
    assert [auth.offset_of(i) for i in range(4)] == [text.index('"a\\n') + 1, text.index("\\n"), text.index("\\n") + 2, text.index("\\u")]


def test_surrogate_pairs() -> None:
    assert parse_json('"\\ud83d\\ude00"').value.value == "\U0001F600"


def test_opaque_tokens_inside_and_outside_strings() -> None:
    text = '{"auths": {"${CI_REGISTRY}": {"auth": "$(printf x | base64)"}}, "x": $Y}'
    spans = [(text.index("${"), text.index("}", text.index("${")) + 1), (text.index("$("), text.index(")") + 1), (text.index("$Y"), text.index("$Y") + 2)]
    r = parse_json(text, spans)
    assert not r.errors
    entry = r.value.members[0].value.members[0]
    assert entry.key.fully_opaque and entry.value.members[0].value.opaque
    assert r.value.members[1].value.kind == "opaque"


def test_duplicate_keys_are_kept() -> None:
    r = parse_json('{"auths": {}, "auths": {"a": {}}}')
    assert [m.key.value for m in r.value.members] == ["auths", "auths"]


def test_deep_nesting_is_a_clean_error() -> None:
    (err,) = parse_json("[" * 10_000 + "]" * 10_000).errors
    assert err.kind == "too_deep"


def test_strip_trailing_commas() -> None:
    text = '{"a": [1, 2,], "b": ",}",\n}'
    spans = strip_trailing_commas(text)
    fixed = "".join(ch for i, ch in enumerate(text) if not any(a <= i < b for a, b in spans))
    assert json.loads(fixed) == {"a": [1, 2], "b": ",}"}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(json_values, st.booleans())
def test_valid_json_parses_like_json_loads(value, indent) -> None:
    text = json.dumps(value, indent=2 if indent else None, ensure_ascii=False)
    r = parse_json(text)
    assert not r.errors
    assert _plain(r.value) == json.loads(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_parse_never_raises(text) -> None:
    r = parse_json(text)
    for e in r.errors:
        assert 0 <= e.start <= e.end <= len(text)


def _plain(node):
    if node.kind == "object":
        return {m.key.value: _plain(m.value) for m in node.members}
    if node.kind == "array":
        return [_plain(i) for i in node.items]
    if node.kind == "number":
        return int(node.value) if float(node.value).is_integer() and "." not in str(node.value) or True else node.value
    return node.value


@pytest.mark.parametrize(
    "value,ok,kind",
    [
        ("dXNlcjpwYXNz", True, None),  # user:pass
        ("dXNlcjpw\nYXNz", True, None),  # Go skips line breaks
        ("dXNlcjpwYXN", False, "not_base64"),  # missing padding
        ("dXNlcjpwYXN-", False, "not_base64"),  # URL-safe alphabet
        (" dXNlcjpwYXNz", False, "not_base64"),
        ("dXNlcgo=", False, "no_colon"),  # user\n
        ("OnBhc3M=", False, "empty_user"),  # :pass
    ],
)
def test_decode_auth(value, ok, kind) -> None:
    d = decode_auth(value)
    assert d.ok is ok and d.error_kind == kind


def test_decode_auth_details() -> None:
    d = decode_auth(encode_auth("u", "p:a:ss\n"))
    assert (d.user, d.password, d.trailing_newline) == ("u", "p:a:ss\n", True)
    assert go_std_decode("dXNlcjpwYXN")[1] == 8  # Go: CorruptInputError(si - j) at the short last quantum
    assert go_std_decode(" dXNl")[1] == 0
    assert decode_auth("dXNlcjpwYXN").lenient == b"user:pas"
    assert decode_auth(base64.urlsafe_b64encode(b"u:p>>?").decode()).lenient == b"u:p>>?"


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1).filter(lambda u: ":" not in u), st.text())
def test_encode_decode_round_trip(user, password) -> None:
    d = decode_auth(encode_auth(user, password))
    assert d.ok and d.user == user and d.password == password.strip("\x00")


def test_keys() -> None:
    assert normalize_key("registry.example.com").problems == []
    info = normalize_key("https://Registry.example.com/")
    assert info.canonical == "registry.example.com" and "has a scheme" in info.problems
    assert normalize_key("docker.io").canonical == DOCKER_HUB
    assert normalize_key(DOCKER_HUB).problems == []
    assert normalize_key("${CI_REGISTRY}").templated
    assert normalize_key("r.example.com:5000/ns/img:tag").canonical == "r.example.com:5000/ns/img"


@pytest.mark.parametrize("ref,host", [("nginx", "docker.io"), ("library/nginx:1", "docker.io"), ("r.example.com:5000/a/b:1", "r.example.com:5000"),
                                      ("localhost/x", "localhost"), ("$CI_REGISTRY_IMAGE:t", ""), ("Quay.IO/x@sha256:ab", "quay.io")])
def test_image_registry(ref, host) -> None:
    assert image_registry(ref) == host
