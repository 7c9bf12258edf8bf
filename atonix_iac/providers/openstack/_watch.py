"""Many waiters, one list request: watching objects leave a transitional status together.

A parallel apply has dozens of servers building at once. Polling each with its own GET costs
a request plus an SDK object build per server per poll, and at 50 in flight that client CPU,
not the cloud, bounds throughput. Instead, each waiter registers its id and one of them (the
one whose poll is due first) lists the ids still in the status (``GET /servers?status=BUILD``)
on behalf of all; the others wake when the answer says theirs has left. The list only says
*when* to look: the caller then fetches its object as before, so a wrong or failed list
costs a request, never a wrong result.

Where the kind allows it (``read_left``), the lister then reads the objects that left in one
more request for all of them (servers: ``GET /servers/detail?changes-since=T``, T a little
before the cloud's clock on the last list that still showed them), and each waiter takes its
object from that answer instead of sending its own GET. The answer is the object as it is
now, as a GET would give it; an object the answer lacks is read on its own, as before.

The same watch serves deletions (``present_servers``): the list then asks, by name, for the
servers still waited on, and a server that is no longer there, or is there in ERROR, has
"left"; its waiter then reads it on its own, which tells a deletion from a failure.

Each waiter keeps the cadence of ``_wait.pauses()`` from the moment it registered (a first
look at once, then 0.05 s, 0.075 s ...), and no two lists are sent less than
``MIN_INTERVAL_S`` apart, so a lone waiter polls as it always did and many waiters cost about
one list per ``MIN_INTERVAL_S``.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from keystoneauth1 import exceptions as ks_exceptions
from openstack import exceptions as os_exceptions

from atonix_iac.providers.openstack._wait import pauses

MIN_INTERVAL_S = 0.05
# After this many list failures in a row the watch stops listing and every waiter falls back
# to polling its own object (a cloud whose policy refuses the filter fails every time).
MAX_FAILURES = 3

# Objects changed since this long before the last list that showed them are read for them:
# the ``Date`` and ``updated`` times have whole seconds (``changes-since`` compares with >=),
# so one second covers a list answered within a second of its query. A server the read
# misses is read on its own; a wider margin would return more servers for each to parse.
READ_MARGIN = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class Listing:
    """One list's answer: the ids still in the status, and the cloud's clock when it answered
    (its ``Date`` header), if it said."""

    ids: set[str]
    cloud_time: datetime | None = None


@dataclass(frozen=True, slots=True)
class Left:
    """A waiter's object has left the status; ``body`` is the object as the shared read after
    the list found it (None: read it on its own)."""

    body: dict[str, Any] | None = None


# Given the objects waited on (each id with its waiter's name hint, or None), returns the ids
# still in the transitional status; raises on an API error.
ListIds = Callable[[Mapping[str, str | None]], Listing]
# Given the ids that left (each with its waiter's name hint, or None) and a cloud time before
# any of them left, their objects as listed now, by id (an id missing from the answer is read
# on its own); raises on an API error.
ReadLeft = Callable[[Mapping[str, str | None], datetime], dict[str, dict[str, Any]]]


def cloud_time(response: Any) -> datetime | None:
    """The cloud's clock from a response's ``Date`` header (None without one)."""
    value = getattr(response, "headers", {}).get("Date")
    if not value:
        return None
    try:
        return parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None


@dataclass
class _Waiter:
    registered: float
    wake: threading.Condition  # on the watch's lock: notified for this waiter alone
    pause: Callable[[], float] = field(default_factory=pauses)
    next_due: float = 0.0
    left: bool = False
    given_up: bool = False
    seen_at: datetime | None = None  # the cloud's clock on the last list that showed it
    body: dict[str, Any] | None = None
    name: str | None = None  # the object's name, to narrow the shared read (a hint)

    def __post_init__(self) -> None:
        self.next_due = self.registered  # the first look is at once, as a lone GET's was


class StatusWatch:
    """Wait for objects to leave a status, sharing one list request among all waiters.

    One waiter at a time, the lister, sleeps until the next list is due and sends it; the
    others sleep until a list settles them (each is woken on its own condition), so a list
    wakes the lister and the waiters it settled, not every thread waiting. When the lister's
    own object leaves (or it gives up), the waiter due soonest takes the listing over."""

    def __init__(self, list_ids: ListIds, read_left: ReadLeft | None = None) -> None:
        self._list_ids = list_ids
        self._read_left = read_left
        self._lock = threading.Lock()
        self._waiters: dict[str, _Waiter] = {}
        self._lister: _Waiter | None = None
        self._last_list = float("-inf")
        self._failures = 0

    @property
    def enabled(self) -> bool:
        return self._failures < MAX_FAILURES

    def wait(self, object_id: str, deadline: float, name: str | None = None) -> Left | None:
        """Block until a list no longer shows ``object_id`` (a ``Left``), or until
        ``deadline`` or a failed list (None: the caller polls the object itself). ``name``,
        the object's name if known, lets the shared read ask for fewer objects."""
        now = time.monotonic()
        with self._lock:
            if not self.enabled or object_id in self._waiters:
                return None
            waiter = _Waiter(now, threading.Condition(self._lock), name=name)
            self._waiters[object_id] = waiter
            if self._lister is None:
                self._lister = waiter
            else:
                self._lister.wake.notify()  # a new object is due at once: list sooner
            try:
                return self._wait_for(waiter, deadline)
            finally:
                del self._waiters[object_id]
                if self._lister is waiter:
                    self._hand_over()

    def _hand_over(self) -> None:
        """The listing passes to the waiter still waiting that is due soonest (none: to the
        next to come)."""
        waiting = (w for w in self._waiters.values() if not (w.left or w.given_up))
        self._lister = min(waiting, key=lambda w: w.next_due, default=None)
        if self._lister is not None:
            self._lister.wake.notify()

    def _wait_for(self, waiter: _Waiter, deadline: float) -> Left | None:
        while True:
            if waiter.left:
                return Left(waiter.body)
            if waiter.given_up or not self.enabled:
                return None
            now = time.monotonic()
            if now >= deadline:
                return None
            if self._lister is not waiter:
                waiter.wake.wait(deadline - now)
                continue
            next_list = max(
                min(w.next_due for w in self._waiters.values()),
                self._last_list + MIN_INTERVAL_S,
            )
            if now < next_list:
                waiter.wake.wait(min(next_list, deadline) - now)
                continue
            self._list_for_everyone()

    def _list_for_everyone(self) -> None:
        """Run one list (the lock released meanwhile: only the lister lists) and settle
        every waiter it covers."""
        started = time.monotonic()
        listing: Listing | None = None
        settled: list[_Waiter] = []
        try:
            wanted = {key: w.name for key, w in self._waiters.items()}
            self._lock.release()
            try:
                listing = self._list_ids(wanted)
            except (os_exceptions.SDKException, ks_exceptions.ClientException):
                listing = None
            finally:
                self._lock.acquire()
            self._failures = 0 if listing is not None else self._failures + 1
            leaving = self._settle(listing, started)
            if leaving:
                self._read_bodies(leaving)
            for waiter in leaving.values():
                waiter.left = True
            settled = [w for w in self._waiters.values() if w.left or w.given_up]
        finally:  # even if the list raised something unexpected
            self._last_list = time.monotonic()
            if not self.enabled:  # the watch is off: every waiter polls its own object
                settled = list(self._waiters.values())
            for waiter in settled:
                waiter.wake.notify()

    def _settle(self, listing: Listing | None, started: float) -> dict[str, _Waiter]:
        """Every waiter the list covers, settled but for those that left (returned)."""
        leaving: dict[str, _Waiter] = {}
        for object_id, waiter in self._waiters.items():
            # An object registered after the list was sent may be missing from it only
            # because it did not exist yet: it waits for the next list.
            if waiter.registered > started:
                continue
            if listing is None:
                waiter.given_up = True
            elif object_id not in listing.ids:
                leaving[object_id] = waiter
            else:
                waiter.seen_at = listing.cloud_time
            while waiter.next_due <= started:
                waiter.next_due += waiter.pause()
        return leaving

    def _read_bodies(self, leaving: dict[str, _Waiter]) -> None:
        """One read of the objects that left, for all of them (the lock released meanwhile;
        only the lister lists). A failed read leaves each to its own GET."""
        seen = [w.seen_at for w in leaving.values() if w.seen_at is not None]
        if self._read_left is None or not seen:
            return
        since = min(seen) - READ_MARGIN
        self._lock.release()
        try:
            bodies = self._read_left({key: w.name for key, w in leaving.items()}, since)
        except (os_exceptions.SDKException, ks_exceptions.ClientException):
            bodies = {}
        finally:
            self._lock.acquire()
        for object_id, waiter in leaving.items():
            waiter.body = bodies.get(object_id)


def building_server_ids(conn: Any, servers_url: str = "/servers") -> Listing:
    """Ids of the project's servers in BUILD (``GET /servers?status=BUILD``, every page), and
    the cloud's clock on the first page.

    Read as plain JSON through the SDK's compute proxy: the ids are all we need, and building
    an SDK object per listed server would cost more than the request. ``servers_url`` may be
    the collection's full URL (saving keystoneauth the endpoint look-up).
    """
    ids: set[str] = set()
    clock: datetime | None = None
    for response, body in _pages(conn, servers_url, {"status": "BUILD"}, None):
        clock = clock or cloud_time(response)
        ids.update(str(server["id"]) for server in body.get("servers") or [])
    return Listing(ids, clock)


# The longest ``name`` filter a shared read sends; past it the read is not narrowed by name.
MAX_NAME_FILTER = 2000

# A server being deleted that shows one of these has settled one way or the other: its
# waiter reads it on its own (gone, or a failed delete). Not while its task is still
# ``deleting``: a server in ERROR before its delete shows ERROR until it is gone (Heat's
# ``check_delete_server_complete`` waits on the task state first, too).
_DELETE_SETTLED = frozenset({"ERROR", "DELETED", "SOFT_DELETED"})
_DELETING = "deleting"


def present_servers(conn: Any, detail_url: str, wanted: Mapping[str, str | None]) -> Listing:
    """Which of the ``wanted`` servers (id: name) are still there and not settled (ERROR,
    DELETED, SOFT_DELETED, unless the task is still ``deleting``), for waiters of deletions:
    ``GET /servers/detail?name=...`` with the wanted names (as many lists as the filter
    length needs), every page. A detail list, because ids alone would hide a server whose
    delete failed until its waiter gave up. With a name unknown, the project's whole list is
    read. A server renamed meanwhile is missing from the answer: its waiter reads it on its
    own and goes on polling it."""
    filters = name_filters(list(wanted.values()))
    ids: set[str] = set()
    clock: datetime | None = None
    for query in [{"name": f} for f in filters] if filters is not None else [{}]:
        for response, body in _pages(conn, detail_url, query, None):
            clock = clock or cloud_time(response)
            for server in body.get("servers") or []:
                if not isinstance(server, dict) or str(server.get("id")) not in wanted:
                    continue
                settled = str(server.get("status") or "").upper() in _DELETE_SETTLED
                if not settled or server.get("OS-EXT-STS:task_state") == _DELETING:
                    ids.add(str(server["id"]))
    return Listing(ids, clock)


def name_filters(names: Collection[str | None]) -> list[str] | None:
    """Nova ``name`` filters that together match exactly ``names``, each at most
    ``MAX_NAME_FILTER`` long (a name too long for one alone gets its own); None if a name
    is unknown."""
    if any(not name for name in names):
        return None
    filters: list[str] = []
    group: list[str] = []
    for name in sorted({str(name) for name in names}):
        pattern = name_filter([*group, name])
        if group and pattern is None:
            filters.append(_exactly(group))
            group = []
        group.append(name)
    if group:
        filters.append(_exactly(group))
    return filters


def _exactly(names: Collection[str]) -> str:
    return "^(" + "|".join(sorted({re.escape(name) for name in names})) + ")$"


def name_filter(names: Collection[str | None]) -> str | None:
    """Nova's ``name`` list filter (a regular expression) matching exactly ``names``; None if
    a name is unknown or the filter would be too long."""
    if not names or any(not name for name in names):
        return None
    pattern = _exactly([str(name) for name in names])
    return pattern if len(pattern) <= MAX_NAME_FILTER else None


def changed_servers(
    conn: Any,
    detail_url: str,
    microversion: str | None,
    wanted: Mapping[str, str | None],
    since: datetime,
) -> dict[str, dict[str, Any]]:
    """The ``wanted`` servers (id: name, if known) among the ACTIVE ones changed since
    ``since`` (``GET /servers/detail?changes-since=...&status=ACTIVE``, at the microversion a
    GET of one server is sent with, so each body is what that GET would answer, less
    ``server_groups``, which Nova shows on a single server only). With every name known the
    read also filters by name, so that it carries the servers asked for, not every server
    that came up in the last second or two (ten times as many at parallelism 50); a server
    of the same name is only matched by id. A server that left BUILD for anything else is
    read on its own. Stops paging once every wanted server is found."""
    found: dict[str, dict[str, Any]] = {}
    left = set(wanted)
    stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    query = {"changes-since": stamp, "status": "ACTIVE"}
    names = name_filter(list(wanted.values()))
    if names is not None:
        query["name"] = names
    for _response, body in _pages(conn, detail_url, query, microversion):
        for server in body.get("servers") or []:
            server_id = str(server.get("id"))
            if server_id in left and isinstance(server, dict):
                found[server_id] = server
                left.discard(server_id)
        if not left:
            break
    return found


def _pages(
    conn: Any, url: str, params: dict[str, str], microversion: str | None
) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Each page of a server list as (response, body), following ``servers_links``."""
    next_url: str | None = url
    query: dict[str, str] | None = params
    seen: set[str] = set()
    while next_url is not None and next_url not in seen:
        seen.add(next_url)
        response = conn.compute.get(next_url, params=query, microversion=microversion)
        os_exceptions.raise_from_response(response)
        try:
            body = response.json()
            links = body.get("servers_links") or []
            next_url = next(
                (str(link["href"]) for link in links if link.get("rel") == "next"), None
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise os_exceptions.SDKException(f"unexpected server list: {exc}") from exc
        yield response, body
        query = None  # a next link carries the whole query
