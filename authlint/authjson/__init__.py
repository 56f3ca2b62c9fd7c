"""Auth JSON: a positional parser with opaque tokens, `auth` decoding, registry keys.

The names below are loaded from their submodules on first use: every run imports
`authjson.looks` (does this text hold auth JSON?), and only a run that meets auth JSON needs
the parser, the decoder and the registry keys (~4 ms of start-up).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .decode import AuthDecode, decode_auth, encode_auth, repaired_auth
    from .keys import DOCKER_HUB, KeyInfo, image_registry, normalize_key
    from .parser import JMember, JNode, JsonError, ParseResult, parse, remove_spans, strip_trailing_commas

    parse_json = parse

_SUBMODULE = {
    **dict.fromkeys(("AuthDecode", "decode_auth", "encode_auth", "repaired_auth"), "decode"),
    **dict.fromkeys(("DOCKER_HUB", "KeyInfo", "image_registry", "normalize_key"), "keys"),
    **dict.fromkeys(("JMember", "JNode", "JsonError", "ParseResult", "parse", "remove_spans",
                     "strip_trailing_commas"), "parser"),
}

__all__ = [
    "DOCKER_HUB",
    "AuthDecode",
    "JMember",
    "JNode",
    "JsonError",
    "KeyInfo",
    "ParseResult",
    "decode_auth",
    "encode_auth",
    "image_registry",
    "normalize_key",
    "parse",
    "parse_json",
    "remove_spans",
    "repaired_auth",
    "strip_trailing_commas",
]


def __getattr__(name: str):
    real = "parse" if name == "parse_json" else name
    if real not in _SUBMODULE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{_SUBMODULE[real]}", __name__), real)
    globals()[name] = value
    return value
