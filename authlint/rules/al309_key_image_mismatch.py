"""
## What it does
Compares the registries a job pulls from and pushes to — its `image`, its
`services`, and the targets of its pushes (`--destination`, `docker push`,
`-t`/`--tag`, BuildKit `name=`) — with the keys of the job's auth JSON (a
`DOCKER_AUTH_CONFIG` in `variables:`, or auth JSON the job's script writes).
It reports an image whose `host[:port]` has no key while a key differs from
it only in the port (`registry.example.com` vs `registry.example.com:5000`,
the dependency proxy's `:443`).  Images on registries the auth JSON does not
mention at all are not reported: they may be public or get credentials
elsewhere.  Case differences in a key are AL306's.

Severity: a **warning**: the image may still get credentials elsewhere (the
job payload, a helper) or need none; when it does not, its pull or push is
anonymous.

## Why is this bad?
The port is part of the registry's name: the runner, docker and Kaniko
match credentials on the exact `host[:port]`, so the key is never used and the
pull or push is anonymous (`401 Unauthorized`, `pull access denied`).  GitLab's
docs: "The full `hostname:port` combination is required everywhere".

## Example
```yaml
variables:
  DOCKER_AUTH_CONFIG: '{"auths": {"registry.example.com": {"auth": "$REGISTRY_AUTH"}}}'
build:
  image: registry.example.com:5000/tools/builder:1.4
  script: [make]
```

## Use instead
```yaml
variables:
  DOCKER_AUTH_CONFIG: '{"auths": {"registry.example.com:5000": {"auth": "$REGISTRY_AUTH"}}}'
build:
  image: registry.example.com:5000/tools/builder:1.4
  script: [make]
```

## Fix safety
The fix renames the key to the image's `host[:port]`.  It is offered only
when exactly one key is a near match, and applied only when no other image
of the job (or, for a `DOCKER_AUTH_CONFIG` other jobs share, of those jobs'
`image` and `services`) uses the key as it is: then the key served nothing
and the rename only makes it match.  Otherwise it is shown, not applied
(add a second entry instead).
"""

from __future__ import annotations

from typing import Callable, Iterator

from ..diagnostics import Applicability, Severity
from ..lazy import lazy_compile
from ..units import AuthDoc, JobUnit
from ..authjson.doc import effective, jfix, templated
from .base import FIX_SAFE, Example, Hit, Rule

RULE = Rule(
    code="AL309",
    name="key-image-mismatch",
    severity=Severity.WARNING,
    summary="an image's registry has no key in the auth JSON, only one with another port",
    fix=FIX_SAFE,
)

_GL_VAR = lazy_compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*")


def _host(ref: str) -> str | None:
    from ..authjson.keys import image_registry

    if not ref or "$" in ref:
        return None
    return image_registry(ref) or None


def _bare(host: str) -> str:
    head, colon, port = host.rpartition(":")
    return head if colon and port.isdigit() else host


def _pulls(ju: JobUnit) -> list[tuple[str, str, str]]:
    """(reference, host, how) for the job image and services (pulled by the runner)."""
    from ..jobfacts import facts

    f = facts(ju)
    out = []
    image = f.image_expanded or f.image
    if image and _host(image):
        out.append((image, _host(image), "job image"))  # type: ignore[arg-type]
    for name in f.service_names():
        if _host(name):
            out.append((name, _host(name), "service"))  # type: ignore[arg-type]
    return out


def _pushes(ju: JobUnit) -> list[tuple[str, str, str]]:
    from ..jobfacts import facts, push_targets, target_host
    from ..tools import tool_of

    f = facts(ju)
    out = []
    for ref in f.pushes:
        tool = tool_of(ref.cmd) or ref.cmd.basename or ""
        tool = "kaniko" if tool == "executor" else tool
        for target in push_targets(ref.cmd, tool):
            host = target_host(target, f.env)
            if host and not host.startswith("$"):
                out.append((target.strip("\"'"), host, "push target"))
    return out


def check_job(ju: JobUnit, options) -> Iterator[Hit]:
    """`DOCKER_AUTH_CONFIG` in `variables:` against the job's image, services and pushes."""
    if ju.incomplete:
        return
    var = ju.job.variables.get("DOCKER_AUTH_CONFIG")
    scalar = var.value if var is not None else None
    if scalar is None or not scalar.value.lstrip().startswith("{"):
        return
    from ..authjson import parse_json
    from ..textmap import ScalarMap

    text = scalar.value
    opaque = [(m.start(), m.end()) for m in _GL_VAR.finditer(text)] if var.expand else []
    doc = AuthDoc(text, opaque, parse_json(text, opaque), ScalarMap(scalar.source, scalar.text), "yaml",
                  job=ju, variable="DOCKER_AUTH_CONFIG", scalar=scalar)
    shared = [j for j in ju.pipeline.jobs.values()
              if j is not ju.job and not j.hidden and (v := j.variables.get("DOCKER_AUTH_CONFIG")) is not None and v.value is scalar]
    others = set()
    for job in shared:
        for image in ([job.image] if job.image else []) + list(job.services):
            if image.name is not None and _host(image.name.value):
                others.add(_host(image.name.value))
    yield from _compare(doc, lambda: _pulls(ju) + (_pushes(ju) if ju.shell == "sh" else []), others)


def check_auth(doc: AuthDoc, options) -> Iterator[Hit]:
    """Auth JSON a job's script writes, against the job's pushes."""
    if doc.origin not in ("shell", "heredoc") or doc.job is None or doc.job.incomplete:
        return
    yield from _compare(effective(doc), lambda: _pushes(doc.job), set())


def _compare(doc: AuthDoc, images_of: Callable[[], list[tuple[str, str, str]]], others: set[str]) -> Iterator[Hit]:
    """The document's keys against the images (asked only when some key can be judged: most
    scripts write `{"auths": {"$CI_REGISTRY": ...}}`, and a job's pushes cost its tool lookups)."""
    from ..authjson.keys import normalize_key
    from ..authjson.view import entries

    keys = []
    for entry in entries(doc):
        key = entry.key
        if key.kind != "string" or key.opaque or not isinstance(key.value, str) or templated(key.value) or "%" in key.value:
            if key.kind == "opaque" or key.opaque:
                return  # a key authlint cannot read may be the match
            continue
        info = normalize_key(key.value)
        keys.append((key, info, "docker.io" if info.is_docker_hub else info.host))
    if not keys:
        return
    images = images_of()
    used = {h for _, h, _ in images} | others
    seen = set()
    for ref, host, how in images:
        host = host.lower()
        if host == "docker.io" or any(h == host for _, _, h in keys):
            continue
        near = [(k, info, h) for k, info, h in keys if h and _bare(h) == _bare(host) and h != host]
        if not near or (near[0][0].start, host) in seen:
            continue
        seen.add((near[0][0].start, host))
        key, info, khost = near[0]
        new = host + (f"/{info.path}" if info.path else "")
        fix = None
        if len(near) == 1:
            applicable = Applicability.SAFE if khost not in used and not info.scheme and info.tag is None else Applicability.DISPLAY_ONLY
            fix = jfix(doc, f"use the key `{new}`", [(key.start + 1, key.end - 1, new)], applicable)
        yield doc.hit(
            key.start, key.end,
            f"`{ref}` ({how}) is on {host}, but the auth JSON has only the key `{key.value}`: "
            "credentials are matched on the exact host[:port], so this key is never used for it",
            fix=fix, key=f"key-image:{key.value}:{host}",
        )


_KANIKO = "  image:\n    name: gcr.io/kaniko-project/executor:debug\n    entrypoint: [\"\"]\n"

VALID = [
    Example(
        "variables:\n  DOCKER_AUTH_CONFIG: '{\"auths\": {\"registry.example.com:5000\": {\"auth\": \"$REGISTRY_AUTH\"}}}'\n"
        "build:\n  image: registry.example.com:5000/tools/builder:1.4\n  script: [make]\n",
        kind="yaml",
    ),
    # a public image on another registry: nothing to compare
    Example(
        "variables:\n  DOCKER_AUTH_CONFIG: '{\"auths\": {\"registry.example.com\": {\"auth\": \"$REGISTRY_AUTH\"}}}'\n"
        "build:\n  image: docker.io/library/alpine:3.20\n  script: [make]\n",
        kind="yaml",
    ),
    Example(
        "build:\n" + _KANIKO + "  script:\n    - echo \"{\\\"auths\\\":{\\\"$CI_REGISTRY\\\":{\\\"auth\\\":\\\"$AUTH\\\"}}}\" > /kaniko/.docker/config.json\n"
        "    - /kaniko/executor --context . --destination \"$CI_REGISTRY_IMAGE:$CI_COMMIT_SHA\"\n",
        kind="yaml",
    ),
]

INVALID = [
    Example(
        "variables:\n  DOCKER_AUTH_CONFIG: '{\"auths\": {⟦\"registry.example.com\"⟧: {\"auth\": \"$REGISTRY_AUTH\"}}}'\n"
        "build:\n  image: registry.example.com:5000/tools/builder:1.4\n  script: [make]\n",
        kind="yaml",
        fixed="variables:\n  DOCKER_AUTH_CONFIG: '{\"auths\": {\"registry.example.com:5000\": {\"auth\": \"$REGISTRY_AUTH\"}}}'\n"
        "build:\n  image: registry.example.com:5000/tools/builder:1.4\n  script: [make]\n",
    ),
    # the script's own auth JSON against the push target
    Example(
        "build:\n" + _KANIKO + "  script:\n    - echo '{\"auths\":{⟦\"registry.example.com\"⟧:{\"auth\":\"'\"$AUTH\"'\"}}}' > /kaniko/.docker/config.json\n"
        "    - /kaniko/executor --context . --destination registry.example.com:5000/app:1.0\n",
        kind="yaml",
        fixed="build:\n" + _KANIKO + "  script:\n    - echo '{\"auths\":{\"registry.example.com:5000\":{\"auth\":\"'\"$AUTH\"'\"}}}' > /kaniko/.docker/config.json\n"
        "    - /kaniko/executor --context . --destination registry.example.com:5000/app:1.0\n",
    ),
    # the dependency proxy always has a port; another job uses the key as it is: shown, not applied
    Example(
        "variables:\n  DOCKER_AUTH_CONFIG: '{\"auths\": {⟦\"gitlab.example.com\"⟧: {\"auth\": \"$PROXY_AUTH\"}}}'\n"
        "test:\n  image: gitlab.example.com:443/group/dependency_proxy/containers/python:3.12\n  script: [pytest]\n"
        "lint:\n  image: gitlab.example.com/group/tools/lint:1\n  script: [lint]\n",
        kind="yaml",
    ),
]
