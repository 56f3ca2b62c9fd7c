"""`extends:` and `!reference` over the merged top level, the way GitLab does it.

GitLab (lib/gitlab/ci/config.rb) and gitlab-ci-local agree on the order:
includes are merged, then `extends` is resolved, then `!reference` tags are
replaced, so a reference sees its target *after* extends (but before
`default:`, which is applied per job at the very end).  Everything is
memoised, so shared aliases and long chains cost one visit each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..yaml.model import YMap, YNode, YScalar, YSeq, YValue
from .model import PARSE_ERROR, UNRESOLVED, Problem
from .values import MAX_DEPTH, NO_ENTRY, Merger, entries, is_reference, is_string, span_of, strings, synth_seq, without

# GitLab: "extends" supports 11 levels (a job and 10 ancestors); gitlab-ci-local
# fails the same chain at an 11th ancestor.
MAX_EXTENDS_DEPTH = 10
# GitLab resolves nested `!reference` up to 10 levels.
MAX_REFERENCE_DEPTH = 10
# Past this, extends chains are not followed at all (keeps recursion shallow).
_EXTENDS_RECURSION = 50

# Top-level keys that are not jobs (GitLab's Config::Entry::Root).
RESERVED = frozenset(
    {"stages", "types", "variables", "include", "default", "workflow", "spec",
     "image", "services", "cache", "before_script", "after_script"}
)


@dataclass(eq=False)
class Extended:
    """A job's configuration with `extends` merged."""

    config: YMap
    ancestors: list[str] = field(default_factory=list)
    incomplete: bool = False
    height: int = 0  # longest extends chain above this job


@dataclass(eq=False)
class _Resolved:
    """A value with its `!reference` tags replaced."""

    value: YValue
    incomplete: bool = False
    height: int = 0  # longest chain of references inside


class Resolver:
    def __init__(
        self,
        top: dict[str, tuple[YNode, YValue]],
        report: Callable[[Problem], None],
        where: Callable[[YNode], str],
        merger: Merger,
        plain: bool = False,
        clean: set[YSeq | YMap] | None = None,
    ) -> None:
        self.top = top
        self.plain = plain  # no `!reference` and no `<<` in any value: each resolves to itself
        self.clean = clean or set()  # collections that resolve to themselves (YamlFile.clean)
        self.report = report
        self.where = where
        self.merger = merger
        self._extended: dict[str, Extended] = {}
        self._visiting: set[str] = set()
        self._resolved: dict[int, _Resolved] = {}
        self._keep: list[YValue] = []
        self._active: set[int] = set()
        self._reported: set[tuple[str, int, int, str]] = set()

    def problem(self, code: str, node: YNode, message: str) -> None:
        path = self.where(node)
        key = (path, node.start, node.end, message)
        if key not in self._reported:
            self._reported.add(key)
            self.report(Problem(code, path, span_of(node), message))

    # -- extends -----------------------------------------------------------------

    def is_job_like(self, name: str) -> bool:
        return name not in RESERVED and isinstance(self.job_value(name), YMap)

    def job_value(self, name: str) -> YValue | None:
        """A top-level value; a whole job may be a `!reference` to another (`job: !reference [.tpl]`)."""
        value = self.top.get(name, (None, None))[1]
        if is_reference(value) and id(value) not in self._active:
            value = self.deref(value)[0]  # type: ignore[arg-type]
        return value

    def extended(self, name: str, depth: int = 0) -> Extended:
        """The job's own mapping with its `extends` ancestors deep-merged under it."""
        done = self._extended.get(name)
        if done is not None:
            return done
        raw = self.top[name][1]
        if is_reference(raw):  # resolved after extends in GitLab: the target's extends apply, none of its own
            value, incomplete = self.deref(raw)  # type: ignore[arg-type]
            assert isinstance(value, YMap)
            result = Extended(without(value, "extends"), incomplete=incomplete)
            self._extended[name] = result
            return result
        assert isinstance(raw, YMap)
        node = raw._lookup.get("extends", NO_ENTRY)[1]
        if node is None:  # most jobs
            result = Extended(raw)
        elif isinstance(node, YScalar) and node.is_null:
            result = Extended(without(raw, "extends"))
        else:
            self._visiting.add(name)
            try:
                result = self._extend(name, raw, node, depth)
            finally:
                self._visiting.discard(name)
        self._extended[name] = result
        return result

    def _extend(self, name: str, raw: YMap, node: YValue, depth: int) -> Extended:
        parents = strings(node)
        result = Extended(raw)
        if parents is None:
            self.problem(PARSE_ERROR, node, f"{name}: extends should be a string or a list of strings")
            result.config, result.incomplete = without(raw, "extends"), True
            return result
        configs: list[YValue] = []
        for parent in parents:
            pname = parent.value
            if pname in self._visiting:
                self.problem(UNRESOLVED, parent, f"{name}: circular extends through {pname!r}")
                result.incomplete = True
            elif not self.is_job_like(pname):
                self.problem(UNRESOLVED, parent, f"{name}: extends unknown job {pname!r}")
                result.incomplete = True
            elif depth >= _EXTENDS_RECURSION:
                result.incomplete = True
            else:
                ext = self.extended(pname, depth + 1)
                configs.append(ext.config)
                result.ancestors.extend((*ext.ancestors, pname))
                result.incomplete |= ext.incomplete
                result.height = max(result.height, ext.height + 1)
        result.ancestors = list(dict.fromkeys(result.ancestors))  # a diamond names a parent once
        if result.height > MAX_EXTENDS_DEPTH:
            result.incomplete = True
            if result.height == MAX_EXTENDS_DEPTH + 1:  # report where the limit is first crossed
                self.problem(UNRESOLVED, node, f"{name}: extends nested deeper than {MAX_EXTENDS_DEPTH + 1} levels (GitLab's limit)")
        merged = self.merger.merge_all([*configs, without(raw, "extends")])
        assert isinstance(merged, YMap)
        result.config = merged
        return result

    # -- !reference --------------------------------------------------------------

    def resolve(self, value: YValue) -> tuple[YValue, bool]:
        """value with every `!reference` replaced; (value, incomplete)."""
        if self.plain or value in self.clean:
            return value, False
        r = self._resolve(value, 0)
        return r.value, r.incomplete

    def deref(self, ref: YSeq) -> tuple[YValue, bool]:
        """The fully resolved value a `!reference [key, ...]` points at; (value, incomplete).
        An unresolvable reference comes back as itself."""
        r = self._deref(ref)
        return r.value, r.incomplete

    def _resolve(self, value: YValue, depth: int) -> _Resolved:
        if isinstance(value, YScalar) or depth > MAX_DEPTH or value in self.clean:
            return _Resolved(value)
        hit = self._resolved.get(id(value))
        if hit is not None:
            return hit
        if is_reference(value):
            return self._deref(value)  # type: ignore[arg-type]
        own = None if isinstance(value, YSeq) else entries(value)  # type: ignore[arg-type]
        olds = value.items if own is None else [v for _, _, v in own]  # type: ignore[union-attr]
        news: list[YValue] = []
        incomplete, height = False, 0
        clean = self.clean
        for item in olds:
            if isinstance(item, YScalar) or item in clean:  # itself (most items): no call, no _Resolved
                news.append(item)
                continue
            r = self._resolve(item, depth + 1)
            news.append(r.value)
            incomplete = incomplete or r.incomplete
            height = max(height, r.height)
        changed = any(new is not old for new, old in zip(news, olds))
        if own is None:
            out: YValue = synth_seq(value, news) if changed else value
        else:
            # (rebuilt flat when it used `<<`, so later readers need not apply merges again)
            changed = changed or bool(value.merges)  # type: ignore[union-attr]
            out = YMap.keyed(value, {name: (k, new) for new, (name, k, _) in zip(news, own)}) if changed else value
        result = _Resolved(out, incomplete, height)
        self._remember(value, result)
        return result

    def _remember(self, value: YValue, result: _Resolved) -> None:
        self._resolved[id(value)] = result
        self._keep.append(value)  # ids must stay unique while memoised

    def _deref(self, ref: YSeq) -> _Resolved:
        hit = self._resolved.get(id(ref))
        if hit is not None:
            return hit
        path = [item.value for item in ref.items if isinstance(item, YScalar) and is_string(item)]
        if not path or len(path) != len(ref.items):
            self.problem(PARSE_ERROR, ref, "!reference needs a list of key names")
            return _Resolved(ref, True)
        shown = f"!reference [{', '.join(path)}]"
        if id(ref) in self._active:
            self.problem(UNRESOLVED, ref, f"{shown} is circular")
            return _Resolved(ref, True)  # not memoised: the outer resolution finishes this one
        if len(self._active) > MAX_REFERENCE_DEPTH + 5:  # far past the limit: stop before Python's stack does
            self.problem(UNRESOLVED, ref, f"{shown}: references nested deeper than {MAX_REFERENCE_DEPTH} levels (GitLab's limit)")
            return _Resolved(ref, True, MAX_REFERENCE_DEPTH + 2)
        self._active.add(id(ref))
        try:
            target, incomplete = self._lookup(path)
            if target is None:
                self.problem(UNRESOLVED, ref, f"{shown} is undefined")
                result = _Resolved(ref, True)
            else:
                inner = self._resolve(target, 0)
                result = _Resolved(inner.value, incomplete or inner.incomplete, inner.height + 1)
        finally:
            self._active.discard(id(ref))
        if result.height > MAX_REFERENCE_DEPTH:
            result.incomplete = True
            if result.height == MAX_REFERENCE_DEPTH + 1:  # report where the limit is first crossed
                self.problem(UNRESOLVED, ref, f"{shown}: references nested deeper than {MAX_REFERENCE_DEPTH} levels (GitLab's limit)")
        self._remember(ref, result)
        return result

    def _lookup(self, path: list[str]) -> tuple[YValue | None, bool]:
        head = path[0]
        if head not in self.top:
            return None, False
        incomplete = False
        if self.is_job_like(head):
            ext = self.extended(head)
            value: YValue | None = ext.config
            incomplete = ext.incomplete
        else:
            value = self.top[head][1]
        for key in path[1:]:
            if is_reference(value):  # a reference on the way: follow it first
                value, inc = self.deref(value)  # type: ignore[arg-type]
                if is_reference(value):
                    return None, True
                incomplete |= inc
            if not isinstance(value, YMap):
                return None, incomplete
            value = value.get(key)
            if value is None:
                return None, incomplete
        return value, incomplete
