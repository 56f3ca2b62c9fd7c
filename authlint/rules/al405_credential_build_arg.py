"""
## What it does
Finds a credential passed to an image build as a build argument:
`--build-arg NAME=$SECRET` (or `--build-arg NAME`, which copies the variable
`NAME` from the environment) of `docker build` / `docker buildx build` /
`podman build` / `buildah bud` / `nerdctl build` / Kaniko's `executor`, and
`--opt build-arg:NAME=$SECRET` of `buildctl`, also inside a command line kept
in a variable (`CMD="/kaniko/executor ... --build-arg TOKEN=$TOKEN"`).  A
credential is a variable named like one (`*TOKEN*`, `*PASSWORD*`, `*SECRET*`,
`AWS_SECRET_ACCESS_KEY`, ...) whose value is not a committed literal
(`ROSINSTALL_CI_JOB_TOKEN: "true"` is a flag), or a variable used as one
elsewhere in the job, GitLab's `CI_JOB_TOKEN` included.  A Kaniko build that
keeps its image to itself (`--no-push`, no `--tar-path`, no pushed cache) is
not reported: nobody can pull that history.

Severity: a **warning**: whether the value reaches the pushed image depends on
the Dockerfile: an `ARG` that no `RUN` step uses, or one used only in a build
stage that is not pushed, leaves no trace there.

## Why is this bad?
Build arguments are not secret: every `ARG` used by a `RUN` step is recorded
in the image's history and config (`docker history --no-trunc`, `docker
inspect`), so anyone who can pull the image can read the credential, long
after the job has ended.  BuildKit, buildah and podman have build secrets that
are mounted for one `RUN` step and never stored.

## Example
```sh
docker build --build-arg NPM_TOKEN="$NPM_TOKEN" -t "$CI_REGISTRY_IMAGE" .
```

## Use instead
```sh
docker build --secret id=npm_token,env=NPM_TOKEN -t "$CI_REGISTRY_IMAGE" .
```
with `RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN npm ci` in the
Dockerfile (buildah and podman accept the same `--secret` option).  Kaniko has
no build secrets: use the argument only in an earlier stage of a multi-stage
build, or build with BuildKit or buildah.

## Fix safety
There is no automatic fix: the Dockerfile has to change too.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterator

from ..diagnostics import Severity
from ..lazy import lazy_compile
from ..shell.flow import Flow, flow_of, secret_name
from ..shell.model import VAR_REF, Command
from ..tools import kaniko_image_stays, unwrap
from ..units import CommandRef
from .base import Example, Hit, Rule, Triggers

if TYPE_CHECKING:
    from ..shell.model import Word

RULE = Rule(
    code="AL405",
    name="credential-build-arg",
    severity=Severity.WARNING,
    summary="a credential passed as a build argument is stored in the image",
)

_BUILDERS = frozenset({"docker", "podman", "buildah", "nerdctl", "executor", "kaniko", "img", "buildctl", "buildctl-daemonless.sh"})
# A build command, or the first command of a script (which reads the script's assignments).
TRIGGERS = Triggers(commands=_BUILDERS, first=True)
_IN_STRING = lazy_compile(r"--build-arg(?:=|\s+)([\"']?)([A-Za-z_][A-Za-z0-9_]*)(=(\S*))?")
_BUILD_WORD = lazy_compile(r"(?:^|[\s/])(?:executor|docker|podman|buildah|nerdctl|buildctl)\b")


def check_command(ref: CommandRef, options) -> Iterator[Hit]:
    name, _ = unwrap(ref.cmd)
    values = ref.cmd.derived(_build_arg_values) if name in _BUILDERS else ()
    if not values and not _keeps_build_line(ref.unit.script):
        return  # no build argument, and nothing for _strings: the flow is not needed
    scope = flow_of(ref)
    if scope is None:
        return
    if values and not kaniko_image_stays(ref.cmd):  # (else the image, and its history, go nowhere)
        for word, offset in values:
            hit = _build_arg(scope, ref, name, word, offset)
            if hit is not None:
                yield hit
    firsts = scope.__dict__.setdefault("_first_of_script", {})
    if not firsts:
        for r in scope.refs:
            firsts.setdefault(id(r.unit.script), r.cmd)
    if firsts.get(id(ref.unit.script)) is ref.cmd:
        yield from _strings(scope, ref)


def _keeps_build_line(script) -> bool:
    """An assignment _strings would read (most scripts have none)."""
    return any(a.value is not None and "--build-arg" in a.value.template for a in script.assignments)


def _tool(name: str) -> str:
    return "Kaniko" if name in ("executor", "kaniko") else name


def _message(name: str, arg: str, what: str) -> str:
    tail = (
        "Kaniko has no build secrets: use it only in an earlier stage of a multi-stage build, or build with BuildKit/buildah `--secret`"
        if name in ("executor", "kaniko")
        else f"pass it as a build secret (`--secret id={arg.lower()},env=...` and `RUN --mount=type=secret,id={arg.lower()}`)"
    )
    return (
        f"build argument {arg} carries {what} into the image: build arguments are kept in the image history, "
        f"readable by anyone who can pull it; {tail}"
    )


def _build_arg_values(cmd: Command) -> list[tuple["Word", int]]:
    """(word, template index) of each build argument's `NAME[=value]` on a build command line
    (`--build-arg X=1`, `--build-arg=X=1`, buildctl's `--opt build-arg:X=1`): once per command."""
    args = unwrap(cmd)[1]
    out = []
    i = 0
    while i < len(args):
        t = args[i].template
        if t == "--build-arg" and i + 1 < len(args):
            out.append((args[i + 1], 0))
            i += 1
        elif t.startswith("--build-arg="):
            out.append((args[i], len("--build-arg=")))
        elif t == "--opt" and i + 1 < len(args) and args[i + 1].template.startswith("build-arg:"):
            out.append((args[i + 1], len("build-arg:")))
            i += 1
        i += 1
    return out


def _build_arg(scope: Flow, ref: CommandRef, name: str, word: "Word", offset: int) -> Hit | None:
    text = word.template[offset:]
    arg, eq, _ = text.partition("=")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", arg):
        return None
    if not eq:
        if _named_secret(scope, arg):
            return ref.word_hit(word, _message(name, arg, f"${arg} from the environment"), key=f"{arg}")
        return None
    for use in scope.uses(word, include_masked=True):
        return ref.hit(use.start, use.end, _message(name, arg, use.describe()), key=f"{arg} {use.name}")
    return None


def _named_secret(scope: Flow, arg: str) -> bool:
    """`--build-arg NAME` copies a credential: one by use, or by name unless the pipeline commits its value."""
    return scope.is_cred(arg) or (secret_name(arg) and scope.literal(arg) is None)


def _strings(scope: Flow, ref: CommandRef) -> Iterator[Hit]:
    """Build command lines kept in variables: `CMD="/kaniko/executor ... --build-arg T=$T"`."""
    for a in ref.unit.script.assignments:
        w = a.value
        if w is None or "--build-arg" not in w.template or not _BUILD_WORD.search(w.template):
            continue
        unit = scope.ref_unit(a.start, ref.unit.script) or ref.unit
        template = w.template
        ranges = w.expansion_ranges
        for m in _IN_STRING.finditer(template):
            arg, value = m.group(2), m.group(4) or ""
            vstart = m.start(4) if m.group(4) is not None else -1
            names = [n for n in VAR_REF.findall(value) if n in scope.creds]
            if not names and not (m.group(3) is None and _named_secret(scope, arg)):
                continue
            a0, b0 = (vstart, vstart + len(value)) if names else (m.start(2), m.end(2))
            for s, e in ranges:
                if names and s >= a0 and e <= b0:
                    a0, b0 = s, e
                    break
            start = w.template_offset(a0)
            end = w.template_offset(b0 - 1) + 1
            what = f"${names[0]}" if names else f"${arg} from the environment"
            sub = CommandRef(ref.cmd, unit, ref.job, ref.position)
            yield sub.hit(start, max(start, end), _message("executor" if "executor" in template else "docker", arg, what), key=f"{arg} string")


VALID = [
    Example('docker build --build-arg VERSION="$CI_COMMIT_TAG" -t "$CI_REGISTRY_IMAGE" .\n'),
    Example('docker build --secret id=npm_token,env=NPM_TOKEN -t "$CI_REGISTRY_IMAGE" .\n'),
    Example("docker build --build-arg AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID -t app .\n"),
    Example('docker build --build-arg CI_COMMIT_REF_SLUG=$3 -t "$1" .\n'),
    Example('/kaniko/executor --context . --build-arg "HTTP_PROXY=$HTTP_PROXY" --destination "$CI_REGISTRY_IMAGE"\n'),
    # a flag whose name says TOKEN, committed as a literal
    Example(
        'variables:\n  USE_CI_JOB_TOKEN: "true"\nbuild:\n  script:\n'
        '    - /kaniko/executor --context . --build-arg USE_CI_JOB_TOKEN --destination "$CI_REGISTRY_IMAGE"\n',
        kind="yaml",
    ),
    # a Kaniko build that keeps its image (a test build): the history goes nowhere
    Example("/kaniko/executor --context . --build-arg NPM_TOKEN=$NPM_TOKEN --cache=true --no-push --no-push-cache\n"),
]

INVALID = [
    Example('docker build --build-arg NPM_TOKEN="⟦$NPM_TOKEN⟧" -t "$CI_REGISTRY_IMAGE" .\n'),
    # 01ssh: AWS keys baked into the image by Kaniko
    Example(
        "/kaniko/executor \\\n  --context \"${CI_PROJECT_DIR}/app/nginx\" \\\n  --build-arg AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID \\\n"
        "  --build-arg AWS_SECRET_ACCESS_KEY=⟦$AWS_SECRET_ACCESS_KEY⟧ \\\n  --destination \"${CI_REGISTRY}:latest\"\n"
    ),
    # RightCrowd: the job token, readable from the image after the job
    Example('/kaniko/executor --context . --build-arg GITLAB_API_ACCESS_TOKEN="⟦${CI_JOB_TOKEN}⟧" --destination "$CI_REGISTRY_IMAGE"\n'),
    Example("docker buildx build --build-arg ⟦GITHUB_TOKEN⟧ --push -t r.example.com/app .\n"),
    Example("buildah bud --build-arg=DEPLOY_PASSWORD=⟦$DEPLOY_PASSWORD⟧ -t app .\n"),
    # --no-push with --tar-path: the tarball (and its history) is pushed later
    Example("/kaniko/executor --context . --build-arg NPM_TOKEN=⟦$NPM_TOKEN⟧ --no-push --tar-path image.tar\n"),
    Example(
        'COMMAND="/kaniko/executor --context . --build-arg GITHUB_TOKEN=⟦${GITHUB_TOKEN}⟧ --destination=$ECR_REGISTRY:$TAG"\n'
        "$COMMAND\n"
    ),
]
