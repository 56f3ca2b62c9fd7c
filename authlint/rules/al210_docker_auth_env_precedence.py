"""
## What it does
Finds `docker login` (or a docker auth file written from something other than
`$DOCKER_AUTH_CONFIG`) in a job whose docker CLI is 28.3 or newer while
`DOCKER_AUTH_CONFIG` is set for the job.

The docker CLI version comes from the job image's tag (`docker:27`,
`docker:24.0.7-dind`, `docker:28.2.2-cli` are older; `docker:28`, `docker:29`,
`docker:latest`, `docker:dind`, `docker:cli` are new enough); a job with
another image counts when it uses a `docker:dind` service or `docker buildx`
(its CLI is assumed current).  `DOCKER_AUTH_CONFIG` is usually a project
variable authlint cannot see, so it is taken as set when the job's
variables define it (non-empty) or the pipeline mentions it anywhere (a job
that writes it to a Kaniko config, a comment); `DOCKER_AUTH_CONFIG: ""` in
the job, `unset DOCKER_AUTH_CONFIG` (or `env -u`, a `DOCKER_AUTH_CONFIG=`
prefix) before the login, and an unresolved include keep the rule silent.

Severity: a **warning**: the push fails only when the variable lacks push
rights for that registry (often it is a pull-only credential); when it holds
the same credentials the login is merely redundant.

## Why is this bad?
Since docker CLI 28.3 a `DOCKER_AUTH_CONFIG` environment variable is a
credential store that takes precedence over `config.json` and `docker login`
(docker/cli#6008).  GitLab exports project variables into the job, so the
login succeeds but pushes still use the variable's (often pull-only)
credentials: `denied: requested access to the resource is denied`
(docker/cli#6156).  A variable in the runner's format that the CLI's strict
parser rejects prints `Failed to create credential store from
DOCKER_AUTH_CONFIG` on every command.

## Example
```yaml
release:
  image: docker:29
  services: [docker:29-dind]
  script:
    - echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"
    - docker push "$CI_REGISTRY_IMAGE"
```
(with `DOCKER_AUTH_CONFIG` set as a project variable for pulling private
job images)

## Use instead
```yaml
  script:
    - unset DOCKER_AUTH_CONFIG
    - echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"
```
The runner has pulled the job's images before the script starts, so the
variable is no longer needed in the shell.

## Fix safety
The fix is unsafe: it inserts `unset DOCKER_AUTH_CONFIG` before the login, so
docker commands of the job no longer see the variable's credentials.  It is
only shown when the job reads `DOCKER_AUTH_CONFIG` after that point, when the
login is in a script file or a template shared with other jobs, or when no
line can be inserted exactly.
"""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Applicability, Fix, Severity
from ..jobfacts import (
    DOCKER, activity, facts, insert_lines_before, is_auth_content, is_registry_write, job_cli_version, job_dind, job_image_ref,
)
from ..shell.flow import job_flows
from ..tools import subcommands, tool_of
from ..units import CommandRef, JobUnit
from .base import FIX_UNSAFE, Example, Hit, Rule, Triggers

RULE = Rule(
    code="AL210",
    name="docker-auth-env-precedence",
    severity=Severity.WARNING,
    summary="docker login while DOCKER_AUTH_CONFIG is set: docker CLI >= 28.3 ignores the login",
    fix=FIX_UNSAFE,
)

NAME = "DOCKER_AUTH_CONFIG"
_DECLARE = frozenset({"export", "declare", "local", "readonly"})


def _may_apply(unit: JobUnit) -> bool:
    """check_job's job test, without the facts: a docker client that logs in or writes an auth
    file, and DOCKER_AUTH_CONFIG named in the pipeline's files or the job's scripts, or defined
    (everything _auth_config_set reads: JobFacts.env_raw holds the flow's definitions and the
    job's export/declare/local/readonly words)."""
    if unit.shell != "sh":
        return False
    a = activity(unit)
    if "docker" not in a.tools or not (a.logins or a.writes):
        return False
    version = job_cli_version(unit)  # check_job's next test, cheaper than those below
    if version is None or version < (28, 3):
        return False
    if unit.pipeline.mentions(NAME) or any(NAME in u.source.text for u in unit.units):
        return True
    if NAME in job_flows(unit)[0].defs:
        return True
    return any(r.cmd.basename in _DECLARE and any((w.value or "").split("=", 1)[0] == NAME for w in r.cmd.args) for r in unit.commands)


TRIGGERS = Triggers(job=_may_apply)


def check_job(unit: JobUnit, options) -> Iterator[Hit]:
    a = activity(unit)
    if unit.incomplete or unit.shell != "sh" or "docker" not in a.tools or not (a.logins or a.writes):
        return  # _first_login needs a login or an auth write
    version = job_cli_version(unit)
    if version is None or version < (28, 3):
        return
    image = job_image_ref(unit)
    docker_image = bool(image and image.repository.lower().split("/")[-1] == "docker")
    buildx = any(subcommands(r.cmd)[:1] == ["buildx"] for r in unit.commands if tool_of(r.cmd) == "docker")
    if not (docker_image or buildx or job_dind(unit)):
        return
    f = facts(unit)
    if not _auth_config_set(unit, f):
        return
    target = _first_login(unit, f)
    if target is None:
        return
    ref, what = target
    cmd = ref.cmd
    end = cmd.name.end if cmd.name is not None else cmd.end
    for w in cmd.args[:1]:
        if w.value == "login":
            end = w.end
    shown = "current" if version >= (99, 0) else f"{version[0]}.x" if version[1] == 99 else f"{version[0]}.{version[1]}"
    message = (
        f"{what} while DOCKER_AUTH_CONFIG is set: docker CLI >= 28.3 (here {shown}) takes registry credentials from "
        "that variable first, so this login is ignored for its registries (docker/cli#6156); "
        "`unset DOCKER_AUTH_CONFIG` before it"
    )
    title = "insert `unset DOCKER_AUTH_CONFIG` before the login"
    later = [r for r in unit.commands if r.position >= ref.position and NAME in r.cmd.raw]
    if later:
        fix = Fix(title, (), Applicability.DISPLAY_ONLY, reason="the job reads DOCKER_AUTH_CONFIG after the login")
    else:
        edits, reason = insert_lines_before(unit, ref, [f"unset {NAME}"])
        fix = Fix(title, tuple(edits), Applicability.UNSAFE) if edits else Fix(title, (), Applicability.DISPLAY_ONLY, reason=reason)
    yield ref.hit(cmd.start, end, message, fix=fix)


def _auth_config_set(unit: JobUnit, f) -> bool:
    if NAME in f.env_raw:
        return bool(f.env_raw[NAME].strip())
    return unit.pipeline.mentions(NAME) or any(NAME in u.source.text for u in unit.units)


def _unset_before(f, ref: CommandRef) -> bool:
    if any(name == NAME and r.position < ref.position for r, name in f.unsets):
        return True
    cmd = ref.cmd
    if any(a.name == NAME for a in cmd.env):
        return True
    return cmd.basename == "env" and f"-u {NAME}" in cmd.raw or f"--unset={NAME}" in cmd.raw


def _first_login(unit: JobUnit, f) -> tuple[CommandRef, str] | None:
    events: list[tuple[int, CommandRef, str]] = []
    for ref in f.logins:
        if tool_of(ref.cmd) == "docker":
            events.append((ref.position, ref, "`docker login`"))
    for w in f.writes:
        if not is_registry_write(w) or not is_auth_content(w) and NAME not in w.ref.cmd.raw and w.producer is None:
            continue
        producer = w.producer.raw if w.producer is not None else w.ref.cmd.raw
        if NAME in producer:
            continue  # the same credentials the variable holds
        if f.reads_written(w, {DOCKER}):
            events.append((w.ref.position, w.ref, f"an auth file written for docker ({w.target.template})"))
    for _, ref, what in sorted(events, key=lambda e: e[0]):
        if not _unset_before(f, ref):
            return ref, what
    return None


_LOGIN = 'echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"'
_PUSH = '    - docker push "$CI_REGISTRY_IMAGE"\n'
_KANIKO_JOB = (
    "kaniko:\n  image:\n    name: gcr.io/kaniko-project/executor:debug\n    entrypoint: [\"\"]\n  script:\n"
    "    - echo \"$DOCKER_AUTH_CONFIG\" > /kaniko/.docker/config.json\n    - /kaniko/executor --context . --destination \"$CI_REGISTRY_IMAGE/k\"\n"
)

VALID = [
    # nothing says DOCKER_AUTH_CONFIG is set
    Example("release:\n  image: docker:29\n  services: [docker:29-dind]\n  script:\n    - " + _LOGIN + "\n" + _PUSH, kind="yaml"),
    # an older CLI pinned by the image tag
    Example(_KANIKO_JOB + "release:\n  image: docker:27\n  services: [docker:27-dind]\n  script:\n    - " + _LOGIN + "\n" + _PUSH, kind="yaml"),
    Example(_KANIKO_JOB + "release:\n  image: docker:24.0.7-dind\n  script:\n    - " + _LOGIN + "\n" + _PUSH, kind="yaml"),
    Example(_KANIKO_JOB + "release:\n  image: docker:28.2.2-cli\n  script:\n    - " + _LOGIN + "\n" + _PUSH, kind="yaml"),
    # unset first
    Example(
        _KANIKO_JOB + "release:\n  image: docker:29\n  services: [docker:29-dind]\n  script:\n    - unset DOCKER_AUTH_CONFIG\n    - " + _LOGIN + "\n" + _PUSH,
        kind="yaml",
    ),
    Example(
        "release:\n  image: docker:29\n  variables:\n    DOCKER_AUTH_CONFIG: \"\"\n  script:\n    - " + _LOGIN + "\n" + _PUSH + "# DOCKER_AUTH_CONFIG is a project variable\n",
        kind="yaml",
    ),
    # the auth file holds the variable itself
    Example(
        _KANIKO_JOB + "release:\n  image: docker:29\n  script:\n    - mkdir -p ~/.docker\n    - printf '%s' \"$DOCKER_AUTH_CONFIG\" > ~/.docker/config.json\n" + _PUSH,
        kind="yaml",
    ),
    # a shell runner's own docker: version unknown
    Example(_KANIKO_JOB + "release:\n  tags: [shell]\n  script:\n    - " + _LOGIN + "\n" + _PUSH, kind="yaml"),
]

INVALID = [
    Example(
        _KANIKO_JOB + "release:\n  image: docker:29\n  services: [docker:29-dind]\n  script:\n    - echo \"$CI_REGISTRY_PASSWORD\" | ⟦docker login⟧ -u \"$CI_REGISTRY_USER\" --password-stdin \"$CI_REGISTRY\"\n" + _PUSH,
        kind="yaml",
        fixed=_KANIKO_JOB + "release:\n  image: docker:29\n  services: [docker:29-dind]\n  script:\n    - unset DOCKER_AUTH_CONFIG\n    - " + _LOGIN + "\n" + _PUSH,
    ),
    Example(
        "release:\n  image: docker:latest\n  variables:\n    DOCKER_AUTH_CONFIG: $PULL_AUTH_CONFIG\n  script:\n    - |\n      set -e\n      ⟦docker login⟧ -u \"$CI_REGISTRY_USER\" -p \"$CI_REGISTRY_PASSWORD\" \"$CI_REGISTRY\"\n      docker push \"$CI_REGISTRY_IMAGE\"\n",
        kind="yaml",
        fixed="release:\n  image: docker:latest\n  variables:\n    DOCKER_AUTH_CONFIG: $PULL_AUTH_CONFIG\n  script:\n    - |\n      set -e\n      unset DOCKER_AUTH_CONFIG\n      docker login -u \"$CI_REGISTRY_USER\" -p \"$CI_REGISTRY_PASSWORD\" \"$CI_REGISTRY\"\n      docker push \"$CI_REGISTRY_IMAGE\"\n",
    ),
    # buildx in a non-docker image with a dind service
    Example(
        "# DOCKER_AUTH_CONFIG: project variable (File type)\nrelease:\n  image: registry.example.com/ci/buildx:1\n  services: [docker:28.3-dind]\n  script:\n    - ⟦docker login⟧ -u \"$U\" -p \"$P\" registry.example.com\n"
        "    - docker buildx build --push -t registry.example.com/app .\n",
        kind="yaml",
        fixed="# DOCKER_AUTH_CONFIG: project variable (File type)\nrelease:\n  image: registry.example.com/ci/buildx:1\n  services: [docker:28.3-dind]\n  script:\n    - unset DOCKER_AUTH_CONFIG\n    - docker login -u \"$U\" -p \"$P\" registry.example.com\n"
        "    - docker buildx build --push -t registry.example.com/app .\n",
    ),
    # the job uses the variable later: shown, not applied
    Example(
        "release:\n  image: docker:29\n  script:\n    - ⟦docker login⟧ -u \"$U\" -p \"$P\" registry.example.com\n    - docker push registry.example.com/app\n"
        "    - echo \"$DOCKER_AUTH_CONFIG\" > /tmp/pull.json\n",
        kind="yaml",
    ),
]
