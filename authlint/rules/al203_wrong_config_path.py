"""
## What it does
Finds registry credentials written to a file the job's build tool never
reads:

* Kaniko reads only `${DOCKER_CONFIG:-/kaniko/.docker}/config.json` (its image
  sets `DOCKER_CONFIG=/kaniko/.docker/`), so `/root/.docker/config.json`,
  `$HOME/.docker/config.json` or `~/.docker/config.json` are ignored;
* docker, buildx, BuildKit's `buildctl`, crane, oras, regctl and helm read
  `${DOCKER_CONFIG:-$HOME/.docker}/config.json` (or `docker --config DIR`);
  `DOCKER_CONFIG` names a directory, so when it holds the path of a File-type
  variable (`DOCKER_CONFIG: $REGISTRY_CONFIG`, a `secrets:` file) they read
  no file at all;
* buildah, podman and skopeo read `--authfile`, `$REGISTRY_AUTH_FILE`,
  `${XDG_RUNTIME_DIR}/containers/auth.json`, then
  `${XDG_CONFIG_HOME:-$HOME/.config}/containers/auth.json` and
  `$HOME/.docker/config.json`.

A write counts when its path is a registry auth file (`.docker/config.json`,
`containers/auth.json`, `/kaniko/...`) or what it writes is auth JSON; an
application's own `config.json` is not looked at.  Variables set by the job
(`variables:`, `export`) and by known images (Kaniko: `DOCKER_CONFIG`,
`HOME=/root`; `docker:`: `HOME=/root`; `moby/buildkit:rootless`:
`HOME=/home/user`) are expanded.  The rule stays silent when a path depends on
a variable it cannot read, when the job runs code it cannot see, and when any
write of the job lands where a tool reads (the others may serve another tool).

Severity: an **error**: the tool finds no credentials where it looks, so its
pull or push is anonymous and fails.

## Why is this bad?
The tool finds no credentials and pushes or pulls anonymously:
`UNAUTHORIZED: authentication required`, `DENIED: Anonymous is not permitted`
(Kaniko issues #245, #1209, #1757).

## Example
```yaml
build:
  image:
    name: gcr.io/kaniko-project/executor:debug
    entrypoint: [""]
  script:
    - mkdir -p /root/.docker
    - echo "$DOCKER_AUTH_CONFIG" > /root/.docker/config.json
    - /kaniko/executor --context . --destination "$CI_REGISTRY_IMAGE"
```

## Use instead
```yaml
    - mkdir -p /kaniko/.docker
    - printf '%s' "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json
```

## Fix safety
For Kaniko the fix is safe: the path is rewritten to the one file Kaniko
reads (`/kaniko/.docker/config.json`, or `$DOCKER_CONFIG/config.json` when the
job sets `DOCKER_CONFIG`), which is the only place the written credentials can
have any effect.  A `mkdir` of exactly the old directory, earlier in the job
and used for nothing else, is rewritten with it; any other use of that
directory is left alone.  The fix is only shown when the write is in a script
file or a template shared with other jobs.  For the other tools there is no
automatic fix: which of the paths a tool reads is right depends on the image.
"""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Applicability, Fix, Severity
from ..jobfacts import CONTAINERS, DOCKER, KANIKO, JobFacts, activity, facts, path_key, shared_reason, writes_auth
from ..units import JobUnit, make_edit
from ..writes import AuthWrite, directory
from .base import FIX_SAFE, Example, Hit, Rule, Triggers

RULE = Rule(
    code="AL203",
    name="wrong-config-path",
    severity=Severity.ERROR,
    summary="auth file written where the job's registry tool does not read it",
    fix=FIX_SAFE,
)

_READS = {
    KANIKO: "Kaniko reads only ${DOCKER_CONFIG:-/kaniko/.docker}/config.json",
    DOCKER: "docker, buildx and BuildKit read ${DOCKER_CONFIG:-$HOME/.docker}/config.json",
    CONTAINERS: "buildah, podman and skopeo read --authfile, $REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json or ~/.docker/config.json",
}

TRIGGERS = Triggers(job=writes_auth)


def check_job(unit: JobUnit, options) -> Iterator[Hit]:
    if unit.incomplete or unit.shell != "sh" or not activity(unit).writes:
        return
    f = facts(unit)
    fams = f.consumer_families()
    writes = f.unread_writes()  # none when one write is read (others may be for another tool), or a path is unknown
    said = dict(_READS)
    if f.docker_config_file is not None:
        said[DOCKER] = (f"docker, buildx and BuildKit read $DOCKER_CONFIG/config.json, and DOCKER_CONFIG holds the path of "
                        f"${f.docker_config_file}, a File-type variable: a file, so they read none")
    reads = "; ".join(said[fam] for fam in sorted(fams))
    for w in writes:
        shown = f.write_path(w) or w.path
        if w.path.startswith("./~"):
            shown = f"./{shown} (a quoted `~` is not expanded: it names a directory called `~`)"
        message = f"credentials written to {shown}, which this job's tools never read ({reads}): the registry sees an anonymous client"
        fix = _fix(unit, f, w) if fams == {KANIKO} else None
        yield w.ref.hit(w.target.start, w.target.end, message, fix=fix, key=path_key(w.target.template))


def _kaniko_target(f: JobFacts) -> str | None:
    if f.kaniko_dirs or f.docker_config_file is not None:
        return None
    if "DOCKER_CONFIG" in f.env:
        value = f.env["DOCKER_CONFIG"].rstrip("/")
        path = value if value.endswith(".json") else value + "/config.json"
        return path if all(c.isalnum() or c in "._/-" for c in path) else None
    if "DOCKER_CONFIG" in f.env_raw:
        return '"$DOCKER_CONFIG/config.json"'
    return "/kaniko/.docker/config.json"


def _fix(unit: JobUnit, f: JobFacts, w: AuthWrite) -> Fix:
    target = _kaniko_target(f)
    title = f"write the credentials to {target.strip(chr(34)) if target else 'the file Kaniko reads'}"
    if target is None:
        return Fix(title, (), Applicability.DISPLAY_ONLY, reason="the job moves Kaniko's directory (--kaniko-dir or an unusual DOCKER_CONFIG)")
    reason = shared_reason(unit, w.ref)
    if reason is not None:
        return Fix(title, (), Applicability.DISPLAY_ONLY, reason=reason)
    edit = w.ref.edit(w.target.start, w.target.end, target)
    if edit is None:
        return Fix(title, (), Applicability.DISPLAY_ONLY, reason=w.ref.unit.tmap.why_not_exact())
    edits = [edit]
    mk = _mkdir_edit(unit, f, w, target)
    if mk is not None:
        edits.append(mk)
    return Fix(title, tuple(edits), Applicability.SAFE)


def _mkdir_edit(unit: JobUnit, f: JobFacts, w: AuthWrite, target: str):
    """Rewrite `mkdir -p OLD_DIR` too, when it is exactly the old directory and used for nothing else."""
    old_dir = path_key(directory(w.target.template))
    new_dir = directory(target.strip('"'))
    if target.startswith('"'):
        new_dir = f'"{new_dir}"'
    matches = [(ref, word) for ref, word in f.mkdirs if ref.position < w.ref.position and path_key(word.template) == old_dir]
    if len(matches) != 1:
        return None
    ref, word = matches[0]
    for other in unit.commands:
        if other is ref or other is w.ref:
            continue
        if any(old_dir in path_key(arg.template) for arg in other.cmd.argv) or any(
            r.target is not None and old_dir in path_key(r.target.template) for r in other.cmd.redirects
        ):
            return None  # the directory is used for something else
    if sum(1 for x in f.writes if path_key(directory(x.target.template)) == old_dir) != 1:
        return None
    if shared_reason(unit, ref) is not None:
        return None
    return make_edit(ref.unit.tmap, word.start, word.end, new_dir)


_KANIKO = "  image:\n    name: gcr.io/kaniko-project/executor:debug\n    entrypoint: [\"\"]\n"
_EXEC = '    - /kaniko/executor --context . --destination "$CI_REGISTRY_IMAGE"\n'
_WRITE = '    - echo "$DOCKER_AUTH_CONFIG" > '

VALID = [
    Example("build:\n" + _KANIKO + "  script:\n    - mkdir -p /kaniko/.docker\n" + _WRITE + "/kaniko/.docker/config.json\n" + _EXEC, kind="yaml"),
    Example("build:\n" + _KANIKO + "  script:\n" + _WRITE + "${DOCKER_CONFIG}/config.json\n" + _EXEC, kind="yaml"),
    Example(
        "build:\n" + _KANIKO + "  variables:\n    DOCKER_CONFIG: /builds/.docker\n  script:\n" + _WRITE + "$DOCKER_CONFIG/config.json\n" + _EXEC,
        kind="yaml",
    ),
    # docker reads $HOME/.docker (HOME=/root in docker images)
    Example(
        "build:\n  image: docker:27\n  services: [docker:27-dind]\n  script:\n    - mkdir -p ~/.docker\n" + _WRITE + "/root/.docker/config.json\n    - docker push \"$CI_REGISTRY_IMAGE\"\n",
        kind="yaml",
    ),
    Example(
        "build:\n  image: moby/buildkit:rootless\n  script:\n    - mkdir -p ~/.docker\n" + _WRITE + "~/.docker/config.json\n"
        "    - buildctl-daemonless.sh build --local context=. --output type=image,name=$CI_REGISTRY_IMAGE,push=true\n",
        kind="yaml",
    ),
    Example(
        "build:\n  image: quay.io/buildah/stable\n  variables:\n    REGISTRY_AUTH_FILE: /tmp/auth.json\n  script:\n" + _WRITE + "$REGISTRY_AUTH_FILE\n    - buildah push \"$CI_REGISTRY_IMAGE\"\n",
        kind="yaml",
    ),
    # docker --config DIR
    Example(
        "build:\n  image: docker:27\n  script:\n    - mkdir -p \"$CI_PROJECT_DIR/.docker\"\n" + _WRITE + "\"$CI_PROJECT_DIR/.docker/config.json\"\n"
        "    - docker --config \"$CI_PROJECT_DIR/.docker\" push \"$CI_REGISTRY_IMAGE\"\n",
        kind="yaml",
    ),
    # an application's config.json is not an auth file
    Example("build:\n" + _KANIKO + "  script:\n    - echo '{\"debug\": true}' > app/config.json\n" + _EXEC, kind="yaml"),
    # a path authlint cannot resolve; a job that writes both files (one for another tool)
    Example("build:\n" + _KANIKO + "  script:\n" + _WRITE + "$CONFIG_DIR/config.json\n" + _EXEC, kind="yaml"),
    Example(
        "build:\n" + _KANIKO + "  script:\n" + _WRITE + "/kaniko/.docker/config.json\n" + _WRITE + "/root/.docker/config.json\n" + _EXEC,
        kind="yaml",
    ),
    # the Kaniko write comes from a template in an included file
    Example(
        "include: ci/kaniko.yml\nbuild:\n  extends: .kaniko\n  script:\n" + _EXEC,
        kind="yaml",
        files={"ci/kaniko.yml": ".kaniko:\n" + _KANIKO + "  before_script:\n    - cp \"$DOCKER_AUTH_CONFIG\" /kaniko/.docker/config.json\n"},
    ),
]

INVALID = [
    # a quoted tilde is not expanded: the file lands in ./~/.docker, which docker never reads
    Example(
        "build:\n  image: docker:27\n  services: [docker:27-dind]\n  script:\n    - mkdir -p ~/.docker\n"
        "    - printf '%s' \"$DOCKER_AUTH_CONFIG\" > ⟦\"~/.docker/config.json\"⟧\n    - docker push \"$CI_REGISTRY_IMAGE\"\n",
        kind="yaml",
    ),
    Example(
        "build:\n" + _KANIKO + "  script:\n    - mkdir -p /root/.docker\n" + _WRITE + "⟦/root/.docker/config.json⟧\n" + _EXEC,
        kind="yaml",
        fixed="build:\n" + _KANIKO + "  script:\n    - mkdir -p /kaniko/.docker\n" + _WRITE + "/kaniko/.docker/config.json\n" + _EXEC,
    ),
    Example(
        "build:\n" + _KANIKO + "  script:\n    - |\n      mkdir -p $HOME/.docker\n      cat > ⟦\"$HOME/.docker/config.json\"⟧ <<EOF\n"
        "      {\"auths\": {\"$CI_REGISTRY\": {\"auth\": \"$REGISTRY_AUTH\"}}}\n      EOF\n" + _EXEC,
        kind="yaml",
        fixed="build:\n" + _KANIKO + "  script:\n    - |\n      mkdir -p /kaniko/.docker\n      cat > /kaniko/.docker/config.json <<EOF\n"
        "      {\"auths\": {\"$CI_REGISTRY\": {\"auth\": \"$REGISTRY_AUTH\"}}}\n      EOF\n" + _EXEC,
    ),
    # ~ in a Kaniko job; the mkdir'd directory is also used for a CA file, so it stays
    Example(
        "build:\n" + _KANIKO + "  script:\n    - mkdir -p ~/.docker\n    - cp ca.pem ~/.docker/ca.pem\n"
        "    - echo \"$DOCKER_AUTH_CONFIG\" | tee ⟦~/.docker/config.json⟧ >/dev/null\n" + _EXEC,
        kind="yaml",
        fixed="build:\n" + _KANIKO + "  script:\n    - mkdir -p ~/.docker\n    - cp ca.pem ~/.docker/ca.pem\n"
        "    - echo \"$DOCKER_AUTH_CONFIG\" | tee /kaniko/.docker/config.json >/dev/null\n" + _EXEC,
    ),
    # the job sets DOCKER_CONFIG: Kaniko reads that one
    Example(
        "build:\n" + _KANIKO + "  variables:\n    DOCKER_CONFIG: /builds/.docker\n  script:\n" + _WRITE + "⟦/kaniko/.docker/config.json⟧\n" + _EXEC,
        kind="yaml",
        fixed="build:\n" + _KANIKO + "  variables:\n    DOCKER_CONFIG: /builds/.docker\n  script:\n" + _WRITE + "/builds/.docker/config.json\n" + _EXEC,
    ),
    # docker with DOCKER_CONFIG set elsewhere: no automatic fix
    Example(
        "build:\n  image: docker:27\n  variables:\n    DOCKER_CONFIG: /builds/.docker\n  script:\n" + _WRITE + "⟦/root/.docker/config.json⟧\n    - docker push \"$CI_REGISTRY_IMAGE\"\n",
        kind="yaml",
    ),
    Example(
        "build:\n  image: docker:27\n  script:\n" + _WRITE + "⟦/kaniko/.docker/config.json⟧\n    - docker push \"$CI_REGISTRY_IMAGE\"\n",
        kind="yaml",
    ),
    # DOCKER_CONFIG holds a File-type variable's path (a `secrets:` entry is one): docker reads
    # $DOCKER_CONFIG/config.json, under a file, so neither that nor ~/.docker is read
    Example(
        "build:\n  image: docker:27\n  secrets:\n    REGISTRY_CONFIG:\n      vault: ci/registry/config@secret\n"
        "  variables:\n    DOCKER_CONFIG: $REGISTRY_CONFIG\n  script:\n    - mkdir -p ~/.docker\n"
        + _WRITE + "⟦~/.docker/config.json⟧\n    - docker push \"$CI_REGISTRY_IMAGE\"\n",
        kind="yaml",
    ),
    Example(
        "build:\n  image: docker:27\n  secrets:\n    REGISTRY_CONFIG:\n      vault: ci/registry/config@secret\n"
        "  variables:\n    DOCKER_CONFIG: $REGISTRY_CONFIG\n  script:\n"
        + _WRITE + "⟦\"$DOCKER_CONFIG/config.json\"⟧\n    - docker push \"$CI_REGISTRY_IMAGE\"\n",
        kind="yaml",
    ),
]
