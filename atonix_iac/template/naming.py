"""How a file named inside another file (get_file, a template type, a registry target) becomes
the key it is read by.

Templates arrive two ways, and each has its rule:

- ``RELATIVE`` — the atonix CLI and the plans it saves: a path relative to the directory of
  the file that names it, read from disk (or replayed from the plan). ``get_file`` refuses
  URLs; a template type or registry target written ``file:///abs`` is that local path.
- ``AS_WRITTEN`` — a request to the stack service: Heat's rule. The name exactly as written is
  a key of the request's ``files`` map (Heat's ``GetFile`` and ``TemplateResource`` look it up
  as is). Clients such as heatclient rewrite local names to absolute ``file:///...`` URLs and
  send the contents under them, so a URL is a key like any other; nothing is fetched and the
  service host's disk is never read.
"""

from __future__ import annotations

import posixpath
from enum import Enum


class FileNaming(Enum):
    RELATIVE = "relative"
    AS_WRITTEN = "as-written"

    def key(self, base_file: str, target: str) -> str:
        """The key of ``target`` named inside ``base_file``."""
        if self is FileNaming.AS_WRITTEN:
            return target
        return resolve_relative(base_file, target)

    @property
    def urls_are_keys(self) -> bool:
        return self is FileNaming.AS_WRITTEN


def resolve_relative(base_file: str, target: str) -> str:
    """The key of ``target`` named inside ``base_file`` (relative to the file's directory)."""
    if target.startswith("file://"):
        return target[len("file://") :]
    if target.startswith(("http://", "https://")):
        return target  # a URL names itself (and is refused when read)
    if posixpath.isabs(target):
        return posixpath.normpath(target)
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_file), target))
