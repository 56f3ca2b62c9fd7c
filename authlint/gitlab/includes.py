"""Reading a pipeline's files: the root and everything it includes locally.

GitLab merges an including file's includes *under* it (the including file's
keys win), depth first, so the merge order is the post-order of the include
tree.  Only `local:` includes (and bare strings that are not URLs) are read;
`remote`, `project`, `template` and `component` are never fetched: they are
reported (AL002) and the pipeline is marked incomplete.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable

from ..diagnostics import Span
from ..source import DecodeError, Source
from ..yaml.model import YamlError, YamlFile, YMap, YNode, YScalar, YSeq, YValue, load
from .model import PARSE_ERROR, UNRESOLVED, Include, IncludeKind, Problem
from .values import is_string, span_of

MAX_INCLUDES = 150  # GitLab's limit on included files per pipeline
_FETCHED_KINDS: tuple[IncludeKind, ...] = ("remote", "project", "template", "component")
_SKIP_DIRS = {".git", ".gitlab-ci-local", "node_modules", ".venv"}


class Includer:
    def __init__(self, read: Callable[[str], Source], project_dir: str, report: Callable[[Problem], None],
                 parse: Callable[[Source], YamlFile] = load) -> None:
        self.read = read
        self.parse = parse  # the editor's reuses its last load of the file
        self.project_dir = project_dir
        self.report = report
        self.files: dict[str, YamlFile] = {}
        self.sources: dict[str, Source] = {}  # every file read, parsed or not
        self.failed: set[str] = set()  # unreadable or unparsable (reported once)
        self.missing: dict[str, str] = {}  # path -> why read() raised OSError
        self.includes: list[Include] = []
        self.incomplete = False  # some include could not be read
        self._count = 0
        self._limit_hit = False
        self._tree: list[str] | None = None
        self._seen: dict[int, Include] = {}  # include entry node -> its Include

    # -- files -----------------------------------------------------------------

    def load(self, path: str, *, missing_ok: bool = False) -> YamlFile | None:
        """Parse a project file once; report (once) why it cannot be."""
        if path in self.files:
            return self.files[path]
        if path in self.missing:
            raise FileNotFoundError(self.missing[path])
        if path in self.failed:
            return None
        try:
            source = self.read(path)
            self.sources[path] = source
            yfile = self.parse(source)
        except OSError as exc:
            missing = isinstance(exc, FileNotFoundError)
            why = "does not exist" if missing else f"cannot be read: {getattr(exc, 'reason', None) or exc.strerror or exc}"
            self.missing[path] = why
            if not missing_ok or not missing:  # a file that exists but cannot be read fails the run
                self.report(Problem(PARSE_ERROR, path, Span(0, 0), f"{path} {why}"))
            raise FileNotFoundError(why) from None
        except DecodeError as exc:
            self._fail(path, 0, str(exc))  # its offset counts bytes, and the text is unknown
            return None
        except YamlError as exc:
            self._fail(path, exc.offset, exc.message)
            return None
        except (RecursionError, ValueError) as exc:  # defensive: malformed input must not crash the linter
            self._fail(path, 0, f"cannot parse: {exc}")
            return None
        self.files[path] = yfile
        return yfile

    def _fail(self, path: str, offset: int, message: str) -> None:
        self.failed.add(path)
        self.report(Problem(PARSE_ERROR, path, Span(offset, offset), message))

    # -- the include tree --------------------------------------------------------

    def collect(self, root: str) -> list[tuple[str, YMap]]:
        """Top-level mappings of root and its includes, in merge order (weakest first)."""
        try:
            yfile = self.load(root)
        except OSError:
            return []
        out: list[tuple[str, YMap]] = []
        if yfile is not None:
            self._collect(root, yfile, [root], out)
        return out

    def _collect(self, path: str, yfile: YamlFile, stack: list[str], out: list[tuple[str, YMap]]) -> None:
        top = yfile.root
        if top is None:
            return
        if not isinstance(top, YMap):
            self.report(Problem(PARSE_ERROR, path, span_of(top), "the top level of a CI file must be a mapping"))
            return
        for entry in _entries(top.get("include")):
            include = self._include(path, entry)
            if include is None:
                continue
            for target in list(include.resolved):
                if target in stack:
                    self._unresolved(path, entry, f"include cycle: {' -> '.join([*stack[stack.index(target):], target])}")
                    continue
                if self._count >= MAX_INCLUDES:
                    if not self._limit_hit:
                        self._limit_hit = True
                        self._unresolved(path, entry, f"more than {MAX_INCLUDES} included files (GitLab's limit): "
                                         f"{target} and the includes after it are not part of this pipeline")
                    continue
                self._count += 1
                child = self._read_include(path, include, target)
                if child is not None:
                    self._collect(target, child, [*stack, target], out)
        out.append((path, top))

    def _read_include(self, path: str, include: Include, target: str) -> YamlFile | None:
        try:
            child = self.load(target, missing_ok=True)
        except OSError as exc:
            _, target_node = _classify(include.node)  # point at the path itself
            self._unresolved(path, target_node or include.node, f"included file {target} {exc}")
            include.resolved.remove(target)
            return None
        if child is None:
            self.incomplete = True  # it exists but does not parse: its jobs are unknown
        return child

    def _unresolved(self, path: str, node: YNode, message: str) -> None:
        self.incomplete = True
        self.report(Problem(UNRESOLVED, path, span_of(node), message))

    # -- one include entry -------------------------------------------------------

    def _include(self, path: str, entry: YValue) -> Include | None:
        seen = self._seen.get(id(entry))
        if seen is not None:  # a file included twice: its entries are read again, reported once
            return seen if seen.kind != "unknown" else None
        include = self._new_include(path, entry)
        self._seen[id(entry)] = include or Include(path, entry, "unknown", "")
        return include

    def _new_include(self, path: str, entry: YValue) -> Include | None:
        kind, target_node = _classify(entry)
        if kind == "unknown" or target_node is None:
            self._unresolved(path, entry, "include entry not understood (expected a path or local/remote/project/template/component)")
            self.includes.append(Include(path, entry, "unknown", ""))
            return None
        target = target_node.value
        include = Include(path, entry, kind, target)
        self.includes.append(include)
        if kind in _FETCHED_KINDS:
            self._unresolved(path, entry, f"{kind} include {target!r} is not fetched (authlint works offline): jobs may be incomplete")
            return include
        if "$" in target:
            self._unresolved(path, entry, f"include path {target!r} uses variables, which are not expanded offline")
            return include
        local = _normalise(target)
        if local is None:
            self._unresolved(path, entry, f"include path {target!r} points outside the project")
            return include
        if "*" in local:
            include.resolved = [p for p in self._tree_files() if _glob(local).fullmatch(p)]
            if not include.resolved:
                self._unresolved(path, entry, f"include pattern {target!r} matches no file")
        else:
            include.resolved = [local]
        return include

    def _tree_files(self) -> list[str]:
        """Every .yml/.yaml file under the project directory (for glob includes)."""
        if self._tree is None:
            found: list[str] = []
            for base, dirs, names in os.walk(self.project_dir):
                dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
                rel = os.path.relpath(base, self.project_dir).replace(os.sep, "/")
                for name in names:
                    if name.endswith((".yml", ".yaml")):
                        found.append(name if rel == "." else f"{rel}/{name}")
            self._tree = sorted(found)
        return self._tree


def _entries(value: YValue | None) -> list[YValue]:
    if value is None or (isinstance(value, YScalar) and value.is_null):
        return []
    if isinstance(value, YSeq):
        return list(value.items)
    return [value]


def _classify(entry: YValue) -> tuple[IncludeKind, YScalar | None]:
    if isinstance(entry, YScalar):
        if not is_string(entry):
            return "unknown", None
        return ("remote" if entry.value.startswith(("https:", "http:")) else "local"), entry
    if not isinstance(entry, YMap):
        return "unknown", None
    for kind in ("local", "remote", "template", "component", "project"):
        node = entry.get(kind)
        if node is not None:
            return (kind, node) if isinstance(node, YScalar) else ("unknown", None)  # type: ignore[return-value]
    return "unknown", None


def _normalise(target: str) -> str | None:
    """A local include path as a project-relative path (leading `/` = project root)."""
    path = posixpath.normpath(target.strip().lstrip("/"))
    if path == ".." or path.startswith("../") or path in ("", "."):
        return None
    return path


def _glob(pattern: str) -> re.Pattern[str]:
    """GitLab's wildcard rule (Repository#search_files_by_wildcard_path): `**` matches
    anything, `*` anything but `/`; the whole path must match."""
    regex = re.escape(pattern).replace(r"\*\*", "\0").replace(r"\*", "[^/]*").replace("\0", ".*")
    return re.compile(regex)
