"""authlint.authjson: positional JSON parser with opaque tokens, docker-exact `auth` decoding, registry keys."""

from __future__ import annotations

import base64
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authlint.authjson import (
    DOCKER_HUB,
    decode_auth,
    encode_auth,
    image_registry,
    normalize_key,
    parse,
    remove_spans,
    repaired_auth,
    strip_trailing_commas,
)
from authlint.authjson.decode import go_std_decode
from authlint.authjson.parser import JNode, quote_char
from support.bounded import hang_guard


def spans(text: str, *pieces: str) -> list[tuple[int, int]]:
    """Opaque ranges of the given substrings (first occurrence of each)."""
    out = []
    for p in pieces:
        a = text.index(p)
        out.append((a, a + len(p)))
    return sorted(out)


def plain(node: JNode):
    """The Python value of a parse tree, like json.loads (last duplicate key wins)."""
    if node.kind == "object":
        return {m.key.value: plain(m.value) for m in node.members}
    if node.kind == "array":
        return [plain(i) for i in node.items]
    return node.value


# --------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "text,offset,kind,message",
    [
        ('{"a":1,}', 7, "trailing_comma", "invalid character '}' looking for beginning of object key string"),
        ('{"a": [1, 2,\n]}', 13, "trailing_comma", "invalid character ']' looking for beginning of value"),
        ("{'a':1}", 1, "single_quotes", "invalid character '\\'' looking for beginning of object key string"),
        ('{"a":\'x\'}', 5, "single_quotes", "invalid character '\\'' looking for beginning of value"),
        ("// c\n{}", 0, "comment", "invalid character '/' looking for beginning of value"),
        ('{"a":1 /* c */}', 7, "comment", "invalid character '/' after object key:value pair"),
        ('{"auth":"abc\ndef"}', 12, "raw_newline", "invalid character '\\n' in string literal"),
        ('{"auth":"abc\r\ndef"}', 12, "raw_newline", "invalid character '\\r' in string literal"),
        ("\ufeff{}", 0, "bom", "invalid character 'ï' looking for beginning of value"),
        ('{"a":', 5, "unterminated", "unexpected end of JSON input"),
        ('{"a":"xy', 8, "unterminated", "unexpected end of JSON input"),
        ('{"a":1', 6, "unterminated", "unexpected end of JSON input"),
        ('["a", tru', 9, "unterminated", "unexpected end of JSON input"),
        ('{"a":"\t"}', 6, "control_char", "invalid character '\\t' in string literal"),
        ('{"a":"\x01"}', 6, "control_char", "invalid character '\\x01' in string literal"),
        ('{"a":"\\q"}', 7, "bad_escape", "invalid character 'q' in string escape code"),
        ('{"a":"\\u12x4"}', 10, "bad_escape", "invalid character 'x' in \\u hexadecimal character escape"),
        ('{"a":01}', 6, "bad_number", "invalid character '1' after object key:value pair"),
        ("[1.]", 3, "bad_number", "invalid character ']' after decimal point in numeric literal"),
        ("[1e+]", 4, "bad_number", "invalid character ']' in exponent of numeric literal"),
        ("[-x]", 2, "bad_number", "invalid character 'x' in numeric literal"),
        ("[.5]", 1, "bad_number", "invalid character '.' looking for beginning of value"),
        ("/builds/tmp/DOCKER_AUTH_CONFIG", 0, "unexpected", "invalid character '/' looking for beginning of value"),
        ('{"a" 1}', 5, "unexpected", "invalid character '1' after object key"),
        ('["a" "b"]', 5, "unexpected", "invalid character '\"' after array element"),
        ("[trux]", 4, "unexpected", "invalid character 'x' in literal true (expecting 'e')"),
        ("[True]", 1, "unexpected", "invalid character 'T' looking for beginning of value"),
        ('{"a":\u00a01}', 5, "unexpected", "invalid character 'Â' looking for beginning of value"),  # NBSP: Go quotes byte 0xC2
        ('{"a":1]', 6, "unexpected", "invalid character ']' after object key:value pair"),
        ("{,}", 1, "unexpected", "invalid character ',' looking for beginning of object key string"),
        ('{"auths":{}}\n{"auths":{}}', 13, "extra_value", "invalid character '{' after top-level value"),
        ('{"a":1},', 7, "extra_value", "invalid character ',' after top-level value"),
        ("", 0, "empty", "unexpected end of JSON input"),
        (" \n", 2, "empty", "unexpected end of JSON input"),
    ],
)
def test_each_error_kind_points_at_the_offending_character(text, offset, kind, message) -> None:
    (err,) = parse(text).errors
    assert (err.start, err.kind, err.message) == (offset, kind, message)
    assert err.end == (offset if offset == len(text) else offset + 1) or err.kind == "extra_value"


def test_too_deep_is_a_clean_fast_error() -> None:
    for text in ("[" * 10_000, "[" * 10_000 + "]" * 10_000, '{"a":' * 10_000):
        with hang_guard():
            r = parse(text)
        (err,) = r.errors
        assert err.kind == "too_deep" and "nesting too deep" in err.message and text[err.start] in "[{"
    assert not parse("[" * 20 + "]" * 20).errors
    assert parse("[[[]]]", max_depth=2).errors[0].start == 2


def test_unterminated_errors_say_where_the_value_opened() -> None:
    text = '{"auths": {"r.example.com": {"auth": "dXNl'
    (err,) = parse(text).errors
    assert (err.start, err.end, err.opened) == (len(text), len(text), text.index('"dXNl'))
    (err,) = parse('{"auths": [1, ').errors
    assert (err.kind, err.opened) == ("unterminated", 10)  # the innermost open container


def test_go_wording_table_from_the_domain_notes() -> None:
    """domain.md §2.7: the messages docker/the runner print for typical broken files."""
    wrapped = '{"auths": {"r.example.com": {"auth": "Z2l0bGFiLWNpLXRva2VuOmV5SmhiR2NpT2lKU1V6STFOaUlzSW5SNWNDSTZJa3BYVkNKOS5l\nZXlKcGMzTWlPaUpuYVhSc1lXSXVZMjl0SW4wLnNpZw=="}}}'
    assert parse(wrapped).errors[0].message == "invalid character '\\n' in string literal"
    assert parse('{"auths": {"r": {"auth": "x"},}}').errors[0].message == "invalid character '}' looking for beginning of object key string"
    assert parse("{'auths': {}}").errors[0].message == "invalid character '\\'' looking for beginning of object key string"
    assert parse("\ufeff{}").errors[0].message == "invalid character 'ï' looking for beginning of value"
    assert parse("/builds/g/p.tmp/DOCKER_AUTH_CONFIG").errors[0].message == "invalid character '/' looking for beginning of value"
    assert parse('{\r\n"auths": {}\r\n}\r\n').errors == []  # CRLF between tokens is whitespace


def test_only_the_first_error_no_cascade() -> None:
    assert len(parse('{"a":1,} junk {').errors) == 1
    r = parse('{"auths":{}}\n{"auths":{"x":{}}}\n{"y": 1}\n{broken')
    assert len(r.errors) == 1 and len(r.extra) == 2
    assert (r.errors[0].start, r.errors[0].end) == (r.extra[0].start, r.extra[0].end)


def test_quote_char_is_gos() -> None:
    assert [quote_char(c) for c in ("'", '"', "\n", "\x7f", "\\", "é", "\ufeff", "\u00ad")] == [
        "'\\''", "'\"'", "'\\n'", "'\\x7f'", "'\\\\'", "'Ã'", "'ï'", "'Â'"]
    assert quote_char("\x85") == "'Â'" and quote_char("\udcff") == "'ÿ'"


# -------------------------------------------------------------- tree & values
def test_positions_duplicates_and_values() -> None:
    text = '{\n  "auths": {"r.example.com": {"auth": "dXNlcjpwYXNz"}},\n  "auths": [1, -2.5e1, true, false, null]\n}'
    r = parse(text)
    assert not r.errors and (r.value.start, r.value.end) == (0, len(text))
    first, second = r.value.members
    assert [first.key.value, second.key.value] == ["auths", "auths"]  # duplicates kept, in order
    entry = first.value.members[0]
    assert text[entry.key.start : entry.key.end] == '"r.example.com"'
    auth = entry.value.members[0].value
    assert text[auth.start : auth.end] == '"dXNlcjpwYXNz"' and auth.value == "dXNlcjpwYXNz"
    assert [(n.kind, n.value) for n in second.value.items] == [
        ("number", 1), ("number", -25.0), ("true", True), ("false", False), ("null", None)]
    assert isinstance(second.value.items[0].value, int)
    assert parse("123456789012345678901234567890").value.value == 123456789012345678901234567890


def test_string_escapes_and_the_offset_map() -> None:
    text = '"a\\nb"'
    s = parse(text).value
    assert s.value == "a\nb"
    assert [s.offset_of(i) for i in range(4)] == [1, 2, 4, 5]  # '\n' maps to its backslash, 3 = closing quote
    text = '"x\\u00e9y"'
    s = parse(text).value
    assert s.value == "xéy" and [s.offset_of(i) for i in range(4)] == [1, 2, 8, 9]
    text = '"\\ud83d\\ude00!"'
    s = parse(text).value
    assert s.value == "\U0001F600!" and [s.offset_of(i) for i in range(3)] == [1, 13, 14]
    assert parse('"\\ud83d"').value.value == "\ufffd"  # a lone surrogate becomes U+FFFD, as in Go
    assert parse('"\\ud83dx"').value.value == "\ufffdx"
    assert parse('"\\ud83d\\u0041"').value.value == "\ufffdA"
    assert parse('"\\"\\\\\\/\\b\\f\\r\\t"').value.value == '"\\/\b\f\r\t'
    s = parse('{"k": "ab\\tcd"}').value.members[0].value
    assert s.span_of(2, 3) == (9, 11) and s.span_of(0, 5) == (7, 13)


def test_opaque_tokens_inside_and_outside_strings() -> None:
    text = '{"auths":{"${CI_REGISTRY}":{"auth":"$(printf "%s:%s" "$CI_REGISTRY_USER" "$CI_REGISTRY_PASSWORD" | base64 | tr -d \'\\n\')"}}}'
    cmd = '$(printf "%s:%s" "$CI_REGISTRY_USER" "$CI_REGISTRY_PASSWORD" | base64 | tr -d \'\\n\')'
    r = parse(text, spans(text, "${CI_REGISTRY}", cmd))
    assert not r.errors
    entry = r.value.members[0].value.members[0]
    assert entry.key.kind == "string" and entry.key.value == "${CI_REGISTRY}" and entry.key.fully_opaque
    auth = entry.value.members[0].value
    assert auth.value == cmd and auth.opaque and auth.fully_opaque and auth.opaque_spans == spans(text, cmd)
    assert auth.offset_of(2) == text.index(cmd) + 2  # raw opaque text maps one to one
    assert parse(text).errors  # without the ranges, the quotes in $(printf "...") break the JSON


def test_opaque_tokens_as_values_keys_and_spliced_members() -> None:
    text = '{"auths": $AUTHS, "credHelpers": {$HOST: "ecr-login"}, "x": "pre-$V-post"}'
    r = parse(text, spans(text, "$AUTHS", "$HOST", "$V"))
    assert not r.errors
    auths, helpers, x = r.value.members
    assert auths.value.kind == "opaque" and auths.value.value == "$AUTHS" and auths.value.fully_opaque
    assert helpers.value.members[0].key.kind == "opaque" and helpers.value.members[0].key.value == "$HOST"
    assert x.value.value == "pre-$V-post" and x.value.opaque and not x.value.fully_opaque
    text = '{"auths": {$ENTRIES}}'
    (m,) = parse(text, spans(text, "$ENTRIES")).value.members[0].value.members
    assert m.key is m.value and m.key.kind == "opaque"  # an expansion standing for whole members
    text = '["a" $MORE, 1]'
    assert [i.kind for i in parse(text, spans(text, "$MORE")).value.items] == ["string", "opaque", "number"]
    assert parse("$DOCKER_AUTH_CONFIG", [(0, 19)]).value.kind == "opaque"
    # garbage ranges are clipped and ignored, never fatal
    assert not parse('{"a": "b"}', [(7, 8), (7, 9), (-5, 0), (50, 99)]).errors


# --------------------------------------------------------------- performance
def test_one_megabyte() -> None:  # speed: bench/run.py
    doc = {"auths": {f"registry{i}.example.com:5000": {"auth": encode_auth(f"user{i}", "p" * 40 + "\\\"é")} for i in range(12_000)}}
    text = json.dumps(doc, indent=2)
    assert len(text) > 1_000_000
    r = parse(text)
    assert not r.errors and len(r.value.members[0].value.members) == 12_000
    big = '{"auth": "' + "QUFB" * 260_000 + '"}'
    assert parse(big).value.members[0].value.value == "QUFB" * 260_000


# ----------------------------------------------------------------- properties
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=250, deadline=None)
@given(json_values, st.booleans(), st.booleans())
def test_valid_json_parses_like_json_loads(value, indent, ascii_only) -> None:
    text = json.dumps(value, indent=2 if indent else None, ensure_ascii=ascii_only)
    r = parse(text)
    assert r.errors == [] and r.extra == []
    assert plain(r.value) == json.loads(text)


_ranges = st.lists(st.tuples(st.integers(-3, 70), st.integers(-3, 70)), max_size=4)


@pytest.mark.parametrize(("text", "opaque", "at"), [("-0", [(1, 2)], 1), ("1.5", [(2, 3)], 2), ("[1e5]", [(3, 4)], 3)])
def test_an_opaque_range_cuts_a_number(text, opaque, at) -> None:
    """The range is an unknown token inside the literal: its first character is the offending one."""
    r = parse(text, opaque)
    assert [(e.start, e.kind) for e in r.errors] == [(at, "bad_number")]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60) | st.text(alphabet='{}[]",:0123456789.-+eEtrufalsn \n\\\'/$', max_size=60), _ranges)
def test_parse_never_raises_and_reports_at_most_one_error(text, opaque) -> None:
    r = parse(text, opaque)
    assert len(r.errors) <= 1
    for e in r.errors:
        assert 0 <= e.start <= e.end <= len(text)
    assert (r.value is None) == (bool(r.errors) and r.errors[0].kind != "extra_value")


def _python_accepts(text: str) -> bool:
    def no_constants(name):
        raise ValueError(name)

    try:
        json.loads(text, parse_constant=no_constants)
    except ValueError:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='{}[]",:0123456789.-+eEtrufalsn \t\n\\u', max_size=40))
def test_accepts_exactly_what_a_strict_json_parser_accepts(text) -> None:
    assert (not parse(text).errors) == _python_accepts(text)


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_strip_trailing_commas_repairs_what_it_finds(value) -> None:
    good = json.dumps(value, indent=1)
    broken = good.replace("\n}", ",\n}").replace("\n]", ",\n]")
    assert remove_spans(broken, strip_trailing_commas(broken)) == good


def test_strip_trailing_commas_respects_strings_and_opaque() -> None:
    text = '{"a": [1, 2,], "b": ",}", "c": $X,\n}'
    found = strip_trailing_commas(text, spans(text, "$X,"))
    assert found == [(text.index("2,") + 1, text.index("2,") + 2)]  # the comma inside $X, is not ours
    text = '{"a": "x", }'
    assert json.loads(remove_spans(text, strip_trailing_commas(text))) == {"a": "x"}


# ----------------------------------------------------------------- decoding
@pytest.mark.parametrize(
    "value,ok,kind,user,password",
    [
        ("dXNlcjpwYXNz", True, None, "user", "pass"),
        (encode_auth("user", "pass\n"), True, None, "user", "pass\n"),  # echo without -n: kept, like docker
        (encode_auth("user", "pass\r\n"), True, None, "user", "pass\r\n"),
        ("dXNlcjpw\nYXNz", True, None, "user", "pass"),  # Go skips \r and \n in base64 input
        ("dXNlcjpw\r\nYXNz\n", True, None, "user", "pass"),
        (encode_auth("u", "p:a:ss"), True, None, "u", "p:a:ss"),  # split at the first colon
        (encode_auth("u", "\x00pw\x00\x00"), True, None, "u", "pw"),  # only NULs are trimmed
        (base64.b64encode(b"user").decode(), False, "no_colon", None, None),
        (base64.b64encode(b":pass").decode(), False, "empty_user", None, None),
        ("dXNlcjpwYXN", False, "not_base64", None, None),
        ("", False, "empty", None, None),
    ],
)
def test_decode_auth(value, ok, kind, user, password) -> None:
    d = decode_auth(value)
    assert (d.ok, d.error_kind, d.user, d.password) == (ok, kind, user, password)
    if kind in ("no_colon", "empty_user"):
        assert d.error == "invalid auth configuration file"
    assert d.trailing_newline == bool(password and password.endswith(("\n", "\r")))


@pytest.mark.parametrize(
    "value,byte,lenient",
    [
        ("dXNlcjpwYXN", 8, b"user:pas"),  # missing padding: Go points at the start of the short quantum
        ("dXNlcjpwYQ", 8, b"user:pa"),
        ("dXNlcjpwYXN-", 11, b"user:pas~"),  # URL-safe alphabet
        (base64.urlsafe_b64encode(b"u:p>>?").decode(), 7, b"u:p>>?"),
        (" dXNlcjpwYXNz", 0, b"user:pass"),  # a leading space
        ("dXNl cjpwYXNz", 4, b"user:pass"),  # a space in the middle
        ("dXNlcjpwYXNz==", 12, b"user:pass"),  # extra padding
        ("dXNlcjpwYQ=", 11, b"user:pa"),  # one '=' where two are needed
        ("dXNlcjpwYQ=x", 10, None),
        ("dXNlcjp=YXNz", 8, None),  # padding in the middle: Go objects to what follows it
    ],
)
def test_base64_errors_match_go(value, byte, lenient) -> None:
    d = decode_auth(value)
    assert (d.ok, d.error_kind, d.error, d.lenient) == (False, "not_base64", f"illegal base64 data at input byte {byte}", lenient)


def test_go_decode_corrupt_vectors() -> None:
    """The table of Go's encoding/base64 TestDecodeCorrupt (StdEncoding)."""
    cases = [("", -1), ("\n", -1), ("AAA=\n", -1), ("AAAA\n", -1), ("!!!!", 0), ("====", 0), ("x===", 1), ("=AAA", 0),
             ("A=AA", 1), ("AA=A", 2), ("AA==A", 4), ("AAA=AAAA", 4), ("AAAAA", 4), ("AAAAAA", 4), ("A=", 1), ("A==", 1),
             ("AA=", 3), ("AA==", -1), ("AAA=", -1), ("AAAA", -1), ("AAAAAA=", 7), ("YWJjZA=====", 8), ("A!\n", 1), ("A=\n", 1)]
    for value, offset in cases:
        data, err = go_std_decode(value)
        assert (err if err is not None else -1) == offset, value
        assert (data is None) == (offset >= 0)


def test_decode_details() -> None:
    d = decode_auth("ééAA")  # Go counts bytes, error_index counts characters
    assert d.error == "illegal base64 data at input byte 0" and d.error_index == 0
    d = decode_auth("AAAAé")
    assert d.error == "illegal base64 data at input byte 4" and d.error_index == 4
    d = decode_auth("AAAAAéAA")
    assert d.error == "illegal base64 data at input byte 5" and d.error_index == 5
    d = decode_auth(base64.b64encode(b"u:\xff\xfe").decode())  # not UTF-8: docker accepts raw bytes
    assert d.ok and d.error_kind == "not_utf8" and d.password == "\udcff\udcfe"
    assert encode_auth(d.user, d.password) == base64.b64encode(b"u:\xff\xfe").decode()
    assert decode_auth("dXNlcjpw\nYXNz").line_breaks


def test_repaired_auth() -> None:
    assert repaired_auth("dXNlcjpwYXNz") is None  # already canonical
    assert repaired_auth("dXNlcjpwYXN") == base64.b64encode(b"user:pas").decode()
    assert repaired_auth(base64.urlsafe_b64encode(b"u:p>>?").decode()) == base64.b64encode(b"u:p>>?").decode()
    assert repaired_auth(encode_auth("user", "pass\n")) == encode_auth("user", "pass")
    assert repaired_auth("dXNlcjpw\nYXNz") == "dXNlcjpwYXNz"
    assert repaired_auth(base64.b64encode(b"nocolon").decode()) is None
    assert repaired_auth("%%%%") is None


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1).filter(lambda u: ":" not in u and u.strip("\x00") == u), st.text())
def test_encode_decode_round_trip(user, password) -> None:
    d = decode_auth(encode_auth(user, password))
    assert d.ok and d.user == user and d.password == password.strip("\x00")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=40))
def test_strict_decoder_agrees_with_pythons_on_canonical_input(data) -> None:
    text = base64.b64encode(data).decode()
    assert go_std_decode(text) == (data, None)


# --------------------------------------------------------------------- keys
@pytest.mark.parametrize(
    "key,canonical,problems",
    [
        ("registry.example.com", "registry.example.com", []),
        ("registry.example.com:5000", "registry.example.com:5000", []),
        ("https://registry.example.com", "registry.example.com", ["has a scheme"]),
        ("http://registry.example.com:5000/", "registry.example.com:5000", ["has a scheme", "trailing slash"]),
        ("registry.example.com/", "registry.example.com", ["trailing slash"]),
        ("https://my.hostname/v1/something", "my.hostname", ["has a scheme", "has a path"]),
        ("registry.example.com/group", "registry.example.com/group", ["has a path"]),  # path-scoped: kept
        ("r.example.com:5000/ns/img:tag", "r.example.com:5000/ns/img", ["has a path", "has a tag"]),
        ("Registry.Example.com", "registry.example.com", ["upper-case host"]),
        (DOCKER_HUB, DOCKER_HUB, []),
        ("docker.io", DOCKER_HUB, [f"Docker Hub should be spelt {DOCKER_HUB}"]),
        ("index.docker.io", DOCKER_HUB, [f"Docker Hub should be spelt {DOCKER_HUB}"]),
        ("registry-1.docker.io", DOCKER_HUB, [f"Docker Hub should be spelt {DOCKER_HUB}"]),
        ("https://index.docker.io/v1", DOCKER_HUB, [f"Docker Hub should be spelt {DOCKER_HUB}"]),
        (" registry.example.com", "registry.example.com", ["surrounding whitespace"]),
    ],
)
def test_normalize_key(key, canonical, problems) -> None:
    info = normalize_key(key)
    assert (info.canonical, info.problems, info.templated) == (canonical, problems, False)


def test_key_fields() -> None:
    info = normalize_key("HTTPS://Reg.Example.com:5000/ns/img:v1/")
    assert (info.scheme, info.host, info.path, info.tag, info.trailing_slash, info.is_docker_hub) == (
        "HTTPS", "reg.example.com:5000", "ns/img", "v1", True, False)
    assert normalize_key("docker.io").is_docker_hub and not normalize_key("quay.io").is_docker_hub
    for key in ("$CI_REGISTRY", "${CI_REGISTRY}", "https://$CI_REGISTRY/", "$CI_REGISTRY:5000", "$[[ inputs.registry ]]"):
        info = normalize_key(key)
        assert info.templated and info.problems == [] and info.canonical == key


@pytest.mark.parametrize(
    "ref,host",
    [
        ("nginx", "docker.io"),
        ("nginx:1.25", "docker.io"),
        ("library/nginx:1", "docker.io"),
        ("index.docker.io/library/nginx", "docker.io"),
        ("r.example.com:5000/a/b:1", "r.example.com:5000"),
        ("Registry.Example.com/Group/Image", "registry.example.com"),
        ("localhost/x", "localhost"),
        ("localhost:5000/x", "localhost:5000"),
        ("Quay.IO/x@sha256:ab", "quay.io"),
        ("docker://quay.io/x:1", "quay.io"),
        ("registry.example.com/$CI_PROJECT_PATH:$CI_COMMIT_SHA", "registry.example.com"),
        ("alpine:$TAG", "docker.io"),
        ("$CI_REGISTRY_IMAGE:latest", ""),
        ("${CI_REGISTRY}/group/app", ""),
        ("$IMAGE", ""),
    ],
)
def test_image_registry(ref, host) -> None:
    assert image_registry(ref) == host


def test_number_values_are_finite_or_like_python() -> None:
    assert parse("1e400").value.value == math.inf == json.loads("1e400")
    assert parse("-0").value.value == 0 and parse("0.5e-1").value.value == 0.05


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet='{}[]",:0123456789.-eautrsl \n\\$', max_size=40), _ranges)
def test_memoised_parse_is_the_parse(text, opaque) -> None:
    """A memoised result is what a fresh parse gives, for the same text and opaque ranges."""
    from dataclasses import asdict

    from authlint.authjson import parser

    first = parse(text, opaque)
    assert parse(text, list(reversed(opaque))) is first  # the ranges as the parser cleans them
    assert asdict(first) == asdict(parser._parse(text, opaque, parser.MAX_DEPTH))
    assert sum(len(key[0]) for key in parser._MEMO) == parser._memo_size <= parser._MEMO_CHARS
