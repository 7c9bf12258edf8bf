"""Heat's capacity arithmetic (its own test table) and group member naming, with properties
checked by hypothesis."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atonix_iac.planner.scaling_math import (
    CHANGE_IN_CAPACITY,
    EXACT_CAPACITY,
    PERCENT_CHANGE_IN_CAPACITY,
    new_capacity,
)

N, E, P = CHANGE_IN_CAPACITY, EXACT_CAPACITY, PERCENT_CHANGE_IN_CAPACITY

# heat/tests/autoscaling/test_new_capacity.py, scenario by scenario:
# (current, adjustment, type, min_adjustment_step, minimum, maximum, expected)
HEAT_SCENARIOS = {
    "+n": (2, 3, N, None, 0, 10, 5),
    "-n": (6, -2, N, None, 0, 5, 4),
    "+nb": (2, 8, N, None, 0, 5, 5),
    "-nb": (2, -10, N, None, 1, 5, 1),
    "e": (2, 4, E, None, 0, 5, 4),
    "+eb": (2, 11, E, None, 0, 5, 5),
    "-eb": (4, 1, E, None, 3, 5, 3),
    "+p": (4, 50, P, None, 1, 10, 6),
    "-p": (4, -25, P, None, 1, 10, 3),
    "+pb": (4, 100, P, None, 1, 6, 6),
    "-pb": (6, -50, P, None, 4, 10, 4),
    "-p+r": (2, -33, P, None, 0, 10, 1),
    "+p+r": (1, 33, P, None, 0, 10, 2),
    "-p-r": (2, -66, P, None, 0, 10, 1),
    "+p-r": (1, 225, P, None, 0, 10, 3),
    "+ps": (1, 100, P, 3, 0, 10, 4),
    "+p+rs": (1, 33, P, 2, 0, 10, 3),
    "+p-rs": (1, 325, P, 2, 0, 10, 4),
    "-p-rs": (3, -25, P, 2, 0, 10, 1),
}


@pytest.mark.parametrize("name", sorted(HEAT_SCENARIOS))
def test_heat_scenarios(name: str) -> None:
    current, adjustment, kind, step, low, high, expected = HEAT_SCENARIOS[name]
    assert new_capacity(current, adjustment, kind, step, low, high) == expected


def test_cfn_spellings_mean_the_same() -> None:
    assert new_capacity(4, 50, "PercentChangeInCapacity", None, 0, 10) == 6
    assert new_capacity(4, -1, "ChangeInCapacity", None, 0, 10) == 3
    assert new_capacity(4, 7, "ExactCapacity", None, 0, 10) == 7


bounds = st.tuples(st.integers(0, 50), st.integers(0, 50)).map(sorted)


@given(
    current=st.integers(0, 60),
    adjustment=st.integers(-300, 300),
    kind=st.sampled_from([N, E, P]),
    step=st.none() | st.integers(1, 10),
    limits=bounds,
)
def test_capacity_stays_within_bounds(
    current: int, adjustment: int, kind: str, step: int | None, limits: list[int]
) -> None:
    low, high = limits
    result = new_capacity(current, adjustment, kind, step, low, high)
    assert low <= result <= high


@given(
    current=st.integers(1, 60),
    adjustment=st.integers(-300, 300).filter(bool),
    step=st.none() | st.integers(1, 10),
)
def test_a_percentage_always_moves_at_least_one_member(
    current: int, adjustment: int, step: int | None
) -> None:
    """Unbounded, a non-zero percentage changes the size, in its own direction, by at least
    one member and at least min_adjustment_step."""
    result = new_capacity(current, adjustment, P, step, -1000, 1000)
    moved = result - current
    assert moved != 0 and (moved > 0) == (adjustment > 0)
    assert abs(moved) >= (step or 1)
