"""
## What it does
Finds `base64` (without `-w 0`, `-w0` or `--wrap=0`) or `openssl base64` /
`openssl enc -base64` (without `-A`) whose output goes into an auth JSON
document and is not passed through `tr -d '\n'`:

* inside a `$(...)` that is part of an `echo`/`printf` argument or a heredoc
  holding auth JSON (`{"auths": ... "auth": "$(... | base64)"}`);
* assigned to a variable (`AUTH=$(... | base64)`) that such a JSON document
  (or a `DOCKER_AUTH_CONFIG=...` assignment) uses later.

Decoding (`base64 -d`, `--decode`) is never reported.

## Why is this bad?
GNU `base64` wraps its output every 76 characters (`openssl base64` every 64).
A `user:password` pair longer than 57 bytes — any JWT CI job token (the
default from GitLab 19.0), an ECR or cloud access token — becomes two or more
lines, and the raw newline inside the JSON string makes the whole file
invalid: `invalid character '\n' in string literal`.  The runner then drops
every credential of that source (silently before runner 18.11).

## Example
```sh
echo "{\\"auths\\":{\\"$CI_REGISTRY\\":{\\"auth\\":\\"$(printf '%s:%s' "$U" "$P" | base64)\\"}}}" > /kaniko/.docker/config.json
```

## Use instead
```sh
echo "{\\"auths\\":{\\"$CI_REGISTRY\\":{\\"auth\\":\\"$(printf '%s:%s' "$U" "$P" | base64 | tr -d '\\n')\\"}}}" > /kaniko/.docker/config.json
```

## Fix safety
The fix is safe: it appends ` | tr -d '\n'` right after the encoder, which
removes only the line breaks the encoder inserted (base64 output has no other
newlines) and works with GNU, busybox and BSD tools alike.  It is shown, not
applied, where the text cannot be edited exactly (a folded `>` block, a
`sh -c` string).
"""

from __future__ import annotations

import re
from typing import Iterator

from ..diagnostics import Applicability, Fix, Severity
from ..shell.model import Command, Word
from ..units import CommandRef, make_fix
from .base import FIX_SAFE, Example, Hit, Rule

RULE = Rule(
    code="AL208",
    name="base64-line-wrap",
    severity=Severity.ERROR,
    summary="base64 output wraps at 76 characters inside auth JSON",
    fix=FIX_SAFE,
)

AUTH_JSON = re.compile(r"\"auths?\"|\bauths\b|\\\"auths?\\\"")


# ------------------------------------------------------------------ encoders
def encoder(cmd: Command) -> str | None:
    """'base64' / 'openssl' when cmd encodes to base64, else None."""
    vals = [w.value for w in cmd.args]
    if cmd.basename == "base64":
        if any(v in ("-d", "--decode", "-D") or (v and re.fullmatch(r"-[a-zA-Z]*d[a-zA-Z]*", v) and not v.startswith("--")) for v in vals):
            return None
        return "base64"
    if cmd.basename == "openssl" and vals:
        if vals[0] == "base64" or (vals[0] == "enc" and any(v in ("-base64", "-a") for v in vals)):
            return None if "-d" in vals else "openssl"
    return None


def wraps(cmd: Command) -> bool:
    """An encoder that wraps its output lines."""
    kind = encoder(cmd)
    vals = [w.value or "" for w in cmd.args]
    if kind == "base64":
        for i, v in enumerate(vals):
            if v in ("-w0", "--wrap=0", "-w=0") or (v in ("-w", "--wrap") and i + 1 < len(vals) and vals[i + 1] == "0"):
                return False
        return True
    if kind == "openssl":
        return "-A" not in vals
    return False


def strips_newlines(cmd: Command) -> bool:
    """`tr -d '\\n'` (or `\\r\\n`, `[:space:]`, ...) after cmd in its pipeline."""
    for later in cmd.pipeline[cmd.pipeline_index + 1 :]:
        if later.basename != "tr":
            continue
        vals = [w.value for w in later.args]
        if not any(v is not None and re.fullmatch(r"-[a-zA-Z]*d[a-zA-Z]*|--delete", v) for v in vals):
            continue
        if any(v is not None and ("\\n" in v or "\n" in v or "[:space:]" in v or "\\012" in v) for v in vals):
            return True
    return False


# ---------------------------------------------------------- where it goes to
_DECLARATIONS = frozenset({"export", "local", "declare", "readonly", "typeset"})


def _contains(word: Word, offset: int) -> bool:
    return word.start <= offset < word.end


def enclosing(ref: CommandRef, offset: int | None = None) -> tuple[str, object, object] | None:
    """What holds the `$(...)` around ref's command: ('word', command, word),
    ('heredoc', command, heredoc) or ('assignment', assignment, None)."""
    cmd = ref.cmd
    if cmd.substitution_depth == 0:
        return None
    at = cmd.start if offset is None else offset
    best = None
    for other in ref.unit.script.commands:
        if other.substitution_depth != cmd.substitution_depth - 1 or not (other.start <= at):
            continue
        for w in other.argv:
            if _contains(w, at):
                best = ("word", other, w)
        for r in other.redirects:
            hd = r.heredoc
            if hd is not None and hd.body_start <= at < hd.body_end:
                best = ("heredoc", other, hd)
            elif r.target is not None and _contains(r.target, at):
                best = ("word", other, r.target)
        for a in other.env:
            if a.value is not None and _contains(a.value, at):
                best = ("assignment", a, None)
    if best is None or (best[0] == "word" and best[1].basename in _DECLARATIONS):
        for a in ref.unit.script.assignments:  # X=$(...), export X=$(...)
            if a.value is not None and _contains(a.value, at):
                best = ("assignment", a, None)
    return best


def _json_text(kind: str, holder, item) -> str | None:
    if kind == "word":
        if holder.basename not in ("echo", "printf"):
            return None
        return " ".join(w.template for w in holder.args)
    if kind == "heredoc":
        return item.body
    return None


def _scripts(ref: CommandRef):
    if ref.job is None:
        return [ref.unit]
    seen, out = set(), []
    for u in list(ref.job.units) + [r.unit for r in ref.job.commands]:
        if id(u.script) not in seen:
            seen.add(id(u.script))
            out.append(u)
    return out


def _uses(text: str, name: str) -> bool:
    return re.search(r"\$\{?" + re.escape(name) + r"(?![A-Za-z0-9_])", text) is not None


def variable_in_auth_json(ref: CommandRef, name: str) -> bool:
    """Whether $name ends up in auth JSON somewhere in the job (or script)."""
    for unit in _scripts(ref):
        for cmd in unit.script.commands:
            if cmd.basename in ("echo", "printf"):
                text = " ".join(w.template for w in cmd.args)
                if _uses(text, name) and AUTH_JSON.search(text):
                    return True
            for r in cmd.redirects:
                hd = r.heredoc
                if hd is not None and not hd.quoted and _uses(hd.body, name) and AUTH_JSON.search(hd.body):
                    return True
        for a in unit.script.assignments:
            if a.value is None or a.name == name:
                continue
            t = a.value.template
            if _uses(t, name) and (AUTH_JSON.search(t) or a.name == "DOCKER_AUTH_CONFIG"):
                return True
    return False


def output_in_auth_json(ref: CommandRef) -> bool:
    """Whether the output of ref's pipeline lands in auth JSON."""
    holder = enclosing(ref)
    if holder is None:
        return False
    kind, obj, item = holder
    if kind == "assignment":
        if obj.name == "DOCKER_AUTH_CONFIG":
            return False  # the whole value is base64: not JSON text
        return variable_in_auth_json(ref, obj.name)
    text = _json_text(kind, obj, item)
    return text is not None and AUTH_JSON.search(text) is not None


def check_command(ref: CommandRef, options) -> Iterator[Hit]:
    cmd = ref.cmd
    if not wraps(cmd) or strips_newlines(cmd):
        return
    if not output_in_auth_json(ref):
        return
    tool = "openssl base64" if encoder(cmd) == "openssl" else "base64"
    hint = "-A" if tool != "base64" else "-w 0"
    title = "remove the line breaks: append `| tr -d '\\n'`"
    if not cmd.exact or cmd.via:
        fix = Fix(title, (), Applicability.DISPLAY_ONLY, reason="the command's text cannot be edited exactly")
    else:
        fix = make_fix(title, [ref.edit(cmd.end, cmd.end, " | tr -d '\\n'")], Applicability.SAFE, ref.unit.tmap)
    yield ref.hit(
        cmd.start,
        cmd.end,
        f"`{tool}` wraps its output into lines, and this output goes into auth JSON: a credential longer than "
        f"57 bytes (JWT job tokens, cloud tokens) puts a raw newline in the JSON string; use `{hint}` or `| tr -d '\\n'`",
        fix=fix,
        key=tool,
    )


_K = "/kaniko/.docker/config.json"
_PUSH = '/kaniko/executor --context . --destination "$CI_REGISTRY_IMAGE"\n'


def _json(auth: str) -> str:
    return 'echo "{\\"auths\\":{\\"$CI_REGISTRY\\":{\\"auth\\":\\"' + auth + '\\"}}}" > ' + _K + "\n"


VALID = [
    Example(_json("$(printf '%s:%s' \"$CI_REGISTRY_USER\" \"$CI_REGISTRY_PASSWORD\" | base64 | tr -d '\\n')")),
    Example(_json("$(printf '%s:%s' \"$CI_REGISTRY_USER\" \"$CI_REGISTRY_PASSWORD\" | base64 -w 0)")),
    Example(_json("$(printf '%s:%s' \"$CI_REGISTRY_USER\" \"$CI_REGISTRY_PASSWORD\" | base64 -w0)")),
    Example(_json("$(printf '%s:%s' \"$U\" \"$P\" | openssl base64 -A)")),
    Example('AUTH=$(echo -n "$U:$P" | base64 --wrap=0)\n' + _json("$AUTH")),
    # corpus look-alikes: decoding kubeconfigs and SSH keys
    Example('echo "$KUBECONFIG_B64" | base64 -d > ~/.kube/config\n'),
    Example('echo "$SSH_PRIVATE_KEY" | base64 --decode | ssh-add -\n'),
    Example('CERT=$(base64 -d <<< "$CA_B64")\necho "{\\"auths\\":{\\"r\\":{\\"auth\\":\\"$A\\"}}}" > config.json\n'),
    # not going into auth JSON
    Example('B64=$(base64 artifact.tar)\necho "$B64" > upload.txt\n'),
    Example("printf '%s:%s' \"$U\" \"$P\" | base64 > auth.txt\n"),
]

INVALID = [
    Example(
        _json("$(printf '%s:%s' \"$CI_REGISTRY_USER\" \"$CI_JOB_TOKEN\" | ⟦base64⟧)") + _PUSH,
        fixed=_json("$(printf '%s:%s' \"$CI_REGISTRY_USER\" \"$CI_JOB_TOKEN\" | base64 | tr -d '\\n')") + _PUSH,
    ),
    # 01ssh: an ECR token (2000+ characters)
    Example(
        'export ECR_AUTH=$(echo -n "AWS:${ECR_PASSWORD}" | ⟦base64⟧)\n' + _json("$ECR_AUTH"),
        fixed='export ECR_AUTH=$(echo -n "AWS:${ECR_PASSWORD}" | base64 | tr -d \'\\n\')\n' + _json("$ECR_AUTH"),
    ),
    Example(
        'AUTH=$(echo -n "$U:$P" | ⟦base64⟧)\necho DOCKER_AUTH_CONFIG=$(echo "{\'auths\': {\'r\': {\'auth\': \'${AUTH}\'}}}") > auth.env\n',
        fixed='AUTH=$(echo -n "$U:$P" | base64 | tr -d \'\\n\')\necho DOCKER_AUTH_CONFIG=$(echo "{\'auths\': {\'r\': {\'auth\': \'${AUTH}\'}}}") > auth.env\n',
    ),
    Example(
        "AUTH=$(printf '%s:%s' \"$U\" \"$P\" | ⟦openssl base64⟧)\ncat > /kaniko/.docker/config.json <<EOF\n"
        '{"auths": {"registry.example.com": {"auth": "$AUTH"}}}\nEOF\n',
        fixed="AUTH=$(printf '%s:%s' \"$U\" \"$P\" | openssl base64 | tr -d '\\n')\ncat > /kaniko/.docker/config.json <<EOF\n"
        '{"auths": {"registry.example.com": {"auth": "$AUTH"}}}\nEOF\n',
    ),
    Example(
        "cat > /kaniko/.docker/config.json <<EOF\n"
        '{"auths": {"$CI_REGISTRY": {"auth": "$(printf \'%s:%s\' "$CI_REGISTRY_USER" "$CI_JOB_TOKEN" | ⟦base64⟧)"}}}\nEOF\n' + _PUSH,
        fixed="cat > /kaniko/.docker/config.json <<EOF\n"
        '{"auths": {"$CI_REGISTRY": {"auth": "$(printf \'%s:%s\' "$CI_REGISTRY_USER" "$CI_JOB_TOKEN" | base64 | tr -d \'\\n\')"}}}\nEOF\n' + _PUSH,
    ),
    # in a double-quoted YAML item: the fix is escaped for YAML
    Example(
        "build:\n  script:\n    - \"echo {\\\\\\\"auths\\\\\\\":{\\\\\\\"$CI_REGISTRY\\\\\\\":{\\\\\\\"auth\\\\\\\":\\\\\\\"$(echo -n $CI_REGISTRY_USER:$CI_JOB_TOKEN | ⟦base64⟧)\\\\\\\"}}} > " + _K + "\"\n",
        kind="yaml",
        fixed="build:\n  script:\n    - \"echo {\\\\\\\"auths\\\\\\\":{\\\\\\\"$CI_REGISTRY\\\\\\\":{\\\\\\\"auth\\\\\\\":\\\\\\\"$(echo -n $CI_REGISTRY_USER:$CI_JOB_TOKEN | base64 | tr -d '\\\\n')\\\\\\\"}}} > " + _K + "\"\n",
    ),
]
