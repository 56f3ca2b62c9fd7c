"""
## What it does
Finds a literal password or token given to a registry client: what is piped
into `--password-stdin` (`echo -n "hunter2" | docker login ...`), the value of
`-p`/`--password` of `docker`/`podman`/`buildah`/`helm registry`/`oras`/`crane`/
`regctl`/`executor login`, skopeo's `--creds`/`--src-creds`/`--dest-creds`/
`--*-password`/`--registry-token`, and the literal value of a variable whose
name says it is a registry credential (`*REGISTRY*PASS*`, `*REGISTRY*TOKEN*`,
`DOCKER_PASS*`, `DOCKER_TOKEN`, `*_DEPLOY_TOKEN`), in `variables:` or in a
script assignment.  A variable counts when every value the repository gives it
is a literal (authlint.shell.flow), and so does a `spec:inputs` default that
reaches the password through `$[[ inputs.NAME ]]`.

Severity: an **error**: the password is committed, so everyone who can read
the repository or its history can log in to the registry with it.

## Why is this bad?
The credential is committed: everyone who can read the repository (and its
history, forks and merge requests) can push to or pull from your registry.
A password for a database test container is not a registry credential and is
left to AL106.

## Example
```sh
docker login -u deploy -p hunter2 registry.example.com
```

## Use instead
```sh
printf '%s' "$REGISTRY_PASSWORD" | docker login -u deploy --password-stdin registry.example.com
```
with `REGISTRY_PASSWORD` a masked CI/CD variable (or GitLab's own
`$CI_REGISTRY_PASSWORD` for the project registry).

## Fix safety
There is no automatic fix: the password must be rotated and moved into a
CI/CD variable, which authlint cannot do.
"""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Severity
from ..secrets import looks_like_literal_secret, redact
from ..shell.flow import flow_of, input_defaults, stdin_word
from ..shell.model import Command
from ..tools import REGISTRY_NAMES, SECRET_ARG_WORDS, is_credential_name, is_login, secret_args, subcommands, tool_of
from ..units import CommandRef, FileUnit, JobUnit
from .base import Example, Hit, Rule, Triggers


def _stdin_login(cmd: Command) -> bool:
    """A registry login that reads its password on stdin."""
    return tool_of(cmd) is not None and is_login(cmd) and any(w.value in ("--password-stdin", "--pass-stdin") for w in cmd.args)


def _gives_password(cmd: Command) -> bool:
    """What the rule reads of the command alone (once per command): a secret option or a stdin login."""
    return bool(secret_args(cmd)) or cmd.derived(_stdin_login)


TRIGGERS = Triggers(commands=REGISTRY_NAMES, words=SECRET_ARG_WORDS, command=_gives_password)  # secret_args, or a registry login
RULE = Rule(
    code="AL102",
    name="literal-registry-password",
    severity=Severity.ERROR,
    summary="literal registry password or token committed in a script or variable",
)


def check_command(ref: CommandRef, options) -> Iterator[Hit]:
    for arg in secret_args(ref.cmd):
        offset, literal = arg.secret_part()
        if literal is None:
            yield from _committed(ref, arg.word, arg.flag)
            continue
        if not looks_like_literal_secret(literal):
            continue
        yield ref.word_hit(
            arg.word,
            f"literal password given to `{_tool(ref)} {arg.flag}` ({redact(literal)}); "
            "pass a masked CI/CD variable with --password-stdin instead",
            offset,
            offset + len(literal),
            secrets=(literal,),
            key=f"{_tool(ref)} {arg.flag}",
        )
    if ref.cmd.derived(_stdin_login):
        word = stdin_word(ref)
        if word is None:
            return
        if word.value is not None and looks_like_literal_secret(word.value):
            yield ref.word_hit(
                word,
                f"literal password piped into `{_tool(ref)} --password-stdin` ({redact(word.value)}); "
                "pipe a masked CI/CD variable instead",
                secrets=(word.value,),
                key=f"{_tool(ref)} stdin",
            )
        elif word.value is None:
            yield from _committed(ref, word, "--password-stdin")


def _tool(ref: CommandRef) -> str:
    """The command as the messages name it: `docker login`, `skopeo copy`."""
    return " ".join([tool_of(ref.cmd) or ref.cmd.basename or "command", *subcommands(ref.cmd)[:2]])


def _committed(ref: CommandRef, word, flag: str) -> Iterator[Hit]:
    """A password word given to flag that is a committed value in disguise: a `spec:inputs`
    default, or a variable every definition of which is a literal."""
    for name, default in input_defaults(ref, word):
        if default and looks_like_literal_secret(default):
            yield ref.word_hit(
                word,
                f"the password given to `{_tool(ref)} {flag}` is the `spec:inputs` default of `{name}` ({redact(default)}), committed "
                "in the repository; give the input no default and pass a masked CI/CD variable",
                secrets=(default,),
                key=f"input {name}",
            )
            return
    name = word.single_variable
    if name is None or is_credential_name(name):
        return  # (a credential's name: not reported, whatever it holds)
    flow = flow_of(ref)
    literal = flow.literal(name) if flow is not None else None
    if literal and looks_like_literal_secret(literal) and not restates_name(name, literal):
        yield ref.word_hit(
            word,
            f"${name}, given to `{_tool(ref)} {flag}`, holds a literal password committed in the repository ({redact(literal)}); "
            "use a masked CI/CD variable instead",
            secrets=(literal,),
            key=f"literal {name}",
        )


def check_file(unit: FileUnit, options) -> Iterator[Hit]:
    pipeline = unit.pipeline
    if pipeline is not None:
        seen: set[int] = set()
        for var in _variables(pipeline):
            scalar = var.value
            if scalar is None or id(scalar) in seen or scalar.source is not unit.source:
                continue
            seen.add(id(scalar))
            if var.name == "DOCKER_AUTH_CONFIG" or not is_credential_name(var.name):
                continue
            if (var.expand and not looks_like_literal_secret(scalar.value)) or restates_name(var.name, scalar.value):
                continue
            if not var.expand and not scalar.value:
                continue
            yield Hit(
                unit.source,
                scalar.span,
                f"variable {var.name} holds a literal registry credential ({redact(scalar.value)}); "
                "define it as a masked CI/CD variable in the project settings instead",
                secrets=(scalar.value,),
                key=var.name,
            )
    if unit.shell is not None:
        yield from _assignments(unit.shell, None)


def restates_name(name: str, value: str) -> bool:
    """`CI_DEPLOY_PASSWORD: ci-deploy-password` is a test placeholder, not a credential."""
    def norm(t: str) -> str:
        return "".join(ch for ch in t.lower() if ch.isalnum())

    v = norm(value)
    return len(v) >= 4 and v in norm(name)


def check_job(unit: JobUnit, options) -> Iterator[Hit]:
    for shell in unit.units:
        yield from _assignments(shell, unit.name)


def _assignments(shell, job: str | None) -> Iterator[Hit]:
    for a in shell.script.assignments:
        if not shell.owns(a.start):  # another script item's: reported through its own unit
            continue
        if a.value is None or a.value.value is None or not is_credential_name(a.name):
            continue
        if a.name == "DOCKER_AUTH_CONFIG" or not looks_like_literal_secret(a.value.value) or restates_name(a.name, a.value.value):
            continue
        yield Hit(
            shell.source,
            shell.span(a.value.start, a.value.end),
            f"{a.name} is assigned a literal registry credential ({redact(a.value.value)}); "
            "use a masked CI/CD variable instead",
            job=job,
            secrets=(a.value.value,),
            key=a.name,
        )


def _variables(pipeline):
    yield from pipeline.variables.values()
    for job in pipeline.jobs.values():
        yield from job.variables.values()
        for combo in job.matrix:
            yield from combo.values()


VALID = [
    Example('echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"\n'),
    Example("docker login -u deploy -p $REGISTRY_PASSWORD registry.example.com\n"),
    Example("docker run -p 8080:80 nginx\n"),
    # a value that restates the variable's name is a test placeholder
    Example("test:\n  variables:\n    CI_DEPLOY_PASSWORD: ci-deploy-password\n  script: [make test]\n", kind="yaml"),
    Example('skopeo copy --dest-creds "$U:$P" oci:img docker://r.example.com/app\n'),
    Example(
        "test:\n  services: [postgres:16]\n  variables:\n    POSTGRES_PASSWORD: test_password\n  script: [pytest]\n",
        kind="yaml",
    ),
    Example("variables:\n  REGISTRY_PASSWORD: $VAULT_REGISTRY_PASSWORD\njob:\n  script: [make]\n", kind="yaml"),
]

INVALID = [
    Example("docker login -u deploy -p ⟦hunter2⟧ registry.example.com\n"),
    Example("podman login --password=⟦s3cr3t-Pa55⟧ -u me quay.io\n"),
    Example("skopeo copy --dest-creds deploy:⟦hunter2⟧ oci:img docker://r.example.com/app\n"),
    Example("export REGISTRY_PASSWORD=⟦hunter2⟧\n"),
    Example(
        "variables:\n  DOCKER_HUB_PASSWORD: ⟦hunter2⟧\njob:\n  script: [make]\n",
        kind="yaml",
    ),
    # once, at the item that assigns it (a job's items are one script, each a unit over it)
    Example(
        "build:\n  script:\n    - echo one\n    - DOCKER_PASSWORD=⟦s3cr3t-Pa55⟧\n    - make\n",
        kind="yaml",
        count=1,
    ),
    # Jib's credentials as Maven system properties
    Example("mvn compile jib:build -Djib.to.auth.username=deploy -Djib.to.auth.password=⟦s3cr3t-Pa55⟧\n"),
    # a literal piped into --password-stdin is as committed as one after -p
    Example('echo -n ⟦"s3cr3t-Pa55"⟧ | docker login -u deploy --password-stdin registry.example.com\n'),
    # so is a variable that only ever holds a literal
    Example('PW=s3cr3t-Pa55\ndocker login -u deploy -p ⟦"$PW"⟧ registry.example.com\n'),
    # and a spec:inputs default, which GitLab fills in before the shell runs
    Example(
        "spec:\n  inputs:\n    registry_password:\n      default: s3cr3t-Pa55\n---\n"
        "build:\n  script:\n    - echo ⟦\"$[[ inputs.registry_password ]]\"⟧ | docker login -u deploy --password-stdin registry.example.com\n",
        kind="yaml",
    ),
]
