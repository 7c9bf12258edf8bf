"""OS::Heat::WaitCondition and its handles against a signal channel holding given signals:
Heat's merge of ids and reasons, its failure and timeout messages, the handle's attributes."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest

from atonix_iac.errors import ProviderConfigError, ProviderTimeoutError, ResourceFailedError
from atonix_iac.providers.base import ResourceIdentity
from atonix_iac.providers.heat import HeatProvider
from atonix_iac.providers.heat.signal_format import (
    AWS_KEYS,
    SignalFormatError,
    merge_signals,
    parse_signal,
)
from atonix_iac.providers.heat.wait_condition import WaitCondition
from atonix_iac.providers.signals import Signal

ENDPOINT = "http://127.0.0.1:8004/v1/p/stacks/s/1/resources/handle/signal"


class Channel:
    """A channel whose inbox fills as the wait polls it (one more signal per poll)."""

    def __init__(self, arriving: Sequence[Signal]) -> None:
        self.arriving = list(arriving)
        self.inbox: list[Signal] = []
        self.forgotten: list[str] = []

    def endpoint(self, address: str) -> str:
        return ENDPOINT.replace("handle", address)

    def is_handle(self, handle_id: str) -> bool:
        return handle_id.startswith("h")

    def received(self, handle_id: str) -> Sequence[Signal]:
        if self.arriving:
            self.inbox.append(self.arriving.pop(0))
        return list(self.inbox)

    def forget(self, handle_id: str) -> None:
        self.forgotten.append(handle_id)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def identity(channel: Channel | None, address: str = "wait") -> ResourceIdentity:
    return ResourceIdentity("w", "e", "s", address, signals=channel)


def waiter(clock: Clock) -> WaitCondition:
    return WaitCondition(sleep=clock.sleep, clock=clock)


def test_heats_native_template_signals_merge_into_five() -> None:
    signals = [
        parse_signal({"status": "SUCCESS"}),
        parse_signal({"status": "SUCCESS", "reason": "signal2"}),
        parse_signal({"status": "SUCCESS", "reason": "signal3", "data": "data3"}),
        parse_signal({"status": "SUCCESS", "reason": "signal4", "data": "data4"}),
        parse_signal({"status": "SUCCESS", "id": "5"}),
        parse_signal({"status": "SUCCESS", "id": "5"}),
    ]
    merged = merge_signals(signals)
    assert list(merged) == ["1", "2", "3", "4", "5"]
    assert [s.reason for s in merged.values()] == [
        "Signal 1 received",
        "signal2",
        "signal3",
        "signal4",
        "Signal 6 received",  # Heat numbers the repeat by the count it found, plus one
    ]


def test_aws_handles_take_all_four_capitalised_keys() -> None:
    full = {"Status": "FAILURE", "Reason": "r", "Data": "d", "UniqueId": "u"}
    assert parse_signal(full, AWS_KEYS) == Signal("FAILURE", "u", "r", "d")
    with pytest.raises(SignalFormatError, match="lacks Reason, Data, UniqueId"):
        parse_signal({"Status": "SUCCESS"}, AWS_KEYS)


def test_the_wait_completes_with_heats_data_map() -> None:
    clock = Clock()
    wait = HeatProvider(sleep=clock.sleep).resource_types()["OS::Heat::WaitCondition"]
    channel = Channel([Signal("SUCCESS", data="a"), Signal("SUCCESS", "x", data={"k": 1})])
    result = wait.create(identity(channel), {"handle": "h-1", "timeout": 10, "count": 2})
    assert json.loads(result.attributes["data"]) == {"1": "a", "x": {"k": 1}}
    wait.delete(identity(channel), result.physical_id, {"handle": "h-1"})
    assert channel.forgotten == ["h-1"]


def test_a_failure_fails_the_wait_with_every_failure_reason() -> None:
    clock = Clock()
    channel = Channel([Signal("SUCCESS"), Signal("FAILURE", reason="no disk")])
    with pytest.raises(ResourceFailedError, match=r"^wait condition failed: no disk$"):
        waiter(clock).create(identity(channel), {"handle": "h", "timeout": 10, "count": 3})


def test_a_timeout_says_how_many_arrived_as_heat_does() -> None:
    clock = Clock()
    channel = Channel([Signal("SUCCESS", reason="web up")])
    with pytest.raises(ProviderTimeoutError) as caught:
        waiter(clock).create(identity(channel), {"handle": "h", "timeout": 5, "count": 2})
    assert caught.value.message == "wait condition timed out after 5s: 1 of 2 received - web up"
    assert clock.now == pytest.approx(5.0)


def test_the_handle_exposes_heats_token_signal_attributes() -> None:
    handle = HeatProvider().resource_types()["OS::Heat::WaitConditionHandle"]
    created = handle.create(identity(Channel([]), "handle"), {})
    token = created.attributes["token"]
    assert created.attributes["endpoint"] == ENDPOINT
    assert created.attributes["curl_cli"] == (
        f"curl -i -X POST -H 'X-Auth-Token: {token}' -H 'Content-Type: application/json'"
        f" -H 'Accept: application/json' {ENDPOINT}"
    )
    assert json.loads(created.attributes["signal"]) == {"alarm_url": ENDPOINT, "token": token}
    secret = {a.name for a in handle.schema.attributes.values() if a.sensitive}
    assert secret == {"curl_cli", "signal", "token"}
    again = handle.create(identity(Channel([]), "handle"), {})
    assert again.attributes["token"] != token and again.physical_id != created.physical_id


def test_without_a_run_there_is_no_channel() -> None:
    handle = HeatProvider().resource_types()["OS::Heat::WaitConditionHandle"]
    with pytest.raises(ProviderConfigError, match="needs a run's signal channel"):
        handle.create(identity(None, "handle"), {})


def test_other_signal_transports_are_refused_at_plan_time() -> None:
    handle = HeatProvider().resource_types()["OS::Heat::WaitConditionHandle"]
    [problem] = handle.check({"signal_transport": "ZAQAR_SIGNAL"})
    assert "ZAQAR_SIGNAL is not supported" in problem.message


def test_a_handle_that_is_no_handle_fails_at_once_as_in_heat() -> None:
    with pytest.raises(ResourceFailedError, match="^nope is not a valid wait condition handle$"):
        waiter(Clock()).create(identity(Channel([])), {"handle": "nope", "timeout": 5})
