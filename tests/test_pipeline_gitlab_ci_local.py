"""Differential test: authlint.gitlab against a real GitLab CI implementation.

Every project under tests/pipelines/ is copied to a temporary git repo and run
through `gitlab-ci-local --preview` (npm 4.73.0), which prints the merged
pipeline (includes, extends, !reference, default: applied).  For every visible
job, the resolved script lines, image, services, variables (global + job, per
`inherit:variables`) and parallel:matrix combinations must match
`load_pipeline`'s result.
"""

from __future__ import annotations

import itertools
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from authlint.gitlab import Job, Variable, load_pipeline
from authlint.gitlab.resolve import RESERVED
from authlint.source import Source
from support import components, gitlab_ci_local

pytestmark = pytest.mark.e2e

PIPELINES_DIR = Path(__file__).parent / "pipelines"
PIPELINES = sorted(p.name for p in PIPELINES_DIR.iterdir() if (p / ".gitlab-ci.yml").is_file())
SECTIONS = ("before_script", "script", "after_script")


@pytest.fixture(scope="session")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """gitlab-ci-local --preview of every fixture pipeline, run in parallel once per session."""
    components.require("gitlab-ci-local", "rsync")
    base = tmp_path_factory.mktemp("gcl-pipelines")

    def run(name: str) -> tuple[str, dict[str, Any]]:
        project = base / name
        shutil.copytree(PIPELINES_DIR / name, project)
        # Its output repeats shared values as anchors/aliases and folds long lines: safe_load handles both.
        return name, yaml.safe_load(gitlab_ci_local.preview(project))

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(run, PIPELINES))


def _ours(name: str):
    project = PIPELINES_DIR / name

    def read(path: str) -> Source:
        return Source.from_bytes(path, (project / path).read_bytes())

    return load_pipeline(".gitlab-ci.yml", read, str(project))


# -- what gitlab-ci-local says ------------------------------------------------------------


def _oracle_lines(job: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for section in SECTIONS:
        value = job.get(section)
        # It turns a string script into a one-item list (DataExpander.normalize); lists are already flat.
        for line in [value] if isinstance(value, str) else value or []:
            out.append((section, line))
    return out


def _oracle_variables(data: dict[str, Any], job: dict[str, Any]) -> dict[str, str]:
    # --preview keeps global and job variables apart (it merges them only when a job runs,
    # Job.globalVariables): apply inherit:variables the way it does.
    inherit = (job.get("inherit") or {}).get("variables", True)
    glob = data.get("variables") or {}
    if inherit is False:
        glob = {}
    elif isinstance(inherit, list):
        glob = {k: v for k, v in glob.items() if k in inherit}
    return {**glob, **(job.get("variables") or {})}


def _oracle_image(value: Any) -> tuple[str, list[str] | None] | None:
    if value is None:
        return None
    # It rewrites every image into the long form {name:, entrypoint:} (DataExpander.imageComplex).
    return value["name"], value.get("entrypoint")


def _oracle_matrix(job: dict[str, Any]) -> list[dict[str, str]]:
    entries = ((job.get("parallel") or {}).get("matrix")) or []
    combos = []
    for entry in entries:
        keys = list(entry)
        lists = [v if isinstance(v, list) else [v] for v in entry.values()]
        combos.extend({k: str(v) for k, v in zip(keys, values)} for values in itertools.product(*lists))
    return combos


# -- what authlint says -------------------------------------------------------------------


def _variable_text(var: Variable) -> str:
    assert var.value is not None, var.name
    text = "" if var.value.is_null else var.value.value
    # Quirk: gitlab-ci-local keeps `expand: false` values literal by doubling every `$`
    # (Utils.normalizeVariables), the escape its own expansion understands.
    return text if var.expand else text.replace("$", "$$")


def _image(job_image) -> tuple[str, list[str] | None] | None:
    if job_image is None:
        return None
    entry = job_image.entrypoint
    return job_image.name.value, None if entry is None else [s.value for s in entry.items]


def _summary(job: Job) -> dict[str, Any]:
    return {
        "lines": [(line.section, line.scalar.value) for line in job.lines],
        "image": _image(job.image),
        "services": [s.name.value for s in job.services],
        "variables": {name: _variable_text(v) for name, v in job.variables.items()},
        "matrix": [{k: v.value.value for k, v in combo.items()} for combo in job.matrix],
    }


def _expected(data: dict[str, Any], job: dict[str, Any]) -> dict[str, Any]:
    return {
        "lines": _oracle_lines(job),
        "image": _oracle_image(job.get("image")),
        "services": [s["name"] for s in job.get("services") or []],
        "variables": _oracle_variables(data, job),
        "matrix": _oracle_matrix(job),
    }


@pytest.mark.parametrize("name", PIPELINES)
def test_matches_gitlab_ci_local(name: str, oracle: dict[str, dict[str, Any]]) -> None:
    data = oracle[name]
    pipeline = _ours(name)
    assert pipeline.problems == []
    oracle_jobs = {k: v for k, v in data.items() if k not in RESERVED}
    ours = {n: j for n, j in pipeline.jobs.items() if not j.hidden}
    assert sorted(ours) == sorted(oracle_jobs)
    for job_name, job in ours.items():
        assert not job.incomplete
        assert _summary(job) == _expected(data, oracle_jobs[job_name]), job_name


def test_fixture_count() -> None:
    assert len(PIPELINES) >= 15
