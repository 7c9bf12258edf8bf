"""Many waiters, one list request: watching objects leave a transitional status together.

A parallel apply has dozens of servers building at once. Polling each with its own GET costs
a request plus an SDK object build per server per poll, and at 50 in flight that client CPU,
not the cloud, bounds throughput. Instead, each waiter registers its id and one of them (the
one whose poll is due first) lists the ids still in the status (``GET /servers?status=BUILD``)
on behalf of all; the others wake when the answer says theirs has left. The list only says
*when* to look: the caller then fetches its object as before, so a wrong or failed list
costs a request, never a wrong result.

Each waiter keeps the cadence of ``_wait.pauses()`` from the moment it registered (a first
look at once, then 0.05 s, 0.075 s ...), and no two lists are sent less than
``MIN_INTERVAL_S`` apart, so a lone waiter polls as it always did and many waiters cost about
one list per ``MIN_INTERVAL_S``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from keystoneauth1 import exceptions as ks_exceptions
from openstack import exceptions as os_exceptions

from atonix_iac.providers.openstack._wait import pauses

MIN_INTERVAL_S = 0.05
# After this many list failures in a row the watch stops listing and every waiter falls back
# to polling its own object (a cloud whose policy refuses the filter fails every time).
MAX_FAILURES = 3

# Returns the ids still in the transitional status; raises on an API error.
ListIds = Callable[[], set[str]]


@dataclass
class _Waiter:
    registered: float
    pause: Callable[[], float] = field(default_factory=pauses)
    next_due: float = 0.0
    left: bool = False
    given_up: bool = False

    def __post_init__(self) -> None:
        self.next_due = self.registered  # the first look is at once, as a lone GET's was


class StatusWatch:
    """Wait for objects to leave a status, sharing one list request among all waiters."""

    def __init__(self, list_ids: ListIds) -> None:
        self._list_ids = list_ids
        self._cond = threading.Condition()
        self._waiters: dict[str, _Waiter] = {}
        self._listing = False
        self._last_list = float("-inf")
        self._failures = 0

    @property
    def enabled(self) -> bool:
        return self._failures < MAX_FAILURES

    def wait(self, object_id: str, deadline: float) -> bool:
        """Block until a list no longer shows ``object_id`` (True), or until ``deadline`` or
        a failed list (False: the caller polls the object itself)."""
        now = time.monotonic()
        with self._cond:
            if not self.enabled or object_id in self._waiters:
                return False
            waiter = _Waiter(now)
            self._waiters[object_id] = waiter
            try:
                return self._wait_for(waiter, deadline)
            finally:
                del self._waiters[object_id]

    def _wait_for(self, waiter: _Waiter, deadline: float) -> bool:
        while True:
            if waiter.left:
                return True
            if waiter.given_up or not self.enabled:
                return False
            now = time.monotonic()
            if now >= deadline:
                return False
            if self._listing:
                self._cond.wait(deadline - now)
                continue
            next_list = max(
                min(w.next_due for w in self._waiters.values()),
                self._last_list + MIN_INTERVAL_S,
            )
            if now < next_list:
                self._cond.wait(min(next_list, deadline) - now)
                continue
            self._list_for_everyone()

    def _list_for_everyone(self) -> None:
        """Run one list (the lock released meanwhile) and settle every waiter it covers."""
        self._listing = True
        started = time.monotonic()
        still: set[str] | None = None
        self._cond.release()
        try:
            still = self._list_ids()
        except (os_exceptions.SDKException, ks_exceptions.ClientException):
            still = None
        finally:
            self._cond.acquire()
            self._listing = False
            self._last_list = time.monotonic()
            self._cond.notify_all()  # even if the list raised something unexpected
        self._failures = 0 if still is not None else self._failures + 1
        for object_id, waiter in self._waiters.items():
            # An object registered after the list was sent may be missing from it only
            # because it did not exist yet: it waits for the next list.
            if waiter.registered > started:
                continue
            if still is None:
                waiter.given_up = True
            elif object_id not in still:
                waiter.left = True
            while waiter.next_due <= started:
                waiter.next_due += waiter.pause()
        self._cond.notify_all()


def building_server_ids(conn: Any, servers_url: str = "/servers") -> set[str]:
    """Ids of the project's servers in BUILD (``GET /servers?status=BUILD``, every page).

    Read as plain JSON through the SDK's compute proxy: the ids are all we need, and building
    an SDK object per listed server would cost more than the request. ``servers_url`` may be
    the collection's full URL (saving keystoneauth the endpoint look-up).
    """
    ids: set[str] = set()
    url: str | None = servers_url
    params: dict[str, str] | None = {"status": "BUILD"}
    seen: set[str] = set()
    while url is not None and url not in seen:
        seen.add(url)
        response = conn.compute.get(url, params=params)
        os_exceptions.raise_from_response(response)
        try:
            body = response.json()
            ids.update(str(server["id"]) for server in body.get("servers") or [])
            links = body.get("servers_links") or []
            url = next((str(link["href"]) for link in links if link.get("rel") == "next"), None)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise os_exceptions.SDKException(f"unexpected server list: {exc}") from exc
        params = None  # a next link carries the whole query
    return ids
