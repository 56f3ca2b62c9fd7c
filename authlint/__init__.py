"""authlint: keep container-registry credentials safe in GitLab CI."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .lazy import exports

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .api import FixResult, fix_paths, fix_text, lint_paths, lint_text
    from .diagnostics import Applicability, Edit, Finding, Fix, Severity, Span
    from .settings import Settings, load_settings

# The public names, loaded on first use: `import authlint.cli` must not import the engine
# before the command line is read (`authlint --version`; and cli.main pauses the collector first).
_SUBMODULE = {
    **dict.fromkeys(("FixResult", "fix_paths", "fix_text", "lint_paths", "lint_text"), "api"),
    **dict.fromkeys(("Applicability", "Edit", "Finding", "Fix", "Severity", "Span"), "diagnostics"),
    **dict.fromkeys(("Settings", "load_settings"), "settings"),
}

__all__ = [
    "Applicability", "Edit", "Finding", "Fix", "FixResult", "Settings", "Severity", "Span",
    "fix_paths", "fix_text", "lint_paths", "lint_text", "load_settings", "__version__",
]


__getattr__ = exports(__name__, _SUBMODULE)
