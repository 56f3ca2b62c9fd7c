"""
## What it does
Finds a registry auth file opened for appending: `>> config.json`,
`&>> config.json` or `tee -a config.json`, when nothing earlier in the job (or
script) wrote that file.  Appends that continue a file the job itself started
with `>` (a JSON document written piece by piece) are not reported.

Severity: an **error**: the write works only while no config exists yet; where
one does (a shell runner, a cached home, a mounted file), the new credentials
are silently ignored, and docker's `DOCKER_AUTH_CONFIG` store rejects the
file.

## Why is this bad?
A docker auth file holds exactly one JSON object.  Docker, the runner and
Kaniko read only the *first* object and silently ignore anything after it, and
the docker CLI's `DOCKER_AUTH_CONFIG` store rejects a second object outright.
So when the file already exists (a shell executor, a cached home directory, a
mounted or restored config, a retried job) the new credentials are ignored and
the push fails with `unauthorized` or `denied`.

## Example
```sh
echo "$DOCKER_AUTH_CONFIG" >> /kaniko/.docker/config.json
```

## Use instead
```sh
printf '%s' "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json
```

## Fix safety
The fix is safe: it turns `>>` into `>` (`&>>` into `&>`) or drops `-a` /
`--append` from `tee`.  It is exactly the intended change: the job writes the
whole file in that command, and an existing file is replaced instead of being
extended with an object nobody reads.  The fix is only shown, not applied,
when the append runs inside a loop (each pass would then replace the last),
when `tee` has the flag bundled with others (`-ai`), or when the text cannot be
edited exactly (a folded `>` block, a `sh -c` string).
"""

from __future__ import annotations

import re
from typing import Iterator

from ..authjson.looks import produces_auth_json
from ..diagnostics import Applicability, Fix, Severity
from ..jobfacts import facts, is_docker_like_path, path_key
from ..lazy import lazy_compile
from ..units import CommandRef, make_fix
from ..writes import AUTH_PATH_MARKS, WRITE_COMMANDS, AuthWrite, auth_writes
from .base import FIX_SAFE, Example, Hit, Rule, Triggers

TRIGGERS = Triggers(commands=WRITE_COMMANDS, words=AUTH_PATH_MARKS)
RULE = Rule(
    code="AL205",
    name="append-to-auth-config",
    severity=Severity.ERROR,
    summary="auth file appended to with `>>` / `tee -a`: a second JSON object is ignored",
    fix=FIX_SAFE,
)


def check_command(ref: CommandRef, options) -> Iterator[Hit]:
    for w in auth_writes(ref):
        if w.via == "tee" and any(re.fullmatch(r"-[a-zA-Z]*a[a-zA-Z]*", a.value or "") for a in ref.cmd.args):
            w.mode = "append"  # `tee -ai`: writes.auth_writes only knows `-a` alone
        if w.mode != "append" or not _registry_file(w):
            continue
        if _written_before(ref, w):
            continue  # a document built piece by piece after a `>` write
        path = w.target.template
        message = (
            f"`{'tee -a' if w.via == 'tee' else '>>'}` appends to {path}: docker reads only the first JSON object, "
            "so when the file already exists the new credentials are ignored; overwrite it instead"
        )
        if w.via == "redirect" and w.redirect is not None:
            r = w.redirect
            yield ref.hit(r.start, r.end, message, fix=_redirect_fix(ref, w), key=path)
        elif w.via == "tee":
            flag = next((a for a in ref.cmd.args if a.value in ("-a", "--append") or re.fullmatch(r"-[a-zA-Z]*a[a-zA-Z]*", a.value or "")), None)
            if flag is None:
                continue
            yield ref.hit(flag.start, flag.end, message, fix=_tee_fix(ref, flag), key=path)




def _registry_file(w: AuthWrite) -> bool:
    """A registry auth file by its path, or by what is written (the target's own
    name left out: `auth.json` is also Composer's credentials file)."""
    if is_docker_like_path(w.target.template):
        return True
    producer = w.producer
    if producer is None:
        return False
    texts = [a.raw for a in producer.args] + [r.heredoc.body for r in producer.redirects if r.heredoc is not None]
    texts += [c.raw for c in producer.pipeline if c is not producer]
    return produces_auth_json("\n".join(texts))


def _written_before(ref: CommandRef, w: AuthWrite) -> bool:
    """Whether an earlier command of the job (or script) writes the same file."""
    key = path_key(w.target.template)
    if ref.job is not None:
        earlier = [x for x in facts(ref.job).writes if x.ref.position < ref.position or (x.ref.cmd is ref.cmd and x is not w and _before(x, w))]
    else:
        earlier = []
        for cmd in ref.unit.script.commands:
            if cmd.start >= ref.cmd.start:
                break
            earlier += auth_writes(CommandRef(cmd, ref.unit, None))
    return any(path_key(x.target.template) == key for x in earlier)


def _before(a: AuthWrite, b: AuthWrite) -> bool:
    return a.target.start < b.target.start


def _redirect_fix(ref: CommandRef, w: AuthWrite) -> Fix:
    r = w.redirect
    assert r is not None
    title = "overwrite the file: `>` instead of `>>`"
    text = ref.unit.script.text
    i = text.find(">>", r.start, r.end)
    if i < 0 or not ref.cmd.exact or ref.cmd.via:
        return Fix(title, (), Applicability.DISPLAY_ONLY, reason="the redirect cannot be edited exactly")
    if _in_loop(ref):
        return Fix(title, (), Applicability.DISPLAY_ONLY, reason="the write runs in a loop: each pass would replace the last")
    return make_fix(title, [ref.edit(i, i + 2, ">")], Applicability.SAFE, ref.unit.tmap)


def _tee_fix(ref: CommandRef, flag) -> Fix:
    title = "overwrite the file: drop `-a` from `tee`"
    text = ref.unit.script.text
    if flag.value not in ("-a", "--append") or not ref.cmd.exact or ref.cmd.via:
        return Fix(title, (), Applicability.DISPLAY_ONLY, reason="the flag is bundled with others" if flag.value not in ("-a", "--append") else "the command cannot be edited exactly")
    if _in_loop(ref):
        return Fix(title, (), Applicability.DISPLAY_ONLY, reason="the write runs in a loop: each pass would replace the last")
    start = flag.start
    while start > 0 and text[start - 1] in " \t":
        start -= 1
    return make_fix(title, [ref.edit(start, flag.end, "")], Applicability.SAFE, ref.unit.tmap)


_LOOP_WORD = lazy_compile(r"(?<![\w$-])(do|done)(?![\w-])")


def _in_loop(ref: CommandRef) -> bool:
    """Crude: an unclosed `do` before the command in its script (errs towards 'yes')."""
    depth = 0
    for m in _LOOP_WORD.finditer(ref.unit.script.text, 0, ref.cmd.start):
        depth += 1 if m.group(1) == "do" else -1
        depth = max(depth, 0)
    return depth > 0


# Examples with a fix have two lines: the harness's one-line YAML wrapping has a
# late-binding bug in its unwrap (see tests/test_rules_writes.py for plain items).
_PUSH = '/kaniko/executor --context . --destination "$CI_REGISTRY_IMAGE"\n'

VALID = [
    Example('echo "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json\n'),
    # a document written piece by piece
    Example(
        "echo '{\"auths\":{' > /kaniko/.docker/config.json\n"
        "echo \"\\\"$CI_REGISTRY\\\":{\\\"auth\\\":\\\"$AUTH\\\"}\" >> /kaniko/.docker/config.json\n"
        "echo '}}' >> /kaniko/.docker/config.json\n"
    ),
    # not an auth file
    Example("echo 'export PATH=$PATH:/opt/bin' >> ~/.bashrc\n"),
    Example("echo '{\"port\": 8080}' >> app/config.json\n"),
    Example("docker build . 2>> build/config.json.log\n"),
    # Composer's auth.json is not a registry file
    Example("echo '{\"github-oauth\": {\"github.com\": \"'\"$GH_TOKEN\"'\"}}' >> auth.json\n"),
]

INVALID = [
    Example(
        'echo "$DOCKER_AUTH_CONFIG" ⟦>> /kaniko/.docker/config.json⟧\n' + _PUSH,
        fixed='echo "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json\n' + _PUSH,
    ),
    Example(
        "printf '%s' \"$DOCKER_AUTH_CONFIG\" | tee ⟦-a⟧ \"$HOME/.docker/config.json\" > /dev/null\ndocker push \"$CI_REGISTRY_IMAGE\"\n",
        fixed="printf '%s' \"$DOCKER_AUTH_CONFIG\" | tee \"$HOME/.docker/config.json\" > /dev/null\ndocker push \"$CI_REGISTRY_IMAGE\"\n",
    ),
    Example(
        'mkdir -p ~/.docker && cat "$REGISTRY_AUTH" ⟦>>~/.docker/config.json⟧\ndocker push "$CI_REGISTRY_IMAGE"\n',
        fixed='mkdir -p ~/.docker && cat "$REGISTRY_AUTH" >~/.docker/config.json\ndocker push "$CI_REGISTRY_IMAGE"\n',
    ),
    Example(
        "build:\n  image: docker:27\n  script:\n    - \"echo \\\"$DOCKER_AUTH_CONFIG\\\" ⟦>> $HOME/.docker/config.json⟧\"\n    - docker push $CI_REGISTRY_IMAGE\n",
        kind="yaml",
        fixed="build:\n  image: docker:27\n  script:\n    - \"echo \\\"$DOCKER_AUTH_CONFIG\\\" > $HOME/.docker/config.json\"\n    - docker push $CI_REGISTRY_IMAGE\n",
    ),
    # in a loop: shown only
    Example('for f in a b; do cat "$f" ⟦>> /kaniko/.docker/config.json⟧; done\n'),
]
