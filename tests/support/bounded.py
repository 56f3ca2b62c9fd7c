"""A hang guard for robustness tests: bad input must finish, not be fast.

Speed is measured by bench/, never asserted in tests; this only turns a hang or
an exponential blow-up (alias bombs, deep nesting) into a failure instead of a
stuck CI job.  The limit is far above any normal run.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

LIMIT = 60.0


@contextmanager
def hang_guard(seconds: float = LIMIT) -> Iterator[None]:
    def expired(signum, frame):  # noqa: ARG001
        pytest.fail(f"did not finish within {seconds:.0f} s: unbounded work on bad input")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
