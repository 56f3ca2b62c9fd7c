"""What the auth JSON rules ask of a document: is it auth JSON at all, the text
the JSON reader sees (printf formats filled in), Go's member lookup, literal
values, and exact edits (through shell double quotes when needed)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from ..diagnostics import Applicability, Edit, Fix
from ..lazy import lazy_compile
from ..secrets import is_placeholder
from .looks import looks_like_auth_json
from .view import entries

if TYPE_CHECKING:
    from ..units import AuthDoc

_PRINTF_SPEC = lazy_compile(r"%[-+ #0]*[0-9*]*(?:\.[0-9*]+)?[sbdiouxXcfeEgGq]")
# A value filled in by something authlint does not see: `$VAR`, `${VAR}`, `$(cmd)`,
# GitLab `$[[ inputs.x ]]`, Helm/Jinja/envsubst-style `{{ ... }}`, `%s` in a printf format.
_TEMPLATED = lazy_compile(r"\$(?:[A-Za-z_{(]|\[\[)|\{\{|%s|@@\w")
DQ_SPECIAL = '"\\$`'


def looks_like_auth(doc: "AuthDoc") -> bool:
    """Whether a document is docker/containers auth JSON, not some other JSON that got here.

    The engine only hands over YAML values and script text that mention
    `auths`/`credsStore`/`credHelpers` (or are assigned to DOCKER_AUTH_CONFIG);
    a file given by name (pre-commit passes every `config.json`) must say so itself.
    """
    if doc.origin != "file":
        return True
    name = PurePosixPath(doc.source.path).name
    return name == ".dockercfg" or name.endswith(".dockerconfigjson") or looks_like_auth_json(doc.text)


def script_word(doc: "AuthDoc"):
    """The shell word an `echo`/`printf` auth document comes from, or None."""
    ref = doc.command
    fallback = getattr(doc.tmap, "fallback", None)
    if doc.origin != "shell" or ref is None or fallback is None:
        return None
    return next((w for w in ref.cmd.args if w.start == fallback), None)


def is_printf_format(doc: "AuthDoc") -> bool:
    ref = doc.command
    if ref is None or doc.origin != "shell" or ref.cmd.basename != "printf":
        return False
    word = script_word(doc)
    args = [w for w in ref.cmd.args if not (w.value or "").startswith("-") or w.value == "-"]
    return word is not None and bool(args) and args[0] is word


def effective(doc: "AuthDoc") -> "AuthDoc":
    """The document as the JSON reader will see it.

    A `printf` format is not the output: `%s` specifiers are filled in
    (treated as opaque) and backslash escapes between tokens become line
    breaks (blanked here, offsets kept).
    """
    if "_al3_effective" in doc.__dict__:
        return doc.__dict__["_al3_effective"] or doc
    out = doc
    if is_printf_format(doc) and ("%" in doc.text or "\\" in doc.text):
        from . import parse_json

        text = _blank_escapes(doc.text)
        extra = [(m.start(), m.end()) for m in _PRINTF_SPEC.finditer(text)]
        opaque = sorted(set(doc.opaque) | set(extra))
        out = replace(doc, text=text, opaque=opaque, result=parse_json(text, opaque))
    doc.__dict__["_al3_effective"] = None if out is doc else out  # itself: no cycle for the collector
    return out


def _blank_escapes(text: str) -> str:
    """printf escapes outside JSON strings (`\\n` after the document) as spaces of the same length."""
    chars = list(text)
    in_str, i = False, 0
    while i < len(chars):
        ch = chars[i]
        if in_str:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch == "\\" and i + 1 < len(chars):
            chars[i] = chars[i + 1] = " "
            i += 1
        i += 1
    return "".join(chars)


def templated(value: str) -> bool:
    return bool(_TEMPLATED.search(value))


def literal_string(node) -> str | None:
    """The value of a JSON string written out in full (no expansion, no template), else None."""
    if node is None or node.kind != "string" or node.opaque or not isinstance(node.value, str):
        return None
    return None if templated(node.value) else node.value


def member(obj, name: str):
    """The member Go's decoder uses for field `name`: exact match, else case-insensitive; the last duplicate wins."""
    exact = folded = None
    for m in (obj.members or []) if obj is not None and obj.kind == "object" else []:
        if m.key.kind != "string" or m.key is m.value:
            continue
        if m.key.value == name:
            exact = m
        elif isinstance(m.key.value, str) and m.key.value.lower() == name.lower():
            folded = m
    return exact or folded


def host_label(entry) -> str:
    key = entry.key
    return key.value if key.kind == "string" and not key.opaque and isinstance(key.value, str) else "a registry"


def _shell_range(script: str, word, start: int, end: int) -> tuple[int, int]:
    s = word.template_offset(start)
    if end <= start:
        return s, s
    e_last = word.template_offset(end - 1)
    return s, e_last + (2 if script[e_last : e_last + 2] == '\\"' else 1)


def in_double_quotes(text: str, a: int, b: int, expansions: list[tuple[int, int]]) -> str:
    """text[a:b] as written inside shell double quotes (expansions kept raw)."""
    out, i = [], a
    for x, y in sorted(expansions):
        if y <= a or x >= b:
            continue
        out.append("".join("\\" + c if c in DQ_SPECIAL else c for c in text[i:max(x, a)]))
        out.append(text[max(x, a):min(y, b)])
        i = min(y, b)
    out.append("".join("\\" + c if c in DQ_SPECIAL else c for c in text[i:b]))
    return "".join(out)


def jedit(doc: "AuthDoc", start: int, end: int, content: str, live: list[tuple[int, int]] | None = None) -> Edit | None:
    """An exact file edit replacing doc.text[start:end], or None.

    Inside a double-quoted shell word the JSON quotes are written `\\"`: the
    edit is then made on the script text, with the new content escaped the same
    way except its ``live`` ranges (an expansion the shell must still run).
    """
    edit = doc.edit(start, end, content)
    if edit is not None:
        return edit
    word = script_word(doc)
    ref = doc.command
    if word is None or ref is None or word.quoting != "double" or not word.exact or not ref.cmd.exact or ref.cmd.via:
        return None
    script = ref.unit.script.text
    s, e = _shell_range(script, word, start, end)
    if script[s:e] != in_double_quotes(doc.text, start, end, word.expansion_ranges):
        return None
    return ref.edit(s, e, in_double_quotes(content, 0, len(content), live or []))


def jfix(doc: "AuthDoc", title: str, changes: list[tuple[int, int, str]], applicability: Applicability = Applicability.SAFE) -> Fix:
    """A fix from (start, end, content) changes in doc.text; shown only when one cannot be made exactly."""
    from ..units import make_fix

    return make_fix(title, [jedit(doc, a, b, c) for a, b, c in changes], applicability, doc.tmap)


def literal_auths(doc: "AuthDoc"):
    """(entry, auth node, value) for every literal, non-placeholder `auth` of `auths`."""
    for entry in entries(doc):
        if not entry.is_object:
            continue
        m = member(entry.value, "auth")
        value = literal_string(m.value) if m is not None else None
        if not value or is_placeholder(value):
            continue
        yield entry, m.value, value
