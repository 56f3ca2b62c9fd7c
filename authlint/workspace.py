"""Finding and reading the files authlint lints.

Paths shown to users are relative to the working directory and '/'-separated.
Unsaved editor buffers and stdin come in as overlays that shadow the disk.
"""

from __future__ import annotations

import os
import re
import stat
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .authjson.looks import file_holds_auth_json
from .lazy import lazy_compile
from .settings import Settings
from .source import DecodeError, Source

ROOT_NAMES = (".gitlab-ci.yml", ".gitlab-ci.yaml")
PROJECT_MARKS = frozenset((*ROOT_NAMES, ".git"))  # what decides a project directory (Workspace.project_dir)
# Where projects keep their pipeline when it is not .gitlab-ci.yml (GitLab: Settings > CI/CD >
# CI/CD configuration file); the first is GitLab's default.
ROOT_SPELLINGS = (
    ".gitlab-ci.yml", ".gitlab-ci.yaml", ".gitlab/.gitlab-ci.yml", ".gitlab/.gitlab-ci.yaml", ".gitlab/ci.yml",
    ".gitlab/ci.yaml", ".gitlab/gitlab-ci.yml", "gitlab-ci.yml", "ci/.gitlab-ci.yml", "ci/gitlab-ci.yml",
)
CI_NAME = re.compile(r"(^|/)(\.gitlab-ci|[^/]*\.gitlab-ci)\.ya?ml$")
SHELL_EXT = (".sh", ".bash")
AUTH_NAMES = ("config.json", "auth.json", ".dockercfg")
AUTH_EXT = (".dockerconfigjson",)
SHEBANG = lazy_compile(rb"^#!\s*(?:/usr)?/bin/(?:env\s+)?(?:ba|da|k|z)?sh\b")


class ReadError(OSError):
    """A file that cannot be linted, with a one-line reason."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.reason = message.split(": ", 1)[-1]  # the message without the path it starts with


class MissingFile(ReadError, FileNotFoundError):
    """A file that does not exist (an include that matches nothing is AL002, not AL001)."""


_CWD: str | None = None  # the working directory during a lint run (fixed_cwd)
_JOINABLE_CWD: str | None = None  # _CWD when a normalised relative path joins it as abspath would


@contextmanager
def fixed_cwd() -> Iterator[None]:
    """A lint run asks for the working directory once, not for every path it shows (a lint
    changes no directory; the one set when the run started is used throughout)."""
    global _CWD, _JOINABLE_CWD
    before = _CWD, _JOINABLE_CWD
    _CWD = os.getcwd()
    _JOINABLE_CWD = _CWD if os.sep == "/" and _CWD[:1] == "/" and _CWD != "/" and _normal(_CWD) else None
    try:
        yield
    finally:
        _CWD, _JOINABLE_CWD = before


def display_path(path: Path | str) -> str:
    """path relative to the working directory, '/'-separated (os.path.relpath's answer, which
    a normalised path below the working directory gets without normalising it again)."""
    s = os.fspath(path)
    if os.sep == "/" and s and _normal(s):
        if s[0] != "/":
            return s
        cwd = _CWD or os.getcwd()
        if s.startswith(cwd) and s[len(cwd):len(cwd) + 1] == "/" and cwd != "/":
            return s[len(cwd) + 1:]
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        rel = str(path)
    if rel.startswith(".." + os.sep + ".." + os.sep + ".."):
        rel = str(path)
    return rel.replace(os.sep, "/")


def absolute(path: Path | str) -> str:
    """os.path.abspath(path): during a run, a normalised relative path (or '.') is joined to the
    working directory it started in without asking for it again (see fixed_cwd)."""
    s = os.fspath(path)
    cwd = _JOINABLE_CWD
    if cwd is not None and s and s[0] != "/":
        if s == ".":
            return cwd
        if _normal(s):
            return cwd + "/" + s
    return os.path.abspath(s)


def relative(path: str, base: str) -> str:
    """os.path.relpath(path, base), '/'-separated: for an absolute, normalised path below an
    absolute, normalised base, the text after it (relpath would normalise both again)."""
    if os.sep == "/" and path.startswith(base) and path[len(base):len(base) + 1] == "/" and base[:1] == "/" and _normal(path) and _normal(base):
        return path[len(base) + 1:]
    return os.path.relpath(path, base).replace(os.sep, "/")


def _normal(s: str) -> bool:
    """Whether a non-empty '/'-separated path is normalised: no empty, '.' or '..' part, no trailing '/'."""
    t = (s if s[0] == "/" else "/" + s) + "/"
    return "//" not in t and "/./" not in t and "/../" not in t and s != "/"


def classify(path: Path, head: bytes | None = None) -> str | None:
    """'ci', 'yaml', 'shell', 'auth' or None, from the name (and shebang)."""
    name = path.name
    if CI_NAME.search(name):  # the pattern matches within the last part of a path: its name
        return "ci"
    if name.endswith((".yml", ".yaml")):
        return "yaml"
    if name.endswith(SHELL_EXT):
        return "shell"
    if name in AUTH_NAMES or name.endswith(AUTH_EXT):
        return "auth"
    if head is not None and SHEBANG.match(head):
        return "shell"
    return None


@dataclass(eq=False)
class Workspace:
    """The files of a run: reads (overlays first, each file once), discovery and project directories."""

    settings: Settings
    overlays: dict[str, str] = field(default_factory=dict)  # absolute path -> text
    _cache: dict[str, Source] = field(default_factory=dict)
    _projects: dict[str, Path] = field(default_factory=dict)  # directory -> its project directory
    _tops: dict[str, str | None] = field(default_factory=dict)  # directory -> repo_top's answer
    unreadable: list[tuple[Path, str]] = field(default_factory=list)  # directories discovery could not list
    # While discovery finds project directories: a directory it listed -> which of the names
    # that decide one (PROJECT_MARKS) it holds (a listed directory answers without a stat).
    _marks: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def read(self, path: Path, within: Path | None = None) -> Source:
        """Read a file as a Source; raise ReadError / DecodeError with a clear reason.

        Only a regular file whose real location is inside `within` (default: the file's
        project directory) is read: a symlink out of the project is refused unread."""
        key = absolute(path)
        if key in self._cache:
            return self._cache[key]
        shown = display_path(path)
        if key in self.overlays:
            src = Source(shown, *_strip_bom(_checked_overlay(self.overlays[key])))
        else:
            src = self._read_disk(path, shown, within)
        self._cache[key] = src
        return src

    def forget_reads(self) -> None:
        """Drop the sources read so far (a fleet run, between projects)."""
        self._cache.clear()

    def _read_disk(self, path: Path, shown: str, within: Path | None) -> Source:
        data = read_regular(path, shown, self.settings.max_file_size, self.project_dir(path) if within is None else within)
        src = Source.from_bytes(shown, data)
        if src.bom and classify(path) == "auth":
            # JSON consumers reject a BOM (AL301): keep it in the text so it is seen and fixable.
            src = Source(shown, "\ufeff" + src.text, False)
        return src

    def exists(self, path: Path) -> bool:
        return (bool(self.overlays) and os.path.abspath(path) in self.overlays) or os.path.isfile(path)

    def discover(self, paths: list[Path], chunk: Callable[[list[tuple[Path, str, bool]], list[str]], None] | None = None
                 ) -> list[tuple[Path, str, bool]]:
        """(path, kind, explicit) for every file to lint under paths.

        A walk yields every YAML file ('yaml', unless named like a pipeline): whether it is CI
        YAML is decided by the engine, from the pipelines that include it or by sniffing.  The
        project directory of each file found by walking is known when it returns: the listing
        of every directory walked answers the existence tests that decide it.  Given `chunk`, it
        is called as the walk goes with the files found under each directory directly below a
        walked path (and those directly in it), once that directory is walked, and the absolute
        directory each is in."""
        found: dict[str, tuple[Path, str, bool]] = {}
        # A recording workspace records each existence test, an overlay is a file no listing shows.
        marks: dict[str, tuple[str, ...]] | None = {} if type(self).exists is Workspace.exists and not self.overlays else None
        walked: list[str] = []
        head: str | None = None  # the directory below the walked path the files in `walked` are in

        def done() -> None:
            dirs = [_parent(key) for key in walked]
            if marks:
                for d in dirs:
                    self._project_of_dir(d)
            if chunk is not None and walked:
                chunk([found[key] for key in walked], dirs)
            walked.clear()

        self._marks = marks if marks is not None else {}  # filled by the walk as it lists
        try:
            for p in paths:
                if p.is_dir():
                    base = _plain_base(p)
                    for rel, f in self.walk(p, marks if base else None):
                        kind = classify(f) or (classify(f, _head(f, p)) if not f.suffix else None)
                        if kind in ("ci", "yaml", "shell") or (kind == "auth" and _holds_auths(f, p)):
                            key = base + rel if base else os.path.abspath(f)  # the same string
                            if key not in found:
                                if chunk is not None and (below := rel.partition("/")[0] if "/" in rel else "") != head:
                                    done()
                                    head = below
                                found[key] = (f, kind, False)
                                walked.append(key)
                    done()
                    head = None
                else:
                    kind = classify(p, _head(p)) or ("ci" if os.path.abspath(p) in self.overlays else None)
                    found[os.path.abspath(p)] = (p, kind or "unknown", True)
        finally:
            self._marks = {}
        return list(found.values())

    def walk(self, root: Path, marks: dict[str, tuple[str, ...]] | None = None):
        """(path below root, '/'-separated; root / it) for the files under root that are neither
        excluded nor ignored: git's own view inside a work tree (nested .gitignore,
        .git/info/exclude, global excludes), else every .gitignore (then, given `marks`, what
        each directory listed holds of PROJECT_MARKS is added to it, by absolute path)."""
        listed = _git_files(root)
        excluded = self.settings.is_excluded
        if listed is not None:
            listing = ((rel, None) for rel in listed)
        else:
            listing = _walk_gitignore(root, excluded, self._unlistable, marks, os.path.abspath(root))
        # The last file's directory, made a Path once a second file is in it: a directory's files
        # come one after another (a fleet's project holds one file a directory: one Path a file).
        rel_dir, directory = None, None
        for rel, is_file in listing:
            if excluded(rel):
                continue
            if os.path.isfile(root / rel) if is_file is None else is_file:  # git lists deleted and submodule paths; FIFOs are never read
                here, _, name = rel.rpartition("/")
                if here != rel_dir:
                    rel_dir, directory = here, None
                    yield rel, root / rel
                else:
                    directory = directory or root / rel_dir
                    yield rel, directory / name

    def _unlistable(self, exc: OSError) -> None:
        where = Path(exc.filename) if exc.filename else Path(".")
        self.unreadable.append((where, f"{display_path(where)}: directory cannot be read: {exc.strerror or exc}"))

    # -------------------------------------------------------------- projects
    def project_dir(self, path: Path) -> Path:
        """The directory a CI file's local includes resolve from: the repository top (the
        directory holding .git) when a pipeline root is there, else the nearest directory
        holding a .gitlab-ci.yml (a project nested in a checkout, or no git at all)."""
        return self._project_of_dir(directory_of(path))

    def _project_of_dir(self, start: str) -> Path:
        """project_dir of the files in an absolute, normalised directory (kept: it is asked for each file)."""
        found = self._projects.get(start)
        if found is None:
            top = self._project_of(start)
            found = self._projects.get(top)  # the project's own entry: one Path for its directories
            if found is None or str(found) != top:
                found = Path(top)
            self._projects[start] = found
        return found

    def _project_of(self, start: str) -> str:
        top = self._repo_top(start)
        if top is not None and self.root_candidates(Path(top)):
            return top
        d = start
        while True:
            marks = self._marks.get(d)
            if any(n in marks for n in ROOT_NAMES) if marks is not None else any(self.exists(os.path.join(d, name)) for name in ROOT_NAMES):  # type: ignore[arg-type]
                return d
            parent = _parent(d)
            if d == top or parent == d:
                return top or start
            d = parent

    def _repo_top(self, start: str) -> str | None:
        """repo_top of an absolute, normalised directory; what it learns on the way up is kept (the
        projects of a fleet share their parents)."""
        below, d = [], start
        while d not in self._tops:
            below.append(d)
            marks = self._marks.get(d)
            if (marks is None or ".git" in marks) and os.path.exists(os.path.join(d, ".git")):
                self._tops[d] = d
                break
            parent = _parent(d)
            if parent == d:
                self._tops[d] = None
                break
            d = parent
        top = self._tops[d]
        for b in below:
            self._tops[b] = top
        return top

    def root_candidates(self, project: Path) -> list[Path]:
        """The configured CI file(s), else .gitlab-ci.yml, else every common spelling present."""
        names = self.settings.ci_config_path or (ROOT_SPELLINGS[0],)
        found = [p for p in (project / n for n in names) if self.exists(p)]  # one Path each: it keeps its str
        if found or self.settings.ci_config_path:
            return found
        return [p for p in (project / n for n in ROOT_SPELLINGS[1:]) if self.exists(p)]


def _checked_overlay(text: str) -> str:
    """stdin that was not UTF-8 arrives with surrogate escapes: the same AL001 as such a file on disk."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise DecodeError(f"not valid UTF-8 (invalid byte at character {exc.start})", exc.start) from None
    return text


def inside(path: Path, root: Path) -> bool:
    """Whether path's real location (symlinks resolved) is root or below it."""
    if _plainly_below(os.fspath(path), os.fspath(root)):
        return True
    real, base = os.path.realpath(path), os.path.realpath(root)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def _plainly_below(path: str, root: str) -> bool:
    """path is below root by its name, and no part of it below root is a symlink: then its real
    location is below root's, whatever root's own resolves to (fewer lstat calls than realpath)."""
    if not (os.sep == "/" and path and root and _normal(path) and _normal(root)):
        return False
    if path[0] != "/" or root[0] != "/":  # (abspath leaves a normalised absolute path as it is)
        path, root = absolute(path), absolute(root)
    if not path.startswith(root) or path[len(root):len(root) + 1] != "/":
        return False
    at = len(root)
    while at != -1:
        at = path.find("/", at + 1)
        try:
            if stat.S_ISLNK(os.lstat(path if at == -1 else path[:at]).st_mode):
                return False
        except OSError:
            return False
    return True


def read_regular(path: Path, shown: str, limit: int, within: Path | None = None, prefix: bool = False) -> bytes:
    """The bytes of a regular file (a larger one is refused, or with prefix its first limit
    bytes): a FIFO, device or directory is refused without blocking, and so is a path that
    resolves outside `within`."""
    if within is not None and not inside(path, within):
        raise ReadError(f"{shown}: resolves outside the project ({display_path(within)}); not read")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError as exc:
        raise MissingFile(f"{shown}: {exc.strerror or exc}") from None
    except OSError as exc:
        raise ReadError(f"{shown}: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise ReadError(f"{shown}: is a directory")
        if not stat.S_ISREG(st.st_mode):
            raise ReadError(f"{shown}: not a regular file; not read")
        if st.st_size > limit and not prefix:
            raise ReadError(f"{shown}: file is larger than {limit} bytes; skipped")
        try:
            data = _read_up_to(fd, limit if prefix else limit + 1, st.st_size)
        except OSError as exc:
            raise ReadError(f"{shown}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise ReadError(f"{shown}: file is larger than {limit} bytes; skipped")
    return data


def _read_up_to(fd: int, most: int, size: int) -> bytes:
    """Up to `most` bytes, to the end of the file: asked for by its size (a buffered read of
    `most` would allocate all of it, 5 MB, for every file).  A regular file's read returns less
    than asked only at its end, so one read of size + 1 usually suffices (no second, empty one)."""
    chunks, got = [], 0
    while got < most:
        ask = min(most - got, max(size + 1 - got, 1 << 16))
        chunk = os.read(fd, ask)
        chunks.append(chunk)
        got += len(chunk)
        if len(chunk) < ask:
            break
    return b"".join(chunks)


def _strip_bom(text: str) -> tuple[str, bool]:
    return (text[1:], True) if text.startswith("\ufeff") else (text, False)


def _head(path: Path, within: Path | None = None) -> bytes | None:
    try:
        return read_regular(path, "", 64, within, prefix=True)
    except OSError:
        return None




def _holds_auths(path: Path, within: Path) -> bool:
    try:
        data = read_regular(path, "", 1_000_000, within, prefix=True)
    except OSError:
        return path.name in AUTH_NAMES  # unreadable, or not a file inside the project: reported when read
    # .replace: a UTF-16 file holding `auths` is still an auth file (one Docker rejects: AL001)
    holds = file_holds_auth_json(data) or file_holds_auth_json(data.replace(b"\x00", b""))
    return holds or path.name.endswith(AUTH_EXT) or path.name == ".dockercfg"


def repo_top(start: Path) -> Path | None:
    """The nearest directory at or above start that holds .git (a directory, or a file in a worktree)."""
    start = Path(os.path.abspath(start))
    for d in (start, *start.parents):
        if os.path.exists(d / ".git"):
            return d
    return None


def _git_files(root: Path) -> list[str] | None:
    """Files under root as git sees them (tracked, and untracked but not ignored), '/'-separated
    and relative to root; None outside a work tree or without git.  Runs `git ls-files` only:
    nothing in the repository is executed, and nothing touches the network."""
    if repo_top(root) is None:
        return None
    import subprocess

    try:
        proc = subprocess.run(
            ["git", "-c", "core.quotePath=false", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."],
            cwd=root, capture_output=True, stdin=subprocess.DEVNULL, timeout=60,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:  # not a work tree after all, a bare repository, dubious ownership
        return None
    names = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
    return sorted(dict.fromkeys(n for n in names if n))


def _walk_gitignore(root: Path, excluded, onerror=None, marks: dict[str, tuple[str, ...]] | None = None, base: str = ""):
    """(path, whether it is a file) for the entries under root that are not directories, minus
    what the .gitignore of root and of each directory below ignores: os.walk's order and error
    handling (followlinks=False), with what os.scandir's entries know (no stat per file).  Given
    `marks`, each directory listed is entered there (`base`, root's absolute path, joined with
    its path below root) with the PROJECT_MARKS it holds: those of ROOT_NAMES that are files, .git."""
    seen: set[tuple[int, int]] = set()
    specs: dict[str, object] = {}  # directory (relative, '' for root) -> its GitIgnoreSpec
    todo = [(os.fspath(root), "")]
    while todo:
        dirpath, rel_dir = todo.pop()
        try:
            with os.scandir(dirpath) as it:
                entries = list(it)
        except OSError as exc:
            if onerror is not None:
                onerror(exc)
            continue
        try:
            st = os.stat(dirpath)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in seen:  # symlink loops via bind mounts
            continue
        seen.add((st.st_dev, st.st_ino))
        dirs, files, here = [], [], []  # here: the PROJECT_MARKS it holds
        ignore_file = False
        for entry in entries:  # one pass, no call per entry but its tests (a fleet's directory holds one or two)
            name = entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                dirs.append(entry)
            else:
                files.append(entry)
                ignore_file = ignore_file or name == ".gitignore"
            if name in PROJECT_MARKS and (name == ".git" or _is(entry.is_file)):
                here.append(name)
        if marks is not None:
            marks[base + "/" + rel_dir[:-1] if rel_dir else base] = tuple(here)  # base: a plain one; () is shared
        if ignore_file:
            spec = _gitignore_spec(Path(dirpath) / ".gitignore")
            if spec is not None:
                specs[rel_dir] = spec
        if len(files) > 1:
            files.sort(key=_name)
        for entry in files:
            if not (specs and _ignored(specs, rel_dir + entry.name)):
                yield rel_dir + entry.name, _is(entry.is_file)
        if dirs:
            below = sorted(
                e.name for e in dirs
                if not excluded(rel_dir + e.name) and not (specs and _ignored(specs, rel_dir + e.name + "/")) and not _is(e.is_symlink)
            )
            todo.extend((os.path.join(dirpath, n), rel_dir + n + "/") for n in reversed(below))


def _plain_base(root: Path) -> str:
    """root's absolute path and a slash, when joining it with a path below root (plain names:
    no '.', '..' or empty part) gives that path's os.path.abspath; else ''."""
    base = os.path.abspath(root)
    return "" if os.sep != "/" or base == "/" or base.startswith("//") else base + "/"


def directory_of(path: Path | str) -> str:
    """The absolute, normalised directory a file is in."""
    return _parent(absolute(path))


def _parent(path: str) -> str:
    """os.path.dirname of an absolute, normalised path (no trailing slash but '/' itself)."""
    return path[:path.rfind("/")] or "/" if os.sep == "/" and not path.startswith("//") else os.path.dirname(path)


def _name(entry: os.DirEntry) -> str:
    return entry.name


def _is(test) -> bool:
    """A DirEntry test, False when it fails (as os.walk and os.path.isfile answer)."""
    try:
        return test()
    except OSError:
        return False


def _gitignore_spec(path: Path):
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


def _ignored(specs: dict, rel: str) -> bool:
    """git's rule: the deepest .gitignore with a matching pattern decides (a negation re-includes)."""
    verdict = False
    for base, spec in specs.items():  # parents are added before their children
        if rel.startswith(base):
            result = spec.check_file(rel[len(base):])
            if result.include is not None:
                verdict = result.include
    return verdict


def read_error_message(exc: Exception, shown: str) -> str:
    if isinstance(exc, DecodeError):
        return f"{shown}: {exc}"
    return str(exc)
