"""A rule page never recommends what another rule reports (issue 7 §5)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from authlint import rules as registry
from authlint.api import lint_paths
from authlint.diagnostics import Severity
from authlint.rules.base import doc_sections
from authlint.settings import Settings

_BLOCK = re.compile(r"```(\w*)\n(.*?)```", re.S)


def use_instead_blocks() -> list[tuple[str, str, str]]:
    out = []
    for mod in registry.all_modules():
        section = doc_sections(mod.__doc__ or "").get("Use instead", "")
        for lang, body in _BLOCK.findall(section):
            if lang in ("yaml", "sh", "bash", ""):
                out.append((mod.RULE.code, lang, body))
    return out


@pytest.mark.parametrize("code,lang,body", use_instead_blocks(), ids=lambda v: v if isinstance(v, str) and v[:2] == "AL" else None)
def test_use_instead_is_clean(code: str, lang: str, body: str, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    if lang == "yaml":
        first = body.splitlines()[0]
        text = body if re.fullmatch(r"[\w.-]+:\s*", first) else "build:\n  script:\n" + body
        (tmp_path / ".gitlab-ci.yml").write_text(text, encoding="utf-8")
    else:
        (tmp_path / "script.sh").write_text(body, encoding="utf-8")
    result = lint_paths([tmp_path], Settings(project_dir=str(tmp_path)))
    flagged = [(f.code, f.message) for f in result.findings if f.severity >= Severity.WARNING and f.code not in ("AL001", "AL002")]
    assert flagged == [], f"{code}'s 'Use instead' is reported by {flagged}"


def test_there_are_blocks_to_check() -> None:
    assert len(use_instead_blocks()) > 20
