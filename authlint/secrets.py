"""Secret recognition: GitLab token patterns, placeholders, redaction, and a lazy detect-secrets adapter.

Importing this module is cheap (``re``, ``math`` only). detect-secrets is imported
inside :func:`scan_lines`, only when a line survives the cheap pre-filter, and without the
``requests`` it would drag in (see ``_without_requests``).
"""

from __future__ import annotations

import _thread
import math
import re
import sys
import types
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from .lazy import lazy_compile

__all__ = [
    "REDACTED",
    "SecretSet",
    "TOKEN_KINDS",
    "DetectedSecret",
    "TokenKind",
    "TokenMatch",
    "UrlCredential",
    "find_gitlab_tokens",
    "fingerprint",
    "is_allowlisted",
    "is_placeholder",
    "is_scan_candidate",
    "looks_like_literal_secret",
    "redact",
    "redact_text",
    "scan_lines",
    "shannon_entropy",
    "url_credentials",
]


# --------------------------------------------------------------------------- GitLab tokens


@dataclass(frozen=True, eq=False)
class TokenKind:
    """A GitLab token type: its prefix, and how long and how random its body is."""

    prefix: str  # the standard prefix, e.g. 'glpat-'
    kind: str  # human description used in messages
    min_body: int  # shortest body accepted after the prefix (gitleaks lengths)
    hex_body: bool = False  # body is lower-case hex


TOKEN_KINDS: dict[str, TokenKind] = {
    k.prefix: k
    for k in (
        TokenKind("glpat-", "personal access token (glpat-)", 20),
        TokenKind("gldt-", "deploy token (gldt-)", 20),
        TokenKind("glcbt-", "CI/CD job token (glcbt-)", 20),
        TokenKind("glrt-", "runner authentication token (glrt-)", 20),
        TokenKind("glptt-", "pipeline trigger token (glptt-)", 40, hex_body=True),
        TokenKind("glft-", "feed token (glft-)", 20),
        TokenKind("glimt-", "incoming mail token (glimt-)", 25),
        TokenKind("glagent-", "agent token (glagent-)", 50),
        TokenKind("glsoat-", "SCIM token (glsoat-)", 20),
        TokenKind("glffct-", "feature flags client token (glffct-)", 20),
        TokenKind("glwt-", "workspace token (glwt-)", 20),
        TokenKind("gloas-", "OAuth application secret (gloas-)", 64, hex_body=True),
        TokenKind("_gitlab_session=", "session cookie (_gitlab_session=)", 32, hex_body=True),
        TokenKind("GR1348941", "runner registration token (GR1348941)", 20),
    )
}


@dataclass(frozen=True)
class TokenMatch:
    """A GitLab token found in a text."""

    start: int  # char offsets in the scanned text; [start, end) includes a custom instance prefix
    end: int
    kind: str
    text: str
    prefix: str = ""  # the standard prefix ('glpat-', 'GR1348941', ...), a key of TOKEN_KINDS
    routable: bool = False  # '<payload>.<2><7>' form (GitLab 17.x+ routable tokens)


# One combined regex; every alternative starts with a literal so the scan is cheap.
# No boundary before `gl`: instances may put a custom prefix in front (`SIE-glpat-`, `myco-glrt-`).
# The routable suffix is `.` + 2 base36 length chars + 7 base36 CRC chars. Bodies are unbounded
# here (a bounded run backtracks on long words) and capped at _MAX_BODY afterwards.
_TOKEN_RE = re.compile(
    r"(?P<pfx>gl(?:pat|dt|rt|cbt|ptt|ft|imt|agent|soat|ffct|wt|oas)-)"
    r"(?P<body>[0-9A-Za-z_-]{20,})(?P<suffix>\.[0-9a-z]{9})?(?![0-9A-Za-z_-])"
    r"|(?P<gr>GR1348941)(?P<grbody>[0-9A-Za-z_-]{20,})(?![0-9A-Za-z_-])"
    r"|(?P<sess>_gitlab_session=)(?P<sessbody>[0-9a-z]{32})(?![0-9A-Za-z])"
)
# Instance-wide custom prefix right before a `gl…-` prefix, e.g. 'SIE-' or 'myco-'.
_CUSTOM_PREFIX_RE = lazy_compile(r"(?<![0-9A-Za-z_-])[0-9A-Za-z][0-9A-Za-z_-]{0,19}-\Z")
# Documentation-ish words inside a body (>= 5 letters, so a random body hits one ~1e-6 of the time).
_BODY_PLACEHOLDER_RE = lazy_compile(
    r"token|secret|example|sample|placeholder|redact|dummy|change_?me|replace|insert|masked|your[_-]",
    re.IGNORECASE,
)
_HAS_DIGIT_OR_UPPER_RE = lazy_compile(r"[0-9A-Z]")
_ROUTABLE_MIN_BODY = 27
_MAX_BODY = 1024  # detect-secrets allows agent tokens up to 1024 chars
# Entropy over the whole token (standard prefix included), as gitleaks computes it. Floors checked
# on 10^5 random tokens per kind: none scores below 3.4 (standard) or 4.6 (routable).
_MIN_ENTROPY = 3.0
_MIN_ENTROPY_ROUTABLE = 4.0


def may_hold_token(text: str) -> bool:
    """Whether text may hold a GitLab token: each starts with one of these (_TOKEN_RE), and a
    text without them (nor any part of it) needs no scan, which costs ~100 ns a character."""
    return "gl" in text or "GR1348941" in text or "_gitlab_session=" in text


def find_gitlab_tokens(text: str) -> list[TokenMatch]:
    """Every plausible GitLab token in *text* (placeholders and low-entropy bodies rejected)."""
    if not may_hold_token(text):
        return []
    out: list[TokenMatch] = []
    for m in _TOKEN_RE.finditer(text):
        tm = _token_from_match(text, m)
        if tm is not None:
            out.append(tm)
    return out


def _token_from_match(text: str, m: re.Match[str]) -> TokenMatch | None:
    if m["pfx"]:
        prefix, body, suffix = m["pfx"], m["body"], m["suffix"] or ""
    elif m["gr"]:
        prefix, body, suffix = m["gr"], m["grbody"], ""
    else:
        prefix, body, suffix = m["sess"], m["sessbody"], ""
    start, end = m.start(), m.end()
    if suffix and len(body) < _ROUTABLE_MIN_BODY:  # too short to be routable: keep the plain token
        end -= len(suffix)
        suffix = ""
    if not _plausible_body(TOKEN_KINDS[prefix], body, suffix):
        return None
    if prefix.startswith("gl"):
        custom = _CUSTOM_PREFIX_RE.search(text, max(0, start - 21), start)
        if custom:
            start = custom.start()
    return TokenMatch(start, end, TOKEN_KINDS[prefix].kind, text[start:end], prefix, bool(suffix))


def _plausible_body(kind: TokenKind, body: str, suffix: str) -> bool:
    if not kind.min_body <= len(body) <= _MAX_BODY or _BODY_PLACEHOLDER_RE.search(body):
        return False
    # A random body without a digit or capital is ~1e-7 likely; such bodies are words/paths.
    if kind.prefix != "_gitlab_session=" and not _HAS_DIGIT_OR_UPPER_RE.search(body):
        return False
    floor = _MIN_ENTROPY_ROUTABLE if suffix else _MIN_ENTROPY
    return shannon_entropy(kind.prefix + body + suffix) >= floor


def shannon_entropy(s: str) -> float:
    """Shannon entropy in bits per character (0.0 for the empty string)."""
    n = len(s)
    if not n:
        return 0.0
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values())


# --------------------------------------------------------------------------- redaction


REDACTED = "…[redacted]"


def redact(secret: str) -> str:
    """'glpat-AbCd…' -> 'glpa…[redacted]': at most 4 chars and at most 1/4 of the secret survive."""
    return secret[: min(4, len(secret) // 4)] + REDACTED


class SecretSet(tuple):
    """The values to redact in one file, shared by all its findings.

    Indexed once, so finding them in a text costs about len(text) per distinct
    value length, not len(text) per value: a file with thousands of findings
    is not redacted in quadratic time.
    """

    def __new__(cls, values: Iterable[str] = ()) -> "SecretSet":
        return super().__new__(cls, sorted({v for v in values if v}, key=lambda v: (-len(v), v)))

    @cached_property
    def _index(self) -> tuple[list[str], list[tuple[int, frozenset[str], re.Pattern[str]]]]:
        by_length: dict[int, set[str]] = {}
        for v in self:
            by_length.setdefault(len(v), set()).add(v)
        few = [v for group in by_length.values() if len(group) <= _FIND_EACH for v in group]
        many = [
            (n, frozenset(group), re.compile("[" + "".join(sorted({re.escape(v[0]) for v in group})) + "]"))
            for n, group in by_length.items() if len(group) > _FIND_EACH
        ]
        return few, many

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where any value occurs in text (overlaps included)."""
        if not self:
            return []
        few, many = self._index
        out: list[tuple[int, int]] = []
        for v in few:
            out.extend(_occurrences(text, v))
        for n, group, starts in many:
            for m in starts.finditer(text):
                i = m.start()
                if text[i : i + n] in group:
                    out.append((i, i + n))
        return out


_FIND_EACH = 4  # a length shared by at most this many values: str.find each one


def redact_text(text: str, secrets: Iterable[str] = (), whole_tokens: bool = False) -> str:
    """Replace every GitLab token and every occurrence of *secrets* in *text* by its redacted form.

    With *whole_tokens*, a value is redacted only where it is not part of a longer word
    (a password `pass` must not mangle `--password-stdin` in a diff meant for `patch`);
    a value glued to a one-letter flag (`-phunter2`) still counts as whole.
    """
    if not secrets and not may_hold_token(text):  # nothing to find (most messages and notes)
        return text
    spans = [(t.start, t.end) for t in find_gitlab_tokens(text)]
    found = (secrets if isinstance(secrets, SecretSet) else SecretSet(secrets)).spans(text)
    if whole_tokens:
        found = [(a, b) for a, b in found if _whole_token(text, a, b)]
    spans.extend(found)
    if not spans:
        return text
    parts: list[str] = []
    pos = 0
    for start, end in _merge(spans):
        parts.append(text[pos:start])
        parts.append(redact(text[start:end]))
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def _word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _whole_token(text: str, start: int, end: int) -> bool:
    glued_left = start > 0 and _word(text[start - 1]) and _word(text[start])
    if glued_left and not (start >= 2 and text[start - 2] == "-" and (start < 3 or not _word(text[start - 3]))):
        return False
    return not (end < len(text) and _word(text[end]) and _word(text[end - 1]))


def _occurrences(text: str, needle: str) -> Iterator[tuple[int, int]]:
    i = text.find(needle)
    while i >= 0:
        yield i, i + len(needle)
        i = text.find(needle, i + 1)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    # Overlapping secrets are redacted as one, so no tail of either leaks between them.
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def fingerprint(*parts: str) -> str:
    """Stable, secret-free id: sha256 hex of the parts joined with NUL."""
    import hashlib  # only when there are findings (or a cache): ~2 ms of start-up otherwise

    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


# --------------------------------------------------------------------------- placeholders


_PLACEHOLDER_RE = lazy_compile(
    r"PRIVATE_REGISTRY_URL|BASE64_ENCODED_CREDENTIAL"
    r"|<[^<>\s][^<>\n]{0,80}>"  # <token>, <your-proxy>, <aws_account_id>, <...>
    r"|my_username|my_password"
    r"|(?<![\w.-])user(?:name)?:pass(?:word)?(?![\w.-])"  # USER:PASSWORD, user:pass
    r"|change_?me|your[-_ ]?(?:token|password|pass|secret|user(?:name)?|key|registry|auth)"
    r"|\(base64 content from above\)"
    r"|\.\.\.|…"
    r"|redacted|\[masked\]|\*{3,}"
    # base64 of 'my_username:my_password' (GitLab docs) and of 'username:password'
    r"|bXlfdXNlcm5hbWU6bXlfcGFzc3dvcmQ|dXNlcm5hbWU6cGFzc3dvcmQ",
    re.IGNORECASE,
)
# All-x values ('xxxx', 'XXXX-XXXX', a token prefix + x's): >= 3 x's and nothing but separators.
_ALL_X_RE = lazy_compile(
    r"(?:(?:[\w-]{0,20}-)?gl[a-z]{1,5}-|GR1348941)?[-_:.]*x{3,}[xX\-_:.]*",
    re.IGNORECASE,
)
_QUOTES = ("'", '"')


def is_placeholder(value: str) -> bool:
    """True for documentation placeholders left in place (RULES.md AL307, domain M13)."""
    v = _unquote(value.strip())
    return bool(_PLACEHOLDER_RE.search(v) or _ALL_X_RE.fullmatch(v))


def _unquote(v: str) -> str:
    if len(v) >= 2 and v[0] == v[-1] and v[0] in _QUOTES:
        return v[1:-1].strip()
    return v


# --------------------------------------------------------------------------- literal secrets


# `$X`, `${X}`, `${X:-default}` (and any `${…}`), `$$X` (GitLab's escaped `$`: still `$X` in the
# shell), PowerShell `$env:X`, cmd `%X%`.
_VAR_REF_RE = lazy_compile(r"\$+(?:env:\w+|\{[^{}]*\}|\w+|[@*#?$!-])|%\w+%", re.IGNORECASE)


PRINTF_CONVERSION = lazy_compile(r"%[-+ #0-9.]*[sbqd]")  # `printf 'https://u:%s@host'`: a slot, not a password


def looks_like_literal_secret(value: str) -> bool:
    """Whether a value given as a password/token is a committed literal (not a reference/placeholder)."""
    v = _unquote(value.strip())
    if not v or is_placeholder(v) or PRINTF_CONVERSION.fullmatch(v):
        return False
    rest = _VAR_REF_RE.sub("", _strip_command_substitutions(v))
    rest = rest.replace('"', "").replace("'", "").strip()
    if not rest:
        return False
    # `$USER:$PASS`, `${A}/${B}`: only glue left between references.
    return rest == v or any(ch.isalnum() for ch in rest)


def _strip_command_substitutions(v: str) -> str:
    """Remove `$(…)` (balanced) and `` `…` `` spans; what remains is literal text and variables."""
    out: list[str] = []
    i, n = 0, len(v)
    while i < n:
        if v.startswith("$(", i):
            i = _skip_balanced(v, i + 2)
        elif v[i] == "`":
            close = v.find("`", i + 1)
            i = n if close < 0 else close + 1
        else:
            out.append(v[i])
            i += 1
    return "".join(out)


def _skip_balanced(v: str, i: int) -> int:
    depth = 1
    while i < len(v) and depth:
        depth += {"(": 1, ")": -1}.get(v[i], 0)
        i += 1
    return i


# --------------------------------------------------------------------------- credentials in URLs


# Registry and git URLs only: a test database URL (`postgres://u:p@postgres`) is not a registry credential.
_URL_SCHEMES = r"\b(?:https?|git|ssh|git\+ssh|git\+https|docker|oci|registry)://"
_URL_USERINFO = re.compile(_URL_SCHEMES + r"([^\s/:@'\"`]+):([^\s/@'\"`]+)@[A-Za-z0-9.\[\]-]", re.I)
_URL = lazy_compile(_URL_SCHEMES + r"[^\s'\"`<>]+", re.I)
_URL_QUERY_SECRET = lazy_compile(
    r"[?&](?:private[_-]?token|access[_-]?token|job[_-]?token|deploy[_-]?token|auth[_-]?token|token|password|passwd|pwd"
    r"|secret|client[_-]?secret|api[_-]?key|apikey|sig|signature)=([^&#\s'\"`]+)",
    re.I,
)


# How each name of _URL_QUERY_SECRET begins, after its `?` or `&`.
_QUERY_NAME_START = re.compile(r"[?&](?:private|access|job|deploy|auth|token|pass|pwd|secret|client|api|sig)")


def _may_hold_query_secret(line: str) -> bool:
    """Whether _URL_QUERY_SECRET may match in a line.  Lowered, an ASCII line matches its names
    as re.IGNORECASE does; other text may hold a letter only the regex equates with ASCII (`K`)."""
    if not line.isascii():
        return "?" in line or "&" in line
    return _QUERY_NAME_START.search(line.lower()) is not None


@dataclass(frozen=True)
class UrlCredential:
    """A password or token written into a URL."""

    start: int
    end: int
    value: str
    where: str  # 'URL' (user:password@) or 'URL query string' (?private_token=...)


def url_credentials(text: str) -> list[UrlCredential]:
    """Literal passwords in URLs' user-info and literal tokens in their query strings."""
    out: list[UrlCredential] = []
    # Only lines holding `://` can match (no pattern crosses a newline): scanning those alone
    # finds the same matches, ~15x faster on a long pipeline (the editor re-scans on each change).
    at = text.find("://")
    while at != -1:
        start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at)
        end = len(text) if end == -1 else end
        out += _line_url_credentials(text, start, end)
        at = text.find("://", end)
    return out


def _line_url_credentials(text: str, start: int, end: int) -> list[UrlCredential]:
    line = text[start:end]
    # Each scan only where its match can be (a case-insensitive scan costs ~50,000 instructions a line).
    out = [
        UrlCredential(m.start(2), m.end(2), m.group(2), "URL")
        for m in _URL_USERINFO.finditer(text, start, end) if looks_like_literal_secret(m.group(2))
    ] if "@" in line else []
    for url in _URL.finditer(text, start, end) if _may_hold_query_secret(line) else ():
        for q in _URL_QUERY_SECRET.finditer(url.group()):
            if looks_like_literal_secret(q.group(1)):
                at = url.start() + q.start(1)
                out.append(UrlCredential(at, at + len(q.group(1)), q.group(1), "URL query string"))
    return out


# --------------------------------------------------------------------------- allowlist pragma


@lru_cache(maxsize=2)  # compiled on the first pragma seen: 12 patterns, ~3 ms of start-up otherwise
def _allowlist_regexes(nextline: bool) -> list[re.Pattern[str]]:
    # Same construction as detect_secrets.filters.allowlist.get_allowlist_regexes, all comment styles.
    comments = [
        ("#", ""), ("//", ""), (r"/\*", r" *\*/"), ("'", ""), ("--", ""), (r"<!--[# \t]*?", " *?-->")
    ]
    return [
        re.compile(
            r"{}[ \t]*{} *pragma: ?{}{}[ -]secret.*?{}[ \t]*$".format(
                "^" if nextline else "",
                start,
                "allowlist" if nextline else "(allow|white)list",
                "[ -]nextline" if nextline else "",
                end,
            )
        )
        for start, end in comments
    ]


def is_allowlisted(line: str, previous_line: str | None) -> bool:
    """`pragma: allowlist secret` on *line* or `pragma: allowlist nextline secret` on the line before."""
    if "pragma" in line:
        line = line.rstrip()
        if any(r.search(line) for r in _allowlist_regexes(nextline=False)):
            return True
    if previous_line and "pragma" in previous_line:
        prev = previous_line.rstrip()
        return any(r.search(prev) for r in _allowlist_regexes(nextline=True))
    return False


# --------------------------------------------------------------------------- detect-secrets adapter


@dataclass(frozen=True)
class DetectedSecret:
    """A secret detect-secrets found on a line."""

    line: int  # the line number the caller gave for that line
    type: str  # detect-secrets' secret type, e.g. 'Secret Keyword'
    start: int | None  # char offsets of the secret in that line, when it can be located
    end: int | None


# Plugins worth running on CI files. GitLabTokenDetector is left out on purpose: find_gitlab_tokens
# is stricter and covers more prefixes, and its 1.5.0 regexes report only the prefix as the secret.
_WANTED_PLUGINS: tuple[dict[str, Any], ...] = (
    {"name": "KeywordDetector"},
    {"name": "Base64HighEntropyString", "limit": 4.5},
    {"name": "BasicAuthDetector"},
    {"name": "JwtTokenDetector"},
    {"name": "PrivateKeyDetector"},
    {"name": "AWSKeyDetector"},
    {"name": "GitHubTokenDetector"},
    {"name": "SlackDetector"},
    {"name": "StripeDetector"},
    {"name": "NpmDetector"},
    {"name": "ArtifactoryDetector"},
    {"name": "AzureStorageKeyDetector"},
    {"name": "OpenAIDetector"},
)

# A line can only produce a finding with the plugins above if it holds what they key on:
# KeywordDetector's denylist (pass, pwd, secret, contraseña, <api|auth|db|...>_key); BasicAuth's
# `://` + userinfo + `@`; PrivateKey's key headers and PuTTY files; Npm's `_authToken` (so not
# `$DOCKER_AUTH_CONFIG`, which Kaniko jobs write); Slack's
# `xox?-`/webhook; Azure's `AccountKey=`; a vendor token prefix (JWT, AWS, GitHub, Stripe, OpenAI,
# Artifactory); or a quote followed by >= 23 base64 characters (Base64HighEntropyString only looks
# at quoted strings, and entropy > 4.5 needs >= 23 distinct characters). Verified by scanning the
# shared corpus and synthetic secrets with and without this filter (same findings).
# Two regexes: a case-insensitive one run on line.lower() is ~3x faster than (?i:…) here.
# The password-like words (pass, pwd, secret, contraseña) count only where one of KeywordDetector's
# patterns could match: every pattern that starts with the word goes on with non-blank characters,
# optional blanks and one of `:`, `=`, `!`, `(`, or has a `;` later on the line; the only pattern that
# ends with it has `==`/`!=` before it. So `"$CI_REGISTRY_PASSWORD" | docker login --password-stdin`,
# the usual registry login, is not a candidate and does not import detect-secrets (~100 ms).
_KEYWORD = r"(?:pass|pwd|secret|contrase)"
_CANDIDATE_WORDS_RE = re.compile(
    rf"{_KEYWORD}[^\s:=!(]*\s*[:=!(]|{_KEYWORD}.*;|[!=]{{2}}\s*\w*{_KEYWORD}"
    r"|(?:api|auth|service|account|db|database|priv|private|client)_?key"
    r"|private key|putty|_authtoken|xox[abposr]-|hooks\.slack"
)
# Every alternative starts with a literal character: the regex engine then skips to the next
# of those characters in C (a character class first made it try every position: 2.5x slower).
_CANDIDATE_TOKENS_RE = re.compile(
    r"eyJ|A(?:3T[A-Z0-9]|BIA|CCA|KIA|SIA|KC|P[0-9A-F])|gh[pousr]_|rk_live_|sk_live_|T3BlbkFJ"
    r"|\"[0-9A-Za-z+/=]{23}|'[0-9A-Za-z+/=]{23}"
)


@lru_cache(maxsize=8192)  # by line: the editor scans the same lines on every change (a fleet: each project new ones)
def is_scan_candidate(line: str) -> bool:
    """Cheap test: could any configured detect-secrets plugin flag this line?"""
    # "://" and "@": BasicAuth (as a regex this check is quadratic on long lines)
    if ("://" in line and "@" in line) or _CANDIDATE_TOKENS_RE.search(line):
        return True
    low = line.lower()
    return _has_word_hint(low) and _CANDIDATE_WORDS_RE.search(low) is not None


def _has_word_hint(low: str) -> bool:
    """Whether a lowercased line holds a word every pattern of _CANDIDATE_WORDS_RE needs (a few
    substring tests cost a tenth of that regex, and hardly any line passes them)."""
    return ("pass" in low or "pwd" in low or "secret" in low or "contrase" in low or "key" in low or "putty" in low
            or "_authtoken" in low or "xox" in low or "hooks.slack" in low)


def scan_lines(
    lines: Sequence[tuple[int, str]],
    filename_hint: str = ".gitlab-ci.yml",
    *,
    source_lines: Sequence[str] | None = None,
    skip_gitlab_tokens: bool = True,
) -> list[DetectedSecret]:
    """Run a small detect-secrets plugin set over (line number, text) pairs.

    *filename_hint* picks detect-secrets' keyword regexes: keep a `.yml` hint for script lines taken
    from YAML (a `.sh` hint needs quotes and misses `password: x`). *source_lines* (the whole file,
    line 1 first) lets the allowlist pragma be read from the real file lines, e.g. the YAML comment
    above a script item. Secrets overlapping a GitLab token are dropped when *skip_gitlab_tokens*
    (AL104 reports those).
    """
    runs = _candidate_runs(lines, source_lines)
    if not runs:
        return []  # nothing to scan: detect-secrets is never imported
    found: set[DetectedSecret] = set()  # a set: two plugins may report the same span
    for (n, text), secret in _run_detect_secrets(runs, filename_hint):
        d = _locate(n, text, secret.type, secret.secret_value or "")
        if not (skip_gitlab_tokens and _overlaps_gitlab_token(text, d)):
            found.add(d)
    return sorted(found, key=lambda d: (d.line, -1 if d.start is None else d.start, d.type))


def _candidate_runs(
    lines: Sequence[tuple[int, str]], source_lines: Sequence[str] | None
) -> list[list[tuple[int, str]]]:
    """Candidate, non-allowlisted lines grouped in runs of consecutive line numbers."""
    by_number = {n: text for n, text in lines}
    runs: list[list[tuple[int, str]]] = []
    last = None
    for n, text in lines:
        if not is_scan_candidate(text) or _allowlisted_at(n, text, by_number, source_lines):
            continue
        if last is not None and n == last + 1:
            runs[-1].append((n, text))
        else:
            runs.append([(n, text)])
        last = n
    return runs


def _allowlisted_at(
    n: int, text: str, by_number: dict[int, str], source_lines: Sequence[str] | None
) -> bool:
    if source_lines is not None and 1 <= n <= len(source_lines):
        prev = source_lines[n - 2] if n >= 2 else None
        return is_allowlisted(source_lines[n - 1], prev) or is_allowlisted(text, prev)
    return is_allowlisted(text, by_number.get(n - 1))


_DETECT_SECRETS_LOCK = _thread.allocate_lock()  # threading.Lock, without importing threading
_configured: Any = None  # the detect-secrets Settings object configured for authlint


def _run_detect_secrets(
    runs: list[list[tuple[int, str]]], filename_hint: str
) -> list[tuple[tuple[int, str], Any]]:
    """((caller line number, text), PotentialSecret) for every finding."""
    out: list[tuple[tuple[int, str], Any]] = []
    # The lock: detect-secrets' settings and plugin caches are process-global.
    with _DETECT_SECRETS_LOCK:
        process_lines = _detect_secrets()
        global _run_memo_settings
        if len(_RUN_MEMO) > _RUN_MEMO_MAX or _run_memo_settings is not _configured:
            _RUN_MEMO.clear()
            _run_memo_settings = _configured
        for run in runs:
            # detect-secrets indexes its context (previous line for the nextline pragma) by line
            # number, so each run is renumbered from 1; a run's first line then has no previous
            # line, and the real one was already checked by _allowlisted_at.
            key = (filename_hint, *(text for _, text in run))
            found = _RUN_MEMO.get(key)
            if found is None:
                numbered = [(i, text) for i, (_, text) in enumerate(run, 1)]
                found = _RUN_MEMO[key] = list(process_lines(numbered, filename=filename_hint))
            for secret in found:
                out.append((run[secret.line_number - 1], secret))
    return out


# What detect-secrets found in a run of lines, by its text: the editor scans the same lines
# again on every change (~0.5 ms a line).  Bounded; dropped when the settings are configured again.
_RUN_MEMO: dict[tuple[str, ...], list[Any]] = {}
_RUN_MEMO_MAX = 4096
_run_memo_settings: Any = None  # the detect-secrets settings _RUN_MEMO was filled under


def load() -> None:
    """Import and configure detect-secrets now (~0.3 s): before a fork pool, so that its workers
    share one import instead of each paying for it."""
    with _DETECT_SECRETS_LOCK:
        _detect_secrets()


def _detect_secrets() -> Any:
    """detect-secrets' line scanner, imported and configured with _WANTED_PLUGINS once per
    process (configuring clears every plugin and filter cache), again only when someone
    else changed its global settings.  No `filters_used`: that would replace the default
    filters (and drop the allowlist one)."""
    global _configured
    if _configured is None or sys.modules["detect_secrets.settings"].get_settings() is not _configured:
        with _without_requests():
            import detect_secrets.core.scan  # noqa: F401 - imported while `requests` is stood in for
            from detect_secrets.settings import cache_bust, configure_settings_from_baseline, get_filters

            cache_bust()
            settings = configure_settings_from_baseline({"plugins_used": _plugin_config()})
            get_filters()  # imports the filter modules now
            _configured = settings
    from detect_secrets.core.scan import _process_line_based_plugins

    return _process_line_based_plugins


class _RequestsStandIn(types.ModuleType):
    """What detect-secrets' modules see as `requests`: any attribute is a class or a module.
    They use it only to verify secrets online, which authlint never enables."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        value: Any = _RequestsStandIn(f"{self.__name__}.{name}") if name.islower() else type(name, (Exception,), {})
        setattr(self, name, value)
        return value


@contextmanager
def _without_requests() -> Iterator[None]:
    """Import detect-secrets without `requests` (~70 ms): the stand-in is in sys.modules only
    while detect-secrets' modules are imported, so any other importer still gets the real one."""
    if "requests" in sys.modules:
        yield
        return
    stand_in = sys.modules["requests"] = _RequestsStandIn("requests")
    try:
        yield
    finally:
        if sys.modules.get("requests") is stand_in:
            del sys.modules["requests"]


@lru_cache(maxsize=1)
def _plugin_config() -> list[dict[str, Any]]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    available = {cls.__name__ for cls in get_mapping_from_secret_type_to_class().values()}
    return [dict(p) for p in _WANTED_PLUGINS if p["name"] in available]


def _locate(n: int, text: str, type_: str, value: str) -> DetectedSecret:
    i = text.find(value) if value else -1
    if i < 0:
        return DetectedSecret(n, type_, None, None)
    return DetectedSecret(n, type_, i, i + len(value))


def _overlaps_gitlab_token(text: str, d: DetectedSecret) -> bool:
    if d.start is None or d.end is None:
        return False
    return any(t.start < d.end and d.start < t.end for t in find_gitlab_tokens(text))
