"""State surgery the CLI offers (``state rm | mv | push | force-unlock``), kept beside apply so
that one layer owns every state write."""

from __future__ import annotations

from typing import Any, Protocol

from atonix_iac.state.model import LockInfo, StackKey
from atonix_iac.state.store import StateStore


class AdministeredStore(StateStore, Protocol):
    def move_resource(self, key: StackKey, source: str, destination: str) -> int: ...

    def import_state(
        self, key: StackKey, document: dict[str, Any], *, force: bool = False
    ) -> int: ...

    def force_unlock(self, key: StackKey, lock_id: str) -> LockInfo: ...


def forget_resource(store: StateStore, key: StackKey, address: str) -> int:
    """Drop ``address`` (and its deposed objects) from state; the cloud object stays."""
    with store.lock(key, "state rm"):
        targets = [r for r in store.iter_resources(key) if r.address == address]
        serial = 0
        for resource in sorted(targets, key=lambda r: r.deposed or ""):
            serial = store.remove_resource(key, resource.address, resource.deposed)
        if not targets:
            # Let the store raise its "no such resource, did you mean" error.
            serial = store.remove_resource(key, address)
        return serial


def move_resource(store: AdministeredStore, key: StackKey, source: str, destination: str) -> int:
    with store.lock(key, "state mv"):
        return store.move_resource(key, source, destination)


def push_state(
    store: AdministeredStore, key: StackKey, document: dict[str, Any], *, force: bool
) -> int:
    with store.lock(key, "state push"):
        return store.import_state(key, document, force=force)


def force_unlock(store: AdministeredStore, key: StackKey, lock_id: str) -> LockInfo:
    return store.force_unlock(key, lock_id)
