"""The state's files are private: the SQLite database and its siblings 0600, atonix's own
``.atonix`` directory 0700, the key file 0600. When atonix creates ``.atonix`` (or the database
in it) it writes ``.atonix/.gitignore`` ignoring everything, so ``state.db`` and ``state.key``
are never committed by accident.

Modes are given at creation (``os.open`` with 0600 before SQLite opens the file: SQLite gives
its ``-wal``, ``-shm`` and ``-journal`` files the database file's mode), and a file or
directory an older version left readable by others is tightened, silently, when opened. A
file we do not own cannot be tightened; it is left as it is (the owner's choice).
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from atonix_iac.errors import StateError

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
# atonix's own directory beside a project; a directory of the user's choosing is theirs.
OWN_DIRECTORY = ".atonix"
SQLITE_SIBLINGS = ("-wal", "-shm", "-journal")
GITIGNORE = ".gitignore"
IGNORE_ALL = "# written by atonix: state and its key are never committed\n*\n"


def tighten(path: Path, mode: int) -> None:
    """Drop the group and other bits of ``path`` if it has any (``mode`` is the target)."""
    with contextlib.suppress(OSError):  # absent, or not ours to change
        current = stat.S_IMODE(path.stat().st_mode)
        if current & 0o077:
            path.chmod(mode)


def prepare_sqlite_file(path: Path) -> None:
    """Before SQLite opens ``path``: its directory exists, the file exists with mode 0600, and
    any siblings left by earlier runs are 0600 too."""
    directory = path.parent
    try:
        if not directory.is_dir():
            directory.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
        elif directory.name == OWN_DIRECTORY:
            tighten(directory, PRIVATE_DIR)
    except OSError as exc:
        raise StateError(f"cannot create the state directory {directory}: {exc}") from exc
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    except FileExistsError:
        tighten(path, PRIVATE_FILE)
    except OSError as exc:
        raise StateError(f"cannot create the state database {path}: {exc}") from exc
    else:
        os.close(fd)  # an empty file is an empty SQLite database
        if directory.name == OWN_DIRECTORY:
            ignore_everything(directory)
    for suffix in SQLITE_SIBLINGS:
        tighten(path.with_name(path.name + suffix), PRIVATE_FILE)


def ignore_everything(directory: Path) -> None:
    """``directory/.gitignore`` ignoring all, unless one is there (the user's, then)."""
    with contextlib.suppress(FileExistsError, OSError):
        fd = os.open(directory / GITIGNORE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        with os.fdopen(fd, "w") as handle:
            handle.write(IGNORE_ALL)


def write_private_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by its owner only, even if the file existed."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    with os.fdopen(fd, "wb") as handle:
        with contextlib.suppress(OSError):
            os.fchmod(handle.fileno(), PRIVATE_FILE)
        handle.write(data)
