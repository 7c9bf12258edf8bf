"""Refresh reads cloud-free types inline and only the others on worker threads."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, ClassVar

from atonix_iac.apply.refresh import refresh_state
from atonix_iac.providers.base import ResourceIdentity, ResourceResult, ResourceType
from atonix_iac.providers.heat import HeatProvider
from atonix_iac.providers.heat.value import ValueResource
from atonix_iac.state.model import ResourceState, StackKey, State

KEY = StackKey("default", "default", "refresh")
IDENTITY = ResourceIdentity("default", "default", "refresh", "")


class LocalValue(ValueResource):
    """OS::Heat::Value (its read needs no I/O) recording the thread each read runs on."""

    threads: ClassVar[list[str]] = []

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult:
        type(self).threads.append(threading.current_thread().name)
        return super().read(identity, physical_id, properties)


class RemoteValue(LocalValue):
    """The same, declared as reading over the network."""

    read_is_local: ClassVar[bool] = False
    threads: ClassVar[list[str]] = []


class Types:
    def __init__(self, types: Mapping[str, ResourceType]) -> None:
        self._types = types

    def implementation(self, type_name: str) -> ResourceType | None:
        return self._types.get(type_name)


def _state() -> State:
    resources = {
        f"v{i}": ResourceState(
            f"v{i}",
            "Remote::Value" if i % 2 else "Local::Value",
            f"id-{i}",
            properties={"value": i},
            attributes={"value": i, "kept": "from state"},
        )
        for i in range(6)
    }
    resources["unapplied"] = ResourceState("unapplied", "Local::Value", None)
    return State(KEY, lineage="l", serial=1, resources=resources)


def test_heat_types_declare_their_reads_local() -> None:
    types = HeatProvider().resource_types()
    assert all(t.read_is_local for t in types.values())
    assert not ResourceType.read_is_local  # the default: a read may do I/O


def test_local_reads_run_inline_and_the_others_on_worker_threads() -> None:
    LocalValue.threads.clear()
    RemoteValue.threads.clear()
    types = Types({"Local::Value": LocalValue(), "Remote::Value": RemoteValue()})

    results = refresh_state(_state(), types, IDENTITY, parallelism=2)

    assert list(results) == [f"v{i}" for i in range(6)]  # sorted, without the unapplied one
    for i in range(6):
        result = results[f"v{i}"]
        assert result is not None
        assert result.physical_id == f"id-{i}"
        assert result.attributes["value"] == i
        assert result.attributes["kept"] == "from state"
    assert LocalValue.threads == [threading.current_thread().name] * 3
    assert len(RemoteValue.threads) == 3
    assert all(name.startswith("atonix-read") for name in RemoteValue.threads)
