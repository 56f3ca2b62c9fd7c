"""Rule metadata invariants and generated docs that must not go stale."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from authlint import rules as registry
from authlint.docs import render_index, render_rule, with_rule_table
from authlint.rules.base import DOC_SECTIONS, doc_sections

ROOT = Path(__file__).resolve().parent.parent
RULES_MD = ROOT.parent / "shared" / "spec" / "RULES.md"
CATALOGUE = ROOT / "tests" / "data" / "rules-catalogue.tsv"


@pytest.mark.parametrize("module", registry.all_modules(), ids=lambda m: m.RULE.code)
def test_rule_metadata_and_doc_sections(module) -> None:
    rule = module.RULE
    assert re.fullmatch(r"AL\d{3}", rule.code) and module.__name__.rsplit(".", 1)[-1].startswith(rule.code.lower() + "_")
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
    assert module.__name__.endswith(rule.name.replace("-", "_"))
    sections = doc_sections(module.__doc__ or "")
    for title in ("What it does", "Why is this bad?", "Fix safety"):
        assert sections.get(title), f"{rule.code}: missing '## {title}'"
    assert set(sections) <= set(DOC_SECTIONS) | {"Options", "References"}, f"{rule.code}: unknown sections {set(sections) - set(DOC_SECTIONS)}"


def test_codes_names_and_severities_match_the_catalogue() -> None:
    """Codes are a public contract: every catalogue rule exists with its name and severity.

    tests/data/rules-catalogue.tsv is a snapshot of the spec's RULES.md table (the spec sits
    beside the checkout, not in it); where the spec is present the snapshot holds its rows
    unchanged, plus rules added since under codes the spec leaves free."""
    snapshot = [tuple(line.split("\t")) for line in CATALOGUE.read_text().splitlines() if not line.startswith("#")]
    if RULES_MD.is_file():
        spec = re.findall(r"^\| (AL\d{3}) \| ([a-z0-9-]+) \| (error|warning|info) \|", RULES_MD.read_text(), re.M)
        # Rules added since the spec was written take free codes; the spec's own rows never change.
        assert [row for row in snapshot if row[0] in {code for code, _, _ in spec}] == spec
    catalogue = {code: (name, sev) for code, name, sev in snapshot}
    rules = {rule.code: (rule.name, str(rule.severity)) for rule in registry.all_rules()}
    assert rules == catalogue
    assert registry.codes() == set(rules)  # the codes a warm cache checks stored findings against


@pytest.mark.parametrize("module", registry.all_modules(), ids=lambda m: m.RULE.code)
def test_generated_docs_are_up_to_date(module) -> None:
    path = ROOT / "docs" / "rules" / f"{module.RULE.code}.md"
    assert path.is_file() and path.read_text(encoding="utf-8") == render_rule(module), (
        f"{path} is stale: run `python -m authlint.docs`"
    )


def test_readme_rule_table_is_up_to_date() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme == with_rule_table(readme), "README rule table is stale: run `python -m authlint.docs`"


def test_docs_index_is_up_to_date() -> None:
    assert (ROOT / "docs" / "rules" / "README.md").read_text(encoding="utf-8") == render_index()
