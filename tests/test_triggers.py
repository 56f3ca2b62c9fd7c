"""Triggers and job tests drop no finding: rule examples placed where the dispatch differs
(after other commands, in before_script and after_script, in a script both shells call,
behind `sudo`, named by a variable) give the same findings with triggers as when every
rule is called on every command and job, and an INVALID example still fires."""

from __future__ import annotations

import itertools
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authlint import rules as registry
from authlint import triggers
from authlint.engine import Linter
from authlint.settings import Settings

_TRIGGERED = [m for m in registry.all_modules() if hasattr(m, "TRIGGERS")]
_SH_INVALID = [(m, ex) for m in _TRIGGERED for ex in m.INVALID if ex.kind == "sh" and not ex.files]
_HARMLESS = ["true", "echo hello", "date", "ls -la", 'echo "building $CI_COMMIT_SHA"', "export LANG=C.UTF-8"]


def _items(text: str) -> str:
    return "    - |\n" + "".join(f"      {line}\n" for line in text.splitlines())


def _placements(text: str, prefix: list[str]) -> dict[str, dict[str, str]]:
    """Project files (path -> text) that run the script text in different places."""
    before = "".join(_items(p) for p in prefix)
    return {
        "script": {".gitlab-ci.yml": f"job:\n  script:\n{before}{_items(text)}"},
        "before": {".gitlab-ci.yml": f"job:\n  before_script:\n{before}{_items(text)}\n  script:\n    - make\n"},
        "after": {".gitlab-ci.yml": f"job:\n  script:\n{before or _items('true')}  after_script:\n{_items(text)}"},
        "template": {".gitlab-ci.yml": f".base:\n  script:\n{before}{_items(text)}\njob:\n  extends: .base\n"},
        "called": {  # the same script run by both shells of the job, and twice by one
            ".gitlab-ci.yml": f"job:\n  before_script:\n{before}    - sh ci/step.sh\n  script:\n    - ./ci/step.sh\n"
            "  after_script:\n    - bash ci/step.sh\n",
            "ci/step.sh": text,
        },
        "file": {"ci/step.sh": "#!/bin/sh\n" + "\n".join(prefix) + ("\n" if prefix else "") + text},
    }


def _lint(root: Path, monkeypatch, use_triggers: bool):
    monkeypatch.chdir(root)
    monkeypatch.setenv("AUTHLINT_JOBS", "1")
    monkeypatch.setattr(triggers, "ENABLED", use_triggers)
    return Linter(Settings(project_dir=str(root), select=("ALL",))).lint_paths([root])


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, body in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(body, encoding="utf-8", newline="")
    (root / ".git").mkdir(exist_ok=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    example=st.sampled_from(_SH_INVALID),
    prefix=st.lists(st.sampled_from(_HARMLESS), max_size=3),
    wrap=st.sampled_from(["", "sudo "]),
)
def test_invalid_examples_fire_wherever_they_run_with_or_without_triggers(tmp_path_factory, monkeypatch, example, prefix, wrap) -> None:
    module, ex = example
    text = ex.text
    if wrap and text.split()[0] in ("docker", "kubectl", "podman", "buildah", "skopeo"):
        text = wrap + text  # the program behind a wrapper
    root = tmp_path_factory.mktemp("p")
    for name, files in _placements(text, prefix).items():
        _write(root / name, files)
    with_triggers = _lint(root, monkeypatch, True)
    every_rule = _lint(root, monkeypatch, False)
    assert with_triggers.findings == every_rule.findings
    fired = {f.path.split("/")[0] for f in with_triggers.findings if f.code == module.RULE.code}
    assert "script" in fired or "file" in fired, (module.RULE.code, text)


def test_first_command_and_dynamic_program_triggers(tmp_path: Path, monkeypatch) -> None:
    """AL405 reads a script's assignments at its first command, AL402 walks a shell from its
    first command, AL505 resolves `$KUBECTL`; AL502's check_job needs CI_REGISTRY_USER/PASSWORD."""
    build = 'CMD="/kaniko/executor --context . --build-arg NPM_TOKEN=${NPM_TOKEN} --destination=r.example.com/a"\n$CMD\n'
    trace = 'set -x\ndocker login -u deploy -p "$REGISTRY_PASSWORD" r.example.com\n'
    pull = "$KUBECTL create secret docker-registry regcred --docker-password=$CI_JOB_TOKEN\n"
    texts = [build, trace, "sudo " + pull.replace("$KUBECTL", "kubectl"), pull]
    for i, (text, prefix) in enumerate(itertools.product(texts, ([], ["echo hello", "true"]))):
        for name, files in _placements(text, prefix).items():
            files = dict(files)
            if ".gitlab-ci.yml" in files:
                files[".gitlab-ci.yml"] = "variables:\n  KUBECTL: kubectl\n" + files[".gitlab-ci.yml"]
            _write(tmp_path / f"{i}-{name}", files)
    _write(tmp_path / "hub", {".gitlab-ci.yml": (
        "variables:\n  CI_REGISTRY: docker.io\njob:\n  variables:\n    CI_REGISTRY_USER: me\n    CI_REGISTRY_PASSWORD: $HUB_TOKEN\n"
        "  script:\n    - echo \"$CI_REGISTRY_PASSWORD\" | docker login -u \"$CI_REGISTRY_USER\" --password-stdin \"$CI_REGISTRY\"\n")})
    with_triggers = _lint(tmp_path, monkeypatch, True)
    every_rule = _lint(tmp_path, monkeypatch, False)
    assert with_triggers.findings == every_rule.findings
    codes = {f.code for f in with_triggers.findings}
    assert {"AL402", "AL405", "AL502", "AL505"} <= codes
    assert any(f.code == "AL405" and f.path.endswith("step.sh") for f in with_triggers.findings)
    assert any(f.code == "AL502" and f.path.startswith("hub") and "replaces GitLab's" in f.message for f in with_triggers.findings)


def test_al210_job_test_sees_every_definition_of_docker_auth_config(tmp_path: Path, monkeypatch) -> None:
    """AL210 is called on a job where DOCKER_AUTH_CONFIG is named in the pipeline's files or the
    job's scripts, or defined where the text does not spell it (an escaped YAML key, a quoted
    declare word): exactly where its facts could find it set."""
    login = '    - docker login -u "$U" -p "$P" registry.example.com\n    - docker push registry.example.com/app\n'
    job = "release:\n  image: docker:29\n"
    variants = {
        "yaml": job + "  variables:\n    DOCKER_AUTH_CONFIG: $PULL\n  script:\n" + login,
        "escaped-key": job + '  variables:\n    "DOCKER_AUTH\\x5fCONFIG": $PULL\n  script:\n' + login,
        "declare": job + "  script:\n    - declare -x \"DOCKER_AUTH\"\"_CONFIG={}\"\n" + login,
        "export": job + "  script:\n    - export DOCKER_AUTH''_CONFIG=x\n" + login,
        "rules": job + "  rules:\n    - if: $CI\n      variables:\n        \"DOCKER\\x5fAUTH_CONFIG\": $PULL\n  script:\n" + login,
        "included": "include: ci/vars.yml\n" + job + "  script:\n" + login,
        "called": job + "  script:\n    - ./ci/env.sh\n" + login,
        "none": job + "  script:\n" + login,
    }
    for name, text in variants.items():
        _write(tmp_path / name, {".gitlab-ci.yml": text, "ci/vars.yml": "variables:\n  DOCKER_AUTH_CONFIG: $PULL\n",
                                 "ci/env.sh": "#!/bin/sh\nexport DOCKER_AUTH_CONFIG=\"$PULL\"\n"})
    with_triggers = _lint(tmp_path, monkeypatch, True)
    every_rule = _lint(tmp_path, monkeypatch, False)
    assert with_triggers.findings == every_rule.findings
    fired = {f.path.split("/")[0] for f in with_triggers.findings if f.code == "AL210"}
    assert fired >= {"yaml", "escaped-key", "declare", "rules", "included"} and "none" not in fired


def test_a_command_met_again_gets_the_rules_of_a_fresh_parse() -> None:
    """A command keeps its trigger text (the parse memo hands the same commands to every job and
    project running its text): asked again, it picks the rules a fresh parse of its text picks."""
    from authlint.shell.parser import _parse, parse

    calls = Linter(Settings(select=("ALL",))).command_rules.calls
    for text in [ex.text for _, ex in _SH_INVALID] + _HARMLESS + ["sudo docker login -u u -p \"$P\" r", "{ echo x; } > a.json"]:
        memo = triggers.CommandRules(calls)
        first = [memo.for_command(c, i == 0) for i, c in enumerate(parse(text).commands)]
        again = [memo.for_command(c, i == 0) for i, c in enumerate(parse(text).commands)]
        fresh = [triggers.CommandRules(calls).for_command(c, i == 0) for i, c in enumerate(_parse(text).commands)]
        assert first == again == fresh, text


def test_a_command_test_skips_the_call_where_it_fails() -> None:
    """A rule's command test drops its call on a command where it is empty, not where the rule
    reads the script's first command; a test that raises leaves the call (which raises it again)."""
    from types import ModuleType, SimpleNamespace

    from authlint.rules.base import Triggers
    from authlint.shell.parser import parse

    def has_args(cmd) -> list:
        return list(cmd.args)

    def broken(cmd) -> bool:
        raise ValueError("a rule bug")

    def rule(code: str, **kw) -> tuple:
        module = ModuleType(code)
        module.RULE, module.TRIGGERS = SimpleNamespace(code=code), Triggers(**kw)  # type: ignore[attr-defined]
        return (module, None, None)

    gated, first, raising = rule("X1", words=("e",), command=has_args), rule("X2", first=True, command=has_args), rule("X3", words=("e",), command=broken)
    rules = triggers.CommandRules([gated, first, raising])
    bare, given = parse("env\necho hello\n").commands
    assert rules.for_command(bare) == [gated, raising] and rules.for_command(given) == [gated, raising]
    rules = triggers.CommandRules([gated, first])
    assert rules.for_command(bare) == [] and rules.for_command(given) == [gated]
    assert rules.for_command(bare, first=True) == [first] and rules.for_command(given, first=True) == [gated, first]


_DOCUMENT_RULES = [m for m in registry.all_modules() if getattr(getattr(m, "TRIGGERS", None), "document", False)]


def test_document_rules_skipped_where_they_found_nothing_give_every_finding(tmp_path: Path, monkeypatch) -> None:
    """check_auth of a rule that reads the document alone is skipped on a document it found
    nothing on before: every auth example of those rules, run twice (two jobs, two projects),
    and the same texts met again as another origin, variable, printf format or file name, give
    the findings of calling every rule on every document."""
    assert len(_DOCUMENT_RULES) >= 9
    snippets = {'{"auths":{"$CI_REGISTRY":{"auth":"$AUTH"}}}', '{"auths":{"r.example.com":{"auth":"ZGVwbG95Omh1bnRlcjI="}}}',
                '{"auths":{"r.example.com":{"username":"%s","password":"%s"}}}', '{"credsStore":"../x"}',
                '{"credsStore":"../x"}\\n',  # breaks the JSON, except as a printf format (a line break then)
                '{"r.example.com":{"auth":"ZGVwbG95Omh1bnRlcjI="}}'}
    for m in _DOCUMENT_RULES:
        for ex in m.VALID + m.INVALID:
            if ex.kind == "json":
                snippets.add(ex.text.strip())
            elif ex.kind == "sh" and not ex.files:
                for n in (1, 2):
                    _write(tmp_path / f"{m.RULE.code}-{n}-{len(snippets)}", {".gitlab-ci.yml": f"a:\n  script:\n{_items(ex.text)}b:\n  script:\n{_items(ex.text)}"})
            elif ex.kind == "yaml" and not ex.files:
                _write(tmp_path / f"{m.RULE.code}-y-{len(snippets)}", {".gitlab-ci.yml": ex.text})
    for i, text in enumerate(sorted(snippets)):
        quoted = "'" + text.replace("'", "'\\''") + "'"
        yaml_value = "'" + text.replace("'", "''") + "'"
        for n in (1, 2):
            _write(tmp_path / f"s{i}-{n}", {
                ".gitlab-ci.yml": f"variables:\n  DOCKER_AUTH_CONFIG: {yaml_value}\n  OTHER: {yaml_value}\n"
                f"a:\n  script:\n    - echo {quoted} > /kaniko/.docker/config.json\n"
                f"    - printf {quoted} u p > /kaniko/.docker/config.json\n",
                "config.json": text, ".dockercfg": text, "auth.json": text + "\n",
            })
    with_triggers = _lint(tmp_path, monkeypatch, True)
    every_rule = _lint(tmp_path, monkeypatch, False)
    assert with_triggers.findings == every_rule.findings
    assert {m.RULE.code for m in _DOCUMENT_RULES} <= {f.code for f in with_triggers.findings}


def test_a_document_rule_is_called_again_where_it_found_something() -> None:
    from types import ModuleType, SimpleNamespace

    from authlint.authjson import parse_json
    from authlint.rules.base import Triggers
    from authlint.source import Source
    from authlint.textmap import FileMap
    from authlint.units import AuthDoc

    def rule(code: str, **kw) -> tuple:
        module = ModuleType(code)
        module.RULE, module.TRIGGERS = SimpleNamespace(code=code), Triggers(**kw)  # type: ignore[attr-defined]
        return (module, None, None)

    alone, context = rule("X1", document=True), rule("X2")
    rules = triggers.AuthRules([alone, context])
    assert rules.alone == {alone[0]}
    text = '{"auths": {}}'

    def doc(origin: str, path: str = "a/config.json") -> AuthDoc:
        return AuthDoc(text, [], parse_json(text), FileMap(Source(path, text)), origin)

    quiet = rules.quiet_on(doc("shell"), doc("shell"))
    assert quiet == set()
    quiet.add(alone[0])
    assert rules.quiet_on(doc("shell"), doc("shell")) == {alone[0]}  # the same document, elsewhere
    assert rules.quiet_on(doc("yaml"), doc("yaml")) == set()  # another origin
    assert rules.quiet_on(doc("file"), doc("file")) == set() and rules.quiet_on(doc("file", "b/config.json"), doc("file")) == set()
    printf = doc("shell")
    assert rules.quiet_on(doc("shell"), AuthDoc(text + " ", [], parse_json(text), printf.tmap, "shell")) == set()


def test_a_document_test_is_asked_once_per_document_and_skips_the_rule_where_it_fails() -> None:
    from types import ModuleType, SimpleNamespace

    from authlint.authjson import parse_json
    from authlint.rules.base import Triggers
    from authlint.source import Source
    from authlint.textmap import FileMap
    from authlint.units import AuthDoc

    asked: list[str] = []

    def has_password(doc: AuthDoc) -> bool:
        asked.append(doc.text)
        return "password" in doc.text

    module = ModuleType("X3")
    module.RULE, module.TRIGGERS = SimpleNamespace(code="X3"), Triggers(document=has_password)  # type: ignore[attr-defined]
    rules = triggers.AuthRules([(module, None, None)])
    assert rules.alone == set() and rules.tests == [(module, has_password)]

    def doc(text: str) -> AuthDoc:
        return AuthDoc(text, [], parse_json(text), FileMap(Source("a/config.json", text)), "shell")

    bare, given = '{"auths": {}}', '{"auths": {"r": {"username": "u", "password": "$P"}}}'
    assert rules.quiet_on(doc(bare), doc(bare)) == {module} and rules.quiet_on(doc(given), doc(given)) == set()
    assert rules.quiet_on(doc(bare), doc(bare)) == {module} and asked == [bare, given]
