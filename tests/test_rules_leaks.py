"""AL401-AL405, AL501, AL502: cases the example harness cannot express
(several files, options, shebangs, CRLF, template jobs, fix edge cases)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authlint.api import fix_paths
from authlint.diagnostics import Applicability
from authlint.engine import Linter
from authlint.shell.flow import reveals, secret_name, xtrace_change
from authlint.gitlab.uploads import covers, norm_pattern
from authlint.settings import Settings
from authlint.shell import parse


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text.encode("utf-8"))
    (tmp_path / ".git").mkdir(exist_ok=True)
    return tmp_path


def lint(root: Path, code: str, **options):
    settings = Settings(select=(code,), project_dir=str(root), rule_options=((code, tuple(options.items())),) if options else ())
    result = Linter(settings).lint_paths([root])
    assert not result.errors, result.errors
    return [f for f in result.findings if f.code == code]


def fixed(root: Path, code: str) -> dict[str, str]:
    res = fix_paths([root], Settings(select=(code,), project_dir=str(root), unsafe_fixes=True), unsafe=True, write=False)
    return {Path(p).name: new for p, (_, new) in res.changed.items()}


# --------------------------------------------------------------------- names
@pytest.mark.parametrize(
    "name,secret",
    [
        ("REGISTRY_PASSWORD", True), ("DOCKER_AUTH_CONFIG", True), ("NPM_TOKEN", True), ("AWS_SECRET_ACCESS_KEY", True),
        ("PESTO_CI_DOCKER_AUTH_TOKEN", True), ("CI_JOB_TOKEN", True), ("SSH_PRIVATE_KEY", True),
        ("AWS_ACCESS_KEY_ID", False), ("CI_REGISTRY_USER", False), ("PWD", False), ("VAULT_AUTH_PATH", False),
        ("TOKEN_URL", False), ("CI_COMMIT_REF_SLUG", False), ("AUTHOR", False),
    ],
)
def test_secret_names(name: str, secret: bool) -> None:
    assert secret_name(name) is secret


@pytest.mark.parametrize(
    "text,shown",
    [("$X", True), ("${X}", True), ("${X:-d}", True), ("${#X}", False), ("${X:+set}", False), ("${X:0:4}", False),
     ("${X: -4}", False), ("${X:0:10}", True), ("${X:4}", True), ("${X%%:*}", True)],
)
def test_reveals(text: str, shown: bool) -> None:
    part = [p for p in parse(f"echo {text}\n").commands[0].args[0].parts if p.kind != "literal"][0]
    assert reveals(part) is shown


@pytest.mark.parametrize(
    "line,change",
    [("set -x", 1), ("set -eux", 1), ("set -euxo pipefail", 1), ("set -o xtrace", 1), ("set -o errexit -o nounset -o xtrace", 1),
     ("set +x", -1), ("set +o xtrace", -1), ("set -e", None), ("set -o pipefail", None), ("set -- -x", None), ("set -v", None)],
)
def test_xtrace_change(line: str, change: int | None) -> None:
    assert xtrace_change(parse(line + "\n").commands[0]) == change


# ------------------------------------------------------------------- AL401
def test_al401_called_script_reported_once(tmp_path: Path) -> None:
    root = project(tmp_path, {
        ".gitlab-ci.yml": "build:\n  script:\n    - ./ci/login.sh\n",
        "ci/login.sh": '#!/bin/sh\necho "$REGISTRY_PASSWORD" | docker login -u me --password-stdin r.example.com\necho "pw: $REGISTRY_PASSWORD"\n',
    })
    found = lint(root, "AL401")
    assert len(found) == 1 and found[0].path.endswith("ci/login.sh")


def test_al401_not_a_leak_when_captured_or_redirected(tmp_path: Path) -> None:
    root = project(tmp_path, {"ci.sh": (
        'X=$(echo "$REGISTRY_PASSWORD")\n'
        'echo "$REGISTRY_PASSWORD" > /tmp/pw\n'
        'echo "$REGISTRY_PASSWORD" 2>&1 >/dev/null\n'
        'echo "$REGISTRY_PASSWORD" | tee /tmp/pw > /dev/null\n'
        'printf -v copy "%s" "$REGISTRY_PASSWORD"\n'
        'echo "$REGISTRY_PASSWORD" | grep -q .\n'
    )})
    assert lint(root, "AL401") == []


def test_al401_stderr_reaches_the_log(tmp_path: Path) -> None:
    root = project(tmp_path, {"ci.sh": 'echo "$REGISTRY_PASSWORD" >&2\nmake\n'})
    assert len(lint(root, "AL401")) == 1


def test_al401_file_type_variable_is_a_path(tmp_path: Path) -> None:
    """npo-poms: DOCKER_AUTH_CONFIG holding a path is printed as a path; cat of it prints the JSON."""
    text = (
        'incoming="$DOCKER_AUTH_CONFIG"\nif [ -e "$incoming" ]; then\n  echo "Copying $incoming"\n'
        "  cp $incoming /kaniko/.docker/config.json\nfi\n"
    )
    root = project(tmp_path, {"k.sh": text})
    assert lint(root, "AL401") == []
    root2 = project(tmp_path / "b", {"k.sh": text + "cat $incoming\n"})
    found = lint(root2, "AL401")
    assert len(found) == 1 and "auth file" in found[0].message


def test_al401_template_job_is_checked(tmp_path: Path) -> None:
    root = project(tmp_path, {".gitlab-ci.yml": ".tpl:\n  script:\n    - echo \"$REGISTRY_PASSWORD\"\n    - make\n"})
    assert len(lint(root, "AL401")) == 1


def test_al401_fix_refused_when_it_would_empty_a_block(tmp_path: Path) -> None:
    root = project(tmp_path, {"ci.sh": 'if true; then\n  echo "$REGISTRY_PASSWORD"\nfi\nmake\n'})
    (f,) = lint(root, "AL401")
    assert f.fix is not None and f.fix.applicability == Applicability.DISPLAY_ONLY
    assert fixed(root, "AL401") == {}


def test_al401_fix_keeps_crlf(tmp_path: Path) -> None:
    root = project(tmp_path, {"ci.sh": 'make\r\necho "$REGISTRY_PASSWORD"\r\nmake install\r\n'})
    assert fixed(root, "AL401") == {"ci.sh": "make\r\nmake install\r\n"}


def test_al401_fix_in_a_crlf_block(tmp_path: Path) -> None:
    text = 'build:\r\n  script:\r\n    - |\r\n      make\r\n      echo "$REGISTRY_PASSWORD"\r\n      make install\r\n'
    root = project(tmp_path, {".gitlab-ci.yml": text})
    assert len(lint(root, "AL401")) == 1
    out = fixed(root, "AL401")
    assert out.get(".gitlab-ci.yml", text) in (text, 'build:\r\n  script:\r\n    - |\r\n      make\r\n      make install\r\n')


def test_al401_fix_deletes_a_plain_item_but_not_the_only_one(tmp_path: Path) -> None:
    root = project(tmp_path, {".gitlab-ci.yml": 'a:\n  script:\n    - make\n    - echo "$REGISTRY_PASSWORD"\nb:\n  script:\n    - echo "$REGISTRY_PASSWORD"\n'})
    assert len(lint(root, "AL401")) == 2
    assert fixed(root, "AL401") == {".gitlab-ci.yml": 'a:\n  script:\n    - make\nb:\n  script:\n    - echo "$REGISTRY_PASSWORD"\n'}


def test_al401_dump_only_in_credential_jobs(tmp_path: Path) -> None:
    root = project(tmp_path, {".gitlab-ci.yml": (
        "test:\n  script:\n    - env\n    - make\n"
        "push:\n  script:\n    - docker login -u \"$U\" -p \"$P\" r.example.com\n    - export\n    - env | cut -d= -f1\n"
        "    - env | grep BASE_IMAGES_VERSION\n    - docker push r.example.com/app\n"
    )})
    found = lint(root, "AL401")
    assert [f.job for f in found] == ["push"] and "export -p" in found[0].message


# ------------------------------------------------------------------- AL402
def test_al402_shebang(tmp_path: Path) -> None:
    root = project(tmp_path, {"login.sh": '#!/bin/sh -ex\ndocker login -u deploy -p "$REGISTRY_PASSWORD" r.example.com\n'})
    (f,) = lint(root, "AL402")
    assert "#!/bin/sh -ex" in f.message and f.fix is not None and f.fix.applicability == Applicability.DISPLAY_ONLY


def test_al402_script_run_with_bash_x(tmp_path: Path) -> None:
    login = 'docker login -u deploy -p "$REGISTRY_PASSWORD" r.example.com\n'
    root = project(tmp_path, {".gitlab-ci.yml": "build:\n  script:\n    - bash -x ci/login.sh\n", "ci/login.sh": login})
    (f,) = lint(root, "AL402")
    assert f.path.endswith("ci/login.sh") and f.job == "build" and ".gitlab-ci.yml:3" in f.message
    # a child shell does not inherit `set -x`; `source` does
    root2 = project(tmp_path / "b", {".gitlab-ci.yml": "build:\n  script:\n    - set -x\n    - sh ci/login.sh\n", "ci/login.sh": login})
    assert lint(root2, "AL402") == []
    root3 = project(tmp_path / "c", {".gitlab-ci.yml": "build:\n  script:\n    - set -x\n    - . ci/login.sh\n", "ci/login.sh": login})
    assert len(lint(root3, "AL402")) == 1


def test_al402_conditional_option(tmp_path: Path) -> None:
    root = project(tmp_path, {"ci.sh": '[[ "$TRACE" ]] && set -x\ndocker login -u deploy -p "$REGISTRY_PASSWORD" r.example.com\n'})
    (f,) = lint(root, "AL402")
    assert "may be on" in f.message
    assert lint(root, "AL402", conditional=False) == []


def test_al402_state_across_script_items_and_after_script(tmp_path: Path) -> None:
    root = project(tmp_path, {".gitlab-ci.yml": (
        "build:\n  before_script:\n    - set -x\n  script:\n    - make\n    - set +x\n"
        "    - docker login -u d -p \"$REGISTRY_PASSWORD\" r.example.com\n    - set -x\n"
        "    - echo \"$DOCKER_PASSWORD\" | docker login -u d --password-stdin docker.io\n"
        "  after_script:\n    - docker logout\n    - echo \"$DOCKER_PASSWORD\" | docker login -u d --password-stdin docker.io\n"
    )})
    found = lint(root, "AL402")
    assert len(found) == 1 and "DOCKER_PASSWORD" in found[0].message and "(line 8)" in found[0].message


def test_al402_derived_value_reported_once(tmp_path: Path) -> None:
    root = project(tmp_path, {"ci.sh": 'set -x\nAUTH=$(printf "%s:%s" "$REGISTRY_USER" "$REGISTRY_PASSWORD" | base64 -w0)\nmake\n'})
    assert len(lint(root, "AL402")) == 1


def test_al402_committed_test_password_is_not_a_secret(tmp_path: Path) -> None:
    root = project(tmp_path, {".gitlab-ci.yml": (
        "variables:\n  POSTGRES_PASSWORD: testing-password\ntest:\n  script:\n    - set -x\n"
        "    - export DATABASE_URL=postgres://u:${POSTGRES_PASSWORD}@db/x\n    - make test\n"
    )})
    assert lint(root, "AL402") == []


# ------------------------------------------------------------------- AL403
def test_al403_matrix_and_template(tmp_path: Path) -> None:
    root = project(tmp_path, {".gitlab-ci.yml": (
        ".push:\n  variables:\n    CI_DEBUG_TRACE: \"true\"\n  script:\n    - docker login -u \"$U\" -p \"$P\" r.example.com\n    - docker push r.example.com/a\n"
        "a:\n  extends: .push\nb:\n  extends: .push\n"
        "c:\n  parallel:\n    matrix:\n      - CI_DEBUG_SERVICES: [\"true\", \"false\"]\n  script:\n    - docker login -u \"$U\" -p \"$P\" r.example.com\n"
    )})
    found = lint(root, "AL403")
    assert len(found) == 2  # the template's entry once, the matrix entry once
    matrix = [f for f in found if "SERVICES" in f.message][0]
    assert matrix.fix is not None and matrix.fix.applicability == Applicability.DISPLAY_ONLY


def test_al403_global_in_included_file(tmp_path: Path) -> None:
    root = project(tmp_path, {
        ".gitlab-ci.yml": "include: ci/vars.yml\nbuild:\n  script: [make]\n",
        "ci/vars.yml": "variables:\n  CI_DEBUG_TRACE: \"true\"\n  GIT_DEPTH: \"1\"\n",
    })
    (f,) = lint(root, "AL403")
    assert f.path.endswith("ci/vars.yml")
    assert fixed(root, "AL403") == {"vars.yml": "variables:\n  GIT_DEPTH: \"1\"\n"}


# ------------------------------------------------------------------- AL404
@pytest.mark.parametrize(
    "pattern,path,covered",
    [(".", ".docker/config.json", True), ("./", ".docker/config.json", True), ("*", ".docker/config.json", True),
     (".docker/", ".docker/config.json", True), ("**/*.json", ".docker/config.json", True), ("*.json", ".docker/config.json", False),
     ("{dist,.docker}", ".docker/config.json", True), ("dist/", ".docker/config.json", False), ("auth.env", "auth.env", True),
     (".doc?er/config.json", ".docker/config.json", True), ("$CI_PROJECT_DIR/.docker", ".docker/config.json", True)],
)
def test_al404_globs(pattern: str, path: str, covered: bool) -> None:
    p = norm_pattern(pattern, {})
    assert p is not None and covers(p, path) is covered


def test_al404_unknown_variable_pattern() -> None:
    assert norm_pattern("$OUT_DIR/x", {}) is None
    assert norm_pattern("$OUT_DIR/x", {"OUT_DIR": "build"}) == "build/x"


def test_al404_artifacts_in_a_template_file(tmp_path: Path) -> None:
    root = project(tmp_path, {
        ".gitlab-ci.yml": "include: ci/base.yml\nbuild:\n  extends: .base\n  variables:\n    DOCKER_CONFIG: $CI_PROJECT_DIR/.docker\n"
        "  script:\n    - docker login -u \"$U\" -p \"$P\" r.example.com\n    - docker push r.example.com/a\n",
        "ci/base.yml": ".base:\n  artifacts:\n    untracked: true\n    when: always\n",
    })
    (f,) = lint(root, "AL404")
    assert f.path.endswith("ci/base.yml") and ".docker/config.json" in f.message
    assert fixed(root, "AL404") == {"base.yml": ".base:\n  artifacts:\n    untracked: true\n    when: always\n    exclude:\n      - .docker/config.json\n"}


def test_al404_cd_makes_relative_paths_unknown(tmp_path: Path) -> None:
    root = project(tmp_path, {".gitlab-ci.yml": (
        "build:\n  script:\n    - cd /tmp\n    - 'echo \"{\\\"auths\\\": {\\\"r\\\": {\\\"auth\\\": \\\"$AUTH\\\"}}}\" > .docker/config.json'\n"
        "  artifacts:\n    paths: [.]\n"
    )})
    assert lint(root, "AL404") == []


def test_al404_flow_exclude_list_extended(tmp_path: Path) -> None:
    text = (
        "build:\n  variables:\n    DOCKER_CONFIG: $CI_PROJECT_DIR/.docker\n  script:\n    - docker login -u \"$U\" -p \"$P\" r.example.com\n"
        "  artifacts:\n    paths: ['**']\n    exclude: [node_modules/]\n"
    )
    root = project(tmp_path, {".gitlab-ci.yml": text})
    assert len(lint(root, "AL404")) == 1
    assert fixed(root, "AL404") == {".gitlab-ci.yml": text.replace("[node_modules/]", "[node_modules/, .docker/config.json]")}


# ------------------------------------------------------------------- AL405
def test_al405_template_job_and_scripts(tmp_path: Path) -> None:
    root = project(tmp_path, {
        "ci/build.gitlab-ci.yml": ".build:\n  script:\n    - /kaniko/executor --context . --build-arg GITLAB_TOKEN=\"${CI_JOB_TOKEN}\" --destination r/a\n",
        "ci/b.sh": 'buildctl build --opt build-arg:NPM_TOKEN="$NPM_TOKEN" --output type=image,name=r/a,push=true\n',
    })
    found = lint(root, "AL405")
    assert sorted(Path(f.path).name for f in found) == ["b.sh", "build.gitlab-ci.yml"]


# ------------------------------------------------------------------- AL501
def test_al501_powershell_and_shell_file(tmp_path: Path) -> None:
    root = project(tmp_path, {
        ".gitlab-ci.yml": "win:\n  tags: [windows]\n  script:\n    - docker login -u gitlab-ci-token -p $env:CI_BUILD_TOKEN $env:CI_REGISTRY\n",
        "ci/push.sh": "#!/bin/sh\n# uses ${CI_BUILD_TOKEN:-}\ndocker login -u gitlab-ci-token -p \"${CI_BUILD_TOKEN:-}\" \"$CI_REGISTRY\"\n",
    })
    assert len(lint(root, "AL501")) == 3
    out = fixed(root, "AL501")
    assert "CI_BUILD_TOKEN" not in out[".gitlab-ci.yml"] and "CI_BUILD_TOKEN" not in out["push.sh"]
    assert "$env:CI_JOB_TOKEN" in out[".gitlab-ci.yml"]


# ------------------------------------------------------------------- AL502
def test_al502_job_variable_aliases(tmp_path: Path) -> None:
    root = project(tmp_path, {".gitlab-ci.yml": (
        "variables:\n  REGISTRY_USER: $GITLAB_USER_LOGIN\n  REGISTRY_PASSWORD: $CI_REGISTRY_PASSWORD\n"
        "build:\n  script:\n    - echo \"$REGISTRY_PASSWORD\" | docker login -u \"$REGISTRY_USER\" --password-stdin \"$CI_REGISTRY\"\n"
    )})
    (f,) = lint(root, "AL502")
    assert "GITLAB_USER_LOGIN" in f.message


def test_al502_heredoc_auth_json(tmp_path: Path) -> None:
    root = project(tmp_path, {"k.sh": (
        "cat > /kaniko/.docker/config.json <<EOF\n"
        '{"auths": {"$CI_REGISTRY": {"username": "$CI_DEPLOY_USER", "password": "$CI_JOB_TOKEN"}}}\nEOF\n'
    )})
    (f,) = lint(root, "AL502")
    assert "job token" in f.message
    assert fixed(root, "AL502") == {"k.sh": (
        "cat > /kaniko/.docker/config.json <<EOF\n"
        '{"auths": {"$CI_REGISTRY": {"username": "gitlab-ci-token", "password": "$CI_JOB_TOKEN"}}}\nEOF\n'
    )}


def test_al502_redefined_predefined_variable_is_not_judged(tmp_path: Path) -> None:
    root = project(tmp_path, {"r.sh": (
        "export CI_REGISTRY_PASSWORD=$CI_REGISTRY_PASSWORD_CANONICAL\n"
        'docker login -u "$RELEASE_USER" -p "$CI_REGISTRY_PASSWORD" "$CI_REGISTRY"\n'
    )})
    assert lint(root, "AL502") == []


# ------------------------------------------------------------ fix stability
@pytest.mark.parametrize("code", ["AL401", "AL403", "AL404", "AL501", "AL502"])
def test_second_fix_run_changes_nothing(tmp_path: Path, code: str) -> None:
    from authlint import rules as registry

    module = registry.by_code()[code]
    for i, ex in enumerate(module.INVALID):
        if ex.fixed is None:
            continue
        root = project(tmp_path / str(i), {ex.filename: ex.fixed, **ex.files})
        assert fixed(root, code) == {}, f"{code} example {i}"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="-upU=x\n ", max_size=5))
def test_al502_attached_short_flag_is_the_regex(word: str) -> None:
    from authlint.rules import al502_token_user_mismatch as al502

    assert al502._attached_short(word) == bool(re.match(r"-[up][^-=]", word))
