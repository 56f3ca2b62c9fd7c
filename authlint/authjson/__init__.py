"""Auth JSON: a positional parser with opaque tokens, `auth` decoding, registry keys."""

from .decode import AuthDecode, decode_auth, encode_auth, repaired_auth
from .keys import DOCKER_HUB, KeyInfo, image_registry, normalize_key
from .parser import JMember, JNode, JsonError, ParseResult, parse, remove_spans, strip_trailing_commas

parse_json = parse

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
