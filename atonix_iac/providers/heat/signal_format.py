"""Heat's wait condition signal format: what a sender may post and how signals merge.

OS::Heat handles take ``{"status", "reason", "data", "id"}``, every key optional (status
defaults to SUCCESS, id to the signal's position, reason to ``Signal N received``). The AWS
handles (AWS::CloudFormation::WaitConditionHandle, OS::Heat::UpdateWaitConditionHandle) take
``{"Status", "Reason", "Data", "UniqueId"}``, every key required. Any other key, or a status
other than SUCCESS/FAILURE, is refused (Heat: "Metadata format invalid"). A signal whose id
was seen before replaces the earlier one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from atonix_iac.providers.signals import STATUS_SUCCESS, STATUSES, Signal


@dataclass(frozen=True, slots=True)
class SignalKeys:
    """The keys of one signal format (OS::Heat or AWS), and whether every key is required."""

    status: str
    reason: str
    data: str
    unique_id: str
    all_required: bool

    @property
    def names(self) -> tuple[str, ...]:
        return (self.status, self.reason, self.data, self.unique_id)


HEAT_KEYS: Final = SignalKeys("status", "reason", "data", "id", all_required=False)
AWS_KEYS: Final = SignalKeys("Status", "Reason", "Data", "UniqueId", all_required=True)


class SignalFormatError(ValueError):
    """A signal body Heat would refuse; the message says what is wrong with it."""


def parse_signal(details: Any, keys: SignalKeys = HEAT_KEYS) -> Signal:
    """The signal a sender posted (None or ``{}``: Heat's bare "I am done")."""
    if details is None:
        details = {}
    if not isinstance(details, Mapping):
        raise SignalFormatError(
            f"a signal is a JSON object with keys {', '.join(keys.names)};"
            f" got {type(details).__name__}"
        )
    unknown = sorted(set(details) - set(keys.names))
    if unknown:
        raise SignalFormatError(
            f"unknown key(s) {', '.join(map(repr, unknown))} in the signal"
            f" (allowed: {', '.join(keys.names)})"
        )
    if keys.all_required:
        missing = [k for k in keys.names if k not in details]
        if missing:
            raise SignalFormatError(f"the signal lacks {', '.join(missing)} (all four required)")
    status = details.get(keys.status, STATUS_SUCCESS)
    if status not in STATUSES:
        raise SignalFormatError(
            f"{keys.status} must be SUCCESS or FAILURE, not {json.dumps(status)}"
        )
    unique_id = details.get(keys.unique_id)
    reason = details.get(keys.reason)
    return Signal(
        status=str(status),
        signal_id=None if unique_id is None else str(unique_id),
        reason=None if reason is None else str(reason),
        data=details.get(keys.data),
    )


def merge_signals(signals: Sequence[Signal]) -> dict[str, Signal]:
    """Id -> signal, as Heat's handle metadata holds them: each signal without an id is
    numbered by its position (how many the handle held, plus one); a repeated id overwrites."""
    merged: dict[str, Signal] = {}
    for signal in signals:
        number = len(merged) + 1
        unique_id = signal.signal_id if signal.signal_id is not None else str(number)
        reason = signal.reason if signal.reason is not None else f"Signal {number} received"
        merged[unique_id] = Signal(signal.status, unique_id, reason, signal.data)
    return merged


# The handle types and the format each accepts.
HANDLE_FORMATS: Final[Mapping[str, SignalKeys]] = {
    "OS::Heat::WaitConditionHandle": HEAT_KEYS,
    "OS::Heat::UpdateWaitConditionHandle": AWS_KEYS,
    "AWS::CloudFormation::WaitConditionHandle": AWS_KEYS,
}
