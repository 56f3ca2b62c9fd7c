"""authlint.secrets: GitLab token patterns, placeholders, redaction, detect-secrets adapter.

Every secret-looking string is built at runtime (random bodies, split literals), so scanning this
file with detect-secrets or authlint finds nothing.
"""

from __future__ import annotations

import base64
import secrets
import string
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authlint import secrets as S
from authlint.secrets import (
    TOKEN_KINDS,
    DetectedSecret,
    SecretSet,
    find_gitlab_tokens,
    fingerprint,
    is_allowlisted,
    is_placeholder,
    looks_like_literal_secret,
    redact,
    redact_text,
    scan_lines,
    shannon_entropy,
    url_credentials,
)

ROOT = Path(__file__).resolve().parents[1]
URLSAFE = string.ascii_letters + string.digits + "_-"
ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
B36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def rand(n: int, alphabet: str = URLSAFE) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def base36(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = B36[r] + out
        if not n:
            return out


def routable(prefix: str) -> str:
    """A token built the way GitLab's RoutableToken generator builds one (payload, length, CRC)."""
    payload = f"c:1\no:{base36(secrets.randbelow(10**6))}\nu:{base36(secrets.randbelow(10**8))}"
    raw = payload.encode() + secrets.token_bytes(16) + bytes([16])
    body = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    checksummed = f"{prefix}{body}.{base36(len(body)).rjust(2, '0')}"
    return checksummed + base36(zlib.crc32(checksummed.encode())).rjust(7, "0")


def standard(prefix: str) -> str:
    kind = TOKEN_KINDS[prefix]
    if prefix == "_gitlab_session=":
        return prefix + rand(32, HEX)
    return prefix + rand(kind.min_body, HEX if kind.hex_body else URLSAFE)


# --------------------------------------------------------------------------- find_gitlab_tokens


@pytest.mark.parametrize("prefix", list(TOKEN_KINDS))
def test_every_prefix_is_found_in_context(prefix: str) -> None:
    token = standard(prefix)
    line = f"docker login -u ci -p {token} registry.example.com"
    [m] = find_gitlab_tokens(line)
    assert (m.text, m.kind, m.prefix, m.routable) == (token, TOKEN_KINDS[prefix].kind, prefix, False)
    assert line[m.start : m.end] == token


def test_kind_names() -> None:
    kinds = {k.prefix: k.kind for k in TOKEN_KINDS.values()}
    assert kinds["glpat-"] == "personal access token (glpat-)"
    assert kinds["GR1348941"] == "runner registration token (GR1348941)"
    assert kinds["_gitlab_session="] == "session cookie (_gitlab_session=)"
    assert len(kinds) == 14


@pytest.mark.parametrize("prefix", ["glpat-", "glrt-t1_", "glrt-t3_", "gldt-", "glcbt-"])
def test_routable_tokens(prefix: str) -> None:
    token = routable(prefix)
    [m] = find_gitlab_tokens(f'TOKEN="{token}"')
    assert m.text == token and m.routable


def test_routable_token_followed_by_sentence_dot() -> None:
    token = routable("glpat-")
    [m] = find_gitlab_tokens(f"leaked {token}. Revoke it")
    assert m.text == token


@pytest.mark.parametrize("custom", ["SIE-", "myco-", "acme_corp-", "my-co-"])
@pytest.mark.parametrize("std", ["glpat-", "glrt-", "glwt-"])
def test_custom_instance_prefix_is_part_of_the_token(custom: str, std: str) -> None:
    token = custom + std + rand(20, ALNUM)
    line = f"export GITLAB_TOKEN={token}"
    [m] = find_gitlab_tokens(line)
    assert m.text == token and m.prefix == std and line[m.start : m.end] == token


def test_custom_routable_runner_token() -> None:
    token = routable("myco-glrt-t2_")
    [m] = find_gitlab_tokens(f"  --token {token}")
    assert m.text == token and m.routable and m.prefix == "glrt-"


@pytest.mark.parametrize("partition", ["64_", "a_", "1f_", "fffff_"])
def test_job_token_with_partition(partition: str) -> None:
    token = "glcbt-" + partition + rand(20, ALNUM)
    [m] = find_gitlab_tokens(f"CI_JOB_TOKEN={token}")
    assert m.text == token and m.kind == "CI/CD job token (glcbt-)"


def test_several_tokens_in_one_line() -> None:
    a, b = standard("glpat-"), standard("gldt-")
    found = find_gitlab_tokens(f"{a} {b}")
    assert [m.text for m in found] == [a, b]


def test_token_inside_decoded_auth_value() -> None:
    token = standard("gldt-")
    [m] = find_gitlab_tokens(f"deploy-user:{token}")
    assert m.text == token


@pytest.mark.parametrize(
    "text",
    [
        "glpat-" + "X" * 20,
        "glpat-" + "x" * 20,
        "glpat-" + "X" * 11 + "-" + "X" * 8,
        "glpat-" + "a" * 20,
        "glpat-" + "ab" * 10,
        "glpat-<token>",
        "glpat-<your_access_token>",
        "glpat-${TOKEN}",
        "glpat-$GITLAB_TOKEN",
        "glpat-",
        "glpat-" + rand(12, ALNUM),  # too short
        "glpatterns and glptterns",
        "glpat-your_" + "token_here_12345",
        "glrt-" + "config-file-name-longer",  # a path word, no digit or capital
        "glagent-" + rand(30, ALNUM),  # agent tokens have 50 chars
        "gloas-" + rand(40, HEX),  # OAuth secrets have 64
        "GR1348941",
        "_gitlab_session=" + "0" * 32,
        # JWT-format job tokens carry no GitLab prefix
        ".".join(["eyJhbGciOiJSUzI1NiJ9", "eyJzdWIiOiJqb2IifQ", "c2lnbmF0dXJl"]),
        "$CI_JOB_TOKEN ${CI_REGISTRY_PASSWORD}",
    ],
)
def test_not_a_token(text: str) -> None:
    assert find_gitlab_tokens(text) == []


def test_token_glued_to_longer_word_is_not_cut() -> None:
    # 20 valid chars followed by more word characters: one longer token, never a truncated span.
    token = "glpat-" + rand(26, ALNUM)
    assert [m.text for m in find_gitlab_tokens(token + " x")] == [token]


@given(st.text(alphabet=URLSAFE, min_size=20, max_size=40))
@settings(max_examples=60, deadline=None)
def test_entropy_floor_is_the_only_thing_rejecting_mixed_bodies(body: str) -> None:
    found = find_gitlab_tokens("glpat-" + body)
    plausible = (
        shannon_entropy("glpat-" + body) >= 3.0
        and any(c.isdigit() or c.isupper() for c in body)
        and not S._BODY_PLACEHOLDER_RE.search(body)
    )
    assert bool(found) == plausible


# --------------------------------------------------------------------------- entropy, fingerprint


def test_shannon_entropy() -> None:
    assert shannon_entropy("") == 0.0
    assert shannon_entropy("aaaa") == 0.0
    assert shannon_entropy("ab") == pytest.approx(1.0)
    assert shannon_entropy("0123456789abcdef") == pytest.approx(4.0)


def test_fingerprint_is_stable_and_separates_parts() -> None:
    assert fingerprint("a", "b") == fingerprint("a", "b")
    assert fingerprint("a", "b") != fingerprint("ab")
    assert fingerprint("a\0b") == fingerprint("a", "b")  # documented: parts joined with NUL
    assert len(fingerprint("x")) == 64
    token = standard("glpat-")
    assert token not in fingerprint("AL104", token)


# --------------------------------------------------------------------------- redaction


def test_redact_examples() -> None:
    token = "glpat-" + rand(20, ALNUM)
    assert redact(token) == "glpa…[redacted]"
    assert redact("hunter2") == "h…[redacted]"
    assert redact("abc") == "…[redacted]"
    assert redact("") == "…[redacted]"
    assert redact("dXNlcjpodW50ZXIy") == "dXNl…[redacted]"


@given(st.text(max_size=64))
def test_redact_never_reveals_more_than_4_chars_or_a_quarter(secret: str) -> None:
    out = redact(secret)
    assert out.endswith("…[redacted]")
    kept = out[: -len("…[redacted]")]
    assert secret.startswith(kept)
    assert len(kept) <= 4 and len(kept) * 4 <= len(secret)


@given(
    st.text(max_size=30),
    st.text(alphabet=ALNUM, min_size=8, max_size=40),
    st.text(max_size=30),
)
def test_redact_text_removes_given_secrets(before: str, secret: str, after: str) -> None:
    text = f"{before}{secret}{after}{secret}"
    out = redact_text(text, [secret])
    assert secret not in out


@given(st.lists(st.sampled_from(["gl", "glpat-", "GR1348941", "_gitlab_session=", "Ab1Cd2Ef3Gh4Ij5Kl6Mn7", "x", " "])).map("".join)
       | st.text(max_size=40))
def test_redact_text_without_values_skips_only_texts_without_tokens(text: str) -> None:
    """No values and no token prefix: the text as it is, without a scan; the same as the full
    scan gives (a list holding only the empty value asks for it, and hides nothing)."""
    for empty in ((), [], set(), SecretSet()):
        assert redact_text(text, empty) == redact_text(text, [""])


def test_redact_text_message_with_token_and_password() -> None:
    token, password = standard("glpat-"), rand(12, ALNUM)
    message = f"literal token {token} passed to docker login (also -p {password})"
    out = redact_text(message, [password])
    assert token not in out and password not in out
    kept = password[:3]  # 12 chars: a quarter survives
    assert out == f"literal token glpa…[redacted] passed to docker login (also -p {kept}…[redacted])"


def test_redact_text_overlapping_secrets_redacted_as_one() -> None:
    a = rand(12, ALNUM)
    b = a[6:] + rand(10, ALNUM)
    out = redact_text(f"x {a[:6]}{b} y", [a, b])
    assert a not in out and b not in out and a[4:] not in out
    assert redact_text("nothing here", ["", "absent"]) == "nothing here"


# --------------------------------------------------------------------------- placeholders, literals


@pytest.mark.parametrize(
    "value",
    [
        "PRIVATE_REGISTRY_URL",
        "BASE64_ENCODED_CREDENTIAL",
        "<token>",
        "<your-proxy>",
        "<aws_account_id>.dkr.ecr.region.amazonaws.com",
        "<...>",
        "my_username",
        "my_password",
        "my_username:my_password",
        "USER:PASSWORD",
        "username:password",
        "user:pass",
        "xxx",
        "xxxxxxxxxxxxxxx",
        "XXXXXXXX",
        "xxxx:xxxx",
        "glpat-" + "x" * 20,
        "changeme",
        "your-token",
        "YOUR_TOKEN",
        "(Base64 content from above)",
        "...",
        "REDACTED",
        "[MASKED]",
        "***",
        '"<token>"',
        "bXlfdXNlcm5hbWU6bXlfcGFzc3dvcmQ=",
    ],
)
def test_is_placeholder(value: str) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize(
    "value",
    ["hunter2", "", "xx", "registry.gitlab.com", "deploy-user", "superuser:passw0rd", "Xylophone"],
)
def test_is_not_placeholder(value: str) -> None:
    assert not is_placeholder(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", False),
        ("   ", False),
        ("$CI_REGISTRY_PASSWORD", False),
        ("${CI_REGISTRY_PASSWORD}", False),
        ("${REGISTRY_PASSWORD:-default}", False),
        ('"$CI_JOB_TOKEN"', False),
        ("'$CI_JOB_TOKEN'", False),  # literal `$CI_JOB_TOKEN` in the shell: a bug, not a secret
        ("$$REGISTRY_PASSWORD", False),  # GitLab's escaped `$`: `$REGISTRY_PASSWORD` at shell time
        ("${USER}:${PASS}", False),
        ("$(cat /run/secrets/registry)", False),
        ("$(vault kv get -field=pw $(echo path))", False),
        ("`cat ~/.pw`", False),
        ("$env:REGISTRY_PASSWORD", False),
        ("%REGISTRY_PASSWORD%", False),
        ("<password>", False),
        ("my_password", False),
        ("xxxxxxxx", False),
        ("changeme", False),
        ("hunter2", True),
        ("'hunter2'", True),
        ('"s3cr3t!"', True),
        ("${PREFIX}tail" + "Secret9", True),
        ("!!!!", True),
    ],
)
def test_looks_like_literal_secret(value: str, expected: bool) -> None:
    assert looks_like_literal_secret(value) is expected


def test_literal_token_is_a_literal_secret() -> None:
    assert looks_like_literal_secret(standard("glpat-"))


# --------------------------------------------------------------------------- allowlist pragma

PRAGMA = "pragma: allowlist secret"
NEXTLINE = "pragma: allowlist nextline secret"


@pytest.mark.parametrize(
    ("line", "previous", "expected"),
    [
        (f"password: x  # {PRAGMA}", None, True),
        (f"password: x #{PRAGMA}", None, True),
        (f"x = 1  // {PRAGMA}", None, True),
        (f"x = 1  /* {PRAGMA} */", None, True),
        ("password: x  # pragma: whitelist secret", None, True),
        ("password: x", f"  # {NEXTLINE}", True),
        ("password: x", f"# {NEXTLINE}   ", True),
        ("password: x", f"foo: bar  # {NEXTLINE}", False),  # nothing may precede a nextline pragma
        ("password: x", f"# {PRAGMA}", False),
        ("password: x", None, False),
        ("password: x # pragma: allowlist", None, False),
    ],
)
def test_is_allowlisted(line: str, previous: str | None, expected: bool) -> None:
    assert is_allowlisted(line, previous) is expected


def test_is_allowlisted_agrees_with_detect_secrets() -> None:
    from detect_secrets.filters.allowlist import is_line_allowlisted
    from detect_secrets.util.code_snippet import get_code_snippet

    cases = [
        (f"a # {PRAGMA}", ""),
        ("a", f"# {NEXTLINE}"),
        ("a", f"x # {NEXTLINE}"),
        (f"a -- {PRAGMA}", ""),
        (f"a <!-- {PRAGMA} -->", ""),
        (f"a ' {PRAGMA}", ""),
        ("a", f"// {NEXTLINE}"),
        ("a", ""),
    ]
    for line, prev in cases:
        snippet = get_code_snippet([prev, line], 2)
        assert is_allowlisted(line, prev) == is_line_allowlisted("x.sh", line, snippet), (line, prev)


# --------------------------------------------------------------------------- scan_lines (real plugins)


def _private_key_header() -> str:
    return "-----BEGIN " + "RSA PRIVATE " + "KEY-----"


def test_scan_lines_finds_keyword_and_private_key() -> None:
    value = "s3cr3tP4" + rand(10, ALNUM)
    lines = [(10, "variables:"), (11, f"  pass{'word'}: {value}"), (12, "  echo hi")]
    lines.append((13, _private_key_header()))
    found = scan_lines(lines)
    assert DetectedSecret(11, "Secret Keyword", 12, 12 + len(value)) in found
    assert [d.line for d in found if d.type == "Private Key"] == [13]
    assert all(d.line in (11, 13) for d in found)


def test_scan_lines_yml_hint_matters_for_unquoted_keywords() -> None:
    lines = [(1, f"export REGISTRY_PASS{'WORD'}={rand(16, ALNUM)}")]
    assert [d.type for d in scan_lines(lines, ".gitlab-ci.yml")] == ["Secret Keyword"]


def test_scan_lines_basic_auth_and_entropy() -> None:
    pw = rand(14, ALNUM)
    blob = base64.b64encode(secrets.token_bytes(48)).decode()
    lines = [(1, f"git clone https://deploy:{pw}@gitlab.example.com/g/p.git"), (2, f"AUTH: '{blob}'")]
    found = {(d.line, d.type) for d in scan_lines(lines)}
    assert (1, "Basic Auth Credentials") in found and (2, "Base64 High Entropy String") in found


def test_scan_lines_honours_allowlist_pragma() -> None:
    v1, v2, v3 = (rand(16, ALNUM) for _ in range(3))
    lines = [
        (1, f"pass{'word'}: {v1}  # {PRAGMA}"),
        (2, f"# {NEXTLINE}"),
        (3, f"pass{'word'}: {v2}"),
        (4, "echo separator"),
        (5, f"pass{'word'}: {v3}"),
    ]
    assert [d.line for d in scan_lines(lines)] == [5]


def test_scan_lines_pragma_from_source_lines() -> None:
    # The caller passes only the script scalar; the YAML comment above it lives in source_lines.
    value = rand(16, ALNUM)
    source = ["script:", f"  # {NEXTLINE}", f"  - export DB_PASS{'WORD'}={value}"]
    lines = [(3, f"export DB_PASS{'WORD'}={value}")]
    assert [d.line for d in scan_lines(lines)] == [3]
    assert scan_lines(lines, source_lines=source) == []


def test_scan_lines_nextline_pragma_does_not_jump_over_skipped_lines() -> None:
    # Non-candidate lines are not sent to detect-secrets; the pragma must still only cover line 2.
    value = rand(16, ALNUM)
    lines = [(1, f"# {NEXTLINE}"), (2, "echo hello"), (3, f"pass{'word'}: {value}")]
    assert [d.line for d in scan_lines(lines)] == [3]


def test_scan_lines_leaves_gitlab_tokens_to_find_gitlab_tokens() -> None:
    token = "glpat-" + rand(20, ALNUM)
    lines = [(1, f"pass{'word'}: {token}")]
    assert scan_lines(lines) == []
    [d] = scan_lines(lines, skip_gitlab_tokens=False)
    assert d.type == "Secret Keyword" and (d.start, d.end) == (10, 10 + len(token))


def test_scan_lines_ignores_references_and_plain_script() -> None:
    lines = [
        (1, 'echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin'),
        (2, "docker push $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"),
        (3, "password: ${REGISTRY_PASSWORD}"),
    ]
    assert scan_lines(lines) == []
    assert scan_lines([]) == []


def _jwt() -> str:
    def part(obj: str) -> str:
        return base64.urlsafe_b64encode(obj.encode()).decode().rstrip("=")

    claims = '{"sub":"' + rand(8, ALNUM) + '"}'
    return ".".join([part('{"alg":"HS256","typ":"JWT"}'), part(claims), rand(43)])


def _synthetic_secret_lines() -> list[tuple[int, str]]:
    b64 = ALNUM + "+/"
    up = string.ascii_uppercase + string.digits
    texts = [
        f"pass{'word'}: {rand(12, ALNUM)}",
        f'  DB_PASS{"WORD"}: "{rand(16, ALNUM)}"',
        f"api_{'key'} = '{rand(20, ALNUM)}'",
        f"contrase{'ña'}: {rand(9, ALNUM)}",
        f'FOO: "{rand(44, b64)}"',
        f"url: http://u:{rand(6, ALNUM)}@h.example",
        _private_key_header(),
        "PuTTY-User-" + "Key-File-2: ssh-rsa",
        "AKIA" + rand(16, up),
        "ghp" + "_" + rand(36, ALNUM),
        "xoxb" + f"-{rand(5, string.digits)}-{rand(8, string.ascii_lowercase)}",
        "sk" + "_live_" + rand(24, ALNUM),
        "//registry.npmjs.org/:_auth" + "Token=npm_" + rand(6, ALNUM),
        "x=AKC" + rand(10, ALNUM),
        "  --password AP1" + rand(8, ALNUM),
        "Account" + "Key=" + rand(86, b64) + "==",
        "sk-" + rand(20, ALNUM) + "T3Blbk" + "FJ" + rand(20, ALNUM),
        f"ID_TOKEN={_jwt()}",
        "docker build -t $CI_REGISTRY_IMAGE .",
        "image: docker:27",
    ]
    return list(enumerate(texts, 1))


@pytest.mark.parametrize("hint", [".gitlab-ci.yml", "build.sh"])
def test_prefilter_loses_nothing(hint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _synthetic_secret_lines()
    fast = scan_lines(lines, hint)
    monkeypatch.setattr(S, "is_scan_candidate", lambda line: True)
    assert scan_lines(lines, hint) == fast
    assert len({d.line for d in fast}) >= 15
    assert "JSON Web Token" in {d.type for d in fast}


def test_prefilter_rejects_plain_ci_lines() -> None:
    plain = ["stage: build", "- docker push $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA", "script:", "needs: []",
             '- echo "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json']
    for line in plain:
        assert not S.is_scan_candidate(line)


_CANDIDATE_BITS = ["pass", "PWD", "Secret", "contraseña", "word", ":", "=", "!", "(", ";", " ", "\t", "x", "_", "$",
                   "api", "_key", "Auth", "private", " key", "putty", "_authToken", "xoxb-", "hooks.slack", "==",
                   "eyJ", "AKIA", "ghp_", "sk_live_", "'", '"', "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY", "://", "@", "İ"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_CANDIDATE_BITS), max_size=12))
def test_scan_candidate_word_hints_lose_no_line(bits: list[str]) -> None:
    line = "".join(bits)
    regexes_alone = ("://" in line and "@" in line) or bool(
        S._CANDIDATE_TOKENS_RE.search(line) or S._CANDIDATE_WORDS_RE.search(line.lower()))
    assert S.is_scan_candidate.__wrapped__(line) == regexes_alone


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([*_CANDIDATE_BITS, "rk_live_", "A3TX", "APF", "T3BlbkFJ", "QUJD" * 6, "a"]), max_size=12))
def test_scan_candidate_token_regex_is_its_character_class_form(bits: list[str]) -> None:
    """The token regex with a literal first in every alternative (fast to skip through) matches
    where the form with character classes does."""
    import re

    classes = re.compile(r"eyJ|A(?:3T[A-Z0-9]|BIA|CCA|KIA|SIA|KC|P[0-9A-F])|gh[pousr]_|[rs]k_live_|T3BlbkFJ"
                         r"|[\"'][0-9A-Za-z+/=]{23}")
    line = "".join(bits)
    assert bool(S._CANDIDATE_TOKENS_RE.search(line)) == bool(classes.search(line))


def test_plugin_set_excludes_gitlab_detector() -> None:
    names = [p["name"] for p in S._plugin_config()]
    assert "GitLabTokenDetector" not in names
    assert {"KeywordDetector", "Base64HighEntropyString", "PrivateKeyDetector"} <= set(names)
    assert "OpenAIDetector" in names  # present in detect-secrets 1.5.0


def test_import_is_lazy() -> None:
    code = (
        "import sys, authlint.secrets as s\n"
        "heavy = ('detect_secrets', 'requests', 'yaml')\n"
        "assert not [m for m in heavy if m in sys.modules], sys.modules.keys()\n"
        "assert s.scan_lines([(1, 'echo hello'), (2, 'make test')]) == []\n"
        "assert 'detect_secrets' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)


def test_detect_secrets_runs_without_requests_and_is_configured_once() -> None:
    code = (
        "import sys, authlint.secrets as s\n"
        "lines = [(1, 'password: s3cr3tP4ssw0rdXyzQ'), (2, 'aws=AKIAIOSFODNN7EXAMPLE')]\n"
        "first = s.scan_lines(lines)\n"
        "assert [d.type for d in first] == ['Secret Keyword', 'AWS Access Key'], first\n"
        "assert 'requests' not in sys.modules, 'detect-secrets pulled in requests'\n"
        "import detect_secrets.settings as ds\n"
        "busts, real = [], ds.cache_bust\n"
        "ds.cache_bust = lambda: (busts.append(1), real())\n"
        "assert s.scan_lines(lines) == first and busts == [], busts\n"
        "with ds.default_settings():\n"  # someone else swaps the global settings: configured again
        "    pass\n"
        "assert s.scan_lines(lines) == first and len(busts) == 3, busts\n"
        "import requests\n"  # the stand-in is gone: the real package imports
        "assert requests.Session and 'site-packages' in requests.__file__\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)


# ------------------------------------------------------------- URL credentials: line-wise == whole text
def _whole_text_url_credentials(text: str) -> list[tuple[int, int, str, str]]:
    """The definition: the URL patterns run over the whole text (what url_credentials did before
    it looked only at lines holding `://`)."""
    from authlint.secrets import _URL, _URL_QUERY_SECRET, _URL_USERINFO, looks_like_literal_secret

    out = [(m.start(2), m.end(2), m.group(2), "URL") for m in _URL_USERINFO.finditer(text)
           if looks_like_literal_secret(m.group(2))]
    for url in _URL.finditer(text):
        for q in _URL_QUERY_SECRET.finditer(url.group()):
            if looks_like_literal_secret(q.group(1)):
                at = url.start() + q.start(1)
                out.append((at, at + len(q.group(1)), q.group(1), "URL query string"))
    return out


_URL_BITS = ["https://", "git+ssh://", "foo+", "_", "x", "deploy:", "Fk7q2Wd9LmX4rT", "@", "r.example.com",
             "/p", "?private_token=", "&", "token=", " ", "\n", "'", "://", "Qz9", ":",
             # every query name's first word, in any case, and letters re.I equates with ASCII ones
             "?", "PRIVATE-", "Access", "job", "DEPLOY_", "auth", "Pass", "WORD", "pwd", "Secret", "client",
             "api", "-KEY", "Sig", "nature", "?sha=", "=", "\u212a", "\u017f", "\u0130"]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(_URL_BITS), max_size=25))
def test_url_credentials_line_by_line_equal_the_whole_text_scan(bits: list[str]) -> None:
    text = "".join(bits)
    found = [(c.start, c.end, c.value, c.where) for c in url_credentials(text)]
    assert sorted(found) == sorted(_whole_text_url_credentials(text))


def test_url_credentials_equal_the_whole_text_scan_on_the_corpus() -> None:
    from support.corpus import require_corpus

    for path in sorted(p for p in require_corpus().rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8", errors="replace")
        assert sorted((c.start, c.end, c.value, c.where) for c in url_credentials(text)) == sorted(
            _whole_text_url_credentials(text)), path


def test_url_query_secret_with_a_letter_only_the_regex_equates() -> None:
    """A query name spelled with the Kelvin sign or a long s matches under re.IGNORECASE but not
    once lowered: such a line is scanned all the same."""
    for name in ("api\u212aey", "pa\u017f\u017fword"):
        text = f"curl https://r.example.com/p?{name}=Fk7q2Wd9LmX4rT"
        assert [c.value for c in url_credentials(text)] == ["Fk7q2Wd9LmX4rT"]
        assert sorted((c.start, c.end, c.value, c.where) for c in url_credentials(text)) == _whole_text_url_credentials(text)
