"""The collector is quieter while any run applies, and as it was once the last one left."""

from __future__ import annotations

import gc
import threading
import weakref

from atonix_iac.apply.collector import YOUNG_THRESHOLD, quiet_collector


def test_inside_a_run_old_objects_are_frozen_and_young_passes_rarer() -> None:
    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    old = [[i] for i in range(100)]  # tracked containers that exist before the run
    with quiet_collector():
        assert gc.get_freeze_count() >= len(old)
        assert gc.get_threshold()[0] == max(YOUNG_THRESHOLD, before[0])
        assert gc.get_threshold()[1:] == before[1:]
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_cycles_made_during_a_run_are_still_collected() -> None:
    class Node:
        other: object

    with quiet_collector():
        a, b = Node(), Node()
        a.other, b.other = b, a
        gone = threading.Event()
        weakref.finalize(a, gone.set)
        del a, b
        gc.collect()
        assert gone.is_set()


def test_the_last_run_to_leave_restores_the_collector() -> None:
    before = gc.get_threshold()
    first_in = threading.Event()
    second_in = threading.Event()
    first_out = threading.Event()
    seen: list[tuple[int, int, int]] = []

    def first() -> None:
        with quiet_collector():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with quiet_collector():
            second_in.set()
            first_out.wait(5)
            seen.append(gc.get_threshold())  # the first run left; this one is still inside

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen and seen[0][0] == max(YOUNG_THRESHOLD, before[0])
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
