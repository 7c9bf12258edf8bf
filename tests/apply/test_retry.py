"""The retry policy: only transient faults are asked again, within the policy's bounds."""

from __future__ import annotations

import time

import pytest

from atonix_iac.apply.retry import RetryPolicy, retrying
from atonix_iac.errors import ProviderError, TransientProviderError, UsageError

FAST = RetryPolicy(attempts=4, initial_s=0.001, max_wait_s=0.01, max_total_s=5)


def test_a_transient_fault_is_asked_again_until_it_passes() -> None:
    calls: list[int] = []
    notices: list[tuple[int, float]] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise TransientProviderError("busy (HTTP 503)")
        return "done"

    result = retrying(FAST, flaky, lambda attempt, err, pause: notices.append((attempt, pause)))
    assert result == "done" and len(calls) == 3
    assert [attempt for attempt, _ in notices] == [1, 2]
    assert all(0 <= pause <= 0.011 for _, pause in notices)


def test_the_last_transient_fault_is_raised_when_attempts_run_out() -> None:
    calls: list[int] = []

    def down() -> None:
        calls.append(1)
        raise TransientProviderError(f"still down ({len(calls)})")

    with pytest.raises(TransientProviderError, match=r"still down \(4\)"):
        retrying(FAST, down)
    assert len(calls) == 4


def test_the_overall_limit_counts_the_first_attempt() -> None:
    """The retry controller starts only after a first attempt failed; the time that attempt
    took still counts against ``max_total_s``."""
    calls: list[int] = []
    policy = RetryPolicy(attempts=50, initial_s=0.01, max_wait_s=0.01, max_total_s=0.2)

    def slow_then_down() -> None:
        calls.append(1)
        if len(calls) == 1:
            time.sleep(0.25)
        raise TransientProviderError(f"down ({len(calls)})")

    with pytest.raises(TransientProviderError, match=r"down \(1\)"):
        retrying(policy, slow_then_down)
    assert calls == [1]


def test_a_single_attempt_policy_raises_the_first_fault() -> None:
    calls: list[int] = []

    def down() -> None:
        calls.append(1)
        raise TransientProviderError("down")

    with pytest.raises(TransientProviderError, match="down"):
        retrying(RetryPolicy(attempts=1), down)
    assert calls == [1]


def test_a_refusal_is_not_retried() -> None:
    calls: list[int] = []

    def refused() -> None:
        calls.append(1)
        raise ProviderError("Invalid input (HTTP 400)")

    with pytest.raises(ProviderError, match="HTTP 400"):
        retrying(FAST, refused)
    assert calls == [1]


def test_the_policy_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATONIX_RETRY_ATTEMPTS", "3")
    monkeypatch.setenv("ATONIX_RETRY_INITIAL_S", "0.25")
    policy = RetryPolicy.from_env()
    assert (policy.attempts, policy.initial_s) == (3, 0.25)
    assert policy.max_wait_s == RetryPolicy().max_wait_s
    monkeypatch.setenv("ATONIX_RETRY_MAX_TOTAL_S", "soon")
    with pytest.raises(UsageError, match="ATONIX_RETRY_MAX_TOTAL_S='soon' is not a number"):
        RetryPolicy.from_env()
