"""AL301-AL310 (auth JSON well-formedness) beyond the rule examples: positions in
committed files, YAML blocks and heredocs; fixes through the public API; opaque
shell/GitLab expansions; redaction of credentials in every output."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from authlint.api import fix_paths, fix_text, lint_paths, lint_text
from authlint.cli import main
from authlint.settings import Settings

AL3 = Settings(select=("AL3",))


def b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


def findings(path: str, text: str, select: tuple[str, ...] = ("AL3",)):
    res = lint_text(path, text, Settings(select=select))
    assert not res.internal_error, res.errors
    return res.findings


def where(text: str, f) -> tuple[tuple[int, int], str]:
    """(1-based line, column) of a finding's start and the text it covers."""
    line = text.count("\n", 0, f.span.start) + 1
    col = f.span.start - (text.rfind("\n", 0, f.span.start) + 1) + 1
    return (line, col), text[f.span.start : f.span.end]


# --------------------------------------------------------------- positions
def test_positions_in_a_committed_multiline_config_json() -> None:
    text = (
        "{\n"
        '  "auths": {\n'
        '    "https://registry.example.com/": {\n'
        f'      "auth": "{b64("deploy:s3cr3t").rstrip("=")}",\n'
        '      "email": "ci@example.com"\n'
        "    },\n"
        '    "r2.example.com": {"auth": "' + b64("deploy:s3cr3t\n") + '"}\n'
        "  }\n"
        "}\n"
    )
    got = {f.code: where(text, f) for f in findings("config.json", text)}
    assert got["AL306"] == ((3, 5), '"https://registry.example.com/"')
    assert got["AL303"] == ((4, 15), '"' + b64("deploy:s3cr3t").rstrip("=") + '"')
    assert got["AL308"] == ((5, 7), '"email": "ci@example.com"')
    assert got["AL305"] == ((7, 32), '"' + b64("deploy:s3cr3t\n") + '"')


def test_syntax_error_position_and_go_message_with_crlf() -> None:
    text = '{\r\n  "auths": {\r\n    "r.example.com": {"auth": "$A"},\r\n  }\r\n}\r\n'
    (f,) = findings("config.json", text)
    assert f.code == "AL301"
    assert where(text, f) == ((4, 3), "}")
    assert "invalid character '}' looking for beginning of object key string" in f.message


def test_unterminated_points_at_what_was_opened() -> None:
    text = '{"auths": {"r.example.com": {"auth": "$A"}}\n'
    (f,) = findings("config.json", text)
    assert f.code == "AL301" and "unexpected end of JSON input" in f.message
    assert where(text, f) == ((1, 1), "{")


def test_positions_in_a_yaml_literal_block() -> None:
    text = (
        "variables:\n"
        "  DOCKER_AUTH_CONFIG: |\n"
        "    {\n"
        '      "auths": {\n'
        '        "Registry.Example.com": {"auth": "$REGISTRY_AUTH"},\n'
        "      }\n"
        "    }\n"
        "build:\n"
        "  script: [make]\n"
    )
    (f,) = findings(".gitlab-ci.yml", text)
    assert f.code == "AL301" and where(text, f) == ((6, 7), "}")
    fixed = fix_text(".gitlab-ci.yml", text, AL3)
    assert '"$REGISTRY_AUTH"}\n      }' in fixed  # comma gone, layout kept
    # once it parses, the key is normalised too (the next round of the fixpoint)
    assert '"registry.example.com"' in fixed
    assert not findings(".gitlab-ci.yml", fixed)


def test_positions_in_a_heredoc_inside_a_yaml_block() -> None:
    bad = b64("deploy:s3cr3t\n")
    text = (
        "build:\n"
        "  image: {name: gcr.io/kaniko-project/executor:debug, entrypoint: ['']}\n"
        "  script:\n"
        "    - |\n"
        "      cat > /kaniko/.docker/config.json <<EOF\n"
        '      {"auths": {"$CI_REGISTRY": {"auth": "' + bad + '"}}}\n'
        "      EOF\n"
    )
    (f,) = [f for f in findings(".gitlab-ci.yml", text) if f.code == "AL305"]
    assert where(text, f) == ((6, 43), f'"{bad}"')
    assert f.job == "build"
    fixed = fix_text(".gitlab-ci.yml", text, AL3)
    assert f'"{b64("deploy:s3cr3t")}"' in fixed and bad not in fixed


def test_positions_in_a_double_quoted_echo_word() -> None:
    text = 'echo "{\\"auths\\": {\\"docker.io\\": {\\"auth\\": \\"$HUB_AUTH\\", \\"email\\": \\"me@example.com\\"}}}" > config.json\n'
    got = {f.code: where(text, f) for f in findings("push.sh", text)}
    assert got["AL306"] == ((1, text.index('\\"docker.io') + 1), '\\"docker.io\\"')
    assert got["AL308"] == ((1, text.index('\\"email') + 1), '\\"email\\": \\"me@example.com\\"')
    fixed = fix_text("push.sh", text, AL3)
    assert fixed == 'echo "{\\"auths\\": {\\"https://index.docker.io/v1/\\": {\\"auth\\": \\"$HUB_AUTH\\"}}}" > config.json\n'


def test_positions_of_one_echo_word_in_two_places() -> None:
    """The same line twice parses to the same command (the parse memo), whose word keeps its
    character map: each place's findings are at its own position."""
    word = '"{\\"auths\\": {\\"docker.io\\": {\\"auth\\": \\"$HUB_AUTH\\"}}}"'
    text = "".join(f"{job}:\n  script:\n    - 'echo {word} > config.json'\n" for job in ("a", "bb"))
    got = [where(text, f) for f in findings(".gitlab-ci.yml", text) if f.code == "AL306"]
    col = len("    - 'echo ") + word.index('\\"docker.io') + 1
    assert got == [((3, col), '\\"docker.io\\"'), ((6, col), '\\"docker.io\\"')]


# --------------------------------------------------------------- fixes on disk
def test_fix_paths_removes_bom_and_trailing_commas(tmp_path: Path) -> None:
    cfg = tmp_path / "config.json"
    cfg.write_bytes('\ufeff{"auths": {"r.example.com": {"auth": "$A",},},}\n'.encode())
    (tmp_path / ".git").mkdir()
    res = fix_paths([tmp_path], Settings(select=("AL3",), project_dir=str(tmp_path)))
    assert cfg.read_bytes() == b'{"auths": {"r.example.com": {"auth": "$A"}}}\n'
    assert not res.result.findings


def test_fix_paths_reencodes_and_drops_shadowed_pair(tmp_path: Path) -> None:
    cfg = tmp_path / "auth.json"
    cfg.write_text(
        '{\n  "auths": {\n    "registry.example.com:5000": {\n'
        f'      "auth": "{base64.urlsafe_b64encode(b"deploy:s?>?>").decode().rstrip("=")}",\n'
        '      "username": "deploy",\n      "password": "s?>?>"\n    }\n  }\n}\n'
    )
    fix_paths([cfg], Settings(select=("AL3",)))
    assert cfg.read_text() == (
        '{\n  "auths": {\n    "registry.example.com:5000": {\n'
        f'      "auth": "{b64("deploy:s?>?>")}"\n    }}\n  }}\n}}\n'.replace("}}", "}")
    )
    assert not lint_paths([cfg], AL3).findings


def test_no_fix_for_errors_with_unknown_intent() -> None:
    text = "{'auths': {}}\n"
    assert fix_text("config.json", text, AL3) == text
    text = '{"auths": {"r.example.com": {"auth": "not base64!"}}}\n'
    assert fix_text("config.json", text, AL3) == text


# --------------------------------------------------------------- opaque tokens
@pytest.mark.parametrize(
    "line",
    [
        'echo "{\\"auths\\":{\\"${CI_REGISTRY}\\":{\\"auth\\":\\"$(printf %s:%s "$U" "$P" | base64 -w0)\\"}}}" > /kaniko/.docker/config.json',
        'echo "{\\"auths\\":{\\"$REGISTRY_HOST:$PORT\\":{\\"auth\\":\\"$AUTH\\",\\"identitytoken\\":null}}}" > /kaniko/.docker/config.json',
        'echo "{\\"auths\\":{$ENTRIES}}" > /kaniko/.docker/config.json',
        "printf '{\"auths\":{\"%s\":{\"auth\":\"%s\"}}}\\n' \"$CI_REGISTRY\" \"$AUTH\" > /kaniko/.docker/config.json",
        'echo "{\\"auths\\":{\\"$CI_REGISTRY\\":{\\"auth\\":\\"${AUTH_PREFIX}xxxx\\"}}}" > /kaniko/.docker/config.json',
    ],
)
def test_expansions_are_never_judged_as_literals(line: str) -> None:
    assert not findings("push.sh", line + "\n")
    yaml = "build:\n  script:\n    - |\n      " + line + "\n"
    assert not findings(".gitlab-ci.yml", yaml)


def test_gitlab_variables_in_yaml_values_are_opaque() -> None:
    text = (
        "variables:\n"
        "  DOCKER_AUTH_CONFIG: '{\"auths\": {\"${CI_DEPENDENCY_PROXY_SERVER}\": {\"auth\": \"$PROXY_AUTH\"}}}'\n"
        "build:\n  image: ${CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX}/alpine:3.20\n  script: [make]\n"
    )
    assert not findings(".gitlab-ci.yml", text)


def test_other_json_files_are_not_auth_files() -> None:
    text = '{\n  // VS Code settings\n  "auth": "none",\n}\n'
    assert not findings("config.json", text)
    assert not findings("auth.json", '{"http-basic": {"repo.example.com": {"username": "u", "password": "p"}}}\n')


def test_deep_nesting_is_one_syntax_finding() -> None:
    text = '{"auths": ' + "[" * 10_000 + "]" * 10_000 + "}"
    (f,) = findings("config.json", text)
    assert f.code == "AL301" and "nesting too deep" in f.message


# --------------------------------------------------------------- redaction
def test_credentials_never_appear_in_any_output(tmp_path: Path, monkeypatch, capsys) -> None:
    password = "Sup3rS3cretPassw0rd"
    creds = {
        "a.example.com": b64(f"deploy:{password}\n"),  # AL305
        "b.example.com": base64.urlsafe_b64encode(f"deploy:{password}?>".encode()).decode().rstrip("="),  # AL303
        "c.example.com": b64(password + "tokenonly"),  # AL304
    }
    body = ", ".join(f'"{k}": {{"auth": "{v}", "username": "deploy", "password": "{password}"}}' for k, v in creds.items())
    (tmp_path / "config.json").write_text('{"auths": {' + body + "}}\n")
    monkeypatch.chdir(tmp_path)
    for fmt in ("json", "text", "sarif", "gitlab", "github"):
        main(["check", "--select", "AL3", "--output-format", fmt, "--no-cache", "."])
        out, err = capsys.readouterr()
        assert password not in out + err, fmt
        for value in creds.values():
            assert value not in out + err, fmt
        decoded = [base64.b64decode(v + "=" * (-len(v) % 4), altchars=b"-_").decode("utf-8", "replace") for v in creds.values()]
        for d in decoded:
            assert d.strip() not in out + err, fmt
    main(["check", "--select", "AL3", "--output-format", "json", "--no-cache", "."])
    doc = json.loads(capsys.readouterr()[0])
    assert {f["code"] for f in doc["findings"]} >= {"AL303", "AL304", "AL305", "AL308"}
    # the re-encoded value in a fix is a credential too
    fixed = [e["content"] for f in doc["findings"] if f["fix"] for e in f["fix"]["edits"]]
    assert fixed and all(b64(f"deploy:{password}") not in c for c in fixed)


def test_messages_name_the_registry_not_the_secret() -> None:
    text = '{"auths": {"r.example.com": {"auth": "' + b64("s3cr3t-token") + '"}}}\n'
    (f,) = findings("config.json", text)
    assert f.code == "AL304" and "r.example.com" in f.message
    assert "s3cr3t" not in f.message and b64("s3cr3t-token") not in f.message


# --------------------------------------------------------------- AL309 / AL310 in jobs
def test_key_image_port_mismatch_for_services_and_pushes() -> None:
    text = (
        "variables:\n"
        "  DOCKER_AUTH_CONFIG: '{\"auths\": {\"registry.example.com:5000\": {\"auth\": \"$REGISTRY_AUTH\"}}}'\n"
        "test:\n  image: alpine:3.20\n  services: [registry.example.com/db/postgres:16]\n  script: [make test]\n"
    )
    (f,) = findings(".gitlab-ci.yml", text, ("AL309",))
    assert "registry.example.com/db/postgres:16" in f.message and "(service)" in f.message
    assert fix_text(".gitlab-ci.yml", text, Settings(select=("AL309",))).count('"registry.example.com"') == 1


def test_key_image_fix_is_only_shown_when_the_key_is_in_use() -> None:
    text = (
        "variables:\n"
        "  DOCKER_AUTH_CONFIG: '{\"auths\": {\"registry.example.com\": {\"auth\": \"$REGISTRY_AUTH\"}}}'\n"
        "build:\n  image: registry.example.com/tools/builder:1\n  services: [registry.example.com:5000/db:1]\n  script: [make]\n"
    )
    (f,) = findings(".gitlab-ci.yml", text, ("AL309",))
    assert f.fix is not None and str(f.fix.applicability) == "display-only"
    assert fix_text(".gitlab-ci.yml", text, Settings(select=("AL309",))) == text


def test_creds_store_path_fails_the_job_even_in_scripts() -> None:
    text = "echo '{\"credsStore\": \"/usr/bin/docker-credential-ecr-login\"}' > /kaniko/.docker/config.json\n"
    (f,) = findings("push.sh", text)
    assert f.code == "AL310" and "path traversal" in f.message
