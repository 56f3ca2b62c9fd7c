"""AL202, AL205-AL209, AL211, AL212: cases the example harness cannot express
(one-line plain YAML items, options, CRLF, flow lists) and proofs in dash that
the fixed texts do what the docs say."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from authlint import rules as registry
from authlint.api import fix_paths
from authlint.diagnostics import Applicability
from authlint.engine import Linter
from authlint.rules.al202_auth_config_not_from_variable import secret_vars
from authlint.rules.al207_echo_auth_config import RULE as AL207
from authlint.rules.al211_password_on_command_line import stdin_option
from authlint.settings import Settings
from authlint.shell import parse
from authlint.tools import encoder, is_login, pushes, strips_newlines, wraps

DASH = shutil.which("dash")
needs_dash = pytest.mark.usefixtures("dash_required")


@pytest.fixture
def dash_required() -> None:
    from support import components

    components.require("dash")  # fails instead of skipping under AUTHLINT_REQUIRE_E2E=1
KANIKO = "/kaniko/.docker/config.json"


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text.encode("utf-8"))
    (tmp_path / ".git").mkdir(exist_ok=True)
    return tmp_path


def _settings(root: Path, code: str, options: dict | None = None, **kw) -> Settings:
    rule_options = ((code, tuple(options.items())),) if options else ()
    return Settings(select=(code,), project_dir=str(root), rule_options=rule_options, **kw)


def lint(root: Path, code: str, options: dict | None = None):
    result = Linter(_settings(root, code, options)).lint_paths([root])
    assert not result.errors, result.errors
    return [f for f in result.findings if f.code == code]


def fixed(root: Path, code: str, options: dict | None = None) -> dict[str, str]:
    res = fix_paths([root], _settings(root, code, options, unsafe_fixes=True), unsafe=True, write=False)
    return {Path(p).name: new for p, (_, new) in res.changed.items()}


def one_item(command: str, head: str = "build:\n  script:\n") -> str:
    return head + "    - " + command + "\n"


def dash(script: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    assert DASH is not None
    full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd)}
    full_env.update(env or {})
    return subprocess.run([DASH, "-c", script], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=30)


# ------------------------------------------------- one-line plain YAML items
# The example harness cannot check fixes of one-line shell examples as plain
# YAML items (its unwrap binds the wrong header), so they are checked here.
PLAIN = [
    ("AL205", 'cat "$REGISTRY_AUTH" >> $HOME/.docker/config.json', 'cat "$REGISTRY_AUTH" > $HOME/.docker/config.json'),
    ("AL206", "echo $DOCKER_AUTH_CONFIG > /kaniko/.docker/config.json", 'echo "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json'),
    ("AL206", "git clone https://gitlab-ci-token:${CI_JOB_TOKEN}@gitlab.com/g/p.git",
     'git clone https://gitlab-ci-token:"${CI_JOB_TOKEN}"@gitlab.com/g/p.git'),
    ("AL207", 'echo "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json',
     "if [ -f \"$DOCKER_AUTH_CONFIG\" ]; then cp \"$DOCKER_AUTH_CONFIG\" /kaniko/.docker/config.json; "
     "else printf '%s' \"$DOCKER_AUTH_CONFIG\" > /kaniko/.docker/config.json; fi"),
    ("AL208", 'export AUTH=$(echo -n "$U:$REG_PASS" | base64)',  # used below in the JSON item
     "export AUTH=$(echo -n \"$U:$REG_PASS\" | base64 | tr -d '\\n')"),
    ("AL209", 'AUTH=$(echo "$CI_REGISTRY_USER:$CI_REGISTRY_PASSWORD" | base64 -w0)',
     "AUTH=$(printf '%s:%s' \"$CI_REGISTRY_USER\" \"$CI_REGISTRY_PASSWORD\" | base64 -w0)"),
    ("AL211", "docker login -u $CI_REGISTRY_USER -p $CI_REGISTRY_PASSWORD $CI_REGISTRY",
     "printf '%s' \"$CI_REGISTRY_PASSWORD\" | docker login -u $CI_REGISTRY_USER --password-stdin $CI_REGISTRY"),
    ("AL211", "sudo docker login --password=$CI_JOB_TOKEN -u gitlab-ci-token $CI_REGISTRY",
     "printf '%s' \"$CI_JOB_TOKEN\" | sudo docker login --password-stdin -u gitlab-ci-token $CI_REGISTRY"),
    ("AL212", 'echo "{\\"auths\\":{\\"$CI_REGISTRY\\":{\\"username\\":\\"$CI_REGISTRY_USER\\",\\"password\\":\\"$CI_REGISTRY_PASSWORD\\"}}}" > ' + KANIKO,
     'echo "{\\"auths\\":{\\"$CI_REGISTRY\\":{\\"auth\\":\\"$(printf \'%s:%s\' "$CI_REGISTRY_USER" "$CI_REGISTRY_PASSWORD" | base64 | tr -d \'\\n\')\\"}}}" > ' + KANIKO),
]


@pytest.mark.parametrize("code,before,after", PLAIN, ids=[f"{c}-{i}" for i, (c, _, _) in enumerate(PLAIN)])
def test_fix_in_a_plain_item(tmp_path: Path, code: str, before: str, after: str) -> None:
    extra = '    - echo "{\\"auths\\":{\\"r\\":{\\"auth\\":\\"$AUTH\\"}}}" > ' + KANIKO + "\n" if code == "AL208" else ""
    root = project(tmp_path, {".gitlab-ci.yml": one_item(before) + extra})
    assert lint(root, code)
    out = fixed(root, code)
    assert out[".gitlab-ci.yml"] == one_item(after) + extra
    (tmp_path / ".gitlab-ci.yml").write_text(out[".gitlab-ci.yml"])
    assert not lint(root, code), "the fixed text still triggers the rule"


# ---------------------------------------------------------------------- AL202
def _echo_json(entry: str, target: str = KANIKO) -> str:
    return 'echo "{\\"auths\\":{\\"$CI_REGISTRY\\":{' + entry + '}}}" > ' + target


CI_PAIR = _echo_json('\\"username\\":\\"$CI_REGISTRY_USER\\",\\"password\\":\\"$CI_REGISTRY_PASSWORD\\"')


def test_al202_accepts_job_scoped_credentials_by_default(tmp_path: Path) -> None:
    root = project(tmp_path, {".gitlab-ci.yml": one_item(CI_PAIR)})
    assert not lint(root, "AL202")


def test_al202_strict_option(tmp_path: Path) -> None:
    root = project(tmp_path, {".gitlab-ci.yml": one_item("mkdir -p /kaniko/.docker") + "    - " + CI_PAIR + "\n"})
    found = lint(root, "AL202", {"accepted-sources": ["DOCKER_AUTH_CONFIG"]})
    assert len(found) == 1 and "$CI_REGISTRY_PASSWORD" in found[0].message and "$CI_REGISTRY_USER" not in found[0].message
    assert found[0].fix is not None and found[0].fix.applicability == Applicability.UNSAFE
    out = fixed(root, "AL202", {"accepted-sources": ["DOCKER_AUTH_CONFIG"]})
    assert out[".gitlab-ci.yml"] == one_item("mkdir -p /kaniko/.docker") + (
        "    - if [ -f \"$DOCKER_AUTH_CONFIG\" ]; then cp \"$DOCKER_AUTH_CONFIG\" /kaniko/.docker/config.json; "
        "else printf '%s' \"$DOCKER_AUTH_CONFIG\" > /kaniko/.docker/config.json; fi\n"
    )


def test_al202_job_variable_indirection(tmp_path: Path) -> None:
    job = (
        "build:\n  variables:\n    REG_PASS: VALUE\n  script:\n"
        "    - " + _echo_json('\\"username\\":\\"me\\",\\"password\\":\\"$REG_PASS\\"') + "\n"
    )
    root = project(tmp_path, {".gitlab-ci.yml": job.replace("VALUE", "$CI_JOB_TOKEN")})
    assert not lint(root, "AL202")
    (tmp_path / ".gitlab-ci.yml").write_text(job.replace("VALUE", "$HARBOR_ROBOT_SECRET"))
    found = lint(root, "AL202")
    assert len(found) == 1 and "$HARBOR_ROBOT_SECRET" in found[0].message


def test_al202_flow_list_item(tmp_path: Path) -> None:
    item = _echo_json('\\"auth\\":\\"$HUB_AUTH\\"', "/root/.docker/config.json")
    text = "build:\n  image: docker:27\n  script: ['" + item + "', docker push x]\n"
    root = project(tmp_path, {".gitlab-ci.yml": text})
    assert lint(root, "AL202")
    out = fixed(root, "AL202")[".gitlab-ci.yml"]
    assert out.startswith("build:\n  image: docker:27\n  script: [mkdir -p /root/.docker, 'if [ -f \"$DOCKER_AUTH_CONFIG\" ]")
    assert out.endswith("fi', docker push x]\n")


def test_al202_crlf_script(tmp_path: Path) -> None:
    text = "#!/bin/sh\r\ncat > /kaniko/.docker/config.json <<EOF\r\n{\"auths\": {\"r\": {\"auth\": \"$MY_AUTH\"}}}\r\nEOF\r\n/kaniko/executor --destination r/app\r\n"
    root = project(tmp_path, {"build.sh": text})
    assert lint(root, "AL202")
    out = fixed(root, "AL202")["build.sh"]
    assert out == (
        "#!/bin/sh\r\nmkdir -p /kaniko/.docker\r\nif [ -f \"$DOCKER_AUTH_CONFIG\" ]; then cp \"$DOCKER_AUTH_CONFIG\" /kaniko/.docker/config.json; "
        "else printf '%s' \"$DOCKER_AUTH_CONFIG\" > /kaniko/.docker/config.json; fi\r\n/kaniko/executor --destination r/app\r\n"
    )


@pytest.mark.parametrize(
    "raw,secrets",
    [
        ("$(printf '%s:%s' \"$U\" \"$P\" | base64)", ["P"]),
        ('$(printf "%s:%s" "${CI_REGISTRY_USER}" "${CI_REGISTRY_PASSWORD}" | base64 | tr -d "\\n")', ["CI_REGISTRY_PASSWORD"]),
        ("$(echo -n $NEXUS_USER:$NEXUS_PASS | base64)", ["NEXUS_PASS"]),
        ('$(echo -n "gitlab-ci-token:${CI_JOB_TOKEN}" | base64 -w0)', ["CI_JOB_TOKEN"]),
        ("$DOCKERHUB_AUTH", ["DOCKERHUB_AUTH"]),
        ("$REGISTRY_USER", []),
    ],
)
def test_al202_secret_half_of_a_pair(raw: str, secrets: list[str]) -> None:
    assert secret_vars(raw) == secrets


@pytest.mark.parametrize("code", ["AL202", "AL207"])
def test_group_redirect_is_shown_only(tmp_path: Path, code: str) -> None:
    body = 'echo "$DOCKER_AUTH_CONFIG"' if code == "AL207" else 'echo "{\\"auths\\":{\\"r\\":{\\"auth\\":\\"$X_AUTH\\"}}}"'
    root = project(tmp_path, {"a.sh": "{ " + body + "; } > /kaniko/.docker/config.json\n"})
    found = lint(root, code)
    assert len(found) == 1 and found[0].fix.applicability == Applicability.DISPLAY_ONLY


# ---------------------------------------------------------------------- AL205
def test_al205_first_write_only(tmp_path: Path) -> None:
    text = "{ echo '{\"auths\":{'; echo \"\\\"r\\\":{\\\"auth\\\":\\\"$A\\\"}\"; echo '}}'; } >> /kaniko/.docker/config.json\n"
    root = project(tmp_path, {"a.sh": text})
    found = lint(root, "AL205")
    assert len(found) == 1  # the group's redirect, reported once
    assert fixed(root, "AL205")["a.sh"] == text.replace(">>", ">")


def test_al205_tee_bundled_flag_is_shown_only(tmp_path: Path) -> None:
    root = project(tmp_path, {"a.sh": "printf '%s' \"$DOCKER_AUTH_CONFIG\" | tee -ai /kaniko/.docker/config.json\n"})
    found = lint(root, "AL205")
    assert len(found) == 1 and found[0].fix.applicability == Applicability.DISPLAY_ONLY


# ---------------------------------------------------------------------- AL207
def test_al207_is_enabled_by_default() -> None:
    assert AL207.default_enabled
    assert "AL207" in registry.resolve_selection(None, (), ())


@needs_dash
@pytest.mark.parametrize("file_type", [False, True])
def test_al207_fixed_line_writes_valid_json_in_dash(tmp_path: Path, file_type: bool) -> None:
    # A password with a backslash and a quote, JSON-escaped, and a multi-line document.
    doc = json.dumps({"auths": {"r.example.com": {"username": "u", "password": 'p\\a"ss\\n'}}}, indent=2)
    env = {"DOCKER_AUTH_CONFIG": doc}
    if file_type:  # GitLab's File-type variable: the env holds a path
        (tmp_path / "auth-file").write_text(doc)
        env = {"DOCKER_AUTH_CONFIG": str(tmp_path / "auth-file")}
    before = 'echo "$DOCKER_AUTH_CONFIG" > config.json\n'
    root = project(tmp_path / "p", {"w.sh": before})
    after = fixed(root, "AL207")["w.sh"]
    assert after.startswith("if [ -f ")
    # echo breaks the file in dash: backslash escapes or a path instead of JSON
    dash(before, tmp_path, env)
    with pytest.raises(ValueError):
        json.loads((tmp_path / "config.json").read_text())
    # the fix writes exactly the JSON
    res = dash(after, tmp_path, env)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "config.json").read_text() == doc
    assert json.loads((tmp_path / "config.json").read_text())["auths"]["r.example.com"]["password"] == 'p\\a"ss\\n'


@needs_dash
def test_al207_keeps_and_list_semantics_in_dash(tmp_path: Path) -> None:
    before = 'mkdir -p d && echo "$DOCKER_AUTH_CONFIG" > d/config.json && echo ok\n'
    root = project(tmp_path / "p", {"w.sh": before})
    after = fixed(root, "AL207")["w.sh"]
    assert after.startswith("mkdir -p d && if [ -f ") and after.endswith("fi && echo ok\n")
    res = dash(after, tmp_path, {"DOCKER_AUTH_CONFIG": '{"auths":{}}'})
    assert res.stdout == "ok\n" and (tmp_path / "d/config.json").read_text() == '{"auths":{}}'
    # a failing write (no directory) still stops the list and `set -e`, as before
    res = dash("set -e; " + after.replace("mkdir -p d && ", ""), tmp_path / "p", {"DOCKER_AUTH_CONFIG": "{}"})
    assert res.returncode != 0 and "ok" not in res.stdout


# ---------------------------------------------------------------------- AL208
@pytest.mark.parametrize(
    "line,kind,wrapping,stripped",
    [
        ("base64", "base64", True, False),
        ("base64 -w 0", "base64", False, False),
        ("base64 --wrap=0", "base64", False, False),
        ("base64 -d", None, False, False),
        ("base64 --decode", None, False, False),
        ("openssl base64", "openssl", True, False),
        ("openssl base64 -A", "openssl", False, False),
        ("openssl enc -base64 -d", None, False, False),
        ("base64 | tr -d '\\n'", "base64", True, True),
        ('base64 | tr -d "\\r\\n"', "base64", True, True),
        ("base64 | tr -d '[:space:]'", "base64", True, True),
        ("base64 | tr '\\n' ' '", "base64", True, False),
    ],
)
def test_al208_encoders(line: str, kind: str | None, wrapping: bool, stripped: bool) -> None:
    cmd = parse(line + "\n").commands[0]
    assert encoder(cmd) == kind
    assert wraps(cmd) is wrapping
    assert strips_newlines(cmd) is stripped


@needs_dash
def test_al208_fixed_auth_has_no_newline_for_a_jwt(tmp_path: Path) -> None:
    token = "eyJ" + "a" * 900  # a JWT-sized job token
    before = "echo \"{\\\"auths\\\":{\\\"r\\\":{\\\"auth\\\":\\\"$(printf '%s:%s' gitlab-ci-token \"$CI_JOB_TOKEN\" | base64)\\\"}}}\" > out.json\n"
    root = project(tmp_path / "p", {"w.sh": before})
    after = fixed(root, "AL208")["w.sh"]
    dash(before, tmp_path, {"CI_JOB_TOKEN": token})
    with pytest.raises(ValueError):
        json.loads((tmp_path / "out.json").read_text())
    dash(after, tmp_path, {"CI_JOB_TOKEN": token})
    auth = json.loads((tmp_path / "out.json").read_text())["auths"]["r"]["auth"]
    assert base64.b64decode(auth, validate=True).decode() == "gitlab-ci-token:" + token


# ---------------------------------------------------------------------- AL209
@needs_dash
def test_al209_printf_writes_the_pair_without_newline(tmp_path: Path) -> None:
    before = 'AUTH=$(echo "$REG_USER:$REG_PASS" | base64 -w0)\nprintf %s "$AUTH"\n'
    root = project(tmp_path / "p", {"w.sh": before})
    after = fixed(root, "AL209")["w.sh"]
    env = {"REG_USER": "me", "REG_PASS": "p a%s\\ss*"}
    assert base64.b64decode(dash(before, tmp_path, env).stdout) == b"me:p a%s\\ss*\n"
    assert base64.b64decode(dash(after, tmp_path, env).stdout) == b"me:p a%s\\ss*"


def test_al209_literal_text_is_escaped_for_printf(tmp_path: Path) -> None:
    root = project(tmp_path, {"w.sh": 'A=$(echo "100%\\\\user:$REG_PASS" | base64 -w0)\n'})
    assert fixed(root, "AL209")["w.sh"] == "A=$(printf '100%%\\\\user:%s' \"$REG_PASS\" | base64 -w0)\n"


# ---------------------------------------------------------------------- AL211
@pytest.mark.parametrize(
    "line,subs",
    [
        ("sudo -u root docker --config d login -u u r", ["login"]),  # past the wrapper and its option's value
        ('docker --config="$D" login r', ["login", "r"]),
        ("sudo kubectl create secret docker-registry x", ["create", "secret", "docker-registry"]),
        ("$KUBECTL create secret docker-registry x", ["create", "secret", "docker-registry"]),
    ],
)
def test_subcommands_past_wrappers_and_global_options(line: str, subs: list[str]) -> None:
    from authlint.tools import subcommands

    assert subcommands(parse(line + "\n").commands[0]) == subs


@pytest.mark.parametrize(
    "line,option",
    [
        ("docker login -u u -p p r", "--password-stdin"),
        ("docker --config /tmp/c login -u u -p p r", "--password-stdin"),
        ('docker --config="$CONF_DIR" login -u u -p p r', "--password-stdin"),
        ('podman --root="$STORE" login -u u -p p r', "--password-stdin"),
        ("sudo podman login -u u -p p r", "--password-stdin"),
        ("helm registry login r -u u -p p", "--password-stdin"),
        ("helm repo add --username u --password p name url", "--password-stdin"),
        ("crane auth login r -u u -p p", "--password-stdin"),
        ("krane auth login r -u u -p p", "--password-stdin"),
        ("regctl registry login r -u u --pass p", "--pass-stdin"),
        ("werf cr login -u u -p p r", "--password-stdin"),
        ("kubectl create secret docker-registry s --docker-password=p", None),
        ("skopeo copy --dest-creds u:p a b", None),
    ],
)
def test_al211_stdin_options(line: str, option: str | None) -> None:
    assert stdin_option(parse(line + "\n").commands[0]) == option


@pytest.mark.parametrize("line", ['docker --config="$CONF_DIR" login -u u -p p r', "docker --config=$HOME/.d -D login r"])
def test_global_option_with_an_expansion_is_skipped(line: str) -> None:
    # `--config="$DIR"` has no literal value, but it is an option: the subcommand is `login`
    cmd = parse(line + "\n").commands[0]
    assert is_login(cmd)
    assert pushes(parse(line.split(" login")[0] + " push r/app\n").commands[0])


@pytest.mark.parametrize(
    "line,advice",
    [
        ('docker login -u u -p "$P" r', "pipe it in with --password-stdin"),
        ('regctl registry login r -u u --pass "$P"', "pipe it in with --pass-stdin"),
        ('kubectl create secret docker-registry s --docker-password="$P"', "--from-file=.dockerconfigjson="),
        ('skopeo copy --dest-creds "u:$P" a b', "no stdin option"),
        # a command named by a variable: the flow model resolves the program
        ('DOCKER=docker\n$DOCKER login -u u -p "$P" r', "`docker -p`"),
        ('DOCKER=docker\n$DOCKER login -u u -p "$P" r', "pipe it in with --password-stdin"),
    ],
)
def test_al211_advice_fits_the_tool(tmp_path: Path, line: str, advice: str) -> None:
    """Only tools with a stdin option are told to use one."""
    (finding,) = lint(project(tmp_path, {"l.sh": line + "\n"}), "AL211")
    assert advice in finding.message


@pytest.mark.parametrize(
    "line",
    [
        'echo x | docker login -u u -p "$P" r',
        'docker login -u u -p "$P" r < /dev/null',
        'docker login -u u -p "$P" --password-stdin r',
    ],
)
def test_al211_stdin_already_used_is_shown_only(tmp_path: Path, line: str) -> None:
    root = project(tmp_path, {"l.sh": line + "\n"})
    found = lint(root, "AL211")
    assert found and all(f.fix.applicability == Applicability.DISPLAY_ONLY for f in found)


@needs_dash
def test_al211_tool_reads_exactly_the_password(tmp_path: Path) -> None:
    before = 'docker login -u "$U" -p "$P" "$R" && echo logged-in || echo failed\n'
    root = project(tmp_path / "p", {"l.sh": before})
    after = fixed(root, "AL211")["l.sh"]
    assert after == 'printf \'%s\' "$P" | docker login -u "$U" --password-stdin "$R" && echo logged-in || echo failed\n'
    fake = 'docker() { [ "$4" = --password-stdin ] && cat > pw.txt && [ "$(cat pw.txt)" = "$P" ]; }\n'
    res = dash(fake + after, tmp_path, {"U": "me", "P": "s3 cr*t\\x", "R": "r.example.com"})
    assert res.stdout == "logged-in\n"
    assert (tmp_path / "pw.txt").read_text() == "s3 cr*t\\x"


# ---------------------------------------------------------------------- AL212
@needs_dash
@pytest.mark.parametrize("form", ["echo", "heredoc"])
def test_al212_fixed_json_survives_quotes_and_backslashes(tmp_path: Path, form: str) -> None:
    if form == "echo":
        before = 'echo "{\\"auths\\":{\\"r\\":{\\"username\\":\\"$U\\",\\"password\\":\\"$P\\"}}}" > out.json\n'
    else:
        before = 'cat > out.json <<EOF\n{"auths": {"r": {"username": "$U", "password": "$P"}}}\nEOF\n'
    root = project(tmp_path / "p", {"w.sh": before})
    after = fixed(root, "AL212")["w.sh"]
    env = {"U": "me", "P": 'pa"ss\\word'}
    dash(before, tmp_path, env)
    with pytest.raises(ValueError):
        json.loads((tmp_path / "out.json").read_text())
    res = dash(after, tmp_path, env)
    assert res.returncode == 0, res.stderr
    auth = json.loads((tmp_path / "out.json").read_text())["auths"]["r"]["auth"]
    assert base64.b64decode(auth).decode() == 'me:pa"ss\\word'


def test_al212_yaml_value_is_shown_only(tmp_path: Path) -> None:
    text = "variables:\n  DOCKER_AUTH_CONFIG: '{\"auths\":{\"r\":{\"username\":\"$U\",\"password\":\"$P\"}}}'\nbuild:\n  script: [make]\n"
    root = project(tmp_path, {".gitlab-ci.yml": text})
    found = lint(root, "AL212")
    assert len(found) == 1 and found[0].fix.applicability == Applicability.DISPLAY_ONLY
    assert text[found[0].span.start : found[0].span.end] == '"username":"$U","password":"$P"'


# ---------------------------------------------------------------------- AL206
@needs_dash
def test_al206_quoting_keeps_a_multiline_json(tmp_path: Path) -> None:
    before = "echo $DOCKER_AUTH_CONFIG > out.json\n"
    root = project(tmp_path / "p", {"w.sh": before})
    after = fixed(root, "AL206")["w.sh"]
    doc = '{\n  "auths": {"r": {"auth": "dTpw"}}\n}'
    (tmp_path / "auths").mkdir()  # a glob match for the unquoted word
    dash(before, tmp_path, {"DOCKER_AUTH_CONFIG": doc})
    assert (tmp_path / "out.json").read_text() != doc + "\n"
    dash(after, tmp_path, {"DOCKER_AUTH_CONFIG": doc})
    assert (tmp_path / "out.json").read_text() == doc + "\n"


def test_al206_export_and_declarations_are_not_split(tmp_path: Path) -> None:
    root = project(tmp_path, {"w.sh": "export PW=$CI_JOB_TOKEN\nlocal X=${DOCKER_AUTH_CONFIG}\nreadonly T=$CI_REGISTRY_PASSWORD\n"})
    assert not lint(root, "AL206")
