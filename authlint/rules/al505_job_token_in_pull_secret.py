"""
## What it does
Finds `kubectl create secret docker-registry` given the job token as its
password: `--docker-password` set to `$CI_JOB_TOKEN` or `$CI_REGISTRY_PASSWORD`
(the same token), and a `kubectl create secret` whose `--from-file` is an auth
file the job wrote from the job token (by hand, or by `docker login` with it).
A fallback such as `${CI_DEPLOY_PASSWORD:-$CI_REGISTRY_PASSWORD}` is not
reported: a deploy token is used when it exists.

Severity: an **error**: the pull secret stops working when the job ends, so
the cluster's next pull of the image fails.

## Why is this bad?
The job token is valid only while the job runs (`CI_REGISTRY_PASSWORD` "is the
same as the `CI_JOB_TOKEN`").  The pull secret outlives the job: the first pull
works, then every later pull (a new node, a restart, a scale-up) fails with
`unauthorized` and pods stay in `ImagePullBackOff`.  A long-lived secret needs
a long-lived credential such as a deploy token with `read_registry`.

## Example
```sh
kubectl create secret docker-registry regcred --docker-server="$CI_REGISTRY" \\
  --docker-username="$CI_REGISTRY_USER" --docker-password="$CI_REGISTRY_PASSWORD"
```

## Use instead
```sh
printf '{"auths":{"%s":{"auth":"%s"}}}' "$CI_REGISTRY" \
  "$(printf '%s:%s' "$CI_DEPLOY_USER" "$CI_DEPLOY_PASSWORD" | base64 | tr -d '\n')" > pull.json
kubectl create secret generic regcred --type=kubernetes.io/dockerconfigjson \
  --from-file=.dockerconfigjson=pull.json
rm pull.json
```
GitLab sets `CI_DEPLOY_USER` and `CI_DEPLOY_PASSWORD` when the project has a
deploy token named `gitlab-deploy-token`.  The file keeps the password off
the command line, where `--docker-password` would show it.

## Fix safety
The fix uses `CI_DEPLOY_USER` / `CI_DEPLOY_PASSWORD` instead.  It is unsafe:
those variables exist only once a deploy token named `gitlab-deploy-token` is
created.  It is offered only when the user name is `$CI_REGISTRY_USER` or
`gitlab-ci-token`, so both can be replaced exactly.
"""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Applicability, Fix, Severity
from ..shell.flow import PREDEFINED_CREDENTIAL, Flow, flow_of
from ..tools import subcommands, tool_of
from ..units import CommandRef, make_fix
from .base import FIX_UNSAFE, Example, Hit, Rule, Triggers

RULE = Rule(
    code="AL505",
    name="job-token-in-pull-secret",
    severity=Severity.ERROR,
    summary="Kubernetes pull secret built from the job token, which expires when the job ends",
    fix=FIX_UNSAFE,
)

TRIGGERS = Triggers(commands=frozenset({"kubectl"}), dynamic=True)  # or `$KUBECTL ...` (Flow.program)
JOB_TOKENS = frozenset({"CI_JOB_TOKEN", "CI_REGISTRY_PASSWORD"})
_USER_FLAG = "--docker-username"
_TITLE = "use the deploy token: CI_DEPLOY_USER / CI_DEPLOY_PASSWORD"


def check_command(ref: CommandRef, options) -> Iterator[Hit]:
    cmd = ref.cmd
    flow = flow_of(ref)
    if (flow.program(cmd) if flow is not None else tool_of(cmd)) != "kubectl":
        return  # (also `$KUBECTL create secret ...`, the program resolved from its definition)
    yield from _from_file_hits(ref, flow)
    if subcommands(cmd)[:3] != ["create", "secret", "docker-registry"]:
        return
    for word in _password_words(cmd):
        token = next((p for p in word.parts if p.simple and _job_token(flow, p.var)), None)
        if token is None:
            continue
        held = _job_token(flow, token.var)
        via = f" (which holds ${held})" if held != token.var else ""
        message = (
            f"pull secret from ${token.var}{via}: the job token expires when this job ends, so every later "
            "image pull from the cluster fails with `unauthorized`; use a deploy token with read_registry"
        )
        yield ref.hit(token.start, token.end, message, fix=_fix(ref, token), key=token.var or "")


def _password_words(cmd) -> list:
    """The value words of `--docker-password=X` / `--docker-password X`."""
    args = cmd.args
    out = []
    for i, w in enumerate(args):
        if w.template.startswith("--docker-password="):
            out.append(w)
        elif w.template == "--docker-password" and i + 1 < len(args):
            out.append(args[i + 1])
    return out


def _job_token(flow: Flow | None, name: str | None) -> str | None:
    """The job token a variable holds (`CI_JOB_TOKEN`, or a copy such as `REG_PASS: $CI_REGISTRY_PASSWORD`)."""
    if name is None:
        return None
    if flow is None:
        return name if name in JOB_TOKENS else None
    origins = flow.origins(name)
    names = {o.name for o in origins}
    if origins and all(o.kind == PREDEFINED_CREDENTIAL for o in origins) and len(names) == 1 and names <= JOB_TOKENS:
        return names.pop()
    return None


def _from_file_hits(ref: CommandRef, flow: Flow | None) -> Iterator[Hit]:
    """`kubectl create secret ... --from-file=.dockerconfigjson=F` where F holds the job token."""
    cmd = ref.cmd
    words = [w for w in cmd.args if w.template.startswith("--from-file=")]
    if flow is None or not words or subcommands(cmd)[:2] != ["create", "secret"]:
        return
    for word in words:
        t = word.template
        path = t.split("=", 2)[-1]
        # the model knows what wrote the file before: echo/printf/here-documents, a login
        if any(o.kind == PREDEFINED_CREDENTIAL and o.name in JOB_TOKENS for o in flow.file_origins(path, ref)):
            message = (
                f"pull secret from {path}, which this job wrote with the job token: the token expires when "
                "the job ends, so every later image pull from the cluster fails; use a deploy token with read_registry"
            )
            yield ref.word_hit(word, message, len(t) - len(path), key=path)


def _fix(ref: CommandRef, token) -> Fix:
    user = _user_edit(ref)
    if user is None:
        return Fix(_TITLE, (), Applicability.DISPLAY_ONLY, reason="the user name is not the job token's")
    if not ref.cmd.exact or ref.cmd.via:
        return Fix(_TITLE, (), Applicability.DISPLAY_ONLY, reason="the command cannot be edited exactly")
    if token.var not in JOB_TOKENS:
        return Fix(_TITLE, (), Applicability.DISPLAY_ONLY, reason=f"${token.var} is defined elsewhere: change its definition")
    edits = [ref.edit(*user), ref.edit(token.start, token.end, token.raw.replace(token.var, "CI_DEPLOY_PASSWORD"))]
    return make_fix(_TITLE, edits, Applicability.UNSAFE, ref.unit.tmap)


def _user_edit(ref: CommandRef) -> tuple[int, int, str] | None:
    """(start, end, text) turning the --docker-username value into $CI_DEPLOY_USER, if it is the job token's."""
    args = ref.cmd.args
    for i, w in enumerate(args):
        if w.template == _USER_FLAG and i + 1 < len(args):
            parts, offset = args[i + 1].parts, 0
        elif w.template.startswith(_USER_FLAG + "=") and w.raw.startswith(_USER_FLAG + "="):
            parts, offset = w.parts, len(_USER_FLAG) + 1
        else:
            continue
        values = [p for p in parts if not (p.is_literal and p.raw == _USER_FLAG + "=")]
        if len(values) != 1:
            return None
        p = values[0]
        if p.var == "CI_REGISTRY_USER" and p.simple:
            return p.start, p.end, p.raw.replace("CI_REGISTRY_USER", "CI_DEPLOY_USER")
        if p.is_literal and p.quote == "none" and p.raw[offset if p is parts[0] else 0 :] == "gitlab-ci-token":
            return p.end - len("gitlab-ci-token"), p.end, "$CI_DEPLOY_USER"
        return None
    return None


_LINE = 'kubectl create secret docker-registry regcred --docker-server="$CI_REGISTRY"'

VALID = [
    Example(_LINE + ' --docker-username="$CI_DEPLOY_USER" --docker-password="$CI_DEPLOY_PASSWORD"\n'),
    # a fallback: the deploy token is used when it exists
    Example(_LINE + ' --docker-username="${CI_DEPLOY_USER:-$CI_REGISTRY_USER}" --docker-password="${CI_DEPLOY_PASSWORD:-$CI_REGISTRY_PASSWORD}"\n'),
    # the job token used by the job itself is fine
    Example('echo "$CI_JOB_TOKEN" | docker login -u gitlab-ci-token --password-stdin "$CI_REGISTRY"\n'),
    Example("kubectl create secret generic app --from-literal=token=\"$API_TOKEN\"\n"),
    Example(
        'echo "$DEPLOY_TOKEN" | docker login -u "$DEPLOY_USER" --password-stdin "$CI_REGISTRY"\n'
        "kubectl create secret generic regcred --type=kubernetes.io/dockerconfigjson "
        "--from-file=.dockerconfigjson=$HOME/.docker/config.json\n"
    ),
]

INVALID = [
    Example(
        _LINE + ' --docker-username="$CI_REGISTRY_USER" --docker-password="⟦$CI_REGISTRY_PASSWORD⟧"\nkubectl apply -f k8s/\n',
        fixed=_LINE + ' --docker-username="$CI_DEPLOY_USER" --docker-password="$CI_DEPLOY_PASSWORD"\nkubectl apply -f k8s/\n',
    ),
    Example(
        "kubectl create secret docker-registry gitlab-registry -n \"$NS\" --docker-server=$CI_REGISTRY "
        "--docker-username gitlab-ci-token --docker-password ⟦${CI_JOB_TOKEN}⟧\nkubectl apply -f k8s/\n",
        fixed="kubectl create secret docker-registry gitlab-registry -n \"$NS\" --docker-server=$CI_REGISTRY "
        "--docker-username $CI_DEPLOY_USER --docker-password ${CI_DEPLOY_PASSWORD}\nkubectl apply -f k8s/\n",
    ),
    # another user: shown only
    Example(_LINE + " --docker-username=\"$REG_USER\" --docker-password=⟦$CI_JOB_TOKEN⟧\n"),
    # a copy of the job token, and kubectl named by a variable
    Example(
        "deploy:\n  variables:\n    KUBECTL: kubectl\n    PULL_PASSWORD: $CI_JOB_TOKEN\n  script:\n"
        "    - $KUBECTL create secret docker-registry regcred --docker-server=$CI_REGISTRY --docker-username=$CI_REGISTRY_USER"
        " --docker-password=⟦$PULL_PASSWORD⟧\n",
        kind="yaml",
    ),
    # the config docker login wrote with the job token
    Example(
        'echo "$CI_JOB_TOKEN" | docker login -u gitlab-ci-token --password-stdin "$CI_REGISTRY"\n'
        "kubectl create secret generic regcred --type=kubernetes.io/dockerconfigjson "
        "--from-file=.dockerconfigjson=⟦$HOME/.docker/config.json⟧\n"
    ),
    Example(
        "echo \"{\\\"auths\\\":{\\\"$CI_REGISTRY\\\":{\\\"auth\\\":\\\"$(printf '%s:%s' \"$CI_REGISTRY_USER\" \"$CI_REGISTRY_PASSWORD\" | base64 | tr -d '\\n')\\\"}}}\" > pull.json\n"
        "kubectl create secret generic regcred --from-file=.dockerconfigjson=⟦pull.json⟧ --type=kubernetes.io/dockerconfigjson\n"
    ),
]
