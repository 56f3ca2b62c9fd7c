"""Import rules of the package: shared knowledge lives below the rules."""

from __future__ import annotations

import ast
from pathlib import Path

import authlint

PACKAGE = Path(authlint.__file__).parent


def imported_modules(path: Path) -> set[str]:
    """Absolute names of the authlint modules a file imports (lazy imports included)."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            out.add(name)
            out.update(f"{name}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_no_rule_module_imports_another_rule_module() -> None:
    rules = sorted((PACKAGE / "rules").glob("al[0-9][0-9][0-9]_*.py"))
    assert len(rules) > 40
    names = {f"authlint.rules.{p.stem}" for p in rules}
    offenders = {p.stem: sorted(imported_modules(p) & (names - {f"authlint.rules.{p.stem}"})) for p in rules}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_units_and_models_do_not_import_rules() -> None:
    below = [PACKAGE / "units.py", PACKAGE / "jobfacts.py", PACKAGE / "tools.py", *(PACKAGE / "shell").glob("*.py"), *(PACKAGE / "authjson").glob("*.py")]
    offenders = {p.name: sorted(m for m in imported_modules(p) if m.startswith("authlint.rules")) for p in below}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_imported_modules_reads_relative_imports() -> None:
    names = imported_modules(PACKAGE / "rules" / "al206_unquoted_auth_variable.py")
    assert "authlint.shell.flow" in names and "authlint.rules.base" in names
