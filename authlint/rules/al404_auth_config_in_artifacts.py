"""
## What it does
Finds jobs whose artifacts or cache include a file holding registry
credentials:

* the job's auth file inside the project directory: `DOCKER_CONFIG` set to
  `$CI_PROJECT_DIR/.docker` (or `$PWD/...`, a relative path) before a
  `docker login`, `--authfile` / `REGISTRY_AUTH_FILE` under the project, an
  auth JSON written to `.docker/config.json`;
* any file the job writes credentials into (`echo "AUTH=$REGISTRY_TOKEN" > auth.env`,
  `echo "AUTH=$(jq -r '.auths[].auth' ~/.docker/config.json)" >> auth.env`,
  `env > env.txt` in a credential job);

covered by `artifacts:paths` (a directory, `.`, a glob such as `**/*.json`,
matched like GitLab's doublestar globs), `artifacts:untracked: true`,
`artifacts:reports:dotenv`, or `cache:paths` / `cache:untracked`, and not
removed by `artifacts:exclude`.  Files outside the project directory
(`$HOME/.docker`, `/kaniko/.docker`) are never uploaded.  GitLab's job token
(`CI_JOB_TOKEN`, `CI_REGISTRY_PASSWORD`) expires when the job ends, so a plain
file holding only it is not reported (an auth file always is).  A relative path
written after a `cd`, a path with a variable authlint cannot resolve, and a job
that depends on an include authlint cannot read are left alone.

Severity: an **error**: everyone who can download the job's artifacts, and
every later job that restores its cache, gets the credentials.

## Why is this bad?
Artifacts can be downloaded by everyone who can read the pipeline (on public
projects, by everyone), for weeks; the cache is restored into later jobs and
pipelines, including those of other branches, and on shell runners it stays on
disk.  dotenv reports are downloadable artifacts too (gitlab#347160).  GitLab's
token docs: "Do not log credentials to console logs or artifacts" (domain.md M9).

## Example
```yaml
build:
  variables:
    DOCKER_CONFIG: $CI_PROJECT_DIR/.docker
  script:
    - echo "$CI_DEPLOY_PASSWORD" | docker login -u "$CI_DEPLOY_USER" --password-stdin "$CI_REGISTRY"
    - docker build -t "$CI_REGISTRY_IMAGE" . && docker push "$CI_REGISTRY_IMAGE"
  artifacts:
    paths: [.]
```

## Use instead
```yaml
  artifacts:
    paths: [.]
    exclude: [.docker/config.json]
```
or keep the auth file outside the project directory (the default
`$HOME/.docker`).

## Fix safety
The fix adds the auth file to `artifacts:exclude` (a new item of an existing
list, or a new `exclude:` entry, in the mapping's block or flow style) and is
unsafe: a later job that downloads the artifacts and relied on the file stops
finding it.  It is shown only for caches and dotenv reports (which have no
exclude), for a file listed by its exact path (listed on purpose: pass the
credential as a masked CI/CD variable instead), and for an `artifacts:` mapping
authlint cannot edit exactly (one merged from several templates).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from ..authjson.looks import produces_auth_json
from ..diagnostics import Applicability, Edit, Fix, Severity
from ..gitlab.predefined import EPHEMERAL
from ..insert import yaml_scalar
from ..gitlab.uploads import CACHE, CACHE_UNTRACKED, DOTENV, UNTRACKED, Upload, takes_files
from ..jobfacts import activity, facts, is_docker_like_path
from ..shell.flow import Flow, dumps_variables, job_flows, secret_output, substituted_secrets
from ..tools import unwrap
from ..units import CommandRef, JobUnit
from ..yaml.edits import last_line
from ..yaml.model import YMap, YNode, YScalar, YSeq, walk
from .base import FIX_UNSAFE, Example, Hit, Rule, Triggers

RULE = Rule(
    code="AL404",
    name="auth-config-in-artifacts",
    severity=Severity.ERROR,
    summary="artifacts or cache include the job's registry auth file or another file holding credentials",
    fix=FIX_UNSAFE,
)

@dataclass(eq=False)
class Secret:
    """A file in the project directory that the job fills with credentials."""

    path: str  # project-relative, normalised
    what: str  # "the registry auth file" / "credentials (...)"
    auth: bool


# ------------------------------------------------------ files with secrets
def secret_files(unit: JobUnit) -> list[Secret]:
    """Files in the project directory that the job fills with credentials."""
    writes = facts(unit).writes if activity(unit).writes else []
    main, after = job_flows(unit)
    out: dict[str, Secret] = {}

    def add(template: str, ref: CommandRef, what: str, auth: bool) -> None:
        p = scope.project_path(template, ref)
        if p is not None and (p not in out or auth and not out[p].auth):
            out[p] = Secret(p, what, auth)

    for scope in (main, after):
        for w in writes if scope is main else []:
            if w.via == "cp" and is_docker_like_path(w.target.template):
                add(w.target.template, w.ref, "the registry auth file", True)
        for ref in scope.refs:
            for template in scope.login_files(ref):
                add(template, ref, "the registry auth file", True)
            for target, why, auth in _credential_writes(scope, ref):
                add(target, ref, why, auth)
    return list(out.values())


def _credential_writes(scope: Flow, ref: CommandRef) -> list[tuple[str, str, bool]]:
    """(target, description, is auth JSON) of files this command fills with credentials."""
    cmd = ref.cmd
    targets = [r.target.template for r in cmd.redirects if r.op in (">", ">>", ">|", "&>", "&>>") and r.fd in (None, 1) and r.target is not None]
    if cmd.basename == "tee":
        targets += [w.template for w in cmd.args if not (w.value or "-").startswith("-")]
    if not targets:
        return []
    producers = (cmd.pipeline or [cmd])[: cmd.pipeline_index + 1] if cmd.basename == "tee" else [cmd]
    names: list[str] = []
    blob = []
    for p in producers:
        name, args = unwrap(p)
        secret = secret_output(scope, p)
        if secret is not None:
            names.append(secret)
            continue  # what it prints is a value, not auth JSON
        blob.append(_outside_substitutions(p))
        if name in ("env", "printenv", "export", "declare", "typeset", "set") and dumps_variables(name, args) and scope.credential:
            names.append("every variable of the job")
        for w in p.argv + [a.value for a in p.env if a.value is not None]:
            names += [f"${u.name}" for u in scope.uses(w, include_masked=True) if u.name not in EPHEMERAL]
            names += substituted_secrets(scope, ref.unit.script, w)
        for r in p.redirects:
            hd = r.heredoc
            if hd is not None:
                blob.append(hd.body)
                if not hd.quoted:
                    names += [f"${part.var}" for part in hd.parts if part.var in scope.creds and part.var not in EPHEMERAL]
    auth = any(produces_auth_json(b) for b in blob)
    if not names and not auth:
        return []
    if not names and auth and not any(part.var for p in producers for w in p.argv for part in w.parts if part.kind != "literal"):
        # a literal JSON (credsStore only, a helper config): no credential in it unless a literal one (AL103)
        if not re.search(r'"(?:auth|password|identitytoken)"', "".join(blob)):
            return []
    if not auth:
        what = f"credentials ({', '.join(dict.fromkeys(names))})"
        return [(t, what, False) for t in targets]
    return [(t, "the registry auth file" if is_docker_like_path(t) else "registry auth JSON in", True) for t in targets]


def _outside_substitutions(cmd) -> str:
    """The command's text with its `$(...)` blanked out: a jq program that reads `.auths`
    there prints values (judged above), it writes no auth JSON."""
    text = cmd.raw
    for w in cmd.argv:
        for part in w.parts:
            a, b = part.start - cmd.start, part.end - cmd.start
            if part.kind == "command_substitution" and 0 <= a < b <= len(text):
                text = text[:a] + " " * (b - a) + text[b:]
    return text


# ------------------------------------------------------------------- rule
def _takes_files(unit: JobUnit) -> bool:
    """check_job's job test: some file of the job can leave it (most artifacts are test reports)."""
    return takes_files(unit.job)


TRIGGERS = Triggers(job=_takes_files)


def check_job(unit: JobUnit, options) -> Iterator[Hit]:
    if unit.shell != "sh" or unit.incomplete or not _takes_files(unit):
        return  # an unread include may hold the exclude
    secrets = secret_files(unit)
    flow = job_flows(unit)[0]
    taken: dict[int, list[tuple[Upload, Secret]]] = {}  # setting -> the secret files it takes out
    for secret in secrets:
        for up in flow.uploads(secret.path):
            taken.setdefault(id(up.scalar), []).append((up, secret))
    for pairs in sorted(taken.values(), key=lambda t: t[0][0].scalar.start):
        yield _report(unit, [u for u, _ in pairs], [s for _, s in pairs])


def _report(unit: JobUnit, ups: list[Upload], hit: list[Secret]) -> Hit:
    up = ups[0]
    shown = up.scalar.value.strip()
    what = _describe(hit)
    if up.kind == DOTENV:
        message = (f"artifacts:reports:dotenv `{shown}` holds {hit[0].what}: dotenv reports are downloadable "
                   "job artifacts (gitlab#347160); give later jobs the credential as a masked CI/CD variable")
        return Hit(up.scalar.source, up.scalar.span, message, fix=None, job=unit.name, key=f"dotenv {shown}")
    if up.kind in (CACHE, CACHE_UNTRACKED):
        reason = "a cache has no exclude: keep the auth file outside the cached directories (e.g. the default $HOME/.docker)"
        if up.kind == CACHE:
            return Hit(up.scalar.source, up.scalar.span,
                       f"cache:paths `{shown}` stores {what} in the runner cache, which later jobs and pipelines "
                       "(other branches included) restore",
                       fix=Fix("move the file out of the cached paths", (), Applicability.DISPLAY_ONLY, reason=reason), job=unit.name,
                       key=f"cache {shown}")
        return Hit(up.scalar.source, up.scalar.span,
                   f"cache:untracked stores every untracked file, {what} included, in the runner cache, which later jobs "
                   "and pipelines (other branches included) restore",
                   fix=Fix("move the file out of the project directory", (), Applicability.DISPLAY_ONLY, reason=reason), job=unit.name,
                   key="cache untracked")
    if up.kind == UNTRACKED:
        return Hit(up.scalar.source, up.scalar.span,
                   f"artifacts:untracked uploads every untracked file, {what} included: anyone who can download the job's artifacts gets the credentials",
                   fix=_exclude_fix(unit, up.settings, hit), job=unit.name, key="untracked")
    if any(u.exact for u in ups):
        fix = Fix("stop uploading the file", (), Applicability.DISPLAY_ONLY,
                  reason="the file is listed on purpose: pass the credential to later jobs as a masked CI/CD variable instead")
        message = f"artifacts:paths `{shown}` uploads {what}: anyone who can download the job's artifacts gets the credentials"
    else:
        fix = _exclude_fix(unit, up.settings, hit)
        message = f"artifacts:paths `{shown}` uploads {what}: anyone who can download the job's artifacts gets the credentials; exclude it"
    return Hit(up.scalar.source, up.scalar.span, message, fix=fix, job=unit.name, key=f"paths {shown}")


def _describe(secrets: list[Secret]) -> str:
    first = secrets[0]
    text = f"{first.what} {first.path}"
    if len(secrets) > 1:
        text += f" (and {len(secrets) - 1} more file{'s' if len(secrets) > 2 else ''})"
    return text


# -------------------------------------------------------------------- fixes
def _exclude_fix(unit: JobUnit, art: YMap, secrets: list[Secret]) -> Fix:
    paths = [s.path for s in secrets]
    title = "add " + ", ".join(paths) + " to artifacts:exclude"
    edits, reason = _exclude_edits(unit, art, paths)
    if not edits:
        return Fix(title, (), Applicability.DISPLAY_ONLY, reason=reason)
    return Fix(title, tuple(edits), Applicability.UNSAFE)


def _in_file(unit: JobUnit, node: YNode) -> bool:
    for yf in unit.pipeline.files.values():
        if yf.source is node.source:
            return any(v is node for doc in yf.documents for v in walk(doc))
    return False


def _exclude_edits(unit: JobUnit, art: YMap, paths: list[str]) -> tuple[list[Edit], str | None]:
    if not _in_file(unit, art):
        return [], "artifacts: is merged from several mappings"
    source = art.source
    text, index = source.text, source.index
    nl = source.newline
    own = {k.value: (k, v) for k, v in art.entries if isinstance(k, YScalar)}
    if "exclude" in own:
        key, value = own["exclude"]
        if not isinstance(value, YSeq) or not value.items:
            return [], "artifacts:exclude is not a list authlint can extend"
        if value.flow:
            close = text.rfind("]", value.start, value.end)
            if close == -1:
                return [], "artifacts:exclude could not be located"
            new = "".join(", " + yaml_scalar(p, flow=True) for p in paths)
            return [Edit(source.path, _before_space(text, close, value.start), _before_space(text, close, value.start), new)], None
        first = value.items[0]
        line0 = index.line_of(first.start)
        prefix = text[index.line_starts[line0] : first.start]
        if not re.fullmatch(r"\s*-\s+", prefix):
            return [], "artifacts:exclude items share their lines"
        at = _after_node(source, value)
        if at is None:
            return [], "artifacts:exclude is followed by other text on its line"
        return [Edit(source.path, at, at, "".join(prefix + yaml_scalar(p) + nl for p in paths))], None
    if art.flow:
        close = text.rfind("}", art.start, art.end)
        if close == -1:
            return [], "artifacts: could not be located"
        items = ", ".join(yaml_scalar(p, flow=True) for p in paths)
        pos = _before_space(text, close, art.start)
        return [Edit(source.path, pos, pos, f", exclude: [{items}]")], None
    if not art.entries:
        return [], "artifacts: has no entries of its own"
    key0 = art.entries[0][0]
    line0 = index.line_of(key0.start)
    indent = text[index.line_starts[line0] : key0.start]
    if indent.strip():
        return [], "artifacts: starts on a line with other YAML"
    at = _after_node(source, art)
    if at is None:
        return [], "artifacts: is followed by other text on its line"
    new = indent + "exclude:" + nl + "".join(indent + "  - " + yaml_scalar(p) + nl for p in paths)
    return [Edit(source.path, at, at, new)], None


def _before_space(text: str, pos: int, floor: int) -> int:
    while pos > floor and text[pos - 1] in " \t":
        pos -= 1
    return pos


def _after_node(source, node: YNode) -> int | None:
    """The start of the line after a block node's last character (where a sibling line goes)."""
    text, index = source.text, source.index
    last = last_line(source, node.start, node.end)
    if last is None:
        return None
    if last + 1 < index.line_count:
        return index.line_starts[last + 1]
    return None if not text.endswith("\n") else len(text)


_LOGIN = '    - echo "$CI_DEPLOY_PASSWORD" | docker login -u "$CI_DEPLOY_USER" --password-stdin "$CI_REGISTRY"\n'
_BUILD = '    - docker build -t "$CI_REGISTRY_IMAGE" .\n    - docker push "$CI_REGISTRY_IMAGE"\n'
_HEAD = "build:\n  image: docker:27\n  variables:\n    DOCKER_CONFIG: $CI_PROJECT_DIR/.docker\n  script:\n" + _LOGIN + _BUILD

VALID = [
    # the auth file stays in $HOME
    Example("build:\n  image: docker:27\n  script:\n" + _LOGIN + _BUILD + "  artifacts:\n    paths: [.]\n", kind="yaml"),
    Example(_HEAD + "  artifacts:\n    paths: [.]\n    exclude: [.docker/config.json]\n", kind="yaml"),
    Example(_HEAD + "  artifacts:\n    paths: [dist/, reports/*.xml]\n", kind="yaml"),
    Example(
        "kaniko:\n  image:\n    name: gcr.io/kaniko-project/executor:debug\n    entrypoint: [\"\"]\n  script:\n"
        "    - printf '%s' \"$DOCKER_AUTH_CONFIG\" > /kaniko/.docker/config.json\n"
        "    - /kaniko/executor --context . --destination \"$CI_REGISTRY_IMAGE\"\n  artifacts:\n    untracked: true\n",
        kind="yaml",
    ),
    # only the job token, which expires with the job
    Example('build:\n  script:\n    - echo "CI_JOB_TOKEN=$CI_JOB_TOKEN" > build.env\n  artifacts:\n    reports:\n      dotenv: build.env\n', kind="yaml"),
    # the registries the auth file names (no values) are fine in a dotenv report
    Example(
        "build:\n  script:\n    - echo \"$DOCKER_AUTH_CONFIG\" > ~/.docker/config.json\n"
        "    - echo \"REGISTRIES=$(jq -r '.auths | keys | join(\\\",\\\")' ~/.docker/config.json)\" >> build.env\n"
        "  artifacts:\n    reports:\n      dotenv: build.env\n",
        kind="yaml",
    ),
    Example("build:\n  script:\n    - echo '{\"credsStore\": \"ecr-login\"}' > .docker/config.json\n  artifacts:\n    paths: [.docker/]\n", kind="yaml"),
]

INVALID = [
    Example(
        _HEAD + "  artifacts:\n    paths: [⟦.⟧]\n",
        kind="yaml",
        fixed=_HEAD + "  artifacts:\n    paths: [.]\n    exclude:\n      - .docker/config.json\n",
    ),
    Example(
        _HEAD + "  artifacts:\n    paths:\n      - dist/\n      - ⟦'**/*.json'⟧\n    exclude:\n      - '**/*.map'\n    expire_in: 1 week\n",
        kind="yaml",
        fixed=_HEAD + "  artifacts:\n    paths:\n      - dist/\n      - '**/*.json'\n    exclude:\n      - '**/*.map'\n      - .docker/config.json\n    expire_in: 1 week\n",
    ),
    Example(
        _HEAD + "  artifacts: {untracked: ⟦true⟧, expire_in: 1 day}\n",
        kind="yaml",
        fixed=_HEAD + "  artifacts: {untracked: true, expire_in: 1 day, exclude: [.docker/config.json]}\n",
    ),
    Example(
        "build:\n  image: docker:27\n  script:\n    - mkdir -p .docker\n"
        "    - 'echo \"{\\\"auths\\\": {\\\"$CI_REGISTRY\\\": {\\\"auth\\\": \\\"$REGISTRY_AUTH\\\"}}}\" > .docker/config.json'\n"
        "    - docker --config .docker push \"$CI_REGISTRY_IMAGE\"\n  cache:\n    paths: [⟦.docker⟧]\n",
        kind="yaml",
    ),
    # 01ssh: DOCKER_AUTH_CONFIG built from an ECR password, passed on as an artifact
    Example(
        "ecr:\n  script:\n    - |\n      export ECR_PASSWORD=$(aws ecr get-login-password --region eu-west-3)\n"
        "      export GENERATED_AUTH_CHAIN=$(echo -n \"AWS:${ECR_PASSWORD}\" | base64)\n"
        "      echo DOCKER_AUTH_CONFIG=$(echo \"{'auths': {'${CI_REGISTRY}': {'auth': '${GENERATED_AUTH_CHAIN}'}}}\") > auth.env\n"
        "  artifacts:\n    paths:\n      - ⟦auth.env⟧\n",
        kind="yaml",
    ),
    Example(
        "build:\n  script:\n    - echo \"REGISTRY_TOKEN=$REGISTRY_TOKEN\" > deploy.env\n"
        "    - echo \"$REGISTRY_TOKEN\" | docker login -u deploy --password-stdin r.example.com\n"
        "  artifacts:\n    reports:\n      dotenv: ⟦deploy.env⟧\n",
        kind="yaml",
    ),
    # values read out of the auth file into a dotenv report
    Example(
        "build:\n  script:\n    - echo \"$DOCKER_AUTH_CONFIG\" > ~/.docker/config.json\n"
        "    - jq -r '.auths[].auth' ~/.docker/config.json > build.env\n"
        "  artifacts:\n    reports:\n      dotenv: ⟦build.env⟧\n",
        kind="yaml",
    ),
    # ... also as the value of a dotenv line, through `$(...)`
    Example(
        "build:\n  image: docker:27\n  script:\n    - aws ecr get-login-password | docker login -u AWS --password-stdin \"$ECR\"\n"
        "    - echo \"ECR_AUTH=$(cat ~/.docker/config.json | jq -r '.auths[].auth')\" >> build.env\n"
        "  artifacts:\n    reports:\n      dotenv: ⟦build.env⟧\n",
        kind="yaml",
    ),
    # a secret store's output in a file that artifacts:paths uploads
    Example(
        "build:\n  script:\n    - vault kv get -field=password secret/ci/registry > .env\n"
        "  artifacts:\n    paths: [⟦.env⟧]\n",
        kind="yaml",
    ),
]
