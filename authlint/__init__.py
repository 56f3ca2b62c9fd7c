"""authlint: keep container-registry credentials safe in GitLab CI."""

from __future__ import annotations

__version__ = "0.1.0"

from .api import FixResult, fix_paths, fix_text, lint_paths, lint_text  # noqa: E402
from .diagnostics import Applicability, Edit, Finding, Fix, Severity, Span  # noqa: E402
from .settings import Settings, load_settings  # noqa: E402

__all__ = [
    "Applicability", "Edit", "Finding", "Fix", "FixResult", "Settings", "Severity", "Span",
    "fix_paths", "fix_text", "lint_paths", "lint_text", "load_settings", "__version__",
]
