"""The fast YAML composer: PyYAML's libyaml binding with ruamel's YAML 1.2 tags.

ruamel.yaml stays the reference (model.py falls back to it); this composer
gives the same nodes 16x faster on the files that matter: the libyaml inside
ruamel.yaml.clib is too old for ``services: [docker:27-dind]``, PyYAML's is
not.  PyYAML resolves plain scalars by YAML 1.1 rules (``on`` and ``yes`` are
booleans, ``012`` is octal); GitLab and ruamel read YAML 1.2, whose rules are
copied below from ruamel.yaml's resolver (in its order: the first rule that
matches wins).  tests/test_yaml_differential.py compares the two composers
node by node on the corpus and on generated files.

``compose_all`` raises ``Rejected`` for whatever it does not handle the way
ruamel does: libyaml's errors (duplicate anchors, which GitLab allows; NEL, LS
and PS line breaks in some places), ``%YAML`` directives (ruamel switches to
that version's rules), and a PyYAML built without libyaml.
"""

from __future__ import annotations

import re
import _thread  # not threading: its import costs start-up (test_startup)
from functools import lru_cache
from typing import Any, Callable

NULL, BOOL, INT, FLOAT, STR = (f"tag:yaml.org,2002:{t}" for t in ("null", "bool", "int", "float", "str"))
MERGE, TIMESTAMP, VALUE = (f"tag:yaml.org,2002:{t}" for t in ("merge", "timestamp", "value"))

# (tag, pattern, first characters) for YAML 1.2, as in ruamel/yaml/resolver.py.
_RULES_1_2 = (
    (BOOL, r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (FLOAT, r"""^(?:
         [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""", "-+0123456789."),
    (INT, r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0o?[0-7_]+
        |[-+]?[0-9_]+
        |[-+]?0x[0-9a-fA-F_]+)$""", "-+0123456789"),
    (MERGE, r"^(?:<<)$", "<"),
    (NULL, r"^(?: ~ |null|Null|NULL | )$", ["~", "n", "N", ""]),
    (TIMESTAMP, r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
        |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
        (?:[Tt]|[ \t]+)[0-9][0-9]?
        :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
        (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""", "0123456789"),
    (VALUE, r"^(?:=)$", "="),
)
_DIRECTIVE = re.compile(r"^%YAML", re.MULTILINE)


class Rejected(Exception):
    """libyaml did not compose the text as ruamel would: use the reference parser."""


def _by_first_char() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    table: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for tag, pattern, first in _RULES_1_2:
        rx = re.compile(pattern, re.X)
        for ch in first:
            table.setdefault(ch, []).append((tag, rx))
    return table


_loader_class: Any = None


def _loader() -> Any:
    """The loader class, built on first use (importing PyYAML costs ~15 ms)."""
    global _loader_class
    if _loader_class is None:
        CParser = _c_parser()
        from yaml.nodes import MappingNode, ScalarNode, SequenceNode

        defaults = {ScalarNode: STR, SequenceNode: "tag:yaml.org,2002:seq",
                    MappingNode: "tag:yaml.org,2002:map"}

        class Loader(CParser):
            """libyaml's parser and composer; tags resolved by YAML 1.2 rules."""

            def resolve(self, kind: Any, value: str, implicit: tuple[bool, bool]) -> str:
                if kind is ScalarNode and implicit[0]:
                    return plain_tag(value) if value[:1] in RULE_STARTS else STR
                return defaults[kind]

            def descend_resolver(self, parent: Any, index: Any) -> None:
                pass  # no path resolvers

            def ascend_resolver(self) -> None:
                pass

        _loader_class = Loader
    return _loader_class


_PLAIN_TAGS: dict[str, str] = {}  # a plain scalar's tag depends on its value alone
_rules: dict[str, list[tuple[str, re.Pattern[str]]]] | None = None
# What a plain scalar that some rule may match starts with (value[:1]); any other is a string.
RULE_STARTS = frozenset(ch for _, _, first in _RULES_1_2 for ch in first)


def plain_tag(value: str) -> str:
    """The YAML 1.2 tag of a plain scalar (memoised; callers may first test value[:1] in
    RULE_STARTS: the tag of any other is STR)."""
    tag = _PLAIN_TAGS.get(value)
    if tag is not None:
        return tag
    global _rules
    if _rules is None:
        _rules = _by_first_char()
    tag = STR
    for rule_tag, rx in _rules.get(value[:1], ()):
        if rx.match(value):
            tag = rule_tag
            break
    if len(_PLAIN_TAGS) > 4096:  # bounded: a run sees many distinct values
        _PLAIN_TAGS.clear()
    _PLAIN_TAGS[value] = tag
    return tag


# The first item of an event tuple (see tuple_events): what the other items are.
SCALAR = 0  # (SCALAR, value, YAML 1.2 tag, start, end, style character, anchor)
SEQUENCE = 1  # (SEQUENCE, tag or None, start, flow, anchor)
MAPPING = 2  # (MAPPING, tag or None, start, flow, anchor)
END = 3  # (END, end): a sequence's or a mapping's
ALIAS = 4  # (ALIAS, anchor, start)
DOCUMENT_END = 5  # (DOCUMENT_END,)
STREAM_END = 6  # (STREAM_END,): the last event
OTHER = 7  # (OTHER,): the stream's and each document's start


def _scalar_event(anchor: str | None, tag: str | None, implicit: tuple[bool, bool], value: str, start: Any,
                  end: Any, style: str) -> tuple[Any, ...]:
    if tag is None or tag == "!":  # a plain scalar's tag is its YAML 1.2 type; a quoted one is a string
        tag = plain_tag(value) if implicit[0] and value[:1] in RULE_STARTS else STR
    return SCALAR, value, tag, start.index, end.index, style, anchor


def _event_builders() -> dict[str, Callable[..., tuple[Any, ...]]]:
    """What PyYAML's event class names are bound to within tuple_events()."""
    other, document_end, stream_end = (OTHER,), (DOCUMENT_END,), (STREAM_END,)
    return {
        "ScalarEvent": _scalar_event,
        "SequenceStartEvent": lambda anchor, tag, implicit, start, end, flow: (SEQUENCE, tag, start.index, flow, anchor),
        "MappingStartEvent": lambda anchor, tag, implicit, start, end, flow: (MAPPING, tag, start.index, flow, anchor),
        "SequenceEndEvent": lambda start, end: (END, end.index),
        "MappingEndEvent": lambda start, end: (END, end.index),
        "AliasEvent": lambda anchor, start, end: (ALIAS, anchor, start.index),
        "DocumentEndEvent": lambda *_: document_end,
        "StreamEndEvent": lambda *_: stream_end,
        "DocumentStartEvent": lambda *_: other,
        "StreamStartEvent": lambda *_: other,
    }


class _TupleEvents:
    """PyYAML's Cython parser makes each event by calling the class of that name in its module:
    a Python __init__ setting up to seven attributes, a quarter of the parse.  Within
    ``with tuple_events():`` those names are bound to functions making the event tuples above
    (with the marks' offsets only, and a scalar's tag resolved), which every user of
    get_event() here reads; outside it, PyYAML's own classes again, for any other user of
    PyYAML in the process.  PyYAML's own loaders compose in C (get_node) or in Python
    (yaml.events): neither calls them.  Re-entrant, and shared by threads (a count)."""

    def __init__(self, module: Any) -> None:
        builders = _event_builders()
        if not all(hasattr(module, name) for name in builders):  # a PyYAML that names them otherwise
            raise Rejected("PyYAML's parser makes its events otherwise")
        self.names = vars(module)
        self.builders, self.originals = builders, {name: self.names[name] for name in builders}
        self.users = 0
        self.lock = _thread.allocate_lock()

    def __enter__(self) -> None:
        with self.lock:
            if self.users == 0:
                self.names.update(self.builders)
            self.users += 1

    def __exit__(self, *_: object) -> None:
        with self.lock:
            self.users -= 1
            if self.users == 0:
                self.names.update(self.originals)


@lru_cache(maxsize=1)
def tuple_events() -> _TupleEvents:
    """The context in which PyYAML's C parser (parser(), _loader()) gives event tuples."""
    try:
        from yaml import _yaml
    except ImportError:
        raise Rejected("PyYAML was built without libyaml") from None
    return _TupleEvents(_yaml)


def parser(text: str) -> Any:
    """libyaml's event parser on text (within tuple_events(), get_event() gives event tuples
    until STREAM_END; dispose() at the end)."""
    if "%YAML" in text and _DIRECTIVE.search(text):
        raise Rejected("%YAML directive")
    return _c_parser()(text)


@lru_cache(maxsize=1)
def _c_parser() -> Any:
    """PyYAML's CParser (its events are tuples within tuple_events())."""
    try:
        from yaml import _yaml
    except ImportError:
        raise Rejected("PyYAML was built without libyaml") from None
    return _yaml.CParser


@lru_cache(maxsize=1)
def yaml_error() -> type:
    """PyYAML's YAMLError, imported once (a `from yaml import` runs importlib's Python code at each call)."""
    from yaml import YAMLError

    return YAMLError


def compose_all(text: str, depth_check: Callable[[int, int], None] | None = None) -> list[Any]:
    """Every document's root node.  With depth_check, the events are streamed
    first and depth_check(depth, offset) is called at each collection start:
    libyaml's composer recurses in C, so a very deep file must be stopped
    before it is composed."""
    if _DIRECTIVE.search(text):
        raise Rejected("%YAML directive")
    import yaml

    loader = _loader()(text)
    try:
        if depth_check is not None:
            _stream_depth(_loader()(text), depth_check)
        docs = []
        while loader.check_node():
            docs.append(loader.get_node())
        return docs
    except (yaml.YAMLError, UnicodeError) as exc:  # UnicodeEncodeError: a lone surrogate
        raise Rejected(str(exc)) from None
    finally:
        loader.dispose()


def _stream_depth(events: Any, depth_check: Callable[[int, int], None]) -> None:
    depth = 0
    try:
        with tuple_events():
            while events.check_event():
                event = events.get_event()
                if event[0] in (SEQUENCE, MAPPING):
                    depth += 1
                    depth_check(depth, event[2])
                elif event[0] == END:
                    depth -= 1
    finally:
        events.dispose()
