"""The GitLab CI pipeline model: includes, default:, extends, !reference, jobs, variables.

``load_pipeline(root, read, project_dir)`` reads a root CI file and its local
includes and returns a ``Pipeline`` of resolved ``Job`` objects whose values
are the original YAML scalars (file + span kept).  Nothing is fetched: remote,
project, template and component includes are reported (AL002) and make jobs
``incomplete``.
"""

from __future__ import annotations

from .model import (
    PARSE_ERROR,
    UNRESOLVED,
    Image,
    Include,
    Job,
    Pipeline,
    Problem,
    ScriptLine,
    Variable,
)
from .pipeline import build_jobs, load_pipeline

__all__ = [
    "PARSE_ERROR",
    "UNRESOLVED",
    "Image",
    "Include",
    "Job",
    "Pipeline",
    "Problem",
    "ScriptLine",
    "Variable",
    "build_jobs",
    "load_pipeline",
]
