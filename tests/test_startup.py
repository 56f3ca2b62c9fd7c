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
# secret; the rest: only for --diff, or for a query file of tree_sitter_bash nobody reads.
NOT_NEEDED = ("ruamel.yaml", "requests", "detect_secrets", "difflib", "importlib.resources", "pygls")


def test_a_small_clean_check_imports_only_what_it_uses(tmp_path: Path) -> None:
    (tmp_path / ".gitlab-ci.yml").write_text(SMALL, encoding="utf-8")
    code = (
        "import json, sys\n"
        "from authlint.cli import main\n"
        "code = main(['check', '--no-cache', '.gitlab-ci.yml'])\n"
        "print(json.dumps([code, sorted(sys.modules)]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    exit_code, modules = json.loads(out.stdout.splitlines()[-1])
    assert exit_code == 0, out.stdout + out.stderr
    assert "yaml" in modules and "tree_sitter" in modules  # it did parse both
    assert [m for m in modules if m.startswith(NOT_NEEDED)] == []


def test_a_lazy_pattern_compiles_on_first_use_and_then_is_the_compiled_one() -> None:
    import copy
    import re

    from authlint.lazy_re import LazyPattern

    lazy = LazyPattern(r"(?P<word>ab+)", re.I)
    assert "search" not in vars(lazy)  # nothing compiled yet
    assert lazy.search("xABBy").group("word") == "ABB"
    assert lazy.search == re.compile(r"(?P<word>ab+)", re.I).search  # the compiled pattern's own method
    assert lazy.sub("-", "abab") == "--" and lazy.groupindex == {"word": 1} and lazy.flags & re.I
    assert copy.copy(lazy).findall("ab abb") == ["ab", "abb"]
