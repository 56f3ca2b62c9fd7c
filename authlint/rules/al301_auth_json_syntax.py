"""
## What it does
Finds auth JSON that does not parse: a trailing comma, single quotes,
comments, a raw line break inside a string (wrapped base64), a UTF-8
byte-order mark, a second JSON value after the first (`>>` appends), a
truncated document.  It checks every auth JSON authlint sees: literal YAML
values (`DOCKER_AUTH_CONFIG: '{...}'`), `echo`/`printf` arguments and heredoc
bodies in scripts (shell expansions count as opaque string content), and
committed `config.json` / `auth.json` / `*.dockerconfigjson` / `.dockercfg`
files.  The message is Go's own (`invalid character '}' looking for beginning
of object key string`), the error docker, the runner and Kaniko print, and the
position is the offending character in the file.

## Why is this bad?
The runner, the docker CLI and Kaniko all read the file with Go's
`encoding/json`: any syntax error drops the *whole* document, so no registry
gets credentials.  Before runner 18.11 this happened silently; the only
symptom is a later `access forbidden` or `no basic auth credentials`.  A
second value after the first is ignored by docker and the runner and rejected
by the docker CLI's `DOCKER_AUTH_CONFIG` store.

## Example
```json
{
  "auths": {
    "registry.example.com": {"auth": "$REGISTRY_AUTH"},
  }
}
```

## Use instead
```json
{
  "auths": {
    "registry.example.com": {"auth": "$REGISTRY_AUTH"}
  }
}
```

## Fix safety
Removing trailing commas and a leading byte-order mark is safe: it changes
nothing a lenient reader would see and makes the document valid for every
strict one.  The fix is offered only when the first error is one of these
two, and it removes every trailing comma and the BOM at once.  Other errors
(quotes, comments, broken strings) have no automatic fix: the intended text
is not certain.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import PurePosixPath
from typing import Iterator

from ..diagnostics import Applicability, Edit, Fix, Severity
from ..units import AuthDoc, make_fix
from .base import FIX_SAFE, Example, Hit, Rule

RULE = Rule(
    code="AL301",
    name="auth-json-syntax",
    severity=Severity.ERROR,
    summary="auth JSON that does not parse",
    fix=FIX_SAFE,
)


# ------------------------------------------------------------------ helpers shared by the AL3xx rules
_AUTH_KEYS = re.compile(r'"(?:auths|credsStore|credHelpers)"\s*:', re.I)
_PRINTF_SPEC = re.compile(r"%[-+ #0]*[0-9*]*(?:\.[0-9*]+)?[sbdiouxXcfeEgGq]")
# A value filled in by something authlint does not see: `$VAR`, `${VAR}`, `$(cmd)`,
# GitLab `$[[ inputs.x ]]`, Helm/Jinja/envsubst-style `{{ ... }}`, `%s` in a printf format.
_TEMPLATED = re.compile(r"\$(?:[A-Za-z_{(]|\[\[)|\{\{|%s|@@\w")
DQ_SPECIAL = '"\\$`'


def looks_like_auth(doc: AuthDoc) -> bool:
    """Whether a document is docker/containers auth JSON, not some other JSON that got here.

    The engine only hands over YAML values and script text that mention
    `auths`/`credsStore`/`credHelpers` (or are assigned to DOCKER_AUTH_CONFIG);
    a file given by name (pre-commit passes every `config.json`) must say so itself.
    """
    if doc.origin != "file":
        return True
    name = PurePosixPath(doc.source.path).name
    return name == ".dockercfg" or name.endswith(".dockerconfigjson") or bool(_AUTH_KEYS.search(doc.text))


def script_word(doc: AuthDoc):
    """The shell word an `echo`/`printf` auth document comes from, or None."""
    ref = doc.command
    fallback = getattr(doc.tmap, "fallback", None)
    if doc.origin != "shell" or ref is None or fallback is None:
        return None
    return next((w for w in ref.cmd.args if w.start == fallback), None)


def is_printf_format(doc: AuthDoc) -> bool:
    ref = doc.command
    if ref is None or doc.origin != "shell" or ref.cmd.basename != "printf":
        return False
    word = script_word(doc)
    args = [w for w in ref.cmd.args if not (w.value or "").startswith("-") or w.value == "-"]
    return word is not None and bool(args) and args[0] is word


def effective(doc: AuthDoc) -> AuthDoc:
    """The document as the JSON reader will see it.

    A `printf` format is not the output: `%s` specifiers are filled in
    (treated as opaque) and backslash escapes between tokens become line
    breaks (blanked here, offsets kept).
    """
    cached = doc.__dict__.get("_al3_effective")
    if cached is not None:
        return cached
    out = doc
    if is_printf_format(doc) and ("%" in doc.text or "\\" in doc.text):
        from ..authjson import parse_json

        text = _blank_escapes(doc.text)
        extra = [(m.start(), m.end()) for m in _PRINTF_SPEC.finditer(text)]
        opaque = sorted(set(doc.opaque) | set(extra))
        out = replace(doc, text=text, opaque=opaque, result=parse_json(text, opaque))
    doc.__dict__["_al3_effective"] = out
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


def jedit(doc: AuthDoc, start: int, end: int, content: str, live: list[tuple[int, int]] | None = None) -> Edit | None:
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


def jfix(doc: AuthDoc, title: str, changes: list[tuple[int, int, str]], applicability: Applicability = Applicability.SAFE) -> Fix:
    """A fix from (start, end, content) changes in doc.text; shown only when one cannot be made exactly."""
    return make_fix(title, [jedit(doc, a, b, c) for a, b, c in changes], applicability, doc.tmap)


# ------------------------------------------------------------------ the rule
_HINTS = {
    "trailing_comma": "a trailing comma",
    "single_quotes": "JSON strings and keys need double quotes",
    "comment": "JSON has no comments",
    "raw_newline": "a line break inside a string (base64 output wrapped at 76 columns?)",
    "control_char": "a control character inside a string",
    "bom": "a byte-order mark before the JSON (PowerShell `>` or `Out-File`)",
    "extra_value": "a second JSON value after the first: docker and the runner read only the first, the docker CLI's DOCKER_AUTH_CONFIG store rejects it",
    "too_deep": "nesting far deeper than any auth file",
}


def check_auth(doc: AuthDoc, options) -> Iterator[Hit]:
    doc = effective(doc)
    if doc.result.ok or not looks_like_auth(doc):
        return
    err = doc.result.errors[0]
    if err.kind == "empty":
        return  # docker reads an empty config as "no config"
    start, end = err.start, err.end
    message = err.message
    if err.kind == "unterminated":
        where = err.opened if err.opened is not None else _last_token(doc.text)
        start, end = where, min(where + 1, len(doc.text))
        what = {"{": "object", "[": "array", '"': "string"}.get(doc.text[where : where + 1], "value")
        message += f": the {what} opened here is never closed"
    elif err.kind in _HINTS:
        message += f" ({_HINTS[err.kind]})"
    if end <= start:
        end = min(start + 1, len(doc.text))
    yield doc.hit(start, end, f"auth JSON does not parse: {message}", fix=_fix(doc, err.kind), key=f"syntax:{err.kind}")


def _last_token(text: str) -> int:
    stripped = text.rstrip()
    return max(0, len(stripped) - 1)


def _fix(doc: AuthDoc, kind: str) -> Fix | None:
    if kind not in ("trailing_comma", "bom"):
        return None
    from ..authjson import parse_json, remove_spans, strip_trailing_commas

    spans = strip_trailing_commas(doc.text, doc.opaque)
    if doc.text.startswith("\ufeff"):
        spans = [(0, 1)] + [s for s in spans if s[0] >= 1]
    if not spans:
        return None
    repaired = remove_spans(doc.text, spans)
    opaque = [(_shift(a, spans), _shift(b, spans)) for a, b in doc.opaque]
    after = parse_json(repaired, opaque)
    if after.errors and after.errors[0].kind in ("trailing_comma", "bom"):
        return None  # something this fix does not understand
    title = "remove the trailing comma" if len(spans) == 1 and kind == "trailing_comma" else (
        "remove the byte-order mark" if all(s == (0, 1) for s in spans) else "remove the trailing commas and the byte-order mark"
        if doc.text.startswith("\ufeff") else "remove the trailing commas")
    return jfix(doc, title, [(a, b, "") for a, b in spans])


def _shift(offset: int, removed: list[tuple[int, int]]) -> int:
    return offset - sum(min(b, offset) - a for a, b in removed if a < offset)


_K = "/kaniko/.docker/config.json"

VALID = [
    Example('{\n  "auths": {\n    "registry.example.com": {"auth": "ZGVwbG95OnMzY3IzdA=="}\n  }\n}\n', kind="json"),
    Example('echo "{\\"auths\\":{\\"$CI_REGISTRY\\":{\\"auth\\":\\"$(printf \'%s:%s\' "$CI_REGISTRY_USER" "$CI_REGISTRY_PASSWORD" | base64 | tr -d \'\\n\')\\"}}}" > ' + _K + "\n"),
    # a printf format: %s is filled in, the trailing \n is printf's
    Example("printf '{\"auths\":{\"%s\":{\"auth\":\"%s\"}}}\\n' \"$CI_REGISTRY\" \"$AUTH\" > " + _K + "\n"),
    # spliced members are fine
    Example('echo "{\\"auths\\": {$ENTRIES}}" > ' + _K + "\n"),
    # some other application's JSON with comments is not an auth file
    Example('{\n  // editor settings\n  "tabSize": 2,\n}\n', kind="json"),
    Example(
        "variables:\n  DOCKER_AUTH_CONFIG: '{\"auths\": {\"$CI_REGISTRY\": {\"auth\": \"$REGISTRY_AUTH\"}}}'\n"
        "build:\n  script: [make]\n",
        kind="yaml",
    ),
]

INVALID = [
    # single quotes are not JSON (found inside `$(...)`, reported once, at the quote)
    Example(
        "echo DOCKER_AUTH_CONFIG=$(echo \"{⟦'⟧auths': {'${CI_REGISTRY}': {'auth': '${AUTH}'}}}\") > auth.env\n",
        count=1,
    ),
    Example(
        '{\n  "auths": {\n    "registry.example.com": {"auth": "$REGISTRY_AUTH"},\n  ⟦}⟧\n}\n',
        kind="json",
        fixed='{\n  "auths": {\n    "registry.example.com": {"auth": "$REGISTRY_AUTH"}\n  }\n}\n',
    ),
    Example(
        "echo '{\"auths\": {\"$CI_REGISTRY\": {\"auth\": \"'\"$AUTH\"'\",⟦}⟧}}' > " + _K + "\n",
        fixed="echo '{\"auths\": {\"$CI_REGISTRY\": {\"auth\": \"'\"$AUTH\"'\"}}}' > " + _K + "\n",
    ),
    Example("echo \"{\\\"auths\\\": {⟦'⟧registry.example.com': {}}}\" > " + _K + "\n"),
    # base64 wrapped at 76 columns: a raw line break in the string
    Example(
        "build:\n  script:\n    - |\n      cat > " + _K + " <<EOF\n      {\"auths\": {\"$CI_REGISTRY\": {\"auth\": \"$AUTH1⟦\n⟧      $AUTH2\"}}}\n      EOF\n",
        kind="yaml",
    ),
    Example(
        "variables:\n  DOCKER_AUTH_CONFIG: '{\"auths\": {\"$CI_REGISTRY\": {\"auth\": \"$REGISTRY_AUTH\"}}}⟦{\"auths\": {}}⟧'\nbuild:\n  script: [make]\n",
        kind="yaml",
    ),
    Example('⟦{⟧"auths": {"registry.example.com": {"auth": "$REGISTRY_AUTH"}}\n', kind="json"),
    # a byte-order mark from PowerShell
    Example('⟦\ufeff⟧{"auths": {"registry.example.com": {"auth": "$REGISTRY_AUTH"},}}\n', kind="json",
            fixed='{"auths": {"registry.example.com": {"auth": "$REGISTRY_AUTH"}}}\n'),
]
