"""
## What it does
Finds auth JSON whose `username` / `password` fields are filled in by string
interpolation: `"username":"$U","password":"$P"` inside an `echo`/`printf`
argument, a heredoc, a `printf` format (`"password":"%s"`) or a YAML value
such as `DOCKER_AUTH_CONFIG: '{"auths":{"r":{"username":"${U}","password":"${P}"}}}'`.
(The old GitLab Kaniko example wrote config.json this way.)  A literal
password is AL103's business.

Severity: a **warning** when a pasted value is one authlint cannot see (a
custom CI/CD variable may hold a `"` or `\\`); **info** when every pasted value
is a GitLab predefined variable (`$CI_REGISTRY_USER`, `$CI_REGISTRY_PASSWORD`),
which never holds one: the document is valid, only the docker CLI's strict
`DOCKER_AUTH_CONFIG` reader would object.

## Why is this bad?
The value is pasted into the JSON text unescaped: a `"` or `\\` in the password
(or a token that ever contains one) ends the string early and the whole
document becomes invalid — the runner then drops every credential in it.
In a CI/CD variable, GitLab also expands `$` in the value unless the variable
is raw.  And the docker CLI (28.3 and later) reads `DOCKER_AUTH_CONFIG` from
the environment with a strict schema that accepts only `auth`: `username` /
`password` fields make it fail with `json: unknown field "username"` on every
docker command.

## Example
```sh
echo "{\\"auths\\":{\\"$CI_REGISTRY\\":{\\"username\\":\\"$CI_REGISTRY_USER\\",\\"password\\":\\"$CI_REGISTRY_PASSWORD\\"}}}" > /kaniko/.docker/config.json
```

## Use instead
```sh
echo "{\\"auths\\":{\\"$CI_REGISTRY\\":{\\"auth\\":\\"$(printf '%s:%s' "$CI_REGISTRY_USER" "$CI_REGISTRY_PASSWORD" | base64 | tr -d '\\n')\\"}}}" > /kaniko/.docker/config.json
```
or, better, write the file from a `DOCKER_AUTH_CONFIG` CI/CD variable (AL202).

## Fix safety
The fix is unsafe: it replaces the two fields with
`"auth":"$(printf '%s:%s' "$U" "$P" | base64 | tr -d '\\n')"`, which changes
what the job runs (it now needs `base64` and `tr`, present in every usual
image, busybox included) and what the file holds (one base64 `auth` instead of
two plain fields — equivalent for docker, the runner, Kaniko and
containers/image).  The edit is made only inside a double-quoted (or
backslash-escaped) shell word or an unquoted heredoc, where the JSON quotes are
written the same way on both sides of the edit, and only when the two fields
are neighbours and each value is text and variables.  It is shown, not
applied, for YAML values (GitLab does not run commands in variables: store a
pre-encoded `auth` in a masked variable instead), `printf` formats,
single-quoted pieces, and anywhere the text cannot be edited exactly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from ..authjson.doc import DQ_SPECIAL, is_printf_format, jedit
from ..authjson.view import entries
from ..diagnostics import Applicability, Fix, Severity
from ..gitlab.predefined import CREDENTIALS, is_known_predefined
from ..shell.flow import PREDEFINED, PREDEFINED_CREDENTIAL, flow_of
from ..shell.model import VAR_REF
from ..units import AuthDoc, make_fix
from .base import FIX_UNSAFE, Example, Hit, Rule, Triggers

if TYPE_CHECKING:
    from ..authjson.parser import JMember, JNode

RULE = Rule(
    code="AL212",
    name="interpolated-userpass-json",
    severity=Severity.WARNING,
    summary="auth JSON username/password filled in by string interpolation",
    fix=FIX_UNSAFE,
)



def _member(obj: JNode, name: str) -> tuple[int, JMember] | None:
    for i, m in enumerate(obj.members or []):
        if m.key.kind == "string" and isinstance(m.key.value, str) and m.key.value.lower() == name:
            return i, m
    return None


def _interpolated(node: JNode, printf_format: bool) -> bool:
    if node.kind == "opaque":
        return True
    if node.kind != "string":
        return False
    if node.opaque_spans:
        return True
    return printf_format and isinstance(node.value, str) and ("%s" in node.value or "%b" in node.value)


def _interpolated_password(doc: AuthDoc) -> bool:
    """What the rule judges, read of the document alone: a password that is or may be
    interpolated (as a printf format or not: is_printf_format reads the command)."""
    for entry in entries(doc):
        pw = _member(entry.value, "password") if entry.is_object else None
        if pw is not None and _interpolated(pw[1].value, True):
            return True
    return False


TRIGGERS = Triggers(document=_interpolated_password)


def check_auth(doc: AuthDoc, options) -> Iterator[Hit]:
    printf_format = is_printf_format(doc)
    for entry in entries(doc):
        if not entry.is_object:
            continue
        pw = _member(entry.value, "password")
        if pw is None or not _interpolated(pw[1].value, printf_format):
            continue
        user = _member(entry.value, "username")
        first, last = pw[1], pw[1]
        if user is not None and abs(user[0] - pw[0]) == 1:
            first, last = (user[1], pw[1]) if user[0] < pw[0] else (pw[1], user[1])
        start, end = first.key.start, last.value.end
        yield doc.hit(
            start,
            end,
            "username/password are pasted into the JSON text: a `\"` or `\\` in the value breaks the document, and the "
            "docker CLI's DOCKER_AUTH_CONFIG store rejects these fields; build `auth` with "
            "`printf '%s:%s' \"$U\" \"$P\" | base64 | tr -d '\\n'`",
            fix=_fix(doc, user, pw, printf_format),
            key="username/password",
            severity=Severity.INFO if _predefined_only(doc, [pw[1].value] + ([user[1].value] if user else [])) else None,
        )


def _predefined_only(doc: AuthDoc, nodes: list[JNode]) -> bool:
    """Every value pasted in is a GitLab predefined variable (after copies): they never
    hold a `"` or a `\\`, so the document cannot break."""
    flow = flow_of(doc.command) if doc.command is not None else None
    for node in nodes:
        spans = [(node.start, node.end)] if node.kind == "opaque" else node.opaque_spans
        for a, b in spans:
            m = VAR_REF.fullmatch(doc.text[a:b].rstrip("}"))
            if m is None:
                return False
            name = m.group(1)
            origins = flow.origins(name) if flow is not None else ()
            kinds = {o.kind for o in origins} or ({PREDEFINED} if is_known_predefined(name) or name in CREDENTIALS else set())
            if not kinds or not kinds <= {PREDEFINED, PREDEFINED_CREDENTIAL}:
                return False
    return True


def _shell_arg(doc: AuthDoc, node: JNode | None) -> str | None:
    """The value as one printf argument: "..." with its expansions kept, or None."""
    if node is None:
        return None
    text = doc.text
    if node.kind == "opaque":
        return f'"{text[node.start:node.end]}"'
    if node.kind != "string":
        return None
    inner_start, inner_end = node.start + 1, node.end - 1
    out, i = [], inner_start
    spans = sorted(node.opaque_spans)
    for a, b in spans + [(inner_end, inner_end)]:
        lit = text[i:a]
        if "\\" in lit:
            return None  # JSON escapes: keep it simple
        out.append("".join("\\" + c if c in DQ_SPECIAL else c for c in lit))
        out.append(text[a:b])
        i = b
    value = "".join(out)
    if not spans and "'" not in value and "\\" not in value:
        return "'" + text[inner_start:inner_end] + "'"
    return f'"{value}"'


def _fix(doc: AuthDoc, user, pw, printf_format: bool) -> Fix:
    title = "build `auth` from the pair: \"auth\":\"$(printf '%s:%s' … | base64 | tr -d '\\n')\""
    why = None
    if doc.origin == "yaml":
        why = "GitLab does not run commands in variables: store a pre-encoded `auth` in a masked CI/CD variable"
    elif printf_format:
        why = "the fields are filled in by a printf format"
    elif doc.origin not in ("shell", "heredoc") or doc.command is None:
        why = "the JSON is not in a script"
    elif user is None or abs(user[0] - pw[0]) != 1:
        why = "username and password are not neighbouring fields"
    if why:
        return Fix(title, (), Applicability.DISPLAY_ONLY, reason=why)
    u_arg, p_arg = _shell_arg(doc, user[1].value), _shell_arg(doc, pw[1].value)
    if u_arg is None or p_arg is None:
        return Fix(title, (), Applicability.DISPLAY_ONLY, reason="a value holds JSON escapes")
    first, last = (user[1], pw[1]) if user[0] < pw[0] else (pw[1], user[1])
    start, end = first.key.start, last.value.end
    substitution = f"$(printf '%s:%s' {u_arg} {p_arg} | base64 | tr -d '\\n')"
    if doc.origin == "heredoc":
        hd = next((r.heredoc for r in doc.command.cmd.redirects if r.heredoc is not None and r.heredoc.body == doc.text), None)
        if hd is None or hd.quoted:
            return Fix(title, (), Applicability.DISPLAY_ONLY, reason="the heredoc is quoted: nothing in it is expanded")
    # In a double-quoted word the JSON quotes are written `\"`; the substitution must stay live.
    edit = jedit(doc, start, end, f'"auth":"{substitution}"', live=[(8, 8 + len(substitution))])
    if edit is None:
        return Fix(title, (), Applicability.DISPLAY_ONLY, reason="the JSON is not written with `\\\"` quotes here")
    return make_fix(title, [edit], Applicability.UNSAFE, doc.tmap)


_K = "/kaniko/.docker/config.json"
_PUSH = '/kaniko/executor --context . --destination "$CI_REGISTRY_IMAGE"\n'
_AUTH = "$(printf '%s:%s' \"$CI_REGISTRY_USER\" \"$CI_REGISTRY_PASSWORD\" | base64 | tr -d '\\n')"

VALID = [
    Example('echo "{\\"auths\\":{\\"$CI_REGISTRY\\":{\\"auth\\":\\"' + _AUTH + '\\"}}}" > ' + _K + "\n"),
    Example("printf '%s' \"$DOCKER_AUTH_CONFIG\" > " + _K + "\n"),
    # literal passwords are AL103; identity tokens are not user/password
    Example("echo '{\"auths\":{\"r.example.com\":{\"username\":\"u\",\"password\":\"p\"}}}' > " + _K + "\n"),
    Example('echo "{\\"auths\\":{\\"r\\":{\\"identitytoken\\":\\"$TOKEN\\"}}}" > ' + _K + "\n"),
    # a quoted heredoc expands nothing
    Example("cat > " + _K + " <<'EOF'\n{\"auths\":{\"r\":{\"username\":\"u\",\"password\":\"$NOT_EXPANDED\"}}}\nEOF\n"),
]

INVALID = [
    # the old GitLab Kaniko example
    Example(
        'echo "{\\"auths\\":{\\"$CI_REGISTRY\\":{⟦\\"username\\":\\"$CI_REGISTRY_USER\\",\\"password\\":\\"$CI_REGISTRY_PASSWORD\\"⟧}}}" > ' + _K + "\n" + _PUSH,
        fixed='echo "{\\"auths\\":{\\"$CI_REGISTRY\\":{\\"auth\\":\\"' + _AUTH + '\\"}}}" > ' + _K + "\n" + _PUSH,
    ),
    Example(
        "mkdir -p /kaniko/.docker\ncat > " + _K + " <<EOF\n"
        '{"auths": {"${CI_REGISTRY}": {⟦"username": "${CI_REGISTRY_USER}", "password": "${CI_REGISTRY_PASSWORD}"⟧}}}\nEOF\n',
        fixed="mkdir -p /kaniko/.docker\ncat > " + _K + " <<EOF\n"
        '{"auths": {"${CI_REGISTRY}": {"auth":"$(printf \'%s:%s\' "${CI_REGISTRY_USER}" "${CI_REGISTRY_PASSWORD}" | base64 | tr -d \'\\n\')"}}}\nEOF\n',
    ),
    # a literal user name is kept as a single-quoted argument
    Example(
        'echo "{\\"auths\\":{\\"$CI_REGISTRY\\":{⟦\\"username\\":\\"gitlab-ci-token\\",\\"password\\":\\"$CI_JOB_TOKEN\\"⟧}}}" > ' + _K + "\n" + _PUSH,
        fixed='echo "{\\"auths\\":{\\"$CI_REGISTRY\\":{\\"auth\\":\\"$(printf \'%s:%s\' \'gitlab-ci-token\' "$CI_JOB_TOKEN" | base64 | tr -d \'\\n\')\\"}}}" > ' + _K + "\n" + _PUSH,
    ),
    # in a plain YAML item
    Example(
        "build:\n  script:\n    - echo \"{\\\"auths\\\":{\\\"$CI_REGISTRY\\\":{⟦\\\"username\\\":\\\"$U\\\",\\\"password\\\":\\\"$P\\\"⟧}}}\" > " + _K + "\n",
        kind="yaml",
        fixed="build:\n  script:\n    - echo \"{\\\"auths\\\":{\\\"$CI_REGISTRY\\\":{\\\"auth\\\":\\\"$(printf '%s:%s' \"$U\" \"$P\" | base64 | tr -d '\\n')\\\"}}}\" > " + _K + "\n",
    ),
    # a YAML value: shown only (the detecttechnologies templates)
    Example(
        "variables:\n  DOCKER_AUTH_CONFIG: '{\"auths\":{\"registry.gitlab.com\":{⟦\"username\":\"${CI_CD_API_USER}\",\"password\":\"${CI_CD_API_TOKEN}\"⟧}}}'\n"
        "build:\n  image: registry.gitlab.com/group/app:latest\n  script: [make]\n",
        kind="yaml",
    ),
    # a printf format: shown only
    Example("printf '{\"auths\":{\"%s\":{⟦\"username\":\"%s\",\"password\":\"%s\"⟧}}}' \"$R\" \"$U\" \"$P\" > " + _K + "\n"),
    # single-quoted pieces around the expansions: shown only
    Example("echo '{\"auths\":{\"r\":{⟦\"username\":\"'\"$U\"'\",\"password\":\"'\"$P\"'\"⟧}}}' > " + _K + "\n"),
]
