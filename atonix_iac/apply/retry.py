"""Asking the cloud again when it may say yes: capped exponential backoff with jitter.

Only ``TransientProviderError`` is retried (5xx, throttling, a 409 that means busy or in use,
dropped connections); a 400, a 403 or a quota refusal fails at once with the service's
message. A create is never simply repeated: the executor looks its token up before each new
attempt (``executor._Run.start_create``), so a create that succeeded behind a lost answer is
adopted, not duplicated. The knobs are environment variables so an operator can widen them
for a flaky cloud, and tests can shrink them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from atonix_iac.errors import TransientProviderError, UsageError

if TYPE_CHECKING:
    from tenacity import RetryCallState

T = TypeVar("T")
# (attempt that failed, its error, seconds until the next attempt)
RetryNotice = Callable[[int, TransientProviderError, float], None]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounds of retrying a transient cloud error: a frozen value so one policy is read from
    the environment once and shared by every worker."""

    attempts: int = 8
    initial_s: float = 0.5
    max_wait_s: float = 10.0
    max_total_s: float = 180.0

    @classmethod
    def from_env(cls) -> RetryPolicy:
        """``ATONIX_RETRY_ATTEMPTS``, ``ATONIX_RETRY_INITIAL_S``, ``ATONIX_RETRY_MAX_WAIT_S``
        and ``ATONIX_RETRY_MAX_TOTAL_S`` override the defaults."""
        default = cls()
        return cls(
            attempts=int(_number("ATONIX_RETRY_ATTEMPTS", default.attempts)),
            initial_s=_number("ATONIX_RETRY_INITIAL_S", default.initial_s),
            max_wait_s=_number("ATONIX_RETRY_MAX_WAIT_S", default.max_wait_s),
            max_total_s=_number("ATONIX_RETRY_MAX_TOTAL_S", default.max_total_s),
        )


def _number(name: str, default: float) -> float:
    text = os.environ.get(name)
    if text is None or not text.strip():
        return default
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{name}={text!r} is not a number") from None
    if value < 0:
        raise UsageError(f"{name}={text!r} must not be negative")
    return value


def retrying(policy: RetryPolicy, call: Callable[[], T], on_retry: RetryNotice | None = None) -> T:
    """``call()``, again after each TransientProviderError until the policy gives up; the
    last error is raised as it was.

    The first attempt is a plain call: almost every call succeeds at once, and building the
    retry controller for each of them cost more CPU than a state write (an apply makes two
    such calls per resource). The controller is built when the first attempt has failed, and
    takes that failure as its own first attempt, so numbering, waits and the overall limit
    are as if it had run from the start."""
    started = time.monotonic()
    try:
        return call()
    except TransientProviderError as err:
        first: list[TransientProviderError] = [err]

    def again() -> T:
        if first:  # the failure already met: the controller's first attempt, not re-sent
            raise first.pop()
        return call()

    spent = time.monotonic() - started
    return _controller(policy, on_retry, max(policy.max_total_s - spent, 0.0))(again)


def _controller(
    policy: RetryPolicy, on_retry: RetryNotice | None, max_total_s: float
) -> Callable[[Callable[[], T]], T]:
    # tenacity (~5 ms) is imported on the first retry: most runs never retry.
    from tenacity import (
        Retrying,
        retry_if_exception_type,
        stop_after_attempt,
        stop_after_delay,
        wait_exponential,
        wait_random,
    )

    def notify(state: RetryCallState) -> None:
        outcome = state.outcome
        err = outcome.exception() if outcome is not None else None
        if on_retry is not None and isinstance(err, TransientProviderError):
            pause = state.next_action.sleep if state.next_action is not None else 0.0
            on_retry(state.attempt_number, err, pause)

    return Retrying(
        stop=stop_after_attempt(max(policy.attempts, 1)) | stop_after_delay(max_total_s),
        # initial_s, 2x, 4x ... capped, plus up to initial_s of jitter so that workers that
        # failed together do not ask again together.
        wait=wait_exponential(multiplier=policy.initial_s, max=policy.max_wait_s)
        + wait_random(0, policy.initial_s),
        retry=retry_if_exception_type(TransientProviderError),
        before_sleep=notify,
        reraise=True,
    )
