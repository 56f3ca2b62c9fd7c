"""The authlint language server (pygls 2.x, stdio).

* Diagnostics for every document authlint lints (CI YAML, included YAML,
  shell scripts, auth JSON), published on didOpen and didSave at once, on
  didChange at once too, or after a short pause while the user types
  (DEBOUNCE); a run reuses the unchanged jobs of the last one
  (authlint/incremental.py); a run overtaken by a newer version of its
  document stops at the next job (or never starts), and a result computed
  for an older version is dropped: the latest version wins.  Unsaved
  buffers are overlays, so an included file is linted in the context of the
  (possibly unsaved) pipeline that includes it; the engine finds that pipeline.
* Code actions: each finding's fix as a quickfix (safe ones preferred, unsafe
  ones titled "(unsafe)", display-only ones never offered as edits) and
  ``source.fixAll.authlint``: the text `authlint fix` would write.
* Settings: the project's config file (pyproject.toml [tool.authlint],
  authlint.toml, .authlint.toml) plus the client's ``select``, ``ignore``,
  ``extendSelect`` and ``unsafeFixes`` from initializationOptions and
  workspace/didChangeConfiguration (or workspace/configuration, section
  "authlint").

Positions go through authlint's LineIndex in the encoding negotiated with the
client (UTF-16 unless the client asks for another).  Messages and titles are
redacted like every other output; nothing here logs document text.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from .. import __version__
from ..diagnostics import Applicability, Finding, Severity
from ..engine import LintCancelled, Linter, LintResult
from ..incremental import JobMemo
from ..secrets import SecretSet, redact_text
from ..settings import ConfigError, Settings, find_config, load_settings
from ..source import BOM, LineIndex
from ..workspace import AUTH_EXT, SHEBANG, classify

log = logging.getLogger("authlint.lsp")

# A change after a pause is linted at once (a re-lint reuses the unchanged jobs: tens of ms); one
# within DEBOUNCE seconds of the previous change (typing) waits for DEBOUNCE of quiet, so a burst is
# linted once or twice, not once per keystroke.  A stale run is cancelled anyway (bench/README.md).
DEBOUNCE = 0.05
FIX_ALL_KIND = "source.fixAll.authlint"
FULL_COLLECTION_EVERY = 64  # lints
SECTION = "authlint"
_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


# ---------------------------------------------------------------- positions
def uri_to_path(uri: str) -> str | None:
    """Absolute filesystem path of a file: URI (None for untitled: and friends)."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    path = unquote(parsed.path)
    if parsed.netloc:  # UNC
        path = f"//{parsed.netloc}{path}"
    elif len(path) >= 3 and path[0] == "/" and path[2] == ":":  # /C:/x on Windows
        path = path[1:]
    return os.path.normpath(os.path.abspath(path))


def _key(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))


def _units(text: str, encoding: str) -> int:
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


class DocIndex:
    """LSP positions of one document's text as the client holds it.

    authlint offsets index the text without a BOM; a client may keep the BOM
    as the first character, which then shifts line 0 by one unit.
    """

    def __init__(self, text: str, encoding: str = types.PositionEncodingKind.Utf16, index: LineIndex | None = None) -> None:
        self.text = text
        self.shift = 1 if text.startswith(BOM) else 0
        self.index = index if index is not None and index.text == text else LineIndex(text)
        self.encoding = encoding

    def position(self, offset: int) -> types.Position:
        o = max(0, min(offset + self.shift, len(self.text)))
        if self.encoding == types.PositionEncodingKind.Utf16:
            line, character = self.index.utf16(o)
            return types.Position(line=line, character=character)
        line = self.index.line_of(o)
        return types.Position(line=line, character=_units(self.text[self.index.line_starts[line] : o], self.encoding))

    def range(self, start: int, end: int) -> types.Range:
        return types.Range(start=self.position(start), end=self.position(end))

    def offset(self, pos: types.Position) -> int:
        """authlint offset (BOM excluded) of an LSP position; clamped to the line."""
        if self.encoding == types.PositionEncodingKind.Utf16:
            o = self.index.from_utf16(pos.line, pos.character)
        elif pos.line >= self.index.line_count:
            o = len(self.text)
        else:
            o, end, units = self.index.line_starts[pos.line], self.index.line_end(pos.line), 0
            while o < end and units < pos.character:
                units += _units(self.text[o], self.encoding)
                o += 1
        return max(0, o - self.shift)

    def end(self) -> types.Position:
        return self.position(len(self.text) - self.shift)


# ----------------------------------------------------------------- settings
def _norm(key: str) -> str:
    return key.replace("-", "").replace("_", "").lower()


def options_section(value: Any) -> dict[str, Any]:
    """The authlint options in initializationOptions / configuration payloads:
    either the options themselves or nested under "authlint"."""
    if not isinstance(value, dict):
        return {}
    inner = value.get(SECTION)
    if isinstance(inner, dict):
        value = inner
    return {_norm(k): v for k, v in value.items()}


def _selectors(value: Any, key: str, warn: Callable[[str], None]) -> tuple[str, ...] | None:
    from ..rules import UnknownSelector, expand

    if value is None:
        return None
    if value == {}:  # some clients encode an empty list as {}
        return ()
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        warn(f"authlint: setting '{key}' must be a list of rule codes; ignored")
        return None
    out = []
    for v in (v.strip() for v in value):
        if not v:
            continue
        try:
            expand([v])
        except UnknownSelector as exc:
            warn(f"authlint: setting '{key}': {exc}; ignored")
            continue
        out.append(v)
    return tuple(out)


def apply_options(base: Settings, options: dict[str, Any], warn: Callable[[str], None]) -> Settings:
    """Client options on top of the config file, as the CLI flags are:
    select replaces, ignore and extendSelect extend, unsafeFixes overrides."""
    select = _selectors(options.get("select"), "select", warn)
    ignore = _selectors(options.get("ignore"), "ignore", warn)
    extend = _selectors(options.get("extendselect"), "extendSelect", warn)
    unsafe = options.get("unsafefixes")
    if unsafe is not None and not isinstance(unsafe, bool):
        warn("authlint: setting 'unsafeFixes' must be true or false; ignored")
        unsafe = None
    return base.with_overrides(
        select=select or None,  # an empty list (an editor's unset array setting) keeps the config's selection
        ignore=base.ignore + ignore if ignore else None,
        extend_select=base.extend_select + extend if extend else None,
        unsafe_fixes=unsafe,
    )


def lint_kind(path: Path, text: str) -> str | None:
    """What authlint lints this document as, or None when it lints it not at all."""
    kind = classify(path)
    if kind is None:
        head = text[:128].encode("utf-8", "surrogatepass")
        # Extension-less scripts by shebang; the engine reads the shebang from disk.
        return "shell" if SHEBANG.match(head) and path.is_file() else None
    if kind == "auth" and not (
        path.name.endswith(AUTH_EXT) or path.name == ".dockercfg"
        or any(k in text for k in ('"auths"', '"credsStore"', '"credHelpers"'))
    ):
        return None  # some other config.json
    return kind


# ------------------------------------------------------------------ results
@dataclass
class Snapshot:
    """What one lint run sees: taken on the event loop, used in the worker thread."""

    uri: str
    path: str
    version: int | None
    text: str
    kind: str | None
    settings: Settings
    overlays: dict[str, str]
    encoding: str
    docs_url: str | None
    stale: Callable[[], bool] = lambda: False  # a newer version exists: stop (called in the worker)
    memo: JobMemo | None = None  # per-job results of earlier runs (used in the worker only)


@dataclass
class Linted:
    snap: Snapshot
    result: LintResult | None
    findings: list[Finding] = field(default_factory=list)  # those in this document, in order
    diagnostics: list[types.Diagnostic] = field(default_factory=list)  # one per finding
    secrets: SecretSet = SecretSet()  # every secret any finding in this document knows of

    @property
    def index(self) -> DocIndex:
        return DocIndex(self.snap.text, self.snap.encoding)


def doc_href(code: str, template: str | None) -> str:
    """The rule's documentation: the client's template, else the URL the SARIF report uses."""
    if template:
        return template.replace("{code}", code)
    from ..reporters import rule_doc_url

    return rule_doc_url(code)


def to_diagnostic(f: Finding, idx: DocIndex, secrets: SecretSet, docs_url: str | None) -> types.Diagnostic:
    message = redact_text(f.message, secrets)
    if f.fix is not None and f.fix.applicability == Applicability.DISPLAY_ONLY:
        why = f" ({redact_text(f.fix.reason, secrets)})" if f.fix.reason else ""
        message += f"\nSuggested fix, to apply by hand{why}: {redact_text(f.fix.title, secrets)}"
    return types.Diagnostic(
        range=idx.range(f.span.start, f.span.end),
        message=message,
        severity=_SEVERITY.get(f.severity, types.DiagnosticSeverity.Warning),
        code=f.code,
        code_description=types.CodeDescription(href=doc_href(f.code, docs_url)),
        source="authlint",
        tags=[types.DiagnosticTag.Unnecessary] if f.code == "AL003" else None,
    )


def compute(snap: Snapshot) -> Linted:
    """Lint one document (worker thread: no LSP I/O here)."""
    if snap.kind is None or _excluded(snap):
        return Linted(snap, None)
    linter = Linter(snap.settings, snap.overlays)
    linter.cancelled = snap.stale
    linter.reuse = snap.memo
    linter.collect_garbage = False  # the server collects after publishing (AuthlintServer.collect)
    try:
        result = linter.lint_paths([Path(snap.path)])
    except LintCancelled:
        return Linted(snap, None)  # dropped as stale by the caller
    mine = [f for f in result.findings if _key(f.path) == _key(snap.path)]
    linted = result.sources.get(mine[0].path) if mine else None
    known = linted.__dict__.get("index") if linted is not None else None  # the lint's, when it made one
    idx = DocIndex(snap.text, snap.encoding, known)
    # Like the reporters' code frames: a text about one finding may show another's secret.
    secrets = SecretSet(s for f in mine for s in result.secrets.get(id(f), ()))  # indexed once, not per message
    diags = [to_diagnostic(f, idx, secrets, snap.docs_url) for f in mine]
    return Linted(snap, result, mine, diags, secrets)


def _excluded(snap: Snapshot) -> bool:
    rel = os.path.relpath(snap.path, snap.settings.project_dir)
    return not rel.startswith("..") and snap.settings.is_excluded(rel.replace(os.sep, "/"))


def fix_all(snap: Snapshot) -> dict[str, tuple[str, str]]:
    """display path -> (old, new) for what `authlint fix` would change (worker thread)."""
    from ..api import fix_paths

    res = fix_paths([Path(snap.path)], snap.settings, unsafe=snap.settings.unsafe_fixes, write=False, overlays=snap.overlays)
    return res.changed


def fix_all_from_lint(linted: "Linted") -> dict[str, tuple[str, str]]:
    """One round of fixes from the last lint, without linting again (for a code action request
    without `only`, which editors send on every cursor move)."""
    from ..fixes import FixOutcome, applicable, apply_round

    result = linted.result
    assert result is not None
    todo = [f for f in applicable(result.findings, linted.snap.settings.unsafe_fixes)
            if all(e.path in result.sources for e in f.fix.edits)]  # type: ignore[union-attr]
    texts = {e.path: result.sources[e.path].text for f in todo for e in f.fix.edits}  # type: ignore[union-attr]
    before = dict(texts)
    apply_round(todo, texts, FixOutcome())
    return {p: (before[p], texts[p]) for p in texts if texts[p] != before[p]}


def fix_keeps_parsing(f: Finding, result: LintResult) -> bool:
    """The check `authlint fix` makes before applying a fix: no file it edits stops parsing."""
    from ..fixes import _still_parses, splice

    assert f.fix is not None
    for path in {e.path for e in f.fix.edits}:
        src = result.sources.get(path)
        if src is None:
            return False
        try:
            new = splice(src.text, [e for e in f.fix.edits if e.path == path])
        except ValueError:
            return False
        if not _still_parses(path, src.text, new):
            return False
    return True


# ------------------------------------------------------------------- server
class AuthlintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("authlint", __version__)
        self.init_options: dict[str, Any] = {}
        self.config_options: dict[str, Any] = {}
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="authlint-lint")  # one lint at a time
        self.pending: dict[str, asyncio.Task] = {}
        self.linted: dict[str, Linted] = {}
        self.published: set[str] = set()
        self.warned: set[str] = set()
        self.configs: dict[str, tuple[Any, Settings]] = {}  # config file (or directory) -> (its stamp, its settings)
        self.applied: dict[str, tuple[Settings, dict[str, Any], Settings]] = {}  # directory -> (config's, options, result)
        self.memo = JobMemo()  # one Settings object per config and options: per-job results stay valid
        self.lints = 0
        self.changed: dict[str, float] = {}  # uri -> when its last change came (event loop time)

    # ----------------------------------------------------------- helpers
    @property
    def options(self) -> dict[str, Any]:
        return {**self.init_options, **self.config_options}

    def warn_once(self, message: str) -> None:
        if message in self.warned:
            return
        self.warned.add(message)
        self.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=message))

    def log(self, message: str, level: types.MessageType = types.MessageType.Log) -> None:
        self.window_log_message(types.LogMessageParams(type=level, message=redact_text(message)))

    @property
    def encoding(self) -> str:
        return str(self.workspace.position_encoding or types.PositionEncodingKind.Utf16)

    def open_docs(self) -> dict[str, Any]:
        return dict(self.workspace.text_documents)

    def settings_for(self, path: str) -> Settings:
        directory = str(Path(path).parent)
        base, options = self.config_settings(Path(path).parent), self.options
        cached = self.applied.get(directory)
        if cached is None or cached[0] is not base or cached[1] != options:
            cached = self.applied[directory] = (base, options, apply_options(base, options, self.warn_once))
        return cached[2]

    def config_settings(self, directory: Path) -> Settings:
        """The config file's settings, parsed again only when the file found, or its stamp, changed."""
        found = find_config(directory)
        try:
            st = os.stat(found) if found is not None else None
        except OSError:
            st = None
        stamp = (str(found), st.st_size, st.st_mtime_ns, st.st_ino) if st is not None else None
        key = str(found or directory)  # the directories under one config file share its Settings object
        cached = self.configs.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            base = load_settings(directory)
        except ConfigError as exc:
            self.warn_once(f"authlint: {exc}; using the default settings")
            base = Settings(project_dir=os.getcwd())
            stamp = ("error", stamp)  # retried on every run until it is fixed
        self.configs[key] = (stamp, base)
        return base

    def snapshot(self, uri: str) -> Snapshot | None:
        doc = self.workspace.text_documents.get(uri)
        path = uri_to_path(uri)
        if doc is None or path is None:
            return None
        overlays = {}
        for other in self.open_docs().values():
            p = uri_to_path(other.uri)
            if p is not None:
                overlays[os.path.abspath(p)] = other.source
        text = doc.source
        kind = lint_kind(Path(path), text)
        settings = self.settings_for(path) if kind is not None else Settings()
        docs_url = self.options.get("ruledocsurl")
        return Snapshot(uri, path, doc.version, text, kind, settings, overlays, self.encoding,
                        docs_url if isinstance(docs_url, str) else None, stale=self.staleness(uri, doc.version), memo=self.memo)

    def staleness(self, uri: str, version: int | None) -> Callable[[], bool]:
        """True once the document has a newer version than this one (read from the worker
        thread: a dict lookup and an attribute read, no LSP I/O)."""
        docs = self.workspace.text_documents

        def stale() -> bool:
            doc = docs.get(uri)
            return doc is None or doc.version != version
        return stale

    def doc_index(self, path: str, fallback: str) -> tuple[str, DocIndex, int | None]:
        """(uri, index, version) for edits to path: the open document's text, else the linted text."""
        for doc in self.open_docs().values():
            p = uri_to_path(doc.uri)
            if p is not None and _key(p) == _key(path):
                return doc.uri, DocIndex(doc.source, self.encoding), doc.version
        return Path(os.path.abspath(path)).as_uri(), DocIndex(fallback, self.encoding), None

    def workspace_edit(self, edits: dict[str, list[tuple[types.Range | None, int, int, str]]], texts: dict[str, str]) -> types.WorkspaceEdit:
        """edits: display path -> [(range or None, start, end, new text)]; ranges are computed when None."""
        versioned = bool(_capability(self.client_capabilities, "workspace", "workspace_edit", "document_changes"))
        changes: dict[str, list[types.TextEdit]] = {}
        doc_changes: list[types.TextDocumentEdit] = []
        for path, items in edits.items():
            uri, idx, version = self.doc_index(path, texts[path])
            text_edits = [types.TextEdit(range=rng or idx.range(s, e), new_text=content) for rng, s, e, content in items]
            if versioned:
                ident = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
                doc_changes.append(types.TextDocumentEdit(text_document=ident, edits=text_edits))
            else:
                changes[uri] = text_edits
        if versioned:
            return types.WorkspaceEdit(document_changes=doc_changes)
        return types.WorkspaceEdit(changes=changes)

    # ------------------------------------------------------------ linting
    def schedule(self, uri: str, delay: float) -> None:
        """Lint uri after delay; a newer request for the same document replaces this one."""
        old = self.pending.pop(uri, None)
        if old is not None:
            old.cancel()
        self.pending[uri] = asyncio.get_running_loop().create_task(self._lint_later(uri, delay))

    def schedule_others(self, uri: str, delay: float) -> None:
        """Other open documents can depend on this one (includes, called scripts)."""
        for other in list(self.open_docs()):
            if other != uri and (other in self.linted or other in self.pending):
                self.schedule(other, delay)

    async def _lint_later(self, uri: str, delay: float) -> None:
        me = asyncio.current_task()
        try:
            if delay:
                await asyncio.sleep(delay)
            await self.lint(uri)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # never take the server down for one document
            log.exception("lint failed")
            self.log(f"authlint: internal error while linting {uri}: {type(exc).__name__}: {exc}", types.MessageType.Error)
        finally:
            if self.pending.get(uri) is me:
                del self.pending[uri]

    async def lint(self, uri: str) -> Linted | None:
        """Lint the document's current version and publish; None when the result went stale."""
        snap = self.snapshot(uri)
        if snap is None:
            return None
        linted = await asyncio.get_running_loop().run_in_executor(self.executor, compute, snap)
        try:
            return self._publish(uri, snap, linted)
        finally:
            self.collect()

    def collect(self) -> None:
        """A run's model is cyclic garbage: collected after publishing, in the worker, instead of
        while the user waits (automatic collection is off, see serve()); in full now and then."""
        self.lints += 1
        try:
            self.executor.submit(gc.collect, 2 if self.lints % FULL_COLLECTION_EVERY == 0 else 1)
        except RuntimeError:  # shut down
            pass

    def _publish(self, uri: str, snap: Snapshot, linted: Linted) -> Linted | None:
        doc = self.workspace.text_documents.get(uri)
        if doc is None or doc.version != snap.version or doc.source != snap.text:
            return None  # the document changed (or closed) meanwhile: a newer run publishes
        if linted.result is None and uri not in self.published:
            self.linted[uri] = linted
            return linted  # nothing to say about a document authlint does not lint
        if linted.result is not None:
            for err in linted.result.errors:
                self.log(f"authlint: {err}", types.MessageType.Warning)
        self.linted[uri] = linted
        self.published.add(uri)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, version=snap.version, diagnostics=linted.diagnostics)
        )
        return linted

    async def current(self, uri: str) -> Linted | None:
        """The lint of the document as it is now (re-linted if the cached one is older)."""
        doc = self.workspace.text_documents.get(uri)
        if doc is None:
            return None
        cached = self.linted.get(uri)
        if cached is not None and cached.snap.version == doc.version and cached.snap.text == doc.source:
            return cached
        old = self.pending.pop(uri, None)
        if old is not None:
            old.cancel()
        return await self.lint(uri)

    # ------------------------------------------------------- code actions
    def quickfix(self, f: Finding, diag: types.Diagnostic, linted: Linted) -> types.CodeAction | None:
        fix, result = f.fix, linted.result
        if fix is None or result is None or not fix.edits or fix.applicability <= Applicability.DISPLAY_ONLY:
            return None
        if not fix_keeps_parsing(f, result):
            return None
        secrets = linted.secrets
        unsafe = fix.applicability < Applicability.SAFE
        title = f"authlint ({f.code}): {redact_text(fix.title, secrets)}" + (" (unsafe)" if unsafe else "")
        edits: dict[str, list] = {}
        for e in fix.edits:
            edits.setdefault(e.path, []).append((None, e.start, e.end, e.content))
        texts = {p: result.sources[p].text for p in edits}
        return types.CodeAction(
            title=title,
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[diag],
            is_preferred=not unsafe,
            edit=self.workspace_edit(edits, texts),
        )

    async def fix_all_action(self, linted: Linted, asked: bool = True) -> types.CodeAction | None:
        """Fix-all to a fixpoint when the client asks for it by kind; unasked, one round from the last lint."""
        need = Applicability.UNSAFE if linted.snap.settings.unsafe_fixes else Applicability.SAFE
        if not any(f.fix is not None and f.fix.applies(need) for f in linted.findings):
            return None
        compute_fixes = (fix_all, linted.snap) if asked else (fix_all_from_lint, linted)
        changed = await asyncio.get_running_loop().run_in_executor(self.executor, *compute_fixes)
        if not changed:
            return None
        edits: dict[str, list] = {}
        texts: dict[str, str] = {}
        for path, (old, new) in changed.items():
            uri, idx, _ = self.doc_index(path, old)
            if idx.text[idx.shift :] != old:
                return None  # the document changed since: no stale whole-document edit
            whole = types.Range(start=idx.position(0), end=idx.end())
            edits[path] = [(whole, 0, 0, new)]
            texts[path] = old
        title = "authlint: fix all auto-fixable problems" + (" (including unsafe fixes)" if need == Applicability.UNSAFE else "")
        return types.CodeAction(title=title, kind=FIX_ALL_KIND, edit=self.workspace_edit(edits, texts))


def change_delay(last: float | None, now: float) -> float:
    """How long to wait before linting a change made at `now`: at once after a pause, DEBOUNCE
    of quiet while changes keep coming (`last`: when the one before came)."""
    return DEBOUNCE if last is not None and now - last < DEBOUNCE else 0


def _capability(obj: Any, *names: str) -> Any:
    for name in names:
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj


def _wants(only: list[str] | None, kind: str) -> bool:
    return only is None or any(kind == k or kind.startswith(k + ".") for k in only)


def _first_root(params: types.InitializeParams) -> str | None:
    for folder in params.workspace_folders or ():
        path = uri_to_path(folder.uri)
        if path:
            return path
    if params.root_uri:
        return uri_to_path(params.root_uri)
    return params.root_path


def build_server() -> AuthlintServer:
    server = AuthlintServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: AuthlintServer, params: types.InitializeParams) -> None:
        ls.init_options = options_section(params.initialization_options)
        root = _first_root(params)
        if root and os.path.isdir(root):
            # Paths are shown, and per-file-ignores matched, relative to the working
            # directory, as when `authlint check` runs in the project root.
            sys.path[:] = [os.path.abspath(p) for p in sys.path]  # keep lazy imports working
            os.chdir(root)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: AuthlintServer, params: types.InitializedParams) -> None:
        await pull_configuration(ls)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: AuthlintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: AuthlintServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        now = asyncio.get_running_loop().time()
        delay = change_delay(ls.changed.get(uri), now)
        ls.changed[uri] = now
        ls.schedule(uri, delay)
        path = uri_to_path(uri)
        if path is not None and classify(Path(path)) in ("ci", "yaml"):
            ls.schedule_others(uri, delay)  # a pipeline edit can change its included files' findings

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: AuthlintServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)
        ls.schedule_others(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: AuthlintServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        task = ls.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        ls.linted.pop(uri, None)
        ls.changed.pop(uri, None)
        if uri in ls.published:
            ls.published.discard(uri)
            ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: AuthlintServer, params: types.DidChangeConfigurationParams) -> None:
        if isinstance(params.settings, dict):  # the push model: the settings themselves
            section = options_section(params.settings)
            if section != ls.config_options:
                ls.config_options = section
                relint_all(ls)
        else:  # the pull model: the notification only says "something changed"
            await pull_configuration(ls)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND], resolve_provider=False),
    )
    async def code_action(ls: AuthlintServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        linted = await ls.current(params.text_document.uri)
        if linted is None or linted.result is None:
            return None
        only = list(params.context.only) if params.context.only else None
        actions: list[types.CodeAction] = []
        if _wants(only, types.CodeActionKind.QuickFix):
            idx = linted.index
            lo, hi = idx.offset(params.range.start), idx.offset(params.range.end)
            asked = {(str(d.code), _range_key(d.range)) for d in params.context.diagnostics if d.source == "authlint"}
            for f, diag in zip(linted.findings, linted.diagnostics):
                touches = f.span.start <= hi and lo <= f.span.end
                if touches or (f.code, _range_key(diag.range)) in asked:
                    action = ls.quickfix(f, diag, linted)
                    if action is not None:
                        actions.append(action)
        if _wants(only, FIX_ALL_KIND):
            action = await ls.fix_all_action(linted, asked=only is not None)
            if action is not None:
                actions.append(action)
        return actions or None

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: AuthlintServer, params: Any) -> None:
        for task in ls.pending.values():
            task.cancel()
        ls.pending.clear()
        ls.executor.shutdown(wait=False, cancel_futures=True)

    return server


def _range_key(r: types.Range) -> tuple[int, int, int, int]:
    return (r.start.line, r.start.character, r.end.line, r.end.character)


def relint_all(ls: AuthlintServer) -> None:
    ls.linted.clear()  # results under the old settings must not back a code action
    for uri in list(ls.open_docs()):
        ls.schedule(uri, 0)


async def pull_configuration(ls: AuthlintServer) -> None:
    """Ask a client that supports workspace/configuration for the "authlint" section."""
    if not _capability(ls.client_capabilities, "workspace", "configuration"):
        return
    try:
        reply = await ls.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
        )
    except Exception as exc:  # a client may refuse; the other settings still apply
        ls.log(f"authlint: workspace/configuration failed: {type(exc).__name__}")
        return
    section = options_section(reply[0] if reply else None)
    if section != ls.config_options:
        ls.config_options = section
        relint_all(ls)


def serve() -> int:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must never corrupt the JSON-RPC stream
    gc.disable()  # collections run after each lint (AuthlintServer.collect), never between a change and its diagnostics
    build_server().start_io(stdin, stdout)
    return 0
