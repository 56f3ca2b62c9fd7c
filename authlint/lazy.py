"""Start-up: regular expressions compiled on first use, and package names loaded on first use.

Compiling a pattern costs 0.05-0.5 ms, and a module compiles its patterns when it is imported,
whether the run needs them or not: a check of one small pipeline (what pre-commit runs on every
commit) paid ~15 ms for patterns it never used.  Patterns that a typical pipeline needs stay
``re.compile``; those for rarer input (auth JSON, secrets that passed the cheap filters,
PowerShell, escapes ...) use ``lazy_compile``.  ``exports`` does the same for the names a package
re-exports from its submodules.
"""

from __future__ import annotations

import re
import sys
from importlib import import_module
from typing import TYPE_CHECKING, Any, Callable


class LazyPattern:
    """``re.compile(pattern, flags)``, compiled at the first attribute access.  Each attribute
    read (``search``, ``sub`` ...) is then stored on the instance, so later calls go straight to
    the compiled pattern's method.  Only for module-level patterns used through their methods:
    ``re.sub(pattern, ...)`` needs a real one."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._source = (pattern, flags)

    def __getattr__(self, name: str):  # called only for what is not stored yet
        if name.startswith("_"):  # copy and pickle probe dunders (not a use); _source while unpickling
            raise AttributeError(name)
        value = getattr(re.compile(*self._source), name)
        setattr(self, name, value)
        return value

    def __repr__(self) -> str:
        return f"lazy_compile({self._source[0]!r})"


if TYPE_CHECKING:
    lazy_compile = re.compile
else:
    lazy_compile = LazyPattern


def exports(package: str, submodules: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` (PEP 562) for ``package``: each name in ``submodules`` (name ->
    submodule, or submodule:attribute) is imported from its submodule when first read, then kept
    in the package."""

    def __getattr__(name: str) -> Any:
        if name not in submodules:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attribute = submodules[name].partition(":")
        value = getattr(import_module(f"{package}.{module}"), attribute or name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__


def on_first_call(module: str, name: str, target: str) -> Callable[..., Any]:
    """A stand-in for the function ``target`` ("package.module:function"), kept in the global
    ``name`` of ``module``: its first call imports the function and puts it in that global's
    place, so later calls go straight to it (an import statement in a function body costs 1-3 µs
    a call, and start-up would pay for importing it at the top)."""
    where, _, attribute = target.partition(":")

    def first_call(*args: Any, **kwargs: Any) -> Any:
        function = getattr(import_module(where), attribute)
        setattr(sys.modules[module], name, function)
        return function(*args, **kwargs)

    return first_call
