"""The status watch alone, on a list function of its own: one list in flight at a time,
the listing handed over when the lister's object leaves, a failed read falling back."""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openstack import exceptions as os_exceptions

from atonix_iac.providers.openstack._watch import (
    MAX_NAME_FILTER,
    Left,
    Listing,
    StatusWatch,
    name_filter,
    name_filters,
)

pytestmark = pytest.mark.timeout(60)


class Building:
    """Objects that stay 'building' until their time is up; lists counted, overlap caught."""

    def __init__(self, ends: dict[str, float]) -> None:
        self.ends = ends
        self.lists = 0
        self.in_flight = 0
        self.overlapped = False
        self.lock = threading.Lock()
        self.asked: list[dict[str, str | None]] = []

    def list_ids(self, wanted: Any) -> Listing:
        self.asked.append(dict(wanted))
        with self.lock:
            self.in_flight += 1
            self.overlapped |= self.in_flight > 1
            self.lists += 1
        time.sleep(0.005)  # a request takes a while; another list must not start meanwhile
        with self.lock:
            self.in_flight -= 1
        now = time.monotonic()
        return Listing({k for k, end in self.ends.items() if end > now}, datetime.now(UTC))


def _wait_all(watch: StatusWatch, ids: list[str], timeout: float = 10) -> list[Left | None]:
    deadline = time.monotonic() + timeout
    with ThreadPoolExecutor(max_workers=len(ids)) as pool:
        return list(pool.map(lambda object_id: watch.wait(object_id, deadline), ids))


def test_many_waiters_share_lists_one_at_a_time_and_all_leave() -> None:
    start = time.monotonic()
    # The first to register leaves first: the listing must pass on to the others.
    ends = {f"s{i}": start + 0.1 + 0.02 * i for i in range(30)}
    building = Building(ends)
    watch = StatusWatch(building.list_ids)

    results = _wait_all(watch, list(ends))

    assert all(isinstance(r, Left) and r.body is None for r in results)
    assert not building.overlapped
    # Lists come at most every 50 ms however many wait: the last leaves ~0.7 s in.
    assert building.lists < 30


def test_the_objects_that_left_are_read_once_for_all_and_a_failed_read_falls_back() -> None:
    start = time.monotonic()
    ends = {f"s{i}": start + 0.15 for i in range(8)}
    building = Building(ends)
    reads: list[tuple[list[str], datetime]] = []

    def read_left(wanted: Any, since: datetime) -> dict[str, dict[str, Any]]:
        reads.append((sorted(wanted), since))
        return {object_id: {"id": object_id, "status": "ACTIVE"} for object_id in wanted}

    watch = StatusWatch(building.list_ids, read_left)
    results = _wait_all(watch, list(ends))
    assert [r.body["id"] if r and r.body else None for r in results] == list(ends)
    assert sum(len(wanted) for wanted, _ in reads) == len(ends)
    assert all(since < datetime.now(UTC) for _, since in reads)

    def failing(wanted: Any, since: datetime) -> dict[str, dict[str, Any]]:
        raise os_exceptions.HttpException("the read failed")

    ends.update({k: time.monotonic() + 0.15 for k in ends})
    watch = StatusWatch(building.list_ids, failing)
    results = _wait_all(watch, list(ends))
    assert all(isinstance(r, Left) and r.body is None for r in results)


def test_a_failing_list_gives_every_waiter_back_to_its_own_polling() -> None:
    calls = 0

    def broken(wanted: Any) -> Listing:
        nonlocal calls
        calls += 1
        raise os_exceptions.HttpException("policy refuses the filter")

    watch = StatusWatch(broken)
    results = _wait_all(watch, [f"s{i}" for i in range(10)])
    assert results == [None] * 10
    assert calls <= 3  # after three failures the watch is off


def test_the_name_filter_matches_exactly_the_names_given() -> None:
    names = ["web.1", "a+b", "x(y)|z", "web.1", "plain"]
    pattern = name_filter(names)
    assert pattern is not None
    for name in names:
        assert re.search(pattern, name)
    for other in ["web11", "web.10", "aab", "x(y)", "z", "plainer", "my plain"]:
        assert not re.search(pattern, other), other
    assert name_filter(["known", None]) is None  # one unknown name: no name filter
    assert name_filter([]) is None
    assert name_filter([f"server-{i:04d}-{'x' * 40}" for i in range(100)]) is None  # too long


def test_each_list_is_told_the_objects_waited_on_with_their_names() -> None:
    start = time.monotonic()
    ends = {f"s{i}": start + 0.1 for i in range(5)}
    building = Building(ends)
    watch = StatusWatch(building.list_ids)
    deadline = time.monotonic() + 10
    with ThreadPoolExecutor(max_workers=5) as pool:
        list(pool.map(lambda i: watch.wait(f"s{i}", deadline, name=f"n{i}"), range(5)))
    assert building.asked
    for wanted in building.asked:
        assert wanted and all(name == f"n{key[1:]}" for key, name in wanted.items())
    assert set().union(*building.asked) == set(ends)


def test_name_filters_split_many_names_and_together_match_exactly_them() -> None:
    names = [f"server-{i:04d}-{'x' * 40}.+" for i in range(100)]
    filters = name_filters([*names, names[0]])
    assert filters is not None and len(filters) > 1
    assert all(len(f) <= MAX_NAME_FILTER for f in filters)
    for name in names:
        assert sum(bool(re.search(f, name)) for f in filters) == 1
    assert not any(re.search(f, "server-0001-" + "x" * 40 + "a") for f in filters)
    assert name_filters(["a", None]) is None
    assert name_filters([]) == []
    assert name_filters(["y" * (2 * MAX_NAME_FILTER)]) == [
        "^(" + "y" * (2 * MAX_NAME_FILTER) + ")$"
    ]


_NAMES = st.text(alphabet=st.sampled_from("ab.-_+*?()[]{}|^$\\ 0é"), min_size=1, max_size=120)


@settings(max_examples=200, deadline=None)
@given(names=st.lists(_NAMES, min_size=1, max_size=60), other=_NAMES)
def test_name_filters_match_each_name_once_and_nothing_else(names: list[str], other: str) -> None:
    filters = name_filters(names)
    assert filters is not None
    assert all(len(f) <= MAX_NAME_FILTER or f.count("|") == 0 for f in filters)
    for name in names:  # Nova matches the filter as a regular expression over the name
        assert sum(bool(re.search(f, name)) for f in filters) == 1
    if other not in names:
        assert not any(re.search(f, other) for f in filters)
