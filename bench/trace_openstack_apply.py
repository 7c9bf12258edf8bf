"""Where a parallel OpenStack apply's wave overhead goes: one ``bench_openstack_apply`` run
(independent servers) with the engine's and provider's steps timed, wall and thread CPU.

Each walker slot's wave costs the build delay L plus its port step, the server's create
call, the wait past the build's end, the read of the built server and the state commits.
This wraps those calls (in this process only; nothing is written anywhere) and prints, per
kind, the mean / median / p90 wall time and the mean thread CPU, the state commit batches
by size, the idle gap between steps on a slot, and how long after ``L`` the shared BUILD
watch let each server go. Instrumenting costs a little CPU; compare kinds, not runs.

``--admit K`` is an experiment, not the engine's behaviour: at most K walker steps run at
once (a FIFO semaphore), and a server waiting for its build gives its place up meanwhile.
The burst of work at the end of each wave is then served roughly in order, instead of one
GIL serving every slot's chain a hop at a time (README, "Where the wave overhead goes").

    .venv/bin/python bench/trace_openstack_apply.py --size 500 --parallelism 50
    .venv/bin/python bench/trace_openstack_apply.py --size 500 --parallelism 50 --admit 8
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bench_openstack_apply as bench

from atonix_iac.apply import executor
from atonix_iac.providers.openstack import _neutron, _watch, compute
from atonix_iac.state import group_commit

# (thread, kind, wall start, wall end, thread CPU)
Event = tuple[int, str, float, float, float]


def _wrap(owner: Any, name: str, kind: str, events: list[Event]) -> None:
    original: Callable[..., Any] = getattr(owner, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            spent = time.thread_time() - cpu
            events.append((threading.get_ident(), kind, started, time.perf_counter(), spent))

    setattr(owner, name, timed)


def _admit(permits: int) -> None:
    """The ``--admit`` experiment: a step holds one of ``permits`` places, except while its
    server waits for the build to end."""
    gate = threading.Semaphore(permits)  # its Condition wakes waiters oldest first
    run_step = executor._Run.run_step
    wait = _watch.StatusWatch.wait

    def admitted_step(self: Any, step: Any) -> None:
        with gate:
            run_step(self, step)

    def waiting(self: Any, object_id: str, deadline: float) -> Any:
        gate.release()
        try:
            return wait(self, object_id, deadline)
        finally:
            gate.acquire()

    executor._Run.run_step = admitted_step  # type: ignore[method-assign]
    _watch.StatusWatch.wait = waiting  # type: ignore[method-assign]


def _line(label: str, walls: list[float], cpus: list[float]) -> str:
    walls = sorted(walls)
    ms = [1000 * w for w in walls]
    return (
        f"{label:<24} n={len(walls):5}  wall mean {statistics.mean(ms):7.1f}"
        f"  p50 {ms[len(ms) // 2]:7.1f}  p90 {ms[int(len(ms) * 0.9)]:7.1f} ms"
        f"  cpu mean {1000 * statistics.mean(cpus):5.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=500)
    parser.add_argument("--parallelism", type=int, default=50)
    parser.add_argument("--delay", type=float, default=1.0)
    parser.add_argument("--admit", type=int, default=0, help="experiment: steps at once")
    args = parser.parse_args()
    if args.admit:
        _admit(args.admit)
    events: list[Event] = []
    for owner, name, kind in (
        (executor._Run, "run_step", "step"),
        (group_commit.GroupCommit, "commit", "state commit (waiter)"),
        (group_commit.GroupCommit, "_run", "state commit (batch)"),
        (_neutron.NeutronResource, "start_create", "port create"),
        (_neutron.NeutronResource, "finish_create", "port tags"),
        (compute.Server, "start_create", "server create"),
        (_watch.StatusWatch, "wait", "server watch"),
        (compute.Server, "_building_server_ids", "BUILD list"),
        (compute.Server, "_wait_active", "server read"),
    ):
        _wrap(owner, name, kind, events)
    with tempfile.TemporaryDirectory() as tmp:
        got = bench.run(args.size, args.parallelism, args.delay, False, Path(tmp))
    print(
        f"N={args.size} P={args.parallelism} L={args.delay:g}s admit={args.admit or '-'}"
        f"  wall {got.wall:.2f}s"
        f"  ratio {got.wall / got.bound:.2f}  cpu {got.cpu:.2f}s  sim cpu {got.sim_cpu:.2f}s"
    )
    kinds: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        kinds[event[1]].append(event)
    for kind, group in kinds.items():
        print(_line(kind, [e[3] - e[2] for e in group], [e[4] for e in group]))
    per_thread: dict[int, list[Event]] = defaultdict(list)
    for event in events:
        per_thread[event[0]].append(event)
    gaps: list[float] = []
    late: list[float] = []
    for group in per_thread.values():
        group.sort(key=lambda e: e[2])
        steps = [e for e in group if e[1] == "step"]
        gaps += [b[2] - a[3] for a, b in zip(steps, steps[1:], strict=False)]
        created = None
        for event in group:
            if event[1] == "server create":
                created = event[3]
            elif event[1] == "server watch" and created is not None:
                late.append(event[3] - created - args.delay)
    if gaps:
        print(_line("gap between slot's steps", gaps, [0.0]))
    if late:
        print(_line("create answer→watch - L", late, [0.0]))


if __name__ == "__main__":
    main()
