"""
## What it does
Finds commands whose output puts a registry credential into the job log:

* `echo` / `printf` / `printenv NAME` of a credential variable (a variable
  named like one, e.g. `*PASSWORD*`, `*TOKEN*`, `*SECRET*`, `DOCKER_AUTH_CONFIG`;
  one the script uses as one, e.g. the value of `-p`, what is piped into
  `--password-stdin`, an `auth`/`password` field of an auth JSON; or one
  derived from those, e.g. `AUTH=$(printf '%s:%s' "$U" "$P" | base64)`);
* `cat` (also `jq`, `head`, `base64`, ...) of an auth file: `~/.docker/config.json`,
  `/kaniko/.docker/config.json`, `$DOCKER_CONFIG/config.json`,
  `containers/auth.json`, `cat "$DOCKER_AUTH_CONFIG"` (a File-type variable
  holds a path), or a file the script wrote auth JSON into;
* `env`, `printenv`, `export -p`, `declare -p`, `set` (without arguments) in a
  job or script that handles registry credentials.

Only output that reaches the log counts: output redirected to a file or
`/dev/null`, captured by `$(...)`, or piped into a command that consumes it
(`docker login --password-stdin`, `sha256sum`, `grep -q`, ...) is fine; output
piped through `tee`, `base64`, `jq`, `sed`, `sort`, ... still reaches the log.
`2>&1`/`>&2` does not help: stderr is in the log too.

GitLab masks its own job-scoped credentials (`CI_JOB_TOKEN`,
`CI_REGISTRY_PASSWORD`, `CI_DEPENDENCY_PROXY_PASSWORD`, `CI_DEPLOY_PASSWORD`,
`CI_BUILD_TOKEN`; `masked: true` in `app/models/ci/build.rb`) wherever their
exact value appears in the log, so printing them as they are is not reported;
printing them encoded (`echo "$CI_JOB_TOKEN" | base64`) or inside a derived
value (a base64 `auth`) is.

Severity: an **error**: the credential is in the job log, readable by everyone
who can see the job (on a public project, everyone); GitLab masks only exact
values of masked variables.

## Why is this bad?
Job logs are readable by everyone with access to the project's pipelines (and
on public projects, by everyone).  Masking only replaces the exact value of a
masked variable: a JSON `DOCKER_AUTH_CONFIG` cannot be masked at all, and a
base64 `auth` built from a masked password is a different string, printed in
clear text (domain.md M8; gitlab#13514).

## Example
```sh
printf '%s' "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json
cat /kaniko/.docker/config.json
```

## Use instead
```sh
printf '%s' "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json
```
To check that a credential is set, print its length (`${#VAR}`) or test it
(`[ -n "$VAR" ]`), never its value.

## Fix safety
The fix deletes the command (the whole pipeline) and is unsafe: the job no
longer prints what it printed, which someone may rely on for debugging.  When
the output ends in `tee FILE`, the fix instead sends tee's copy to `/dev/null`
so the file is still written.  It is applied only where the pipeline is a whole
line of a `|` block or a `.sh` file, or a whole script item (not the only one);
elsewhere it is shown only.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterator

from ..delete import removal_fix, silence_tee_fix
from ..diagnostics import Fix, Severity
from ..jobfacts import facts, is_docker_like_path, path_key
from ..shell.flow import Flow, dumps_variables, flow_of, output_path, reveals, safe_jq
from ..tools import unwrap
from ..units import CommandRef
from .base import FIX_UNSAFE, Example, Hit, Rule, Triggers

if TYPE_CHECKING:
    from ..shell.model import Command, Word

RULE = Rule(
    code="AL401",
    name="secret-printed-to-log",
    severity=Severity.ERROR,
    summary="a registry credential or auth file is printed to the job log",
    fix=FIX_UNSAFE,
)

# ----------------------------------------------------------------- the rule
_PRINTERS = frozenset({"echo", "printf"})
_READERS = frozenset({"cat", "tac", "head", "tail", "more", "less", "jq", "yq", "bat", "nl", "base64", "xxd", "od", "hexdump", "strings", "tee"})
_DUMPERS = frozenset({"env", "printenv", "export", "declare", "typeset", "set"})


def _printing(cmd: "Command") -> tuple[bool, list[str]] | None:
    """(encoded, stages) of the output_path that takes what the command prints to the log, when
    the command alone says it may print a credential (once per command): a printer of an
    expansion, `printenv NAME`, a dump of the variables or a reader; None otherwise."""
    name, args = unwrap(cmd)
    if name is None or cmd.in_condition and name not in _PRINTERS:
        return None
    if name in _PRINTERS:
        if _literal_only(args) or name == "printf" and any((w.value or "").startswith("-v") for w in args[:1]):
            return None  # `echo "tests passed"`: no expansion to print; `printf -v VAR` assigns, prints nothing
    elif name in _DUMPERS:
        if not (name == "printenv" and args) and not dumps_variables(name, args):
            return None
    elif name not in _READERS or name == "tee" or name in ("jq", "yq") and safe_jq(args):
        return None  # tee prints what it reads: the producer is reported
    reaches, encoded, stages = output_path(cmd)
    return (encoded, stages) if reaches else None


TRIGGERS = Triggers(commands=_PRINTERS | _READERS | _DUMPERS, command=_printing)  # the program, past wrappers, is one of these


def check_command(ref: CommandRef, options) -> Iterator[Hit]:
    printing = ref.cmd.derived(_printing)
    scope = flow_of(ref) if printing is not None else None
    if scope is not None:
        hit = _check(scope, ref, *printing)
        if hit is not None:
            yield hit


def _literal_only(args: list["Word"]) -> bool:
    return all(w.value is not None for w in args)


def _check(scope: Flow, ref: CommandRef, encoded: bool, stages: list[str]) -> Hit | None:
    name, args = unwrap(ref.cmd)
    if name in _PRINTERS:
        return _printed(scope, ref, name, args, encoded, stages)
    if name == "printenv" and args:
        return _printenv(scope, ref, args, encoded)
    if name in _DUMPERS:
        return _dump(scope, ref, name)
    return _read(scope, ref, name, args, stages)


def _printed(scope: Flow, ref: CommandRef, name: str, args: list["Word"], encoded: bool, stages: list[str]) -> Hit | None:
    for w in args:
        for use in scope.uses(w, include_masked=True):
            masked = scope.creds.get(use.name, False) and not use.derived
            if masked and not encoded:
                continue
            via = f" through `{' | '.join(stages)}`" if stages else ""
            what = use.describe()
            extra = " (encoded, so GitLab's masking no longer hides it)" if masked else ""
            message = f"`{name}` prints {what}{via} to the job log{extra}; never print credentials"
            return ref.hit(use.start, use.end, message, fix=_fix(ref, f"delete the `{name}` command"), key=f"{name} {use.name}")
    return None


def _printenv(scope: Flow, ref: CommandRef, args: list["Word"], encoded: bool) -> Hit | None:
    for w in args:
        v = w.value
        if v and scope.is_cred(v) and (not scope.creds[v] or encoded):
            return ref.hit(w.start, w.end, f"`printenv {v}` prints the credential {v} to the job log", fix=_fix(ref, "delete the `printenv` command"), key=f"printenv {v}")
    return None


def _dump(scope: Flow, ref: CommandRef, name: str) -> Hit | None:
    if not scope.credential:
        return None
    names = sorted(n for n, masked in scope.creds.items() if not masked)

    def filtered(stage: str, args) -> bool:
        if stage not in ("grep", "egrep", "fgrep"):
            return False
        values = [w.value for w in args]
        if any(v is None for v in values) or any(v.startswith("-") and "v" in v[1:] and not v.startswith("--") for v in values):
            return False
        pats = [v for v in values if not v.startswith("-")]
        if not pats:
            return False
        flags = re.I if any(v.startswith("-") and "i" in v for v in values) else 0
        candidates = set(names) | {"DOCKER_AUTH_CONFIG"}
        try:
            rx = re.compile(pats[0], flags)
        except re.error:
            return False
        return not any(rx.search(f"{n}=value") for n in candidates)

    reaches, _, _ = output_path(ref.cmd, filtered)
    if not reaches:
        return None
    shown = {"export": "export -p", "declare": "declare -p", "typeset": "typeset -p"}.get(name, name)
    message = (
        f"`{shown}` prints the job's variables to the log in a job that handles registry credentials: "
        "DOCKER_AUTH_CONFIG (JSON cannot be masked) and unmasked passwords appear in clear text"
    )
    cmd = ref.cmd
    end = max([cmd.name.end if cmd.name is not None else cmd.start] + [w.end for w in cmd.args])
    return ref.hit(cmd.start, end, message, fix=_fix(ref, f"delete the `{shown}` command"), key=shown)


def _read(scope: Flow, ref: CommandRef, name: str, args: list["Word"], stages: list[str]) -> Hit | None:
    cmd = ref.cmd
    operands = _operands(name, args)
    for w in operands:
        if _is_auth_file(scope, ref, w):
            via = f" through `{' | '.join(stages)}`" if stages else ""
            message = f"`{name}` prints the registry auth file {w.template}{via} to the job log: its `auth` values are not masked"
            return ref.hit(w.start, w.end, message, fix=_fix(ref, f"delete the `{name}` command"), key=f"{name} {path_key(w.template)}")
    if name == "cat" and not operands:
        for r in cmd.redirects:
            hd = r.heredoc
            if hd is not None and not hd.quoted:
                for p in hd.parts:
                    if p.kind == "variable" and p.var in scope.creds and not scope.creds[p.var] and reveals(p):
                        message = f"`cat` prints a here-document holding ${p.var} to the job log"
                        return ref.hit(p.start, p.end, message, fix=_fix(ref, "delete the `cat` command"), key=f"cat heredoc {p.var}")
            if r.op == "<<<" and r.target is not None:
                for use in scope.uses(r.target):
                    return ref.hit(use.start, use.end, f"`cat` prints ${use.name} to the job log", fix=_fix(ref, "delete the `cat` command"), key=f"cat {use.name}")
    return None


def _operands(name: str, args: list["Word"]) -> list["Word"]:
    out: list["Word"] = []
    skip = False
    for w in args:
        v = w.value
        if skip:
            skip = False
            continue
        if v is not None and v.startswith("-") and v != "-":
            if name in ("head", "tail") and v in ("-n", "-c"):
                skip = True
            if name in ("jq", "yq") and v in ("--arg", "--argjson", "--slurpfile", "--rawfile", "-f", "--from-file"):
                skip = True
            continue
        out.append(w)
    if name in ("jq", "yq") and out:
        out = out[1:]  # the filter
    return out


def _is_auth_file(scope: Flow, ref: CommandRef, word: "Word") -> bool:
    t = word.template
    if re.fullmatch(r"/proc/[^/]+/environ", t):
        return False
    if word.single_variable in ("DOCKER_AUTH_CONFIG", "REGISTRY_AUTH_FILE") or word.single_variable in scope.path_vars:
        return True
    if is_docker_like_path(t) or path_key(t) in scope.auth_paths:
        return True
    if scope.job is not None:
        f = facts(scope.job)
        resolved = f.resolve(t)
        if resolved is not None and f.credential_job and resolved in (f.docker_config(), f.kaniko_config() if f.kaniko else None):
            return True
    return False


def _fix(ref: CommandRef, title: str) -> Fix:
    tee = silence_tee_fix(ref, "send tee's copy to /dev/null")
    if tee is not None:
        return tee
    return removal_fix(ref, title)


VALID = [
    Example('echo "Logging into Docker registry..."\n'),
    Example('echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"\n'),
    Example("printf '%s' \"$DOCKER_AUTH_CONFIG\" > /kaniko/.docker/config.json\n"),
    Example('echo "DOCKER_AUTH_CONFIG is ${#DOCKER_AUTH_CONFIG} characters long"\n'),
    Example('echo "user: $CI_REGISTRY_USER, token: $CI_JOB_TOKEN"\n'),
    Example('AUTH=$(printf \'%s:%s\' "$REGISTRY_USER" "$REGISTRY_PASSWORD" | base64 | tr -d \'\\n\')\n'),
    Example('echo "$REGISTRY_PASSWORD" | sha256sum\n'),
    Example("env | sort\nmake test\n"),  # not a credential job
    Example('echo "$REGISTRY_PASSWORD" | docker login -u deploy --password-stdin r.example.com\nenv | grep -c CI_\n'),
    Example("cat package.json\n"),
    Example("jq -r '.auths | keys[]' ~/.docker/config.json\n"),
    Example("set -eu\nset -o pipefail\n"),
    Example('mkdir -p ~/.docker\necho "{\\"auths\\":{\\"r.example.com\\":{\\"auth\\":\\"$AUTH\\"}}}" | tee ~/.docker/config.json > /dev/null\n'),
    Example('git clone "https://gitlab-ci-token:${CI_JOB_TOKEN}@gitlab.example.com/group/repo.git"\n'),
    Example('[ -n "$REGISTRY_PASSWORD" ] || echo "REGISTRY_PASSWORD is not set" >&2\n'),
    # a command's output is not what it was given: the API's answer, not the token
    Example('RESPONSE=$(curl -s -H "PRIVATE-TOKEN: $API_TOKEN" https://gitlab.example.com/api/v4/projects)\necho "$RESPONSE"\n'),
    # a counter in a test script, whatever its name
    Example('PASS=0\nPASS=$((PASS+1))\necho "passed: $PASS"\n'),
    # decoded into ssh-add, which prints nothing of it
    Example('echo "$SSH_PRIVATE_KEY" | base64 -d | ssh-add -\n'),
    # a redirect on a later line does not make ssh-add's input the job log (a tree-sitter-bash misparse)
    Example('echo "$SSH_PRIVATE_KEY" | tr -d \'\\r\' | ssh-add -\nmkdir -p ~/.ssh\necho "$SSH_KNOWN_HOSTS" >> ~/.ssh/known_hosts\n'),
    # the secret fields deleted before printing
    Example("cat ~/.docker/config.json | jq 'del(.auths[].auth)'\n"),
    # a `secrets:` entry is a File-type variable unless `file: false`: echo prints its path
    Example(
        "deploy:\n  script:\n    - echo $DB_PASSWORD\n    - docker login -u deploy --password-stdin r.example.com < \"$DB_PASSWORD\"\n"
        "  secrets:\n    DB_PASSWORD:\n      vault: production/db/password\n",
        kind="yaml",
    ),
]

INVALID = [
    # with `file: false` the variable holds the secret itself
    Example(
        "deploy:\n  script:\n    - make deploy\n    - echo ⟦$DB_PASSWORD⟧\n"
        "  secrets:\n    DB_PASSWORD:\n      vault: production/db/password\n      file: false\n",
        kind="yaml",
        fixed="deploy:\n  script:\n    - make deploy\n  secrets:\n    DB_PASSWORD:\n      vault: production/db/password\n      file: false\n",
    ),
    Example(
        "printf '%s' \"$DOCKER_AUTH_CONFIG\" > /kaniko/.docker/config.json\ncat ⟦/kaniko/.docker/config.json⟧\n"
        "/kaniko/executor --context . --destination \"$CI_REGISTRY_IMAGE\"\n",
        fixed="printf '%s' \"$DOCKER_AUTH_CONFIG\" > /kaniko/.docker/config.json\n"
        "/kaniko/executor --context . --destination \"$CI_REGISTRY_IMAGE\"\n",
    ),
    # the corpus' clearest leak (3forges config.sh): echo of the token, then cat | tee of the JSON
    Example(
        'echo "  PESTO_CI_DOCKER_AUTH_TOKEN=[⟦${PESTO_CI_DOCKER_AUTH_TOKEN}⟧]"\n'
        "cat <<EOF >./.pesto.ci.docker.config.json\n"
        '{"auths": {"https://index.docker.io/v1/": {"auth": "${PESTO_CI_DOCKER_AUTH_TOKEN}"}}}\n'
        "EOF\n"
        "mkdir -p ~/.docker/\n"
        "cat ./.pesto.ci.docker.config.json | tee ~/.docker/config.json\n",
        count=2,
        fixed="cat <<EOF >./.pesto.ci.docker.config.json\n"
        '{"auths": {"https://index.docker.io/v1/": {"auth": "${PESTO_CI_DOCKER_AUTH_TOKEN}"}}}\n'
        "EOF\n"
        "mkdir -p ~/.docker/\n"
        "cat ./.pesto.ci.docker.config.json | tee ~/.docker/config.json >/dev/null\n",
    ),
    Example('echo "password is ⟦$REGISTRY_PASSWORD⟧"\n'),
    Example('echo ⟦$DOCKER_AUTH_CONFIG⟧ | jq .\n'),
    Example('AUTH=$(echo -n "$REGISTRY_USER:$REGISTRY_PASSWORD" | base64 -w0)\necho "auth: ⟦$AUTH⟧"\n', fixed='AUTH=$(echo -n "$REGISTRY_USER:$REGISTRY_PASSWORD" | base64 -w0)\n'),
    Example('echo "⟦$CI_JOB_TOKEN⟧" | base64\n'),
    Example('echo "$DOCKER_PASSWORD" | docker login -u me --password-stdin\n⟦env⟧ | sort\n', fixed='echo "$DOCKER_PASSWORD" | docker login -u me --password-stdin\n'),
    Example('cat ⟦"$DOCKER_AUTH_CONFIG"⟧\n'),
    Example(
        "docker login -u \"$CI_REGISTRY_USER\" -p \"$CI_REGISTRY_PASSWORD\" \"$CI_REGISTRY\"\njq . ⟦~/.docker/config.json⟧\n",
        fixed="docker login -u \"$CI_REGISTRY_USER\" -p \"$CI_REGISTRY_PASSWORD\" \"$CI_REGISTRY\"\n",
    ),
    Example(
        "build:\n  image: docker:27\n  script:\n    - docker login -u \"$CI_REGISTRY_USER\" -p \"$CI_REGISTRY_PASSWORD\" \"$CI_REGISTRY\"\n"
        "    - ⟦printenv⟧\n    - docker push \"$CI_REGISTRY_IMAGE\"\n",
        kind="yaml",
        fixed="build:\n  image: docker:27\n  script:\n    - docker login -u \"$CI_REGISTRY_USER\" -p \"$CI_REGISTRY_PASSWORD\" \"$CI_REGISTRY\"\n"
        "    - docker push \"$CI_REGISTRY_IMAGE\"\n",
    ),
]
