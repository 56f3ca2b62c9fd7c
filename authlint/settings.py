"""Configuration: ``[tool.authlint]`` in pyproject.toml, or authlint.toml /
.authlint.toml (top-level keys), found in the project directory or above.

Keys (kebab-case as in ruff): select, ignore, extend-select, per-file-ignores,
exclude, severity (code -> info|warning|error), unsafe-fixes,
fail-severity, max-file-size, cache-dir, ci-config-path, and ``[rules.<CODE>]`` option tables.
"""

from __future__ import annotations

import fnmatch
import os
import sys
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from .diagnostics import Severity


def _toml():
    """tomllib, imported only when there is a config file to read."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib

CONFIG_FILES = ("authlint.toml", ".authlint.toml", "pyproject.toml")
DEFAULT_EXCLUDE = (".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".authlint_cache", ".gitlab-ci-local")
KNOWN_KEYS = {
    "select", "ignore", "extend-select", "per-file-ignores", "exclude", "extend-exclude", "severity",
    "unsafe-fixes", "fail-severity", "max-file-size", "cache-dir", "rules", "ci-config-path",
}


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    """The resolved configuration: defaults, then the config file, then the command line."""

    select: tuple[str, ...] | None = None  # None = the default selection
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    severity: tuple[tuple[str, Severity], ...] = ()
    unsafe_fixes: bool = False
    fail_severity: Severity = Severity.WARNING  # info findings (AL002: a component include not fetched) do not fail a run
    max_file_size: int = 5_000_000
    cache_dir: str | None = None  # default: .authlint_cache in the project directory
    ci_config_path: tuple[str, ...] = ()  # pipeline root(s), from the repository top; () = detect
    rule_options: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...] = ()
    config_path: str | None = None
    project_dir: str = "."
    from_config: tuple[str, ...] = ()  # the fields the config file set (--show-settings)

    def options_for(self, code: str, defaults: dict[str, Any]) -> dict[str, Any]:
        merged = dict(defaults)
        for rule, opts in self.rule_options:
            if rule == code:
                merged.update(dict(opts))
        return merged

    def severity_for(self, code: str, default: Severity) -> Severity:
        for rule, sev in self.severity:
            if rule == code:
                return sev
        return default

    def ignored_for_path(self, path: str) -> tuple[str, ...]:
        out: list[str] = []
        for pattern, codes in self.per_file_ignores:
            if _glob_match(path, pattern):
                out.extend(codes)
        return tuple(out)

    def is_excluded(self, path: str) -> bool:
        names, globs = self._exclude_split
        if names and not names.isdisjoint(_normal(path).split("/")):
            return True  # a bare name matches any path component
        return bool(globs) and any(_glob_match(path, pat) for pat in globs)  # the defaults are names only

    @cached_property
    def _exclude_split(self) -> tuple[frozenset[str], tuple[str, ...]]:
        """Bare names (the defaults: .git, node_modules ...) as a set; the globs to match one by one."""
        names = frozenset(p.rstrip("/") for p in self.exclude if "/" not in p.rstrip("/") and not _GLOB_CHARS.intersection(p))
        return names, tuple(p for p in self.exclude if p.rstrip("/") not in names)

    def with_overrides(self, **changes: Any) -> "Settings":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


_GLOB_CHARS = frozenset("*?[")


def _normal(path: str) -> str:
    return path.replace(os.sep, "/").lstrip("./") if path.startswith("./") else path.replace(os.sep, "/")


def _glob_match(path: str, pattern: str) -> bool:
    path = _normal(path)
    pattern = pattern.rstrip("/")
    if fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, pattern + "/*"):
        return True
    parts = path.split("/")
    # A bare name matches any path component (like ruff's exclude of "node_modules").
    if "/" not in pattern:
        return any(fnmatch.fnmatchcase(p, pattern) for p in parts)
    return any(fnmatch.fnmatchcase("/".join(parts[: i + 1]), pattern) for i in range(len(parts)))


def find_config(start: Path) -> Path | None:
    """The nearest config file at or above start."""
    start = start.resolve()
    for directory in (start, *start.parents):
        for name in CONFIG_FILES:
            candidate = directory / name
            if candidate.is_file():
                if name != "pyproject.toml" or _pyproject_has_section(candidate):
                    return candidate
    return None


def _pyproject_has_section(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, ValueError):
        return False
    try:
        data = _toml().loads(text)
    except ValueError as exc:  # TOMLDecodeError: ours to report only if it is meant for us
        if "[tool.authlint" in text:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from None
        return False
    return "authlint" in data.get("tool", {})


def load_settings(start: Path, explicit: Path | None = None) -> Settings:
    path = explicit or find_config(start)
    if path is None:
        return Settings(project_dir=str(start))
    tomllib = _toml()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    table = data.get("tool", {}).get("authlint", {}) if path.name == "pyproject.toml" else data
    return parse_table(table, str(path), str(path.parent))


def _codes(value: Any, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"'{key}' must be a list of rule codes or names")
    return tuple(v.strip() for v in value)


def parse_table(table: dict[str, Any], config_path: str | None, project_dir: str) -> Settings:
    unknown = set(table) - KNOWN_KEYS
    if unknown:
        raise ConfigError(f"{config_path}: unknown setting(s): {', '.join(sorted(unknown))}")
    s = Settings(config_path=config_path, project_dir=project_dir)
    changes: dict[str, Any] = {}
    if "select" in table:
        changes["select"] = _codes(table["select"], "select")
    if "ignore" in table:
        changes["ignore"] = _codes(table["ignore"], "ignore")
    if "extend-select" in table:
        changes["extend_select"] = _codes(table["extend-select"], "extend-select")
    if "exclude" in table:
        changes["exclude"] = _codes(table["exclude"], "exclude")
    if "extend-exclude" in table:
        changes["exclude"] = changes.get("exclude", s.exclude) + _codes(table["extend-exclude"], "extend-exclude")
    pfi = table.get("per-file-ignores", {})
    if not isinstance(pfi, dict):
        raise ConfigError("'per-file-ignores' must be a table of glob = [codes]")
    changes["per_file_ignores"] = tuple((glob, _codes(codes, f"per-file-ignores.{glob}")) for glob, codes in pfi.items())
    sev = table.get("severity", {})
    if not isinstance(sev, dict):
        raise ConfigError("'severity' must be a table of CODE = \"info|warning|error\"")
    try:
        changes["severity"] = tuple((code, Severity.parse(str(level))) for code, level in sev.items())
        if "fail-severity" in table:
            changes["fail_severity"] = Severity.parse(str(table["fail-severity"]))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if "unsafe-fixes" in table:
        if not isinstance(table["unsafe-fixes"], bool):
            raise ConfigError("'unsafe-fixes' must be true or false")
        changes["unsafe_fixes"] = table["unsafe-fixes"]
    if "max-file-size" in table:
        if not isinstance(table["max-file-size"], int) or isinstance(table["max-file-size"], bool) or table["max-file-size"] <= 0:
            raise ConfigError("'max-file-size' must be a positive number of bytes")
        changes["max_file_size"] = table["max-file-size"]
    if "cache-dir" in table:
        if not isinstance(table["cache-dir"], str) or not table["cache-dir"]:
            raise ConfigError("'cache-dir' must be a directory path")
        changes["cache_dir"] = table["cache-dir"]
    if "ci-config-path" in table:
        changes["ci_config_path"] = ci_paths(table["ci-config-path"])
    rules = table.get("rules", {})
    if not isinstance(rules, dict) or not all(isinstance(v, dict) for v in rules.values()):
        raise ConfigError("'rules' must hold one table per rule code, e.g. [tool.authlint.rules.AL202]")
    changes["rule_options"] = tuple((code, tuple(opts.items())) for code, opts in rules.items())
    _check_codes(changes, config_path)
    keys = {"rule_options": "rules"}
    changes["from_config"] = tuple(
        k for k in changes if keys.get(k, k.replace("_", "-")) in table or (k == "exclude" and "extend-exclude" in table)
    )
    return replace(s, **changes)



def ci_paths(value: Any) -> tuple[str, ...]:
    """`ci-config-path`: one path or a list, relative to the repository top ('/'-separated)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError("'ci-config-path' must be a path or a list of paths from the repository top")
    out = []
    for v in value:
        rel = v.strip().replace("\\", "/").removeprefix("./")
        if rel.startswith("/") or ".." in rel.split("/"):
            raise ConfigError(f"'ci-config-path' {v!r} must be a path inside the repository")
        out.append(rel)
    return tuple(out)


def _check_codes(changes: dict[str, Any], config_path: str | None) -> None:
    """Every code, prefix or name in the config must mean a rule: a typo must not switch a rule off silently."""
    from .rules import UnknownSelector, expand, lookup

    try:
        for key in ("select", "ignore", "extend_select"):
            expand(changes.get(key) or ())
        for _, codes in changes.get("per_file_ignores", ()):
            expand(codes)
        expand(tuple(code for code, _ in changes.get("severity", ())))
    except UnknownSelector as exc:
        raise ConfigError(f"{config_path}: {exc}") from None
    for code, options in changes.get("rule_options", ()):
        module = lookup(code)
        if module is None:
            raise ConfigError(f"{config_path}: [rules.{code}]: unknown rule")
        unknown = [name for name, _ in options if name not in module.RULE.options]
        if unknown:
            known = ", ".join(module.RULE.options) or "none"
            raise ConfigError(f"{config_path}: [rules.{code}]: unknown option(s) {', '.join(unknown)} (known: {known})")


@dataclass(eq=False)
class Selection:
    """Which rule codes run, resolved against the registry."""

    enabled: frozenset[str] = field(default_factory=frozenset)

    def __contains__(self, code: str) -> bool:
        return code in self.enabled
