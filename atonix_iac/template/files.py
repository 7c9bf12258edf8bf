"""Every file a template load reads, recorded so that a saved plan can carry and verify them.

Files are keyed by the path used to read them: the root as the user named it, and each file
named inside another (get_file, nested template, registry target) relative to the naming
file's directory. ``load_template_from_files`` replays a load from such a mapping, no disk.
A Heat API request names its files as Heat does (``naming.FileNaming.AS_WRITTEN``): the
name as written is the key of the request's ``files`` map, and the disk is never read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from atonix_iac.errors import SourceLocation, TemplateError, suggest
from atonix_iac.template.naming import FileNaming
from atonix_iac.template.source import decode_text

_REQUEST_FILES_HINT = (
    "a client sends the content of every file a template names (get_file, a template type, "
    "a resource_registry entry) in the request's `files`, keyed exactly as the name is "
    "written; `openstack stack create -t` and heatclient do so for local files"
)


class FileReader:
    """Reads (from disk or a saved mapping) and remembers what it read."""

    def __init__(
        self,
        saved: Mapping[str, str] | None = None,
        naming: FileNaming = FileNaming.RELATIVE,
    ) -> None:
        if naming is FileNaming.AS_WRITTEN and saved is None:
            raise ValueError("names as written are keys of a files map: give the map")
        self._saved = dict(saved) if saved is not None else None
        self.naming = naming
        self.files: dict[str, str] = {}

    @classmethod
    def for_request(cls, files: Mapping[str, str]) -> FileReader:
        """A Heat API request's ``files`` map, read as Heat reads it."""
        return cls(files, FileNaming.AS_WRITTEN)

    def key(self, base_file: str, target: str) -> str:
        """The key of ``target`` named inside ``base_file``."""
        return self.naming.key(base_file, target)

    def read(self, key: str, where: SourceLocation) -> str:
        if key in self.files:
            return self.files[key]
        if self.naming is FileNaming.AS_WRITTEN:
            text = self._from_request(key, where)
        elif key.startswith(("http://", "https://")):
            raise TemplateError.at(
                where, f"remote file `{key}` is not supported", "download it and name the file"
            )
        elif self._saved is not None:
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

    def _from_request(self, key: str, where: SourceLocation) -> str:
        """Heat's lookup: the key as written, or a located error (never a fetch, never disk)."""
        saved = self._saved or {}
        if key not in saved:
            raise TemplateError.at(
                where,
                f"no content for `{key}` in the request's `files`",
                suggest(key, saved) or _REQUEST_FILES_HINT,
            )
        return saved[key]

    def read_relative(self, base_file: str, target: str, where: SourceLocation) -> tuple[str, str]:
        """(key, text) of ``target`` named inside ``base_file``."""
        key = self.key(base_file, target)
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
