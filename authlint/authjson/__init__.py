"""Auth JSON: a positional parser with opaque tokens, `auth` decoding, key checks."""

from .parser import JMember, JNode, JsonError, ParseResult, parse, strip_trailing_commas

parse_json = parse

__all__ = ["JMember", "JNode", "JsonError", "ParseResult", "parse", "parse_json", "strip_trailing_commas"]
