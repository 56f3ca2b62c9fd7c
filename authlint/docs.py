"""Rule documentation, rendered from each rule module (docstring, metadata,
examples).  `authlint rule CODE` prints it; docs/rules/<CODE>.md holds it."""

from __future__ import annotations

from types import ModuleType

from .rules.base import doc_sections

_FIX_TEXT = {
    "none": "none (shown as guidance only)",
    "safe": "safe (applied by `authlint fix`)",
    "unsafe": "unsafe (applied only with `--unsafe-fixes`)",
    "sometimes": "safe or unsafe depending on the case (see Fix safety)",
}
_LANG = {"sh": "sh", "yaml": "yaml", "json": "json"}


def _block(kind: str, text: str) -> str:
    return f"```{_LANG.get(kind, '')}\n{text.rstrip()}\n```"


def render_rule(module: ModuleType) -> str:
    rule = module.RULE
    sections = doc_sections(module.__doc__ or "")
    invalid = getattr(module, "INVALID", [])
    valid = getattr(module, "VALID", [])
    lines = [
        f"# {rule.code} {rule.name}",
        "",
        f"{rule.summary}",
        "",
        f"- Severity: {rule.severity}",
        f"- Fix: {_FIX_TEXT.get(rule.fix, rule.fix)}",
        f"- Enabled by default: {'yes' if rule.default_enabled else 'no (enable with `--extend-select ' + rule.code + '`)'}",
    ]
    if rule.options:
        opts = ", ".join(f"`{k}` (default `{v!r}`)" for k, v in rule.options.items())
        lines.append(f"- Options (`[tool.authlint.rules.{rule.code}]`): {opts}")
    lines.append("")
    for title in ("What it does", "Why is this bad?"):
        if title in sections:
            lines += [f"## {title}", "", sections[title], ""]
    if "Example" in sections:
        lines += ["## Example", "", sections["Example"], ""]
    elif invalid:
        lines += ["## Example", "", _block(invalid[0].kind, invalid[0].text), ""]
    if "Use instead" in sections:
        lines += ["## Use instead", "", sections["Use instead"], ""]
    elif invalid and invalid[0].fixed:
        lines += ["## Use instead", "", _block(invalid[0].kind, invalid[0].fixed), ""]
    elif valid:
        lines += ["## Use instead", "", _block(valid[0].kind, valid[0].text), ""]
    for title, body in sections.items():
        if title not in ("What it does", "Why is this bad?", "Example", "Use instead"):
            lines += [f"## {title}", "", body, ""]
    return "\n".join(lines).rstrip() + "\n"


def write_all(directory: str = "docs/rules") -> list[str]:
    """Regenerate docs/rules/<CODE>.md and the index; return the paths written."""
    from pathlib import Path

    from .rules import all_modules

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for module in all_modules():
        path = out / f"{module.RULE.code}.md"
        path.write_text(render_rule(module), encoding="utf-8")
        written.append(str(path))
    (out / "README.md").write_text(render_index(), encoding="utf-8")
    return written


def render_index() -> str:
    from .rules import all_rules

    lines = ["# authlint rules", "", "Generated from the rule modules by `python -m authlint.docs`; do not edit.", "",
             "| code | name | severity | fix | default |", "|---|---|---|---|---|"]
    for r in all_rules():
        lines.append(f"| [{r.code}]({r.code}.md) | {r.name} | {r.severity} | {r.fix} | {'on' if r.default_enabled else 'off'} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m authlint.docs [DIR]
    import sys

    for p in write_all(*sys.argv[1:2]):
        print(p)
