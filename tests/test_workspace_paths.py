"""The workspace's fast path answers (display paths, whether a file is inside its project,
repository tops) are the slow, general answers they stand in for."""

from __future__ import annotations

import contextlib
import itertools
import os
from pathlib import Path

from authlint.settings import Settings
from authlint.workspace import Workspace, absolute, display_path, fixed_cwd, inside, relative, repo_top

PARTS = ["a", ".b", "..", ".", "", "c.yml", ".gitlab-ci.yml", "...", "/"]


def relpath_answer(path) -> str:
    rel = os.path.relpath(path)
    if rel.startswith(".." + os.sep + ".." + os.sep + ".."):
        rel = str(path)
    return rel.replace(os.sep, "/")


def test_display_path_is_relpath_answer(tmp_path, monkeypatch) -> None:
    (tmp_path / "w" / "a").mkdir(parents=True)
    for cwd in (tmp_path / "w", tmp_path / "w" / "a", Path("/")):
        monkeypatch.chdir(cwd)
        here = os.getcwd()
        for n in (1, 2, 3):
            for combo in itertools.product(PARTS, repeat=n):
                rel = "/".join(combo)
                for s in filter(None, (rel, here + "/" + rel, here + rel, str(tmp_path) + "/" + rel)):
                    assert display_path(s) == relpath_answer(s), s
                    assert display_path(Path(s)) == relpath_answer(Path(s)), s


def test_relative_is_relpath(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    bases = ["/", "/a", "/a/b", "/a/b/", "/a//b", "/a/./b", "/a/../a/b", "a", "a/b", ".", "/ab"]
    for base in bases:
        for n in (1, 2, 3):
            for combo in itertools.product(PARTS, repeat=n):
                rel = "/".join(combo)
                for s in filter(None, (rel, base + "/" + rel, base + rel, "/" + rel)):
                    assert relative(s, base) == os.path.relpath(s, base).replace(os.sep, "/"), (s, base)


def test_absolute_is_abspath(tmp_path, monkeypatch) -> None:
    """absolute, which joins a normalised path to the run's working directory without getcwd,
    answers as os.path.abspath (the working directory fixed, or not)."""
    (tmp_path / "w" / "a").mkdir(parents=True)
    for cwd in (tmp_path / "w", tmp_path / "w" / "a", Path("/")):
        monkeypatch.chdir(cwd)
        here = os.getcwd()
        for fixed in (False, True):
            with fixed_cwd() if fixed else contextlib.nullcontext():
                for n in (1, 2, 3):
                    for combo in itertools.product(PARTS, repeat=n):
                        rel = "/".join(combo)
                        for s in filter(None, (rel, here + "/" + rel, str(tmp_path) + "/" + rel)):
                            assert absolute(s) == absolute(Path(s)) == os.path.abspath(s), s


def test_inside_follows_symlinks_as_realpath_does(tmp_path, monkeypatch) -> None:
    project, outside = tmp_path / "p", tmp_path / "out"
    (project / "ci" / "deep").mkdir(parents=True)
    outside.mkdir()
    for d in (project / "ci", project / "ci" / "deep", outside):
        (d / "x.yml").write_text("a: 1\n")
    (project / "link-out").symlink_to(outside)  # a directory out of the project
    (project / "ci" / "file-out.yml").symlink_to(outside / "x.yml")
    (project / "ci" / "link-in").symlink_to(project / "ci" / "deep")  # stays inside
    (tmp_path / "alias").symlink_to(project)  # the project reached through a symlink
    monkeypatch.chdir(tmp_path)
    cases = ["ci/x.yml", "ci/deep/x.yml", "link-out/x.yml", "ci/file-out.yml", "ci/link-in/x.yml",
             "missing.yml", "ci/../link-out/x.yml", "ci/./x.yml", "link-out/../ci/x.yml"]
    for root in (project, tmp_path / "alias", Path("p"), Path("alias"), Path("./p")):
        for rel in cases:
            path = root / rel if "/./" not in rel and "/../" not in rel else Path(f"{root}/{rel}")
            real, base = os.path.realpath(path), os.path.realpath(root)
            expected = real == base or real.startswith(base.rstrip(os.sep) + os.sep)
            assert inside(path, root) is expected, (root, rel)


def test_repository_tops_are_remembered_correctly(tmp_path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "plain" / "x").mkdir(parents=True)
    ws = Workspace(Settings())
    for d in ("repo/sub/deeper", "repo/sub", "repo", "plain/x", "plain", "repo/sub/deeper"):
        start = tmp_path / d
        assert ws._repo_top(str(start)) == (None if repo_top(start) is None else str(repo_top(start))), d


def os_walk_answer(root: Path, excluded) -> list[tuple[str, bool]]:
    """The walk as os.walk gives it, with os.path.isfile asked of each file."""
    from authlint.workspace import _gitignore_spec, _ignored

    out, specs, top = [], {}, str(root)
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        rel_dir = os.path.relpath(dirpath, top).replace(os.sep, "/")
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        spec = _gitignore_spec(Path(dirpath) / ".gitignore")
        if spec is not None:
            specs[rel_dir] = spec
        dirnames[:] = sorted(n for n in dirnames if not excluded(rel_dir + n) and not _ignored(specs, rel_dir + n + "/"))
        out += [(rel_dir + n, os.path.isfile(root / (rel_dir + n))) for n in sorted(filenames) if not _ignored(specs, rel_dir + n)]
    return out


def test_the_gitignore_walk_is_os_walks(tmp_path) -> None:
    from authlint.workspace import _walk_gitignore

    root = tmp_path / "r"
    for rel in ("a.yml", "b/.gitignore", "b/c.sh", "b/skip.log", "b/d/e.yml", "node_modules/x.yml", "z/.gitlab-ci.yml"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("*.log\n" if rel.endswith(".gitignore") else "x: 1\n")
    (root / ".gitignore").mkdir()  # not a file: no patterns
    (root / "b" / "to-dir").symlink_to(root / "z")  # listed as a directory, not followed
    (root / "b" / "to-file.yml").symlink_to(root / "a.yml")
    (root / "b" / "dangling.yml").symlink_to(root / "missing")
    os.mkfifo(root / "b" / "fifo.yml")
    excluded = Settings().is_excluded
    assert list(_walk_gitignore(root, excluded)) == os_walk_answer(root, excluded)
    assert ("b/to-file.yml", True) in os_walk_answer(root, excluded) and ("b/fifo.yml", False) in os_walk_answer(root, excluded)


def test_read_regular_reads_whole_files_up_to_the_limit(tmp_path) -> None:
    import pytest

    from authlint.workspace import ReadError, read_regular

    limit = 70_000  # above one read's 64 KiB floor
    for size in (0, 1, 64, limit - 1, limit, limit + 1, 3 * limit):
        data = bytes(i % 251 for i in range(size))
        path = tmp_path / f"f{size}"
        path.write_bytes(data)
        assert read_regular(path, "f", 64, prefix=True) == data[:64]
        assert read_regular(path, "f", limit, prefix=True) == data[:limit]
        if size <= limit:
            assert read_regular(path, "f", limit, tmp_path) == data
        else:
            with pytest.raises(ReadError, match="larger than"):
                read_regular(path, "f", limit, tmp_path)


class _Probing(Workspace):
    """A workspace whose existence tests all go to the disk (as a recording one's do): discovery
    finds project directories without the listing of the directories it walked."""

    def exists(self, path: Path) -> bool:
        return super().exists(path)


def _discovered(ws: Workspace, paths: list[Path]) -> tuple:
    from authlint.projects import project_groups

    tops: list[str] = []
    groups = project_groups(ws, ws.discover(paths), tops)
    return groups, tops, {k: str(v) for k, v in ws._projects.items()}, dict(ws._tops)


def test_project_directories_from_the_walk_listing_are_the_disk_answers(tmp_path, monkeypatch) -> None:
    """Discovery answers which directories hold a pipeline file or .git from the listing it walked;
    groups, group tops, project directories and repository tops are those the disk gives, on
    nested projects, projects without a pipeline, symlinks, .git files and directories named like
    a pipeline, from several working directories, and on the corpus."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("fleet", Path(__file__).resolve().parents[1] / "bench" / "fleet.py")
    fleet = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fleet)  # type: ignore[union-attr]
    root = tmp_path / "r"
    fleet.generate(root / "fleet", 6)
    for rel in ("mono/.gitlab-ci.yml", "mono/sub/.gitlab-ci.yml", "mono/sub/x.sh", "mono/lib/y.sh", "loose/z.sh",
                "deep/a/b/c/.gitlab-ci.yaml", "deep/a/b/c/d/e.sh", "deep/a/w.yml", "gitfile/.git", "gitfile/s.sh",
                "gitdir/.git/HEAD", "gitdir/sub/.gitlab-ci.yml", "gitdir/t.sh", "odd/.gitlab-ci.yml/inner.yml", "odd/q.sh",
                "linked/real/.gitlab-ci.yml", "linked/real/r.sh", "top.yml"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("a: 1\n")
    (root / "linked" / "via").mkdir()
    (root / "linked" / "via" / ".gitlab-ci.yml").symlink_to(root / "linked" / "real" / ".gitlab-ci.yml")
    (root / "linked" / "via" / "v.sh").write_text("echo\n")
    (root / "dangling").mkdir()
    (root / "dangling" / ".gitlab-ci.yml").symlink_to(root / "missing")
    (root / "dangling" / "d.sh").write_text("echo\n")
    for cwd in (tmp_path, root, root / "mono" / "sub"):
        monkeypatch.chdir(cwd)
        for paths in ([root], [root / "mono", root / "deep"], [Path(os.path.relpath(root / "gitdir"))], [root / "fleet"]):
            fast = _discovered(Workspace(Settings()), paths)
            assert fast == _discovered(_Probing(Settings()), paths), (cwd, paths)
    groups = fast[0]
    assert len(groups) == 6 and all(len(g) >= 1 for g in groups)
    from support.corpus import require_corpus

    corpus = require_corpus()
    monkeypatch.chdir(corpus)
    assert _discovered(Workspace(Settings()), [Path(".")]) == _discovered(_Probing(Settings()), [Path(".")])


def test_a_path_is_classified_by_its_name() -> None:
    """classify asks the pipeline-name pattern of a path's name, which is where it matches in the whole path."""
    from authlint.workspace import CI_NAME, classify

    names = [".gitlab-ci.yml", "x.gitlab-ci.yaml", "gitlab-ci.yml", ".gitlab-ci.yml.bak", "a.gitlab-ci.yml\n", "ci.yml", "", "."]
    for d in ("", "a/", "a.gitlab-ci.yml/", "/abs/.gitlab-ci/", "x/.gitlab-ci.yml/"):
        for name in names:
            path = Path(d + name)
            assert (classify(path) == "ci") == bool(CI_NAME.search(path.as_posix())), path


def test_the_parent_of_an_absolute_path_is_dirnames() -> None:
    from authlint.workspace import _parent

    for path in ("/", "/a", "/a/b", "//a", "//a/b", "///a/b", "/a/b c/d"):
        assert _parent(path) == os.path.dirname(path), path
