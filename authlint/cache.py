"""A content-hash cache for `authlint check`, in ``.authlint_cache/`` (like ruff's).

One cache entry per lint invocation: the key hashes authlint's version and code,
the Python version, the effective settings, the working directory and the paths
given.  The entry holds the findings (fixes included) and everything the result
depended on:

* every file the engine read (CI files, their includes, called scripts, shell
  and auth files), as a SHA-256 of its text, or how reading it failed;
* every existence probe (a called script that was missing, say);
* the discovered candidates (so a new or deleted file, or a changed .gitignore
  or exclude, is seen);
* the project directory of every CI file, and the list of YAML files under it
  (glob includes).

A lookup redoes discovery and checks those dependencies; it is a hit only if
all match.  A file read is checked by its size, mtime and inode first, and
re-hashed only when they differ or were not recorded: a file whose mtime was
within ``RACY_NS`` of the run (the filesystem's timestamp granularity) could
change again without its mtime moving, so its stat is not trusted.  Likewise
the project layout: the stamps of every directory walked (an added, removed or
renamed file changes its directory's), of the files whose content decides their
kind, and of the ignore files, taken when discovery starts; while they all hold,
discovery, project directories, glob-include trees and the existence probes the
stamps vouch for (see `_vouched`) are what the entry says, without a walk.  The
whole invocation is the unit: the engine links findings across
files (context linting, de-duplication, unused-suppression accounting and
fingerprint occurrence counts all span files), so a per-file cache would need
the engine split along those lines; a change anywhere in the dependency set
simply re-lints.

A hit reads no source file the report does not need: each finding is stored with
what every output format shows of it (the positions of its span and its fix's edits,
its code frame), so only the files holding values to redact and those of credential
findings are read again.

Secrets never reach the cache.  Finding messages are already redacted; fix
titles, reasons, code frames and edit contents are stored redacted.  The values
to redact are stored as locators (path, start, end) of an occurrence of each in a
file whose hash the entry pins, and read back from that file on a hit: an entry
none of whose shown texts holds such a value or a GitLab token, and whose
credential findings' own text those values redact, is served (else dropped).  A
secret that occurs in no file cannot show in a code frame and is dropped.  A run
with a fix whose edit text holds a secret is not cached (reporters treat such
edits specially), nor is a run with errors or warnings.

Nothing is held whole, neither by the run that fills the cache nor by a hit:
memory stays flat with the number of projects.  The run writes the entry as it
goes: the layout and discovery when discovery is done, what was read and probed
after each part of the report, each part's findings as the report gets them, each
section in an unnamed temp file (gone with the process however it ends), joined
into the entry file atomically at the end.  A hit reads the entry line by line:
the dependencies, then every part checked, then every part sent to the report.

An entry file is the SHA-256 of its body, a newline, and the body: lines of ASCII
JSON, a head (key, given paths, layout, row counts) and then `[section, rows]`
lines in the order of SECTIONS; what a same layout vouches for is not even decoded.
A part's findings refer to their texts in the part's table.  A damaged entry no
longer matches its checksum, and a forged one is still checked as above.

`authlint fix`, `--diff`, and stdin input do not use the cache.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import stat
import sys
import time
from pathlib import Path
from dataclasses import replace
from typing import Callable, Iterable

from .diagnostics import Applicability, Edit, Finding, Fix, Severity, Span
from .engine import Linter, LintResult, _project_dir
from .reporters import snippet
from .secrets import SecretSet, find_gitlab_tokens, redact_text
from .settings import Settings
from .source import DecodeError, Position, Source
from .workspace import ReadError, Workspace

DIR_NAME = ".authlint_cache"
ENTRY_FORMAT = 4
RACY_NS = 2_000_000_000  # coarse filesystems keep mtimes to 1-2 s (theirs are whole seconds)
FINE_RACY_NS = 100_000_000  # others to the kernel's clock tick
MAX_ENTRIES = 200  # per version directory; the oldest are removed beyond this
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by authlint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)

# Debug counters (AUTHLINT_CACHE_STATS=1 prints them); tests read them too.
STATS = {"hit": 0, "miss": 0, "write": 0, "uncacheable": 0}


# ------------------------------------------------------------------ entry
Sink = Callable[[LintResult], None]


def lint_paths(paths: Iterable[str | Path], settings: Settings, cache_dir: Path | None = None,
               sink: Sink | None = None) -> LintResult:
    """Lint like ``Linter(settings).lint_paths(paths, sink)``, through the cache: given a sink,
    the findings go to it part by part (a project's, as the lint or the entry has them) and
    the result keeps none of them, so neither a filling run nor a hit holds the whole result."""
    if sink is None:
        whole = _Whole()
        return whole.result(lint_paths(paths, settings, cache_dir, whole.part))
    paths = [Path(p) for p in paths]
    directory = cache_dir or default_dir(settings)
    refusal = _refusal(directory)
    if refusal is not None:
        print(f"authlint: warning: cache directory {directory} not used: {refusal}", file=sys.stderr)
        return Linter(settings).lint_paths(paths, sink)
    key = _key(paths, settings)
    entry_path = _version_dir(directory) / f"{key}.entry"
    try:
        cached = _lookup(entry_path, key, paths, settings, sink)
    except Exception:  # the cache must never break a lint: a bug here is a miss
        if os.environ.get("AUTHLINT_DEBUG"):
            raise
        cached = None
    if cached is not None:
        STATS["hit"] += 1
        _debug("hit")
        return cached
    STATS["miss"] += 1
    try:
        _ensure_dir(directory)  # before the run: creating it moves its parent's mtime, which the entry records
        entry_path.parent.mkdir(exist_ok=True)
        writer: _Writer | None = _Writer(entry_path.parent)
    except OSError:
        writer = None
    if writer is None:
        _debug("miss (cache not writable)")
        return Linter(settings).lint_paths(paths, sink)
    with writer:
        linter = Linter(settings)
        linter.ws = recorder = _RecordingWorkspace(settings, writer)

        def part(result: LintResult) -> None:
            writer.guarded(writer.part, result)
            recorder.spill()
            sink(result)

        result = linter.lint_paths(paths, part)
        try:
            if not writer.finish(key, paths, result, recorder, entry_path):
                STATS["uncacheable"] += 1
                _debug("miss (uncacheable)")
                return result
            _prune(entry_path.parent)
            STATS["write"] += 1
            _debug("miss (stored)")
        except OSError:
            _debug("miss (cache not writable)")
        except Exception:
            if os.environ.get("AUTHLINT_DEBUG"):
                raise
            _debug("miss (not stored: internal error)")
    return result


class _Whole:
    """A sink that keeps every part: the whole result, for callers without a sink of their own."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []
        self.sources: dict[str, Source] = {}
        self.secrets: dict[int, tuple[str, ...]] = {}
        self.frames: dict[int, tuple[int, str, str, str] | None] = {}

    def part(self, result: LintResult) -> None:
        self.findings.extend(result.findings)
        self.sources.update(result.sources)
        self.secrets.update(result.secrets)
        self.frames.update(result.frames)

    def result(self, rest: LintResult) -> LintResult:
        return replace(rest, findings=self.findings, sources=self.sources, secrets=self.secrets, frames=self.frames)


_OWN_FILES = frozenset({"CACHEDIR.TAG", ".gitignore"})


def _refusal(directory: Path) -> str | None:
    """Why directory must not be used as the cache (it would write a `*` .gitignore, or trust
    entries, somewhere that is not authlint's own), or None."""
    if os.path.islink(directory):
        return "it is a symbolic link"
    if not os.path.lexists(directory):
        return None
    parent = os.path.realpath(os.path.dirname(os.path.abspath(directory)))
    if os.path.realpath(directory) != os.path.join(parent, os.path.basename(os.path.abspath(directory))):
        return "it resolves to another place"
    try:
        names = os.listdir(directory)
    except OSError as exc:
        return exc.strerror or str(exc)
    if names and "CACHEDIR.TAG" not in names:
        return "it holds files authlint did not write"
    for name in names:
        if name not in _OWN_FILES and not os.path.isdir(os.path.join(directory, name)):
            return f"it holds {name!r}, which authlint did not write"
    return None


def default_dir(settings: Settings) -> Path:
    """$AUTHLINT_CACHE_DIR, the `cache-dir` setting, or .authlint_cache in the project root."""
    env = os.environ.get("AUTHLINT_CACHE_DIR")
    root = Path(settings.project_dir or ".")
    configured = env or getattr(settings, "cache_dir", None)
    if configured:
        return Path(configured) if os.path.isabs(configured) or env else root / configured
    return root / DIR_NAME


def _debug(what: str) -> None:
    if os.environ.get("AUTHLINT_CACHE_STATS"):
        print(f"authlint: cache {what}", file=sys.stderr)


# -------------------------------------------------------------------- key
def _code_stamp() -> str:
    """authlint's own code (size + mtime of every module): a changed rule invalidates."""
    root = Path(__file__).parent
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith(".py"):
                try:
                    st = os.stat(os.path.join(dirpath, name))
                except OSError:
                    continue
                h.update(f"{os.path.relpath(os.path.join(dirpath, name), root)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _key(paths: list[Path], settings: Settings) -> str:
    from . import __version__

    parts = [
        f"entry-format {ENTRY_FORMAT}",
        f"authlint {__version__}",
        _code_stamp(),
        f"python {sys.version.split()[0]} {sys.implementation.name}",  # platform.python_version(), ~2 ms to import
        *_library_versions(),
        repr(settings),
        os.getcwd(),
        *(os.fspath(p) for p in paths),
    ]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:40]


def _library_versions() -> list[str]:
    """The parsers and detectors that decide findings: an upgrade must not serve old results.
    Stamped by their installed files (importlib.metadata alone costs ~25 ms of start-up)."""
    from importlib.util import find_spec

    out = []
    for name in ("ruamel.yaml", "yaml", "tree_sitter", "tree_sitter_bash", "detect_secrets"):
        try:
            spec = find_spec(name)
            st = os.stat(spec.origin) if spec and spec.origin else None
        except (ImportError, OSError, ValueError):
            st = None
        out.append(f"{name} {st.st_size}:{st.st_mtime_ns}" if st else f"{name} -")
    return out


def _version_dir(directory: Path) -> Path:
    from . import __version__

    return directory / __version__


# ------------------------------------------------------------ dependencies
def _text_hash(src: Source) -> str:
    return hashlib.sha256(((("\ufeff" if src.bom else "") + src.text)).encode("utf-8", "surrogatepass")).hexdigest()


def _probe(ws: Workspace, path: Path) -> str:
    """What reading path gives now: a content hash or the kind of failure."""
    try:
        return _text_hash(ws.read(path))
    except DecodeError:
        return "!decode"
    except ReadError as exc:
        return "!read " + str(exc)
    except OSError as exc:
        return f"!os {type(exc).__name__}"


class _RecordingWorkspace(Workspace):
    """A Workspace that remembers every read and existence probe, until `spill` hands them to
    the entry being written (a pool's workers send theirs to the parent, see projects.py)."""

    def __init__(self, settings: Settings, writer: "_Writer") -> None:
        super().__init__(settings, {})
        self.writer = writer
        self.reads: dict[str, str] = {}
        self.stats: dict[str, list[int]] = {}  # path -> [size, mtime_ns, inode], taken before the read
        self.probes: dict[str, bool] = {}

    def read(self, path: Path, within: Path | None = None) -> Source:
        key = os.path.abspath(path)
        if key not in self.stats and key not in self.overlays:
            stamp = _stamp(key)
            if stamp is not None and not _racy(stamp, time.time_ns()):
                self.stats[key] = stamp
        try:
            src = super().read(path, within)
        except DecodeError:
            self.reads[key] = "!decode"
            raise
        except ReadError as exc:
            self.reads[key] = "!read " + str(exc)
            raise
        except OSError as exc:
            self.reads[key] = f"!os {type(exc).__name__}"
            raise
        self.reads[key] = _text_hash(src)
        return src

    def exists(self, path: Path) -> bool:
        found = super().exists(path)
        self.probes[os.path.abspath(path)] = found
        return found

    def discover(self, paths: list[Path]):
        layout = _layout(paths, self.settings)  # stamped before discovery walks
        found = super().discover(paths)
        self.writer.guarded(self.writer.discovered, layout, _candidates(found), self.settings)
        return found

    def spill(self) -> None:
        """The reads and probes recorded so far, written to the entry and forgotten (a file read
        again is recorded again: each record holds on its own)."""
        if self.writer.pid != os.getpid():
            return  # a pool's worker: its records go to the parent
        self.writer.guarded(self._write)
        self.reads.clear()
        self.stats.clear()
        self.probes.clear()

    def _write(self) -> None:
        self.writer.rows("reads", [[p, h, self.stats.get(p)] for p, h in self.reads.items()])
        for p, found in self.probes.items():  # those the layout vouches for are checked only when it changed
            self.writer.rows("vouched" if _vouched(p, found, self.writer.layout) else "probes", [[p, found]])


def _stamp(path: str) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _racy(stamp: list[int], now: int) -> bool:
    """Modified so recently that a change within the filesystem's timestamp granularity
    would not move the mtime: the stamp cannot vouch for the content."""
    mtime = stamp[1]
    return now - mtime <= (RACY_NS if mtime % 1_000_000_000 == 0 else FINE_RACY_NS)


def _candidates(found) -> list[tuple[str, str, bool]]:
    return [(os.path.abspath(p), kind, bool(explicit)) for p, kind, explicit in found]


def _given(paths: list[Path]) -> list[tuple[str, bool]]:
    return [(os.path.abspath(p), p.exists()) for p in paths]


def _projects(candidates: list[tuple[str, str, bool]], settings: Settings) -> dict[str, str]:
    # every kind: a script named alone is linted inside its project's pipeline (glob includes too)
    return {path: str(_project_dir(Path(path), settings)) for path, kind, _ in candidates}


def _yaml_tree(project: str) -> str:
    """A hash of the list of YAML files under project (what glob includes can match)."""
    from .gitlab.includes import _SKIP_DIRS

    found: list[str] = []
    for base, dirs, names in os.walk(project):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and d != DIR_NAME)
        rel = os.path.relpath(base, project).replace(os.sep, "/")
        found.extend(n if rel == "." else f"{rel}/{n}" for n in names if n.endswith((".yml", ".yaml")))
    return hashlib.sha256("\n".join(sorted(found)).encode("utf-8", "surrogatepass")).hexdigest()


def _layout(paths: list[Path], settings: Settings) -> dict | None:
    """Stamps of what discovery depends on under the given paths, taken before discovery walks
    them (a change during the run must not be stamped as seen); None when one is too recent to
    trust.  Above each walked tree, the entries that decide a project directory (.git, the
    pipeline file names) of every ancestor; roots: the walked trees."""
    from .gitlab.includes import _SKIP_DIRS
    from .workspace import ROOT_SPELLINGS, classify

    deciders = (".git", *ROOT_SPELLINGS, *(settings.ci_config_path or ()))

    stamps: dict[str, list[int] | None] = {}
    walked: set[str] = set()
    present: dict[str, int | None] = {}
    roots = []
    for p in paths:
        top = os.path.abspath(p)
        if not os.path.isdir(top):
            stamps[top] = _stamp(top)
            continue
        roots.append(top)
        for name in (".gitignore", ".git/info/exclude", ".git/index"):
            stamps[os.path.join(top, name)] = _stamp(os.path.join(top, name))
        for above in Path(top).parents:
            for name in deciders:
                present[str(above / name)] = _existence(above / name)
        for base, dirs, names in os.walk(top):
            rel = os.path.relpath(base, top).replace(os.sep, "/")
            rel = "" if rel == "." else rel + "/"
            dirs[:] = [d for d in dirs if not ((d in _SKIP_DIRS or d == DIR_NAME) and settings.is_excluded(rel + d))]
            stamps[base] = _stamp(base)
            walked.add(base)
            for name in names:  # a name without suffix is classified by its shebang, an auth file by its keys
                if not Path(name).suffix or classify(Path(name)) == "auth":
                    stamps[os.path.join(base, name)] = _stamp(os.path.join(base, name))
    now = time.time_ns()
    if any(s is not None and _racy(s, now) for s in stamps.values()):
        return None
    return {"stamps": stamps, "dirs": walked, "present": present, "roots": roots}


def _covers(roots: list[str], projects: dict[str, str]) -> bool:
    """Whether every project directory lies in a walked tree (its glob-include tree is then covered too)."""
    return all(any(d == r or d.startswith(r + os.sep) for r in roots) for d in set(projects.values()))


def _vouched(path: str, found: bool, layout: dict | None) -> bool:
    """Whether the layout's directory stamps vouch for an existence probe, so that a hit with
    the same layout need not probe again: the nearest entry on the path that exists is a
    directory or a regular file (a symlink's target could change unseen) in a stamped
    directory, or is itself a stamped directory the path would be created in.  Probed again
    now, after the stamps were taken: a change during the run is not vouched for."""
    if layout is None or os.path.isfile(path) != found:
        return False
    stamps, at = layout["dirs"], path
    while True:
        try:
            mode = os.lstat(at).st_mode
            break
        except OSError:
            if os.path.dirname(at) == at:
                return False
            at = os.path.dirname(at)
    if stat.S_ISDIR(mode) and at != path:
        return at in stamps
    return (stat.S_ISREG(mode) or stat.S_ISDIR(mode)) and os.path.dirname(at) in stamps


def _existence(path: Path) -> int | None:
    """What matters of an ancestor's entry: whether it is there (its inode), not its mtime."""
    try:
        return path.stat().st_ino
    except OSError:
        return None


# ------------------------------------------------------------ serialising
# An entry file: the SHA-256 of the body, a newline, the body: lines of ASCII JSON.  The first
# is the head; each other is `[section, rows]`, at most CHUNK rows, sections in this order
# (a part: what the lint sent the report at once, its findings and what serving them needs).
SECTIONS = ("stamps", "discovered", "vouched", "probes", "reads", "projects", "trees", "files", "part")
CHUNK = 512


class _Writer:
    """An entry written as the run goes: each section's lines in an unnamed temp file (gone with
    the process, however it ends), joined into the entry file at the end, atomically."""

    def __init__(self, directory: Path) -> None:
        import tempfile

        self.pid = os.getpid()
        self.spools = {name: tempfile.TemporaryFile(dir=directory, buffering=0) for name in SECTIONS}
        self.counts = dict.fromkeys(SECTIONS, 0)
        self.layout: dict | None = None  # the walked directories and entries above them
        self.covers = False
        self.project_of: dict[str, str] = {}
        self.refused = False
        self.is_discovered = False
        self.held: dict[str, list] = {}  # rows not written yet
        self.parts: list[dict] = []  # parts not written yet
        self.held_findings = 0  # in those

    def __enter__(self) -> "_Writer":
        return self

    def __exit__(self, *exc) -> None:
        for spool in self.spools.values():
            spool.close()

    def guarded(self, step: Callable, *args) -> None:
        """step(*args), during the lint: the cache must never break it (a failure here, a full
        disk say, only leaves the run unstored)."""
        if self.refused:
            return
        try:
            step(*args)
        except Exception:
            if os.environ.get("AUTHLINT_DEBUG"):
                raise
            self.refused = True

    def rows(self, section: str, rows: list) -> None:
        """Rows added to a section, written CHUNK at a time: those of a small project wait for
        the next ones (a line each would cost a hit a decode each)."""
        held = self.held.setdefault(section, [])
        held.extend(rows)
        self.counts[section] += len(rows)
        if len(held) >= CHUNK:
            self.flush(section)

    def discovered(self, layout: dict | None, candidates: list[tuple[str, str, bool]], settings: Settings) -> None:
        if layout is not None:
            self.rows("stamps", list(layout["stamps"].items()))
            self.layout = {"dirs": layout["dirs"], "present": layout["present"]}
        self.rows("discovered", candidates)
        self.project_of = _projects(candidates, settings)
        self.rows("projects", list(self.project_of.items()))
        self.covers = layout is not None and _covers(layout["roots"], self.project_of)
        self.rows("trees", [[p, _yaml_tree(p)] for p in sorted(set(self.project_of.values()))])
        self.is_discovered = True

    def part(self, result: LintResult) -> None:
        if not self.refused and result.findings:
            data = _part(result, self.project_of)
            if data is None:
                self.refused = True
                return
            self.parts.append(data)
            self.held_findings += len(result.findings)
            if self.held_findings >= CHUNK:
                self.flush_parts()

    def flush(self, section: str) -> None:
        held = self.held.pop(section, [])
        _write_all(self.spools[section], b"".join(_line([section, held[i : i + CHUNK]]) for i in range(0, len(held), CHUNK)))

    def flush_parts(self) -> None:
        """The parts held, as one (a report is the same however its findings are split, and a
        hit then pays per line, not per project), on one line, their texts in one table."""
        if self.parts:
            part = _joined(self.parts)
            _write_all(self.spools["part"], _line(["part", {"strings": _intern(part["findings"]), "parts": [part]}]))
            self.counts["part"] += 1
            self.parts, self.held_findings = [], 0

    def finish(self, key: str, paths: list[Path], result: LintResult, ws: _RecordingWorkspace, entry_path: Path) -> bool:
        """Write the entry file; False when the run cannot be cached."""
        if self.refused or result.errors or result.warnings or result.internal_error or not self.is_discovered:
            return False
        ws.spill()
        self.rows("files", list(result.files))
        for section in list(self.held):
            self.flush(section)
        self.flush_parts()
        layout = self.layout and {"present": self.layout["present"], "covers_projects": self.covers}
        head = {"format": ENTRY_FORMAT, "key": key, "given": _given(paths), "layout": layout, "counts": self.counts}
        _write_entry(entry_path, _line(head), [self.spools[s] for s in SECTIONS])
        return True


def _line(value) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("ascii") + b"\n"


def _write_all(fd, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[fd.write(view) :]


def decode(data: bytes) -> dict | None:
    """An entry file as one object (for tests and tools): the head's fields, each section's
    rows, the parts under "part" (each with its line's "strings"); None when the body does
    not match its checksum."""
    at = data.find(b"\n") + 1
    if not at or hashlib.sha256(data[at:]).hexdigest().encode() != data[: at - 1]:
        return None
    head, *lines = data[at:].splitlines()
    entry = {**_object(head), **{s: [] for s in SECTIONS}}
    for line in lines:
        section, rows = _object(line)
        if section == "part":
            rows = [{**part, "strings": rows["strings"]} for part in rows["parts"]]
        entry[section].extend(rows)
    return entry


def encode(entry: dict) -> bytes:
    """The entry file of such an object (its counts made to match; a part a line)."""
    sections = {s: entry.get(s) or [] for s in SECTIONS}
    head = {k: entry.get(k) for k in ("format", "key", "given", "layout")}
    head["counts"] = {s: len(rows) for s, rows in sections.items()}
    parts = [{"strings": p.get("strings"), "parts": [{k: v for k, v in p.items() if k != "strings"}]} for p in sections.pop("part")]
    body = _line(head) + b"".join(_line([s, rows[i : i + CHUNK]]) for s, rows in sections.items() for i in range(0, len(rows), CHUNK))
    body += b"".join(_line(["part", part]) for part in parts)
    return hashlib.sha256(body).hexdigest().encode() + b"\n" + body


# A stored finding is a row: these fields, its texts by index in its line's table; a fix is
# [title, applicability, reason, edits], an edit [path, start, end, content], a code frame
# [line0, before, marked, after].  (Rows, not objects: a hit decodes every part twice.)
CODE, NAME, SEVERITY, MESSAGE, PATH, START, END, JOB, FIX, FINGERPRINT, RELATED, SECRETS, FRAME = range(13)
TITLE, APPLICABILITY, REASON, EDITS = range(4)


def _part(result: LintResult, project_of: dict[str, str]) -> dict | None:
    """A part as stored: its findings with what every format shows of them (texts redacted;
    positions; code frames), the locators of the values to redact, and the hashes
    of the files a hit reads; None when it cannot be stored (a fix edit holding a secret)."""
    findings = []
    positions: dict[str, dict[int, list[int]]] = {}  # shown path -> offset -> [line0, column0, UTF-16 column0]
    secret_sets: list[list[list]] = []  # locators of each distinct set of values to redact
    set_index: dict[tuple[int, tuple[str, ...]], int] = {}
    for f in result.findings:
        values = result.secrets.get(id(f), ())
        places = (f.path, *(e.path for e in (f.fix.edits if f.fix else ())), *f.related)
        at = set_index.get((id(values), places))
        if at is None:  # a file's findings share one set: located once, not once per finding
            at = set_index[(id(values), places)] = len(secret_sets)
            secret_sets.append(_locators(values, places, result.sources))
        src = result.sources.get(f.path)
        row = _finding_row(f, values, at, None if src is None else snippet(src, f.span.start, f.span.end, values))
        if row is None:
            return None
        for path, offset in _offsets(f):
            if path in result.sources:
                places = positions.setdefault(path, {})
                if offset not in places:
                    places[offset] = _place(result.sources[path], offset)
        findings.append(row)
    part = {
        "findings": findings,
        "positions": {p: [[o, *at] for o, at in places.items()] for p, places in positions.items()},
        "secret_sets": secret_sets,
    }
    part["sources"] = {p: [_text_hash(result.sources[p]), project_of.get(os.path.abspath(p))]
                       for p in sorted(_read_paths(part)) if p in result.sources}
    return part


def _joined(parts: list[dict]) -> dict:
    """Parts as one: their findings in order (each pointing at its own values to redact)."""
    if len(parts) == 1:
        return parts[0]
    out: dict = {"findings": [], "positions": {}, "secret_sets": [], "sources": {}}
    for part in parts:
        base = len(out["secret_sets"])
        for row in part["findings"]:
            row[SECRETS] += base
        out["findings"] += part["findings"]
        out["secret_sets"] += part["secret_sets"]
        for path, places in part["positions"].items():
            out["positions"].setdefault(path, []).extend(places)
        out["sources"].update(part["sources"])
    return out


def _intern(findings: list[list]) -> list[str]:
    """Replace the texts of stored findings by their index in one table, which it returns: a
    line's findings show far fewer distinct texts (smaller to load, shared once loaded)."""
    table: dict[str, int] = {}

    def ref(text: str | None) -> int | None:
        return None if text is None else table.setdefault(text, len(table))

    for row in findings:
        for at in (NAME, MESSAGE, PATH, JOB):
            row[at] = ref(row[at])
        if row[FRAME] is not None:
            row[FRAME] = [row[FRAME][0], *map(ref, row[FRAME][1:])]
        fix = row[FIX]
        if fix is not None:
            fix[TITLE], fix[REASON] = ref(fix[TITLE]), ref(fix[REASON])
            fix[EDITS] = [[ref(p), start, end, ref(content)] for p, start, end, content in fix[EDITS]]
    return list(table)


def _offsets(f: Finding) -> list[tuple[str, int]]:
    """The (path, offset) pairs reporters turn into positions: the span's and the fix's edits'."""
    edits = f.fix.edits if f.fix is not None else ()
    return [(f.path, f.span.start), (f.path, f.span.end), *((e.path, o) for e in edits for o in (e.start, e.end))]


def _place(src: Source, offset: int) -> list[int]:
    pos = src.index.position(offset)
    return [pos.line - 1, pos.column - 1, src.index.utf16(offset)[1]]


_DECODE = json.JSONDecoder().decode  # json.loads, without its checks of a text known to be ASCII


def _object(text: bytes | str):
    """A body line: the head (an object) or `[section, rows]`."""
    value = _DECODE(text.decode("ascii") if isinstance(text, bytes) else text)
    if not isinstance(value, (dict, list)):
        raise ValueError("not a line of an entry")
    return value


def _locators(secrets, places: tuple[str, ...], sources: dict[str, Source]) -> list[list]:
    """(path, start, end) of an occurrence of each value in a file the entry pins."""
    out = []
    texts = [(p, sources[p].text) for p in dict.fromkeys(places) if p in sources]
    for secret in sorted(set(s for s in secrets if s)):
        for path, text in texts:
            at = text.find(secret)
            if at >= 0:
                out.append([path, at, at + len(secret)])
                break
    return out


def _finding_row(f: Finding, secrets: tuple[str, ...], secret_set: int, frame) -> list | None:
    def clean(text: str) -> str:
        return redact_text(text, secrets)

    fix = None
    if f.fix is not None:
        if any(clean(e.content) != e.content for e in f.fix.edits):
            # Reporters treat an edit that holds a secret specially (SARIF leaves it
            # out); a stored, pre-redacted edit would look harmless: do not cache.
            return None
        reason = clean(f.fix.reason) if f.fix.reason is not None else None
        fix = [clean(f.fix.title), int(f.fix.applicability), reason, [[e.path, e.start, e.end, e.content] for e in f.fix.edits]]
    return [f.code, f.name, int(f.severity), clean(f.message), f.path, f.span.start, f.span.end, f.job, fix,
            f.fingerprint_key, list(f.related), secret_set, None if frame is None else list(frame)]


def _read_paths(part: dict, strings: list[str] | None = None) -> set[str]:
    """The shown files a hit reads: those its values to redact are located in, and those of
    its credential findings (whose own text those values must redact)."""
    paths = {loc[0] for locators in part["secret_sets"] for loc in locators}
    paths.update(row[PATH] if strings is None else strings[row[PATH]] for row in part["findings"] if row[CODE].startswith("AL1"))
    return paths


class _Damaged(ValueError):
    """A cache entry that does not describe the files it pins: dropped."""


class _Places:
    """The line index of a file a hit did not read: the positions its findings show."""

    __slots__ = ("places",)

    def __init__(self, places: dict[int, tuple[int, int, int]]) -> None:
        self.places = places  # offset -> (0-based line, column, UTF-16 column)

    def position(self, offset: int) -> Position:
        line0, column0, _ = self.places[offset]
        return Position(line0 + 1, column0 + 1)

    def utf16(self, offset: int) -> tuple[int, int]:
        line0, _, units = self.places[offset]
        return line0, units


class _Unread(Source):
    """A shown file as a hit has it: its path and the positions of its findings, not its text."""

    def __init__(self, path: str, places: list[list[int]], checked: bool = False) -> None:
        super().__init__(path, "")
        if checked:  # (a hit's second reading)
            self._places = _Places({o: (line0, col, units) for o, line0, col, units in places})
        else:
            self._places = _Places({int(o): (int(line0), int(col), int(units)) for o, line0, col, units in places})

    @property
    def index(self) -> _Places:  # type: ignore[override]
        return self._places


def _finding(row: list, strings: list[str]) -> Finding:
    """A stored finding, its texts looked up in strings."""
    fix = row[FIX]
    if fix is not None:
        title, applicability, reason, stored = fix
        edits = tuple([Edit(strings[p], int(s), int(e), strings[c]) for p, s, e, c in stored])
        fix = Fix(strings[title], edits, _APPLICABILITY[applicability], None if reason is None else strings[reason])
    job = row[JOB]
    return Finding(row[CODE], strings[row[NAME]], _SEVERITY[row[SEVERITY]], strings[row[MESSAGE]], strings[row[PATH]],
                   Span(row[START], row[END]), None if job is None else strings[job], fix, row[FINGERPRINT], tuple(row[RELATED]))


def _checked_finding(row: list, strings: list[str], shown: dict[str, _Unread], texts: dict[str, Source],
                     secrets: tuple[str, ...]) -> Finding:
    """A stored finding, checked: a known rule, positions stored for its offsets, and a
    credential finding's own text redacted by the stored values."""
    f = _finding(row, strings)
    if f.code not in _rule_codes():
        raise _Damaged(f.code)
    for path, offset in _offsets(f):
        if path in shown and offset not in shown[path].index.places:
            raise _Damaged(path)
    if f.code.startswith("AL1"):
        whole = texts[f.path].text
        if not 0 <= f.span.start <= f.span.end <= len(whole):
            raise _Damaged(f.path)
        own = whole[f.span.start : f.span.end]
        if own.strip() and redact_text(own, secrets) == own:
            raise _Damaged("a credential finding whose own text the stored values do not redact")
    return f


_SEVERITY = {int(s): s for s in Severity}
_APPLICABILITY = {int(a): a for a in Applicability}


def _frame(stored: list | None, strings: list[str]) -> tuple[int, str, str, str] | None:
    if stored is None:
        return None
    line0, before, marked, after = stored
    if not isinstance(line0, int):
        raise _Damaged("frame")
    return line0, strings[before], strings[marked], strings[after]


def _shown_texts(f: Finding, frame: tuple[int, str, str, str] | None) -> list[str]:
    """What reporters show of a finding that redaction applies to."""
    out = [f.message, *(frame[1:] if frame else ())]
    if f.fix is not None:
        out.append(f.fix.title)
        out.extend(e.content for e in f.fix.edits)
        if f.fix.reason is not None:
            out.append(f.fix.reason)
    return out


def _holds_a_secret(shown: dict[int, set[str]], sets: list[SecretSet]) -> bool:
    """Whether a stored text holds a GitLab token or a value its finding redacts: stored texts
    were redacted, so such an entry is damaged (or forged) and not served."""
    if any(find_gitlab_tokens(t) for texts in shown.values() for t in texts):
        return True
    return any(sets[i] and sets[i].spans("\n".join(texts)) for i, texts in shown.items())


@functools.lru_cache(maxsize=None)
def _rule_codes() -> frozenset[str]:
    from .rules import codes

    return codes()


def _secret_sets(data: dict, sources: dict[str, Source]) -> list[SecretSet]:
    out = []
    for locators in data["secret_sets"]:
        values = []
        for path, start, end in locators:
            span_in_text = path in sources and 0 <= start < end <= len(sources[path].text)
            if not span_in_text:
                raise _Damaged(path)
            values.append(sources[path].text[start:end])
        out.append(SecretSet(values))
    return out


# ----------------------------------------------------------------- lookup
def _lookup(entry_path: Path, key: str, paths: list[Path], settings: Settings, sink: Sink) -> LintResult | None:
    """The stored result, its parts sent to sink, if every dependency holds; else None, nothing
    sent.  The parts are read twice: all checked first, then sent (a bad one sends nothing)."""
    try:
        file = _open_entry(entry_path)
    except OSError:
        return None
    if file is None:
        return None
    with file:
        try:
            head = _object(file.readline())
            if head.get("format") != ENTRY_FORMAT or head.get("key") != key:
                return None
            stale: dict[str, list[int]] = {}
            checked = _validate(file, head, paths, settings, stale)
            if checked is None:
                return None
            files, parts_at, values = checked
        except (KeyError, TypeError, ValueError, IndexError, AttributeError):  # _Damaged included
            return None  # a damaged entry is a miss; the run rewrites it
        file.seek(parts_at)
        i = 0
        for line in file:
            parts = _object(line)[1]
            for part in parts["parts"]:
                sink(_served(part, parts["strings"], values.get(i)))
                i += 1
    if stale:  # touched but unchanged (a checkout): stamp them anew, hash once
        try:
            _restamp(entry_path, stale)
        except (OSError, ValueError):
            pass
    return LintResult([], {}, files, [])


def _open_entry(entry_path: Path):
    """The entry file, after its checksum line, or None when the body does not match that."""
    file = open(entry_path, "rb")
    try:
        expected = file.readline().rstrip(b"\n")
        digest = hashlib.sha256()
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
        if digest.hexdigest().encode() == expected:
            file.seek(len(expected) + 1)
            return file
    except BaseException:
        file.close()
        raise
    file.close()
    return None


def _section(line: bytes) -> str:
    """The section of a body line, `["section",[...]]`, without decoding the rest."""
    if not line.startswith(b'["'):
        raise _Damaged("line")
    return line[2 : line.index(b'"', 2)].decode("ascii")


def _validate(file, head: dict, paths: list[Path], settings: Settings,
              stale: dict[str, list[int]]) -> tuple[list[str], int, dict[int, list[SecretSet]]] | None:
    """(files, where the parts start, the values to redact of each part that has some) if every
    dependency holds; stale gets the new stamps of files re-hashed and found unchanged."""
    if [list(g) for g in _given(paths)] != head["given"]:
        return None
    ws = Workspace(settings, {})
    counts, layout = head["counts"], head["layout"]
    same_layout = layout is not None and all(_existence(Path(p)) == i for p, i in layout["present"].items())
    vouched = {"discovered", "vouched"} | ({"projects", "trees"} if layout is not None and layout["covers_projects"] else set())
    seen = dict.fromkeys(SECTIONS, 0)
    skipped: set[str] = set()
    fresh: list | None = None  # discovery redone, when the layout changed
    files: list[str] = []
    while True:
        at = file.tell()
        line = file.readline()
        section = _section(line) if line else "part"
        if section != "stamps" and fresh is None and not same_layout:
            fresh = [list(c) for c in _candidates(ws.discover([p for p in paths if p.exists()]))]
            if len(fresh) != counts["discovered"]:
                return None
        if section == "part":
            break
        if same_layout and section in vouched:
            skipped.add(section)
            continue  # what the stamps vouch for: not even decoded
        rows = _object(line)[1]
        start = seen[section]
        seen[section] += len(rows)
        if section == "stamps":
            same_layout = same_layout and all(_stamp(p) == s for p, s in rows)
        elif section == "discovered":
            if rows != fresh[start : seen[section]]:  # type: ignore[index]
                return None
        elif section in ("vouched", "probes"):
            if any(os.path.isfile(p) != found for p, found in rows):
                return None  # Workspace.exists, without overlays
        elif section == "reads":
            if not _reads_hold(ws, rows, stale):
                return None
        elif section == "projects":
            if any(str(_project_dir(Path(p), settings)) != d for p, d in rows):
                return None
        elif section == "trees":
            if any(_yaml_tree(p) != tree for p, tree in rows):
                return None
        elif section == "files":
            files.extend(rows)
    if any(seen[s] != counts[s] for s in SECTIONS[:-1] if s not in skipped):
        raise _Damaged("counts")
    if not all(isinstance(p, str) for p in files):
        raise _Damaged("files")
    file.seek(at)
    values = _check_parts(file, ws, counts["part"])
    return files, at, values


def _reads_hold(ws: Workspace, rows: list, stale: dict[str, list[int]]) -> bool:
    for path, expected, stamp in rows:
        now = _stamp(path)
        if stamp is not None and now == stamp:
            continue  # unchanged since it was read: no need to read and hash it again
        if _probe(ws, Path(path)) != expected:
            return False
        if now is not None and not _racy(now, time.time_ns()):
            stale[path] = now
    ws.forget_reads()
    return True


def _check_parts(file, ws: Workspace, count: int) -> dict[int, list[SecretSet]]:
    """Every stored part checked (see _checked); the values to redact of those that have some."""
    values: dict[int, list[SecretSet]] = {}
    n = 0
    for line in file:
        if _section(line) != "part":
            raise _Damaged("part")
        parts = _object(line)[1]
        strings = parts["strings"]
        if not all(isinstance(t, str) for t in strings):
            raise _Damaged("strings")
        for part in parts["parts"]:
            sets = _checked(part, strings, ws)
            if any(sets):
                values[n] = sets
            n += 1
        ws.forget_reads()
    if n != count:
        raise _Damaged("parts")
    return values


def _checked(part: dict, strings: list[str], ws: Workspace) -> list[SecretSet]:
    """A stored part's values to redact, read from the files it pins, which must be unchanged;
    its findings checked (known rules, stored positions, credential findings' own text
    redacted, no stored text holding a value to redact)."""
    texts: dict[str, Source] = {}
    for shown in _read_paths(part, strings):
        digest, project = part["sources"][shown]
        try:  # read as the run did, within the project directory the entry pins
            src = ws.read(Path(shown), Path(project) if project is not None else None)
        except (DecodeError, OSError):
            src = Source(shown, "")
        if src.path != shown or _text_hash(src) != digest:
            raise _Damaged(shown)
        texts[shown] = src
    sets = _secret_sets(part, texts)
    unread = {path: _Unread(path, places) for path, places in part["positions"].items()}
    shown_with: dict[int, set[str]] = {}  # secret set -> the texts shown with it
    for row in part["findings"]:
        f = _checked_finding(row, strings, unread, texts, sets[row[SECRETS]])
        shown_with.setdefault(row[SECRETS], set()).update(_shown_texts(f, _frame(row[FRAME], strings)))
    if _holds_a_secret(shown_with, sets):
        raise _Damaged("a stored text holds a value to redact")
    return sets


def _served(part: dict, strings: list[str], sets: list[SecretSet] | None) -> LintResult:
    """A checked part as the reporters get it: its files as the positions its findings show."""
    unread = {path: _Unread(path, places, checked=True) for path, places in part["positions"].items()}
    findings: list[Finding] = []
    secrets: dict[int, tuple[str, ...]] = {}
    frames: dict[int, tuple[int, str, str, str] | None] = {}
    for row in part["findings"]:
        values = sets[row[SECRETS]] if sets else _NONE
        f = _finding(row, strings)
        frames[id(f)] = _frame(row[FRAME], strings)
        secrets[id(f)] = values
        findings.append(f)
    return LintResult(findings, dict(unread), [], secrets=secrets, frames=frames)


_NONE = SecretSet()


def _restamp(entry_path: Path, stale: dict[str, list[int]]) -> None:
    """The entry rewritten with the new stamps of files found unchanged."""
    file = _open_entry(entry_path)
    if file is None:
        return
    import tempfile

    with file, tempfile.TemporaryFile(dir=entry_path.parent, buffering=0) as body:
        head = file.readline()
        for line in file:
            if line.startswith(b'["reads",'):
                line = _line(["reads", [[p, h, stale.get(p, stamp)] for p, h, stamp in _object(line)[1]]])
            _write_all(body, line)
        _write_entry(entry_path, head, [body])


# ------------------------------------------------------------------ store
def _write_entry(entry_path: Path, head: bytes, spools: list) -> None:
    """The entry file: the checksum line, the head line and the sections' lines, written
    atomically (a failed or killed run leaves no entry)."""
    from .fixes import write_atomic_bytes

    def write(out) -> None:
        digest = hashlib.sha256(head)
        out.write(b"0" * 64 + b"\n" + head)
        for spool in spools:
            spool.seek(0)
            for block in iter(lambda: spool.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
        out.seek(0)
        out.write(digest.hexdigest().encode())

    write_atomic_bytes(entry_path, write)


def _ensure_dir(directory: Path) -> None:
    from .fixes import write_atomic_bytes

    directory.mkdir(parents=True, exist_ok=True)
    tag = directory / "CACHEDIR.TAG"
    if not tag.exists():
        write_atomic_bytes(tag, CACHEDIR_TAG.encode())
    ignore = directory / ".gitignore"
    if not ignore.exists():
        write_atomic_bytes(ignore, b"# Automatically created by authlint.\n*\n")


def _prune(version_dir: Path) -> None:
    try:
        entries = [e for e in os.scandir(version_dir) if e.name.endswith((".entry", ".json"))]  # .json: format 2
        if len(entries) <= MAX_ENTRIES:
            return
        entries.sort(key=lambda e: e.stat().st_mtime_ns)
        for e in entries[: len(entries) - MAX_ENTRIES]:
            os.unlink(e.path)
    except OSError:
        pass


def clear(directory: Path) -> None:
    """Remove authlint's cache entries under directory (the tag and .gitignore stay)."""
    import shutil

    if directory.is_dir():
        for child in directory.iterdir():
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
