"""The machine formats: SARIF, GitLab Code Quality, JUnit and GitHub workflow
commands, run through the CLI in-process and checked against the JSON output."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from authlint.cli import main
from authlint.reporters import FORMATS, Report, fingerprints, get
from support.files import write

DATA = Path(__file__).parent / "data"
DOCS = Path(__file__).parents[1] / "docs" / "rules"

PASSWORD = "hunter2-s3cret-P4ss"
TOKEN = "glpat-Zq3xW8vN2mK5pR7tY1uB"
AUTH = "ZGVwbG95Omh1bnRlcjItczNjcmV0LVA0c3M="  # base64 of deploy:hunter2-s3cret-P4ss
SECRETS = (PASSWORD, TOKEN, AUTH, "deploy:" + PASSWORD)

PIPELINE = f"""\
variables:
  GL_TOKEN: {TOKEN}
build:
  image: docker:27
  script:
    - docker login -u deploy -p {PASSWORD} registry.example.com
    - echo '{{"auths":{{"registry.example.com":{{"auth":"{AUTH}"}}}}}}' > /kaniko/.docker/config.json
    - mkdir -p /kaniko/.docker && echo "😀 é" $DOCKER_AUTH_CONFIG > /kaniko/.docker/config.json
"""
WEIRD = "ci/we,ird:name.sh"  # `,` and `:` must be escaped in GitHub properties
FILES = {
    ".gitlab-ci.yml": PIPELINE,
    "ci/clean.sh": "#!/bin/sh\necho hello\n",
    WEIRD: '#!/bin/sh\necho $CI_REGISTRY_PASSWORD | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"\n',
}
CLEAN = {".gitlab-ci.yml": "build:\n  image: alpine:3\n  script:\n    - echo hello\n"}
MACHINE = ("sarif", "gitlab", "junit", "github")


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, FILES)
    return tmp_path


@pytest.fixture
def clean(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, CLEAN)
    return tmp_path


def run(capsys, fmt: str, *args: str) -> tuple[int, str]:
    code = main(["check", "--no-cache", "--output-format", fmt, *args])
    out, _ = capsys.readouterr()
    return code, out


def json_findings(capsys) -> list[dict]:
    return json.loads(run(capsys, "json")[1])["findings"]


def utf16_column(path: str, line: int, column: int) -> int:
    """A 1-based character column turned into SARIF's 1-based UTF-16 column, computed here on its own."""
    text = Path(path).read_text(encoding="utf-8").split("\n")[line - 1]
    return len(text[: column - 1].encode("utf-16-le")) // 2 + 1


def sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    jsonschema.Draft4Validator.check_schema(schema)
    checker = jsonschema.FormatChecker()
    assert {"uri", "uri-reference"} <= set(checker.checkers), "install authlint[test] (rfc3986-validator) to check URI formats"
    return jsonschema.Draft4Validator(schema, format_checker=checker)


def validate_sarif(doc: dict) -> None:
    errors = sorted(sarif_validator().iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


GITHUB_LINE = re.compile(r"^::(error|warning|notice) ([^:]*)::(.*)$")


def parse_github(out: str) -> list[tuple[str, dict[str, str], str]]:
    def unescape(s: str) -> str:
        return s.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")

    parsed = []
    for line in out.splitlines():
        m = GITHUB_LINE.match(line)
        assert m, line
        props = dict(p.split("=", 1) for p in m.group(2).split(","))
        parsed.append((m.group(1), {k: unescape(v) for k, v in props.items()}, unescape(m.group(3))))
    return parsed


# ---------------------------------------------------------------- wiring


def test_formats_are_registered() -> None:
    assert set(MACHINE) <= set(FORMATS)
    for fmt in FORMATS:
        assert callable(get(fmt))
    with pytest.raises(KeyError):
        get("xml")


@pytest.mark.parametrize("fmt", MACHINE)
def test_exit_code_and_no_secret_in_any_output(project, capsys, fmt) -> None:
    # --no-cache, then twice through the cache (a cold and a warm run).
    for args in (("--no-cache",), (), ()):
        code = main(["check", "--output-format", fmt, *args])
        out, _ = capsys.readouterr()
        assert code == 1 and out
        for secret in SECRETS:
            assert secret not in out, f"{secret!r} leaked into {fmt} {args}"
        assert "[redacted]" in out  # the redacted form is what is shown


def test_secrets_also_absent_after_fix(project, capsys) -> None:
    for fmt in MACHINE:
        code = main(["fix", "--no-cache", "--output-format", fmt])
        out, _ = capsys.readouterr()
        assert code == 1
        assert not any(s in out for s in SECRETS), fmt


# ---------------------------------------------------------------- SARIF


def test_sarif_is_valid_and_matches_json(project, capsys) -> None:
    from authlint import __version__

    findings = json_findings(capsys)
    code, out = run(capsys, "sarif")
    doc = json.loads(out)
    validate_sarif(doc)
    assert doc["version"] == "2.1.0"
    (run_,) = doc["runs"]
    assert run_["columnKind"] == "utf16CodeUnits"
    driver = run_["tool"]["driver"]
    assert driver["name"] == "authlint" and driver["version"] == __version__ and driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    assert [r["id"] for r in rules] == sorted({f["code"] for f in findings})
    for r in rules:
        assert r["name"] and r["shortDescription"]["text"] and r["fullDescription"]["text"]
        assert r["help"]["markdown"].startswith(f"# {r['id']} {r['name']}")
        assert r["helpUri"].endswith(f"/docs/rules/{r['id']}.md") and (DOCS / f"{r['id']}.md").exists()
        assert r["defaultConfiguration"]["level"] in ("error", "warning", "note")
    results = run_["results"]
    assert len(results) == len(findings)
    level = {"error": "error", "warning": "warning", "info": "note"}
    for res, f in zip(results, findings):
        assert res["ruleId"] == f["code"] and rules[res["ruleIndex"]]["id"] == f["code"]
        assert res["level"] == level[f["severity"]]
        assert res["message"]["text"] == f["message"]
        assert res["partialFingerprints"] == {"authlint/v1": f["fingerprint"]}
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert loc["artifactLocation"]["uri"] == f["path"].replace(",", "%2C").replace(":", "%3A")
        region = loc["region"]
        assert (region["startLine"], region["endLine"]) == (f["start"]["line"], f["end"]["line"])
        assert region["startColumn"] == utf16_column(f["path"], f["start"]["line"], f["start"]["column"])
        assert region["endColumn"] == utf16_column(f["path"], f["end"]["line"], f["end"]["column"])


def test_sarif_columns_count_utf16_code_units(project, capsys) -> None:
    findings = json_findings(capsys)
    (al206,) = [f for f in findings if f["code"] == "AL206" and f["path"] == ".gitlab-ci.yml"]
    doc = json.loads(run(capsys, "sarif")[1])
    (res,) = [r for r in doc["runs"][0]["results"] if r["ruleId"] == "AL206" and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == ".gitlab-ci.yml"]
    region = res["locations"][0]["physicalLocation"]["region"]
    # `😀` is one character but two UTF-16 code units: SARIF's column is one more than JSON's.
    assert region["startColumn"] == al206["start"]["column"] + 1
    assert region["endColumn"] == al206["end"]["column"] + 1


def _apply_utf16(text: str, region: dict, content: str) -> str:
    lines = text.split("\n")

    def offset(line: int, col: int) -> int:
        start = sum(len(x) + 1 for x in lines[: line - 1])
        units, i = 0, 0
        while units < col - 1:
            units += 2 if ord(lines[line - 1][i]) > 0xFFFF else 1
            i += 1
        return start + i

    a, b = offset(region["startLine"], region["startColumn"]), offset(region["endLine"], region["endColumn"])
    return text[:a] + content + text[b:]


def test_sarif_fixes_match_json_and_apply(project, capsys) -> None:
    findings = json_findings(capsys)
    doc = json.loads(run(capsys, "sarif")[1])
    results = doc["runs"][0]["results"]
    with_fix = [(r, f) for r, f in zip(results, findings) if f["fix"] and f["fix"]["edits"]]
    assert with_fix and all("fixes" in r for r, _ in with_fix)
    assert all("fixes" not in r for r, f in zip(results, findings) if not f["fix"])
    for res, f in with_fix:
        (fix,) = res["fixes"]
        assert fix["description"]["text"] == f["fix"]["title"]
        assert fix["properties"]["applicability"] == f["fix"]["applicability"]
        replacements = [rep for change in fix["artifactChanges"] for rep in change["replacements"]]
        assert [rep["insertedContent"]["text"] for rep in replacements] == [e["content"] for e in f["fix"]["edits"]]
        for rep, e in zip(replacements, f["fix"]["edits"]):
            assert rep["deletedRegion"]["startLine"] == e["start"]["line"] and rep["deletedRegion"]["endLine"] == e["end"]["line"]
    # The AL206 fix on the line with an emoji, applied with SARIF's UTF-16 columns, quotes the variable.
    (res,) = [r for r, f in with_fix if f["code"] == "AL206" and f["path"] == ".gitlab-ci.yml"]
    rep = res["fixes"][0]["artifactChanges"][0]["replacements"][0]
    fixed = _apply_utf16(PIPELINE, rep["deletedRegion"], rep["insertedContent"]["text"])
    assert 'echo "😀 é" "$DOCKER_AUTH_CONFIG" > /kaniko/.docker/config.json' in fixed


def test_sarif_drops_a_fix_whose_text_holds_a_secret() -> None:
    from authlint.diagnostics import Applicability, Edit, Finding, Fix, Severity, Span
    from authlint.engine import LintResult
    from authlint.source import Source

    src = Source("ci.sh", f"docker login -p {PASSWORD} r\n")
    fix = Fix(f"move {PASSWORD} away", (Edit("ci.sh", 0, 0, f"# {PASSWORD}\n"),), Applicability.SAFE)
    f = Finding("AL102", "literal-registry-password", Severity.ERROR, "literal password", "ci.sh", Span(16, 16 + len(PASSWORD)), fix=fix, fingerprint_key="k")
    result = LintResult([f], {"ci.sh": src}, ["ci.sh"], secrets={id(f): (PASSWORD,)})
    for fmt in MACHINE + ("json", "text"):
        assert PASSWORD not in get(fmt)(Report(result)), fmt
    doc = json.loads(get("sarif")(Report(result)))
    validate_sarif(doc)
    assert "fixes" not in doc["runs"][0]["results"][0]


# ---------------------------------------------------------------- GitLab Code Quality


def test_gitlab_code_quality(project, capsys) -> None:
    findings = json_findings(capsys)
    issues = json.loads(run(capsys, "gitlab")[1])
    assert isinstance(issues, list) and len(issues) == len(findings)
    severity = {"error": "critical", "warning": "minor", "info": "info"}
    for issue, f in zip(issues, findings):
        assert set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
        assert issue["check_name"] == f["code"]
        assert issue["description"] == f"{f['code']} {f['message']}"
        assert issue["severity"] == severity[f["severity"]]
        assert issue["location"]["path"] == f["path"]
        assert issue["location"]["lines"] == {"begin": f["start"]["line"], "end": f["end"]["line"]}
        assert issue["categories"] == ["Security"]
    fps = [i["fingerprint"] for i in issues]
    assert len(set(fps)) == len(fps)


def test_fingerprints_unique_and_stable_when_lines_move(project, capsys) -> None:
    before = {fmt: run(capsys, fmt)[1] for fmt in ("gitlab", "sarif")}
    write(project, {".gitlab-ci.yml": "\n" + PIPELINE})
    after = {fmt: run(capsys, fmt)[1] for fmt in ("gitlab", "sarif")}
    gl0, gl1 = (json.loads(x["gitlab"]) for x in (before, after))
    assert [i["fingerprint"] for i in gl0] == [i["fingerprint"] for i in gl1]
    moved = [(a["location"]["lines"]["begin"], b["location"]["lines"]["begin"]) for a, b in zip(gl0, gl1) if a["location"]["path"] == ".gitlab-ci.yml"]
    assert moved and all(b == a + 1 for a, b in moved)
    s0, s1 = (json.loads(x["sarif"])["runs"][0]["results"] for x in (before, after))
    assert [r["partialFingerprints"] for r in s0] == [r["partialFingerprints"] for r in s1]
    for out in (*before.values(), *after.values()):
        assert not any(s in out for s in SECRETS)


def test_repeated_fingerprints_are_disambiguated_deterministically() -> None:
    from authlint.diagnostics import Finding, Severity, Span

    def finding(key: str) -> Finding:
        return Finding("AL206", "unquoted-auth-variable", Severity.WARNING, "m", "a.sh", Span(0, 1), fingerprint_key=key)

    fs = [finding("same"), finding("same"), finding("other"), finding("same"), finding("")]
    first, second = fingerprints(fs), fingerprints(fs)
    assert first == second and len(set(first)) == len(first)
    assert first[0] == "same" and first[2] == "other"
    assert all(re.fullmatch(r"[0-9a-f]{32}", fp) for fp in (first[1], first[3], first[4]))


# ---------------------------------------------------------------- JUnit


def test_junit_one_testcase_per_finding(project, capsys) -> None:
    """GitLab's Tests tab lists test cases: each finding is one, each clean file passes as one."""
    findings = json_findings(capsys)
    files = json.loads(run(capsys, "json")[1])["summary"]["files"]
    out = run(capsys, "junit")[1]
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(out.encode("utf-8"))
    assert root.tag == "testsuites" and root.get("name") == "authlint"
    (suite,) = root.findall("testsuite")
    cases = suite.findall("testcase")
    failing = [c for c in cases if c.find("failure") is not None]
    passing = [c for c in cases if c.find("failure") is None]
    assert len(failing) == len(findings) >= 2 and files == 3
    assert {c.get("name") for c in passing} == set(FILES) - {f["path"] for f in findings}
    assert root.get("tests") == suite.get("tests") == str(len(cases))
    assert root.get("failures") == suite.get("failures") == str(len(findings))
    assert suite.get("errors") == "0"
    for case, f in zip(failing, findings):
        (el,) = case.findall("failure")
        where = f"{f['path']}:{f['start']['line']}:{f['start']['column']}"
        assert case.get("name") == f"{f['code']} {where}" and case.get("classname") == f["path"]
        assert el.get("message") == f"{f['code']} {f['message']}" and el.get("type") == f["code"]
        assert el.text.startswith(f"{where}: {f['severity']} {f['code']} ")


# ---------------------------------------------------------------- GitHub


def test_github_workflow_commands(project, capsys) -> None:
    findings = json_findings(capsys)
    out = run(capsys, "github")[1]
    parsed = parse_github(out)
    assert len(parsed) == len(findings)
    level = {"error": "error", "warning": "warning", "info": "notice"}
    for (lvl, props, message), f in zip(parsed, findings):
        assert lvl == level[f["severity"]]
        assert props == {
            "file": f["path"], "line": str(f["start"]["line"]), "col": str(f["start"]["column"]),
            "endLine": str(f["end"]["line"]), "endColumn": str(f["end"]["column"]), "title": f"authlint ({f['code']})",
        }
        assert message.startswith(f"{f['code']} {f['message']}")
        if f["fix"] and f["fix"]["edits"]:
            assert message.endswith(f"\nfix ({f['fix']['applicability']}): {f['fix']['title']}")
    assert "file=ci/we%2Cird%3Aname.sh," in out
    assert "%0Afix (" in out and "%25s" in out  # a newline and the `%` of printf '%s', escaped
    assert "\r" not in out and all(line.startswith("::") for line in out.splitlines())


def test_github_escaping() -> None:
    from authlint.reporters.github import escape_data, escape_property

    assert escape_data("50% a\r\nb: c, d") == "50%25 a%0D%0Ab: c, d"
    assert escape_property("50% a\r\nb: c, d") == "50%25 a%0D%0Ab%3A c%2C d"


# ---------------------------------------------------------------- clean project


@pytest.mark.parametrize("fmt", MACHINE)
def test_clean_project(clean, capsys, fmt) -> None:
    code, out = run(capsys, fmt)
    assert code == 0
    if fmt == "sarif":
        doc = json.loads(out)
        validate_sarif(doc)
        (run_,) = doc["runs"]
        assert run_["results"] == [] and run_["tool"]["driver"]["rules"] == []
        assert run_["invocations"][0]["executionSuccessful"] is True
    elif fmt == "gitlab":
        assert json.loads(out) == []
    elif fmt == "junit":
        root = ET.fromstring(out.encode("utf-8"))
        (case,) = root.iter("testcase")
        assert case.get("name") == ".gitlab-ci.yml" and len(case) == 0
        assert root.get("tests") == "1" and root.get("failures") == "0"
    else:
        assert out == ""


def test_sarif_reports_unreadable_input_as_notification(clean, capsys) -> None:
    code = main(["check", "--no-cache", "--output-format", "sarif", ".gitlab-ci.yml", "missing.yml"])
    out, err = capsys.readouterr()
    assert code == 2  # unreadable input and nothing else: exit 2, as with every format
    doc = json.loads(out)
    validate_sarif(doc)
    notes = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any("missing.yml" in n["message"]["text"] for n in notes)
    assert "missing.yml" in err


def test_text_code_frames_redact_secrets_of_other_findings_on_the_line(tmp_path: Path, monkeypatch, capsys) -> None:
    # AL202/AL204 have no secret of their own, but their code frame shows AL103's `auth` value
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {".gitlab-ci.yml": (
        "build:\n  image: docker:27\n  script:\n"
        f"    - echo '{{\"auths\":{{\"registry.example.com\":{{\"auth\":\"{AUTH}\"}}}}}}' > $HOME/.docker/config.json\n"
        "    - docker push registry.example.com/x\n"
    )})
    assert main(["check", "--no-cache", "."]) == 1
    out = capsys.readouterr().out
    assert "AL202" in out and "AL103" in out
    assert AUTH not in out and AUTH[:12] not in out


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_secret_in_another_findings_fix_is_redacted(tmp_path: Path, monkeypatch, capsys, fmt: str) -> None:
    # AL107 holds the password; AL209's fix title and edit text repeat it
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {".gitlab-ci.yml": (
        "build:\n  image: docker:27\n  script:\n"
        '    - AUTH=$(echo "deploy:Hunter2-Zq8xPw" | base64 -w 0)\n'
        '    - echo "{\\"auths\\":{\\"r.example.com\\":{\\"auth\\":\\"$AUTH\\"}}}" > $HOME/.docker/config.json\n'
    )})
    for _ in range(2):  # cold, then through the cache if it stored anything
        assert main(["check", "--output-format", fmt, "."]) == 1
        out, err = capsys.readouterr()
        assert "Hunter2-Zq8xPw" not in out + err
    assert not any("Hunter2-Zq8xPw" in p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file() and ".authlint_cache" in p.parts)


@pytest.mark.parametrize("value", [
    {"code": "AL101", "message": "quote \" backslash \\ tab \t é 😀 \u2028 \x1c \x85 </", "n": 3, "ok": True, "no": False,
     "none": None, "start": {"line": 1, "column": 2}, "edits": [], "fix": {}, "list": [1, [], {}, ["a", {"b": -0}]]},
    [], {}, "plain", 12, {"ratio": 0.5, "nan": float("nan")}, {1: "a non-string key"}, ("a", "tuple"),
])
def test_a_streamed_item_is_json_dumps_indented(value) -> None:
    """Each streamed finding is built directly: the text json.dumps(indent=2) gives, each line
    after the item's indentation (a U+2028 inside a string is not a line break)."""
    from authlint.reporters import json_item

    expected = "\n".join("    " + line for line in json.dumps(value, indent=2, ensure_ascii=False).split("\n"))
    assert json_item(value, "    ") == expected


def test_a_code_frame_skips_redaction_only_where_it_finds_nothing() -> None:
    """snippet redacts a line's pieces only when the line has values to hide or may hold a
    token: the same parts as redacting every piece, on lines with and without them."""
    from authlint.reporters import snippet
    from authlint.secrets import SecretSet, redact_text
    from authlint.source import Source

    def slow(src, start, end, secrets):
        index = src.index
        line0 = index.line_of(start)
        line = index.line_text(line0)
        col, stop = start - index.line_starts[line0], min(end, index.line_end(line0)) - index.line_starts[line0]
        parts = tuple(redact_text(t, secrets) for t in (line[:col], line[col:stop], line[stop:]))
        whole = redact_text(line, secrets)
        return (line0, *parts) if "".join(parts) == whole else (line0, whole, "", "")

    token = "glpat-" + "Ab1Cd2Ef3Gh4Ij5Kl6Mn"
    lines = ["plain line", f"TOKEN={token} tail", "x glpat-short", "pass: hunter22 here", "\tgl\r", "é ü", ""]
    text = "\n".join(lines) + "\r\nlast"
    for secrets in ((), SecretSet(["hunter22"]), SecretSet(["ne"])):
        for start in range(len(text) + 1):
            for end in (start, start + 1, start + 5, start + 40):
                src = Source("x.yml", text)
                assert snippet(src, start, end, secrets) == slow(src, start, end, secrets), (start, end, secrets)


@given(st.text(alphabet=st.sampled_from(["a", " ", "\t", "\x1b", "\x7f", "\x85", "\xa0", "é", "\u2028", "\r"]), max_size=12))
def test_a_frame_piece_is_shown_as_visible_with_tabs_expanded(text: str) -> None:
    from authlint.reporters.text import _CONTROL, _shown, visible

    assert visible(text) == _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    assert _shown(text) == visible(text).expandtabs(1)


def test_the_text_report_without_colour_is_the_coloured_one_without_its_codes(tmp_path: Path, monkeypatch, capsys) -> None:
    """Headlines and frames written without colour directly: the same text as the coloured report
    has once its escape codes are taken out."""
    write(tmp_path, {".gitlab-ci.yml": "login:\n  script:\n    - docker login -u u -p $REGISTRY_PASSWORD $CI_REGISTRY\n"
                                       "    - echo 'pass: aB3dE5fG7hJ9kL1mN3pQ7rS9tU1vW3xY5z' > /dev/null\n"})
    monkeypatch.chdir(tmp_path)
    main(["check", "--no-cache", "--color", "never", "."])
    plain = capsys.readouterr().out
    main(["check", "--no-cache", "--color", "always", "."])
    coloured = capsys.readouterr().out
    assert "\x1b[" in coloured and "AL" in plain
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


def test_a_report_over_a_part_is_dataclasses_replace() -> None:
    """Report.over, which copies the fields without dataclasses.replace, gives the same report."""
    from dataclasses import fields, replace

    from authlint.engine import LintResult

    report = Report(LintResult([], {}, ["a"]), color=True, show_fixes=True, statistics=True, fixed_count=3, unsafe_hint=False)
    part = LintResult([], {}, ["b"])
    view, expected = report.over(part), replace(report, result=part)
    assert type(view) is Report and view is not report and report.result.files == ["a"]
    assert [getattr(view, f.name) for f in fields(Report)] == [getattr(expected, f.name) for f in fields(Report)]


def test_a_lint_without_fingerprints_finds_the_same(tmp_path: Path) -> None:
    """A text report's lint computes no fingerprints: the same findings, in the same order, with
    every field but fingerprint_key alike (a baseline or another format still gets them)."""
    from dataclasses import fields

    from authlint.api import lint_paths

    write(tmp_path, FILES)
    kept, plain = [], []
    lint_paths([tmp_path], sink=lambda part: kept.extend(part.findings))
    lint_paths([tmp_path], sink=lambda part: plain.extend(part.findings), fingerprints=False)
    assert kept and len(kept) == len(plain)
    assert all(len(f.fingerprint_key) == 32 for f in kept)
    names = [f.name for f in fields(kept[0]) if f.name != "fingerprint_key"]
    assert [[getattr(f, n) for n in names] for f in kept] == [[getattr(f, n) for n in names] for f in plain]


@given(st.text(alphabet="ab\n\r\t ", max_size=60), st.lists(st.integers(0, 60), max_size=8), st.booleans())
def test_lines_counted_forward_are_the_index(text, offsets, ordered):
    """Lines (a report's line starts, counted forward from the last offset asked) gives what
    Source.index gives, asked in file order or not, for LF, CRLF and lone CR line ends."""
    from authlint.reporters import Lines, snippet
    from authlint.source import Source

    src, fresh = Source("x.yml", text), Source("x.yml", text)
    lines = Lines()
    for offset in sorted(offsets) if ordered else offsets:
        offset = min(offset, len(text))
        line0, begin = lines.start(src, offset)
        assert (line0, begin) == (fresh.index.line_of(offset), fresh.index.line_starts[fresh.index.line_of(offset)])
        assert lines.end(src, line0, begin) == fresh.index.line_end(line0)
        pos = fresh.index.position(offset - 1)  # (clamped)
        assert lines.position(src, offset - 1) == (pos.line, pos.column)
        assert snippet(src, offset, offset + 2, (), lines) == snippet(fresh, offset, offset + 2, ())
