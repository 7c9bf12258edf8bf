"""What the function parser needs from the loader."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from atonix_iac.errors import Diagnostic, SourceLocation


@dataclass
class ParseContext:
    """Everything parsing one template's values needs.

    ``read_file`` reads a ``get_file`` target (a path relative to the template) and raises a
    located ``TemplateError`` if it cannot; ``None`` means ``get_file`` is not supported in this
    context. User mistakes are appended to ``diagnostics``; parsing never raises for them.
    ``files`` collects the ``get_file`` contents read so far (path as written -> text).

    ``resource_names`` / ``parameter_names`` enable "unknown resource/parameter" errors with a
    did-you-mean hint (empty = do not check). ``condition_names`` are the declared conditions;
    a condition name that is not among them is always an error.

    ``read_url`` gives a ``get_file`` target written as a URL when the files sent with the
    template hold it (heatclient inlines files so, named by URL), else ``None``: a URL is
    never fetched and never read from disk.

    ``facade`` is for a template used as a nested stack: the parent resource's ``metadata``,
    ``deletion_policy`` and ``update_policy`` (already parsed, in the parent's scope), which
    ``resource_facade`` returns. ``None`` = not a nested stack, and ``resource_facade`` is an
    error.
    """

    version: str
    source: str
    read_file: Callable[[str, SourceLocation], str] | None
    diagnostics: list[Diagnostic]
    files: dict[str, str]
    condition_names: frozenset[str] = frozenset()
    resource_names: frozenset[str] = frozenset()
    parameter_names: frozenset[str] = frozenset()
    facade: Mapping[str, Any] | None = None
    read_url: Callable[[str], str | None] | None = None
