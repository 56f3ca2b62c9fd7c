"""Job facts (authlint.jobfacts) and the image edits (authlint.imagefix)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authlint.api import fix_paths
from authlint.diagnostics import Applicability
from authlint.engine import Linter
from authlint.fixes import splice
from authlint.imagefix import add_entrypoint
from authlint.jobfacts import (
    CONTAINERS,
    DOCKER,
    KANIKO,
    docker_version,
    facts,
    is_kaniko_debug_tag,
    is_registry_write,
    line_head,
    parse_image,
    path_key,
)
from authlint.settings import Settings
from authlint.shell.flow import job_flows
from authlint.source import Source
from authlint.yaml.model import YMap, YScalar, YSeq, load
from support.project import jobs

KANIKO_IMAGE = '  image:\n    name: gcr.io/kaniko-project/executor:debug\n    entrypoint: [""]\n'


def job_facts(tmp_path: Path, text: str, name: str = "build", files: dict[str, str] | None = None):
    return facts(jobs(tmp_path, text, files)[name])


# ------------------------------------------------------------------ tools
def test_kaniko_by_image_and_by_command(tmp_path: Path) -> None:
    f = job_facts(tmp_path, "build:\n" + KANIKO_IMAGE + "  script:\n    - /kaniko/executor --context . --destination r.example.com/a:1\n")
    assert f.kaniko and not f.kaniko_fork and f.families == {KANIKO}
    assert [r.cmd.basename for r in f.pushes] == ["executor"]
    g = job_facts(tmp_path / "b", "build:\n  image: alpine\n  script:\n    - executor --no-push --destination x\n")
    assert g.kaniko and not g.pushes and "kaniko" in g.tools


def test_fork_and_executor_login(tmp_path: Path) -> None:
    text = (
        "build:\n  image:\n    name: ghcr.io/osscontainertools/kaniko:v1.26.5-debug\n    entrypoint: ['']\n  script:\n"
        "    - echo \"$P\" | executor login r.example.com -u u --password-stdin\n    - executor -d r.example.com/a\n"
    )
    f = job_facts(tmp_path, text)
    assert f.kaniko_fork and f.kaniko_providers
    assert [r.cmd.basename for r in f.logins] == ["executor"]
    assert len(f.pushes) == 1


@pytest.mark.parametrize(
    "line,tool,pushes",
    [
        ("docker push r.example.com/a", "docker", True),
        ("docker image push r.example.com/a", "docker", True),
        ("docker buildx build --push -t r.example.com/a .", "docker", True),
        ("docker build -t a .", "docker", False),
        ("buildctl-daemonless.sh build --output type=image,name=r/a,push=true", "buildctl-daemonless.sh", True),
        ("buildah push r.example.com/a", "buildah", True),
        ("podman push r.example.com/a", "podman", True),
        ("sudo docker push r.example.com/a", "docker", True),
    ],
)
def test_push_detection(tmp_path: Path, line: str, tool: str, pushes: bool) -> None:
    f = job_facts(tmp_path, f"build:\n  image: docker:27\n  script:\n    - {line}\n")
    assert tool in f.tools
    assert bool(f.pushes) is pushes


def test_families(tmp_path: Path) -> None:
    f = job_facts(tmp_path, "build:\n  image: quay.io/buildah/stable\n  script:\n    - buildah push --authfile /tmp/a.json x\n    - crane copy a b\n")
    assert f.families == {CONTAINERS, DOCKER}
    assert [w.value for w in f.authfiles] == ["/tmp/a.json"]


# ------------------------------------------------------------------ writes and paths
def test_writes_with_expanded_paths(tmp_path: Path) -> None:
    text = (
        "build:\n  image: docker:27\n  script:\n    - mkdir -p ~/.docker\n"
        "    - echo \"$DOCKER_AUTH_CONFIG\" > $HOME/.docker/config.json\n"
        "    - printf '%s' \"$X\" | tee -a ${HOME}/.docker/auth.json\n"
        "    - cp \"$DOCKER_AUTH_CONFIG\" /kaniko/.docker/config.json\n"
        "    - |\n      cat <<EOF > \"$CI_PROJECT_DIR/.docker/config.json\"\n      {\"auths\": {}}\n      EOF\n"
    )
    f = job_facts(tmp_path, text)
    got = [(w.via, w.mode, f.write_path(w)) for w in f.writes]
    assert got == [
        ("redirect", "truncate", "/root/.docker/config.json"),
        ("tee", "append", "/root/.docker/auth.json"),
        ("cp", "truncate", "/kaniko/.docker/config.json"),
        ("redirect", "truncate", None),  # CI_PROJECT_DIR is not known
    ]
    assert all(is_registry_write(w) for w in f.writes)
    assert [w.template for _, w in f.mkdirs] == ["~/.docker"]
    assert f.made_dir_before("$HOME/.docker", f.writes[0].ref.position)
    assert not f.made_dir_before("/tmp/x", 99)


def test_app_config_is_not_a_registry_write(tmp_path: Path) -> None:
    f = job_facts(tmp_path, "build:\n  image: node:20\n  script:\n    - |\n      echo '{\"port\": 1}' > build/config.json\n")
    assert len(f.writes) == 1 and not is_registry_write(f.writes[0])


def test_env_from_variables_and_exports(tmp_path: Path) -> None:
    text = (
        "variables:\n  BASE: /srv\nbuild:\n" + KANIKO_IMAGE + "  variables:\n    DOCKER_CONFIG: $BASE/docker\n    OPAQUE: $CI_PROJECT_DIR/x\n"
        "  script:\n    - export REGISTRY_AUTH_FILE=/tmp/auth.json\n    - XDG_RUNTIME_DIR=/run/user/1000\n    - /kaniko/executor --destination r/a\n"
    )
    f = job_facts(tmp_path, text)
    assert f.env["DOCKER_CONFIG"] == "/srv/docker"
    assert "OPAQUE" not in f.env and f.env_raw["OPAQUE"] == "$CI_PROJECT_DIR/x"
    assert f.env["REGISTRY_AUTH_FILE"] == "/tmp/auth.json" and f.env["XDG_RUNTIME_DIR"] == "/run/user/1000"
    assert f.resolve("$DOCKER_CONFIG/config.json") == "/srv/docker/config.json"
    assert f.resolve("$OPAQUE/config.json") is None
    assert f.kaniko_config() == "/srv/docker/config.json"
    assert "/srv/docker/config.json" in (f.reads(KANIKO) or [])


def test_image_defaults_for_home(tmp_path: Path) -> None:
    assert job_facts(tmp_path / "a", "build:\n  image: moby/buildkit:rootless\n  script: [true]\n").home() == "/home/user"
    assert job_facts(tmp_path / "b", "build:\n  image: docker:27\n  script: [true]\n").home() == "/root"
    assert job_facts(tmp_path / "c", "build:\n  image: python:3.12\n  script: [true]\n").home() is None
    f = job_facts(tmp_path / "d", "build:\n" + KANIKO_IMAGE + "  script: [true]\n")
    assert f.resolve("$DOCKER_CONFIG/config.json") == "/kaniko/.docker/config.json"
    assert f.resolve("~/.docker/config.json") == "/root/.docker/config.json"


def test_reads_written(tmp_path: Path) -> None:
    text = "build:\n" + KANIKO_IMAGE + "  script:\n    - echo x > /root/.docker/config.json\n    - echo y > ${DOCKER_CONFIG}/config.json\n    - /kaniko/executor -d r/a\n"
    f = job_facts(tmp_path, text)
    assert [f.reads_written(w) for w in f.writes] == [False, True]
    g = job_facts(tmp_path / "p", "build:\n  image: python:3\n  script:\n    - echo x > /root/.docker/config.json\n    - echo x > ~/.docker/config.json\n    - docker push r/a\n")
    assert [g.reads_written(w) for w in g.writes] == [None, True]  # HOME unknown in python:3


def test_xtrace_positions(tmp_path: Path) -> None:
    unit = jobs(tmp_path, "build:\n  image: docker:27\n  script:\n    - set -ex\n    - docker login -u u -p \"$P\" r\n    - set +x\n    - docker push r/a\n")["build"]
    f, (flow, _) = facts(unit), job_flows(unit)
    assert flow.traced(f.logins[0]) and not flow.traced(f.pushes[0])


def test_called_scripts_and_opaque_commands(tmp_path: Path) -> None:
    text = "build:\n  image: docker:27\n  before_script:\n    - source ci/env.sh\n  script:\n    - ./ci/login.sh\n    - . ci/missing.sh\n    - docker push r/a\n"
    files = {"ci/login.sh": "#!/bin/sh\ndocker login -u u --password-stdin r <<EOF\n$P\nEOF\n", "ci/env.sh": "export DOCKER_CONFIG=/tmp/d\n"}
    f = job_facts(tmp_path, text, files=files)
    assert [r.cmd.raw for r in f.opaque] == [". ci/missing.sh"]
    assert len(f.logins) == 1 and f.logins[0].unit.called_from is not None
    assert f.env["DOCKER_CONFIG"] == "/tmp/d"


def test_facts_of_jobs_running_one_script_name_their_own_commands(tmp_path: Path) -> None:
    """What _build reads of a command is kept on it, and the parse memo hands the same
    commands to every job running the same script text: each job's facts still name its own."""
    script = (
        "  script:\n    - export DOCKER_CONFIG=/tmp/d\n    - mkdir -p /tmp/d\n    - registry_login\n    - make\n"
        "    - echo \"$A\" > /tmp/d/config.json\n    - docker --config /tmp/d login -u u --password-stdin r < p\n"
        "    - docker push --creds u:p r/a\n    - unset DOCKER_CONFIG\n"
    )
    units = jobs(tmp_path, "a:\n  image: docker:27\n" + script + "b:\n  image: docker:26\n" + script)
    fa, fb = facts(units["a"]), facts(units["b"])
    assert units["a"].commands[0].cmd is units["b"].commands[0].cmd
    for unit, f in ((units["a"], fa), (units["b"], fb)):
        refs = [*f.logins, *f.pushes, *f.opaque, *f.hidden_logins, *f.inline_creds, *(r for r, _ in f.mkdirs + f.unsets), *(w.ref for w in f.writes)]
        assert refs and all(r.job is unit for r in refs)
        assert [r.cmd.basename for r in f.opaque] == ["make"] and [v for _, v in f.unsets] == ["DOCKER_CONFIG"]
        assert [w.value for w in f.config_dirs] == ["/tmp/d"] and f.env["DOCKER_CONFIG"] == "/tmp/d"
        assert (len(f.logins), len(f.pushes), len(f.hidden_logins), len(f.writes), len(f.mkdirs)) == (1, 1, 1, 1, 1)


@given(st.text(alphabet="$AB{}:-_~/x", max_size=16), st.dictionaries(st.sampled_from(["A", "B", "HOME", "A_"]), st.sampled_from(["", "v", "/h"])))
@settings(max_examples=400, deadline=None)
def test_expand_is_the_substitution_of_every_variable(text: str, env: dict[str, str]) -> None:
    """writes.expand stops at the first unknown variable: it gives what substituting each does."""
    import re

    from authlint.writes import _VAR, expand

    t = text
    if t.startswith("~/") or t == "~":
        if "HOME" not in env:
            assert expand(text, env) is None
            return
        t = env["HOME"] + t[1:]
    unknown = []

    def sub(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(3)
        if name in env and (env[name] or m.group(2) is None):
            return env[name]
        if m.group(2) is not None:
            return m.group(2)
        unknown.append(name)
        return m.group(0)

    slow = _VAR.sub(sub, t)
    assert expand(text, env) == (None if unknown else slow)


def test_hidden_logins(tmp_path: Path) -> None:
    text = "build:\n  image: docker:27\n  script:\n    - registry_login\n    - $(aws ecr get-login --no-include-email)\n    - gcloud auth configure-docker\n    - docker push r/a\n"
    f = job_facts(tmp_path, text)
    # registry_login, the `$(...)` command and the `aws ecr get-login` inside it, gcloud
    assert len(f.hidden_logins) == 4


def test_template_through_extends_and_reference(tmp_path: Path) -> None:
    text = (
        "include: ci/t.yml\nbuild:\n  extends: .kaniko\n  script:\n    - !reference [.auth, script]\n    - /kaniko/executor -d r/a\n"
    )
    files = {"ci/t.yml": ".kaniko:\n" + KANIKO_IMAGE + ".auth:\n  script:\n    - echo \"$A\" > /kaniko/.docker/config.json\n"}
    f = job_facts(tmp_path, text, files=files)
    assert f.kaniko and len(f.writes) == 1 and f.reads_written(f.writes[0]) is True


# ------------------------------------------------------------------ small parsers
@pytest.mark.parametrize(
    "tag,version",
    [("27", (27, 99)), ("24.0.7-dind", (24, 0)), ("28.3", (28, 3)), ("28.2.2-cli", (28, 2)), ("28", (28, 99)),
     (None, (99, 0)), ("latest", (99, 0)), ("dind", (99, 0)), ("stable", (19, 3)), ("$V", None)],
)
def test_docker_version(tag, version) -> None:
    assert docker_version(tag) == version


def test_parse_image_and_tags() -> None:
    r = parse_image("registry.example.com:5000/team/app:1.2@sha256:abc")
    assert (r.host, r.path, r.tag, r.digest) == ("registry.example.com:5000", "team/app", "1.2", "sha256:abc")
    assert parse_image("docker:27-dind").host is None and parse_image("docker:27-dind").tag == "27-dind"
    assert parse_image("$CI_REGISTRY_IMAGE/ci:1").host == "$CI_REGISTRY_IMAGE"
    assert all(is_kaniko_debug_tag(t) for t in ("debug", "v1.23.2-debug", "debug-v1.3.0", "latest-dev"))
    assert not any(is_kaniko_debug_tag(t) for t in ("v1.23.2", "latest", None))
    assert path_key("~/.docker/") == "$HOME/.docker" and path_key("${HOME}//.docker") == "$HOME/.docker"


def test_line_head(tmp_path: Path) -> None:
    text = (
        "build:\n  image: docker:27\n  script:\n    - |\n      test -n \"$A\" && echo \"$A\" | tee ~/.docker/config.json\n"
        "      docker build . \\\n        && docker push r/a\n"
    )
    unit = jobs(tmp_path, text)["build"]
    f = facts(unit)
    head = line_head(f.writes[0].ref)
    assert head is not None and head.cmd.basename == "test"
    assert line_head(f.pushes[0]) is None  # continues the line above


# ------------------------------------------------------------------ imagefix
def _image(text: str, job: str = "build"):
    yf = load(Source(".gitlab-ci.yml", text))
    root = yf.root
    assert isinstance(root, YMap)
    jm = root.get(job)
    assert isinstance(jm, YMap)
    return yf, jm.key_node("image"), jm.get("image")


def _apply(text: str, step: int | None = None) -> str:
    yf, key, value = _image(text)
    edits, reason = add_entrypoint(key, value, step)
    assert edits, reason
    out = splice(text, edits)
    doc = load(Source(".gitlab-ci.yml", out)).root
    image = doc.get("build").get("image")  # type: ignore[union-attr]
    assert isinstance(image, YMap)
    ep = image.get("entrypoint")
    assert isinstance(ep, YSeq) and [i.value for i in ep.items] == [""]  # type: ignore[union-attr]
    name = image.get("name")
    assert isinstance(name, YScalar) and "kaniko" in name.value
    return out


def test_imagefix_scalar_to_block_mapping() -> None:
    text = "build:\n  image: gcr.io/kaniko-project/executor:debug\n  script: [x]\n"
    assert _apply(text, 2) == 'build:\n  image:\n    name: gcr.io/kaniko-project/executor:debug\n    entrypoint: [""]\n  script: [x]\n'


def test_imagefix_crlf_quoted_comment_and_indent() -> None:
    text = "build:\r\n    image: 'gcr.io/kaniko-project/executor:debug'   # keep\r\n    script: [x]\r\n"
    assert _apply(text, 4) == (
        "build:\r\n    image:\r\n        name: 'gcr.io/kaniko-project/executor:debug'   # keep\r\n"
        '        entrypoint: [""]\r\n    script: [x]\r\n'
    )


def test_imagefix_last_line_without_newline() -> None:
    text = "build:\n  script: [x]\n  image: gcr.io/kaniko-project/executor:debug"
    assert _apply(text, 2).endswith('image:\n    name: gcr.io/kaniko-project/executor:debug\n    entrypoint: [""]')


def test_imagefix_flow_mapping() -> None:
    text = "build:\n  image: { name: gcr.io/kaniko-project/executor:debug }\n  script: [x]\n"
    assert _apply(text) == 'build:\n  image: { name: gcr.io/kaniko-project/executor:debug, entrypoint: [""] }\n  script: [x]\n'


def test_imagefix_block_mapping_add_and_replace() -> None:
    text = "build:\r\n  image:\r\n      name: gcr.io/kaniko-project/executor:debug  # c\r\n      pull_policy: always\r\n  script: [x]\r\n"
    assert _apply(text) == (
        "build:\r\n  image:\r\n      name: gcr.io/kaniko-project/executor:debug  # c\r\n      entrypoint: [\"\"]\r\n"
        "      pull_policy: always\r\n  script: [x]\r\n"
    )
    text = "build:\n  image:\n    name: gcr.io/kaniko-project/executor:debug\n    entrypoint:\n      - /kaniko/executor\n  script: [x]\n"
    assert _apply(text) == 'build:\n  image:\n    name: gcr.io/kaniko-project/executor:debug\n    entrypoint: [""]\n  script: [x]\n'
    text = "build:\n  image:\n    name: gcr.io/kaniko-project/executor:debug\n    entrypoint: '/kaniko/executor'\n  script: [x]\n"
    assert _apply(text) == 'build:\n  image:\n    name: gcr.io/kaniko-project/executor:debug\n    entrypoint: [""]\n  script: [x]\n'


def test_imagefix_refuses_alias_and_shared_line() -> None:
    text = "x: &img gcr.io/kaniko-project/executor:debug\nbuild:\n  image: *img\n  script: [x]\n"
    _, key, value = _image(text)
    edits, reason = add_entrypoint(key, value)
    assert not edits and reason
    text = "build: {image: gcr.io/kaniko-project/executor:debug, script: [x]}\n"
    _, key, value = _image(text)
    edits, reason = add_entrypoint(key, value)
    assert not edits and "shares its line" in (reason or "")


# ------------------------------------------------------------------ fixes end to end
def _fix(tmp_path: Path, text: str, code: str, files: dict[str, str] | None = None):
    jobs(tmp_path, text, files)  # writes the project
    os.chdir(tmp_path)  # fix_paths keys its overlays by display path (relative to the cwd)
    settings = Settings(select=(code,), project_dir=str(tmp_path), unsafe_fixes=True)
    res = fix_paths([tmp_path], settings, unsafe=True, write=False)
    return res


def test_al201_fix_keeps_crlf(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = "build:\r\n  image: docker:27\r\n  script:\r\n    - docker push \"$CI_REGISTRY_IMAGE\"\r\n"
    res = _fix(tmp_path, text, "AL201")
    (old, new), = res.changed.values()
    assert new.startswith("build:\r\n  image: docker:27\r\n  script:\r\n    - mkdir -p \"$HOME/.docker\"\r\n    - if [ -f ")
    assert "\n" not in new.replace("\r\n", "")
    assert not [f for f in res.result.findings if f.code == "AL201"]


def test_al203_and_al204_fixes_agree(tmp_path: Path, monkeypatch) -> None:
    """AL203 moves the write to Kaniko's file; AL204 adds no mkdir for the old place."""
    monkeypatch.chdir(tmp_path)
    text = "build:\n" + KANIKO_IMAGE + "  script:\n    - echo \"$DOCKER_AUTH_CONFIG\" > /root/.docker/config.json\n    - /kaniko/executor -d \"$CI_REGISTRY_IMAGE\"\n"
    jobs(tmp_path, text)
    settings = Settings(select=("AL203", "AL204"), project_dir=str(tmp_path), unsafe_fixes=True)
    res = fix_paths([tmp_path], settings, unsafe=True, write=False)
    (_, new), = res.changed.values()
    assert new == text.replace("/root/.docker/config.json", "/kaniko/.docker/config.json")
    assert not res.result.findings


def test_al203_in_a_called_script_is_display_only(tmp_path: Path) -> None:
    text = "build:\n" + KANIKO_IMAGE + "  script:\n    - sh ci/auth.sh\n    - /kaniko/executor -d \"$CI_REGISTRY_IMAGE\"\n"
    files = {"ci/auth.sh": "#!/bin/sh\necho \"$DOCKER_AUTH_CONFIG\" > /root/.docker/config.json\n"}
    jobs(tmp_path, text, files)
    result = Linter(Settings(select=("AL203",), project_dir=str(tmp_path))).lint_paths([tmp_path])
    (finding,) = [f for f in result.findings if f.code == "AL203"]
    assert finding.path.endswith("ci/auth.sh")
    assert finding.fix is not None and finding.fix.applicability == Applicability.DISPLAY_ONLY
    assert "script" in (finding.fix.reason or "")


def test_al204_shared_template_is_display_only(tmp_path: Path) -> None:
    text = (
        ".auth:\n  before_script:\n    - echo \"$A\" > ~/.docker/config.json\n"
        "a:\n  extends: .auth\n  image: docker:27\n  script: [docker push r/a]\n"
        "b:\n  extends: .auth\n  image: docker:27\n  script: [docker push r/b]\n"
    )
    jobs(tmp_path, text)
    result = Linter(Settings(select=("AL204",), project_dir=str(tmp_path))).lint_paths([tmp_path])
    (finding,) = [f for f in result.findings if f.code == "AL204"]
    assert finding.fix is not None and finding.fix.applicability == Applicability.DISPLAY_ONLY


def test_docker_global_options(tmp_path: Path) -> None:
    f = job_facts(tmp_path, "build:\n  image: docker:27\n  script:\n    - docker --config /tmp/d push r.example.com/a\n")
    assert len(f.pushes) == 1 and [w.value for w in f.config_dirs] == ["/tmp/d"]
    assert "/tmp/d/config.json" in (f.read_templates(DOCKER) or [])
    g = job_facts(tmp_path / "g", "build:\n  image: docker:27\n  script:\n    - docker --config /tmp/d login -u u --password-stdin r <<< \"$P\"\n")
    assert len(g.logins) == 1


def test_activity_and_job_image_agree_with_the_facts(tmp_path: Path) -> None:
    """Rules ask activity(unit), job_image(unit), job_image_ref(unit) and job_dind(unit) before
    building the facts: on every job of
    the corpus and of the benchmark's generated projects they say what the facts say."""
    import importlib.util
    import shutil

    from authlint.engine import _Run
    from authlint.jobfacts import activity, job_cli_version, job_dind, job_image, job_image_ref
    from support.corpus import require_corpus

    spec = importlib.util.spec_from_file_location("gen_projects", Path(__file__).resolve().parents[1] / "bench" / "gen_projects.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)  # type: ignore[union-attr]
    gen.generate(tmp_path / "gen", 40)
    roots = sorted((tmp_path / "gen").glob("*/.gitlab-ci.yml"))
    for i, path in enumerate(sorted((require_corpus() / "real-world").glob("*.y*ml"))):
        (tmp_path / "corpus" / str(i)).mkdir(parents=True)
        roots.append(Path(shutil.copy(path, tmp_path / "corpus" / str(i) / ".gitlab-ci.yml")))
    seen = {"pushes": 0, "writes": 0, "logins": 0, "docker": 0, "quiet": 0, "variable image": 0, "dind": 0}
    for root in roots:
        run = _Run(Linter(Settings(project_dir=str(root.parent))))
        pipeline = run._load_pipeline(root, root.parent)
        for job in pipeline.jobs.values() if pipeline is not None else []:
            unit = run._job_unit(job, pipeline, root.parent)
            if unit.shell != "sh":
                continue
            a, image, f = activity(unit), job_image(unit), facts(unit)
            assert (a.writes, a.logins, "docker" in a.tools, image) == (bool(f.writes), bool(f.logins), "docker" in f.tools, f.image_expanded), job.name
            assert a.pushes or not f.pushes, job.name
            assert job_cli_version(unit) == f.docker_cli_version(), job.name
            ref, fref = job_image_ref(unit), f.image_ref
            assert (ref.text, ref.host, ref.path, ref.tag, ref.digest) == (fref.text, fref.host, fref.path, fref.tag, fref.digest) if fref else ref is None, job.name
            assert job_dind(unit) == f.dind, job.name
            seen["dind"] += f.dind
            seen["pushes"] += a.pushes
            seen["writes"] += a.writes
            seen["logins"] += a.logins
            seen["docker"] += "docker" in a.tools
            seen["quiet"] += not (a.pushes or a.writes or a.tools)
            seen["variable image"] += "$" in (f.image or "")
    assert min(seen.values()) >= 10, seen
