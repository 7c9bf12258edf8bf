"""Progress events of an apply run, and what the run did.

The engine reports; the CLI decides how to print (``web: Creating...``). Events carry a
monotonic timestamp so observers can order them without trusting wall clocks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Operation(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    FORGET = "forget"  # deletion_policy Retain: dropped from state, the object stays
    READ = "read"
    RESTORE = "restore"  # rollback: a deposed or forgotten object is current again (state only)


class OnFailure(StrEnum):
    """What a run does when a step fails (``-on-failure``)."""

    STOP = "stop"  # finish what is in flight, start nothing new
    CONTINUE = "continue"  # keep applying everything that does not depend on a failure
    ROLLBACK = "rollback"  # then undo this run's work (Heat's rollback)


# Asked between steps: None to go on, or how to end a cancelled run (ROLLBACK or STOP).
Cancel = Callable[[], "OnFailure | None"]


class EventKind(StrEnum):
    START = "start"
    DONE = "done"
    FAILED = "failed"
    RETRY = "retry"  # a transient fault; the operation goes on after a pause (message says)
    PAUSE = "pause"  # waiting out a group's pause_time before starting (message says)


@dataclass(frozen=True, slots=True)
class ApplyEvent:
    """One thing that happened to one resource during apply, in the order the CLI, the JSON
    event stream and the stack service all render it."""

    kind: EventKind
    address: str
    operation: Operation
    at: float  # time.monotonic() when the event happened
    elapsed_s: float | None = None  # for DONE and FAILED
    physical_id: str | None = None
    message: str | None = None  # the error, for FAILED and RETRY; the wait, for PAUSE
    deposed: str | None = None  # set when the operation concerns a deposed object
    rollback: bool = False  # the step undoes this run's work after a failure


EventCallback = Callable[[ApplyEvent], None]


def ignore_event(event: ApplyEvent) -> None:
    """The default observer."""


@dataclass(frozen=True)
class ApplyResult:
    """A successful run: what changed, the new serial and the outputs now in state."""

    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    forgotten: tuple[str, ...] = ()  # dropped from state, objects kept (Retain)
    serial: int = 0
    outputs: dict[str, Any] = field(default_factory=dict)
    sensitive_outputs: frozenset[str] = frozenset()

    def summary(self, *, destroy: bool = False) -> str:
        forgotten = f", {len(self.forgotten)} forgotten" if self.forgotten else ""
        if destroy:
            return f"Destroy complete! Resources: {len(self.deleted)} destroyed{forgotten}."
        return (
            f"Apply complete! Resources: {len(self.created)} added, {len(self.updated)} changed,"
            f" {len(self.deleted)} destroyed{forgotten}."
        )
