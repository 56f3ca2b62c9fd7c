"""The corpus of real public CI files beside the checkout (../shared/corpus).

Tests that read it skip when it is absent, and fail instead under AUTHLINT_REQUIRE_E2E (CI).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def require_corpus() -> Path:
    if not CORPUS.is_dir():
        reason = f"corpus not found at {CORPUS}"
        if os.environ.get("AUTHLINT_REQUIRE_E2E"):
            pytest.fail(reason + " (AUTHLINT_REQUIRE_E2E is set)")
        pytest.skip(reason)
    return CORPUS
