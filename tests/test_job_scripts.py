"""A job's script items as the engine parses them: joined into the one script the runner runs,
GitLab's inputs masked item by item, each command in the unit of the item it starts in."""

from __future__ import annotations

import bisect
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from authlint.engine import _mask_inputs
from support.project import jobs

CASES = {
    "one": "a:\n  script: docker login -u u -p \"$P\" r && docker push r/x\n",
    "items": "a:\n  before_script:\n    - echo b\n  script:\n    - echo a; echo c\n    - |\n      if true; then\n        echo d\n      fi\n",
    "inputs": "a:\n  script:\n    - echo \"$[[ inputs.stage ]]\" ${{ inputs.env }}\n    - echo x\n",
    "input-across-items": "a:\n  script:\n    - echo '$[[ inputs.a'\n    - echo ']]' x\n",
    "empty-items": "a:\n  script:\n    - ''\n    - echo x\n    - ''\n",
}


def test_items_are_parts_of_the_masked_joined_script(tmp_path: Path) -> None:
    for name, text in CASES.items():
        for ju in jobs(tmp_path / name, text).values():
            items = [*ju.job.before_script, *ju.job.script]
            texts = [_mask_inputs(line.scalar.value) for line in items]
            starts = [sum(len(t) + 1 for t in texts[:i]) for i in range(len(texts))]
            units = [u for u in ju.units if u.section != "after_script"]
            assert [u.line for u in units] == items, name
            assert {u.script.text for u in units} == {"\n".join(texts)}, name
            assert [u.own for u in units] == [(s, s + len(t)) for s, t in zip(starts, texts)], name
            for ref in ju.commands:
                assert ref.unit is units[max(0, bisect.bisect_right(starts, ref.cmd.start) - 1)], name


_POWERSHELL_PIECES = ["Import", "New", "Remove", "Get", "Set", "Write", "Invoke", "Start", "Test", "-", "Module", "Item",
                      "ChildItem", "Location", "Output", "Host", "WebRequest", "Process", "Path", "ErrorAction", "$env:",
                      "$env", "x", "_", " ", "\n", "PRIVATE-TOKEN", "-T", "-E", "é", "1"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_POWERSHELL_PIECES), max_size=12).map("".join))
def test_powershell_line_gate_keeps_the_search_answer(text: str) -> None:
    """The gate before the PowerShell hint search (a cmdlet's noun after a dash, or `$env:`)
    answers as the search alone: every hint holds one."""
    from authlint import engine

    assert engine._powershell_line(text) == (engine._POWERSHELL.search(text) is not None)


def test_powershell_line_gate_passes_every_hint() -> None:
    from authlint import engine

    hints = ["Import-Module", "New-Item", "Remove-Item", "Get-ChildItem", "Set-Location", "Write-Output", "Write-Host",
             "Invoke-WebRequest", "Start-Process", "Test-Path", "x -ErrorAction Stop", "$env:PATH"]
    for hint in hints:
        for text in (hint, f"a; {hint} b", f"x{hint}", f"{hint}s"):
            assert engine._powershell_line(text) == (engine._POWERSHELL.search(text) is not None), text
        assert engine._powershell_line(hint)
