"""The hand review of every finding on ../shared/corpus stays true (tests/data/corpus-review.tsv).

A finding judged false must not come back, a finding judged true must not disappear, and a
finding nobody judged fails the test until it is reviewed (tests/support/corpus_review.py
prints the unjudged ones). Precision over the judged findings reported today is at least 0.97.
"""

from __future__ import annotations

from collections import Counter

import pytest

from support.corpus import require_corpus
from support.corpus_review import VERDICTS, lint_corpus, read_review, unjudged

MIN_PRECISION = 0.97


@pytest.fixture(scope="module")
def found():
    return lint_corpus(require_corpus())


@pytest.fixture(scope="module")
def rows():
    return read_review()


def test_every_row_is_judged_with_a_reason(rows) -> None:
    bad = [r for r in rows if r.verdict not in VERDICTS or not r.reason.strip()]
    assert not bad, bad[:5]


def test_no_unjudged_finding(found, rows) -> None:
    new = unjudged(found, rows)
    assert not new, f"{len(new)} unjudged findings; review them: " + "; ".join(
        f"{k.code} {k.path}:{k.line}" for k, _ in new[:10]
    )


def test_no_finding_judged_false_is_reported(found, rows) -> None:
    reported = Counter(key for key, _ in found)
    false = [r.key for r in rows if r.verdict == "false" and reported[r.key]]
    assert not false, false


def test_no_finding_judged_true_disappears(found, rows) -> None:
    missing = Counter(r.key for r in rows if r.verdict == "true") - Counter(key for key, _ in found)
    assert not missing, sorted(missing)[:10]


def test_precision_over_judged_findings(found, rows) -> None:
    verdict = Counter()
    judged = {}
    for r in rows:
        judged.setdefault(r.key, []).append(r.verdict)
    for key, _ in found:
        if judged.get(key):
            verdict[judged[key].pop(0)] += 1
    decided = verdict["true"] + verdict["false"]
    assert decided, "no judged finding is reported"
    assert verdict["true"] / decided >= MIN_PRECISION, verdict
