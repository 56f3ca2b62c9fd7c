"""Baselines: record today's findings so that only new ones fail.

``authlint check --write-baseline FILE`` records the fingerprint of every
current finding; ``authlint check --baseline FILE`` then drops the findings the
file records.  A fingerprint (engine.py) hashes the rule, the path, the job and
the redacted text of the finding (or the rule's secret-free key) plus its
occurrence index among identical ones: it does not depend on line numbers and
never contains a secret.  The baseline is a multiset (fingerprint -> count), so
one more copy of a known finding still fails.

The file is meant to be committed and reviewed, so it does not churn: JSON with
sorted keys and sorted entries, no timestamps and no authlint version, only a
format version::

    {
      "findings": [
        {"code": "AL102", "count": 1, "fingerprint": "…", "job": "build", "path": ".gitlab-ci.yml"}
      ],
      "version": 1
    }
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Iterable

from .diagnostics import Finding

FORMAT_VERSION = 1


class BaselineError(ValueError):
    """A baseline file that cannot be used (missing or malformed): a usage error."""


def entries(findings: Iterable[Finding] | Counter) -> list[dict]:
    """One entry per distinct fingerprint, with how many findings share it (given the findings,
    or their `counts`)."""
    recorded = findings if isinstance(findings, Counter) else counts(findings)
    out = []
    for (path, code, job, fingerprint), n in sorted(recorded.items()):
        entry = {"code": code, "count": n, "fingerprint": fingerprint, "path": path}
        if job:
            entry["job"] = job
        out.append(entry)
    return out


def counts(findings: Iterable[Finding], into: Counter | None = None) -> Counter:
    """What a baseline records of findings: how many share each (path, code, job, fingerprint);
    a streamed run adds each part's `into` one Counter instead of keeping the findings."""
    out = Counter() if into is None else into
    out.update((f.path, f.code, f.job or "", f.fingerprint_key) for f in findings)
    return out


def render(findings: Iterable[Finding] | Counter) -> str:
    doc = {"version": FORMAT_VERSION, "findings": entries(findings)}
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write(path: str | Path, findings: Iterable[Finding] | Counter) -> int:
    """Write the baseline atomically (of findings or their counts); return the number of
    findings it records."""
    from .fixes import write_atomic_bytes

    recorded = findings if isinstance(findings, Counter) else counts(findings)
    try:
        write_atomic_bytes(Path(path), render(recorded).encode("utf-8"), mode=0o666)
    except OSError as exc:
        raise BaselineError(f"cannot write baseline {path}: {exc.strerror or exc}") from None
    return sum(recorded.values())


def load(path: str | Path) -> Counter[str]:
    """fingerprint -> count; BaselineError with a one-line reason when unusable."""
    p = Path(path)
    if not p.exists():
        raise BaselineError(f"baseline file {path} does not exist (create it with --write-baseline {path})")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except IsADirectoryError:
        raise BaselineError(f"baseline {path} is a directory, not a file") from None
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"{path}: not a valid authlint baseline: invalid JSON ({exc})") from None
    if not isinstance(data, dict) or "findings" not in data or "version" not in data:
        raise BaselineError(f"{path}: not a valid authlint baseline: expected an object with 'version' and 'findings'")
    if data["version"] != FORMAT_VERSION:
        raise BaselineError(f"{path}: unsupported baseline version {data['version']!r} (this authlint reads version {FORMAT_VERSION})")
    if not isinstance(data["findings"], list):
        raise BaselineError(f"{path}: not a valid authlint baseline: 'findings' must be a list")
    counts: Counter[str] = Counter()
    for i, entry in enumerate(data["findings"]):
        fp = entry.get("fingerprint") if isinstance(entry, dict) else None
        n = entry.get("count", 1) if isinstance(entry, dict) else None
        if not isinstance(fp, str) or not fp or not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise BaselineError(f"{path}: not a valid authlint baseline: entry {i + 1} needs a 'fingerprint' string and a positive 'count'")
        counts[fp] += n
    return counts


def apply(findings: Iterable[Finding], baseline: Counter[str]) -> tuple[list[Finding], int]:
    """(findings not covered by the baseline, number of findings it covered)."""
    matcher = Matcher(baseline)
    return matcher.keep(findings), matcher.matched


class Matcher:
    """A baseline applied part by part, in report order (a streamed report): each fingerprint
    covers as many findings as it counts, the first ones met."""

    def __init__(self, baseline: Counter[str]) -> None:
        self.left = Counter(baseline)
        self.matched = 0

    def keep(self, findings: Iterable[Finding]) -> list[Finding]:
        kept: list[Finding] = []
        for f in findings:
            if self.left[f.fingerprint_key] > 0:
                self.left[f.fingerprint_key] -= 1
                self.matched += 1
            else:
                kept.append(f)
        return kept
