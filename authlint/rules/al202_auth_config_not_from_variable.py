"""
## What it does
Finds a registry auth file built by hand in the job script — JSON pasted
together with `echo`/`printf`/a heredoc, an `auth` made with `base64` of
`user:pass` — from long-lived custom CI/CD variables or literal values instead
of being written from a `DOCKER_AUTH_CONFIG` variable.

GitLab's job-scoped predefined credentials are accepted by default, because
they expire with the job: `CI_REGISTRY_USER`/`CI_REGISTRY_PASSWORD`,
`CI_JOB_TOKEN`, `CI_DEPENDENCY_PROXY_USER`/`CI_DEPENDENCY_PROXY_PASSWORD`,
`CI_DEPLOY_USER`/`CI_DEPLOY_PASSWORD` (and the deprecated `CI_BUILD_TOKEN`,
see AL501).  So are values the job computes at run time (`TOKEN=$(aws ecr
get-login-password)`) and job variables that just point at an accepted one
(`REGISTRY_PASSWORD: $CI_REGISTRY_PASSWORD`).  User names are not
credentials: only the `auth`, `password`, `identitytoken` and `registrytoken`
values (and the password half of a `user:pass` pair) count.

Severity: a **warning**: the hand-built file can work and exposes nothing by
itself, but it is fragile and keeps a long-lived credential in places that are
hard to rotate.

## Why is this bad?
A hand-built file spreads one credential over several variables and a
fragile script: each variable must be kept in sync, the JSON breaks on a `"`
in a password (AL212), `base64` wraps long tokens (AL208) and `echo` adds
newlines (AL209).  One `DOCKER_AUTH_CONFIG` CI/CD variable (masked when it is
a bare `auth`, or File type) is read by the runner for the job's own images
too, can be scoped per environment and rotated in one place, and is written
to the tool's config file by one line that works for both variable types.

## Example
```sh
echo "{\\"auths\\":{\\"$HARBOR_HOST\\":{\\"auth\\":\\"$(printf '%s:%s' "$HARBOR_USER" "$HARBOR_PASSWORD" | base64 | tr -d '\\n')\\"}}}" > /kaniko/.docker/config.json
```

## Use instead
```sh
mkdir -p /kaniko/.docker
if [ -f "$DOCKER_AUTH_CONFIG" ]; then cp "$DOCKER_AUTH_CONFIG" /kaniko/.docker/config.json; else printf '%s' "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json; fi
```
with the auth JSON stored in a `DOCKER_AUTH_CONFIG` CI/CD variable.

## Options
`accepted-sources` (list of variable names): credentials that may be used to
build the file.  Default: the job-scoped set above plus `DOCKER_AUTH_CONFIG`.
`accepted-sources = ["DOCKER_AUTH_CONFIG"]` makes the rule strict: every
hand-built auth file is reported.

## Fix safety
The fix is unsafe: it replaces the hand-built write by authlint's canonical
write of the same file (`mkdir -p DIR` — left out when an earlier `mkdir`
already creates the directory — and `if [ -f "$DOCKER_AUTH_CONFIG" ]; then cp ...; else printf
'%s' "$DOCKER_AUTH_CONFIG" > FILE; fi`), so the job then needs a
`DOCKER_AUTH_CONFIG` CI/CD variable holding everything the old command
assembled (credentials, and any `credHelpers` or `credsStore` it wrote).  It is applied only when the write is one command alone on its line
of a `|` block or `.sh` file, or alone in its script item, so the replacement
is exact; otherwise (a `&&` list, a folded `>` block, a `tee` with more
pipeline stages, a redirect on a `{ ...; }` group) it is shown only.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Iterator

from ..diagnostics import Applicability, Edit, Fix, Severity
from ..insert import insert_item_before, yaml_scalar
from ..gitlab.predefined import JOB_SCOPED
from ..jobfacts import facts, is_registry_write, path_key
from ..lazy import lazy_compile
from ..shell.flow import COMMAND, COMPOSITE, LITERAL_ORIGIN, PREDEFINED, PREDEFINED_CREDENTIAL, SETTINGS, UNDEFINED, flow_of, substituted
from ..shell.model import VAR_REF, Command, Word
from ..textmap import FileMap, ScalarMap, ShiftMap
from ..units import CommandRef, make_fix
from ..writes import AUTH_PATH_MARKS, WRITE_COMMANDS, AuthWrite, auth_writes, canonical_write, directory
from ..yaml import scalars
from .base import FIX_UNSAFE, Example, Hit, Rule, Triggers

if TYPE_CHECKING:
    from ..authjson.parser import JNode

DEFAULT_ACCEPTED = sorted(JOB_SCOPED | {"DOCKER_AUTH_CONFIG", "CI_BUILD_TOKEN"})

TRIGGERS = Triggers(commands=WRITE_COMMANDS, words=AUTH_PATH_MARKS)
RULE = Rule(
    code="AL202",
    name="auth-config-not-from-variable",
    severity=Severity.WARNING,
    summary="auth file built by hand from custom variables or literals instead of $DOCKER_AUTH_CONFIG",
    fix=FIX_UNSAFE,
    options={"accepted-sources": DEFAULT_ACCEPTED},
)

_SECRET_FIELDS = ("auth", "password", "identitytoken", "registrytoken")
_USERISH = lazy_compile(r"(^|_)(USER|USERNAME|LOGIN|USR|ACCOUNT|USER_?ID)$", re.I)
_PRINTF_PAIR = lazy_compile(r"printf\s+(['\"])([^'\"]*%s[^'\"]*:[^'\"]*%s[^'\"]*)\1\s+(\S+)")
_ECHO_PAIR = lazy_compile(r"echo\s+(?:-[neE]+\s+)*(\"[^\"]*\"|'[^']*'|\S+)")
_DIRECTIVE = lazy_compile(r"%(?:%|[-#0 +]*\d*(?:\.\d+)?[a-zA-Z])")


# ---------------------------------------------------------------- the JSON
def _producer(w: AuthWrite) -> Command | None:
    p = w.producer
    if p is None or p.basename not in ("echo", "printf", "cat"):
        return None
    return p


def _json_sources(cmd: Command) -> list[tuple[str, list[tuple[int, int]], list[Word] | None]]:
    """(text, opaque ranges, printf args) of the JSON documents a producer writes."""
    out = []
    if cmd.basename in ("echo", "printf"):
        words = [w for w in cmd.args if not (cmd.basename == "echo" and re.fullmatch(r"-[neE]+", w.value or ""))]
        if cmd.basename == "printf" and words and words[0].value == "--":
            words = words[1:]
        for i, w in enumerate(words):
            if "{" in w.template and re.search(r"\"auths\"|\"credHelpers\"|\"credsStore\"", w.template):
                fmt_args = words[i + 1 :] if cmd.basename == "printf" and i == 0 else None
                out.append((w.template, w.expansion_ranges, fmt_args))
    for r in cmd.redirects:
        hd = r.heredoc
        if hd is not None and "auth" in hd.body:
            opaque = [] if hd.quoted else [(p.start - hd.body_start, p.end - hd.body_start) for p in hd.parts if p.kind != "literal"]
            out.append((hd.body, opaque, None))
    return out


def _secret_nodes(text: str, opaque) -> list[JNode]:
    from ..authjson import parse_json  # only for a literal auth JSON

    result = parse_json(text, opaque)
    root = result.value
    if root is None or root.kind != "object":
        return []
    nodes = []
    for m in root.members or []:
        if m.key.value != "auths" or m.value.kind != "object":
            continue
        for entry in m.value.members or []:
            if entry.value.kind != "object":
                continue
            for f in entry.value.members or []:
                if isinstance(f.key.value, str) and f.key.value.lower() in _SECRET_FIELDS:
                    nodes.append(f.value)
    return nodes


# ------------------------------------------------------------- the sources
class _Sources:
    """Where the credential values of one write come from (asked of the shell flow)."""

    def __init__(self, ref: CommandRef, accepted: set[str]) -> None:
        self.ref = ref
        self.flow = flow_of(ref)
        self.accepted = accepted
        self.custom: list[str] = []
        self.literal = False

    def raw(self, text: str, depth: int = 0) -> None:
        """Classify the secret variables of an expansion's raw text."""
        for name in secret_vars(text):
            self.var(name, depth)

    def var(self, name: str, depth: int = 0) -> None:
        if depth > 4 or self.flow is None:
            return
        for o in self.flow.origins(name):
            if o.kind == LITERAL_ORIGIN:
                self.literal = self.literal or bool((o.text or "").strip("\"' "))
            elif o.kind in (PREDEFINED_CREDENTIAL, PREDEFINED, SETTINGS, UNDEFINED):
                if o.name not in self.accepted and o.name not in self.custom:
                    self.custom.append(o.name)
            elif o.kind == COMPOSITE and o.text is not None:
                self.raw(o.text, depth + 1)
            elif o.kind == COMMAND and o.passes:
                for v in o.refs:
                    if not _USERISH.search(v):
                        self.var(v, depth + 1)
            # other commands' output, files, parameters: computed at run time


def secret_vars(raw: str) -> list[str]:
    """Variables of an expansion that hold the secret (the password half of a pair)."""
    m = _PRINTF_PAIR.search(raw)
    if m:
        tail = raw[m.start(3) :]
        names = VAR_REF.findall(tail)
        return names[1:] if names and m.group(2).startswith("%s") else names
    m = _ECHO_PAIR.search(raw)
    if m and ":" in m.group(1):
        word = m.group(1).strip("\"'")
        colon = _colon(word)
        if colon is not None:
            return VAR_REF.findall(word[colon + 1 :])
    return [n for n in VAR_REF.findall(raw) if not _USERISH.search(n)]


def _colon(word: str) -> int | None:
    """Index of the first ':' outside ${...}."""
    depth = 0
    for i, ch in enumerate(word):
        if word.startswith("${", i):
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
        elif ch == ":" and depth == 0:
            return i
    return None


def _secret_values(producer: Command) -> tuple[bool, list[tuple[str, Any]]]:
    """(whether a JSON document the producer prints holds a credential field, where each field's
    value comes from): ("vars", secret variables of an expansion), ("literal", bool) or
    ("value", a literal that a `sed -i` of the job may fill in).  Of the command alone, asked
    once per command (it recurs in every job and project running its script)."""
    found = False
    values: list[tuple[str, Any]] = []
    for text, opaque, fmt_args in _json_sources(producer):
        directives = [(m.start(), m.group()) for m in _DIRECTIVE.finditer(text)] if fmt_args is not None else []
        for node in _secret_nodes(text, opaque):
            if node.kind == "opaque":
                found = True
                values.append(("vars", secret_vars(text[node.start : node.end])))
                continue
            if node.kind != "string" or not isinstance(node.value, str):
                continue
            if fmt_args is not None:
                pieces = [(i, d) for i, d in directives if node.start < i < node.end and d != "%%"]
                if pieces:
                    found = True
                    index = [i for i, d in directives if d != "%%"]
                    for i, _ in pieces:
                        k = index.index(i)
                        if k < len(fmt_args):
                            arg = fmt_args[k]
                            if arg.value is not None:
                                values.append(("literal", bool(arg.value)))
                            else:
                                values.append(("vars", secret_vars(arg.raw)))
                    continue
            if node.opaque_spans:
                found = True
                values += [("vars", secret_vars(text[a:b])) for a, b in node.opaque_spans]
            elif node.value:
                found = True
                values.append(("value", node.value))
    return found, values


def _classify(src: _Sources, values: list[tuple[str, Any]]) -> None:
    """Feed the secret values of a producer's JSON (_secret_values) to src."""
    for kind, value in values:
        if kind == "vars":
            for name in value:
                src.var(name)
        elif kind == "literal":
            src.literal = src.literal or value
        elif (filled := substituted(src.ref, value)) is not None:  # a template the job fills in
            src.raw(filled)  # with `sed -i`: judge what it fills in
        else:
            src.literal = True


# ------------------------------------------------------------------- check
def check_command(ref: CommandRef, options) -> Iterator[Hit]:
    accepted = set(options.get("accepted-sources", DEFAULT_ACCEPTED))
    for w in auth_writes(ref):
        if not is_registry_write(w):
            continue
        producer = _producer(w)
        if producer is None:
            continue
        held, values = producer.derived(_secret_values)
        if not held:
            continue
        src = _Sources(ref, accepted)
        _classify(src, values)
        if not (src.custom or src.literal):
            continue
        what = []
        if src.custom:
            what.append(("variables " if len(src.custom) > 1 else "variable ") + ", ".join(f"${n}" for n in src.custom))
        if src.literal:
            what.append("literal values")
        target = w.target.template
        yield ref.hit(
            w.target.start,
            w.target.end,
            f"{target} is built by hand from {' and '.join(what)} instead of being written from $DOCKER_AUTH_CONFIG: "
            "keep the whole auth JSON in one masked or File-type DOCKER_AUTH_CONFIG variable and write it with the "
            "canonical write",
            fix=_fix(ref, w, producer),
            key=target,
        )


# --------------------------------------------------------------------- fix
def _fix(ref: CommandRef, w: AuthWrite, producer: Command) -> Fix:
    d = directory(path_key(w.target.template))
    lines = canonical_write(d)
    if _dir_exists_before(ref, d):
        lines = lines[1:]
    title = "write the file from $DOCKER_AUTH_CONFIG: `" + "; ".join(lines) + "`"
    rng, why = _write_range(ref, w, producer)
    if rng is None:
        return Fix(title, (), Applicability.DISPLAY_ONLY, reason=why)
    start, end = rng
    script = ref.unit.script.text
    line_start = script.rfind("\n", 0, start) + 1
    indent = script[line_start:start]
    tmap, shift = ref.unit.tmap, 0
    while isinstance(tmap, ShiftMap):
        shift += tmap.shift
        tmap = tmap.parent
    if isinstance(tmap, FileMap) or (isinstance(tmap, ScalarMap) and tmap.st.style == scalars.LITERAL):
        content = ("\n" + indent).join(lines)
        edit = ref.edit(start, end, content)
        if edit is None and isinstance(tmap, ScalarMap) and tmap.st.exact and start >= shift:
            # several lines of a | block: the ends are exact, the indentation between is the block's own
            a, b = tmap.file_span(start - shift, start - shift), tmap.file_span(end - shift, end - shift)
            encoded = tmap.encode(content)
            if a is not None and b is not None and encoded is not None:
                edit = Edit(ref.unit.source.path, a.start, b.start, encoded)
        return make_fix(title, [edit], Applicability.UNSAFE, ref.unit.tmap)
    if isinstance(tmap, ScalarMap) and tmap.st.style in (scalars.PLAIN, scalars.SINGLE, scalars.DOUBLE) and tmap.st.exact:
        item = script[shift:]
        item_end = script.find("\n", shift)
        item = script[shift : item_end if item_end != -1 else len(script)]
        if item.strip() != script[start:end].strip():
            return Fix(title, (), Applicability.DISPLAY_ONLY, reason="the write shares its script item with other commands")
        return _replace_item(ref, tmap, lines, title)
    return Fix(title, (), Applicability.DISPLAY_ONLY, reason=ref.unit.tmap.why_not_exact())


def _replace_item(ref: CommandRef, tmap: ScalarMap, lines: list[str], title: str) -> Fix:
    st, source = tmap.st, ref.unit.source
    text = source.text
    line_start = text.rfind("\n", 0, st.start) + 1
    flow = re.fullmatch(r"\s*-\s+", text[line_start : st.start]) is None
    edits: list[Edit] = []
    if len(lines) > 1:
        before, why = insert_item_before(source, st.start, lines[:-1])
        if why:
            return Fix(title, (), Applicability.DISPLAY_ONLY, reason=why)
        edits += before
    edits.append(Edit(source.path, st.start, st.end, yaml_scalar(lines[-1], flow=flow)))
    return Fix(title, tuple(edits), Applicability.UNSAFE)


def _write_range(ref: CommandRef, w: AuthWrite, producer: Command) -> tuple[tuple[int, int] | None, str]:
    """The script range of the whole write (producer through the file), alone on its line(s)."""
    cmd = ref.cmd
    script = ref.unit.script.text
    if not cmd.exact or cmd.via or not producer.exact:
        return None, "the command's text cannot be edited exactly"
    if w.via == "redirect":
        if w.redirect is not None and w.redirect.group:
            return None, "the redirect belongs to an enclosing group"
        if len(cmd.pipeline) > 1:
            return None, "the write is part of a pipeline"
        start, end = cmd.start, cmd.end
    elif w.via == "tee":
        if len(cmd.pipeline) != 2 or cmd.pipeline_index != 1:
            return None, "the write is part of a longer pipeline"
        start, end = cmd.pipeline[0].start, cmd.end
    else:
        return None, "the file is not written by echo, printf or a heredoc"
    hds = [r.heredoc for c in cmd.pipeline or [cmd] for r in c.redirects if r.heredoc is not None]
    if hds:
        last = max(hds, key=lambda h: h.body_end)
        nl = script.find("\n", last.body_end)
        end_line = nl if nl != -1 else len(script)
        if end_line > 0 and script[end_line - 1] == "\r":
            end_line -= 1
        first_nl = script.find("\n", end)
        tail = script[end : first_nl if first_nl != -1 else len(script)]
        # the parser may end the command before a trailing `<<EOF` (cat - >f <<EOF)
        if re.sub(r"\d*<<-?\s*(['\"]?)\w+\1", "", tail).strip():
            return None, "other commands share the write's line"
        end = end_line
    line_start = script.rfind("\n", 0, start) + 1
    line_end = script.find("\n", end)
    line_end = line_end if line_end != -1 else len(script)
    if script[line_start:start].strip() or script[end:line_end].strip():
        return None, "other commands share the write's line"
    above = script[:line_start].rstrip("\n")
    if above.rstrip(" \t").endswith(("\\", "|", "&&", "||")):
        return None, "the line above continues into the write"
    return (start, end), ""


def _dir_exists_before(ref: CommandRef, d: str) -> bool:
    if ref.job is not None:
        return facts(ref.job).made_dir_before(d, ref.position)
    want = path_key(d)
    for cmd in ref.unit.script.commands:
        if cmd.start >= ref.cmd.start:
            break
        if cmd.basename == "mkdir" and any(path_key(a.template) == want for a in cmd.args):
            return True
    return False


_K = "/kaniko/.docker/config.json"
_CANON2 = "if [ -f \"$DOCKER_AUTH_CONFIG\" ]; then cp \"$DOCKER_AUTH_CONFIG\" {t}; else printf '%s' \"$DOCKER_AUTH_CONFIG\" > {t}; fi"
_PUSH = '/kaniko/executor --context . --destination "$CI_REGISTRY_IMAGE"\n'


def _echo(entry: str, target: str = _K) -> str:
    return 'echo "{\\"auths\\":{\\"$CI_REGISTRY\\":{' + entry + '}}}" > ' + target


def _kaniko(script: str) -> str:
    return (
        "build:\n  image:\n    name: gcr.io/kaniko-project/executor:debug\n    entrypoint: [\"\"]\n  script:\n"
        + "".join("    - " + line + "\n" for line in script.rstrip("\n").split("\n"))
    )


VALID = [
    # the canonical write
    Example("mkdir -p /kaniko/.docker\n" + _CANON2.format(t=_K) + "\n"),
    # job-scoped predefined credentials are accepted by default (the GitLab docs patterns)
    Example(_echo('\\"username\\":\\"$CI_REGISTRY_USER\\",\\"password\\":\\"$CI_REGISTRY_PASSWORD\\"') + "\n"),
    Example(_echo("\\\"auth\\\":\\\"$(printf \"%s:%s\" \"${CI_REGISTRY_USER}\" \"${CI_REGISTRY_PASSWORD}\" | base64 | tr -d '\\n')\\\"") + "\n"),
    Example(_echo('\\"auth\\":\\"$(echo -n gitlab-ci-token:$CI_JOB_TOKEN | base64 -w0)\\"') + "\n"),
    # a token computed at run time
    Example(
        'ECR_PASSWORD=$(aws ecr get-login-password --region "$AWS_REGION")\n'
        "AUTH=$(printf '%s:%s' AWS \"$ECR_PASSWORD\" | base64 -w0)\n"
        + _echo('\\"auth\\":\\"$AUTH\\"') + "\n"
    ),
    # a job variable pointing at an accepted one
    Example(_kaniko(_echo('\\"username\\":\\"$REG_USER\\",\\"password\\":\\"$REG_PASS\\"')).replace(
        "  script:", "  variables:\n    REG_USER: $CI_REGISTRY_USER\n    REG_PASS: $CI_REGISTRY_PASSWORD\n  script:"), kind="yaml"),
    # credential helpers only: nothing to keep in a variable
    Example("echo '{\"credsStore\":\"ecr-login\"}' > /kaniko/.docker/config.json\n"),
    # whole files from a variable are not hand-built
    Example('echo "${DOCKER_CFG:-}" | base64 --decode > ~/.docker/config.json\n'),
    Example("cp \"$REGISTRY_AUTH_FILE_SRC\" /kaniko/.docker/config.json\n"),
]

INVALID = [
    # a custom variable holding a pre-encoded auth (RightCrowd)
    Example(
        "mkdir -p /kaniko/.docker\n" + _echo('\\"auth\\":\\"$DOCKERHUB_AUTH\\"').replace(_K, "⟦" + _K + "⟧") + "\n" + _PUSH,
        fixed="mkdir -p /kaniko/.docker\n" + _CANON2.format(t=_K) + "\n" + _PUSH,
    ),
    # custom user/password pair in a script file (jpjonte)
    Example(
        'echo "{\\"auths\\":{\\"$REGISTRY_URL\\":{\\"username\\":\\"$REGISTRY_USER\\",\\"password\\":\\"$REGISTRY_PASSWORD\\"}}}" > ⟦' + _K + "⟧\n" + _PUSH,
        fixed="mkdir -p /kaniko/.docker\n" + _CANON2.format(t=_K) + "\n" + _PUSH,
    ),
    # base64 of a custom pair, into the docker config, indented in an if
    Example(
        'if [ -n "$HARBOR_PASSWORD" ]; then\n  mkdir -p "$HOME/.docker"\n'
        "  echo \"{\\\"auths\\\":{\\\"harbor.example.com\\\":{\\\"auth\\\":\\\"$(printf '%s:%s' \\\"$HARBOR_USER\\\" \\\"$HARBOR_PASSWORD\\\" | base64 | tr -d '\\n')\\\"}}}\" > ⟦$HOME/.docker/config.json⟧\nfi\n",
        fixed='if [ -n "$HARBOR_PASSWORD" ]; then\n  mkdir -p "$HOME/.docker"\n  '
        + _CANON2.format(t='"$HOME/.docker/config.json"') + "\nfi\n",
    ),
    # a heredoc (3forges-like); the directory is created first
    Example(
        "mkdir -p ~/.docker\ncat <<EOF > ⟦~/.docker/config.json⟧\n{\"auths\": {\"$CI_REGISTRY\": {\"auth\": \"$PESTO_CI_DOCKER_AUTH_TOKEN\"}}}\nEOF\ndocker push \"$CI_REGISTRY_IMAGE\"\n",
        fixed="mkdir -p ~/.docker\n" + _CANON2.format(t='"$HOME/.docker/config.json"') + "\ndocker push \"$CI_REGISTRY_IMAGE\"\n",
    ),
    # a script variable built from custom ones
    Example(
        "AUTH=$(echo -n \"$NEXUS_USER:$NEXUS_PASS\" | base64 -w0)\n" + _echo('\\"auth\\":\\"$AUTH\\"').replace(_K, "⟦" + _K + "⟧") + "\n" + _PUSH,
        fixed="AUTH=$(echo -n \"$NEXUS_USER:$NEXUS_PASS\" | base64 -w0)\nmkdir -p /kaniko/.docker\n" + _CANON2.format(t=_K) + "\n" + _PUSH,
    ),
    # a one-line YAML item in a Kaniko job after its mkdir: one item is replaced
    Example(
        _kaniko("mkdir -p /kaniko/.docker\n" + _echo('\\"auth\\":\\"$DOCKERHUB_AUTH\\"').replace(_K, "⟦" + _K + "⟧") + "\n" + _PUSH),
        kind="yaml",
        fixed=_kaniko("mkdir -p /kaniko/.docker\n" + _CANON2.format(t=_K) + "\n" + _PUSH),
    ),
    # a plain item elsewhere: the mkdir becomes an item of its own
    Example(
        "build:\n  image: docker:27\n  script:\n    - echo \"{\\\"auths\\\":{\\\"r.example.com\\\":{\\\"auth\\\":\\\"$R_AUTH\\\"}}}\" > ⟦/root/.docker/config.json⟧\n    - docker push r.example.com/app\n",
        kind="yaml",
        fixed="build:\n  image: docker:27\n  script:\n    - mkdir -p /root/.docker\n    - "
        + _CANON2.format(t="/root/.docker/config.json") + "\n    - docker push r.example.com/app\n",
    ),
    # literal values
    Example(
        "printf '{\"auths\":{\"%s\":{\"auth\":\"%s\"}}}' \"$CI_REGISTRY\" 'ZGVwbG95Omh1bnRlcjI=' > ⟦" + _K + "⟧\n" + _PUSH,
        fixed="mkdir -p /kaniko/.docker\n" + _CANON2.format(t=_K) + "\n" + _PUSH,
    ),
    # in a && list: shown only
    Example("mkdir -p /kaniko/.docker && " + _echo('\\"auth\\":\\"$DOCKERHUB_AUTH\\"').replace(_K, "⟦" + _K + "⟧") + "\n"),
]
