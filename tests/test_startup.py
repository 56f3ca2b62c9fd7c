"""Start-up: what a check of one small pipeline must not import (bench/run.py measures the time)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SMALL = """\
build:
  image: docker:27
  services: [docker:27-dind]
  script:
    - echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"
    - docker build -t "$CI_REGISTRY_IMAGE" .
"""
# ruamel.yaml: only the fallback parser; requests and detect-secrets: no line could hold a
# secret; difflib: only for --diff; importlib.resources: for a query file of tree_sitter_bash
# nobody reads; multiprocessing (with pickle, socket, selectors): the pool, for many projects;
# hashlib: fingerprints of findings, and the cache; json: other output formats, the cache;
# shutil: argparse's terminal width; threading: the locks need only _thread; subprocess: git,
# for a directory in a work tree; the auth JSON parser, decoder and keys: auth JSON; fixes: fixing.
NOT_NEEDED = ("ruamel.yaml", "requests", "detect_secrets", "difflib", "importlib.resources", "pygls",
              "multiprocessing", "pickle", "socket", "selectors", "hashlib", "json", "shutil", "threading",
              "subprocess", "authlint.authjson.parser", "authlint.authjson.decode", "authlint.authjson.keys",
              "authlint.fixes")
# A warm cache hit needs hashlib and json (the cache's keys and entries), and no more of the rest.
NOT_NEEDED_WARM = tuple(m for m in NOT_NEEDED if m not in ("hashlib", "json"))


def _modules_after(cwd: Path, args: list[str]) -> tuple[int, list[str], str]:
    """Exit code and sys.modules of a process that ran `authlint ARGS` (taken before json is imported
    to print them)."""
    code = (
        "import sys\n"
        "from authlint.cli import main\n"
        f"code = main({args!r})\n"
        "modules = sorted(sys.modules)\n"
        "import json\n"
        "print(json.dumps([code, modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120)
    exit_code, modules = json.loads(out.stdout.splitlines()[-1])
    return exit_code, modules, out.stdout + out.stderr


def test_a_small_clean_check_imports_only_what_it_uses(tmp_path: Path) -> None:
    (tmp_path / ".gitlab-ci.yml").write_text(SMALL, encoding="utf-8")
    exit_code, modules, output = _modules_after(tmp_path, ["check", "--no-cache", ".gitlab-ci.yml"])
    assert exit_code == 0, output
    assert "yaml" in modules and "authlint.shell.simple" in modules  # it did parse both
    # its scripts are simple commands: read without tree-sitter (loaded for other scripts)
    assert [m for m in modules if m.startswith(NOT_NEEDED + ("tree_sitter",))] == []


def test_a_warm_cache_hit_imports_neither_the_parsers_nor_the_rules(tmp_path: Path) -> None:
    (tmp_path / ".gitlab-ci.yml").write_text(SMALL, encoding="utf-8")
    assert _modules_after(tmp_path, ["check", ".gitlab-ci.yml"])[0] == 0  # fills the cache
    exit_code, modules, output = _modules_after(tmp_path, ["check", ".gitlab-ci.yml"])
    assert exit_code == 0, output
    assert "authlint.cache" in modules and "hashlib" in modules  # it did use the cache
    parsers_and_rules = ("yaml", "tree_sitter", "authlint.shell", "authlint.rules.al", "platform")
    assert [m for m in modules if m.startswith(NOT_NEEDED_WARM + parsers_and_rules)] == []


def test_a_lazy_pattern_compiles_on_first_use_and_then_is_the_compiled_one() -> None:
    import copy
    import re

    from authlint.lazy import LazyPattern

    lazy = LazyPattern(r"(?P<word>ab+)", re.I)
    assert "search" not in vars(lazy)  # nothing compiled yet
    assert lazy.search("xABBy").group("word") == "ABB"
    assert lazy.search == re.compile(r"(?P<word>ab+)", re.I).search  # the compiled pattern's own method
    assert lazy.sub("-", "abab") == "--" and lazy.groupindex == {"word": 1} and lazy.flags & re.I
    assert copy.copy(lazy).findall("ab abb") == ["ab", "abb"]


def test_the_program_leaves_its_objects_to_the_end_and_main_leaves_the_collector_alone(tmp_path: Path) -> None:
    (tmp_path / ".gitlab-ci.yml").write_text(SMALL, encoding="utf-8")
    code = (
        "import gc, sys\n"
        "from authlint.cli import main, run\n"
        "in_process = main(['check', '--no-cache', '.gitlab-ci.yml'])\n"
        "after_main = gc.isenabled()\n"
        "sys.argv = ['authlint', 'check', '--no-cache', '.gitlab-ci.yml']\n"
        "program = run()\n"
        "print(in_process, after_main, program, gc.isenabled(), gc.get_freeze_count() > 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.stdout.splitlines()[-1] == "0 True 0 False True", out.stdout + out.stderr
