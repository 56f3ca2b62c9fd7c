"""`authlint lsp` driven by a real LSP client (pytest-lsp) over stdio.

The server runs as `python -m authlint lsp` in a subprocess; the client opens,
changes and saves documents of a scratch project, requests code actions and
applies the returned WorkspaceEdits with its own UTF-16 position arithmetic.
pygls and pytest-lsp are test dependencies: without them these tests skip, or
fail under AUTHLINT_REQUIRE_E2E=1.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from support.components import strict

REPO = Path(__file__).resolve().parents[1]

try:
    import pytest_lsp
    from lsprotocol import types
    from pygls.protocol import default_converter
    from pytest_lsp import ClientServerConfig, LanguageClient
    from pytest_lsp.client import DEFAULT_CLIENT_FEATURES

    HAVE_LSP, WHY = True, ""
except ImportError as exc:  # pragma: no cover - the test extra installs them
    if strict():
        raise
    HAVE_LSP, WHY = False, f"pygls/pytest-lsp missing ({exc}); pip install -e '.[test]'"

needs_lsp = pytest.mark.skipif(not HAVE_LSP, reason=WHY)

SECRET = "s3cretPassw0rdXyz"
TOKEN = "glpat-AbCdEfGhIjKlMnOpQrSt"
# A rocket (2 UTF-16 units, 1 code point, 4 UTF-8 bytes) and an e-acute before the finding on its line.
CI = f"""\
build:
  image:
    name: gcr.io/kaniko-project/executor:debug
    entrypoint: [""]
  variables:
    CI_DEBUG_TRACE: "true"
    TOKEN: {TOKEN}
  script:
    - mkdir -p /kaniko/.docker
    - echo "🚀 déploiement" && echo $DOCKER_AUTH_CONFIG > /kaniko/.docker/config.json
    - docker login -u deploy -p {SECRET} registry.example.com
"""
ROOT_WITH_INCLUDE = """\
include:
  - local: ci/build.yml
.auth:
  variables:
    REG_PASS: $CI_REGISTRY_PASSWORD
"""
INCLUDED = """\
build:
  extends: .auth
  script:
    - docker login -u me -p $REG_PASS registry.example.com
"""


# ------------------------------------------------------------ pure helpers
_NL = re.compile(r"\r\n?|\n")


def offset_at(text: str, line: int, character: int) -> int:
    """Offset of an LSP position (UTF-16 code units), computed independently of authlint."""
    starts = [0] + [m.end() for m in _NL.finditer(text)]
    if line >= len(starts):
        return len(text)
    i = starts[line]
    end = (starts[line + 1] if line + 1 < len(starts) else len(text))
    while end > i and text[end - 1] in "\r\n":
        end -= 1
    units = 0
    while i < end and units < character:
        units += 2 if ord(text[i]) > 0xFFFF else 1
        i += 1
    assert units == character or i == end, "position inside a surrogate pair"
    return i


def utf16_col(line_text: str, index: int) -> int:
    return len(line_text[:index].encode("utf-16-le")) // 2


def apply_text_edits(text: str, edits) -> str:
    spans = sorted(
        ((offset_at(text, e.range.start.line, e.range.start.character), offset_at(text, e.range.end.line, e.range.end.character), e.new_text) for e in edits),
        key=lambda s: (s[0], s[1]),
    )
    for (s1, e1, _), (s2, _e2, _) in zip(spans, spans[1:]):
        assert e1 <= s2, "overlapping TextEdits"
    for start, end, new in reversed(spans):
        text = text[:start] + new + text[end:]
    return text


def apply_workspace_edit(edit, texts: dict[str, str]) -> dict[str, str]:
    """uri -> text after the edit (both `changes` and `documentChanges`)."""
    out = dict(texts)
    if edit.document_changes:
        for dc in edit.document_changes:
            out[dc.text_document.uri] = apply_text_edits(out[dc.text_document.uri], dc.edits)
    for uri, edits in (edit.changes or {}).items():
        out[uri] = apply_text_edits(out[uri], edits)
    return out


def test_helper_applies_utf16_positions() -> None:
    text = "a🚀b\r\nxé🚀z\n"
    assert offset_at(text, 0, 3) == 2  # after the rocket (2 units)
    assert offset_at(text, 1, 4) == 8  # line 1 starts at 5: x, é, rocket
    assert offset_at(text, 1, 99) == 9  # clamped before the line break

    class E:  # a minimal TextEdit
        def __init__(self, l1, c1, l2, c2, t):
            P = type("P", (), {})
            self.range = type("R", (), {"start": P(), "end": P()})()
            self.range.start.line, self.range.start.character, self.range.end.line, self.range.end.character = l1, c1, l2, c2
            self.new_text = t

    assert apply_text_edits(text, [E(1, 2, 1, 4, "!"), E(0, 0, 0, 1, "A")]) == "A🚀b\r\nxé!z\n"


@needs_lsp
@pytest.mark.parametrize("encoding, column, bom", [("utf-16", 5, 1), ("utf-8", 8, 3), ("utf-32", 4, 1)])
def test_position_encodings(encoding: str, column: int, bom: int) -> None:
    """The server speaks whichever position encoding the client negotiated."""
    from authlint.lsp.server import DocIndex

    text = "\ufeffa: 1\r\nxé🚀 $X\n"
    idx = DocIndex(text, encoding)
    offset = text.index("$X") - 1  # authlint offsets do not count the BOM
    pos = idx.position(offset)
    assert (pos.line, pos.character) == (1, column)
    assert idx.offset(pos) == offset
    assert idx.position(0).character == bom  # the BOM the client holds
    assert idx.end().line == 2 and idx.end().character == 0


# --------------------------------------------------- without a client at all
def test_cli_import_does_not_load_pygls() -> None:
    code = "import sys, authlint.cli; bad = [m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol', 'cattrs')]; print(bad); sys.exit(1 if bad else 0)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_only_the_lsp_package_imports_pygls() -> None:
    offenders = []
    for path in (REPO / "authlint").rglob("*.py"):
        if "lsp" in path.relative_to(REPO / "authlint").parts[:1]:
            continue
        if re.search(r"^\s*(from|import)\s+(pygls|lsprotocol)\b", path.read_text(encoding="utf-8"), re.M):
            offenders.append(str(path))
    assert offenders == []


def test_missing_pygls_prints_install_hint_and_exits_2() -> None:
    code = (
        "import sys; sys.modules['pygls'] = None; sys.modules['pygls.lsp'] = None; sys.modules['pygls.lsp.server'] = None; "
        "from authlint.cli import main; sys.exit(main(['lsp']))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "pip install 'authlint[lsp]'" in lines[0]


# ------------------------------------------------------------ the LSP client
def _make_client() -> "LanguageClient":
    """pytest-lsp's client, also recording every publishDiagnostics with its version."""
    client = LanguageClient(converter_factory=default_converter)
    for method, func in DEFAULT_CLIENT_FEATURES.items():
        if method != types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS:
            client.feature(method)(func)
    client.published = []  # type: ignore[attr-defined]

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_publish(ls: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        ls.published.append(params)  # type: ignore[attr-defined]
        ls.diagnostics[params.uri] = params.diagnostics

    return client


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".gitlab-ci.yml").write_text(CI, encoding="utf-8")
    return tmp_path


if HAVE_LSP:
    CONFIG = ClientServerConfig(
        server_command=[sys.executable, "-m", "authlint", "lsp"],
        client_factory=_make_client,
        server_env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))},
    )

    @pytest_lsp.fixture(config=CONFIG)
    async def client(lsp_client: LanguageClient, project: Path, request: pytest.FixtureRequest):
        param: dict[str, Any] = getattr(request, "param", None) or {}
        caps = param.get("capabilities") or types.ClientCapabilities()
        await lsp_client.initialize_session(
            types.InitializeParams(
                capabilities=caps,
                root_uri=project.as_uri(),
                workspace_folders=[types.WorkspaceFolder(uri=project.as_uri(), name="project")],
                initialization_options=param.get("init"),
            )
        )
        yield
        await lsp_client.shutdown_session()


async def wait_publish(client, uri: str, *, since: int = 0, version: int | None = None,
                       pred: Callable[[Any], bool] | None = None, timeout: float = 20.0):
    """The latest publishDiagnostics for uri received at index >= since that matches."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        hits = [p for p in client.published[since:] if p.uri == uri and (version is None or p.version == version) and (pred is None or pred(p))]
        if hits:
            return hits[-1]
        if loop.time() > deadline:
            got = [(p.uri.rsplit("/", 1)[-1], p.version, [d.code for d in p.diagnostics]) for p in client.published[since:]]
            raise AssertionError(f"no matching publishDiagnostics for {uri} (version {version}); got {got}")
        await asyncio.sleep(0.02)


def open_doc(client, path: Path, text: str | None = None, language: str = "yaml", version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id=language, version=version,
                                             text=path.read_text(encoding="utf-8") if text is None else text)))
    return uri


def change_doc(client, uri: str, version: int, text: str | None = None, rng=None, new_text: str = "") -> None:
    change = (types.TextDocumentContentChangeWholeDocument(text=text) if text is not None
              else types.TextDocumentContentChangePartial(range=rng, text=new_text))
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version), content_changes=[change]))


def codes(p) -> list[str]:
    return sorted(str(d.code) for d in p.diagnostics)


def by_code(p, code: str):
    found = [d for d in p.diagnostics if d.code == code]
    assert len(found) == 1, (code, codes(p))
    return found[0]


async def code_actions(client, uri: str, rng, diagnostics=(), only=None):
    return await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=rng,
        context=types.CodeActionContext(diagnostics=list(diagnostics), only=only))) or []


def _settings(project: Path, **overrides):
    from authlint.settings import load_settings

    return load_settings(project).with_overrides(**overrides)


# ----------------------------------------------------------------- the tests
@needs_lsp
async def test_diagnostics_on_open_with_utf16_ranges(client, project: Path) -> None:
    uri = open_doc(client, project / ".gitlab-ci.yml")
    p = await wait_publish(client, uri, version=1)
    assert {"AL102", "AL104", "AL206", "AL403"} <= set(codes(p))
    d = by_code(p, "AL206")
    lines = CI.splitlines()
    row = next(i for i, line in enumerate(lines) if "$DOCKER_AUTH_CONFIG" in line)
    col = lines[row].index("$DOCKER_AUTH_CONFIG")
    start16 = utf16_col(lines[row], col)
    assert start16 == col + 1  # the rocket counts twice in UTF-16: columns are not code points
    assert (d.range.start.line, d.range.start.character) == (row, start16)
    assert (d.range.end.line, d.range.end.character) == (row, start16 + len("$DOCKER_AUTH_CONFIG"))
    assert d.severity == types.DiagnosticSeverity.Warning
    assert d.source == "authlint"
    from authlint.reporters import rule_doc_url

    assert d.code_description is not None and d.code_description.href == rule_doc_url("AL206")
    assert by_code(p, "AL102").severity == types.DiagnosticSeverity.Error
    pw = by_code(p, "AL102")
    row = next(i for i, line in enumerate(lines) if SECRET in line)
    assert (pw.range.start.line, pw.range.start.character, pw.range.end.character) == (row, lines[row].index(SECRET), lines[row].index(SECRET) + len(SECRET))


@needs_lsp
async def test_no_secret_reaches_the_client(client, project: Path) -> None:
    uri = open_doc(client, project / ".gitlab-ci.yml")
    p = await wait_publish(client, uri, version=1)
    whole = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=len(CI.splitlines()), character=0))
    actions = await code_actions(client, uri, whole, p.diagnostics)
    shown = [d.message for d in p.diagnostics] + [a.title for a in actions]
    shown += [m.message for m in client.log_messages] + [m.message for m in client.messages]
    assert any("[redacted]" in s for s in shown)
    for s in shown:
        assert SECRET not in s and TOKEN not in s and TOKEN[6:] not in s


@needs_lsp
async def test_changes_publish_in_order_and_end_with_the_latest_version(client, project: Path) -> None:
    uri = open_doc(client, project / ".gitlab-ci.yml")
    p1 = await wait_publish(client, uri, version=1)
    d = by_code(p1, "AL206")
    since = len(client.published)
    # v2: quote the variable with an incremental edit at the diagnostic's UTF-16 range.
    change_doc(client, uri, 2, rng=d.range, new_text='"$DOCKER_AUTH_CONFIG"')
    # v3, v4: more typing within the debounce window.
    change_doc(client, uri, 3, rng=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)), new_text="# a\n")
    final = '# a\n' + CI.replace("echo $DOCKER_AUTH_CONFIG", 'echo "$DOCKER_AUTH_CONFIG"')
    change_doc(client, uri, 4, text=final)
    p4 = await wait_publish(client, uri, since=since, version=4)
    await asyncio.sleep(0.6)  # anything stale would have arrived by now
    versions = [p.version for p in client.published[since:] if p.uri == uri]
    # v2 may be linted at once (it came after a pause) and published if it finishes before v3
    # arrives; what never happens is an older version published after a newer one, or a late one.
    # (The debounce policy itself: test_a_change_after_a_pause_is_linted_at_once_typing_waits_for_quiet.)
    assert versions == sorted(set(versions)) and versions[-1] == 4
    assert "AL206" not in codes(p4) and "AL102" in codes(p4)
    # The AL102 range moved down one line with the inserted comment.
    row = next(i for i, line in enumerate(final.splitlines()) if SECRET in line)
    assert by_code(p4, "AL102").range.start.line == row


@needs_lsp
async def test_incremental_change_after_astral_character(client, project: Path) -> None:
    """The server and client agree on UTF-16 columns in incremental edits, too."""
    uri = open_doc(client, project / ".gitlab-ci.yml")
    p1 = await wait_publish(client, uri, version=1)
    d = by_code(p1, "AL206")
    # Replace exactly the diagnostic's range (after the rocket) with the quoted form.
    change_doc(client, uri, 2, rng=d.range, new_text='"$DOCKER_AUTH_CONFIG" ')
    p2 = await wait_publish(client, uri, version=2)
    assert "AL206" not in codes(p2)


@needs_lsp
async def test_save_publishes_again(client, project: Path) -> None:
    uri = open_doc(client, project / ".gitlab-ci.yml")
    await wait_publish(client, uri, version=1)
    since = len(client.published)
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    p = await wait_publish(client, uri, since=since)
    assert p.version == 1 and "AL206" in codes(p)


@needs_lsp
async def test_quickfix_equals_authlint_fix(client, project: Path) -> None:
    from authlint import api

    uri = open_doc(client, project / ".gitlab-ci.yml")
    p = await wait_publish(client, uri, version=1)
    d = by_code(p, "AL206")
    actions = await code_actions(client, uri, d.range, [d])
    quick = [a for a in actions if a.kind == types.CodeActionKind.QuickFix and "AL206" in a.title]
    assert len(quick) == 1, [a.title for a in actions]
    action = quick[0]
    assert action.is_preferred is True and "(unsafe)" not in action.title
    assert action.diagnostics and action.diagnostics[0].code == "AL206"
    fixed = apply_workspace_edit(action.edit, {uri: CI})[uri]
    path = project / ".gitlab-ci.yml"
    assert fixed == api.fix_text(path, CI, _settings(project, select=("AL206",)))
    assert 'echo "🚀 déploiement" && echo "$DOCKER_AUTH_CONFIG" >' in fixed
    # No quick fix for a finding without one (AL102), and no edit for the password line.
    pw = by_code(p, "AL102")
    assert not [a for a in await code_actions(client, uri, pw.range, [pw]) if a.kind == types.CodeActionKind.QuickFix]


@needs_lsp
async def test_bom_and_crlf_document(client, project: Path) -> None:
    """A client that keeps the BOM as a character: line 0 shifts, CRLF lines count once."""
    from authlint import api

    text = "\ufeff" + CI.replace("\n", "\r\n")
    uri = open_doc(client, project / ".gitlab-ci.yml", text=text)
    p = await wait_publish(client, uri, version=1)
    d = by_code(p, "AL206")
    assert text[offset_at(text, d.range.start.line, d.range.start.character):offset_at(text, d.range.end.line, d.range.end.character)] == "$DOCKER_AUTH_CONFIG"
    actions = await code_actions(client, uri, d.range, [d])
    quick = next(a for a in actions if "AL206" in a.title)
    fixed = apply_workspace_edit(quick.edit, {uri: text})[uri]
    assert fixed == "\ufeff" + api.fix_text(project / ".gitlab-ci.yml", text, _settings(project, select=("AL206",)))
    start = types.Position(line=0, character=0)
    fix_all = await code_actions(client, uri, types.Range(start=start, end=start), only=["source.fixAll.authlint"])
    fixed = apply_workspace_edit(fix_all[0].edit, {uri: text})[uri]
    assert fixed == "\ufeff" + api.fix_text(project / ".gitlab-ci.yml", text, _settings(project))
    assert "\r\n" in fixed and "\n" not in fixed.replace("\r\n", "")


@needs_lsp
async def test_unsafe_fix_is_offered_marked_and_not_preferred(client, project: Path) -> None:
    uri = open_doc(client, project / ".gitlab-ci.yml")
    p = await wait_publish(client, uri, version=1)
    d = by_code(p, "AL403")
    quick = [a for a in await code_actions(client, uri, d.range, [d]) if "AL403" in a.title]
    assert len(quick) == 1
    assert quick[0].title.endswith("(unsafe)") and not quick[0].is_preferred
    fixed = apply_workspace_edit(quick[0].edit, {uri: CI})[uri]
    assert "CI_DEBUG_TRACE" not in fixed


@needs_lsp
async def test_fix_all_equals_authlint_fix(client, project: Path) -> None:
    from authlint import api

    uri = open_doc(client, project / ".gitlab-ci.yml")
    await wait_publish(client, uri, version=1)
    start = types.Position(line=0, character=0)
    actions = await code_actions(client, uri, types.Range(start=start, end=start), only=[types.CodeActionKind.SourceFixAll])
    assert [a.kind for a in actions] == ["source.fixAll.authlint"]
    fixed = apply_workspace_edit(actions[0].edit, {uri: CI})[uri]
    expected = api.fix_text(project / ".gitlab-ci.yml", CI, _settings(project))
    assert fixed == expected != CI
    assert "CI_DEBUG_TRACE" in fixed  # unsafe fixes stay out of fix-all by default


@needs_lsp
@pytest.mark.parametrize("client", [{
    "capabilities": types.ClientCapabilities(workspace=types.WorkspaceClientCapabilities(
        workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True))),
    "init": {"authlint": {"unsafeFixes": True}},
}] if HAVE_LSP else [], indirect=True)
async def test_versioned_edits_and_unsafe_fix_all(client, project: Path) -> None:
    from authlint import api

    uri = open_doc(client, project / ".gitlab-ci.yml")
    await wait_publish(client, uri, version=1)
    start = types.Position(line=0, character=0)
    actions = await code_actions(client, uri, types.Range(start=start, end=start), only=["source.fixAll"])
    assert len(actions) == 1
    edit = actions[0].edit
    assert not edit.changes and edit.document_changes[0].text_document.version == 1
    fixed = apply_workspace_edit(edit, {uri: CI})[uri]
    assert fixed == api.fix_text(project / ".gitlab-ci.yml", CI, _settings(project), unsafe=True)
    assert "CI_DEBUG_TRACE" not in fixed


@needs_lsp
async def test_workspace_settings_ignore_a_code(client, project: Path) -> None:
    uri = open_doc(client, project / ".gitlab-ci.yml")
    p = await wait_publish(client, uri, version=1)
    assert "AL206" in codes(p)
    since = len(client.published)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"authlint": {"ignore": ["AL206"]}}))
    p = await wait_publish(client, uri, since=since)
    assert "AL206" not in codes(p) and "AL102" in codes(p)
    since = len(client.published)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"authlint": {}}))
    p = await wait_publish(client, uri, since=since)
    assert "AL206" in codes(p)


@needs_lsp
@pytest.mark.parametrize("client", [{
    "capabilities": types.ClientCapabilities(workspace=types.WorkspaceClientCapabilities(configuration=True)),
}] if HAVE_LSP else [], indirect=True)
async def test_pulled_configuration(client, project: Path) -> None:
    """Clients that send `settings: null` are asked with workspace/configuration (section "authlint")."""
    uri = open_doc(client, project / ".gitlab-ci.yml")
    assert "AL206" in codes(await wait_publish(client, uri, version=1))
    client.set_configuration({"ignore": ["AL206"], "unsafeFixes": False}, section="authlint")
    since = len(client.published)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    p = await wait_publish(client, uri, since=since)
    assert "AL206" not in codes(p) and "AL102" in codes(p)


@needs_lsp
@pytest.mark.parametrize("client", [{"init": {"select": ["AL102", "AL206"], "ruleDocsUrl": "https://docs.test/{code}.html"}}] if HAVE_LSP else [], indirect=True)
async def test_initialization_options(client, project: Path) -> None:
    uri = open_doc(client, project / ".gitlab-ci.yml")
    p = await wait_publish(client, uri, version=1)
    assert codes(p) == ["AL102", "AL206"]
    assert by_code(p, "AL206").code_description.href == "https://docs.test/AL206.html"


@needs_lsp
async def test_project_config_is_honoured(client, project: Path) -> None:
    (project / "authlint.toml").write_text('ignore = ["AL102"]\n[severity]\nAL206 = "error"\n', encoding="utf-8")
    uri = open_doc(client, project / ".gitlab-ci.yml")
    p = await wait_publish(client, uri, version=1)
    assert "AL102" not in codes(p)
    assert by_code(p, "AL206").severity == types.DiagnosticSeverity.Error


@needs_lsp
async def test_included_file_is_linted_in_its_pipeline_context(client, project: Path) -> None:
    (project / ".gitlab-ci.yml").write_text(ROOT_WITH_INCLUDE, encoding="utf-8")
    (project / "ci").mkdir()
    (project / "ci" / "build.yml").write_text(INCLUDED, encoding="utf-8")
    uri = open_doc(client, project / "ci" / "build.yml")
    p = await wait_publish(client, uri, version=1)
    # REG_PASS holds the job token only through the template in .gitlab-ci.yml.
    assert {"AL206", "AL502"} <= set(codes(p)) and "AL002" not in codes(p)
    # Edit (without saving) the including pipeline: the template goes away.
    root = open_doc(client, project / ".gitlab-ci.yml")
    since = len(client.published)
    change_doc(client, root, 2, text="include:\n  - local: ci/build.yml\n")
    p = await wait_publish(client, uri, since=since, pred=lambda p: "AL002" in codes(p))
    assert "AL502" not in codes(p)
    assert all(d.range.start.line == 1 for d in p.diagnostics if d.code == "AL002")


@needs_lsp
async def test_shell_script_linted_other_files_not(client, project: Path) -> None:
    notes = project / "notes.txt"
    notes.write_text(f"docker login -p {SECRET}\n", encoding="utf-8")
    cfg = project / "config.json"
    cfg.write_text('{"compilerOptions": {}}\n', encoding="utf-8")
    script = project / "push.sh"
    script.write_text(f"#!/bin/sh\ndocker login -u deploy -p {SECRET} registry.example.com\n", encoding="utf-8")
    open_doc(client, notes, language="plaintext")
    open_doc(client, cfg, language="json")
    uri = open_doc(client, script, language="shellscript")
    p = await wait_publish(client, uri, version=1)
    assert "AL102" in codes(p)
    await asyncio.sleep(0.3)
    assert {p.uri for p in client.published} == {uri}


@needs_lsp
async def test_close_clears_diagnostics(client, project: Path) -> None:
    uri = open_doc(client, project / ".gitlab-ci.yml")
    await wait_publish(client, uri, version=1)
    since = len(client.published)
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    p = await wait_publish(client, uri, since=since)
    assert list(p.diagnostics) == []


@needs_lsp
def test_an_empty_select_from_the_editor_keeps_the_configured_rules() -> None:
    # VS Code array settings default to []: that must not switch every rule off
    from authlint.lsp.server import apply_options
    from authlint.settings import Settings

    warnings: list[str] = []
    assert apply_options(Settings(select=("AL2",)), {"select": []}, warnings.append).select == ("AL2",)
    assert apply_options(Settings(), {"select": {}}, warnings.append).select is None and not warnings


@needs_lsp
async def test_edits_publish_the_diagnostics_of_a_lint_from_scratch(client, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The server reuses the last run's jobs (authlint/incremental.py); each version's diagnostics
    # must be those a fresh lint of that text gives.
    from authlint.lsp.server import Snapshot, compute
    from support.incremental import PIPELINE, SCRIPT

    (project / "ci").mkdir()
    (project / "ci" / "deploy.sh").write_text(SCRIPT, encoding="utf-8")
    path = project / ".gitlab-ci.yml"
    uri = open_doc(client, path, text=PIPELINE)
    monkeypatch.chdir(project)  # as the server does: paths in messages are relative to the root

    def from_scratch(text: str) -> list:
        snap = Snapshot(uri, str(path), None, text, "ci", _settings(project), {str(path): text}, types.PositionEncodingKind.Utf16, None)
        return [(_range_key(d.range), d.code, d.message, d.severity) for d in compute(snap).diagnostics]

    text = PIPELINE
    p = await wait_publish(client, uri, version=1)
    assert [(_range_key(d.range), d.code, d.message, d.severity) for d in p.diagnostics] == from_scratch(text)
    edits = [('docker push "$CI_REGISTRY_IMAGE"', 'docker push "$CI_REGISTRY_IMAGE:latest"'),  # one job's script
             ("    - set -x\n", "    - echo one\n    - set -x\n"),  # a template: AL402's "line N" moves
             ("DEPLOY_USER: deployer", "DEPLOY_USER: someone"),  # a global variable
             ("\ntest:\n", "\ntests:\n")]  # a job renamed
    for version, (old, new) in enumerate(edits, 2):
        at = text.index(old)
        lines = text[:at].split("\n")
        start = types.Position(line=len(lines) - 1, character=utf16_col(lines[-1], len(lines[-1])))
        end_lines = text[: at + len(old)].split("\n")
        end = types.Position(line=len(end_lines) - 1, character=utf16_col(end_lines[-1], len(end_lines[-1])))
        change_doc(client, uri, version, rng=types.Range(start=start, end=end), new_text=new)
        text = text[:at] + new + text[at + len(old):]
        p = await wait_publish(client, uri, version=version)
        assert [(_range_key(d.range), d.code, d.message, d.severity) for d in p.diagnostics] == from_scratch(text), old


def _range_key(r) -> tuple[int, int, int, int]:
    return (r.start.line, r.start.character, r.end.line, r.end.character)


@needs_lsp
def test_a_change_after_a_pause_is_linted_at_once_typing_waits_for_quiet() -> None:
    from authlint.lsp.server import DEBOUNCE, change_delay

    assert change_delay(None, 10.0) == 0  # the first change
    assert change_delay(10.0, 10.0 + 2 * DEBOUNCE) == 0  # after a pause
    assert change_delay(10.0, 10.0 + DEBOUNCE / 2) == DEBOUNCE  # typing
