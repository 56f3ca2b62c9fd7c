"""Every VALID / INVALID example in every rule module becomes tests.

* valid: the rule reports nothing;
* invalid: the rule reports (at the ⟦marked⟧ span when marked);
* ``fixed`` given: applying the rule's fixes (unsafe included) gives exactly
  that text, which the rule then accepts; no ``fixed`` but an applicable fix:
  failure (a fix nobody expects is a bug);
* shell examples run three ways: as a .sh file, as a plain YAML script item and
  inside a ``|`` block, with the same findings at the mapped positions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from authlint import rules as registry
from authlint.api import fix_paths
from authlint.engine import Linter
from authlint.rules.base import Example
from authlint.settings import Settings

BLOCK_INDENT = 6


@dataclass
class Wrapped:
    """An example as a project file, with a map back to the example's text."""

    name: str
    filename: str
    text: str
    to_file: callable  # (line0, col0) in the example -> (line0, col0) in the file
    unwrap: callable  # file text -> example text


def wrappings(ex: Example) -> list[Wrapped]:
    if ex.kind != "sh" or ".gitlab-ci.yml" in ex.files:  # a script run by a given pipeline: no wrapping
        return [Wrapped(ex.kind, ex.filename, ex.text, lambda l, c: (l, c), lambda t: t)]
    out = [Wrapped("sh", ex.filename, ex.text, lambda l, c: (l, c), lambda t: t)]
    body = ex.text.rstrip("\n")
    if "\n" not in body and _plain_ok(body):
        plain_head = "job:\n  script:\n    - "
        out.append(Wrapped("yaml-plain", ".gitlab-ci.yml", plain_head + body + "\n", lambda l, c: (l + 2, c + 6),
                           lambda t: t[len(plain_head):].rstrip("\n") + ("\n" if ex.text.endswith("\n") else "")))
    head = "job:\n  script:\n    - |\n"
    pad = " " * BLOCK_INDENT
    block = "".join(pad + line + "\n" if line else "\n" for line in body.split("\n"))
    out.append(Wrapped("yaml-block", ".gitlab-ci.yml", head + block, lambda l, c: (l + 3, c + BLOCK_INDENT),
                       lambda t: "\n".join(line[BLOCK_INDENT:] for line in t[len(head):].rstrip("\n").split("\n")) + ("\n" if ex.text.endswith("\n") else "")))
    return out


def _plain_ok(line: str) -> bool:
    from ruamel.yaml import YAML

    try:
        doc = YAML(typ="safe", pure=True).load("- " + line + "\n")
    except Exception:
        return False
    return isinstance(doc, list) and doc == [line]


def _cases():
    for module in registry.all_modules():
        for kind in ("VALID", "INVALID"):
            for i, ex in enumerate(getattr(module, kind, [])):
                yield pytest.param(module, kind, ex, id=f"{module.RULE.code}-{kind.lower()}-{i}")


def _project(tmp_path: Path, ex: Example, w: Wrapped) -> Path:
    for rel, text in ex.files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8", newline="")
    main = tmp_path / w.filename
    main.parent.mkdir(parents=True, exist_ok=True)
    main.write_text(w.text, encoding="utf-8", newline="")
    (tmp_path / ".git").mkdir(exist_ok=True)  # the project root for includes
    return main


def _findings(main: Path, code: str):
    settings = Settings(select=(code,), project_dir=str(main.parent))
    result = Linter(settings).lint_paths([main.parent])
    return [f for f in result.findings if f.code == code], result


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset)
    return line, offset - (text.rfind("\n", 0, offset) + 1)


@pytest.mark.parametrize("module,kind,ex", list(_cases()))
def test_example(module, kind, ex: Example, tmp_path: Path, monkeypatch) -> None:
    code = module.RULE.code
    monkeypatch.chdir(tmp_path)
    reference = None
    for w in wrappings(ex):
        d = tmp_path / w.name
        d.mkdir()
        main = _project(d, ex, w)
        found, result = _findings(main, code)
        if kind == "VALID":
            assert not found, f"[{w.name}] unexpected {code}: {[f.message for f in found]}"
            continue
        assert found, f"[{w.name}] expected {code} in:\n{w.text}"
        if ex.count is not None:
            assert len(found) == ex.count, f"[{w.name}] expected {ex.count} findings, got {[f.message for f in found]}"
        mine = sorted((f for f in found if Path(f.path).name == Path(w.filename).name), key=lambda f: f.span.start)
        assert mine, f"[{w.name}] findings are not in {w.filename}: {[f.path for f in found]}"
        spans = [(_line_col(w.text, f.span.start), _line_col(w.text, f.span.end)) for f in mine]
        if ex.marked:
            a, b = ex.marked
            want = (w.to_file(*_line_col(ex.text, a)), w.to_file(*_line_col(ex.text, b)))
            assert want in spans, f"[{w.name}] expected span {want}, got {spans}"
        if reference is None:
            reference = (w, spans)
        elif "\n" not in ex.text.rstrip("\n") or w.name == "yaml-block":
            ref_w, ref_spans = reference
            mapped = [(w.to_file(*s), w.to_file(*e)) for s, e in ref_spans]
            assert spans == mapped, f"[{w.name}] spans differ from the .sh file: {spans} != {mapped}"
        _check_fix(ex, w, main, code, mine)


def _check_fix(ex: Example, w: Wrapped, main: Path, code: str, found) -> None:
    settings = Settings(select=(code,), project_dir=str(main.parent), unsafe_fixes=True)
    res = fix_paths([main.parent], settings, unsafe=True, write=False)
    changed = {Path(p).name: new for p, (old, new) in res.changed.items()}
    if ex.fixed is None:
        assert not changed, f"[{w.name}] {code} applied a fix no example expects:\n{changed}"
        return
    assert Path(w.filename).name in changed, f"[{w.name}] expected a fix to apply; fixes: {[f.fix for f in found]}"
    new_text = changed[Path(w.filename).name]
    assert w.unwrap(new_text) == ex.fixed, f"[{w.name}] fixed text differs:\n{new_text}"
    assert not [f for f in res.result.findings if f.code == code], f"[{w.name}] fixed text still triggers {code}"


def test_every_rule_has_examples() -> None:
    for module in registry.all_modules():
        assert getattr(module, "INVALID", []), f"{module.RULE.code} has no INVALID examples"
        if module.RULE.code not in ("AL001",):
            assert getattr(module, "VALID", []), f"{module.RULE.code} has no VALID examples"
