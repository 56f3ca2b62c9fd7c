"""
## What it does
Finds jobs that push an image without giving the build tool any registry
credentials:

* a Kaniko job (`/kaniko/executor --destination ...`, without `--no-push`)
  that writes no `${DOCKER_CONFIG:-/kaniko/.docker}/config.json` (by `>`,
  `tee`, `cp` or a heredoc) and runs no `executor login`;
* a docker / buildx / BuildKit (`buildctl ... push=true`) / buildah / podman
  job that pushes with no `login` and no auth file write; for docker, also one
  whose `DOCKER_CONFIG` holds the path of a File-type variable
  (`DOCKER_CONFIG: $REGISTRY_CONFIG`, a `secrets:` file): `DOCKER_CONFIG`
  names the directory docker reads `config.json` from, and no file can be
  under a file.

The whole job is read: `before_script` and `script` (from `default:`,
`extends`, `!reference` and included files) and the scripts it calls.  The
rule stays silent when it cannot see everything: an include it cannot read,
a script or `source`d file it cannot open, `eval`, a build tool (`make`,
`npm run`, ...), a helper function whose name says it logs in
(`registry_login`), cloud credential helpers (`aws ecr get-login-password`,
`gcloud auth configure-docker`, `docker-credential-*`) or pushes to ECR,
GCR/Artifact Registry or ACR, whose credentials come from helpers or workload
identity.  Also silent: pushes to `localhost` or over plain HTTP (BuildKit's
`registry.insecure=true`, Kaniko's `--insecure`: a LAN registry open to anonymous
pushes), `podman`/`buildah` pushes with
`--creds` or `--authfile`, docker jobs without an `image:` (a shell runner
may keep a login on the host), docker CLI >= 28.3 jobs that set
`DOCKER_AUTH_CONFIG` in their variables (the CLI reads it), and the
osscontainertools fork of Kaniko, whose built-in `env` and `gitlab` credential
providers read `DOCKER_AUTH_CONFIG` and the job token by themselves, and jobs
whose `DOCKER_CONFIG` / `REGISTRY_AUTH_FILE` points into the project directory
(artifacts or a cache may bring the file).  A runner that mounts a config
file into the job (a Kubernetes secret at `/kaniko/.docker/config.json`) is
invisible in the YAML: suppress the finding there with
`# authlint: ignore[AL201] -- mounted by the runner`.

Severity: an **error**: the push is anonymous, so it fails and the job cannot
do its work.

## Why is this bad?
The push goes out anonymously and fails (`UNAUTHORIZED: authentication
required`, `denied: requested access to the resource is denied`) — often
only on the first real release, since merge request pipelines do not push.
Kaniko reads no `DOCKER_AUTH_CONFIG` variable and no `docker login` state:
only its `config.json`.

## Example
```yaml
build:
  image:
    name: gcr.io/kaniko-project/executor:debug
    entrypoint: [""]
  script:
    - /kaniko/executor --context . --destination "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"
```

## Use instead
```yaml
build:
  image:
    name: gcr.io/kaniko-project/executor:debug
    entrypoint: [""]
  script:
    - mkdir -p /kaniko/.docker
    - if [ -f "$DOCKER_AUTH_CONFIG" ]; then cp "$DOCKER_AUTH_CONFIG" /kaniko/.docker/config.json; else printf '%s' "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json; fi
    - /kaniko/executor --context . --destination "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"
```
with `DOCKER_AUTH_CONFIG` a masked (File-type) CI/CD variable, or for docker
`printf '%s' "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER"
--password-stdin "$CI_REGISTRY"`.

## Fix safety
The fix is unsafe: it inserts the canonical write of `$DOCKER_AUTH_CONFIG`
into the directory the tool reads (`/kaniko/.docker` for Kaniko, `$HOME/.docker`
for docker, BuildKit, buildah and podman; `$DOCKER_CONFIG` when the job sets
it) just before the first push, so the job then needs a `DOCKER_AUTH_CONFIG`
CI/CD variable.  When the push is in a template (shared with other jobs, or in
an included file), the write goes into a new `before_script:` of the job
itself, provided the job inherits no `before_script` (a new one would replace
it) and nothing in the script before the push changes directory or sets a
variable the write uses.  For a docker job whose `DOCKER_CONFIG` names a
File-type variable's file the fix is only shown: where that file's content
should go is the author's call.  The fix is only shown when the push is in a
script file, in a template the job cannot take a `before_script:` for, in a folded
(`>`) block, or when the line cannot take a new line
exactly (a continued command, a `cd` before the push on its line).
"""

from __future__ import annotations

import re
from typing import Iterator

from ..diagnostics import Applicability, Fix, Severity
from ..jobfacts import CONTAINERS, DOCKER, KANIKO, activity, facts, insert_lines_before, needs_credentials, push_targets, target_host
from ..lazy import lazy_compile
from ..tools import pushes_over_http, subcommands
from ..units import CommandRef, JobUnit, make_fix
from ..writes import canonical_write
from .base import FIX_UNSAFE, Example, Hit, Rule, Triggers

RULE = Rule(
    code="AL201",
    name="missing-registry-auth",
    severity=Severity.ERROR,
    summary="job pushes an image without providing registry credentials",
    fix=FIX_UNSAFE,
)

_PUSH_FAMILY = {
    "kaniko": KANIKO, "docker": DOCKER, "buildctl": DOCKER, "buildctl-daemonless.sh": DOCKER, "nerdctl": DOCKER,
    "buildah": CONTAINERS, "podman": CONTAINERS,
}
_CLOUD_CMDS = frozenset({"aws", "gcloud", "az", "gke-gcloud-auth-plugin"})
_CLOUD_VAR = lazy_compile(r"^(AWS_|GOOGLE_|GCP_|GCLOUD_|AZURE_|ECR_|GCR_|ACR_)|_ECR_|_GCR_|_ACR_", re.I)
_CLOUD_VALUE = lazy_compile(r"amazonaws\.com|pkg\.dev|gcr\.io|azurecr\.io", re.I)


def _pushes_only(unit: JobUnit) -> bool:
    """check_job's job test: a push in a job that neither logs in nor writes an auth file."""
    a = activity(unit)
    return not (a.logins or a.writes) and a.pushes


TRIGGERS = Triggers(job=_pushes_only)


def check_job(unit: JobUnit, options) -> Iterator[Hit]:
    a = activity(unit)
    if unit.incomplete or unit.shell != "sh" or a.logins or a.writes or not a.pushes:
        return
    f = facts(unit)
    if not f.pushes or f.logins or f.writes or f.opaque or f.hidden_logins:
        return
    if _cloud_hints(unit, f) or _config_from_elsewhere(f):
        return
    candidates: list[tuple[CommandRef, str, str]] = []
    for ref in f.pushes:
        tool = _tool(ref)
        family = _PUSH_FAMILY.get(tool)
        if family is None:
            continue
        if family == KANIKO and (f.kaniko_providers or f.docker_config_file is not None):
            continue  # built-in providers; a DOCKER_CONFIG naming a file is that file to Kaniko
        if family == DOCKER and unit.job.image is None and tool == "docker":
            continue  # a shell runner may keep `docker login` state on the host
        if family == DOCKER and "DOCKER_AUTH_CONFIG" in f.env_raw and f.env_raw["DOCKER_AUTH_CONFIG"].strip():
            version = f.docker_cli_version()
            if version is None or version >= (28, 3):
                continue
        if family == CONTAINERS and any(w.template.startswith(("--creds", "--authfile", "--cert-dir")) for w in ref.cmd.args):
            continue
        if pushes_over_http(ref.cmd):
            continue  # a plain-HTTP registry: an open one (one that checks passwords serves TLS)
        targets = push_targets(ref.cmd, tool)
        hosts = [target_host(t, f.env) for t in targets] or [None]
        needs = [needs_credentials(h) for h in hosts]
        if any(n is False for n in needs) and not any(n for n in needs):
            continue  # localhost only
        if any(n is None and h is not None for n, h in zip(needs, hosts)):
            continue  # a cloud registry: credential helpers
        host = next((h for h in hosts if h), None)
        candidates.append((ref, family, host or "the registry"))
    if not candidates:
        return
    ref, family, host = candidates[0]
    yield _hit(unit, ref, family, host)


def _tool(ref: CommandRef) -> str:
    from ..tools import tool_of

    tool = tool_of(ref.cmd) or ref.cmd.basename or ""
    return "kaniko" if tool == "executor" else tool


def _cloud_hints(unit: JobUnit, f) -> bool:
    if any(ref.cmd.basename in _CLOUD_CMDS for ref in unit.commands):
        return True
    for name, raw in f.env_raw.items():
        if _CLOUD_VAR.search(name) or _CLOUD_VALUE.search(raw):
            return True
    return False


def _config_from_elsewhere(f) -> bool:
    """DOCKER_CONFIG / REGISTRY_AUTH_FILE in the project directory: artifacts or a cache may bring it."""
    for name in ("DOCKER_CONFIG", "REGISTRY_AUTH_FILE"):
        raw = f.env_raw.get(name) if name != "DOCKER_CONFIG" or f.docker_config_file is None else None
        if raw is not None and (not raw.startswith(("/", "$HOME", "${HOME}", "~")) or "CI_PROJECT_DIR" in raw or "CI_BUILDS_DIR" in raw):
            return True
    return False


def _hit(unit: JobUnit, ref: CommandRef, family: str, host: str) -> Hit:
    f = facts(unit)
    cmd = ref.cmd
    end = cmd.name.end if cmd.name is not None else cmd.end
    subs = subcommands(cmd)
    if _tool(ref) in ("docker", "podman", "buildah", "nerdctl"):
        for w in cmd.args[: len(subs[:2])]:
            if w.value in subs[:2]:
                end = w.end
    if family == KANIKO:
        where = "$DOCKER_CONFIG" if "DOCKER_CONFIG" in f.env_raw else "/kaniko/.docker"
        message = (
            f"Kaniko pushes to {host} but the job writes no {where}/config.json (Kaniko reads no "
            "`docker login` state and no DOCKER_AUTH_CONFIG variable): the push is anonymous and fails"
        )
    else:
        where = "$DOCKER_CONFIG" if "DOCKER_CONFIG" in f.env_raw else "$HOME/.docker"
        tool = " ".join([_tool(ref), *subs[:1]])
        message = f"`{tool}` pushes to {host} with no login and no auth file in the job: the push is anonymous and fails"
        if f.docker_config_file is not None:
            message = (
                f"`{tool}` pushes to {host}, but DOCKER_CONFIG holds the path of ${f.docker_config_file}, a File-type "
                "variable: docker reads $DOCKER_CONFIG/config.json, and no file can be under a file, so the push is anonymous"
            )
        elif f.dead_logins:
            message = (
                f"`{tool}` pushes to {host}, but the job's login has no --password-stdin: it prompts for the piped "
                "password on a terminal the job does not have and fails, so the push is anonymous"
            )
    title = f"write $DOCKER_AUTH_CONFIG to {where}/config.json before the push"
    if family != KANIKO and f.dead_logins:
        return ref.hit(cmd.start, end, message, fix=_stdin_fix(f.dead_logins[0]), key=family)
    if family == DOCKER and f.docker_config_file is not None:
        fix = Fix(f"point DOCKER_CONFIG at a directory and copy ${f.docker_config_file} to config.json in it", (), Applicability.DISPLAY_ONLY,
                  reason="DOCKER_CONFIG names a directory; where the File-type variable's content should go is the author's call")
    elif family == CONTAINERS and "REGISTRY_AUTH_FILE" in f.env_raw:
        fix = Fix(title, (), Applicability.DISPLAY_ONLY, reason="the job sets REGISTRY_AUTH_FILE; write the credentials there")
    else:
        edits, reason = insert_lines_before(unit, ref, canonical_write(where))
        fix = Fix(title, tuple(edits), Applicability.UNSAFE) if edits else Fix(title, (), Applicability.DISPLAY_ONLY, reason=reason)
    return ref.hit(cmd.start, end, message, fix=fix, key=family)


def _stdin_fix(login: CommandRef) -> Fix:
    """Add --password-stdin after the login's `login` word: the piped password is then read."""
    word = next((w for w in login.cmd.args if w.value == "login"), None)
    title = "read the piped password: add --password-stdin to the login"
    if word is None or not login.cmd.exact or login.cmd.via:
        return Fix(title, (), Applicability.DISPLAY_ONLY, reason="the login's text cannot be edited exactly")
    return make_fix(title, [login.edit(word.end, word.end, " --password-stdin")], Applicability.UNSAFE, login.unit.tmap)


_KANIKO = "  image:\n    name: gcr.io/kaniko-project/executor:v1.23.2-debug\n    entrypoint: [\"\"]\n"
_DEST = '/kaniko/executor --context "$CI_PROJECT_DIR" --destination "$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA"'
_CANON_K = [
    "mkdir -p /kaniko/.docker",
    "if [ -f \"$DOCKER_AUTH_CONFIG\" ]; then cp \"$DOCKER_AUTH_CONFIG\" /kaniko/.docker/config.json; else printf '%s' \"$DOCKER_AUTH_CONFIG\" > /kaniko/.docker/config.json; fi",
]
_CANON_D = [
    'mkdir -p "$HOME/.docker"',
    "if [ -f \"$DOCKER_AUTH_CONFIG\" ]; then cp \"$DOCKER_AUTH_CONFIG\" \"$HOME/.docker/config.json\"; else printf '%s' \"$DOCKER_AUTH_CONFIG\" > \"$HOME/.docker/config.json\"; fi",
]
_DIND = "  image: docker:27\n  services: [docker:27-dind]\n"


def _items(lines: list[str], pad: str = "    - ") -> str:
    from ..insert import yaml_scalar

    return "".join(pad + yaml_scalar(line) + "\n" for line in lines)


VALID = [
    # the GitLab docs' Kaniko job
    Example(
        "build:\n" + _KANIKO + "  script:\n    - mkdir -p /kaniko/.docker\n"
        "    - echo \"{\\\"auths\\\":{\\\"$CI_REGISTRY\\\":{\\\"username\\\":\\\"$CI_REGISTRY_USER\\\",\\\"password\\\":\\\"$CI_REGISTRY_PASSWORD\\\"}}}\" > /kaniko/.docker/config.json\n"
        "    - " + _DEST + "\n",
        kind="yaml",
    ),
    Example("build:\n" + _KANIKO + "  script:\n    - /kaniko/executor --context . --no-push --destination image:test\n", kind="yaml"),
    Example("build:\n" + _KANIKO + "  script:\n    - /kaniko/executor --context . --no-push\n", kind="yaml"),
    # docker login with --password-stdin
    Example(
        "build:\n" + _DIND + "  script:\n    - echo \"$CI_REGISTRY_PASSWORD\" | docker login -u \"$CI_REGISTRY_USER\" --password-stdin \"$CI_REGISTRY\"\n"
        "    - docker build -t \"$CI_REGISTRY_IMAGE\" .\n    - docker push \"$CI_REGISTRY_IMAGE\"\n",
        kind="yaml",
    ),
    # ECR through the AWS CLI, and a Kaniko push to ECR (built-in helper)
    Example(
        "build:\n" + _DIND + "  script:\n    - aws ecr get-login-password | docker login --username AWS --password-stdin \"$ECR\"\n    - docker push \"$ECR/app\"\n",
        kind="yaml",
    ),
    Example("build:\n" + _KANIKO + "  script:\n    - /kaniko/executor --context . --destination 123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1\n", kind="yaml"),
    Example(
        "build:\n" + _KANIKO + "  script:\n    - echo '{\"credsStore\":\"ecr-login\"}' > /kaniko/.docker/config.json\n    - /kaniko/executor --context . --destination \"$ECR_REPO:1\"\n",
        kind="yaml",
    ),
    # the login is in a called script / a template in an included file
    Example(
        "build:\n" + _DIND + "  script:\n    - ./ci/login.sh\n    - docker push \"$CI_REGISTRY_IMAGE\"\n",
        kind="yaml",
        files={"ci/login.sh": "#!/bin/sh\necho \"$CI_REGISTRY_PASSWORD\" | docker login -u \"$CI_REGISTRY_USER\" --password-stdin \"$CI_REGISTRY\"\n"},
    ),
    Example(
        "include: ci/templates.yml\nbuild:\n" + _DIND + "  before_script:\n    - !reference [.login, script]\n  script:\n    - docker push \"$CI_REGISTRY_IMAGE\"\n",
        kind="yaml",
        files={"ci/templates.yml": ".login:\n  script:\n    - docker login -u \"$CI_REGISTRY_USER\" -p \"$CI_REGISTRY_PASSWORD\" \"$CI_REGISTRY\"\n"},
    ),
    # Kaniko config write inherited through extends from an included template
    Example(
        "include: ci/kaniko.yml\nbuild:\n  extends: .kaniko-auth\n  script:\n    - " + _DEST + "\n",
        kind="yaml",
        files={"ci/kaniko.yml": ".kaniko-auth:\n" + _KANIKO + "  before_script:\n    - echo \"$DOCKER_AUTH_CONFIG\" > /kaniko/.docker/config.json\n"},
    ),
    # a sourced file authlint cannot read, a helper function, an unresolved include
    Example("build:\n" + _DIND + "  script:\n    - source ci/functions.sh\n    - docker push \"$CI_REGISTRY_IMAGE\"\n", kind="yaml"),
    Example("build:\n" + _DIND + "  script:\n    - registry_login\n    - docker push \"$CI_REGISTRY_IMAGE\"\n", kind="yaml"),
    Example(
        "include:\n  - project: group/ci\n    file: docker.yml\nbuild:\n  extends: .docker\n  script:\n    - docker push \"$CI_REGISTRY_IMAGE\"\n",
        kind="yaml",
    ),
    # a shell runner (no image) keeps its login on the host; a push to a local registry
    Example("build:\n  tags: [shell]\n  script:\n    - docker push registry.example.com/app\n", kind="yaml"),
    Example("build:\n" + _DIND + "  script:\n    - docker push localhost:5000/app\n", kind="yaml"),
    # a push over plain HTTP goes to an open LAN or in-cluster registry
    Example(
        "build:\n  image: moby/buildkit:rootless\n  script:\n    - buildctl-daemonless.sh build --frontend dockerfile.v0 --local context=. "
        "--local dockerfile=. --output type=image,name=10.0.0.5:5000/app,push=true,registry.insecure=true\n",
        kind="yaml",
    ),
    Example("build:\n" + _KANIKO + "  script:\n    - /kaniko/executor --context . --insecure --destination registry.lan:5000/app:1\n", kind="yaml"),
    # the fork reads DOCKER_AUTH_CONFIG and the job token itself
    Example("build:\n  image:\n    name: ghcr.io/osscontainertools/kaniko:v1.26.5-debug\n    entrypoint: [\"\"]\n  script:\n    - " + _DEST + "\n", kind="yaml"),
    Example(
        "build:\n  image:\n    name: martizih/kaniko:v1.26.0-debug\n    entrypoint: [\"\"]\n  script:\n"
        "    - echo \"$CI_REGISTRY_PASSWORD\" | executor login \"$CI_REGISTRY\" -u \"$CI_REGISTRY_USER\" --password-stdin\n    - " + _DEST + "\n",
        kind="yaml",
    ),
    # the config comes with the artifacts of a login job
    Example(
        "push:\n" + _DIND + "  needs: [login]\n  variables:\n    DOCKER_CONFIG: $CI_PROJECT_DIR/.docker\n  script:\n    - docker push \"$CI_REGISTRY_IMAGE\"\n",
        kind="yaml",
    ),
    Example(
        "build:\n  image: quay.io/buildah/stable\n  script:\n    - buildah push --creds \"$CI_REGISTRY_USER:$CI_REGISTRY_PASSWORD\" \"$CI_REGISTRY_IMAGE\"\n",
        kind="yaml",
    ),
]

INVALID = [
    Example(
        "build:\n" + _KANIKO + "  script:\n    - ⟦/kaniko/executor⟧ --context \"$CI_PROJECT_DIR\" --destination \"$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA\"\n",
        kind="yaml",
        fixed="build:\n" + _KANIKO + "  script:\n" + _items(_CANON_K) + "    - " + _DEST + "\n",
    ),
    Example(
        "build:\n" + _DIND + "  script:\n    - docker build -t \"$CI_REGISTRY_IMAGE\" .\n    - ⟦docker push⟧ \"$CI_REGISTRY_IMAGE\"\n",
        kind="yaml",
        fixed="build:\n" + _DIND + "  script:\n    - docker build -t \"$CI_REGISTRY_IMAGE\" .\n" + _items(_CANON_D) + "    - docker push \"$CI_REGISTRY_IMAGE\"\n",
    ),
    # inside a | block, BuildKit rootless
    Example(
        "build:\n  image: moby/buildkit:rootless\n  variables:\n    BUILDKITD_FLAGS: --oci-worker-no-process-sandbox\n  script:\n    - |\n"
        "      ⟦buildctl-daemonless.sh⟧ build --frontend dockerfile.v0 --local context=. --local dockerfile=. \\\n"
        "        --output type=image,name=$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA,push=true\n",
        kind="yaml",
        fixed="build:\n  image: moby/buildkit:rootless\n  variables:\n    BUILDKITD_FLAGS: --oci-worker-no-process-sandbox\n  script:\n    - |\n"
        + "".join("      " + line + "\n" for line in _CANON_D)
        + "      buildctl-daemonless.sh build --frontend dockerfile.v0 --local context=. --local dockerfile=. \\\n"
        "        --output type=image,name=$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA,push=true\n",
    ),
    # the job sets DOCKER_CONFIG: the write goes there
    Example(
        "build:\n" + _KANIKO + "  variables:\n    DOCKER_CONFIG: /tmp/docker\n  script: [⟦/kaniko/executor⟧ --context . --destination registry.example.com/app]\n",
        kind="yaml",
        fixed="build:\n" + _KANIKO + "  variables:\n    DOCKER_CONFIG: /tmp/docker\n  script: [mkdir -p \"$DOCKER_CONFIG\", "
        "'if [ -f \"$DOCKER_AUTH_CONFIG\" ]; then cp \"$DOCKER_AUTH_CONFIG\" \"$DOCKER_CONFIG/config.json\"; else printf ''%s'' \"$DOCKER_AUTH_CONFIG\" > \"$DOCKER_CONFIG/config.json\"; fi', "
        "/kaniko/executor --context . --destination registry.example.com/app]\n",
    ),
    # the push is in a template shared by two jobs: each job gets its own before_script
    Example(
        ".push:\n  script:\n    - ⟦docker push⟧ \"$CI_REGISTRY_IMAGE:$TAG\"\npush-a:\n  extends: .push\n" + _DIND + "push-b:\n  extends: .push\n" + _DIND,
        kind="yaml",
        fixed=".push:\n  script:\n    - docker push \"$CI_REGISTRY_IMAGE:$TAG\"\npush-a:\n  before_script:\n" + _items(_CANON_D)
        + "  extends: .push\n" + _DIND + "push-b:\n  before_script:\n" + _items(_CANON_D) + "  extends: .push\n" + _DIND,
    ),
    # ... unless a job inherits a before_script, which a new one would replace: shown, not applied
    Example(
        "default:\n  before_script: [echo hi]\n.push:\n  script:\n    - ⟦docker push⟧ \"$CI_REGISTRY_IMAGE:$TAG\"\n"
        "push-a:\n  extends: .push\n" + _DIND + "push-b:\n  extends: .push\n" + _DIND,
        kind="yaml",
    ),
    # DOCKER_CONFIG holds the path of a `secrets:` file (File type): a file, not a directory
    Example(
        "push:\n" + _DIND + "  secrets:\n    REGISTRY_CONFIG:\n      vault: ci/registry/config@secret\n"
        "  variables:\n    DOCKER_CONFIG: $REGISTRY_CONFIG\n  script:\n    - ⟦docker push⟧ \"$CI_REGISTRY_IMAGE\"\n",
        kind="yaml",
    ),
    # podman
    Example(
        "release:\n  image: quay.io/podman/stable\n  script:\n    - podman build -t \"$CI_REGISTRY_IMAGE\" .\n    - ⟦podman push⟧ \"$CI_REGISTRY_IMAGE\"\n",
        kind="yaml",
        fixed="release:\n  image: quay.io/podman/stable\n  script:\n    - podman build -t \"$CI_REGISTRY_IMAGE\" .\n" + _items(_CANON_D) + "    - podman push \"$CI_REGISTRY_IMAGE\"\n",
    ),
    # a password piped to a login without --password-stdin: docker prompts on a terminal the job lacks
    Example(
        "release:\n  image: docker:27\n  script:\n    - echo \"$REGISTRY_TOKEN\" | docker login -u \"$REGISTRY_USER\" registry.example.com\n"
        "    - ⟦docker push registry.example.com/app⟧\n",
        kind="yaml",
        fixed="release:\n  image: docker:27\n  script:\n    - echo \"$REGISTRY_TOKEN\" | docker login --password-stdin -u \"$REGISTRY_USER\" registry.example.com\n"
        "    - docker push registry.example.com/app\n",
    ),
]
