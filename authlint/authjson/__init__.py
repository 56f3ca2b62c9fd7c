"""Auth JSON: a positional parser with opaque tokens, `auth` decoding, registry keys.

The names below are loaded from their submodules on first use: every run imports
`authjson.looks` (does this text hold auth JSON?), and only a run that meets auth JSON needs
the parser, the decoder and the registry keys (~4 ms of start-up).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import exports

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
    "parse_json": "parser:parse",
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


__getattr__ = exports(__name__, _SUBMODULE)
