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

Severity: an **error**: a reader that cannot parse the document drops it whole
(the runner, the whole `DOCKER_AUTH_CONFIG` source), so no registry gets
credentials from it.

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

from typing import Iterator

from ..authjson.doc import effective, jfix, looks_like_auth
from ..diagnostics import Fix, Severity
from ..units import AuthDoc
from .base import FIX_SAFE, Example, Hit, Rule, Triggers

RULE = Rule(
    code="AL301",
    name="auth-json-syntax",
    severity=Severity.ERROR,
    summary="auth JSON that does not parse",
    fix=FIX_SAFE,
)
TRIGGERS = Triggers(document=True)  # reads the document alone


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
    # a group of echoes writes one document: the group's output is judged, not each echo
    Example("{ echo '{'; echo '\"auths\": {\"registry.example.com\": {\"auth\": \"'\"$AUTH\"'\"}}'; echo '}'; } > ~/.docker/config.json\n"),
    # ... whatever prints it: printf, a here-document, a file the job wrote just before
    Example("{\n  printf '{\"auths\": {'\n  cat <<EOF\n\"registry.example.com\": {\"auth\": \"$AUTH\"}\nEOF\n  printf '}}\\n'\n} > ~/.docker/config.json\n"),
    Example("echo '\"r.example.com\": {\"auth\": \"'\"$AUTH\"'\"}' > entry.json\n{ echo '{\"auths\": {'; cat entry.json; echo '}}'; } > ~/.docker/config.json\n"),
    # a here-document that generates a YAML file mentioning "auths" is YAML, not auth JSON
    Example(
        'cat > generated-ci.yml <<EOF\nvariables:\n  DOCKER_AUTH_CONFIG: >-\n    {\n'
        '      "auths": {"$REGISTRY": {"auth": "$AUTH"}}\n    }\nEOF\n'
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
    # a stray quote after the closing brace of a here-document body is a second JSON value
    Example("cat > " + _K + " <<EOF\n{\"auths\": {\"$CI_REGISTRY\": {\"auth\": \"$REGISTRY_AUTH\"}}}⟦\"⟧\nEOF\n"),
    # a byte-order mark from PowerShell
    Example('⟦\ufeff⟧{"auths": {"registry.example.com": {"auth": "$REGISTRY_AUTH"},}}\n', kind="json",
            fixed='{"auths": {"registry.example.com": {"auth": "$REGISTRY_AUTH"}}}\n'),
    Example(
        "{ printf '%s\\n' '{\"auths\": {'; printf '\"%s\": {\"auth\": \"%s\"},\\n' \"$CI_REGISTRY\" \"$AUTH\"; echo '⟦}⟧}'; } > ~/.docker/config.json\n",
        fixed="{ printf '%s\\n' '{\"auths\": {'; printf '\"%s\": {\"auth\": \"%s\"}\\n' \"$CI_REGISTRY\" \"$AUTH\"; echo '}}'; } > ~/.docker/config.json\n",
    ),
    Example(
        "{ echo '{'; echo '\"auths\": {\"registry.example.com\": {\"auth\": \"'\"$AUTH\"'\"},⟦}⟧'; echo '}'; } > ~/.docker/config.json\n",
        fixed="{ echo '{'; echo '\"auths\": {\"registry.example.com\": {\"auth\": \"'\"$AUTH\"'\"}}'; echo '}'; } > ~/.docker/config.json\n",
    ),
]
