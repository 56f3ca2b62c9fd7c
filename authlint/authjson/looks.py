"""The one "looks like auth JSON" recogniser.

Two questions, one vocabulary: does a text hold an auth JSON document (a
top-level key `auths`, `credsStore` or `credHelpers`), and does a piece of
shell produce one (it writes such keys, or the variables that hold a whole
docker config).
"""

from __future__ import annotations

import re

from ..lazy import lazy_compile

AUTH_KEYS = ("auths", "credsStore", "credHelpers")
_KEY = lazy_compile(r"""["']?\b(?:auths|credsStore|credHelpers)\b["']?\s*:""", re.I)
_KEY_BYTES = lazy_compile(rb"""["'](?:auths|credsStore|credHelpers)["']""")  # single quotes too: AL301 reports them
_SHELL = lazy_compile(r"""\bauths\b|credsStore|credHelpers|DOCKER_AUTH_CONFIG|dockerconfigjson|DOCKER_CONFIG_JSON|["']auth["']\s*:""", re.I)


def looks_like_auth_json(text: str) -> bool:
    """A JSON (or JSON-like) text with an auth config key."""
    return bool(_KEY.search(text))


def starts_as_object(text: str) -> bool:
    """The text opens a JSON object: a here-document or value that is a YAML file, a
    script or a config that merely mentions `"auths"` (a generated .gitlab-ci.yml) is not auth JSON."""
    return text.lstrip("\ufeff \t\r\n").startswith("{")


def file_holds_auth_json(data: bytes) -> bool:
    """The first bytes of a file name an auth config key (discovery)."""
    return bool(_KEY_BYTES.search(data))


def produces_auth_json(shell_text: str) -> bool:
    """Shell text (a command, a here-document) that writes registry credentials:
    auth config keys, an `auth` field, or a variable holding a whole docker config."""
    return bool(_SHELL.search(shell_text))
