"""
## What it does
Finds a registry auth file written into a directory that nothing in the job
creates first: `echo ... > ~/.docker/config.json` (or `tee`, `cp`, a heredoc)
with no earlier `mkdir -p ~/.docker`, `mkdir`, `install -d` or
`mkdir -p "$(dirname ...)"` of that directory (or one below it), in
`before_script` + `script` order, scripts the job calls included.

Directories that exist anyway are not reported: `/kaniko/.docker` (and
`$DOCKER_CONFIG`) in Kaniko images, `$HOME`, `/tmp`, `$CI_PROJECT_DIR`, the
current directory.  A `docker login` earlier in the job creates the docker
config directory.  The rule stays silent when a script it cannot read runs
before the write.

Severity: a **warning**: the write fails only in images that lack the
directory; where the image has it, or something authlint cannot see creates
it, the job works.

## Why is this bad?
Most CI images have no `~/.docker` (or `$XDG_RUNTIME_DIR/containers`): the
shell fails with `can't create /root/.docker/config.json: nonexistent
directory` and the job stops before building — or, without `set -e` in a
called script, goes on and pushes anonymously.

## Example
```sh
echo "$DOCKER_AUTH_CONFIG" > "$HOME/.docker/config.json"
```

## Use instead
```sh
mkdir -p "$HOME/.docker"
printf '%s' "$DOCKER_AUTH_CONFIG" > "$HOME/.docker/config.json"
```

## Fix safety
The fix is safe: `mkdir -p` of the directory the job is about to write into
changes nothing when it exists and makes the write work when it does not.
It is inserted on its own line just before the line of the write (a list item
in the same style, a line in the same `|` block or `.sh` file), also in a
script the job calls: every job that runs the write needs the directory.  It
is only shown when the write is in a template shared with other jobs, in a
folded (`>`) block, or on a line that continues another or follows a `cd`.
"""

from __future__ import annotations

from typing import Iterator

from ..diagnostics import Applicability, Fix, Severity
from ..insert import insert_before
from ..jobfacts import DOCKER, activity, facts, insert_lines_before, is_registry_write, line_head, path_key, writes_auth
from ..units import JobUnit
from ..writes import canonical_write, directory
from .base import FIX_SAFE, Example, Hit, Rule, Triggers

RULE = Rule(
    code="AL204",
    name="missing-config-dir",
    severity=Severity.WARNING,
    summary="auth file written to a directory the job never creates",
    fix=FIX_SAFE,
)

TRIGGERS = Triggers(job=writes_auth)


def check_job(unit: JobUnit, options) -> Iterator[Hit]:
    if unit.incomplete or unit.shell != "sh" or not activity(unit).writes:
        return
    f = facts(unit)
    seen: set[str] = set()
    moved = {id(w) for w in f.unread_writes()}  # AL203 moves these: a mkdir for their old place would be left over
    for w in f.writes:
        if id(w) in moved:
            continue
        template = w.target.template
        if template.rsplit("/", 1)[-1] not in ("config.json", "auth.json") or "/" not in template:
            continue
        if not is_registry_write(w):
            continue
        d = path_key(directory(template))
        if not d or d in seen or f.config_dir_exists(d) or f.made_dir_before(d, w.ref.position):
            continue
        if d == "$DOCKER_CONFIG" and f.docker_config_file is not None:
            continue  # it names a file (a File-type variable's path): `mkdir -p` there fails
        seen.add(d)
        if any(r.position < w.ref.position for r in f.opaque):
            continue
        if w.ref.cmd.basename == "install" and any((a.value or "").startswith("-") and "D" in (a.value or "") for a in w.ref.cmd.args):
            continue  # install -D creates the leading directories
        if DOCKER in f.families and any(r.position < w.ref.position for r in f.logins) and f.resolve(d) in (
            f.resolve("$DOCKER_CONFIG") if "DOCKER_CONFIG" in f.env_raw else f.resolve("$HOME/.docker"),
        ):
            continue  # `docker login` created it
        lines = canonical_write(d)[:1]
        edits, reason = _insert(unit, w.ref, lines)
        title = f"create the directory first: `{lines[0]}`"
        fix = Fix(title, tuple(edits), Applicability.SAFE) if edits else Fix(title, (), Applicability.DISPLAY_ONLY, reason=reason)
        yield w.ref.hit(
            w.target.start,
            w.target.end,
            f"{template} is written but nothing in the job creates {d} first: most images have no such directory "
            "(`nonexistent directory`); run `mkdir -p` before the write",
            fix=fix,
            key=d,
        )


def _insert(unit: JobUnit, ref, lines: list[str]) -> tuple[list, str | None]:
    """In a called script the `mkdir -p` goes into the script: every caller needs it before this write."""
    if ref.unit.called_from is None:
        return insert_lines_before(unit, ref, lines)
    anchor = line_head(ref)
    if anchor is None:
        return [], "the command continues a line above or follows a `cd` on its line"
    return insert_before(anchor, lines)


_ECHO = 'echo "$DOCKER_AUTH_CONFIG" > '

def _job(script: str) -> str:
    """A docker job running script (shell lines) in a | block."""
    return "build:\n  image: docker:27\n  script:\n    - |\n" + "".join("      " + line + "\n" for line in script.rstrip("\n").split("\n"))


VALID = [
    # DOCKER_CONFIG holds a File-type variable's path: a `mkdir -p` there would fail (AL203's business)
    Example(
        "build:\n  image: docker:27\n  secrets:\n    REGISTRY_CONFIG:\n      vault: ci/registry/config@secret\n"
        "  variables:\n    DOCKER_CONFIG: $REGISTRY_CONFIG\n  script:\n    - " + _ECHO + "\"$DOCKER_CONFIG/config.json\"\n"
        "    - docker push \"$CI_REGISTRY_IMAGE\"\n    - make publish\n",
        kind="yaml",
    ),
    Example(_job("mkdir -p ~/.docker\n" + _ECHO + "~/.docker/config.json\ndocker push \"$CI_REGISTRY_IMAGE\"\n"), kind="yaml"),
    Example(_job("mkdir -p \"$HOME/.docker\" && " + _ECHO + "\"$HOME/.docker/config.json\"\n"), kind="yaml"),
    Example(_job("install -d -m 700 \"$HOME/.docker\"\n" + _ECHO + "$HOME/.docker/config.json\n"), kind="yaml"),
    Example(_job("mkdir -p \"$(dirname \"$REGISTRY_AUTH_FILE\")\"\n" + _ECHO + "\"$REGISTRY_AUTH_FILE\"\n"), kind="yaml"),
    Example(_job("mkdir -p /tmp/ci/.docker/certs\n" + _ECHO + "/tmp/ci/.docker/config.json\n"), kind="yaml"),
    # Kaniko images ship /kaniko/.docker
    Example(
        "build:\n  image:\n    name: gcr.io/kaniko-project/executor:debug\n    entrypoint: [\"\"]\n  script:\n"
        "    - " + _ECHO + "/kaniko/.docker/config.json\n    - /kaniko/executor --context . --destination \"$CI_REGISTRY_IMAGE\"\n",
        kind="yaml",
    ),
    # an application config, not registry credentials
    Example(_job("echo '{\"port\": 8080}' > build/config.json\n"), kind="yaml"),
    # the mkdir is in the default before_script
    Example(
        "default:\n  before_script:\n    - mkdir -p $HOME/.docker\nbuild:\n  image: docker:27\n  script:\n    - " + _ECHO + "$HOME/.docker/config.json\n",
        kind="yaml",
    ),
]

INVALID = [
    Example(
        _job(_ECHO + "⟦\"$HOME/.docker/config.json\"⟧\ndocker push \"$CI_REGISTRY_IMAGE\"\n"),
        kind="yaml",
        fixed=_job('mkdir -p "$HOME/.docker"\n' + _ECHO + "\"$HOME/.docker/config.json\"\ndocker push \"$CI_REGISTRY_IMAGE\"\n"),
    ),
    Example(
        _job("set -eu\n" + _ECHO + "⟦~/.docker/config.json⟧\n"),
        kind="yaml",
        fixed=_job('set -eu\nmkdir -p "$HOME/.docker"\n' + _ECHO + "~/.docker/config.json\n"),
    ),
    Example(
        "build:\n  image: docker:27\n  script:\n    - printf '%s' \"$DOCKER_AUTH_CONFIG\" | tee ⟦/builds/.docker/config.json⟧ >/dev/null\n",
        kind="yaml",
        fixed="build:\n  image: docker:27\n  script:\n    - mkdir -p /builds/.docker\n    - printf '%s' \"$DOCKER_AUTH_CONFIG\" | tee /builds/.docker/config.json >/dev/null\n",
    ),
    # a mkdir after the write does not help
    Example(
        "build:\n  image: docker:27\n  script:\n    - " + _ECHO + "⟦/root/.docker/config.json⟧\n    - mkdir -p /root/.docker\n",
        kind="yaml",
        fixed="build:\n  image: docker:27\n  script:\n    - mkdir -p /root/.docker\n    - " + _ECHO + "/root/.docker/config.json\n    - mkdir -p /root/.docker\n",
    ),
    # buildah's auth.json
    Example(
        "build:\n  image: quay.io/buildah/stable\n  script: [\"echo \\\"$AUTH_JSON\\\" > ⟦$XDG_RUNTIME_DIR/containers/auth.json⟧\", buildah push \"$CI_REGISTRY_IMAGE\"]\n",
        kind="yaml",
        fixed="build:\n  image: quay.io/buildah/stable\n  script: [mkdir -p \"$XDG_RUNTIME_DIR/containers\", \"echo \\\"$AUTH_JSON\\\" > $XDG_RUNTIME_DIR/containers/auth.json\", buildah push \"$CI_REGISTRY_IMAGE\"]\n",
    ),
    # a folded block cannot be edited exactly: shown only
    Example(
        "build:\n  image: docker:27\n  script:\n    - >\n      " + _ECHO + "⟦/root/.docker/config.json⟧\n",
        kind="yaml",
    ),
]
