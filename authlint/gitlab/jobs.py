"""Reading a resolved job mapping into typed parts: variables, images, scripts, matrix.

Shape errors GitLab would reject become AL001 problems through ``shape``;
the offending value is skipped, never guessed at.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import repeat

from ..yaml.model import YMap, YNode, YScalar, YSeq, YValue
from .model import Image, ScriptLine, Section, Variable, VariableLevel
from .values import entries, is_false, is_null, is_reference, is_string, scalar_kind

MAX_SCRIPT_NESTING = 10  # GitLab: "a nested array of strings up to 10 levels deep"
MAX_SCRIPT_LINES = 10_000  # far above real jobs; stops alias bombs
MAX_VISITS = 100_000
MAX_MATRIX = 200  # GitLab's limit on jobs one parallel:matrix generates

Shape = Callable[[YNode, str], None]  # report a shape problem at a node


def variables(value: YValue | None, level: VariableLevel, shape: Shape) -> dict[str, Variable]:
    """`variables:` in plain (`X: v`) and mapping (`X: {value:, expand:, ...}`) form."""
    out: dict[str, Variable] = {}
    if is_null(value) or is_reference(value):  # an unresolved !reference is reported already
        return out
    if not isinstance(value, YMap):
        shape(value, "variables should be a mapping of names to values")  # type: ignore[arg-type]
        return out
    for name, key, v in entries(value):
        out[name] = variable(name, key, v, level, shape)
    return out


def variable(name: str, key: YNode, v: YValue, level: VariableLevel, shape: Shape) -> Variable:
    if isinstance(v, YScalar):
        return Variable(name, v, key, level)
    if isinstance(v, YMap):
        inner = v.get("value")
        if inner is not None and not isinstance(inner, YScalar) and not is_reference(inner):
            shape(inner, f"variable {name}: value should be a string")
        return Variable(name, inner if isinstance(inner, YScalar) else None, key, level,
                        expand=not is_false(v.get("expand")), mapping=v)
    if not is_reference(v):
        shape(v, f"variable {name} should be a string, a number or a mapping with value:")
    return Variable(name, None, key, level)


def image(value: YValue | None, shape: Shape, what: str = "image") -> Image | None:
    if is_null(value) or is_reference(value):
        return None
    if isinstance(value, YScalar):
        if not is_string(value):
            shape(value, f"{what} should be a string or a mapping")
            return None
        return Image(value, value)
    if isinstance(value, YMap):
        name = value.get("name")
        if not is_string(name):
            shape(value, f"{what} needs a name:")
            name = None
        return Image(value, name, value.get("entrypoint"), value.get("pull_policy"))  # type: ignore[arg-type]
    shape(value, f"{what} should be a string or a mapping")  # type: ignore[arg-type]
    return None


def services(value: YValue | None, shape: Shape) -> list[Image]:
    if is_null(value) or is_reference(value):
        return []
    if not isinstance(value, YSeq):
        shape(value, "services should be a list")  # type: ignore[arg-type]
        return []
    out = []
    for item in _flat_items(value):
        svc = image(item, shape, "service")
        if svc is not None:
            out.append(svc)
    return out


def caches(value: YValue | None, shape: Shape) -> list[YMap]:
    if is_null(value) or is_reference(value):
        return []
    items = _flat_items(value) if isinstance(value, YSeq) else [value]
    out = []
    for item in items:
        if isinstance(item, YMap):
            out.append(item)
        elif not is_null(item) and not is_reference(item):
            shape(item, "cache should be a mapping or a list of mappings")  # type: ignore[arg-type]
    return out


def matrix(parallel: YValue | None, shape: Shape) -> list[dict[str, Variable]]:
    """parallel:matrix combinations: each entry's lists multiplied out, as GitLab does."""
    if not isinstance(parallel, YMap):
        return []
    spec = parallel.get("matrix")
    if is_null(spec) or is_reference(spec):
        return []
    if not isinstance(spec, YSeq):
        shape(spec, "parallel:matrix should be a list of mappings")  # type: ignore[arg-type]
        return []
    out: list[dict[str, Variable]] = []
    for entry in spec.items:
        if not isinstance(entry, YMap):
            shape(entry, "parallel:matrix entries should be mappings")
            continue
        combos: list[dict[str, Variable]] = [{}]
        for name, key, v in entries(entry):
            values = v.items if isinstance(v, YSeq) else [v]
            scalars_ = [x for x in values if isinstance(x, YScalar)]
            if len(scalars_) != len(values):
                shape(v, f"parallel:matrix {name} should be a string or a list of strings")
            combos = [{**c, name: Variable(name, s, key, "matrix")} for c in combos for s in scalars_][:MAX_MATRIX]
        out.extend(combos)
        if len(out) > MAX_MATRIX:
            shape(spec, f"parallel:matrix generates more than {MAX_MATRIX} jobs (GitLab's limit)")
            return out[:MAX_MATRIX]
    return out


def _flat_items(seq: YSeq) -> list[YValue]:
    """Items of a list with nested lists (from !reference) spliced in, depth-limited."""
    out: list[YValue] = []
    stack: list[tuple[YValue, int]] = [(i, 1) for i in reversed(seq.items)]
    while stack and len(out) < MAX_SCRIPT_LINES:
        item, depth = stack.pop()
        if isinstance(item, YSeq) and not is_reference(item) and depth < MAX_SCRIPT_NESTING:
            stack.extend((i, depth + 1) for i in reversed(item.items))
        else:
            out.append(item)
    return out


@dataclass(eq=False)
class Flattened:
    """A script section's lines, flattened, and whether a part could not be resolved."""

    lines: list[ScriptLine] = field(default_factory=list)
    incomplete: bool = False
    known_scalars: list[YScalar] | None = None  # the lines' scalars, when read as that very list

    @property
    def scalars(self) -> list[YScalar]:
        """The lines' scalars (a list not to be changed)."""
        return [line.scalar for line in self.lines] if self.known_scalars is None else self.known_scalars


def script(
    section: Section,
    value: YValue | None,
    deref: Callable[[YSeq], tuple[YValue, bool]],
    shape: Shape,
) -> Flattened:
    """A script section as lines: a string, or nested lists flattened (the runner
    flattens them); `!reference` items are spliced in where they stand."""
    if is_null(value):
        return Flattened()
    flat = [value] if isinstance(value, YScalar) else value.items if isinstance(value, YSeq) and not is_reference(value) else None
    if flat and len(flat) <= MAX_SCRIPT_LINES and all(map(is_string, flat)):  # what _walk gives (most scripts)
        return Flattened(list(map(ScriptLine, repeat(section), range(len(flat)), flat)), False, flat)
    return _walk(section, value, deref, shape)  # type: ignore[arg-type]


def _walk(section: Section, value: YValue, deref: Callable[[YSeq], tuple[YValue, bool]], shape: Shape) -> Flattened:
    out = Flattened()
    stack: list[tuple[YValue, bool, int]] = [(value, False, 0)]  # (value, via reference, nesting)
    visits = 0
    while stack:
        item, via, depth = stack.pop()
        visits += 1
        if visits > MAX_VISITS or len(out.lines) >= MAX_SCRIPT_LINES:
            shape(value, f"{section} is too large to resolve (more than {MAX_SCRIPT_LINES} lines)")  # type: ignore[arg-type]
            break
        if is_reference(item):
            if via:  # left in a resolved value: it could not be resolved (and was reported)
                out.incomplete = True
                continue
            target, incomplete = deref(item)  # type: ignore[arg-type]
            out.incomplete |= incomplete
            if target is not item:  # unresolved references are reported by deref
                stack.append((target, True, depth))
        elif isinstance(item, YSeq):
            if depth >= MAX_SCRIPT_NESTING:
                shape(item, f"{section} nests lists deeper than {MAX_SCRIPT_NESTING} levels")
                continue
            stack.extend((i, via, depth + 1) for i in reversed(item.items))
        elif isinstance(item, YScalar) and is_string(item):
            out.lines.append(ScriptLine(section, len(out.lines), item, via))
        else:
            kind = scalar_kind(item) if isinstance(item, YScalar) else "mapping"
            shape(item, f"{section} items should be strings, not {kind}")
    return out


def windows_tag(tags: YValue) -> bool:
    """Whether a job's `tags:` list names a Windows runner."""
    return isinstance(tags, YSeq) and any(isinstance(t, YScalar) and "windows" in t.value.lower() for t in tags.items)
