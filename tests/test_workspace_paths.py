"""The workspace's fast path answers (display paths, whether a file is inside its project,
repository tops) are the slow, general answers they stand in for."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

from authlint.settings import Settings
from authlint.workspace import Workspace, display_path, inside, repo_top

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
        assert ws._repo_top(str(start)) == repo_top(start), d
