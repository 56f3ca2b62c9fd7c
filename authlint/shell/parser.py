"""Build the shell model from tree-sitter-bash's concrete syntax tree.

The tree is walked iteratively (explicit stack), so deeply nested input cannot
exhaust Python's recursion limit; the only recursion is re-parsing
``sh -c '...'`` strings, which is capped at ``MAX_VIA_DEPTH``.  Known
tree-sitter-bash quirks are undone here (see stack.md section 3): trailing
redirects of a list/pipeline go to its last command, a heredoc's ``> file`` and
``| next`` are nested inside the heredoc node, ``$"..."`` and ``a\\<newline>b``
come out as two arguments.
"""

from __future__ import annotations

import bisect
import gc
import re
from _thread import _local as thread_local, allocate_lock  # threading.local and .Lock, without importing threading
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from typing import Any, Callable, NamedTuple

from authlint.lazy import lazy_compile
from authlint.shell import tolerance
from authlint.shell.decode import decode
from authlint.shell.model import (
    LITERAL,
    Assignment,
    Command,
    Heredoc,
    Part,
    Redirect,
    Script,
    Word,
    literal_word,
    parts_word,
)
from authlint.shell.simple import script as _simple_script

MAX_VIA_DEPTH = 3
# Each nesting level repeats the raw text of everything inside it (command,
# word and part ``raw``), so memory grows with depth x length: cap the depth.
MAX_SUBSTITUTION_DEPTH = 50
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "ash", "mksh"})
COMMAND_TYPES = frozenset({"command", "declaration_command", "unset_command", "test_command"})
REDIRECT_TYPES = frozenset({"file_redirect", "heredoc_redirect", "herestring_redirect"})
VAR_NAME_TYPES = frozenset({"variable_name", "special_variable_name"})
QUOTED = frozenset({"double", "heredoc"})  # contexts without word splitting
# Operators that separate commands, as reported in Command.connector.
OPS = {"&&": "&&", "||": "||", ";": ";", "&": "&", "|": "|", "|&": "|"}
LIST_OPS = frozenset({"&&", "||", ";", "&"})
# Tokens after which the next command has no connector (it starts a body).
RESET = frozenset({"then", "do", "else", "elif", "in", ";;", ";&", ";;&", ")", "}"})
_NON_ASCII = r"[\x80-\u07ff]+|[\u0800-\uffff]+|[\U00010000-\U0010ffff]+"  # compiled on first use: ~3 ms
_CONTINUATION = re.compile(r"(?:\\\r?\n)+")
_QUOTE_CHARS = lazy_compile(r"['\"\\]")
_ERROR_QUERY = "(ERROR) @error (MISSING) @missing"
_ASTRAL = lazy_compile(rb"[\xf0-\xf4][\x80-\xbf]{3}")  # a character outside the BMP, in UTF-8


@lru_cache(maxsize=1)
def _language() -> Any:
    """Load the grammar once."""
    import tree_sitter

    return tree_sitter.Language(_bash_binding().language())


def _bash_binding() -> Any:
    """tree_sitter_bash's compiled module, loaded on its own: the package's __init__ imports
    importlib.resources (with tempfile, random, ...: ~10 ms of start-up) for a query file
    authlint never reads.  Falls back to the package on any surprise."""
    import sys

    name = "tree_sitter_bash._binding"
    if name in sys.modules:
        return sys.modules[name]
    try:
        import os
        from importlib.machinery import EXTENSION_SUFFIXES, ExtensionFileLoader
        from importlib.util import find_spec, module_from_spec, spec_from_loader

        spec = find_spec("tree_sitter_bash")  # finds the package without importing it
        for folder in (spec.submodule_search_locations or []) if spec else []:
            for path in (os.path.join(folder, "_binding" + suffix) for suffix in EXTENSION_SUFFIXES):
                if os.path.isfile(path):
                    loader = ExtensionFileLoader(name, path)
                    module = module_from_spec(spec_from_loader(name, loader, origin=path))  # type: ignore[arg-type]
                    loader.exec_module(module)
                    sys.modules[name] = module  # the package, imported later, reuses it
                    return module
    except (ImportError, OSError, ValueError):
        pass
    import tree_sitter_bash

    return tree_sitter_bash


_local = thread_local()


def _parser() -> Any:
    """One Parser per thread: tree-sitter parsers are not thread-safe."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        import tree_sitter

        parser = _local.parser = tree_sitter.Parser(_language())
    return parser


@lru_cache(maxsize=1)
def _stage_query() -> Any:
    import tree_sitter

    return tree_sitter.Query(_language(), "(pipeline (command) @stage)")


def _swallowed_newlines(root: Any, data: bytes) -> list[int]:
    """Byte offsets of line ends tree-sitter read as word separators inside a pipeline stage.

    tree-sitter-bash parses `a | b | c\nd\ne >> f` as one pipeline whose last
    stage is `c d e`, redirected to f; bash ends the pipeline at the newline.
    """
    import tree_sitter

    out = []
    for node in tree_sitter.QueryCursor(_stage_query()).captures(root).get("stage", []):
        kids = node.children
        for a, b in zip(kids, kids[1:]):
            gap = data[a.end_byte : b.start_byte]
            at = gap.find(b"\n")
            if at >= 0 and not gap[:at].rstrip(b"\r").endswith(b"\\"):
                out.append(a.end_byte + at)
    return out


@lru_cache(maxsize=1)
def _error_query() -> Any:
    import tree_sitter

    return tree_sitter.Query(_language(), _ERROR_QUERY)


def _captures(root: Any) -> dict[str, list[Any]]:
    """The ERROR and MISSING nodes under ``root``, by position (as _outermost orders errors) and
    type: the query cursor's order of nodes at one position changes from run to run (the
    zero-width MISSING nodes that close nested constructs), and the model must not."""
    import tree_sitter

    captures = tree_sitter.QueryCursor(_error_query()).captures(root)
    for nodes in captures.values():
        nodes.sort(key=_node_order)
    return captures  # type: ignore[no-any-return]


def _node_order(node: Any) -> tuple[int, int, str]:
    return node.start_byte, -node.end_byte, node.type


class _CharOffsets:
    """UTF-8 byte offset -> str index, via runs of same-width characters.

    ASCII text needs no table; otherwise one entry per run of equally wide
    non-ASCII characters keeps the table small even for 5 MB of CJK text.
    Lone surrogates are encoded with 'surrogatepass' (3 bytes), like here.
    """

    def __init__(self, text: str) -> None:
        self.byte_starts: list[int] = []
        self.runs: list[tuple[int, int, int]] = []  # (char_start, byte_end, width)
        extra = 0
        for m in re.finditer(_NON_ASCII, text) if not text.isascii() else ():
            width = len(m.group()[0].encode("utf-8", "surrogatepass"))
            size = m.end() - m.start()
            self.byte_starts.append(m.start() + extra)
            self.runs.append((m.start(), m.start() + extra + size * width, width))
            extra += size * (width - 1)

    def __call__(self, byte: int) -> int:
        i = bisect.bisect_right(self.byte_starts, byte) - 1
        if i < 0:
            return byte
        char_start, byte_end, width = self.runs[i]
        byte_start = self.byte_starts[i]
        if byte < byte_end:
            return char_start + (byte - byte_start) // width
        return char_start + (byte_end - byte_start) // width + (byte - byte_end)


class _Ctx(NamedTuple):
    """What a node inherits from its ancestors."""

    depth: int = 0
    function: str | None = None
    condition: bool = False
    negated: bool = False
    connector: str | None = None
    pipe: list[Command] | None = None
    joins: bool = False  # the next pipeline continues ``pipe`` (`cat <<EOF | a | b`)
    redirects: tuple[Redirect, ...] = ()  # from an enclosing redirected group


_TOP = _Ctx()


@dataclass(eq=False)
class _Sink:
    """What a walk of the syntax tree collects."""

    commands: list[Command] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    errors: list[tuple[int, int, str]] = field(default_factory=list)
    broken: list[tuple[int, int]] = field(default_factory=list)  # syntax errors of the script itself
    runtime: list[tuple[int, int, str]] = field(default_factory=list)


# Scripts already parsed, by text: the same script lines reach the parser from several jobs
# (anchors, extends, !reference), again when a joined script is split, and from the next
# projects of a fleet made from the same templates.  Bounded by the characters held; Scripts
# are plain data that nobody mutates (what is derived from a command is derived from it
# alone), so sharing them is safe.  A held character costs ~100 bytes of model.
_MEMO: OrderedDict[str, Script] = OrderedDict()
_MEMO_CHARS = 250_000
_memo_size = 0
_memo_lock = allocate_lock()
# Evicted scripts, for release(): a pipeline's commands list each other (a cycle), so an
# evicted script would wait for a full collection (in a fleet, which freezes what each project
# leaves, for the end of the run).  Bounded like the memo (the oldest are left to the
# collector): a run without release() (the editor) holds no more than that.
_EVICTED: deque[Script] = deque()
_evicted_size = 0


def release() -> None:
    """Between the projects of a fleet, when no model of the last project is in use: free the
    scripts evicted from the memo by refcounting, their pipelines' cycles broken."""
    global _evicted_size
    with _memo_lock:
        evicted = list(_EVICTED)
        _EVICTED.clear()
        _evicted_size = 0
    for script in evicted:
        for cmd in script.commands:
            cmd.pipeline = []


def parse(text: str) -> Script:
    """Parse shell ``text`` into a flat ``Script`` model; never raises on bad input."""
    global _memo_size, _evicted_size
    with _memo_lock:
        hit = _MEMO.get(text)
        if hit is not None:
            _MEMO.move_to_end(text)
            return hit
    script = _parse(text)
    if len(text) <= _MEMO_CHARS // 4:
        with _memo_lock:
            if text not in _MEMO:
                _MEMO[text] = script
                _memo_size += len(text)
            while _memo_size > _MEMO_CHARS:
                old, evicted = _MEMO.popitem(last=False)
                _memo_size -= len(old)
                _EVICTED.append(evicted)
                _evicted_size += len(old)
            while _evicted_size > _MEMO_CHARS:
                _evicted_size -= len(_EVICTED.popleft().text)
    return script


def _parse(text: str) -> Script:
    simple = _simple_script(text, _runs_shell_string)
    if simple is not None:
        return simple  # lines of simple commands, none running a shell string the builder would follow
    # The model is hundreds of thousands of small objects for a big script;
    # letting the cyclic GC rescan them while they are built doubles the time.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    sink = _Sink()
    builder = _Builder(text, sink)
    try:
        builder.run(_TOP)
    finally:
        if gc_was_enabled:
            gc.enable()
    sink.commands.sort(key=_START)
    sink.assignments.sort(key=_START)
    commands = _clean(sink.commands, sink.broken) if sink.broken else sink.commands
    isolated, conditional = _regions(builder.root, builder._span, builder.masked.text)
    errors = _outermost(sink.errors) if sink.errors else []
    return Script(text, commands, sink.assignments, errors, sorted(sink.runtime), isolated, conditional)


_START = attrgetter("start")


def _runs_shell_string(cmd: Command) -> bool:
    """`sh -c '...'`, `ssh host '...'`: a string the builder parses and follows as a script."""
    return _may_run_shell(cmd.raw) and _shell_string(cmd.argv) is not None


_REGION_KINDS = frozenset(
    ("subshell", "command_substitution", "process_substitution", "function_definition", "pipeline", "if_statement")
    + ("case_item", "while_statement", "until_statement", "for_statement", "c_style_for_statement", "list")
)


def _may_nest(text: str, start: int, end: int) -> bool:
    """A simple command holds a region node only inside `$(…)`, `<(…)`, `(…)` or backticks."""
    return text.find("(", start, end) >= 0 or text.find("`", start, end) >= 0


# Every region node of an error-free tree holds one of these tokens (`&&`/`||`: `&` or `|`).
_REGION_TOKENS = ("(", "`", "|", "&", "if", "case", "while", "until", "for", "select", "function")


def _may_hold_region(text: str) -> bool:
    for token in _REGION_TOKENS:  # str.find per token: a regex alternation costs 10x
        if token in text:
            return True
    return False


def _regions(root: Any, span: Any, text: str) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
    """(isolated, conditional) ranges of a script: see ``Script``; ``text`` is what ``root`` was
    parsed from (its words' children are not read when they cannot hold a region)."""
    if not root.has_error and not _may_hold_region(text):  # many short scripts: no walk
        return (), ()
    isolated: list[tuple[int, int]] = []
    conditional: list[tuple[int, int]] = []
    nests = _may_nest(text, 0, len(text))  # else no command does: not asked for each
    stack = [root]
    while stack:
        node = stack.pop()
        kind = node.type
        if kind not in _REGION_KINDS:  # most nodes (words, operators): one set lookup
            if kind != "command" or node.has_error or (nests and _may_nest(text, *span(node))):
                stack.extend(node.children)
            continue
        if kind in ("subshell", "command_substitution", "process_substitution"):
            isolated.append(span(node))
        elif kind == "function_definition":
            body = node.child_by_field_name("body")
            if body is not None:
                isolated.append(span(body))
        elif kind == "pipeline":
            isolated.extend(span(child) for child in node.named_children)
        elif kind == "if_statement":
            then = next((child for child in node.children if child.type == "then"), None)
            if then is not None:
                conditional.append((span(then)[1], span(node)[1]))
        elif kind == "case_item":
            conditional.append(span(node))
        elif kind in ("while_statement", "until_statement", "for_statement", "c_style_for_statement"):
            body = node.child_by_field_name("body")
            if body is not None:
                conditional.append(span(body))
        elif kind == "list":
            conditional.extend((span(child)[1], span(node)[1]) for child in node.children if child.type in ("&&", "||"))
        stack.extend(node.children)
    return tuple(sorted(isolated)), tuple(conditional)


def _clean(commands: list[Command], broken: list[tuple[int, int]]) -> list[Command]:
    """Commands that parsed cleanly: none of the script's syntax errors lies inside them."""
    broken.sort()
    starts = [s for s, _ in broken]
    kept = []
    for c in commands:
        i = bisect.bisect_left(starts, c.start)
        j = bisect.bisect_right(starts, c.end)
        if not any(e <= c.end for _, e in broken[i:j]):
            kept.append(c)
    return kept


def _outermost(errors: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Sorted errors without those nested in an earlier reported span; of errors with the same
    span, the first found (not the first in a set's order, which changes with the hash seed)."""
    result: list[tuple[int, int, str]] = []
    for err in sorted(dict.fromkeys(errors), key=lambda e: (e[0], -e[1])):
        if result and result[-1][0] <= err[0] and err[1] <= result[-1][1] and err[1] > err[0]:
            continue
        result.append(err)
    return result


class _Builder:
    """Walks one parsed text (the script, or a re-parsed `sh -c` string)."""

    def __init__(
        self,
        text: str,
        sink: _Sink,
        via: str | None = None,
        via_depth: int = 0,
        span: tuple[int, int, bool] = (0, 0, True),
        skip: list[tuple[int, int]] | None = None,
    ) -> None:
        self.text = text
        self.sink = sink
        self.via = via
        self.via_depth = via_depth
        # Output offset = base + char offset when exact, else (s0, s1) = the whole outer string.
        self.base, self.s1, self.exact = span
        self.skip = skip or []
        ascii_text = text.isascii()
        self.char = _same if ascii_text else _CharOffsets(text)
        # Plain functions, not bound methods: a builder that refers to itself is cyclic garbage.
        self._span = _byte_span if ascii_text else _char_span(self.char)
        self._out = _pair if self.exact and self.base == 0 else _mapped(self.base, self.s1, self.exact)
        self.pending: dict[int, list[Any]] = {}
        self.nameless: set[int] = set()

    # ---------------------------------------------------------------- driver

    def run(self, ctx: _Ctx) -> None:
        self.masked = tolerance.mask(self.text)
        root = self.root = self._tolerant_tree()
        self.lengths: set[int] = set()
        self._walk(root, ctx)
        if root.has_error:
            self._collect_errors(root)
        for start, end in self.masked.bad_lengths:
            if start in self.lengths:  # expanded, not quoted or commented
                self.sink.runtime.append((*self._out(start, end), tolerance.BAD_LENGTH_MESSAGE))

    def _tolerant_tree(self) -> Any:
        """The tree of the masked text, re-read where a compound command ends before `fi`/`done`."""
        for attempt in range(4):
            data = self.masked.text.encode("utf-8", "surrogatepass")
            if not self.masked.text.isascii():  # tree-sitter-bash can crash on some 4-byte characters
                data = _ASTRAL.sub(b"____", data)  # same length: every offset holds
            self.tree = _parser().parse(data)  # the nodes need their tree alive
            root = self.tree.root_node
            swallowed = _swallowed_newlines(root, data) if attempt < 3 and self.masked.text.count("|") >= 2 else []
            if swallowed:  # a `;` there, same length: the pipeline ends where bash ends it
                chars = list(self.masked.text)
                for b in swallowed:
                    chars[self.char(b)] = ";"
                self.masked.text = "".join(chars)
                continue
            if not root.has_error or attempt == 3:
                break
            captures = _captures(root)
            spots = [(self.char(n.start_byte), self.char(n.end_byte), False) for n in captures.get("error", [])]
            spots += [(self.char(n.start_byte), self.char(n.end_byte), True) for n in captures.get("missing", [])]
            if not tolerance.repair(self.masked, spots):
                break
        return root

    def _walk(self, root: Any, ctx: _Ctx) -> None:
        stack: list[tuple[Any, _Ctx]] = [(root, ctx)]
        handlers, pending = _HANDLERS, self.pending
        while stack:
            node, ctx = stack.pop()
            pend = pending.pop(node.id, None) if pending else None
            handler = handlers.get(node.type)
            if pend is not None and node.type not in COMMAND_TYPES:
                ctx = self._group_redirects(pend, ctx, stack)
                pend = None
            if handler is None:
                self._push_children(node.children, ctx, stack)
            else:
                handler(self, node, ctx, stack, pend)

    def _push_children(self, children: list[Any], ctx: _Ctx, stack: list[Any]) -> None:
        """Queue named children; each gets the operator that precedes it as connector."""
        items = []
        connector = ctx.connector
        for child in children:
            if child.is_named:
                if child.child_count:
                    items.append((child, ctx if connector == ctx.connector else self._child_ctx(ctx, connector)))
                connector = None
            else:
                kind = child.type
                if kind in OPS:
                    connector = OPS[kind]
                elif kind in RESET:
                    connector = None
        stack.extend(reversed(items))

    @staticmethod
    def _child_ctx(ctx: _Ctx, connector: str | None) -> _Ctx:
        """After `&&`, `;`, ... a new pipeline starts."""
        if connector in LIST_OPS:
            return ctx._replace(connector=connector, pipe=None, joins=False)
        return ctx._replace(connector=connector)

    def _collect_errors(self, root: Any) -> None:
        """ERROR and MISSING nodes, except the missing name of `X=1 >f` (valid bash).

        (Node.parent is avoided: it crashed on a 30,000-deep tree.)
        """
        captures = _captures(root)
        prefix = "in sh -c string: " if self.via else ""
        for node in captures.get("error", []):
            if self._tolerated(node, None):
                continue
            if tolerance.open_heredoc(self.text, self.char(node.start_byte)):
                start, end = self._out(*self._span(node))
                self.sink.runtime.append((start, end, tolerance.OPEN_HEREDOC_MESSAGE))
                continue
            snippet = self.text[self.char(node.start_byte) : self.char(node.end_byte)][:30]
            self._error(node, f"{prefix}syntax error near {snippet!r}")
        for node in captures.get("missing", []):
            if node.start_byte not in self.nameless and not self._tolerated(node, node.type):
                self._error(node, f"{prefix}missing {node.type!r}")

    def _tolerated(self, node: Any, missing: str | None) -> bool:
        return tolerance.tolerated(self.text, self.char(node.start_byte), self.char(node.end_byte), missing, self.masked)

    def _error(self, node: Any, message: str) -> None:
        self._error_at(self.char(node.start_byte), self.char(node.end_byte), message)

    def _error_at(self, cs: int, ce: int, message: str) -> None:
        start, end = self._out(cs, ce)
        self.sink.errors.append((start, end, message))
        if self.via is None:
            self.sink.broken.append((start, end))

    # --------------------------------------------------------------- offsets

    # ------------------------------------------------------ statement nodes

    def _pipeline(self, node: Any, ctx: _Ctx, stack: list[Any], pend: Any) -> None:
        """A pipeline groups its stages; `| b` nested in a heredoc continues the outer one.

        For `cat <<EOF | b | c && d`, tree-sitter nests `| (b | c && d)` in the
        heredoc node: the tail pipeline and then its first inner pipeline join.
        """
        children = node.children
        tail = bool(children) and children[0].type in ("|", "|&")
        if ctx.pipe is not None and (tail or ctx.joins):
            inner = ctx._replace(joins=tail)
        else:
            inner = ctx._replace(pipe=[], joins=False)
        self._push_children(children, inner, stack)

    def _negated(self, node: Any, ctx: _Ctx, stack: list[Any], pend: Any) -> None:
        self._push_children(node.children, ctx._replace(negated=True), stack)

    def _function(self, node: Any, ctx: _Ctx, stack: list[Any], pend: Any) -> None:
        name = node.child_by_field_name("name")
        fname = self.text[slice(*self._span(name))] if name is not None else None
        self._push_children(node.children, ctx._replace(function=fname, negated=False, pipe=None), stack)

    def _conditional(self, node: Any, ctx: _Ctx, stack: list[Any], pend: Any) -> None:
        """if/elif/while/until: everything before `then` / the do-group is the condition."""
        children = node.children
        split = next((i for i, c in enumerate(children) if c.type in ("then", "do_group")), len(children))
        self._push_children(children[split:], ctx._replace(connector=None), stack)
        self._push_children(children[:split], ctx._replace(condition=True), stack)

    def _substitution(self, node: Any, ctx: _Ctx, stack: list[Any], pend: Any) -> None:
        if ctx.depth >= MAX_SUBSTITUTION_DEPTH:
            start, end = self._out(*self._span(node))
            self.sink.errors.append((start, end, f"command substitutions nested deeper than {ctx.depth} ignored"))
            return
        inner = _Ctx(ctx.depth + 1, ctx.function, ctx.condition)
        self._push_children(node.children, inner, stack)

    def _redirected(self, node: Any, ctx: _Ctx, stack: list[Any], pend: Any) -> None:
        """Hand the redirects to the command bash applies them to (last of a list/pipeline)."""
        body, redirects, others = None, [], []
        for i, child in enumerate(node.children):
            fname = node.field_name_for_child(i)
            if fname == "body":
                body = child
            elif fname == "redirect":
                redirects.append(child)
            elif child.is_named:
                others.append(child)
        self._push_children(others, ctx, stack)
        if body is None:  # a bare `> file`
            cs, ce = self._span(node)
            self._add_command(cs, ce, None, [], [], redirects, ctx, stack)
            return
        target = _redirect_target(body)
        self.pending[target.id] = redirects + self.pending.get(target.id, [])
        stack.append((body, ctx))

    def _group_redirects(self, nodes: list[Any], ctx: _Ctx, stack: list[Any]) -> _Ctx:
        """Redirects of a { } / ( ) / loop apply to every command inside it."""
        args: list[Any] = []
        redirects = self._redirects(nodes, ctx, stack, None, args)
        self._push_children(args, ctx, stack)  # `{ a; } > f b` is a bash syntax error
        for r in redirects:
            r.group = True
        return ctx._replace(redirects=ctx.redirects + tuple(redirects))

    def _plain_assignment(self, node: Any, ctx: _Ctx, stack: list[Any], pend: Any) -> None:
        self.sink.assignments.append(self._assignment(node, "plain", ctx, stack))

    # -------------------------------------------------------- command nodes

    def _command(self, node: Any, ctx: _Ctx, stack: list[Any], pend: Any) -> None:
        name_node = node.child_by_field_name("name")
        arg_nodes = node.children_by_field_name("argument")
        env: list[Assignment] = []
        redirects: list[Any] = []
        if node.child_count > len(arg_nodes) + 1:  # prefix assignments, redirects, errors
            others = []
            for child in node.children:
                kind = child.type
                if kind == "variable_assignment":
                    env.append(self._assignment(child, "prefix", ctx, stack))
                elif kind in REDIRECT_TYPES:
                    redirects.append(child)
                elif child.is_named and kind != "command_name" and child not in arg_nodes:
                    others.append(child)
            self._push_children(others, ctx, stack)
        name = None
        if name_node is not None and name_node.end_byte == name_node.start_byte and env:
            self.nameless.add(name_node.start_byte)  # `X=1 > f`: tree-sitter says MISSING
        elif name_node is not None and name_node.end_byte > name_node.start_byte:
            if name_node.child_count == 1:  # command_name wraps one word node
                name_node = name_node.children[0]
            name = self._word(name_node, ctx, stack)
            if name.raw in tolerance.STRAY_KEYWORDS:  # tree-sitter reads a misplaced `fi` as a command
                self._error_at(*self._span(name_node), f"syntax error: unexpected {name.raw!r}")
        cs, ce = self._span(node)
        args = self._arguments(arg_nodes, ctx, stack)
        self._add_command(cs, ce, name, args, env, redirects + pend if pend else redirects, ctx, stack)

    def _declaration(self, node: Any, ctx: _Ctx, stack: list[Any], pend: Any) -> None:
        """export/declare/local/readonly/typeset/unset: a command that also assigns."""
        children = node.children
        if not children:
            return
        keyword = children[0]
        kind = keyword.type
        name = self._word(keyword, ctx, stack)
        args: list[Word] = []
        for child in children[1:]:
            if child.type == "variable_assignment":
                assignment = self._assignment(child, kind, ctx, stack)
                self.sink.assignments.append(assignment)
                args.append(self._assignment_word(child, assignment))
            elif child.type in REDIRECT_TYPES:
                pend = [child] + (pend or [])
            elif child.is_named or child.end_byte > child.start_byte:
                word = self._word(child, ctx, stack)
                args.append(word)
                if child.type == "variable_name" and node.type == "declaration_command":
                    self.sink.assignments.append(Assignment(word.raw, None, word.start, word.end, kind))
        cs, ce = self._span(node)
        self._add_command(cs, ce, name, args, [], pend or [], ctx, stack)

    def _test(self, node: Any, ctx: _Ctx, stack: list[Any], pend: Any) -> None:
        """`[ ... ]` / `[[ ... ]]` as a command: name '[' and the operands/operators as args."""
        ctx = ctx._replace(condition=True)
        children = node.children
        if not children:
            return
        name = self._word(children[0], ctx, stack)
        args: list[Word] = []
        todo = list(reversed(children[1:]))
        while todo:
            child = todo.pop()
            if child.type.endswith("_expression") and child.type != "arithmetic_expansion":
                todo.extend(reversed(child.children))
            elif child.end_byte > child.start_byte:
                args.append(self._word(child, ctx, stack))
        cs, ce = self._span(node)
        self._add_command(cs, ce, name, args, [], pend or [], ctx, stack)

    def _add_command(
        self, cs: int, ce: int, name: Word | None, args: list[Word], env: list[Assignment],
        redirect_nodes: list[Any], ctx: _Ctx, stack: list[Any],
    ) -> None:  # fmt: skip
        """Build and register a command, attach its redirects, and follow `sh -c` strings."""
        keep = not (self.skip and any(s <= cs < e for s, e in self.skip))
        pipe = ctx.pipe if ctx.pipe is not None and keep else []
        start, end = (cs, ce) if self._out is _pair else self._out(cs, ce)
        cmd = Command(  # positional: half the cost of keywords
            start, end, self.text[cs:ce], name, args, env, list(ctx.redirects), pipe, len(pipe), ctx.connector,
            ctx.negated, ctx.depth, ctx.function, ctx.condition, self.via, self.exact,
        )  # fmt: skip
        if keep:
            pipe.append(cmd)
            self.sink.commands.append(cmd)
        extra: list[Any] = []
        if redirect_nodes:
            own = self._redirects(redirect_nodes, ctx, stack, cmd, extra)
            if extra:
                cmd.args.extend(self._arguments(extra, ctx, stack))
            self._extend_over_redirects(cmd, own)
            cmd.redirects[:0] = own
        # Without words from redirect nodes, argv lies in the command's own text (raw).
        if keep and self.via_depth < MAX_VIA_DEPTH and (extra or _may_run_shell(cmd.raw)):
            self._follow_shell_string(cmd, ctx)

    def _extend_over_redirects(self, cmd: Command, redirects: list[Redirect]) -> None:
        """`echo x > f`: the span includes trailing redirects (not heredoc bodies)."""
        ends = [r.end for r in redirects if r.heredoc is None] + [w.end for w in cmd.args[-1:]]
        end = max(ends, default=cmd.end)
        if self.exact and end > cmd.end:
            cmd.end = end
            cmd.raw = self.text[cmd.start - self.base : end - self.base]

    # --------------------------------------------------------------- sh -c

    def _follow_shell_string(self, cmd: Command, ctx: _Ctx) -> None:
        found = _shell_string(cmd.argv)
        if found is None:
            return
        shell, word = found
        template = word.template
        inner = word.raw
        if word.quoting in ("single", "double") and len(inner) >= 2 and inner[0] == inner[-1]:
            inner, offset = inner[1:-1], 1
        else:
            offset = 0
        exact = word.exact and inner == template
        span = (word.start + offset, word.end, True) if exact else (word.start, word.end, False)
        child = _Builder(template, self.sink, f"{shell} -c", self.via_depth + 1, span, word.expansion_ranges)
        child.run(_Ctx(ctx.depth, ctx.function, ctx.condition))

    def _substitution_text(self, cs: int, ce: int, ctx: _Ctx) -> None:
        """`$((cmd) | x)`, masked for tree-sitter: its commands, read on their own."""
        if ctx.depth >= MAX_SUBSTITUTION_DEPTH:
            return
        span = (self.base + cs, self.s1, True) if self.exact else (self.base, self.s1, False)
        child = _Builder(self.text[cs:ce], self.sink, self.via, self.via_depth, span)
        child.run(_Ctx(ctx.depth + 1, ctx.function, ctx.condition))

    # ---------------------------------------------------------- assignments

    def _assignment(self, node: Any, kind: str, ctx: _Ctx, stack: list[Any]) -> Assignment:
        name, value, array, append = "", None, None, False
        op_end = node.end_byte
        for i, child in enumerate(node.children):
            fname = node.field_name_for_child(i)
            if fname == "name":
                name_node = child.child_by_field_name("name") if child.type == "subscript" else child
                name = self.text[slice(*self._span(name_node or child))]
            elif fname == "value":
                if child.type == "array":
                    array = [self._word(c, ctx, stack) for c in child.named_children if c.type != "comment"]
                else:
                    value = self._word(child, ctx, stack)
            elif child.type in ("=", "+="):
                append = child.type == "+="
                op_end = child.end_byte
        if value is None and array is None:  # `X=`: the empty string
            cs = self.char(op_end)
            value = self._make_word(cs, cs, [])
        start, end = self._out(*self._span(node))
        return Assignment(name, value, start, end, kind, append, array)

    def _assignment_word(self, node: Any, assignment: Assignment) -> Word:
        """The argv word `X=value` of export/local/...: a literal `X=` plus the value parts."""
        cs, ce = self._span(node)
        value = assignment.value
        split = self.char(node.end_byte)
        for child in node.children:
            if child.type in ("=", "+="):
                split = self.char(child.end_byte)
        parts: list[Part] = []
        self._literal(cs, split, "none", parts)
        if value is not None:
            parts.extend(value.parts)
        elif split < ce:
            parts.append(self._part("other_expansion", split, ce, "none"))
        return self._make_word(cs, ce, parts)

    # -------------------------------------------------------------- redirects

    def _redirects(
        self, nodes: list[Any], ctx: _Ctx, stack: list[Any], owner: Command | None, args: list[Any]
    ) -> list[Redirect]:
        """Build redirects; words tree-sitter put after a redirect target go to ``args``."""
        result: list[Redirect] = []
        todo = list(reversed(nodes))
        while todo:
            node = todo.pop()
            if node.type == "heredoc_redirect":
                result.append(self._heredoc(node, ctx, stack, owner, todo))
            elif node.type in ("file_redirect", "herestring_redirect"):
                result.append(self._file_redirect(node, ctx, stack, args))
            else:
                stack.append((node, ctx))
        return result

    def _file_redirect(self, node: Any, ctx: _Ctx, stack: list[Any], args: list[Any]) -> Redirect:
        """`2> f`, `>&1`, `<<< word`.  In `echo > f a b`, a and b are echo's arguments."""
        fd, op, target, others = None, None, None, []
        end = node.end_byte
        for i, child in enumerate(node.children):
            fname = node.field_name_for_child(i)
            if fname == "descriptor":
                text = self.text[slice(*self._span(child))]
                fd = int(text) if text.isdigit() else None
            elif not child.is_named:
                op = op or child.type
            elif target is None and child.type != "ERROR":
                target = self._word(child, ctx, stack)
                end = child.end_byte
            elif child.type != "ERROR":
                args.append(child)
            else:
                others.append(child)
        self._push_children(others, ctx, stack)
        start, end = self._out(self.char(node.start_byte), self.char(end))
        return Redirect(start, end, fd, op or "", target)

    def _heredoc(self, node: Any, ctx: _Ctx, stack: list[Any], owner: Command | None, todo: list[Any]) -> Redirect:
        """`<<EOF`: body parts, plus the `> file` / `| cmd` / `&& cmd` nested in the node."""
        op, delimiter, quoted, body, tails, nested = "<<", "", False, None, [], []
        connector = None
        for child in node.children:
            kind = child.type
            if kind in ("<<", "<<-"):
                op = kind
            elif kind == "heredoc_start":
                raw = self.text[slice(*self._span(child))]
                delimiter, quoted = _QUOTE_CHARS.sub("", raw), bool(_QUOTE_CHARS.search(raw))
            elif kind == "heredoc_body":
                body = child
            elif kind in ("file_redirect", "herestring_redirect"):
                nested.append(child)
            elif kind in OPS:
                connector = OPS[kind]
            elif child.is_named and kind != "heredoc_end":
                tails.append((child, connector))
                connector = None
        todo.extend(reversed(nested))
        for tail, conn in reversed(tails):
            pipe = owner.pipeline if owner is not None and tail.type == "pipeline" else None
            stack.append((tail, _Ctx(ctx.depth, ctx.function, ctx.condition, False, conn, pipe, pipe is not None)))
        parts: list[Part] = []
        if body is not None:
            bs, be = self._span(body)
            for child in body.named_children:
                if child.type != "heredoc_content":
                    self._parts(child, child.type, *self._span(child), "heredoc", parts, ctx, stack, 0)
        else:
            bs = be = self.char(node.end_byte)
        start, end = self._out(*self._span(node))
        body_start, body_end = self._out(bs, be)
        heredoc = Heredoc(delimiter, quoted, op == "<<-", body_start, body_end, self.text[bs:be], parts)
        return Redirect(start, end, None, op, None, heredoc)

    # ------------------------------------------------------------------ words

    def _arguments(self, nodes: list[Any], ctx: _Ctx, stack: list[Any]) -> list[Word]:
        """Words of the argument nodes, re-joining what tree-sitter split.

        `a\\<newline>b` is one word in bash and `$"..."` is one (translated)
        string; tree-sitter returns two argument nodes for each.
        """
        words: list[Word] = []
        first = prev_end = 0
        text, span = self.text, self._span
        plain = self._out is _pair and span is _byte_span  # offsets are the node's bytes
        for node in nodes:
            if plain and node.type == "word":  # inlined fast path of _word: most arguments
                cs, ce = node.start_byte, node.end_byte
                raw = text[cs:ce]
                value = decode(raw, "none") if "\\" in raw else raw
                word = literal_word(cs, ce, raw, value, True)
            else:
                cs, ce = span(node)
                word = self._word(node, ctx, stack, cs, ce)
            # a gap that does not start with `\` is a separator: no regex needed
            if words and (cs == prev_end or (text.startswith("\\", prev_end) and _joined(text, prev_end, cs))):
                last = words.pop()
                parts = [] if last.raw == "$" and word.quoting == "double" else last.parts
                word = self._make_word(first, ce, _dollar_name(parts, word.parts))
            else:
                first = cs
            words.append(word)
            prev_end = ce
        return words

    def _word(self, node: Any, ctx: _Ctx, stack: list[Any], cs: int = -1, ce: int = -1) -> Word:
        if cs < 0:
            cs, ce = self._span(node)
        kind = node.type
        if kind == "word" or kind == "number":  # fast path: a plain unquoted word
            start, end = (cs, ce) if self._out is _pair else self._out(cs, ce)
            raw = self.text[cs:ce]
            value = decode(raw, "none") if "\\" in raw else raw
            return literal_word(start, end, raw, value, self.exact)
        parts: list[Part] = []
        if kind == "string":  # "...": the next most common word
            self._string_parts(node, cs, ce, parts, ctx, stack, 0)
        else:
            self._parts(node, kind, cs, ce, "none", parts, ctx, stack, 0)
        return self._make_word(cs, ce, parts)

    def _make_word(self, cs: int, ce: int, parts: list[Part]) -> Word:
        start, end = (cs, ce) if self._out is _pair else self._out(cs, ce)
        return parts_word(start, end, self.text[cs:ce], parts, self.exact)

    def _part(self, kind: str, cs: int, ce: int, quote: str, var: str | None = None, simple: bool = False) -> Part:
        start, end = self._out(cs, ce)
        return Part(kind, start, end, self.text[cs:ce], None, var, quote in QUOTED, quote, simple)

    def _literal(self, cs: int, ce: int, quote: str, parts: list[Part]) -> None:
        start, end = (cs, ce) if self._out is _pair else self._out(cs, ce)
        raw = self.text[cs:ce]
        value = decode(raw, quote) if "\\" in raw else raw
        parts.append(Part(LITERAL, start, end, raw, value, None, quote in QUOTED, quote))

    def _parts(
        self, node: Any, kind: str, cs: int, ce: int, quote: str,
        parts: list[Part], ctx: _Ctx, stack: list[Any], depth: int,
    ) -> None:  # fmt: skip
        """Append the parts of word ``node`` spanning [cs, ce) (recursion bounded by ``depth``)."""
        if kind == "simple_expansion":
            parts.append(self._part("variable", cs, ce, quote, self.text[cs + 1 : ce], True))
        elif kind == "string" or kind == "translated_string":
            self._string_parts(node, cs, ce, parts, ctx, stack, depth)
        elif kind == "raw_string":
            self._quoted_literal(cs, ce, 1, "single", parts)
        elif kind == "command_substitution":
            parts.append(self._part("command_substitution", cs, ce, quote))
            if self.masked.substitutions.get(cs) == ce:
                self._substitution_text(cs + 2, ce - 1, ctx)
            else:
                stack.append((node, ctx))
        elif kind == "expansion":
            self.lengths.add(cs)
            var, simple = _expansion_var(node, self.text, self.char)
            parts.append(self._part("variable" if var else "other_expansion", cs, ce, quote, var, simple))
            if not simple:
                stack.append((node, ctx))  # `${X:-$(cmd)}`: find the commands inside
        elif kind == "arithmetic_expansion":
            parts.append(self._part("arithmetic", cs, ce, quote))
            stack.append((node, ctx))
        elif kind == "ansi_c_string":
            self._quoted_literal(cs, ce, 2, "ansi_c", parts)
        elif node.child_count == 0:
            self._literal(cs, ce, quote, parts)
        elif (kind == "concatenation" or kind == "command_name") and depth < 20:
            self._sequence_parts(node.children, cs, ce, quote, parts, ctx, stack, depth)
        else:  # process substitution, brace expression, ERROR, ...
            parts.append(self._part("other_expansion", cs, ce, quote))
            stack.append((node, ctx))

    def _quoted_literal(self, cs: int, ce: int, opener: int, quote: str, parts: list[Part]) -> None:
        """'...' or $'...': the text between the quotes (tolerating a missing closer)."""
        inner_end = ce - 1 if ce - cs > opener and self.text[ce - 1] == "'" else ce
        self._literal(min(cs + opener, inner_end), inner_end, quote, parts)

    def _string_parts(
        self, node: Any, cs: int, ce: int, parts: list[Part], ctx: _Ctx, stack: list[Any], depth: int
    ) -> None:
        """"...": expansions are parts, the text between them is literal."""
        text = self.text
        inner_start = min(cs + 1 if text.startswith('"', cs) else cs + 2, ce)  # "..." or $"..."
        inner_end = ce - 1 if ce - 1 >= inner_start and text[ce - 1] == '"' else ce
        inner = []  # a loop, not a comprehension: that is a call
        for child in node.named_children:
            if child.type != "string_content":
                inner.append(child)
        before = len(parts)
        if inner and depth < 20:
            self._sequence_parts(inner, inner_start, inner_end, "double", parts, ctx, stack, depth)
        if len(parts) == before:
            self._literal(inner_start, inner_end, "double", parts)

    def _sequence_parts(
        self, children: list[Any], cs: int, ce: int, quote: str,
        parts: list[Part], ctx: _Ctx, stack: list[Any], depth: int,
    ) -> None:  # fmt: skip
        """Children in order, with the text between them as literals of ``quote``."""
        pos = cs
        span, literal = self._span, self._literal
        for child in children:
            start, end = span(child)
            if start < pos or end > ce:
                continue
            if start > pos:
                literal(pos, start, quote, parts)
            kind = child.type
            if kind == "simple_expansion":  # inlined: the most common part by far
                o_start, o_end = (start, end) if self._out is _pair else self._out(start, end)
                raw = self.text[start:end]
                parts.append(Part("variable", o_start, o_end, raw, None, raw[1:], quote in QUOTED, quote, True))
            else:
                self._parts(child, kind, start, end, quote, parts, ctx, stack, depth + 1)
            pos = end
        if pos < ce:
            literal(pos, ce, quote, parts)


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _dollar_name(left: list[Part], right: list[Part]) -> list[Part]:
    """Join split word parts; tree-sitter splits `\\"$R` into `…\\"$` + `R…`: rebuild `$R`."""
    if not left or not right:
        return left + right
    p, q = left[-1], right[0]
    m = _NAME.match(q.raw) if q.kind == LITERAL and q.quote == "none" else None
    if m is None or p.kind != LITERAL or p.quote != "none" or not p.raw.endswith("$"):
        return left + right
    before = p.raw[:-1]
    if (len(before) - len(before.rstrip("\\"))) % 2:
        return left + right  # `\\$R` is a literal dollar
    name = m.group()
    head = Part(LITERAL, p.start, p.end - 1, p.raw[:-1], (p.value or "$")[:-1], None, False, "none")
    var = Part("variable", p.end - 1, q.start + len(name), "$" + name, None, name, False, "none", True)
    tail = Part(LITERAL, q.start + len(name), q.end, q.raw[len(name):], (q.value or "")[len(name):], None, False, "none")
    return left[:-1] + [x for x in (head, var, tail) if x.raw] + right[1:]


# Node type -> its _Builder method (unbound: a dict of bound methods would make every
# builder, with its syntax tree, cyclic garbage that only the collector frees).
_HANDLERS = {
    "command": _Builder._command,
    "declaration_command": _Builder._declaration,
    "unset_command": _Builder._declaration,
    "test_command": _Builder._test,
    "redirected_statement": _Builder._redirected,
    "pipeline": _Builder._pipeline,
    "negated_command": _Builder._negated,
    "function_definition": _Builder._function,
    "if_statement": _Builder._conditional,
    "elif_clause": _Builder._conditional,
    "while_statement": _Builder._conditional,
    "command_substitution": _Builder._substitution,
    "process_substitution": _Builder._substitution,
    "variable_assignment": _Builder._plain_assignment,
}


def _same(offset: int) -> int:
    return offset


def _pair(start: int, end: int) -> tuple[int, int]:
    return start, end


# Char span of a node in ASCII text, where bytes are characters (an attrgetter: no Python frame).
_byte_span = attrgetter("start_byte", "end_byte")


def _char_span(char: _CharOffsets) -> Callable[[Any], tuple[int, int]]:
    """Char span of a node in text with non-ASCII characters."""
    return lambda node: (char(node.start_byte), char(node.end_byte))


def _mapped(base: int, s1: int, exact: bool) -> Callable[[int, int], tuple[int, int]]:
    """A char span of a re-parsed string mapped to the caller's text (inexact: the whole string)."""
    if exact:
        return lambda cs, ce: (base + cs, base + ce)
    return lambda cs, ce: (base, s1)


def _expansion_var(node: Any, text: str, char: Any) -> tuple[str | None, bool]:
    """Variable name of `${...}` and whether it is the plain `${X}` form."""
    children = node.children
    for child in children:
        target = child
        if child.type == "subscript":
            target = child.child_by_field_name("name") or child
        if target.type in VAR_NAME_TYPES:
            simple = len(children) == 3 and children[1].type in VAR_NAME_TYPES
            return text[char(target.start_byte) : char(target.end_byte)], simple
    return None, False


def _redirect_target(body: Any) -> Any:
    """The node a redirected_statement's redirects apply to in bash."""
    node = body
    for _ in range(10_000):
        if node.type in ("list", "pipeline", "negated_command"):
            kids = [c for c in node.named_children if c.type != "comment"]
            if not kids:
                break
            node = kids[-1]
        elif node.type == "redirected_statement":
            inner = node.child_by_field_name("body")
            if inner is None:
                break
            node = inner
        else:
            break
    return node


def _joined(text: str, end: int, start: int) -> bool:
    """Adjacent argument nodes that bash reads as one word."""
    if start == end:
        return True
    m = _CONTINUATION.fullmatch(text, end, start)
    return m is not None


def _may_run_shell(raw: str) -> bool:
    """Whether a word of a command with text ``raw`` can have a literal value ending in "sh" (the
    shells and ssh).  Without a backslash, a literal value is its text less quotes and the `$`
    of `$'...'`: "sh" must then be in the text once those are deleted."""
    if "sh" in raw or "\\" in raw:
        return True
    if "'" not in raw and '"' not in raw:
        return False
    return "sh" in raw.replace("'", "").replace('"', "").replace("$", "")


def _shell_string(argv: list[Word]) -> tuple[str, Word] | None:
    """(shell, command-string word) for `sh -c STRING` anywhere in argv, or the one
    remote command word of `ssh [options] host "STRING"` (the remote shell runs it)."""
    if argv and (argv[0].value or "").rsplit("/", 1)[-1] == "ssh":
        rest = _ssh_command(argv[1:])
        if rest is not None:
            return "ssh", rest
    for i, word in enumerate(argv):
        value = word.value
        if value is not None and value.endswith("sh") and value.rsplit("/", 1)[-1] in SHELLS:
            string = _dash_c_operand(argv[i + 1 :])
            if string is not None:
                return word.value.rsplit("/", 1)[-1], string
    return None


_SSH_VALUE_OPTIONS = frozenset("BbcDEeFIiJLlmOopQRSWw")


def _ssh_command(args: list[Word]) -> Word | None:
    """The remote command of `ssh` when it is one word after the destination."""
    skip, operands = False, []
    for word in args:
        value = word.value
        if skip:
            skip = False
            continue
        if not operands and value is not None and value.startswith("-") and len(value) > 1:
            skip = len(value) == 2 and value[1] in _SSH_VALUE_OPTIONS
            continue
        operands.append(word)
    return operands[1] if len(operands) == 2 else None


def _dash_c_operand(args: list[Word]) -> Word | None:
    """The command string after -c (also -ec, -lc, -o pipefail -c, ...)."""
    saw_c = skip_next = False
    for word in args:
        value = word.value
        if skip_next:
            skip_next = False
            continue
        if value is None or (saw_c and not value.startswith(("-", "+"))):
            return word if saw_c else None
        if value.startswith("--"):  # `--` or a long option such as --login
            continue
        if value[:1] in ("-", "+") and len(value) > 1:
            saw_c = saw_c or "c" in value[1:]
            skip_next = value[1:].endswith("o")
            continue
        return None
    return None
