"""The wheel built from this checkout: its metadata matches the LICENSE file and declares the
tested dependency ranges.  `.ci/run` installs that wheel into a clean venv and lints examples/ with
it; tests/test_ci_template.py installs the release archive the CI template documents."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _run(*args: str | Path, cwd: Path = REPO, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    proc = _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", dist, REPO)
    assert proc.returncode == 0, proc.stderr
    (built,) = dist.glob("authlint-*.whl")
    return built


def test_wheel_metadata(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        meta = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        license_text = z.read(next(n for n in names if n.endswith("/licenses/LICENSE"))).decode()
    assert "License-Expression: MIT" in meta.splitlines()
    assert license_text == (REPO / "LICENSE").read_text() and license_text.startswith("MIT License")
    assert "Requires-Dist: ruamel.yaml<0.20,>=0.18" in meta
    assert "Requires-Dist: PyYAML<7,>=6.0" in meta  # the libyaml fast path; ruamel's C parser is unused
    assert "ruamel.yaml.clib" not in meta
    assert not any(n.startswith(("tests/", "bench/")) for n in names)
