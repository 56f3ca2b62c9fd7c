"""End to end: broken registry-auth patterns fail against a real registry, and `authlint fix` repairs them.

Every pipeline under tests/e2e_pipelines/ has its job script extracted the way the runner would run it
(support/jobrun.py: includes, extends, default: and !reference resolved) and run in `dash` and in
`busybox sh`, with `DOCKER_AUTH_CONFIG` set as a Variable and as a File-type variable. The registry
tools are fakes that handle credentials like the real tool and then push with skopeo to the session
registry (docker-registry with htpasswd auth on 127.0.0.1).

* broken/<name>: BEFORE the fix the job fails in the combinations listed in CASES[name].broken (with
  output matching `why`) and — where a pattern happens to work — succeeds in the others, so the table
  documents which combination demonstrates the breakage. The real CLI `authlint fix --unsafe-fixes`
  runs on a copy; the files must change and `authlint check` must no longer report the fixed rules.
  AFTER the fix every job pushes in all four combinations, with exactly the expected credentials.
* correct/<name>: patterns from the docs push in all four combinations before and after
  `authlint fix`, which leaves them byte for byte unchanged.
* gaps/<name>: patterns that break in some combination and that authlint neither reports nor fixes;
  the failing combinations are strict xfails carrying the diagnosis (an XPASS means authlint learnt
  to fix it: move the case to broken/).

Test ids are `<pipeline>-<shell>-<variable type>`.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from support import components, jobrun
from support.registry import Registry, basic_auth, docker_auth_config

pytestmark = pytest.mark.e2e

PIPELINES = Path(__file__).resolve().parent / "e2e_pipelines"
COMBOS = [(shell, var_type) for shell in jobrun.SHELLS for var_type in jobrun.VAR_TYPES]
ALL = frozenset(COMBOS)
FILE_TYPE = frozenset({("dash", "file"), ("busybox", "file")})
DASH = frozenset({("dash", "variable"), ("dash", "file")})
CLI_TIMEOUT = 120

JWT_USER = "gitlab-ci-token"
GLOB_USER = "authlint-glob"


@dataclass(frozen=True)
class Case:
    job: str
    fixes: frozenset[str]  # rules whose fixes must be applied (reported before, gone after)
    applicability: str  # of the fixes applied ("safe", "unsafe" or "safe+unsafe"), for the record
    broken: frozenset[tuple[str, str]]  # (shell, variable type) combinations that fail before the fix
    why: str  # regex the failing job's output matches (how it breaks)
    dac: str = "compact"  # which DOCKER_AUTH_CONFIG value the project has (see Env.dacs)
    seed: str | None = None  # a file that exists before the job (see Env.seeds)
    extra: tuple[str, ...] = ()  # more project variables (see Env.extras)
    user: str = "user"  # whose credentials the push must use: "user", "jwt" or "glob"


UNAUTHORIZED = r"unauthorized: authentication required"
BAD_JSON = r"parsing config file \(.*config\.json\)"
NO_DIR = r"(Directory nonexistent|nonexistent directory)"

CASES: dict[str, Case] = {
    "base64-wrap-job-token": Case(
        "build-image", frozenset({"AL208"}), "safe", ALL,
        # coreutils and busybox base64 wrap the 400-character JWT at 76 columns: raw newlines in the JSON
        BAD_JSON + r".*(Invalid control character|Expecting)", user="jwt"),
    "echo-without-n": Case(
        "build-image", frozenset({"AL209"}), "safe", ALL,
        UNAUTHORIZED),  # the password ends in "\n" (and dash's echo also rewrites the "\n" inside it)
    "append-to-existing-config": Case(
        "push", frozenset({"AL205", "AL207"}), "safe", ALL,
        # docker reads the first JSON object: the stale credentials an earlier job left (File type: the
        # path is appended after them)
        UNAUTHORIZED, seed="stale-home-config"),
    "missing-mkdir": Case(
        "push", frozenset({"AL204", "AL207"}), "safe", ALL, NO_DIR),
    "kaniko-wrong-path": Case(
        "build-image", frozenset({"AL203"}), "safe", ALL,
        UNAUTHORIZED),  # Kaniko reads only /kaniko/.docker/config.json: anonymous push
    "kaniko-missing-auth": Case(
        "build-image", frozenset({"AL201"}), "unsafe", ALL, UNAUTHORIZED),
    "unquoted-echo-glob": Case(
        "build-image", frozenset({"AL206", "AL207"}), "safe", ALL,
        # Variable: word splitting squeezes the two spaces and `*` globs to Dockerfile; File: a path
        UNAUTHORIZED + r"|" + BAD_JSON, dac="glob", user="glob"),
    "docker-login-password-arg": Case(
        "push", frozenset({"AL211", "AL206"}), "safe", ALL,
        r"requires at most 1 argument"),  # the unquoted password splits into several words
    "file-type-echo": Case(
        "build", frozenset({"AL207"}), "safe", FILE_TYPE,
        BAD_JSON + r".*Expecting value"),  # config.json holds the path of the File-type variable
    "interpolated-userpass": Case(
        "build", frozenset({"AL212"}), "unsafe", ALL,
        BAD_JSON),  # the `"` in the password ends the JSON string early
    "openssl-base64-heredoc": Case(
        "build", frozenset({"AL208"}), "safe", ALL,
        BAD_JSON + r".*Invalid control character"),  # `openssl base64` wraps at 64 columns
    "echo-backslash-dash": Case(
        "push", frozenset({"AL207"}), "safe", DASH | FILE_TYPE,
        # dash's echo turns the JSON escape \n into a raw newline; busybox's echo does not
        BAD_JSON, dac="escaped"),
    "ci-build-token": Case(
        "push", frozenset({"AL501", "AL211"}), "safe", ALL,
        r"Cannot perform an interactive login", user="jwt"),  # CI_BUILD_TOKEN is gone: empty -p
    "buildah-login-password-arg": Case(
        "build", frozenset({"AL211", "AL206"}), "safe", ALL,
        r"accepts 1 arg\(s\), received"),
    "include-reference-unquoted": Case(
        "push", frozenset({"AL206", "AL207"}), "safe", DASH | FILE_TYPE,
        BAD_JSON, dac="escaped"),  # the write lives in an included !reference snippet
    "called-script": Case(
        "push", frozenset({"AL209", "AL206", "AL208"}), "safe", ALL,
        # the write lives in ci/registry-login.sh; base64 wraps user:password (> 57 bytes)
        BAD_JSON + r".*Invalid control character"),
    "buildkit-heredoc-userpass": Case(
        "build", frozenset({"AL212"}), "unsafe", ALL, BAD_JSON),
    "hand-built-custom-vars": Case(
        "push", frozenset({"AL202"}), "unsafe", ALL,
        BAD_JSON + r".*Invalid control character", extra=("custom-creds",)),  # wrapped, and split by echo
    "echo-n-backslash": Case(
        "build-image", frozenset({"AL209"}), "safe", DASH,
        UNAUTHORIZED, extra=("custom-creds",)),  # dash's `echo -n` rewrites the backslash sequence in the password
    "template-missing-auth": Case(
        "push", frozenset({"AL201"}), "unsafe", ALL, UNAUTHORIZED),  # fixed by a new before_script: in each job
    "crlf-bom-block": Case(
        "push", frozenset({"AL204", "AL207"}), "safe", ALL, NO_DIR),
    "missing-mkdir-called-script": Case(
        "push", frozenset({"AL204"}), "safe", ALL, NO_DIR),  # the mkdir goes into the called script
    "crlf-called-script": Case(
        "push", frozenset({"AL215"}), "safe", ALL,
        # the canonical write, saved with CRLF: the shell reads `fi\r`, which closes nothing
        r'expecting "fi"'),
    "called-script-one-line-if": Case(
        # the write is inside a one-line `if ... fi` of ci/docker-auth.sh: the mkdir goes before the `if`;
        # `cp` of a File-type variable fails the same way
        "push", frozenset({"AL204"}), "safe", ALL, NO_DIR + r"|(cannot|can't) create .*config\.json.*No such file or directory"),
}

CORRECT: dict[str, tuple[str, str]] = {  # name -> (job, whose credentials the push uses)
    "canonical-kaniko": ("build-image", "user"),
    "canonical-docker-home": ("push", "user"),
    "docker-login-password-stdin": ("push", "user"),
    "kaniko-printf-base64-tr": ("build", "user"),
    "job-token-base64-w0": ("build", "jwt"),
    "buildah-password-stdin": ("build", "user"),
    "include-extends-reference": ("buildx-push", "user"),
}


@dataclass(frozen=True)
class Gap:
    job: str
    fails_after_fix: frozenset[tuple[str, str]]
    diagnosis: str


GAPS: dict[str, Gap] = {
    "echo-password-stdin": Gap(
        "push", DASH,
        "not reported: `echo \"$PW\" | docker login --password-stdin` (domain.md §2.6 calls it safe) "
        "breaks in dash when the password holds a backslash escape; printf '%s' is safe"),
    "printf-file-type": Gap(
        "push", FILE_TYPE,
        "not reported: `printf '%s' \"$DOCKER_AUTH_CONFIG\" > config.json` writes the path of a File-type "
        "variable (domain.md §1.1, M3); AL207 only looks at echo, and the canonical write would fix it"),
}


def _ids(names: dict[str, object]) -> list[tuple[str, str, str]]:
    return [(name, shell, var_type) for name in names for shell, var_type in COMBOS]


def _id(param: tuple[str, str, str]) -> str:
    return "-".join(param)


# ---------------------------------------------------------------------------------------------
# Session set-up: extra registry users, the DOCKER_AUTH_CONFIG variants, fixed copies


def jwt_like_token() -> str:
    """A CI_JOB_TOKEN-like JWT of ~400 characters (header.payload.signature, base64url)."""
    def b64url(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    def claims(obj: dict[str, str]) -> str:
        return b64url(json.dumps(obj, separators=(",", ":")).encode())

    header = claims({"alg": "RS256", "kid": secrets.token_hex(4), "typ": "JWT"})
    payload = claims({"iss": "gitlab.example.com", "sub": "job_1234567", "project_path": "authlint/e2e",
                      "jti": secrets.token_hex(8)})
    return f"{header}.{payload}.{b64url(secrets.token_bytes(180))}"


@dataclass
class Env:
    registry: Registry
    jwt: str
    glob_password: str
    workdir: Path
    fixed: dict[str, "Fixed"] = field(default_factory=dict)

    @property
    def passwords(self) -> dict[str, str]:
        r = self.registry
        return {r.user: r.password, r.user2: r.password2, JWT_USER: self.jwt, GLOB_USER: self.glob_password}

    @property
    def users(self) -> dict[str, str]:
        return {"user": self.registry.user, "jwt": JWT_USER, "glob": GLOB_USER}

    def dac(self, kind: str) -> str:
        r = self.registry
        if kind == "compact":  # {"auths":{"127.0.0.1:PORT":{"auth":"..."}}}
            return r.docker_auth_config
        if kind == "escaped":  # auth wrapped by `base64` at 76 columns, JSON-escaped (docker accepts it)
            wrapped = base64.encodebytes(f"{r.user}:{r.password}".encode()).decode()
            assert "\n" in wrapped.rstrip("\n")
            return json.dumps({"auths": {r.host: {"auth": wrapped}}}, separators=(",", ":"))
        if kind == "glob":  # pretty-printed, username/password form (docker, Kaniko and the runner accept it)
            return json.dumps({"auths": {r.host: {"username": GLOB_USER, "password": self.glob_password}}}, indent=2)
        raise KeyError(kind)

    def seed(self, kind: str | None) -> dict[str, str]:
        if kind is None:
            return {}
        if kind == "stale-home-config":  # what an earlier job on a shell runner left behind (expired token)
            stale = docker_auth_config(self.registry.host, basic_auth(self.registry.user, "expired-token"))
            return {"/root/.docker/config.json": json.dumps(json.loads(stale), indent="\t")}
        raise KeyError(kind)

    def extras(self, names: tuple[str, ...]) -> dict[str, str]:
        out: dict[str, str] = {}
        for name in names:
            if name == "custom-creds":  # long-lived project variables a hand-built auth file uses
                out.update(REGISTRY_USER=self.registry.user, REGISTRY_PASS=self.registry.password)
            else:
                raise KeyError(name)
        return out

    def target(self, repo: str) -> jobrun.Target:
        r = self.registry
        return jobrun.Target(r.host, r.oci_layout, r.user, r.password, repo, job_token=self.jwt)


@pytest.fixture(scope="module")
def env(registry: Registry, tmp_path_factory: pytest.TempPathFactory) -> Env:
    components.require("dash", "busybox")
    jwt = jwt_like_token()
    assert 380 <= len(jwt) <= 480, len(jwt)
    glob_password = f"two  spaces * glob {secrets.token_hex(8)}"  # <= 72 bytes: bcrypt checks all of it
    htpasswd = registry.workdir / "htpasswd"  # the fixture's file; the registry reloads it live
    jobrun.ensure_user(htpasswd, registry.host, JWT_USER, jwt)
    jobrun.ensure_user(htpasswd, registry.host, GLOB_USER, glob_password)
    return Env(registry, jwt, glob_password, tmp_path_factory.mktemp("e2e-fix"))


def authlint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "authlint", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=CLI_TIMEOUT, stdin=subprocess.DEVNULL)
    assert proc.returncode in (0, 1), f"authlint {' '.join(args)} crashed ({proc.returncode}):\n{proc.stderr}"
    return proc


def check_codes(project: Path) -> dict[str, list[str]]:
    """`authlint check --output-format json .` in project: code -> ['path:line', ...]."""
    proc = authlint("check", "--output-format", "json", ".", cwd=project)
    out: dict[str, list[str]] = {}
    for f in json.loads(proc.stdout)["findings"]:
        out.setdefault(f["code"], []).append(f"{f['path']}:{f['start']['line']}")
    return out


def snapshot(root: Path) -> dict[str, bytes]:
    """The project's files (authlint's own cache directory is not part of the project)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".authlint_cache" not in p.relative_to(root).parts
    }


@dataclass
class Fixed:
    original: Path
    project: Path  # the fixed copy
    before: dict[str, list[str]]  # check on the original
    after: dict[str, list[str]]  # check on the fixed copy
    changed: list[str]  # files the fix changed
    fix_output: str


def fixed_copy(env: Env, kind: str, name: str) -> Fixed:
    """Copy tests/e2e_pipelines/<kind>/<name>, run the real `authlint fix --unsafe-fixes` on it (once)."""
    key = f"{kind}/{name}"
    if key not in env.fixed:
        original = PIPELINES / kind / name
        project = env.workdir / "fixed" / kind / name
        shutil.copytree(original, project)
        before = check_codes(project)
        proc = authlint("fix", "--unsafe-fixes", ".", cwd=project)
        old, new = snapshot(original), snapshot(project)
        changed = sorted(p for p in old if old[p] != new.get(p))
        env.fixed[key] = Fixed(original, project, before, check_codes(project), changed, proc.stdout + proc.stderr)
    return env.fixed[key]


def run_job(env: Env, project: Path, job: str, name: str, shell: str, var_type: str, phase: str, *,
            dac: str = "compact", seed: str | None = None, extra: tuple[str, ...] = ()) -> tuple[jobrun.JobRun, str]:
    repo = f"e2e/{name}/{shell}-{var_type}-{phase}"
    sandbox = env.workdir / "runs" / name / f"{shell}-{var_type}-{phase}"
    result = jobrun.run(jobrun.extract(project, job), project, sandbox, shell=shell, var_type=var_type,
                        target=env.target(repo), docker_auth_config=env.dac(dac), extra=env.extras(extra),
                        seed=env.seed(seed))
    return result, repo


def assert_pushed(env: Env, result: jobrun.JobRun, repo: str, user: str) -> None:
    assert result.ok, result.describe()
    assert env.registry.tags(repo) == [jobrun.COMMIT_SHA], result.describe()
    pushes = [p for p in result.pushes if p["returncode"] == 0]
    assert pushes, result.describe()
    for push in pushes:  # bcrypt checks 72 bytes: compare what was sent with the full expected secret
        assert push["user"] == env.users[user], result.describe()
        assert push["password_sha256"] == jobrun.password_digest(env.passwords[push["user"]]), result.describe()


def assert_failed(env: Env, result: jobrun.JobRun, repo: str, why: str) -> None:
    assert not result.ok, "expected the job to fail:\n" + result.describe()
    assert env.registry.tags(repo) == [], result.describe()
    assert re.search(why, result.output, re.S), f"failed for another reason than /{why}/:\n{result.describe()}"


# ---------------------------------------------------------------------------------------------
# broken/


def test_every_fixture_has_a_case() -> None:
    for kind, table in (("broken", CASES), ("correct", CORRECT), ("gaps", GAPS)):
        on_disk = {p.name for p in (PIPELINES / kind).iterdir() if p.is_dir()}
        assert on_disk == set(table), kind
    assert len(CASES) >= 12


@pytest.fixture(scope="module")
def rule_fixes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """`authlint rules --output-format json`: code -> fix policy (safe / unsafe / none)."""
    proc = authlint("rules", "--output-format", "json", cwd=tmp_path_factory.mktemp("rules"))
    return {r["code"]: r["fix"] for r in json.loads(proc.stdout)}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fix_cli_repairs_broken_pipeline(env: Env, rule_fixes: dict[str, str], name: str) -> None:
    case = CASES[name]
    assert case.applicability == "+".join(sorted({rule_fixes[code] for code in case.fixes}))
    fx = fixed_copy(env, "broken", name)
    assert case.fixes <= set(fx.before), f"authlint check should report {sorted(case.fixes)}: {fx.before}"
    assert fx.changed, f"authlint fix --unsafe-fixes changed nothing:\n{fx.fix_output}"
    left = {code: where for code, where in fx.after.items() if code in case.fixes}
    assert not left, f"still reported after the fix: {left}\n{fx.fix_output}"
    new = {code: where for code, where in fx.after.items() if code not in fx.before}
    assert not new, f"the fix introduced findings: {new}"
    for rel in fx.changed:  # the file's BOM and line endings survive the CLI's write
        old, fixed = (fx.original / rel).read_bytes(), (fx.project / rel).read_bytes()
        assert old.startswith(b"\xef\xbb\xbf") == fixed.startswith(b"\xef\xbb\xbf"), rel
        if b"\r\n" in old and b"\n" not in old.replace(b"\r\n", b"") and "AL215" not in case.fixes:  # AL215 makes LF
            assert b"\n" not in fixed.replace(b"\r\n", b""), f"{rel}: LF line endings in a CRLF file"
        assert (fx.original / rel).stat().st_mode == (fx.project / rel).stat().st_mode, rel


@pytest.mark.parametrize("param", _ids(CASES), ids=_id)
def test_broken_before_fix(env: Env, param: tuple[str, str, str]) -> None:
    name, shell, var_type = param
    case = CASES[name]
    result, repo = run_job(env, PIPELINES / "broken" / name, case.job, name, shell, var_type, "before",
                           dac=case.dac, seed=case.seed, extra=case.extra)
    if (shell, var_type) in case.broken:
        assert_failed(env, result, repo, case.why)
    else:  # the pattern happens to work here: the table says which combinations show the breakage
        assert_pushed(env, result, repo, case.user)


@pytest.mark.parametrize("param", _ids(CASES), ids=_id)
def test_broken_after_fix(env: Env, param: tuple[str, str, str]) -> None:
    name, shell, var_type = param
    case = CASES[name]
    fx = fixed_copy(env, "broken", name)
    result, repo = run_job(env, fx.project, case.job, name, shell, var_type, "after",
                           dac=case.dac, seed=case.seed, extra=case.extra)
    assert_pushed(env, result, repo, case.user)


# ---------------------------------------------------------------------------------------------
# correct/


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_fix_leaves_correct_pipeline_unchanged(env: Env, name: str) -> None:
    fx = fixed_copy(env, "correct", name)
    assert fx.changed == [], fx.fix_output
    assert snapshot(fx.project) == snapshot(fx.original)
    registry_rules = {code: where for code, where in fx.before.items() if code.startswith(("AL2", "AL3", "AL4"))}
    assert not registry_rules, registry_rules


@pytest.mark.parametrize("phase", ["before", "after"])
@pytest.mark.parametrize("param", _ids(CORRECT), ids=_id)
def test_correct_pipeline_pushes(env: Env, param: tuple[str, str, str], phase: str) -> None:
    name, shell, var_type = param
    job, user = CORRECT[name]
    project = PIPELINES / "correct" / name if phase == "before" else fixed_copy(env, "correct", name).project
    result, repo = run_job(env, project, job, name, shell, var_type, phase)
    assert_pushed(env, result, repo, user)


# ---------------------------------------------------------------------------------------------
# gaps/


def _gap_params() -> list[object]:
    out: list[object] = []
    for name, shell, var_type in _ids(GAPS):
        gap = GAPS[name]
        fails = (shell, var_type) in gap.fails_after_fix
        marks = [pytest.mark.xfail(strict=True, raises=AssertionError, reason=gap.diagnosis)] if fails else []
        out.append(pytest.param((name, shell, var_type), marks=marks, id=_id((name, shell, var_type))))
    return out


@pytest.mark.parametrize("param", _gap_params())
def test_gap_pushes_after_fix(env: Env, param: tuple[str, str, str]) -> None:
    name, shell, var_type = param
    fx = fixed_copy(env, "gaps", name)
    result, repo = run_job(env, fx.project, GAPS[name].job, name, shell, var_type, "after")
    assert_pushed(env, result, repo, "user")


# ---------------------------------------------------------------------------------------------
# The harness itself (no registry needed)


def test_jobrun_maps_image_paths_only() -> None:
    sb = Path("/SB")
    assert jobrun.map_paths('mkdir -p /kaniko/.docker && cp a "/root/.docker/config.json"', sb) == \
        'mkdir -p /SB/kaniko/.docker && cp a "/SB/root/.docker/config.json"'
    assert jobrun.map_paths("/kaniko/executor --context=/root/x; PATH=$PATH:/kaniko", sb) == \
        "/SB/kaniko/executor --context=/SB/root/x; PATH=$PATH:/SB/kaniko"
    for unchanged in ("$CI_PROJECT_DIR/kaniko/x", "${DIR}/root", "~/root", "./root", "echo /rootfs /kanikox"):
        assert jobrun.map_paths(unchanged, sb) == unchanged


def test_jobrun_expands_variables_like_gitlab() -> None:
    env = {"CI_REGISTRY": "127.0.0.1:5000", "X": "x"}
    assert jobrun.expand("$CI_REGISTRY/${X}/$$HOME/$UNKNOWN.", env) == "127.0.0.1:5000/x/$HOME/."


def test_jobrun_reads_config_like_docker_and_like_containers(tmp_path: Path) -> None:
    f = tmp_path / "config.json"
    right, stale = basic_auth("u", "p:w"), basic_auth("u", "old")
    # docker/cli: only the first JSON value counts; a non-empty `auth` wins over username/password
    f.write_text(json.dumps({"auths": {"https://h:1/v2/": {"auth": right, "username": "x", "password": "y"}}})
                 + '{"auths":{}}')
    assert jobrun.docker_credentials(f) == {"h:1": ("u", "p:w")}
    with pytest.raises(jobrun.ToolError):  # containers/image rejects the second value
        jobrun.containers_credentials(f)
    f.write_text(json.dumps({"auths": {"h:1": {"username": "u", "password": "p"}}}))
    assert jobrun.docker_credentials(f) == {"h:1": ("u", "p")}
    assert jobrun.containers_credentials(f) == {}  # no `auth`: skopeo has no credentials
    wrapped = base64.encodebytes(b"u:" + b"x" * 80).decode()  # JSON-escaped newlines: accepted
    f.write_text(json.dumps({"auths": {"h:1": {"auth": wrapped}}}))
    assert jobrun.docker_credentials(f)["h:1"] == ("u", "x" * 80)
    f.write_text('{"auths":{"h:1":{"auth":"' + wrapped + '"}}}')  # raw newlines: invalid JSON
    with pytest.raises(jobrun.ToolError, match="parsing config file"):
        jobrun.docker_credentials(f)
    f.write_text(docker_auth_config("h:1", stale) + "\n" + docker_auth_config("h:1", right))  # `>>` twice
    assert jobrun.docker_credentials(f) == {"h:1": ("u", "old")}
    assert jobrun.docker_credentials(tmp_path / "missing.json") == {}
