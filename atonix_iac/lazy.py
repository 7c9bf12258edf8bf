"""Package attributes imported on first use (PEP 562).

A package's ``__init__`` runs whenever any of its modules is imported, so eager re-exports
would make every command pay for the whole package (the planner, the template loader); a
table of name -> module defers each to the first access instead.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_getattr(
    package: str, exports: Mapping[str, str], namespace: dict[str, Any]
) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``exports[name]`` once and keeps the value in the
    package's ``namespace``, so later accesses are plain global look-ups."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    return __getattr__
