"""One live stack per name and project, even when two creates race past the name check.

The race is forced: each insert into ``service_stacks`` waits until the other create has
also run its check (on SQLite, whose writers are serialised, the second one never gets that
far while the first waits, and the wait gives up after a moment).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import pytest
from _state_kit import Backend
from sqlalchemy import event
from sqlalchemy.engine import Engine

from atonix_iac.state import open_store
from atonix_iac.state.records import StackExistsError, StackRecord


def _record(name: str) -> StackRecord:
    return StackRecord(
        id=str(uuid.uuid4()), project_id="p1", name=name, workspace="w", environment="e"
    )


@contextmanager
def _inserts_meet(parties: int) -> Iterator[None]:
    """Every insert into service_stacks waits (up to a second) for ``parties`` of them."""
    barrier = threading.Barrier(parties, timeout=1.0)

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO SERVICE_STACKS"):
            with suppress(threading.BrokenBarrierError):
                barrier.wait()

    event.listen(Engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        event.remove(Engine, "before_cursor_execute", before)


def test_two_racing_creates_of_one_name_leave_one_live_stack(backend: Backend) -> None:
    open_store(backend.url).close()  # the schema exists before the race
    stores = [open_store(backend.url) for _ in range(2)]
    outcomes: list[str] = []

    def create(index: int) -> None:
        try:
            stores[index].service_records().add_stack(_record("web"))
            outcomes.append("created")
        except StackExistsError as err:
            outcomes.append(err.message)

    try:
        with _inserts_meet(2):
            threads = [threading.Thread(target=create, args=(i,)) for i in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
        assert sorted(outcomes) == ["The Stack (web) already exists.", "created"]
        records = stores[0].service_records()
        assert records.find_stack("p1", "web") is not None
        live = [r for r in backend.raw_rows("service_stacks") if r[-1] is None]
        assert len(live) == 1
    finally:
        for store in stores:
            store.close()


def test_a_deleted_stack_frees_its_name(backend: Backend) -> None:
    store = open_store(backend.url)
    try:
        records = store.service_records()
        first = _record("web")
        records.add_stack(first)
        with pytest.raises(StackExistsError):
            records.add_stack(_record("web"))
        records.set_status(first.id, "DELETE", "COMPLETE", "", deleted=True)
        records.add_stack(_record("web"))
        records.add_stack(_record("other"))
    finally:
        store.close()
