"""The shell data-flow model (authlint.shell.flow), one table per construct."""

from __future__ import annotations

from pathlib import Path

import pytest

from authlint.shell import parse
from authlint.jobfacts import CONTAINERS, facts
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
