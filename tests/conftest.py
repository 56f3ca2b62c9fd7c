"""Shared fixtures. E2E helpers live in tests/support (import them as `support.*`)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Make `support` importable whatever the rootdir/import mode (tests/ is not a package).
_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

from support import components  # noqa: E402
from support import registry as _registry  # noqa: E402


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_registry.Registry]:
    """A real docker-registry on 127.0.0.1:<free port> with htpasswd (bcrypt) auth, for the whole session.

    Skips (or fails under AUTHLINT_REQUIRE_E2E=1) when docker-registry/skopeo/htpasswd are missing.
    """
    components.require("docker-registry", "skopeo", "htpasswd")
    reg = _registry.start(tmp_path_factory.mktemp("registry"))
    try:
        yield reg
    finally:
        reg.stop()
