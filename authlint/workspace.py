"""Finding and reading the files authlint lints.

Paths shown to users are relative to the working directory and '/'-separated.
Unsaved editor buffers and stdin come in as overlays that shadow the disk.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .settings import Settings
from .source import DecodeError, Source

CI_NAME = re.compile(r"(^|/)(\.gitlab-ci|[^/]*\.gitlab-ci)\.ya?ml$")
SHELL_EXT = (".sh", ".bash")
AUTH_NAMES = ("config.json", "auth.json", ".dockercfg")
AUTH_EXT = (".dockerconfigjson",)
SHEBANG = re.compile(rb"^#!\s*(?:/usr)?/bin/(?:env\s+)?(?:ba|da|k|z)?sh\b")


class ReadError(OSError):
    """A file that cannot be linted, with a one-line reason."""


def display_path(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        rel = str(path)
    if rel.startswith(".." + os.sep + ".." + os.sep + ".."):
        rel = str(path)
    return rel.replace(os.sep, "/")


def classify(path: Path, head: bytes | None = None) -> str | None:
    """'ci', 'yaml', 'shell', 'auth' or None, from the name (and shebang)."""
    name = path.name
    posix = path.as_posix()
    if CI_NAME.search(posix):
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


@dataclass
class Workspace:
    settings: Settings
    overlays: dict[str, str] = field(default_factory=dict)  # absolute path -> text
    _cache: dict[str, Source] = field(default_factory=dict)

    def read(self, path: Path) -> Source:
        """Read a file as a Source; raise ReadError / DecodeError with a clear reason."""
        key = os.path.abspath(path)
        if key in self._cache:
            return self._cache[key]
        shown = display_path(path)
        if key in self.overlays:
            src = Source(shown, *_strip_bom(self.overlays[key]))
        else:
            src = self._read_disk(path, shown)
        self._cache[key] = src
        return src

    def _read_disk(self, path: Path, shown: str) -> Source:
        try:
            if path.is_dir():
                raise ReadError(f"{shown}: is a directory")
            size = path.stat().st_size
            if size > self.settings.max_file_size:
                raise ReadError(f"{shown}: file is larger than {self.settings.max_file_size} bytes; skipped")
            with open(path, "rb") as fh:
                data = fh.read(self.settings.max_file_size + 1)
        except ReadError:
            raise
        except OSError as exc:
            raise ReadError(f"{shown}: {exc.strerror or exc}") from None
        if len(data) > self.settings.max_file_size:
            raise ReadError(f"{shown}: file is larger than {self.settings.max_file_size} bytes; skipped")
        src = Source.from_bytes(shown, data)
        if src.bom and classify(path) == "auth":
            # JSON consumers reject a BOM (AL301): keep it in the text so it is seen and fixable.
            src = Source(shown, "\ufeff" + src.text, False)
        return src

    def exists(self, path: Path) -> bool:
        return os.path.abspath(path) in self.overlays or path.is_file()

    def discover(self, paths: list[Path]) -> list[tuple[Path, str, bool]]:
        """(path, kind, explicit) for every file to lint under paths."""
        found: dict[str, tuple[Path, str, bool]] = {}
        for p in paths:
            if p.is_dir():
                for f in self._walk(p):
                    kind = classify(f, _head(f) if not f.suffix else None)
                    if kind in ("ci", "shell") or (kind == "auth" and _holds_auths(f)):
                        found.setdefault(os.path.abspath(f), (f, kind, False))
            else:
                kind = classify(p, _head(p)) or ("ci" if os.path.abspath(p) in self.overlays else None)
                if kind == "yaml":
                    kind = "ci"
                found[os.path.abspath(p)] = (p, kind or "unknown", True)
        return list(found.values())

    def _walk(self, root: Path):
        ignore = _GitIgnore(root)
        seen: set[tuple[int, int]] = set()
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            d = Path(dirpath)
            try:
                st = d.stat()
                if (st.st_dev, st.st_ino) in seen:  # symlink loops via bind mounts
                    dirnames[:] = []
                    continue
                seen.add((st.st_dev, st.st_ino))
            except OSError:
                continue
            rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
            rel_dir = "" if rel_dir == "." else rel_dir + "/"
            dirnames[:] = sorted(
                n for n in dirnames
                if not self.settings.is_excluded(rel_dir + n) and not ignore.ignored(rel_dir + n + "/")
            )
            for name in sorted(filenames):
                rel = rel_dir + name
                if self.settings.is_excluded(rel) or ignore.ignored(rel):
                    continue
                yield d / name


def _strip_bom(text: str) -> tuple[str, bool]:
    return (text[1:], True) if text.startswith("\ufeff") else (text, False)


def _head(path: Path) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return fh.read(64)
    except OSError:
        return None


_AUTH_KEY = re.compile(rb"""["'](?:auths|credsStore|credHelpers)["']""")  # single quotes too: AL301 reports them


def _holds_auths(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            data = fh.read(1_000_000)
    except OSError:
        return False
    return bool(_AUTH_KEY.search(data)) or path.name.endswith(AUTH_EXT) or path.name == ".dockercfg"


class _GitIgnore:
    """The root .gitignore (and .git/info/exclude), via pathspec's gitwildmatch."""

    def __init__(self, root: Path) -> None:
        lines: list[str] = []
        for f in (root / ".gitignore", root / ".git" / "info" / "exclude"):
            try:
                lines += f.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                pass
        self.spec = None
        if lines:
            import pathspec

            self.spec = pathspec.GitIgnoreSpec.from_lines(lines)

    def ignored(self, rel: str) -> bool:
        return bool(self.spec and self.spec.match_file(rel))


def read_error_message(exc: Exception, shown: str) -> str:
    if isinstance(exc, DecodeError):
        return f"{shown}: {exc}"
    return str(exc)
