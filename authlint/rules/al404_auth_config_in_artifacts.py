"""
## What it does
Finds jobs whose artifacts or cache include a file holding registry
credentials:

* the job's auth file inside the project directory: `DOCKER_CONFIG` set to
  `$CI_PROJECT_DIR/.docker` (or `$PWD/...`, a relative path) before a
  `docker login`, `--authfile` / `REGISTRY_AUTH_FILE` under the project, an
  auth JSON written to `.docker/config.json`;
* any file the job writes credentials into (`echo "AUTH=$REGISTRY_TOKEN" > auth.env`,
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
from ..jobfacts import facts, is_docker_like_path, path_key
from ..shell.flow import Flow, dumps_variables, job_flows, secret_output
from ..tools import is_login, subcommands, tool_of, unwrap
from ..units import CommandRef, JobUnit
from ..writes import normpath
from ..yaml.edits import last_line
from ..yaml.model import YMap, YNode, YScalar, YSeq, walk
from .base import FIX_UNSAFE, Example, Hit, Rule

RULE = Rule(
    code="AL404",
    name="auth-config-in-artifacts",
    severity=Severity.ERROR,
    summary="artifacts or cache include the job's registry auth file or another file holding credentials",
    fix=FIX_UNSAFE,
)

_PROJECT = ("CI_PROJECT_DIR", "PWD")


@dataclass
class Secret:
    path: str  # project-relative, normalised
    what: str  # "the registry auth file" / "credentials (...)"
    auth: bool


# ----------------------------------------------------------------- globbing
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A doublestar glob (`**`, `*`, `?`, `[...]`, `{a,b}`) as a regex over '/'-paths."""
    out, i, n = [], 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if pattern.startswith("**", i):
                j = i + 2
                if j < n and pattern[j] == "/":
                    out.append("(?:.*/)?")
                    i = j + 1
                else:
                    out.append(".*")
                    i = j
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = pattern.find("]", i + 1)
            if j == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : j]
                if body.startswith(("!", "^")):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = j
        elif c == "{":
            j = pattern.find("}", i + 1)
            if j == -1:
                out.append(re.escape(c))
            else:
                alts = pattern[i + 1 : j].split(",")
                out.append("(?:" + "|".join(glob_regex(a).pattern[:-2] for a in alts) + ")")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z")


def norm_pattern(text: str, env: dict[str, str]) -> str | None:
    """An artifacts/cache path as a project-relative pattern; None when it holds an unknown variable."""
    t = text.strip()
    t = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", r"$\1", t)
    for name in _PROJECT:
        if t == "$" + name:
            return ""
        if t.startswith("$" + name + "/"):
            t = t[len(name) + 2 :]
    if "$" in t:
        for _ in range(3):
            m = re.search(r"\$([A-Za-z_][A-Za-z0-9_]*)", t)
            if not m:
                break
            if m.group(1) not in env or "$" in env[m.group(1)]:
                return None
            t = t[: m.start()] + env[m.group(1)] + t[m.end() :]
        if "$" in t:
            return None
    if t.startswith("/"):
        return None
    t = t.rstrip("/")
    while t.startswith("./"):
        t = t[2:]
    return "" if t in (".", "") else t


def covers(pattern: str, path: str) -> bool:
    """Whether an artifacts path pattern uploads path (a matched directory brings its whole content)."""
    if pattern == "":
        return True
    rx = glob_regex(pattern)
    parts = path.split("/")
    return any(rx.match("/".join(parts[:k])) for k in range(1, len(parts) + 1))


# ------------------------------------------------------ files with secrets
def project_path(template: str, f, position: int, refs: list[CommandRef]) -> str | None:
    """A written path as a project-relative path; None when outside the project or unknown."""
    t = path_key(template)
    anchored = False
    for _ in range(4):
        m = re.match(r"\$([A-Za-z_][A-Za-z0-9_]*)", t)
        if not m:
            break
        name = m.group(1)
        if name in _PROJECT:
            t = "." + t[m.end() :]
            anchored = True
            break
        raw = f.env_raw.get(name)
        if raw is None or name == "HOME" and raw.startswith("~"):
            return None
        t = path_key(raw + t[m.end() :])
    if "$" in t or t.startswith(("/", "~")):
        return None
    if not anchored and any(r.position < position and r.cmd.basename in ("cd", "pushd", "popd") and r.unit.called_from is None for r in refs):
        return None  # relative to a directory authlint does not follow
    p = normpath(t)
    return p or None


def secret_files(unit: JobUnit) -> list[Secret]:
    """Files in the project directory that the job fills with credentials."""
    f = facts(unit)
    main, after = job_flows(unit)
    out: dict[str, Secret] = {}

    def add(template: str, ref: CommandRef, what: str, auth: bool) -> None:
        p = project_path(template, f, ref.position, scope.refs)
        if p is not None and (p not in out or auth and not out[p].auth):
            out[p] = Secret(p, what, auth)

    for scope in (main, after):
        for w in f.writes if scope is main else []:
            if w.via == "cp" and is_docker_like_path(w.target.template):
                add(w.target.template, w.ref, "the registry auth file", True)
        for ref in scope.refs:
            cmd = ref.cmd
            tool = tool_of(cmd)
            if tool is not None and is_login(cmd):
                for template in _login_files(cmd, tool, f):
                    add(template, ref, "the registry auth file", True)
            for target, why, auth in _credential_writes(scope, ref):
                add(target, ref, why, auth)
    return list(out.values())


def _login_files(cmd, tool: str, f) -> list[str]:
    """The auth file a login writes (domain §2.4, §3.5)."""
    args = [w.template for w in cmd.args]
    if tool == "docker":
        for i, a in enumerate(args):
            if a == "--config" and i + 1 < len(args) and "login" not in args[: i + 1]:
                return [args[i + 1].rstrip("/") + "/config.json"]
            if a.startswith("--config="):
                return [a.split("=", 1)[1].rstrip("/") + "/config.json"]
        if "DOCKER_CONFIG" in f.env_raw and f.docker_config_file is None:  # (a File-type path: the login cannot save)
            return ["$DOCKER_CONFIG/config.json"]
        return []
    if tool in ("podman", "buildah", "skopeo"):
        for i, a in enumerate(args):
            if a == "--authfile" and i + 1 < len(args):
                return [args[i + 1]]
            if a.startswith("--authfile="):
                return [a.split("=", 1)[1]]
        if "REGISTRY_AUTH_FILE" in f.env_raw:
            return ["$REGISTRY_AUTH_FILE"]
        return []
    if tool == "helm" and subcommands(cmd)[:2] == ["registry", "login"]:
        for i, a in enumerate(args):
            if a == "--registry-config" and i + 1 < len(args):
                return [args[i + 1]]
    return []




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
        blob.append(p.raw)
        if name in ("env", "printenv", "export", "declare", "typeset", "set") and dumps_variables(name, args) and scope.credential:
            names.append("every variable of the job")
        for w in p.argv + [a.value for a in p.env if a.value is not None]:
            names += [f"${u.name}" for u in scope.uses(w, include_masked=True) if u.name not in EPHEMERAL]
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


# ------------------------------------------------------------------- rule
def check_job(unit: JobUnit, options) -> Iterator[Hit]:
    if unit.shell != "sh" or unit.incomplete:
        return  # an unread include may hold the exclude
    job = unit.job
    if job.artifacts is None and not job.cache:
        return
    secrets = secret_files(unit)
    if not secrets:
        return
    env = {k: v for k, v in facts(unit).env.items()}
    if job.artifacts is not None:
        yield from _artifacts(unit, job.artifacts, secrets, env)
    for cache in job.cache:
        yield from _cache(unit, cache, secrets, env)


def _seq_scalars(value) -> list[YScalar]:
    if isinstance(value, YScalar) and not value.is_null:
        return [value]
    if isinstance(value, YSeq):
        return [v for v in value.items if isinstance(v, YScalar)]
    return []


def _is_true(value) -> bool:
    return isinstance(value, YScalar) and value.value.strip().lower() == "true"


def _artifacts(unit: JobUnit, art: YMap, secrets: list[Secret], env: dict[str, str]) -> Iterator[Hit]:
    excludes = [norm_pattern(s.value, env) for s in _seq_scalars(art.get("exclude"))]
    live = [s for s in secrets if not any(p is not None and covers(p, s.path) for p in excludes)]
    if not live:
        return
    for scalar in _seq_scalars(art.get("paths")):
        pattern = norm_pattern(scalar.value, env)
        if pattern is None:
            continue
        hit = [s for s in live if covers(pattern, s.path)]
        if not hit:
            continue
        exact = [s for s in hit if s.path == pattern]
        what = _describe(hit)
        shown = scalar.value.strip()
        if exact:
            fix = Fix("stop uploading the file", (), Applicability.DISPLAY_ONLY,
                      reason="the file is listed on purpose: pass the credential to later jobs as a masked CI/CD variable instead")
            message = f"artifacts:paths `{shown}` uploads {what}: anyone who can download the job's artifacts gets the credentials"
        else:
            fix = _exclude_fix(unit, art, hit)
            message = f"artifacts:paths `{shown}` uploads {what}: anyone who can download the job's artifacts gets the credentials; exclude it"
        yield Hit(scalar.source, scalar.span, message, fix=fix, job=unit.name, key=f"paths {shown}")
        live = [s for s in live if s not in hit]
    untracked = art.get("untracked")
    if _is_true(untracked) and live:
        yield Hit(untracked.source, untracked.span,
                  f"artifacts:untracked uploads every untracked file, {_describe(live)} included: anyone who can download the job's artifacts gets the credentials",
                  fix=_exclude_fix(unit, art, live), job=unit.name, key="untracked")
    reports = art.get("reports")
    if isinstance(reports, YMap):
        for scalar in _seq_scalars(reports.get("dotenv")):
            pattern = norm_pattern(scalar.value, env)
            hit = [s for s in secrets if pattern is not None and s.path == pattern]
            if hit:
                yield Hit(scalar.source, scalar.span,
                          f"artifacts:reports:dotenv `{scalar.value.strip()}` holds {hit[0].what}: dotenv reports are downloadable "
                          "job artifacts (gitlab#347160); give later jobs the credential as a masked CI/CD variable",
                          fix=None, job=unit.name, key=f"dotenv {scalar.value.strip()}")


def _cache(unit: JobUnit, cache: YMap, secrets: list[Secret], env: dict[str, str]) -> Iterator[Hit]:
    live = list(secrets)
    reason = "a cache has no exclude: keep the auth file outside the cached directories (e.g. the default $HOME/.docker)"
    for scalar in _seq_scalars(cache.get("paths")):
        pattern = norm_pattern(scalar.value, env)
        if pattern is None:
            continue
        hit = [s for s in live if covers(pattern, s.path)]
        if not hit:
            continue
        yield Hit(scalar.source, scalar.span,
                  f"cache:paths `{scalar.value.strip()}` stores {_describe(hit)} in the runner cache, which later jobs and pipelines "
                  "(other branches included) restore",
                  fix=Fix("move the file out of the cached paths", (), Applicability.DISPLAY_ONLY, reason=reason), job=unit.name,
                  key=f"cache {scalar.value.strip()}")
        live = [s for s in live if s not in hit]
    untracked = cache.get("untracked")
    if _is_true(untracked) and live:
        yield Hit(untracked.source, untracked.span,
                  f"cache:untracked stores every untracked file, {_describe(live)} included, in the runner cache, which later jobs "
                  "and pipelines (other branches included) restore",
                  fix=Fix("move the file out of the project directory", (), Applicability.DISPLAY_ONLY, reason=reason), job=unit.name,
                  key="cache untracked")


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
    # a secret store's output in a file that artifacts:paths uploads
    Example(
        "build:\n  script:\n    - vault kv get -field=password secret/ci/registry > .env\n"
        "  artifacts:\n    paths: [⟦.env⟧]\n",
        kind="yaml",
    ),
]
