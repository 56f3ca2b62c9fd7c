"""The shell data-flow model (authlint.shell.flow), one table per construct."""

from __future__ import annotations

from pathlib import Path

import pytest

from authlint.shell import parse
from authlint.jobfacts import CONTAINERS, DOCKER, facts
from authlint.shell.flow import flow_of, job_flows, shell_flow
from authlint.source import Source
from authlint.textmap import FileMap
from authlint.units import ShellUnit
from support.project import jobs


def flow(text: str):
    src = Source("x.sh", text)
    return shell_flow(ShellUnit(parse(text), src, FileMap(src)))


def kinds(f, name: str) -> list[tuple[str, str | None]]:
    return [(o.kind, o.text) for o in f.origins(name)]


# ------------------------------------------------------------------ origins
ORIGINS = [
    # assignment
    ("X=abc\n", "X", [("literal", "abc")]),
    ("X='a b'\n", "X", [("literal", "a b")]),
    ("X=\n", "X", [("literal", "")]),
    # copies are followed to the root
    ("X=$CI_JOB_TOKEN\n", "X", [("predefined-credential", None)]),
    ('X="${CI_REGISTRY_PASSWORD}"\nY=$X\n', "Y", [("predefined-credential", None)]),
    ("X=$REGISTRY_PASSWORD\n", "X", [("settings", None)]),
    ("X=$CI_COMMIT_SHA\n", "X", [("predefined", None)]),
    # a CI_ name GitLab does not define and nothing sets: empty
    ("X=$CI_REGISTRY_USERNAME\n", "X", [("undefined", None)]),
    # $(...): the output of the pipeline's last stage
    ('X=$(curl -s -H "token: $TOKEN" https://example.com/api)\n', "X", [("command", "curl")]),
    ("X=$(printf '%s:%s' \"$U\" \"$P\" | base64 | tr -d '\\n')\n", "X", [("command", "tr")]),
    ("X=$(vault kv get -field=password secret/ci)\n", "X", [("command", "vault")]),
    # the contents of a file
    ("X=$(cat /run/secrets/token)\n", "X", [("file", "/run/secrets/token")]),
    # arithmetic
    ("PASS=0\nPASS=$((PASS+1))\n", "PASS", [("literal", "0"), ("arithmetic", None)]),
    # composite text
    ('X="$U:$P"\n', "X", [("composite", "$U:$P")]),
    # export / local / readonly
    ("export X=$CI_JOB_TOKEN\n", "X", [("predefined-credential", None)]),
    ("f() { local X=lit; }\n", "X", [("literal", "lit")]),
    # read
    ("read -r TOKEN < token.txt\n", "TOKEN", [("read", None)]),
    # function parameters
    ("login() { PW=$1; }\n", "PW", [("parameter", None)]),
    # subshells and groups assign in the same model
    ("( X=lit )\n{ Y=$CI_JOB_TOKEN; }\n", "Y", [("predefined-credential", None)]),
    # a cycle ends
    ("A=$B\nB=$A\n", "A", [("unknown", None)]),
    # a variable copied onto itself keeps the value it came with
    ("readonly CI_JOB_TOKEN=${CI_JOB_TOKEN}\n", "CI_JOB_TOKEN", [("predefined-credential", None)]),
    ('export REGISTRY_PASSWORD="$REGISTRY_PASSWORD"\n', "REGISTRY_PASSWORD", [("settings", None)]),
    ("X=lit\nX=$X\n", "X", [("literal", "lit")]),
]


@pytest.mark.parametrize("text,name,expected", ORIGINS)
def test_origins(text: str, name: str, expected: list) -> None:
    assert kinds(flow(text), name) == expected


# -------------------------------------------------------------- credentials
CREDS = [
    # by name only when the origin is a CI/CD variable set outside the repository
    ('echo "$REGISTRY_PASSWORD"\n', {"REGISTRY_PASSWORD"}, set()),
    ("PASS=0\nPASS=$((PASS+1))\necho $PASS\n", set(), {"PASS"}),
    ('TOKEN=test-token\necho "$TOKEN"\n', set(), {"TOKEN"}),
    # command output: not what the command was given
    ('X=$(curl -H "token: $TOKEN" https://example.com)\necho "$X"\n', {"TOKEN"}, {"X"}),
    ('RESPONSE_TOKEN=$(curl https://example.com)\n', set(), {"RESPONSE_TOKEN"}),
    # unless it passes its input through, or produces a secret
    ("A=$(printf '%s:%s' \"$U\" \"$P\" | base64)\n", {"A", "P"}, {"U"}),
    ("X=$(vault kv get -field=password secret/ci)\n", {"X"}, set()),
    ("X=$(aws ecr get-login-password --region eu-west-1)\n", {"X"}, set()),
    # by use: a secret flag's value, what --password-stdin reads
    ('docker login -u me -p "$X" r.example.com\n', {"X"}, set()),
    ('echo "$X" | docker login -u me --password-stdin r.example.com\n', {"X"}, set()),
    ('docker login -u me --password-stdin r.example.com <<< "$X"\n', {"X"}, set()),
    # here-docs holding an auth field
    ('cat > c.json <<EOF\n{"auths": {"r": {"auth": "$A"}}}\nEOF\n', {"A"}, set()),
    # File-type variables hold a path
    ('[ -f "$REGISTRY_CERT_TOKEN" ]\ncp "$REGISTRY_CERT_TOKEN" /etc/x\n', set(), {"REGISTRY_CERT_TOKEN"}),
]


@pytest.mark.parametrize("text,yes,no", CREDS)
def test_credentials(text: str, yes: set, no: set) -> None:
    f = flow(text)
    assert yes <= set(f.creds), f.creds
    assert not (no & set(f.creds)), f.creds


def test_may_be_registry_holds_every_registry_credential(tmp_path: Path) -> None:
    """AL206 asks may_be_registry, and Flow.uses / is_cred ask may_be_cred, before the credential
    analysis: they may say yes too often, never no for a name in ``registry`` / ``creds``."""
    from authlint.rules import al206_unquoted_auth_variable as al206
    from authlint.shell.model import VAR_REF

    texts = [t for t, _, _ in CREDS] + [ex.text for ex in [*al206.VALID, *al206.INVALID] if ex.kind == "sh"]
    texts.append('echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin $CI_REGISTRY\n')
    saw = set()
    flows = [flow(t) for t in texts]
    job = "b:\n  script:\n    - echo \"$A\" | docker login -u u --password-stdin r\n    - echo $B\n  after_script:\n    - X=$(vault read k)\n    - echo $A $B $X\n"
    flows += job_flows(jobs(tmp_path, job)["b"])
    for f in flows:
        names = {n for r in f.refs for n in VAR_REF.findall(r.cmd.raw)}
        assert all(f.may_be_registry(n) for n in f.registry) and all(f.may_be_cred(n) for n in f.creds), f.refs[0].cmd.raw
        saw |= {n for n in names if not f.may_be_registry(n)} | {n + " cred" for n in names if not f.may_be_cred(n)}
        saw |= {"registry"} if f.registry else set()
    assert {"registry", "CI_REGISTRY", "TOKEN", "B cred", "CI_REGISTRY cred"} <= saw, saw
    assert flows[-1].creds.keys() >= {"A", "X"} and flows[-2].may_be_cred("X")  # the other shell's credentials


IN_REGISTRY = [
    'docker login -u me -p $REGISTRY_PASSWORD r\n',
    'REGISTRY_PASSWORD=test\ndocker login -u test -p $REGISTRY_PASSWORD localhost:5000\n',
    'N=0\nN=$((N+1))\ndocker login -u me -p $N r\n',
    'N=0\nN=$(cat pw)\ndocker login -u me -p $N r\n',
    '[ -f "$PW" ]\ncp "$PW" /tmp/x\ndocker login -u me -p $PW r\n',
    'login() { docker login -u me -p $1 r; }\nlogin "$X"\n',
    'echo "$P" | docker login -u me --password-stdin r\necho $P\n',
    'printf \'{"auths":{"r":{"auth":"%s"}}}\' $A > c.json\necho $A\n',
]


def test_in_registry_is_registry(tmp_path: Path) -> None:
    """AL206 asks in_registry, which answers for a variable used as a secret without the credential
    analysis: the same answer as ``registry`` for every name the flow expands."""
    from authlint.rules import al206_unquoted_auth_variable as al206
    from authlint.shell.model import VAR_REF

    texts = IN_REGISTRY + [t for t, _, _ in CREDS] + [ex.text for ex in [*al206.VALID, *al206.INVALID] if ex.kind == "sh"]
    job = (
        "b:\n  secrets:\n    S: {vault: a/b@c}\n  script:\n    - docker login -u u -p $S r\n"
        '    - echo "$A" | docker login -u u --password-stdin r\n  after_script:\n    - docker login -u u -p $A r\n'
    )
    pairs = [(lambda t=t: [flow(t)]) for t in texts] + [lambda: job_flows(jobs(tmp_path, job)["b"])]
    answers = set()
    for make in pairs:
        for fast, slow in zip(make(), make()):
            names = {p.var for r in fast.refs for w in r.cmd.args for p in w.parts if p.var} | set(VAR_REF.findall(" ".join(r.cmd.raw for r in fast.refs)))
            for n in sorted(names):
                assert fast.in_registry(n) == (n in slow.registry), (n, fast.refs[0].cmd.raw)
                answers.add((n in fast.secret_uses(), n in slow.registry))
    assert answers >= {(True, True), (True, False), (False, False)}, answers
    f = flow(IN_REGISTRY[0])
    assert f.in_registry("REGISTRY_PASSWORD") and f._cred is None  # no analysis asked


def test_masked_follows_copies_not_encodings() -> None:
    f = flow('X=$CI_JOB_TOKEN\nY=$(echo "$CI_JOB_TOKEN" | base64)\n')
    assert f.creds["CI_JOB_TOKEN"] and f.creds["X"]
    assert f.creds["Y"] is False and f.sources["Y"] == "CI_JOB_TOKEN"


def test_masked_survives_a_self_copy() -> None:
    # `readonly CI_JOB_TOKEN=${CI_JOB_TOKEN}` still holds the masked job token: echo of a string with it is masked
    f = flow('readonly CI_JOB_TOKEN=${CI_JOB_TOKEN}\nARGS="--build-arg t=$CI_JOB_TOKEN"\n')
    assert f.creds["CI_JOB_TOKEN"] and f.creds["ARGS"]


# -------------------------------------------------------------------- sinks
SINKS = [
    # arguments, with their flag
    ('docker login -u me -p "$X" r\n', "X", [("arg", "docker", "-p", None)]),
    ("podman login --password=$X r\n", "X", [("arg", "podman", "--password", None)]),
    ('sudo docker login -p "$X" r\n', "X", [("arg", "docker", "-p", None)]),
    # pipes
    ('echo "$X" | docker login -u me --password-stdin r\n', "X", [("pipe", "docker", "--password-stdin", None)]),
    ('echo "$KEY" | base64 -d | ssh-add -\n', "KEY", [("pipe", "base64", None, None)]),
    # redirections
    ('echo "$X" > "$HOME/.docker/config.json"\n', "X", [("file", None, None, "$HOME/.docker/config.json")]),
    ('echo "$X" >/dev/null\n', "X", [("file", None, None, "/dev/null")]),
    # here-docs and here-strings feed stdin
    ("cat <<EOF > c.json\n$X\nEOF\n", "X", [("stdin", "cat", None, None)]),
    ('skopeo login --password-stdin -u me r <<< "$X"\n', "X", [("stdin", "skopeo", "--password-stdin", None)]),
    # the log
    ('echo "token: $X"\n', "X", [("log", None, None, None)]),
    # captured by $(...)
    ('A=$(echo "$X")\n', "X", [("capture", None, None, None)]),
]


@pytest.mark.parametrize("text,name,expected", SINKS)
def test_sinks(text: str, name: str, expected: list) -> None:
    got = [(s.kind, s.tool, s.flag, s.path) for s in flow(text).sinks(name)]
    assert got == expected


# ------------------------------------------------------------------- jobs
def test_yaml_levels_and_after_script(tmp_path: Path) -> None:
    text = (
        "variables:\n  REGISTRY_PASSWORD: $CI_REGISTRY_PASSWORD\n  SECRET_PATHS: vault/path\n"
        "build:\n  variables:\n    USER_TOKEN: literal-value\n"
        "  parallel:\n    matrix:\n      - TARGET: [a, b]\n"
        "  script:\n    - X=$(curl https://x)\n  after_script:\n    - echo done\n"
    )
    unit = jobs(tmp_path, text)["build"]
    main, after = job_flows(unit)
    assert kinds(main, "REGISTRY_PASSWORD") == [("predefined-credential", None)]
    assert kinds(main, "SECRET_PATHS") == [("literal", "vault/path")]
    assert [o.level for o in main.origins("USER_TOKEN")] == ["job"]
    assert [o.level for o in main.origins("TARGET")] == ["matrix", "matrix"]
    assert "REGISTRY_PASSWORD" in main.creds and "SECRET_PATHS" not in main.creds and "USER_TOKEN" not in main.creds
    assert main.creds["REGISTRY_PASSWORD"] is True  # masked: a plain copy of a masked token
    # after_script is its own shell, but knows the job's credentials
    assert flow_of(unit.after[0]) is after and "X" in after.defs or "X" not in after.defs
    assert [r.cmd.basename for r in after.refs] == ["echo"]


def test_called_script_is_in_the_job_flow(tmp_path: Path) -> None:
    files = {"ci/login.sh": '#!/bin/sh\necho "$1" | docker login -u me --password-stdin r\nPW=$CI_JOB_TOKEN\n'}
    unit = jobs(tmp_path, "build:\n  script:\n    - sh ci/login.sh x\n", files)["build"]
    main, _ = job_flows(unit)
    assert kinds(main, "PW") == [("predefined-credential", None)]


def test_powershell_job_has_no_flow(tmp_path: Path) -> None:
    text = "build:\n  tags: [windows]\n  script:\n    - docker login -u me -p $env:REGISTRY_PASSWORD r\n"
    unit = jobs(tmp_path, text)["build"]
    assert unit.shell == "powershell" and not unit.commands


def test_command_named_by_a_variable() -> None:
    f = flow("KUBECTL=/usr/local/bin/kubectl\n$KUBECTL create secret docker-registry x\nsudo $KUBECTL get pods\n$UNKNOWN run\n")
    assert [f.program(r.cmd) for r in f.refs] == ["kubectl", "kubectl", None]


def test_scripts_inside_scripts_are_shell() -> None:
    f = flow('sh -c "skopeo login -u me -p $A r"\nbash -c \'docker login -p "$B" r\'\nssh -i k deploy@host "podman login -p $C r"\n')
    assert {"A", "B", "C"} <= set(f.creds)
    # the string is an argument of ssh, and its expansion one of podman inside it
    assert [(s.kind, s.tool, s.flag) for s in f.sinks("C")] == [("arg", "ssh", None), ("arg", "podman", "-p")]


def test_rules_variables_are_origins(tmp_path: Path) -> None:
    text = (
        "build:\n  image: quay.io/buildah/stable\n  variables:\n    DOCKER_CONFIG: /a\n"
        "  rules:\n    - if: $CI_COMMIT_TAG\n      variables:\n        DOCKER_CONFIG: /b\n        REGISTRY_AUTH_FILE: /run/auth.json\n"
        "    - when: always\n  script:\n    - buildah push \"$CI_REGISTRY_IMAGE\"\n"
    )
    unit = jobs(tmp_path, text)["build"]
    main, _ = job_flows(unit)
    assert kinds(main, "DOCKER_CONFIG") == [("literal", "/a"), ("literal", "/b")]
    assert [o.level for o in main.origins("REGISTRY_AUTH_FILE")] == ["rules"]
    f = facts(unit)
    assert "DOCKER_CONFIG" not in f.env  # which rule matches decides: unknown
    # with REGISTRY_AUTH_FILE set, buildah, podman and skopeo read only that file
    assert f.reads(CONTAINERS) == ["/run/auth.json"]


def test_structure_regions_for_xtrace() -> None:
    text = "( set +x; a )\nb && set -x\nf() { set -x; }\nif c; then set -x; fi\nx=$(set -x)\n"
    s = parse(text)
    iso = [text[a:b] for a, b in s.isolated]
    cond = [text[a:b].strip() for a, b in s.conditional]
    assert "( set +x; a )" in iso and "{ set -x; }" in iso and "$(set -x)" in iso
    assert "set -x" in cond and "set -x; fi" in cond


FILE_VARIABLES = [
    # a `secrets:` entry is a File-type variable unless `file: false`
    ("  secrets:\n    CFG:\n      vault: ci/cfg@secret\n  variables:\n    DOCKER_CONFIG: $CFG\n", "CFG"),
    ("  secrets:\n    DOCKER_CONFIG:\n      vault: ci/cfg@secret\n", "DOCKER_CONFIG"),
    ("  secrets:\n    CFG:\n      vault: ci/cfg@secret\n      file: false\n  variables:\n    DOCKER_CONFIG: $CFG\n", None),
    # a CI/CD variable the job tests as a file and never writes out as content
    ("  variables:\n    DOCKER_CONFIG: $CFG\n  before_script:\n    - test -f \"$CFG\"\n", "CFG"),
    ("  variables:\n    DOCKER_CONFIG: $CFG\n  before_script:\n    - test -f \"$CFG\"\n    - echo \"$CFG\" > x.json\n", None),
    # a path committed in the repository is not a File-type variable; neither is an unknown one
    ("  variables:\n    DOCKER_CONFIG: /tmp/docker\n", None),
    ("  variables:\n    DOCKER_CONFIG: $CFG\n", None),
]


@pytest.mark.parametrize("head,expected", FILE_VARIABLES)
def test_docker_config_holding_a_file_type_path(tmp_path: Path, head: str, expected: str | None) -> None:
    unit = jobs(tmp_path, "build:\n  image: docker:27\n" + head + "  script:\n    - docker push \"$CI_REGISTRY_IMAGE\"\n")["build"]
    main, _ = job_flows(unit)
    assert main.file_variable("DOCKER_CONFIG") == expected
    f = facts(unit)
    assert f.docker_config_file == expected
    # docker reads $DOCKER_CONFIG/config.json: under a file, nothing
    assert (f.read_templates(DOCKER) == []) is (expected is not None)


def test_docker_config_from_rules_only_may_be_unset(tmp_path: Path) -> None:
    text = (
        "build:\n  image: docker:27\n  secrets:\n    CFG:\n      vault: ci/cfg@secret\n"
        "  rules:\n    - if: $CI_COMMIT_TAG\n      variables:\n        DOCKER_CONFIG: $CFG\n    - when: always\n"
        "  script:\n    - docker push \"$CI_REGISTRY_IMAGE\"\n"
    )
    unit = jobs(tmp_path, text)["build"]
    # the second rule leaves it unset: the model says "maybe not a file", and so do the facts
    assert job_flows(unit)[0].file_variable("DOCKER_CONFIG") is None
    assert facts(unit).docker_config_file is None


# ------------------------------------------------------ what a group writes
GROUPS = [
    # echo, printf (formats reused for extra arguments), here-documents, here-strings
    ("{ echo '{'; echo -n '\"a\": 1'; echo '}'; } > f\n", '{\n"a": 1}\n'),
    ("{ printf '%s:%s\\n' a \"$B\" c; printf '100%%'; } > f\n", "a:$B\nc:\n100%"),
    ("{\n  printf '['\n  cat <<EOF\n\"$X\"\nEOF\n  cat <<< ']'\n} > f\n", '["$X"\n]\n'),
    # commands that print nothing; a member whose own stdout goes elsewhere
    ("( mkdir -p d; set +x; echo a; echo b >&2; echo c > log; [ -f x ] ) > f\n", "a\n"),
    # a file the flow wrote just before, whole
    ("echo '\"k\": 1' > part\n{ echo '{'; cat part; echo '}'; } > f\n", '{\n"k": 1\n}\n'),
    # unknown members make the content unknown
    ("{ echo '{'; jq . part; echo '}'; } > f\n", None),
    ("echo x >> part\n{ echo '{'; cat part; } > f\n", None),
    ("{ echo -e 'a\\tb'; echo c; } > f\n", None),
    ("{ printf '%d' 1; echo c; } > f\n", None),
    ("{ echo a | tr a b; echo c; } > f\n", None),
    ("{ echo a; if [ -n \"$X\" ]; then echo b; fi; } > f\n", None),
    ("{ for x in 1 2; do echo $x; done; echo c; } > f\n", None),
    ("{ echo a; set; } > f\n", None),
    ("{ echo a; export -p; } > f\n", None),
]


@pytest.mark.parametrize("text,expected", GROUPS)
def test_group_output(text: str, expected: str | None) -> None:
    from authlint.shell.flow import write_group

    f = flow(text)
    ref = next(r for r in f.refs if r.cmd.redirects and any(rd.group for rd in r.cmd.redirects))
    members, output = write_group(ref)
    assert (output.text if output is not None else None) == expected
    if output is not None:  # expansions stay opaque tokens; verbatim characters point at the script
        assert all(output.text[a:b].startswith("$") for a, b in output.opaque)
        assert all(o is None or text[o] == ch for o, ch in zip(output.to_shell, output.text))


def test_group_output_makes_the_write_an_auth_write(tmp_path: Path) -> None:
    text = "build:\n  image: docker:27\n  script:\n    - |\n      { echo '{\"auths\": {'; echo \"\\\"r\\\": {\\\"auth\\\": \\\"$A\\\"}\"; echo '}}'; } > auth.json\n    - docker push \"$CI_REGISTRY_IMAGE\"\n"
    unit = jobs(tmp_path, text)["build"]
    from authlint.jobfacts import is_auth_content

    writes = facts(unit).writes
    assert writes and all(is_auth_content(w) for w in writes)  # each echo alone is not auth JSON; together they are


# ------------------------------------------------- files that leave the job
UPLOADS = [
    # (artifacts/cache settings, written path, [(kind, setting value, exact)])
    ("  artifacts:\n    paths: [.]\n", "$CI_PROJECT_DIR/.docker/config.json", [("artifacts", ".", False)]),
    ("  artifacts:\n    paths: [dist/, '**/*.json']\n", ".docker/config.json", [("artifacts", "**/*.json", False)]),
    ("  artifacts:\n    paths: [auth.env]\n", "./auth.env", [("artifacts", "auth.env", True)]),
    ("  artifacts:\n    paths: [.]\n    exclude: [.docker/config.json]\n", ".docker/config.json", []),
    ("  artifacts:\n    untracked: true\n", "x/creds.txt", [("untracked", "true", False)]),
    ("  artifacts:\n    reports:\n      dotenv: build.env\n", "build.env", [("dotenv", "build.env", True)]),
    ("  cache:\n    paths: [.docker]\n", ".docker/config.json", [("cache", ".docker", False)]),
    ("  cache:\n    - key: a\n      untracked: true\n", "creds.txt", [("cache-untracked", "true", False)]),
    # outside the project directory, or unknown: never uploaded
    ("  artifacts:\n    paths: [.]\n", "$HOME/.docker/config.json", None),
    ("  artifacts:\n    paths: [.]\n", "$SOMEWHERE/config.json", None),
]


@pytest.mark.parametrize("settings,written,expected", UPLOADS)
def test_file_uploads(tmp_path: Path, settings: str, written: str, expected: list | None) -> None:
    unit = jobs(tmp_path, "build:\n  script:\n    - echo \"$X\" > '" + written + "'\n" + settings)["build"]
    main, _ = job_flows(unit)
    path = main.project_path(written, main.refs[0])
    if expected is None:
        assert path is None
        return
    assert [(u.kind, u.scalar.value, u.exact) for u in main.uploads(path)] == expected


TAKES_NONE = [
    "  artifacts:\n    reports:\n      junit: report.xml\n",
    "  artifacts:\n    expire_in: 1 week\n    paths: []\n    untracked: false\n",
    "  artifacts:\n    exclude: [x]\n  cache:\n    key: a\n",
]


@pytest.mark.parametrize("settings", [s for s, _, e in UPLOADS if e] + TAKES_NONE)
def test_takes_files_is_false_only_where_uploads_takes_none(tmp_path: Path, settings: str) -> None:
    """AL404 asks takes_files before it looks for the files a job fills with credentials."""
    from authlint.gitlab.uploads import takes_files, uploads

    job = jobs(tmp_path, "build:\n  script: [make]\n" + settings)["build"].job
    paths = ["x", "auth.env", "build.env", ".docker/config.json", "x/creds.txt", "report.xml"]
    assert takes_files(job) == (settings not in TAKES_NONE)
    assert takes_files(job) or not any(uploads(job, {}, p) for p in paths)


def test_relative_path_after_cd_is_unknown(tmp_path: Path) -> None:
    unit = jobs(tmp_path, "build:\n  script:\n    - cd sub\n    - echo \"$X\" > auth.env\n")["build"]
    main, _ = job_flows(unit)
    assert main.project_path("auth.env", main.refs[1]) is None
    assert main.project_path("$CI_PROJECT_DIR/auth.env", main.refs[1]) == "auth.env"


FILE_ORIGINS = [
    # what wrote the file before: printers, here-documents, tee, a login
    ('echo "{\\"auths\\": {\\"r\\": {\\"auth\\": \\"$A\\"}}}" > c.json\n', "c.json", ["A"]),
    ("X=$CI_JOB_TOKEN\ncat > c.json <<EOF\n$X\nEOF\n", "c.json", ["CI_JOB_TOKEN"]),
    ('printf "%s" "$CI_REGISTRY_PASSWORD" | tee c.json\n', "c.json", ["CI_REGISTRY_PASSWORD"]),
    ('echo "$CI_JOB_TOKEN" | docker login -u gitlab-ci-token --password-stdin r\n', "$HOME/.docker/config.json", ["CI_JOB_TOKEN"]),
    ('echo "$T" | podman login --authfile a.json -u me --password-stdin r\n', "a.json", ["T"]),
    # another file; a quoted here-document expands nothing
    ('echo "$A" > other.json\n', "c.json", []),
    ("cat > c.json <<'EOF'\n$A\nEOF\n", "c.json", []),
]


@pytest.mark.parametrize("text,path,expected", FILE_ORIGINS)
def test_file_origins(text: str, path: str, expected: list) -> None:
    f = flow(text + "kubectl create secret generic s --from-file=x=" + path + "\n")
    names = [o.name for o in f.file_origins(path, f.refs[-1]) if o.kind in ("settings", "predefined-credential")]
    assert names == expected


STDIN = [
    ("docker login -u me -p x r\n", None),
    ("echo y | docker login -u me -p x r\n", "a pipe from `echo`"),
    ("docker login -u me -p x r < pw.txt\n", "the file pw.txt"),
    ("docker login -u me -p x r <<< y\n", "a here-string"),
    ("docker login -u me -p x r <<EOF\ny\nEOF\n", "a here-document"),
    ("docker login -u me -p x r 2>err.txt\n", None),
]


@pytest.mark.parametrize("text,expected", STDIN)
def test_stdin_source(text: str, expected: str | None) -> None:
    from authlint.shell.flow import stdin_source

    f = flow(text)
    assert stdin_source(next(r for r in f.refs if r.cmd.basename == "docker")) == expected


# ----------------------------------------------------------------- xtrace
TRACE = [
    # (script, [(command, state)]): 0 off, 1 may be on (a conditional set -x), 2 on
    ("a\nset -x\nb\nset +x\nc\n", [("a", 0), ("b", 2), ("c", 0)]),
    ("set -eux\nb\nset +o xtrace\nc\nset -o xtrace\nd\n", [("b", 2), ("c", 0), ("d", 2)]),
    # a subshell, a $(...) and a function body keep their changes to themselves
    ("set -x\n( set +x; b )\nc\n", [("b", 0), ("c", 2)]),
    ("f() { set -x; }\nb\n", [("b", 0)]),
    # a set -x that runs only under a condition: may be on
    ('[ -n "$DEBUG" ] && set -x\nb\n', [("b", 1)]),
    ('if [ -n "$DEBUG" ]; then set -x; fi\nb\n', [("b", 1)]),
    # a child shell starts without it, unless it is asked for
    ("set -x\nsh -c 'b'\n", [("b", 0)]),
    ("sh -xc 'b'\nc\n", [("b", 2), ("c", 0)]),
    # a shebang's flags hold for a script linted on its own
    ("#!/bin/sh -x\nb\n", [("b", 2)]),
]


@pytest.mark.parametrize("text,expected", TRACE)
def test_trace_in_one_shell(text: str, expected: list) -> None:
    from authlint.shell.trace import trace_at

    f = flow(text)
    got = {r.cmd.basename: trace_at(f, r.cmd)[0] for r in f.refs}
    assert [(name, got[name]) for name, _ in expected] == expected


def test_a_flow_that_cannot_trace_has_every_event_off(tmp_path: Path) -> None:
    """may_trace lets AL402 and trace_at skip the walk: it says no only where the walk finds nothing on."""
    from authlint.rules import al402_xtrace_with_credentials as al402
    from authlint.shell.trace import OFF, may_trace, trace_events

    texts = [t for t, _ in TRACE] + [ex.text for ex in [*al402.VALID, *al402.INVALID] if ex.kind == "sh"]
    flows = [flow(t) for t in texts] + [job_flows(jobs(tmp_path, "b:\n  script:\n    - " + c + "\n", SCRIPT)["b"])[0] for c, _ in CALLS]
    flows += [flow("docker build -t x .\necho done\n"), flow("sh -c 'b'\n")]
    for f in flows:
        levels = {ev.level for _, ev in trace_events(f)}
        assert may_trace(f) or levels == {OFF}, [r.cmd.raw for r in f.refs]
    assert sum(not may_trace(f) for f in flows) >= 3 and sum(may_trace(f) for f in flows) >= 20


SCRIPT = {"ci/build.sh": "#!/bin/bash -x\nin_script\n", "ci/plain.sh": "#!/bin/sh\nin_script\n"}
CALLS = [
    # bash -x / sh -x trace the script they run
    ("bash -x ci/plain.sh", 2),
    ("sh -x ci/plain.sh", 2),
    # only a direct exec honours the shebang's flags: `sh script` reads #!/bin/bash -x as a comment
    ("./ci/build.sh", 2),
    ("sh ci/build.sh", 0),
    ("bash ci/build.sh", 0),
    # a child shell does not inherit the caller's set -x ...
    ("set -x; ./ci/plain.sh", 0),
    # ... a sourced script runs in the caller's shell
    ("set -x; . ci/plain.sh", 2),
    ("set -x; set +x; source ci/plain.sh", 0),
]


@pytest.mark.parametrize("call,expected", CALLS)
def test_trace_in_called_scripts(tmp_path: Path, call: str, expected: int) -> None:
    from authlint.shell.trace import trace_at

    unit = jobs(tmp_path, "build:\n  script:\n    - " + call + "\n", SCRIPT)["build"]
    main, _ = job_flows(unit)
    inner = [r for r in main.refs if r.cmd.basename == "in_script"]
    assert inner, [r.cmd.raw for r in main.refs]
    assert trace_at(main, inner[0].cmd)[0] == expected
    assert main.traced(inner[0]) is (expected != 0)


def test_after_script_is_a_new_shell(tmp_path: Path) -> None:
    from authlint.shell.trace import trace_at

    unit = jobs(tmp_path, "build:\n  before_script: [set -x]\n  script: [in_main]\n  after_script: [in_after]\n")["build"]
    main, after = job_flows(unit)
    assert [trace_at(main, r.cmd)[0] for r in main.refs if r.cmd.basename == "in_main"] == [2]
    assert [trace_at(after, r.cmd)[0] for r in after.refs] == [0]


def test_login_files(tmp_path: Path) -> None:
    login = 'echo "$P" | docker login -u me --password-stdin r\n'
    f = flow(login)
    assert f.login_files(f.refs[1]) == ["$HOME/.docker/config.json"]
    f = flow("DOCKER_CONFIG=$CI_PROJECT_DIR/.docker\n" + login)
    assert f.login_files(f.refs[-1]) == ["$DOCKER_CONFIG/config.json"]
    f = flow('echo "$P" | podman login --authfile=/tmp/a.json -u me --password-stdin r\n')
    assert f.login_files(f.refs[1]) == ["/tmp/a.json"]
    # DOCKER_CONFIG naming a File-type variable's file: docker cannot save a config under it
    text = "build:\n  secrets:\n    DOCKER_CONFIG:\n      vault: ci/cfg@secret\n  script:\n    - " + login
    main, _ = job_flows(jobs(tmp_path, text)["build"])
    assert main.login_files(next(r for r in main.refs if r.cmd.basename == "docker")) == []


def test_group_reads_a_file_another_script_item_wrote(tmp_path: Path) -> None:
    from authlint.shell.flow import write_group

    text = "build:\n  script:\n    - |\n      echo '\"k\": 1' > part\n    - '{ echo \"{\"; cat part; echo \"}\"; } > f'\n"
    main, _ = job_flows(jobs(tmp_path, text)["build"])
    ref = next(r for r in main.refs if r.cmd.basename == "cat")
    _, output = write_group(ref)
    assert output is not None and output.text == '{\n"k": 1\n}\n'
    part = output.text.index('"k"')
    # the other item has its own file map: its characters point at the `cat` operand, never edited
    assert output.to_shell[part : part + 7] == [None] * 7
    assert set(output.approx[part : part + 7]) == {ref.cmd.args[0].start}


def test_group_over_two_script_items(tmp_path: Path) -> None:
    from authlint.shell.flow import write_group

    text = "build:\n  script:\n    - '{ echo a;'\n    - 'echo b; } > f'\n"
    main, _ = job_flows(jobs(tmp_path, text)["build"])
    first = next(r for r in main.refs if r.cmd.basename == "echo")
    _, output = write_group(first)
    assert output.text == "a\nb\n"
    assert output.to_shell[0] is not None and output.to_shell[2] is None  # `b` is in the next item


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("X=$CI_REGISTRY_USER\n", "X", True),  # `gitlab-ci-token`
        ("X=$CI_DEPLOY_USER\n", "X", True),  # `gitlab+deploy-token-N`
        ("X=$CI_JOB_TOKEN\n", "X", True),
        ("X=$CI_COMMIT_MESSAGE\n", "X", False),  # predefined, but free text
        ("X=$REGISTRY_USER\n", "X", False),
    ],
)
def test_token_shaped(text: str, name: str, expected: bool) -> None:
    assert flow(text).token_shaped(name) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nix run nixpkgs.skopeo -c skopeo copy a b\n", ("skopeo", ["copy", "a", "b"])),
        ("nix shell nixpkgs#crane --command crane ls r\n", ("crane", ["ls", "r"])),
        ("nix build .#image\n", ("nix", ["build", ".#image"])),
    ],
)
def test_nix_runs_the_command_after_c(text: str, expected: tuple) -> None:
    from authlint.tools import unwrap

    name, args = unwrap(parse(text).commands[0])
    assert (name, [w.value for w in args]) == expected


def test_script_definitions_are_shared_and_exact(tmp_path: Path) -> None:
    """A script's assignments are made into definitions once per Script (the parse memo hands it
    to every job running its text), each keeping its classification, and CI/CD variables' once
    per value: each job still finds the origins a fresh parse and fresh definitions give."""
    from authlint.shell.flow import Definition, _origin
    from authlint.shell.parser import _parse

    for text, name, _ in ORIGINS:
        first, again = flow(text), flow(text)
        src = Source("x.sh", text)
        fresh = shell_flow(ShellUnit(_parse(text), src, FileMap(src)))
        assert kinds(first, name) == kinds(again, name) == kinds(fresh, name), text
        assert [d for ds in again.defs.values() for d in ds if d.level == "script"] == [
            d for ds in first.defs.values() for d in ds if d.level == "script"
        ]
    item = "    - AUTH=$(printf '%s:%s' \"$U\" \"$P\" | base64)\n    - X=$IMAGE\n    - echo $AUTH $X\n"
    yml = "".join(f"{job}:\n  variables:\n{v}  script:\n{item}" for job, v in (("a", "    IMAGE: one\n"), ("b", "    IMAGE: $CI_REGISTRY_IMAGE\n    U: me\n")))
    a, b = (job_flows(j)[0] for j in jobs(tmp_path, yml).values())
    assert a.units[0].script is b.units[0].script and a.defs["AUTH"][0] is b.defs["AUTH"][0]
    assert kinds(a, "X") == [("literal", "one")] and kinds(b, "X") == [("predefined", None)]
    for f in (a, b):
        for ds in f.defs.values():
            assert [f.origins(d.name) for d in ds] and all(
                _origin(Definition(d.name, d.word, d.raw, d.level, d.expand, d.commands)) == f.defs[d.name][i].__dict__["_origin"]
                for i, d in enumerate(ds) if "_origin" in d.__dict__
            )
