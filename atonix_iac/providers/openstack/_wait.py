"""Waiting for a cloud object to become ready or to disappear.

The SDK's helpers sleep 2 s between polls, which dominates a fast cloud (the simulator answers
in milliseconds, and a real Neutron object is ready at once). We poll after 0.05 s and grow the
pause by half each time up to 1 s, so a quick transition costs little and a slow one few
requests. (Doubling overshoots badly: a 1 s build is seen at 1.55 s; growing by 1.5 sees it at
1.04 s, which is what keeps a parallel apply near its lower bound.)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from typing import Any

from atonix_iac.errors import ProviderTimeoutError, ResourceFailedError

FIRST_PAUSE_S = 0.05
GROWTH = 1.5
MAX_PAUSE_S = 1.0


def pauses() -> Callable[[], float]:
    """A pause sequence: 0.05, 0.075, 0.1125, ... capped at 1 s."""
    current = FIRST_PAUSE_S / GROWTH

    def step() -> float:
        nonlocal current
        current = min(current * GROWTH, MAX_PAUSE_S)
        return current

    return step


def fault_message(obj: Any) -> str | None:
    """The cloud's reason for an ERROR status (Nova's ``fault``), if it gave one."""
    fault = getattr(obj, "fault", None)
    if isinstance(fault, dict):
        message = fault.get("message") or fault.get("details")
        return str(message) if message else None
    return None


def wait_for_status(
    fetch: Callable[[], Any],
    ready: Collection[str],
    *,
    what: str,
    timeout_s: float,
    failed: Collection[str] = ("error",),
    physical_id: str | None = None,
    attribute: str = "status",
    deadline: float | None = None,
) -> Any:
    """Poll ``fetch`` until the object's status is in ``ready`` (case-insensitive).

    ``fetch`` returns the object, or None if it vanished (a failure too). ``deadline`` (a
    ``time.monotonic()`` instant) replaces now + ``timeout_s`` when part of the wait was spent
    elsewhere; the error still names ``timeout_s``.
    """
    wanted = {s.lower() for s in ready}
    failing = {s.lower() for s in failed}
    if deadline is None:
        deadline = time.monotonic() + timeout_s
    pause = pauses()
    last: str | None = None
    while True:
        obj = fetch()
        if obj is None:
            raise ResourceFailedError(f"{what} disappeared while waiting for it to become ready")
        status = str(getattr(obj, attribute, "") or "").lower()
        last = status or last
        if status in wanted:
            return obj
        if status in failing:
            reason = fault_message(obj)
            detail = f": {reason}" if reason else ""
            raise ResourceFailedError(
                f"{what} went to status {status.upper()}{detail}", physical_id=physical_id
            )
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ProviderTimeoutError(
                f"{what} not ready after {timeout_s:g} s (status {last or 'unknown'})",
                physical_id=physical_id,
            )
        time.sleep(min(pause(), remaining))


def wait_until_gone(
    fetch: Callable[[], Any],
    *,
    what: str,
    timeout_s: float,
    failed: Collection[str] = ("error", "error_deleting"),
    deadline: float | None = None,
    going: Callable[[Any], bool] | None = None,
) -> None:
    """Poll ``fetch`` until it returns None (the object is gone) or reports ``deleted``.
    ``deadline`` replaces now + ``timeout_s`` as in ``wait_for_status``. An object for which
    ``going`` says yes is still being deleted whatever its status (a server in ERROR that
    Nova is deleting shows ERROR until it is gone)."""
    failing = {s.lower() for s in failed}
    if deadline is None:
        deadline = time.monotonic() + timeout_s
    pause = pauses()
    while True:
        obj = fetch()
        if obj is None:
            return
        status = str(getattr(obj, "status", "") or "").lower()
        if status in ("deleted", "soft_deleted"):
            return
        if status in failing and not (going is not None and going(obj)):
            reason = fault_message(obj)
            detail = f": {reason}" if reason else ""
            raise ResourceFailedError(f"{what} failed to delete (status {status}){detail}")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ProviderTimeoutError(f"{what} still present after {timeout_s:g} s")
        time.sleep(min(pause(), remaining))
