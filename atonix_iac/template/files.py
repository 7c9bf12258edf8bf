"""Every file a template load reads, recorded so that a saved plan can carry and verify them.

Files are keyed by the path used to read them: the root as the user named it, and each file
named inside another (get_file, nested template, registry target) relative to the naming
file's directory. ``load_template_from_files`` replays a load from such a mapping, no disk.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from atonix_iac.errors import SourceLocation, TemplateError, suggest
from atonix_iac.template.environment import resolve_relative
from atonix_iac.template.source import decode_text


class FileReader:
    """Reads (from disk or a saved mapping) and remembers what it read."""

    def __init__(self, saved: Mapping[str, str] | None = None) -> None:
        self._saved = dict(saved) if saved is not None else None
        self.files: dict[str, str] = {}

    def read(self, key: str, where: SourceLocation) -> str:
        if key in self.files:
            return self.files[key]
        # A saved file may be named by URL (heatclient names the files it sends so).
        saved = self._saved is not None and key in self._saved
        if not saved and key.startswith(("http://", "https://")):
            raise TemplateError.at(
                where, f"remote file `{key}` is not supported", "download it and name the file"
            )
        if self._saved is not None:
            if key not in self._saved:
                raise TemplateError.at(
                    where,
                    f"file `{key}` is not among the saved files",
                    suggest(key, self._saved),
                )
            text = self._saved[key]
        else:
            text = _read_disk(key, where)
        self.files[key] = text
        return text

    def sent_url(self, url: str) -> str | None:
        """A file named by URL among the saved files (``file://`` ones may be saved under
        their path), else None: a URL is never read from disk nor fetched."""
        if self._saved is None:
            return None
        for key in (url, url[len("file://") :] if url.startswith("file://") else url):
            if key in self._saved:
                self.files[key] = self._saved[key]
                return self._saved[key]
        return None

    def read_relative(self, base_file: str, target: str, where: SourceLocation) -> tuple[str, str]:
        """(key, text) of ``target`` named inside ``base_file``."""
        key = resolve_relative(base_file, target)
        return key, self.read(key, where)


def _read_disk(key: str, where: SourceLocation) -> str:
    path = Path(key)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise TemplateError.at(where, f"file `{key}` does not exist") from None
    except IsADirectoryError:
        raise TemplateError.at(where, f"`{key}` is a directory, not a file") from None
    except OSError as exc:
        raise TemplateError.at(where, f"cannot read `{key}`: {exc.strerror}") from None
    return decode_text(key, data)


def digest_files(files: Mapping[str, str], extra: Mapping[str, str] | None = None) -> str:
    """sha256 over (key, text) pairs, sorted; ``extra`` holds rendered Jinja output."""
    h = hashlib.sha256()
    for label, mapping in (("file", files), ("rendered", extra or {})):
        for key in sorted(mapping):
            for part in (label, key, mapping[key]):
                encoded = part.encode("utf-8", errors="surrogateescape")
                h.update(len(encoded).to_bytes(8, "big"))
                h.update(encoded)
    return h.hexdigest()
