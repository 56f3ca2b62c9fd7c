"""The hand review of authlint's findings on ../shared/corpus (tests/data/corpus-review.tsv).

Each row judges one finding, keyed by (code, path, line), as `true`, `false` or `unsure`,
with a one-line reason. tests/test_corpus_review.py fails when a finding judged false is
reported, a finding judged true disappears, or an unjudged finding appears.

Run `python tests/support/corpus_review.py` to print the unjudged findings as TSV rows
(verdict `?`) with their messages, ready to be judged and appended.
"""

from __future__ import annotations

import csv
import os
import sys
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, NamedTuple

REVIEW = Path(__file__).resolve().parents[1] / "data" / "corpus-review.tsv"
COLUMNS = ("code", "path", "line", "verdict", "reason")
VERDICTS = ("true", "false", "unsure")


class Key(NamedTuple):
    code: str
    path: str
    line: int


class Row(NamedTuple):
    key: Key
    verdict: str
    reason: str


def read_review(path: Path = REVIEW) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t")
        assert tuple(reader.fieldnames or ()) == COLUMNS, reader.fieldnames
        return [Row(Key(r["code"], r["path"], int(r["line"])), r["verdict"], r["reason"]) for r in reader]


@contextmanager
def _cwd(path: Path) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def lint_corpus(corpus: Path) -> list[tuple[Key, str]]:
    """Every finding of `authlint check .` run in the corpus with default settings: (key, message)."""
    from authlint.engine import Linter
    from authlint.settings import Settings

    with _cwd(corpus):
        result = Linter(Settings()).lint_paths([Path(".")])
    assert not result.internal_error, result.errors
    out = []
    for f in result.findings:
        line = result.sources[f.path].index.position(f.span.start).line
        out.append((Key(f.code, Path(f.path).as_posix(), line), f.message))
    return out


def unjudged(found: list[tuple[Key, str]], rows: list[Row]) -> list[tuple[Key, str]]:
    left = Counter(r.key for r in rows)
    out = []
    for key, message in found:
        if left[key]:
            left[key] -= 1
        else:
            out.append((key, message))
    return out


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from support.corpus import CORPUS

    rows = read_review() if REVIEW.exists() else []
    for key, message in unjudged(lint_corpus(CORPUS), rows):
        print("\t".join((key.code, key.path, str(key.line), "?", message.replace("\t", " "))))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
