"""The signal inbox: appended without the stack lock, read back in arrival order per handle,
bodies sealed at rest, forgotten per handle."""

from __future__ import annotations

from typing import Any

from _state_kit import KEY, Backend

from atonix_iac.state import open_store
from atonix_iac.state.model import SignalRecord, StackKey
from atonix_iac.state.sql import SqlStateStore


def _signal(handle_id: str, status: str = "SUCCESS", **fields: Any) -> SignalRecord:
    return SignalRecord(KEY, "handle", handle_id, status, **fields)


def test_signals_arrive_while_another_store_holds_the_lock(
    backend: Backend, store: SqlStateStore
) -> None:
    other = open_store(backend.url)
    try:
        with store.lock(KEY, "apply"):
            other.add_signal(_signal("h-1", reason="first", data={"password": "s3cret"}))
            other.add_signal(_signal("h-1", "FAILURE", signal_id="7"))
            other.add_signal(_signal("h-2", data="elsewhere"))
            got = store.signals(KEY, "h-1")
    finally:
        other.close()
    assert [(s.status, s.signal_id, s.reason, s.data) for s in got] == [
        ("SUCCESS", None, "first", {"password": "s3cret"}),
        ("FAILURE", "7", None, None),
    ]
    assert store.signals(StackKey("devops", "prod", "web"), "h-1") == []
    assert store.load(KEY).serial == 0  # a signal is no change of state
    assert "s3cret" not in repr(backend.raw_rows("signals"))


def test_forgetting_a_handles_signals_leaves_the_others(store: SqlStateStore) -> None:
    store.add_signal(_signal("h-1"))
    store.add_signal(_signal("h-2"))
    store.forget_signals(KEY, "h-1")
    assert store.signals(KEY, "h-1") == []
    assert [s.handle_id for s in store.signals(KEY, "h-2")] == ["h-2"]
