"""
## What it does
Finds an unquoted expansion of `DOCKER_AUTH_CONFIG` or another credential
variable used as a command argument: `echo $DOCKER_AUTH_CONFIG > config.json`,
`docker login -p $CI_REGISTRY_PASSWORD`, `echo $CI_JOB_TOKEN | docker login
--password-stdin`.  Credential variables are GitLab's (`CI_REGISTRY_PASSWORD`,
`CI_JOB_TOKEN`, `CI_DEPLOY_PASSWORD`, `CI_DEPENDENCY_PROXY_PASSWORD`), names
that say so (`*REGISTRY*PASS*`, `*REGISTRY*TOKEN*`, `DOCKER_PASS*`,
`DOCKER_TOKEN`, `*_DEPLOY_TOKEN`), and job or script variables that hold one of
them (`REGISTRY_PASSWORD: $CI_REGISTRY_PASSWORD`, `PW=$CI_JOB_TOKEN`).

Which variables hold a credential is decided by where their value comes from
(authlint.shell.flow): GitLab's tokens and the variables that copy them, CI/CD
variables set outside the repository whose name says so, and variables used as
one (the value of `-p`, what is piped into `--password-stdin`).  A committed
literal is not reported: its value shows whether quoting matters.

Assignments (`X=$Y`, `export X=$Y`) and `[[ ]]` tests are not reported: the
shell does not split words there.  Neither is a variable that holds options
meant to be split into words (`$JIB_OPTS` holding `-Djib.to.auth.password=…`):
quoting it would break the command.

Severity: a **warning** for a value authlint cannot see (a custom CI/CD
variable, `DOCKER_AUTH_CONFIG`), which may hold a space, a newline or a glob
character; **info** for GitLab's own tokens (`$CI_JOB_TOKEN`,
`$CI_REGISTRY_PASSWORD`, ...), plain copies of them and the output of
`aws ecr get-login-password` and the like, which never hold one: quoting them
is style, not a fix.

## Why is this bad?
An unquoted expansion is split at spaces, tabs and newlines and every piece is
a glob pattern.  A JSON document loses its line breaks and runs of spaces, a
`*` or `?` in a password can turn into file names, and a password with a space
becomes two arguments — the login fails or, worse, the second half becomes the
registry name.  GitLab's own docs show `echo $DOCKER_AUTH_CONFIG` unquoted,
which breaks multi-line JSON values.

## Example
```sh
echo $DOCKER_AUTH_CONFIG > /kaniko/.docker/config.json
```

## Use instead
```sh
printf '%s' "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json
```
The fix only adds the quotes; AL207 then replaces `echo` (which rewrites
backslashes and breaks File-type variables) by a write that works for both.

## Fix safety
The fix is safe: it puts double quotes around the expansion only (`$X` ->
`"$X"`, `${X}` -> `"${X}"`, `-p$X` -> `-p"$X"`), so the argument is the
variable's value exactly, which is what the command means.  It is shown, not
applied, where the text cannot be edited exactly (a folded `>` block, a command
inside a `sh -c` string).
"""

from __future__ import annotations

import re
from typing import Iterator

from ..diagnostics import Applicability, Fix, Severity
from ..gitlab.predefined import CREDENTIALS
from ..lazy import lazy_compile
from ..shell.flow import Flow, flow_of
from ..shell.model import Command, Part, Word
from ..units import CommandRef, make_fix
from .base import FIX_SAFE, Example, Hit, Rule, Triggers

RULE = Rule(
    code="AL206",
    name="unquoted-auth-variable",
    severity=Severity.WARNING,
    summary="credential variable expanded without double quotes",
    fix=FIX_SAFE,
)

_DECLARATIONS = frozenset({"export", "local", "declare", "readonly", "typeset"})
_QUOTED_DEFAULT = lazy_compile(r"^\$\{[^}]*?[-+=?][^}]*['\"\\\\]")  # ${X:-'…'}, ${X-\\…}
_ASSIGNMENT_WORD = lazy_compile(r"^[A-Za-z_][A-Za-z0-9_]*\+?=")
_OPTIONS_NAME = lazy_compile(r"_(?:OPTS|OPTIONS|ARGS|FLAGS)$|^(?:OPTS|ARGS|FLAGS)$", re.I)


# A test reads the credential but passes it nowhere: `[ -z $PW ]` fails the same way for any mangling.
_TESTS = frozenset({"[[", "[", "test"})


def _split_variables(cmd: Command) -> list[tuple[Word, Part]]:
    """(word, part) for each variable expansion among cmd's arguments that the shell splits
    (what AL206 judges, asked once per command: most have none)."""
    if cmd.name is None or cmd.via or cmd.basename in _TESTS:
        return []
    declaration = cmd.basename in _DECLARATIONS
    return [
        (word, part)
        for word in cmd.args
        if word.value is None and not (declaration and _ASSIGNMENT_WORD.match(word.raw))  # (a literal word has no expansion)
        for part in word.parts
        if part.kind == "variable" and not part.quoted and part.var is not None and not part.raw.startswith("${#")
    ]


TRIGGERS = Triggers(words=("$",), command=_split_variables)


def unquoted_credentials(ref: CommandRef) -> Iterator[tuple[Word, Part, Flow]]:
    """(word, part, flow) for each unquoted credential expansion among ref's arguments."""
    split = ref.cmd.derived(_split_variables)
    flow = flow_of(ref) if split else None
    if flow is None:
        return
    for word, part in split:
        registry = part.var in CREDENTIALS or flow.in_registry(part.var)
        if registry and not _holds_options(flow, part.var):
            yield word, part, flow


def _holds_options(flow: Flow, name: str) -> bool:
    """`$JIB_OPTS` holding `-Djib.to.auth.password=...`: meant to be split into words."""
    if _OPTIONS_NAME.search(name):
        return True
    texts = [o.text for o in flow.origins(name) if o.text is not None and o.kind in ("literal", "composite")]
    return any(t.lstrip().startswith("-") and " " in t.strip() or t.lstrip().startswith("-D") for t in texts)


def check_command(ref: CommandRef, options) -> Iterator[Hit]:
    for word, part, flow in unquoted_credentials(ref):
        quoted = f'"{part.raw}"'
        title = f"quote the expansion: {quoted}"
        if not ref.cmd.exact or not getattr(word, "exact", True):
            fix = Fix(title, (), Applicability.DISPLAY_ONLY, reason="the command's text cannot be edited exactly")
        elif _QUOTED_DEFAULT.search(part.raw):
            # inside "…" the quotes of ${X:-'{}'} turn literal and dash ends the expansion at the first }
            fix = Fix(title, (), Applicability.DISPLAY_ONLY,
                      reason="the default word holds quotes or backslashes, which change meaning inside double quotes")
        else:
            fix = make_fix(title, [ref.edit(part.start, part.end, quoted)], Applicability.SAFE, ref.unit.tmap)
        yield ref.hit(
            part.start,
            part.end,
            f"{part.raw} is expanded without quotes: word splitting and globbing can mangle the credential; write {quoted}",
            fix=fix,
            key=part.var or "",
            severity=Severity.INFO if flow.token_shaped(part.var or "") else None,
        )


_PUSH = '/kaniko/executor --context . --destination "$CI_REGISTRY_IMAGE"\n'

VALID = [
    Example('echo "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json\n'),
    # corpus look-alike: quoted producer for --password-stdin
    Example('echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"\n'),
    # assignments are not split
    Example("AUTH=$DOCKER_AUTH_CONFIG\nexport PW=${CI_JOB_TOKEN}\n"),
    Example('if [[ -z $CI_REGISTRY_PASSWORD ]]; then exit 1; fi\n'),
    Example('if [ -z $REGISTRY_PASSWORD ] || test -z $REGISTRY_USER; then exit 1; fi\n'),
    # not credentials
    Example("docker build -t $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA .\n"),
    Example('echo "token length: ${#CI_JOB_TOKEN}"\necho ${#CI_JOB_TOKEN}\n'),
    Example("docker login -u $CI_REGISTRY_USER --password-stdin $CI_REGISTRY < pw.txt\n"),
    # options meant to be split: quoting would pass them as one word
    Example(
        'JIB_OPTS="-Djib.to.auth.username=$CI_REGISTRY_USER -Djib.to.auth.password=$CI_REGISTRY_PASSWORD"\n'
        "mvn compile jib:build $JIB_OPTS\n"
    ),
    # a committed test value: its text shows quoting changes nothing
    Example("REGISTRY_PASSWORD=test\ndocker login -u test -p $REGISTRY_PASSWORD localhost:5000\n"),
]

INVALID = [
    # the seed pattern
    Example(
        "echo ⟦$DOCKER_AUTH_CONFIG⟧ > /kaniko/.docker/config.json\n" + _PUSH,
        fixed='echo "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json\n' + _PUSH,
    ),
    Example(
        "docker login -u $CI_REGISTRY_USER -p ⟦$CI_REGISTRY_PASSWORD⟧ $CI_REGISTRY\ndocker push $CI_REGISTRY_IMAGE\n",
        fixed='docker login -u $CI_REGISTRY_USER -p "$CI_REGISTRY_PASSWORD" $CI_REGISTRY\ndocker push $CI_REGISTRY_IMAGE\n',
    ),
    Example(
        "echo -n ⟦${CI_JOB_TOKEN}⟧ | docker login -u gitlab-ci-token --password-stdin \"$CI_REGISTRY\"\ndocker push \"$CI_REGISTRY_IMAGE\"\n",
        fixed='echo -n "${CI_JOB_TOKEN}" | docker login -u gitlab-ci-token --password-stdin "$CI_REGISTRY"\ndocker push "$CI_REGISTRY_IMAGE"\n',
    ),
    # only the expansion of a mixed word is quoted
    Example(
        "podman login -u me --password=⟦$REGISTRY_PASSWORD⟧ quay.io\npodman push quay.io/me/app\n",
        fixed='podman login -u me --password="$REGISTRY_PASSWORD" quay.io\npodman push quay.io/me/app\n',
    ),
    Example(
        "skopeo login -u $U -p ⟦${CNG_REGISTRY_PASSWORD:-$CI_JOB_TOKEN}⟧ $CI_REGISTRY\nskopeo copy a b\n",
        fixed='skopeo login -u $U -p "${CNG_REGISTRY_PASSWORD:-$CI_JOB_TOKEN}" $CI_REGISTRY\nskopeo copy a b\n',
    ),
    # a script variable that holds a credential
    Example(
        'PW="$CI_JOB_TOKEN"\necho ⟦$PW⟧ | docker login -u gitlab-ci-token --password-stdin "$CI_REGISTRY"\n',
        fixed='PW="$CI_JOB_TOKEN"\necho "$PW" | docker login -u gitlab-ci-token --password-stdin "$CI_REGISTRY"\n',
    ),
    # a job variable that holds one, in a double-quoted YAML item
    Example(
        "build:\n  variables:\n    REGISTRY_PASSWORD: $CI_REGISTRY_PASSWORD\n  script:\n"
        "    - \"echo ⟦$REGISTRY_PASSWORD⟧ | docker login -u $CI_REGISTRY_USER --password-stdin $CI_REGISTRY\"\n",
        kind="yaml",
        fixed="build:\n  variables:\n    REGISTRY_PASSWORD: $CI_REGISTRY_PASSWORD\n  script:\n"
        "    - \"echo \\\"$REGISTRY_PASSWORD\\\" | docker login -u $CI_REGISTRY_USER --password-stdin $CI_REGISTRY\"\n",
    ),
    # a plain item
    Example(
        "build:\n  script:\n    - echo ⟦$DOCKER_AUTH_CONFIG⟧ > $HOME/.docker/config.json\n",
        kind="yaml",
        fixed="build:\n  script:\n    - echo \"$DOCKER_AUTH_CONFIG\" > $HOME/.docker/config.json\n",
    ),
    # a folded block: shown only
    Example("build:\n  script:\n    - >\n      echo ⟦$DOCKER_AUTH_CONFIG⟧\n      > config.json\n", kind="yaml"),
]
