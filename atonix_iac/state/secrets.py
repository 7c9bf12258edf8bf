"""Encryption at rest for secret values in state (Fernet: AES-128-CBC + HMAC-SHA256).

The key comes from ``ATONIX_STATE_KEY`` (one urlsafe-base64 Fernet key, or several separated by
commas: the first encrypts, all decrypt, which is how a key is rotated). Without it, a SQLite
database keeps its key in a file beside it (``state.db`` -> ``state.key``, mode 0600), created
the first time a secret is written, and never again once something is sealed: a lost or wrong
key is an error that says which key to supply. Other databases require ``ATONIX_STATE_KEY``: a
key kept next to a shared server would protect nothing.

``cryptography`` is imported on the first seal or open: a state without secrets never loads it.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from atonix_iac.errors import StateError
from atonix_iac.state.files import PRIVATE_FILE, tighten

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet

STATE_KEY_ENV = "ATONIX_STATE_KEY"


class SecretBox:
    """Seals JSON values into Fernet tokens and opens them; finds its key on first use.

    A key is made only when none exists and nothing sealed does: a state that holds sealed
    values and has lost its key (or was given another) is an error, never a fresh start, or
    new secrets would be sealed with a key the old ones do not open. ``attach`` gives the box
    a way to find one sealed token of its database, to check a key against before using it.
    """

    def __init__(
        self, *, env_key: str | None, key_file: Path | None, ephemeral: bool = False
    ) -> None:
        self._env_key = env_key
        self._key_file = key_file
        self._ephemeral = ephemeral
        self._fernet: MultiFernet | None = None
        self._guard = threading.Lock()
        self._sample: Callable[[], str | None] = _nothing_sealed

    @classmethod
    def from_environment(cls, *, key_file: Path | None, ephemeral: bool = False) -> SecretBox:
        return cls(env_key=os.environ.get(STATE_KEY_ENV), key_file=key_file, ephemeral=ephemeral)

    def attach(self, sample: Callable[[], str | None]) -> None:
        """``sample()`` returns any one sealed token of the database, or None if none."""
        self._sample = sample

    def ready(self) -> None:
        """Find and check the key now (StateError if there is none, or the wrong one)."""
        self._cipher()

    def seal(self, value: Any) -> str:
        data = json.dumps(value, separators=(",", ":"), allow_nan=False).encode()
        return self._cipher().encrypt(data).decode("ascii")

    def open(self, token: str, what: str) -> Any:
        """The value sealed in ``token``; ``what`` names it in the error (never its content)."""
        from cryptography.fernet import InvalidToken

        try:
            data = self._cipher().decrypt(token.encode("ascii"))
        except InvalidToken:
            raise StateError(f"cannot decrypt the secrets of {what}: {self._wrong_key()}") from None
        return json.loads(data)

    def _cipher(self) -> MultiFernet:
        from cryptography.fernet import Fernet, InvalidToken, MultiFernet

        with self._guard:
            if self._fernet is None:
                fernet = MultiFernet([Fernet(k) for k in self._keys()])
                token = self._sample()
                if token is not None:
                    try:
                        fernet.decrypt(token.encode("ascii"))
                    except InvalidToken:
                        raise StateError(
                            f"the state holds encrypted secrets: {self._wrong_key()}"
                        ) from None
                self._fernet = fernet
            return self._fernet

    def _wrong_key(self) -> str:
        """Why a key does not open what the state holds, and how to supply the right one."""
        if self._env_key:
            other = (
                f", or unset it to use the key file {self._key_file}"
                if self._key_file is not None and self._key_file.exists()
                else ""
            )
            return (
                f"{STATE_KEY_ENV} is not the key they were written with (set it to that key;"
                f" while rotating, list the new and the old key separated by a comma{other})"
            )
        return (
            f"the key file {self._key_file} is not the key they were written with (restore "
            f"the original file, or set {STATE_KEY_ENV} to that key)"
        )

    def _keys(self) -> list[bytes]:
        from cryptography.fernet import Fernet

        if self._env_key:
            keys = [k.strip().encode() for k in self._env_key.split(",") if k.strip()]
            for index, key in enumerate(keys):
                _check_key(key, f"{STATE_KEY_ENV} (key {index + 1})")
            if keys:
                return keys
        if self._key_file is not None:
            if self._key_file.exists() or self._sample() is None:
                return [_read_or_create_key_file(self._key_file)]
            raise StateError(
                f"the state holds encrypted secrets but their key file {self._key_file} is "
                f"missing: restore it, or set {STATE_KEY_ENV} to the key they were written "
                "with (no new key is made while secrets sealed with the old one exist)"
            )
        if self._ephemeral:
            return [Fernet.generate_key()]
        if self._sample() is not None:
            raise StateError(
                f"the state holds encrypted secrets but no state key is set: set "
                f"{STATE_KEY_ENV} to the key they were written with"
            )
        raise StateError(
            f"a secret must be stored but no state key is set: set {STATE_KEY_ENV} to a Fernet "
            "key (python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')"
        )


def _nothing_sealed() -> str | None:
    return None


def _check_key(key: bytes, where: str) -> None:
    from cryptography.fernet import Fernet

    try:
        Fernet(key)
    except (ValueError, TypeError):
        raise StateError(
            f"{where} is not a Fernet key (32 bytes, urlsafe base64, 44 characters)"
        ) from None


def _read_or_create_key_file(path: Path) -> bytes:
    """Read the key file, creating it 0600 first if absent (atomic against a racing process);
    one an older version left readable by others is made 0600."""
    if path.exists():
        tighten(path, PRIVATE_FILE)
    else:
        from cryptography.fernet import Fernet

        temp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
            # Fails if another process won the race: then its key is the key.
            with contextlib.suppress(FileExistsError):
                os.link(temp, path)
        except OSError as exc:
            raise StateError(f"cannot create the state key file {path}: {exc}") from exc
        finally:
            temp.unlink(missing_ok=True)
    try:
        key = path.read_bytes().strip()
    except OSError as exc:
        raise StateError(f"cannot read the state key file {path}: {exc}") from exc
    _check_key(key, f"the state key file {path}")
    return key
