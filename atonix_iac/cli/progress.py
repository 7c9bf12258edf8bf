"""Terraform-style progress lines for apply events (``web: Creation complete after 0.3s``)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from atonix_iac.apply.events import ApplyEvent, EventKind, Operation

_WORDS: dict[Operation, tuple[str, str, str]] = {
    # operation: (starting, complete, failed)
    Operation.CREATE: ("Creating...", "Creation complete", "Creation failed"),
    Operation.UPDATE: ("Modifying...", "Modifications complete", "Modification failed"),
    Operation.DELETE: ("Destroying...", "Destruction complete", "Destruction failed"),
    Operation.FORGET: (
        "Removing from state (the object is kept)...",
        "Removed from state",
        "Removal failed",
    ),
    Operation.READ: ("Refreshing state...", "Refresh complete", "Refresh failed"),
    Operation.RESTORE: ("Restoring...", "Restored", "Restore failed"),
}
# Rollback steps: (what is being done, what was done), as in "web: Rolling back (destroying)...".
_ROLLBACK_WORDS = {
    Operation.DELETE: ("destroying", "destroyed"),
    Operation.UPDATE: ("restoring prior properties", "prior properties restored"),
    Operation.FORGET: ("removing from state, the object is kept", "removed from state"),
    Operation.RESTORE: ("restoring the prior object as current", "prior object restored"),
}


def rollback_words(operation: Operation) -> tuple[str, str, str]:
    """(starting, complete, errored) for a rollback step, shared by the text and JSON UIs."""
    doing, done = _ROLLBACK_WORDS.get(operation, (operation.value, operation.value))
    return f"Rolling back ({doing})...", f"Rolled back ({done})", f"Rollback failed ({doing})"


def format_event(event: ApplyEvent) -> str:
    who = event.address
    if event.deposed:
        who += f" (deposed object {event.deposed})"
    if event.rollback:
        starting, complete, failed = rollback_words(event.operation)
    else:
        starting, complete, failed = _WORDS[event.operation]
    ident = f" [id={event.physical_id}]" if event.physical_id else ""
    if event.kind is EventKind.START:
        return f"{who}: {starting}{ident}"
    if event.kind is EventKind.RETRY:
        return f"{who}: Still trying after a transient fault: {event.message}"
    elapsed = f" after {event.elapsed_s:.1f}s" if event.elapsed_s is not None else ""
    if event.kind is EventKind.DONE:
        return f"{who}: {complete}{elapsed}{ident}"
    return f"{who}: {failed}{elapsed}{ident}"


def printer(echo: Callable[[str], None]) -> Callable[[ApplyEvent], None]:
    """An event callback that prints one line per event; safe to call from worker threads."""
    lock = threading.Lock()

    def on_event(event: ApplyEvent) -> None:
        line = format_event(event)
        with lock:
            echo(line)

    return on_event
