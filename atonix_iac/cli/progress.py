"""Terraform-style progress lines for apply events (``web: Creation complete after 0.3s``).

While a run waits, ``PlainProgress`` prints ``web: Still creating... [10s elapsed]`` for every
operation in flight, every 10 s of its own (Terraform's wording and cadence), for logs and
pipes; on a terminal ``cli/live.py`` draws a live region instead. Both count what is in
flight, done, failed and left with ``InFlight``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from atonix_iac.apply.events import ApplyEvent, EventKind, Operation
from atonix_iac.planner.plan import Action, Plan

from .terminal import go_duration

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
    Operation.READ: ("Reading...", "Read complete", "Read failed"),
    Operation.RESTORE: ("Restoring...", "Restored", "Restore failed"),
}
# What a long operation is still doing, as in "web: Still creating... [10s elapsed]".
_STILL = {
    Operation.CREATE: "Still creating...",
    Operation.UPDATE: "Still modifying...",
    Operation.DELETE: "Still destroying...",
    Operation.FORGET: "Still removing from state...",
    Operation.READ: "Still reading...",
    Operation.RESTORE: "Still restoring...",
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
    if event.kind is EventKind.PAUSE:
        return f"{who}: Paused, {event.message}"
    elapsed = f" after {event.elapsed_s:.1f}s" if event.elapsed_s is not None else ""
    if event.kind is EventKind.DONE:
        return f"{who}: {complete}{elapsed}{ident}"
    return f"{who}: {failed}{elapsed}{ident}"


def still_words(operation: Operation, *, rollback: bool) -> str:
    if rollback:
        return "Still rolling back..."
    return _STILL[operation]


@dataclass(frozen=True, slots=True)
class Running:
    """One operation in flight."""

    address: str
    operation: Operation
    started: float  # time.monotonic()
    deposed: str | None = None
    rollback: bool = False

    @property
    def who(self) -> str:
        return self.address + (f" (deposed object {self.deposed})" if self.deposed else "")

    def doing(self) -> str:
        """``Creating...``, ``Rolling back (destroying)...``: the START wording."""
        if self.rollback:
            return rollback_words(self.operation)[0]
        return _WORDS[self.operation][0]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the run is doing at one moment (for the live region)."""

    running: tuple[Running, ...]  # oldest first
    done: int
    failed: int
    left: int
    elapsed_s: float
    now: float


def planned_steps(plan: Plan) -> int:
    """Operations the plan will start: a replacement is a delete and a create."""
    steps = 0
    for change in plan.changes:
        if change.action is Action.NOOP:
            continue
        replace = change.action in (Action.DELETE_THEN_CREATE, Action.CREATE_THEN_DELETE)
        steps += 2 if replace else 1
    return steps


class InFlight:
    """Counts a run's operations from its events; safe to feed from worker threads."""

    def __init__(self, planned: int, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._planned = planned
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._running: dict[tuple[str, str | None, bool], Running] = {}
        self._done = 0
        self._failed = 0
        self.started = monotonic()

    def observe(self, event: ApplyEvent) -> None:
        key = (event.address, event.deposed, event.rollback)
        with self._lock:
            if event.kind is EventKind.START:
                self._running[key] = Running(
                    event.address, event.operation, event.at, event.deposed, event.rollback
                )
            elif event.kind is EventKind.DONE:
                self._running.pop(key, None)
                self._done += 1
            elif event.kind is EventKind.FAILED:
                self._running.pop(key, None)
                self._failed += 1

    def snapshot(self) -> Snapshot:
        now = self._monotonic()
        with self._lock:
            running = tuple(sorted(self._running.values(), key=lambda r: (r.started, r.who)))
            done, failed = self._done, self._failed
        left = max(self._planned - done - failed - len(running), 0)
        return Snapshot(running, done, failed, left, now - self.started, now)


class PlainProgress:
    """Event lines, plus a ``Still creating... [10s elapsed]`` line per operation in flight
    every ``interval_s`` of its own: for pipes, logs and terminals that take no escapes."""

    def __init__(self, echo: Callable[[str], None], interval_s: float) -> None:
        self._echo = echo
        self._interval_s = interval_s
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._running: dict[tuple[str, str | None, bool], tuple[Running, int]] = {}
        self._stopped = False
        # When the ticking thread wakes next (None: only when told). A start due no earlier
        # needs no wake-up: one per start was a thread hand-off per resource.
        self._next_wake: float | None = None

    def on_event(self, event: ApplyEvent) -> None:
        line = format_event(event)
        key = (event.address, event.deposed, event.rollback)
        with self._lock:
            if event.kind is EventKind.START:
                running = Running(
                    event.address, event.operation, event.at, event.deposed, event.rollback
                )
                self._running[key] = (running, 1)
                due = event.at + self._interval_s
                if self._next_wake is None or due < self._next_wake:
                    self._next_wake = due
                    self._wake.notify()
            elif event.kind in (EventKind.DONE, EventKind.FAILED):
                self._running.pop(key, None)
            self._echo(line)

    @contextmanager
    def ticking(self) -> Iterator[None]:
        thread = threading.Thread(target=self._tick, name="atonix-still-running", daemon=True)
        thread.start()
        try:
            yield
        finally:
            with self._lock:
                self._stopped = True
                self._wake.notify()
            thread.join()

    def _tick(self) -> None:
        with self._lock:
            while not self._stopped:
                now = time.monotonic()
                due = sorted(
                    (running.started + ticks * self._interval_s, key)
                    for key, (running, ticks) in self._running.items()
                )
                for when, key in due:
                    if when > now:
                        break
                    running, ticks = self._running[key]
                    self._running[key] = (running, ticks + 1)
                    words = still_words(running.operation, rollback=running.rollback)
                    elapsed = go_duration(round(now - running.started))
                    self._echo(f"{running.who}: {words} [{elapsed} elapsed]")
                pending = [r.started + t * self._interval_s for r, t in self._running.values()]
                self._next_wake = min(pending) if pending else None
                timeout = max(min(pending) - time.monotonic(), 0.01) if pending else None
                self._wake.wait(timeout)
