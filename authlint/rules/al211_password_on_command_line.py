"""
## What it does
Finds a registry password or token passed as a command-line argument from a
variable: `docker login -p $CI_REGISTRY_PASSWORD`, `--password=$X`, `-p"$X"`,
and the same for `podman`, `buildah`, `skopeo`, `nerdctl`, `oras`, `cosign`,
`crane auth`, `regctl registry`, `helm registry` / `helm repo add`, `werf cr`
and Kaniko forks' `executor login`, plus other secret flags of registry
clients (`--creds user:$P`, `--registry-password`, `kubectl create secret
docker-registry --docker-password`).  A literal password is AL102's business.

Severity: a **warning**: the login works and the job log shows nothing; the
password is exposed to other processes on the same host, a narrower leak than
the log or the repository.

## Why is this bad?
Every process on the machine can read another process's arguments (`ps`,
`/proc/<pid>/cmdline`): on a shared runner host, on a docker-in-docker
service, in process accounting and audit logs.  `docker login` prints
`WARNING! Using --password via the CLI is insecure. Use --password-stdin.`
GitLab masks the value in the job log only when it is exactly a masked
variable.

## Example
```sh
docker login -u "$CI_REGISTRY_USER" -p "$CI_REGISTRY_PASSWORD" "$CI_REGISTRY"
```

## Use instead
```sh
printf '%s' "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"
```
`printf` is a shell builtin, so the password never appears in a process's
arguments.

## Fix safety
The fix is safe when the value is exactly one variable expansion and the tool
has a stdin option (`--password-stdin`; `--pass-stdin` for regctl): the
`-p VALUE` pair (or `-pVALUE`, `--password=VALUE`) becomes `--password-stdin`
in place — every other argument keeps its order and quoting — and the command
is prefixed with `printf '%s' "$X" | `.  The tool then reads exactly the
variable's value (the tools strip at most one trailing newline, and `printf
'%s'` writes none).  `printf | cmd` is one pipeline, so `&&`, `||`, `if` and
`set -e` see the login's exit status as before.

It is shown, not applied, when the tool has no stdin option (`--creds`,
`kubectl --docker-password`, `cosign --registry-password`), when no user name
is given (`--password-stdin` needs one), when the command already reads stdin
(`... | docker login`, `< file`), when the value is more than one variable
(`"$A$B"`, `$(cat f)`), and where the text cannot be edited exactly.
"""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Applicability, Fix, Severity
from ..lazy import lazy_compile
from ..shell.flow import flow_of, stdin_source
from ..shell.model import Command, Word
from ..tools import REGISTRY_NAMES, SECRET_ARG_WORDS, SecretArg, after_global_options, leading_words, secret_args, tool_of, unwrap
from ..units import CommandRef, make_fix
from .base import FIX_SAFE, Example, Hit, Rule, Triggers

RULE = Rule(
    code="AL211",
    name="password-on-command-line",
    severity=Severity.WARNING,
    summary="registry password passed as a command-line argument instead of on stdin",
    fix=FIX_SAFE,
)

# Login-style commands that read the password from stdin, and their option.
STDIN_OPTION: dict[tuple[str, ...], str] = {
    ("docker", "login"): "--password-stdin",
    ("podman", "login"): "--password-stdin",
    ("buildah", "login"): "--password-stdin",
    ("skopeo", "login"): "--password-stdin",
    ("nerdctl", "login"): "--password-stdin",
    ("oras", "login"): "--password-stdin",
    ("cosign", "login"): "--password-stdin",
    ("crane", "auth", "login"): "--password-stdin",
    ("helm", "registry", "login"): "--password-stdin",
    ("helm", "repo", "add"): "--password-stdin",
    ("werf", "cr", "login"): "--password-stdin",
    ("werf", "helm", "registry", "login"): "--password-stdin",
    ("executor", "login"): "--password-stdin",
    ("regctl", "registry", "login"): "--pass-stdin",
}
_PASSWORD_FLAGS = frozenset({"-p", "--password", "--pass"})
_USER_FLAG = lazy_compile(r"^(?:-u|--username|--user)(?:=.+)?$|^-u.+")


def stdin_option(cmd: Command, program: str | None = None) -> str | None:
    """The tool's option that reads the password on stdin; ``program`` is the tool when the
    command is named by a variable (`$DOCKER login`, resolved by the flow model)."""
    tool = tool_of(cmd) or program
    if tool is None:
        return None
    subs = leading_words(after_global_options(tool, unwrap(cmd)[1]))
    for key, option in STDIN_OPTION.items():
        if key[0] == tool and tuple(subs[: len(key) - 1]) == key[1:]:
            return option
    return None


def _single_expansion(arg: SecretArg) -> str | None:
    """The raw text of the one variable expansion the value consists of, or None."""
    word = arg.word
    if arg.offset == 0:
        parts = word.parts
    else:
        first = word.parts[0] if word.parts else None
        if first is None or first.kind != "literal" or first.value != word.template[: arg.offset]:
            return None
        parts = word.parts[1:]
    expansions = [p for p in parts if p.kind != "literal"]
    if len(expansions) != 1 or any(p.kind == "literal" and p.value for p in parts):
        return None
    p = expansions[0]
    if p.kind != "variable" or p.raw.startswith(("${#", "${!")):
        return None
    return p.raw


def _advice(cmd: Command, tool: str) -> str:
    option = stdin_option(cmd, tool)
    if option:
        return f"pipe it in with {option}"
    if tool == "kubectl":
        return "create the secret from a docker config file instead (`--from-file=.dockerconfigjson=PATH`)"
    return "this command has no stdin option for it: give it the credential in a file or the environment"


def _expanded_secrets(cmd: Command) -> list[SecretArg]:
    """The secret options whose value is not a literal (what the rule judges; once per command)."""
    return [a for a in secret_args(cmd) if a.literal is None]


TRIGGERS = Triggers(commands=REGISTRY_NAMES, words=SECRET_ARG_WORDS, command=_expanded_secrets)  # secret_args


def check_command(ref: CommandRef, options) -> Iterator[Hit]:
    cmd = ref.cmd
    args = cmd.derived(_expanded_secrets)
    if not args:
        return
    words = list(cmd.args)
    flow = flow_of(ref)
    program = flow.program(cmd) if flow is not None else None  # who gets the value: `$DOCKER` resolved
    for arg in args:
        tool = program or tool_of(cmd) or cmd.basename or "command"
        joined = arg.offset > 0
        if joined:
            flag_word = arg.word
        else:
            idx = next((i for i, w in enumerate(words) if w is arg.word), None)
            flag_word = words[idx - 1] if idx else arg.word
        start, end = flag_word.start, arg.word.end
        yield ref.hit(
            start,
            end,
            f"password given to `{tool} {arg.flag}` on the command line: any process on the host can read it "
            f"(`ps`, /proc); {_advice(cmd, tool)}",
            fix=_fix(ref, arg, flag_word, len(args), program),
            key=f"{tool} {arg.flag}",
        )


def _fix(ref: CommandRef, arg: SecretArg, flag_word: Word, count: int, program: str | None) -> Fix:
    cmd = ref.cmd
    option = stdin_option(cmd, program)
    raw = _single_expansion(arg)
    shown = f'"{raw}"' if raw else '"$PASSWORD"'
    title = f"pipe the password in: `printf '%s' {shown} | … {option or '--password-stdin'}`"
    why = None
    if option is None or arg.flag not in _PASSWORD_FLAGS:
        why = "this option has no stdin equivalent" if option is not None else "authlint knows no stdin option for this command"
    elif count != 1:
        why = "the command has several secret arguments"
    elif raw is None:
        why = "the value is not exactly one variable"
    elif not any(_USER_FLAG.match(w.template) for w in unwrap(cmd)[1]):
        why = "the command gives no user name, which the stdin option needs"
    elif any(w.template in ("--password-stdin", "--pass-stdin") for w in cmd.args):
        why = "the command already has a stdin option"
    elif (fed := stdin_source(ref)) is not None:
        why = f"the command already reads its standard input ({fed})"
    elif not cmd.exact or cmd.via:
        why = "the command's text cannot be edited exactly"
    if why:
        return Fix(title, (), Applicability.DISPLAY_ONLY, reason=why)
    edits = [
        ref.edit(cmd.start, cmd.start, f"printf '%s' \"{raw}\" | "),
        ref.edit(flag_word.start, arg.word.end, option),
    ]
    return make_fix(title, edits, Applicability.SAFE, ref.unit.tmap)


_PUSH = 'docker push "$CI_REGISTRY_IMAGE"\n'

VALID = [
    Example('echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"\n'),
    Example("printf '%s' \"$CI_JOB_TOKEN\" | docker login -u gitlab-ci-token --password-stdin $CI_REGISTRY\n"),
    Example('echo "${GHCR_TOKEN}" | regctl registry login ghcr.io -u me --pass-stdin\n'),
    # a literal password is AL102
    Example("docker login -u deploy -p hunter2 registry.example.com\n"),
    # not a password
    Example("docker run -p 8080:80 nginx\n"),
    Example("ssh -p $SSH_PORT deploy@host\n"),
    Example("mysql -u root -p$MYSQL_ROOT_PASSWORD -e 'select 1'\n"),
]

INVALID = [
    Example(
        'docker login -u "$CI_REGISTRY_USER" ⟦-p "$CI_REGISTRY_PASSWORD"⟧ "$CI_REGISTRY"\n' + _PUSH,
        fixed='printf \'%s\' "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"\n' + _PUSH,
    ),
    # registry first, unquoted value (GitLab's old Docker template)
    Example(
        "docker login $CI_REGISTRY -u $CI_REGISTRY_USER ⟦-p $CI_REGISTRY_PASSWORD⟧\n" + _PUSH,
        fixed="printf '%s' \"$CI_REGISTRY_PASSWORD\" | docker login $CI_REGISTRY -u $CI_REGISTRY_USER --password-stdin\n" + _PUSH,
    ),
    Example(
        "docker login ⟦--password=${CI_JOB_TOKEN}⟧ --username gitlab-ci-token $CI_REGISTRY && " + _PUSH + _PUSH,
        fixed="printf '%s' \"${CI_JOB_TOKEN}\" | docker login --password-stdin --username gitlab-ci-token $CI_REGISTRY && " + _PUSH + _PUSH,
    ),
    Example(
        "buildah login -u \"$CI_REGISTRY_USER\" ⟦-p$CI_REGISTRY_PASSWORD⟧ \"$CI_REGISTRY\" || exit 1\nbuildah push app\n",
        fixed="printf '%s' \"$CI_REGISTRY_PASSWORD\" | buildah login -u \"$CI_REGISTRY_USER\" --password-stdin \"$CI_REGISTRY\" || exit 1\nbuildah push app\n",
    ),
    # split over lines
    Example(
        "podman login \\\n  --username ${CI_REGISTRY_USER} \\\n  ⟦--password ${CI_REGISTRY_PASSWORD}⟧ \\\n  ${CI_REGISTRY}\npodman push app\n",
        fixed="printf '%s' \"${CI_REGISTRY_PASSWORD}\" | podman login \\\n  --username ${CI_REGISTRY_USER} \\\n  --password-stdin \\\n  ${CI_REGISTRY}\npodman push app\n",
    ),
    Example(
        "crane auth login \"$CI_REGISTRY\" -u \"$CI_REGISTRY_USER\" ⟦-p \"$CI_REGISTRY_PASSWORD\"⟧\ncrane copy a b\n",
        fixed="printf '%s' \"$CI_REGISTRY_PASSWORD\" | crane auth login \"$CI_REGISTRY\" -u \"$CI_REGISTRY_USER\" --password-stdin\ncrane copy a b\n",
    ),
    Example(
        "helm registry login \"$CI_REGISTRY\" --username \"$CI_REGISTRY_USER\" ⟦--password \"$CI_REGISTRY_PASSWORD\"⟧\nhelm push chart.tgz oci://$CI_REGISTRY/charts\n",
        fixed="printf '%s' \"$CI_REGISTRY_PASSWORD\" | helm registry login \"$CI_REGISTRY\" --username \"$CI_REGISTRY_USER\" --password-stdin\nhelm push chart.tgz oci://$CI_REGISTRY/charts\n",
    ),
    Example(
        "skopeo login -u \"$U\" ⟦-p \"${CNG_REGISTRY_PASSWORD:-$CI_JOB_TOKEN}\"⟧ \"$CI_REGISTRY\"\nskopeo copy a b\n",
        fixed="printf '%s' \"${CNG_REGISTRY_PASSWORD:-$CI_JOB_TOKEN}\" | skopeo login -u \"$U\" --password-stdin \"$CI_REGISTRY\"\nskopeo copy a b\n",
    ),
    Example(
        "regctl registry login ghcr.io -u me ⟦--pass \"$GHCR_TOKEN\"⟧\nregctl image copy a b\n",
        fixed="printf '%s' \"$GHCR_TOKEN\" | regctl registry login ghcr.io -u me --pass-stdin\nregctl image copy a b\n",
    ),
    Example(
        "build:\n  script:\n    - docker login -u $CI_REGISTRY_USER ⟦-p $CI_REGISTRY_PASSWORD⟧ $CI_REGISTRY\n",
        kind="yaml",
        fixed="build:\n  script:\n    - printf '%s' \"$CI_REGISTRY_PASSWORD\" | docker login -u $CI_REGISTRY_USER --password-stdin $CI_REGISTRY\n",
    ),
    Example(
        "build:\n  script:\n    - 'docker login -u $CI_REGISTRY_USER ⟦-p $CI_REGISTRY_PASSWORD⟧ $CI_REGISTRY'\n",
        kind="yaml",
        fixed="build:\n  script:\n    - 'printf ''%s'' \"$CI_REGISTRY_PASSWORD\" | docker login -u $CI_REGISTRY_USER --password-stdin $CI_REGISTRY'\n",
    ),
    # shown only: the command's stdin is already fed (the flow model says by what)
    Example('yes | docker login -u me ⟦-p "$REGISTRY_PASSWORD"⟧ r.example.com\n'),
    # shown only: no user name, no stdin option, two variables
    Example("docker login ⟦-p $CI_JOB_TOKEN⟧ $CI_REGISTRY\n"),
    Example("skopeo copy ⟦--dest-creds \"$U:$P\"⟧ oci:img docker://r.example.com/app\n"),
    Example('docker login -u me ⟦-p "$PREFIX$TOKEN"⟧ r.example.com\n'),
    Example("kubectl create secret docker-registry regcred --docker-server=$CI_REGISTRY --docker-username=$U ⟦--docker-password=$CI_REGISTRY_PASSWORD⟧\n"),
    # trivy, Jib's system properties, a wrapper's own `login`
    Example('trivy image --username deploy ⟦--password "$TRIVY_PASSWORD"⟧ registry.example.com/app\n'),
    Example('mvn compile jib:build -Djib.to.auth.username=deploy ⟦-Djib.to.auth.password="$REGISTRY_PASSWORD"⟧\n'),
    Example('ci-registry login -u deploy ⟦-p "$DEPLOY_PASSWORD"⟧ registry.example.com\n'),
    # a script inside a script is on a command line too
    Example('sh -c "skopeo login -u deploy ⟦-p $REGISTRY_PASSWORD⟧ registry.example.com"\n'),
    # the remote command of ssh is a script run on the server: its `-p` is in that host's process list
    Example('ssh deploy@app.example.com "docker login -u deploy ⟦-p ${REGISTRY_PASSWORD}⟧ registry.example.com; docker compose pull"\n'),
]
