"""What a command, or a `{ ...; } > f` group, writes to its standard output.

The text keeps every expansion as its raw text (`$X`), listed in ``opaque`` so
a JSON reader can treat it as one token.  ``to_shell[i]`` is the shell-text
offset of character i where it appears verbatim there (None for an escape, a
separator or a newline the command adds); ``approx[i]`` is where to show it.

Known: `echo` (without -e), `printf` with `%s`/`%%` and the common escapes,
`cat` of a here-document or here-string, `cat FILE` when the caller knows the
file's content, and commands that print nothing (`mkdir`, `set`, tests).
Anything else makes the output unknown (None): say less, not more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from .model import OUT_OPS

if TYPE_CHECKING:
    from .model import Command, Redirect, Script, Word

# Commands that print nothing on stdout when they succeed.
_SILENT = frozenset({
    "mkdir", "set", "export", "unset", "cd", "true", ":", "umask", "chmod", "chown", "local", "readonly", "shopt",
    "[", "[[", "test", "touch", "rm", "sleep",
})
_PRINTF_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'", "r": "\r"}


@dataclass(eq=False)
class Output:
    """Text a command writes, with where each character comes from in the script (see the module doc)."""

    text: str = ""
    opaque: list[tuple[int, int]] = field(default_factory=list)
    to_shell: list[int | None] = field(default_factory=list)
    approx: list[int] = field(default_factory=list)

    def add(self, text: str, to_shell: list[int | None], approx: list[int], opaque: list[tuple[int, int]] = ()) -> None:
        base = len(self.text)
        self.opaque += [(base + a, base + b) for a, b in opaque]
        self.text += text
        self.to_shell += to_shell
        self.approx += approx

    def add_word(self, word: "Word", shell_text: str) -> None:
        template = word.template
        offs = [word.template_offset(i) for i in range(len(template))]
        verbatim = [o if word.exact and o < len(shell_text) and shell_text[o] == ch else None for o, ch in zip(offs, template)]
        self.add(template, verbatim, offs, word.expansion_ranges)

    def add_sep(self, text: str, at: int) -> None:
        self.add(text, [None] * len(text), [at] * len(text))

    def extend(self, other: "Output") -> None:
        self.add(other.text, other.to_shell, other.approx, other.opaque)


Reader = Callable[["Command", "Word"], "Output | None"]  # the known content of a file `cat` reads


def stdout_of(cmd: "Command", script: "Script", read_file: Reader | None = None) -> Output | None:
    """What cmd itself prints (its redirects aside); None when unknown."""
    name = cmd.basename
    if cmd.name is None or name is None:
        return None
    if name in _SILENT:
        values = [w.value for w in cmd.args]
        if name in ("set", "export", "local", "readonly") and (not values or "-p" in values):
            return None  # `set`, `export -p`: every variable
        return None if name == "cd" and "-" in values else Output()
    if name == "echo":
        return _echo(cmd, script.text)
    if name == "printf":
        return _printf(cmd, script.text)
    if name == "cat":
        return _cat(cmd, script.text, read_file)
    return None


def _echo(cmd: "Command", text: str) -> Output | None:
    args = list(cmd.args)
    newline = True
    while args and args[0].value is not None and args[0].value.startswith("-") and set(args[0].value[1:]) <= set("neE") and len(args[0].value) > 1:
        if "e" in args[0].value:
            return None  # backslash escapes interpreted: not read here
        newline = newline and "n" not in args[0].value
        args.pop(0)
    out = Output()
    for k, w in enumerate(args):
        if k:
            out.add_sep(" ", w.start)
        out.add_word(w, text)
    if newline:
        out.add_sep("\n", cmd.end)
    return out


def _printf(cmd: "Command", text: str) -> Output | None:
    args = [w for w in cmd.args]
    if args and args[0].value == "--":
        args.pop(0)
    if not args or args[0].value is None or args[0].value.startswith("-"):
        return None  # a format that is not a literal, `printf -v`
    fmt, values = args[0], args[1:]
    out = Output()
    while True:
        used = _format_once(fmt, values, out, text)
        if used is None:
            return None
        values = values[used:]
        if not values or used == 0:
            return out


def _format_once(fmt: "Word", values: list["Word"], out: Output, text: str) -> int | None:
    f = fmt.value or ""
    used, i = 0, 0
    while i < len(f):
        c, at = f[i], fmt.template_offset(i)
        nxt = f[i + 1] if i + 1 < len(f) else ""
        if c == "\\":
            if nxt not in _PRINTF_ESCAPES:
                return None
            out.add(_PRINTF_ESCAPES[nxt], [None], [at])
            i += 2
        elif c == "%":
            if nxt == "%":
                out.add("%", [None], [at])
            elif nxt == "s":
                if used < len(values):
                    out.add_word(values[used], text)
                used += 1
            else:
                return None  # %d, %b, widths: not read here
            i += 2
        else:
            verbatim = at if fmt.exact and at < len(text) and text[at] == c else None
            out.add(c, [verbatim], [at])
            i += 1
    return min(used, len(values))


def _cat(cmd: "Command", text: str, read_file: Reader | None) -> Output | None:
    files = [w for w in cmd.args if w.value != "-"]
    if any((w.value or "").startswith("-") for w in files):
        return None  # options (-n, -A) change the text
    ins = [r for r in cmd.redirects if r.op in ("<<", "<<-", "<<<", "<")]
    if files:
        if ins or read_file is None:
            return None
        out = Output()
        for w in files:
            part = read_file(cmd, w)
            if part is None:
                return None
            out.extend(part)
        return out
    if len(ins) != 1:
        return None
    r = ins[0]
    out = Output()
    if r.heredoc is not None:
        hd = r.heredoc
        if r.op == "<<-" and "\t" in hd.body:
            return None
        shown = [hd.body_start + i for i in range(len(hd.body))]
        out.add(hd.body, list(shown), shown, [] if hd.quoted else [(p.start - hd.body_start, p.end - hd.body_start) for p in hd.parts if p.kind != "literal"])
        return out
    if r.op == "<<<" and r.target is not None:
        out.add_word(r.target, text)
        out.add_sep("\n", r.target.end)
        return out
    if r.op == "<" and r.target is not None and read_file is not None:
        return read_file(cmd, r.target)
    return None


def shared_redirect(cmd: "Command") -> "Redirect | None":
    """The output redirect cmd inherits from an enclosing `{ }` / `( )` group, if any."""
    return next((r for r in cmd.redirects if r.group and r.op in OUT_OPS and r.fd in (None, 1)), None)


def group_members(cmd: "Command", script: "Script") -> list["Command"]:
    """The commands that share cmd's group output redirect, in order ([] when none)."""
    shared = shared_redirect(cmd)
    if shared is None:
        return []
    return [c for c in script.commands if c.substitution_depth == cmd.substitution_depth and any(r is shared for r in c.redirects)]


def group_output(members: list["Command"], script: "Script", read_file: Reader | None = None) -> Output | None:
    """What a group writes through its shared redirect: its members' stdout, in order.
    None when a member's output is unknown, or runs only sometimes or repeatedly."""
    if not members:
        return None
    shared = shared_redirect(members[0])
    at = shared.start if shared is not None else members[0].start
    out = Output()
    for cmd in members:
        if any(a <= cmd.start < b and not a <= at < b for a, b in script.conditional):
            return None  # an if branch, a loop body, after && / ||: the content varies
        own = [r for r in cmd.redirects if not r.group and r.heredoc is None and r.op not in ("<", "<<<", "<&")]
        if any(r.fd in (None, 1) or r.op in ("&>", "&>>") for r in own):
            continue  # its stdout goes elsewhere
        pipeline = cmd.pipeline or [cmd]
        if cmd.pipeline_index + 1 < len(pipeline):
            continue  # into the next stage
        if len(pipeline) > 1:
            return None  # a filter's output: not read here
        if cmd.in_condition and cmd.basename not in ("[", "[[", "test"):
            return None
        part = stdout_of(cmd, script, read_file)
        if part is None:
            return None
        out.extend(part)
    return out
