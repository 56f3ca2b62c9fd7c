"""Decoding `auth` exactly as docker/cli and the runner do (domain.md §1.3, §2.2).

docker's ``decodeAuth``: ``base64.StdEncoding.DecodeString`` (standard
alphabet, padding required, ``\\r``/``\\n`` skipped anywhere), split at the
first ``:``, no colon or an empty user name -> ``invalid auth configuration
file``, only NUL bytes trimmed from the password; an empty ``auth`` means "no
credentials" rather than an error.

Non-UTF-8 decoded bytes: Go keeps raw bytes and docker accepts them, so
``decode_auth`` does too: user and password are decoded with
``surrogateescape`` (``encode_auth`` re-encodes them byte for byte), ``ok``
stays True and ``error_kind`` is ``'not_utf8'`` as a note for the rules.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

_STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_DECODE = [0xFF] * 256
for _i, _c in enumerate(_STD):
    _DECODE[ord(_c)] = _i
_ALPHABET = frozenset(_STD)
_NL = (0x0A, 0x0D)
_PAD = 0x3D
INVALID_AUTH = "invalid auth configuration file"


@dataclass
class AuthDecode:
    ok: bool
    user: str | None = None
    password: str | None = None
    error: str | None = None  # Go's wording: "illegal base64 data at input byte N", "invalid auth configuration file"
    error_kind: str | None = None  # not_base64 | no_colon | empty_user | empty | not_utf8 (a note: ok stays True)
    lenient: bytes | None = None  # bytes a forgiving decoder reads, when strict decoding fails
    trailing_newline: bool = False  # the password ends in \n or \r
    error_index: int | None = None  # not_base64: character index in value of Go's byte N
    line_breaks: bool = False  # the value holds \n/\r, which Go skips (works, but not canonical)


def go_std_decode(value: str) -> tuple[bytes | None, int | None]:
    """(bytes, None) or (None, N) like Go's ``base64.StdEncoding.DecodeString``; N is a byte index."""
    src = value.encode("utf-8", "surrogateescape")
    out = bytearray()
    si, n = 0, len(src)
    while si < n:
        si, chunk, err = _decode_quantum(src, si)
        out += chunk
        if err is not None:
            return None, err
    return bytes(out), None


def _decode_quantum(src: bytes, si: int) -> tuple[int, bytes, int | None]:
    """Port of Go's ``(*Encoding).decodeQuantum`` for StdEncoding: (next si, bytes, error index)."""
    n = len(src)
    dbuf = [0, 0, 0, 0]
    dlen, j, err = 4, 0, None
    while j < 4:
        if si == n:
            if j == 0:
                return si, b"", None  # only line breaks were left
            return si, b"", si - j  # missing padding: Go points at the start of the partial quantum
        c = src[si]
        si += 1
        if _DECODE[c] != 0xFF:
            dbuf[j] = _DECODE[c]
            j += 1
            continue
        if c in _NL:
            continue
        if c != _PAD or j < 2:
            return si, b"", si - 1  # a bad character, or '=' too early
        if j == 2:  # '==' expected; the first '=' is consumed
            si = _skip_nl(src, si)
            if si == n:
                return si, b"", n
            if src[si] != _PAD:
                return si, b"", si - 1
            si += 1
        si = _skip_nl(src, si)
        if si < n:
            err = si  # trailing garbage after the padding
        dlen = j
        break
    val = dbuf[0] << 18 | dbuf[1] << 12 | dbuf[2] << 6 | dbuf[3]
    chunk = bytes(((val >> 16) & 0xFF, (val >> 8) & 0xFF, val & 0xFF))[: dlen - 1]
    return si, chunk, err


def _skip_nl(src: bytes, si: int) -> int:
    while si < len(src) and src[si] in _NL:
        si += 1
    return si


def byte_to_char_index(value: str, byte_index: int) -> int:
    """Character index in value of a UTF-8 byte index (Go positions are bytes)."""
    return len(value.encode("utf-8", "surrogateescape")[:byte_index].decode("utf-8", "ignore"))


def lenient_decode(value: str) -> bytes | None:
    """What a forgiving reader makes of value: URL-safe alphabet, missing or extra '=', whitespace."""
    cleaned = "".join(value.split()).replace("-", "+").replace("_", "/").rstrip("=")
    if not cleaned or len(cleaned) % 4 == 1 or not all(c in _ALPHABET for c in cleaned):
        return None
    return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))


def decode_auth(value: str) -> AuthDecode:
    """Decode an ``auth`` value as docker does; see the module docstring."""
    if value == "":
        return AuthDecode(False, error="empty auth: docker reads no credentials from it", error_kind="empty")
    line_breaks = "\n" in value or "\r" in value
    data, bad = go_std_decode(value)
    if data is None:
        assert bad is not None
        return AuthDecode(False, error=f"illegal base64 data at input byte {bad}", error_kind="not_base64",
                          lenient=lenient_decode(value), error_index=byte_to_char_index(value, bad), line_breaks=line_breaks)
    user_b, colon, password_b = data.partition(b":")
    if not colon:
        return AuthDecode(False, error=INVALID_AUTH, error_kind="no_colon", line_breaks=line_breaks)
    if not user_b:
        return AuthDecode(False, error=INVALID_AUTH, error_kind="empty_user", line_breaks=line_breaks)
    password_b = password_b.strip(b"\x00")
    note = None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        note = "not_utf8"
    user = user_b.decode("utf-8", "surrogateescape")
    password = password_b.decode("utf-8", "surrogateescape")
    return AuthDecode(True, user, password, error_kind=note, trailing_newline=password.endswith(("\n", "\r")), line_breaks=line_breaks)


def encode_auth(user: str, password: str) -> str:
    """Standard padded base64 of ``user:password`` (surrogate-escaped bytes round-trip)."""
    return encode_bytes(f"{user}:{password}".encode("utf-8", "surrogateescape"))


def encode_bytes(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def repaired_auth(value: str) -> str | None:
    """The canonical ``auth`` a fix can write for value, or None when there is nothing safe to write.

    Lenient bytes are re-encoded (AL303); a trailing ``\\r``/``\\n`` is trimmed
    from the password (AL305); line breaks Go skips are dropped.  The result
    must still decode to a valid ``user:password``.
    """
    d = decode_auth(value)
    if not d.ok and d.lenient is None:
        return None
    if d.ok:
        raw = go_std_decode(value)[0] or b""
    else:
        raw = d.lenient or b""
    user_b, colon, password_b = raw.partition(b":")
    if not colon or not user_b:
        return None
    fixed = encode_bytes(user_b + b":" + password_b.strip(b"\x00").rstrip(b"\r\n"))
    return None if fixed == value else fixed
