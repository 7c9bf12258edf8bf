"""Time-based status transitions, computed when a record is read.

No background threads: a transition stores its due time in the record (``_t``) and
:func:`settle` applies it on the next read. Deletions that take time are queued in the
store meta and finished by :func:`process_due` at the start of the next request, so
side effects (freeing ports, detaching volumes) happen even if nobody reads the record.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from .common import iso, now
from .protocol import Rec
from .store import Store

Finalizer = Callable[[Store, Rec], None]
# Per store: several simulators may run in one process (tests do), each with its own services.
_FINALIZERS: weakref.WeakKeyDictionary[Store, dict[str, Finalizer]] = weakref.WeakKeyDictionary()


def begin(
    rec: Rec,
    interim: str,
    final: str,
    delay: float,
    changes: dict[str, Any] | None = None,
    stuck: bool = False,
) -> None:
    """Put ``rec`` in ``interim`` status now and in ``final`` (plus ``changes``) later."""
    rec["status"] = interim
    rec["_t"] = {"at": now() + delay, "status": final, "set": changes or {}, "stuck": stuck}


def settle(rec: Rec) -> bool:
    """Apply a due transition; True if the record changed."""
    pending = rec.get("_t")
    if not pending or pending.get("stuck") or now() < pending["at"]:
        return False
    rec["status"] = pending["status"]
    rec.update(pending["set"])
    del rec["_t"]
    _restamp(rec, pending["at"])
    return True


def _restamp(rec: Rec, moment: float) -> None:
    """A transition changes the object, so its ``updated`` time is the transition's (what
    Nova's ``changes-since`` compares), in the format the record already uses."""
    for key in ("updated", "updated_at"):
        value = rec.get(key)
        if isinstance(value, str) and value:
            stamp = iso(moment, micro="." in value)
            rec[key] = stamp + "Z" if value.endswith("Z") and not stamp.endswith("Z") else stamp


def in_transition(rec: Rec) -> bool:
    return bool(rec.get("_t"))


def register_finalizer(store: Store, kind: str, fn: Finalizer) -> None:
    _FINALIZERS.setdefault(store, {})[kind] = fn


def _finalize(store: Store, kind: str, rec: Rec) -> None:
    _FINALIZERS[store][kind](store, rec)


def schedule_delete(store: Store, kind: str, rec: Rec, delay: float) -> None:
    """Finish deleting ``rec`` after ``delay`` seconds (immediately when 0)."""
    if delay <= 0:
        _finalize(store, kind, rec)
        return
    rec["_deleting"] = True
    queue: list[list[Any]] = store.meta.setdefault("pending_deletes", [])
    queue.append([now() + delay, kind, rec["id"]])
    store.changed()


def process_due(store: Store) -> None:
    """Finish every queued deletion whose time has come (caller holds the store lock)."""
    queue: list[list[Any]] | None = store.meta.get("pending_deletes")
    if not queue:
        return
    moment = now()
    due = [item for item in queue if item[0] <= moment]
    if not due:
        return
    store.meta["pending_deletes"] = [item for item in queue if item[0] > moment]
    for _, kind, rid in due:
        rec = store.get(kind, rid)
        if rec is not None:
            _finalize(store, kind, rec)
    store.changed()
