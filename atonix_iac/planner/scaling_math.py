"""Heat's capacity arithmetic for scaling signals (heat/scaling/scalingutil.py), exactly."""

from __future__ import annotations

import math
from typing import Final

EXACT_CAPACITY: Final = "exact_capacity"
CHANGE_IN_CAPACITY: Final = "change_in_capacity"
PERCENT_CHANGE_IN_CAPACITY: Final = "percent_change_in_capacity"
# The AWS (CFN) spellings AWS::AutoScaling::ScalingPolicy uses.
CFN_ADJUSTMENT_TYPES: Final = {
    "ExactCapacity": EXACT_CAPACITY,
    "ChangeInCapacity": CHANGE_IN_CAPACITY,
    "PercentChangeInCapacity": PERCENT_CHANGE_IN_CAPACITY,
}
ADJUSTMENT_TYPES: Final = (EXACT_CAPACITY, CHANGE_IN_CAPACITY, PERCENT_CHANGE_IN_CAPACITY)


def clamp(value: int, minimum: int, maximum: int) -> int:
    return max(minimum, min(maximum, value))


def new_capacity(
    current: int,
    adjustment: float,
    adjustment_type: str,
    min_adjustment_step: int | None,
    minimum: int,
    maximum: int,
) -> int:
    """The capacity after ``adjustment``, kept within [minimum, maximum]. A percentage rounds
    towards zero, except that a change of less than one whole member is rounded away from
    zero; ``min_adjustment_step`` then raises its magnitude (percentages only, as in Heat)."""
    kind = CFN_ADJUSTMENT_TYPES.get(adjustment_type, adjustment_type)
    if kind == CHANGE_IN_CAPACITY:
        capacity = int(current + adjustment)
    elif kind == EXACT_CAPACITY:
        capacity = int(adjustment)
    else:
        delta = current * adjustment / 100.0
        if math.fabs(delta) < 1.0:
            rounded = int(math.ceil(delta) if delta > 0.0 else math.floor(delta))
        else:
            rounded = int(math.floor(delta) if delta > 0.0 else math.ceil(delta))
        if min_adjustment_step and min_adjustment_step > abs(rounded):
            rounded = min_adjustment_step if rounded > 0 else -min_adjustment_step
        capacity = current + rounded
    if capacity > maximum:
        return maximum
    if capacity < minimum:
        return minimum
    return capacity
