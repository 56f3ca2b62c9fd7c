"""Resolved jobs of a throw-away project, for model tests."""

from __future__ import annotations

from pathlib import Path

from authlint.engine import Linter, _Run
from authlint.settings import Settings


def jobs(tmp_path: Path, text: str, files: dict[str, str] | None = None) -> dict:
    """Resolved JobUnits of a project whose .gitlab-ci.yml is text."""
    for rel, body in {**(files or {}), ".gitlab-ci.yml": text}.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(body, encoding="utf-8", newline="")
    (tmp_path / ".git").mkdir(exist_ok=True)
    run = _Run(Linter(Settings(project_dir=str(tmp_path))))
    pipeline = run._load_pipeline(tmp_path / ".gitlab-ci.yml", tmp_path)
    return {j.name: run._job_unit(j, pipeline, tmp_path) for j in pipeline.jobs.values()}
