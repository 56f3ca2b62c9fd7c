"""Decoding `auth` exactly as docker/cli and the runner do (domain.md §1.3).

Go's ``base64.StdEncoding``: standard alphabet, padding required, ``\\r`` and
``\\n`` skipped anywhere; the decoded bytes split at the first ``:``; an empty
user name or no colon is "invalid auth configuration file"; only NUL bytes
are trimmed from the password.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


@dataclass
class AuthDecode:
    ok: bool
    user: str | None = None
    password: str | None = None
    error: str | None = None
    error_kind: str | None = None  # not_base64 | no_colon | empty_user | not_utf8
    lenient: bytes | None = None  # what a forgiving decoder reads, when strict decoding fails
    trailing_newline: bool = False


def go_std_decode(value: str) -> tuple[bytes | None, int | None]:
    """(bytes, None) or (None, index of the first bad input byte), like Go's StdEncoding."""
    data = value.encode("utf-8", "surrogateescape")
    quantum: list[int] = []  # indexes (in data) of the current quantum's characters
    out = bytearray()
    i = 0
    n = len(data)
    while i < n:
        c = data[i]
        if c in (0x0A, 0x0D):
            i += 1
            continue
        ch = chr(c)
        if ch == "=":
            # Padding: allowed as the 3rd/4th char of the last quantum only.
            if len(quantum) < 2:
                return None, i
            need = 4 - len(quantum)  # 2 -> '==', 3 -> '='
            j, seen = i, 0
            while j < n and seen < need:
                if data[j] in (0x0A, 0x0D):
                    j += 1
                    continue
                if chr(data[j]) != "=":
                    return None, j
                seen += 1
                j += 1
            if seen < need:
                return None, n
            while j < n and data[j] in (0x0A, 0x0D):
                j += 1
            if j < n:
                return None, j
            out += _decode_quantum(data, quantum, pad=True)
            return bytes(out), None
        if ch not in _ALPHABET:
            return None, i
        quantum.append(i)
        if len(quantum) == 4:
            out += _decode_quantum(data, quantum, pad=False)
            quantum = []
        i += 1
    if quantum:
        return None, n  # missing padding: Go reports the input length
    return bytes(out), None


def _decode_quantum(data: bytes, idx: list[int], pad: bool) -> bytes:
    chunk = bytes(data[k] for k in idx)
    chunk += b"=" * (4 - len(chunk))
    return base64.b64decode(chunk)


def lenient_decode(value: str) -> bytes | None:
    """What a forgiving reader makes of value: URL-safe alphabet, missing padding, spaces."""
    cleaned = "".join(value.split()).replace("-", "+").replace("_", "/").rstrip("=")
    if not cleaned or any(c not in _ALPHABET for c in cleaned) or len(cleaned) % 4 == 1:
        return None
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        return None


def decode_auth(value: str) -> AuthDecode:
    data, bad = go_std_decode(value)
    if data is None:
        return AuthDecode(False, error=f"illegal base64 data at input byte {bad}", error_kind="not_base64", lenient=lenient_decode(value))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", "surrogateescape")
        kind: str | None = "not_utf8"
    else:
        kind = None
    if ":" not in text:
        return AuthDecode(False, error="invalid auth configuration file (no ':' between user and password)", error_kind="no_colon")
    user, password = text.split(":", 1)
    if not user:
        return AuthDecode(False, error="invalid auth configuration file (empty user name)", error_kind="empty_user")
    password = password.strip("\x00")
    return AuthDecode(True, user, password, error_kind=kind, trailing_newline=password.endswith(("\n", "\r")))


def encode_auth(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode("utf-8", "surrogateescape")).decode("ascii")
