"""`authlint lsp`: the language server, on stdio.

pygls and lsprotocol are an optional extra (``pip install 'authlint[lsp]'``)
and cost ~0.4 s to import, so they are imported here, by this command only;
nothing else in authlint imports them.
"""

from __future__ import annotations

import sys

INSTALL_HINT = "authlint: error: the language server needs pygls; install it with: pip install 'authlint[lsp]'"


def main() -> int:
    try:
        import lsprotocol.types  # noqa: F401
        import pygls.lsp.server  # noqa: F401
    except ImportError:
        print(INSTALL_HINT, file=sys.stderr)
        return 2
    from .server import serve

    return serve()
