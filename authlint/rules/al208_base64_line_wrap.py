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

Severity: an **error**: job tokens are JWTs from GitLab 19.0 on, long enough
that `base64` always wraps them, and the line break inside the `auth` string
makes the whole auth file unreadable.

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
echo "{\\"auths\\":{\\"$CI_REGISTRY\\":{\\"auth\\":\\"$(printf '%s:%s' "$CI_REGISTRY_USER" "$CI_REGISTRY_PASSWORD" | base64 | tr -d '\\n')\\"}}}" > /kaniko/.docker/config.json
```

## Fix safety
The fix is safe: it appends ` | tr -d '\n'` right after the encoder, which
removes only the line breaks the encoder inserted (base64 output has no other
newlines) and works with GNU, busybox and BSD tools alike.  It is shown, not
applied, where the text cannot be edited exactly (a folded `>` block, a
`sh -c` string).
"""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Applicability, Fix, Severity
from ..shell.flow import output_in_auth_json
from ..shell.model import Command
from ..tools import encoder, strips_newlines, wraps
from ..units import CommandRef, make_fix
from .base import FIX_SAFE, Example, Hit, Rule, Triggers


def _wrapped_output(cmd: Command) -> bool:
    """An encoder whose output keeps its line breaks (the command alone says, once per command)."""
    return wraps(cmd) and not strips_newlines(cmd)


TRIGGERS = Triggers(commands=frozenset({"base64", "openssl"}), command=_wrapped_output)

RULE = Rule(
    code="AL208",
    name="base64-line-wrap",
    severity=Severity.ERROR,
    summary="base64 output wraps at 76 characters inside auth JSON",
    fix=FIX_SAFE,
)

def check_command(ref: CommandRef, options) -> Iterator[Hit]:
    cmd = ref.cmd
    if not cmd.derived(_wrapped_output):
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
