"""A parallel topological walk over a DAG, bounded, that stops scheduling on the first failure
(or, with ``keep_going``, skips only what depends on it).

Each node runs as soon as every predecessor has succeeded. When a visit fails, nothing new is
started: work already in flight finishes (its results must be persisted, not abandoned), and
everything never started is reported as skipped. With ``keep_going`` every node that does not
depend on a failure still runs; the failed node's descendants (transitively) are skipped, each
recorded with the failure it depends on.

Free slots go to the nodes that became ready most recently (depth first), and among nodes ready
at the same moment to the one with the smallest sort key, so a run with ``parallelism=1`` is
fully deterministic. Depth first keeps what was started moving: when a port completes, its
server takes the next slot rather than the hundredth sibling port, so the slow resources at
the ends of chains are the ones kept in flight (breadth first, a large apply would create every
port before its first server, leaving most slots to quick steps while the slow ones queue).

Nodes that ``inline`` accepts (instant, in-process work: the cloud-free resource types) are
not handed to a worker thread: the walking thread runs them in batches (``run_inline`` opens
one), each committed in one transaction. A batch takes the inline nodes ready together and
goes on through the inline nodes that the batch's own (still uncommitted) successes make
ready, depth first, so a chain of them is a few batches rather than a transaction per node.
It ends, and is committed, when it reaches ``INLINE_BATCH`` nodes, when nothing inline is
left to run, or as soon as a node outside it (a cloud step) would be ready: only then are the
batch's nodes settled, so nothing that is not in the batch starts before the batch's results
are committed. A thread hand-off per node cost more CPU than such a node's work. They hold
no slot of ``parallelism``.

A node may have to wait a while once ready (``delay``: a group's ``pause_time`` between
batches): it waits in the walking thread's timer queue, holding no slot, and the walk goes on
with other nodes meanwhile.
"""

from __future__ import annotations

import enum
import heapq
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from queue import Empty, SimpleQueue
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from atonix_iac.apply.parallelism import DEFAULT_PARALLELISM as DEFAULT_PARALLELISM
from atonix_iac.errors import AtonixError

if TYPE_CHECKING:
    from atonix_iac.planner.digraph import Digraph

N = TypeVar("N", bound=Hashable)
N_contra = TypeVar("N_contra", bound=Hashable, contravariant=True)

# At most this many inline nodes per batch: the walking thread then commits them, looks at
# the worker threads' results again and shows the batch's "complete" events.
INLINE_BATCH = 64


class Uncommitted(enum.Enum):
    """A batch node whose result was not committed because a result it depends on, in the
    same batch, was not: it counts as never started (skipped, blocked by that failure)."""

    UNCOMMITTED = "uncommitted"


UNCOMMITTED = Uncommitted.UNCOMMITTED


class InlineRun(Protocol[N_contra]):
    """One batch of inline nodes: run one after another, then committed together."""

    def run(self, node: N_contra, needs: Sequence[int]) -> AtonixError | None:
        """Run ``node`` (its result visible to the nodes run after it, not yet committed;
        ``needs``: the positions in the batch of the earlier nodes it depends on); its
        failure, or None."""

    def commit(self) -> Sequence[AtonixError | Uncommitted | None]:
        """Commit every node run so far, in one transaction if possible; per node, None
        (committed), the error that kept it from being committed, or ``UNCOMMITTED``."""


@dataclass(frozen=True)
class WalkResult(Generic[N]):
    """What the walk did; ``completed`` is in completion order. ``blocked_by`` maps each
    skipped node that depends on a failed node to that (first) failure; a skipped node absent
    from it was only left unstarted because the walk stopped."""

    completed: tuple[N, ...]
    failed: tuple[tuple[N, AtonixError], ...]
    skipped: tuple[N, ...]
    blocked_by: Mapping[N, N] = field(default_factory=dict)
    # The caller's ``stop`` asked the walk to start nothing more (a cancelled run).
    stopped: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed and not self.skipped


def walk(
    graph: Digraph[N],
    visit: Callable[[N], None],
    *,
    parallelism: int = DEFAULT_PARALLELISM,
    sort_key: Callable[[N], Any] | None = None,
    on_settled: Callable[[N, AtonixError | None], None] | None = None,
    keep_going: bool = False,
    delay: Callable[[N], float] | None = None,
    on_delayed: Callable[[N, float], None] | None = None,
    stop: Callable[[], bool] | None = None,
    inline: Callable[[N], bool] | None = None,
    run_inline: Callable[[], InlineRun[N]] | None = None,
) -> WalkResult[N]:
    """Visit every node of ``graph`` (edge a -> b: b runs after a) with at most ``parallelism``
    visits at once.

    ``visit`` reports failure by raising ``AtonixError``. Any other exception is a bug: the walk
    stops scheduling, lets in-flight visits finish, then re-raises it. ``on_settled`` is called
    in the walking thread once a node's outcome has been taken into account (before anything
    else is scheduled), so observers see exactly what the scheduler knows. ``keep_going``:
    a failure skips only its descendants; everything else still runs (a bug still stops).
    ``delay``: seconds a node waits once ready before it starts (``on_delayed`` is told, in
    the walking thread, when the wait begins). ``stop``: asked before anything new is
    started (an inline batch counts as one start: its nodes are instant); once it answers
    True nothing more starts (in-flight visits finish), as after a failure: the safe point at
    which a run can be cancelled.

    ``inline`` / ``run_inline``: nodes ``inline`` accepts are run in the walking thread, in
    batches that ``run_inline()`` opens (see the module docstring); without ``keep_going`` a
    batch stops at its first failure. Its nodes are settled once ``commit`` returned.
    """
    if parallelism < 1:
        raise ValueError("parallelism must be at least 1")
    if not graph.is_acyclic():
        raise ValueError("the walk needs an acyclic graph")

    position = {node: index for index, node in enumerate(graph)}
    key: Callable[[N], Any] = sort_key or position.__getitem__
    waiting_on = {node: graph.in_degree(node) for node in graph}
    # (-moment it became ready, sort key, position, node): the newest ready node first.
    ready: list[tuple[int, Any, int, N]] = []
    ready_inline: list[tuple[int, Any, int, N]] = []  # the same, for the walking thread
    # (monotonic time it may start, position, node): ready nodes still waiting out a delay.
    pausing: list[tuple[float, int, N]] = []
    moment = 0
    runs_inline = inline if inline is not None and run_inline is not None else None

    def queue(node: N) -> None:
        entry = (-moment, key(node), position[node], node)
        heapq.heappush(ready_inline if runs_inline and runs_inline(node) else ready, entry)

    def became_ready(node: N) -> None:
        seconds = delay(node) if delay is not None else 0.0
        if seconds > 0:
            heapq.heappush(pausing, (time.monotonic() + seconds, position[node], node))
            if on_delayed is not None:
                on_delayed(node, seconds)
            return
        queue(node)

    for node in graph:
        if waiting_on[node] == 0:
            became_ready(node)

    completed: list[N] = []
    failed: list[tuple[N, AtonixError]] = []
    blocked_by: dict[N, N] = {}
    started: set[N] = set()
    bug: BaseException | None = None
    stopped = False
    in_flight: dict[Future[None], N] = {}
    # Finished futures arrive here: O(1) per completion, where concurrent.futures.wait
    # would lock and hook every future in flight each time one finishes.
    finished: SimpleQueue[Future[None]] = SimpleQueue()

    def settle(node: N, error: BaseException | None) -> None:
        nonlocal bug
        if error is None:
            completed.append(node)
            for successor in graph.successors(node):
                waiting_on[successor] -= 1
                if waiting_on[successor] == 0 and successor not in started:
                    became_ready(successor)  # (started: it ran in its predecessor's batch)
        elif isinstance(error, AtonixError):
            failed.append((node, error))
            for descendant in graph.descendants(node):
                blocked_by.setdefault(descendant, node)
        elif bug is None:
            bug = error
        if on_settled is not None and (error is None or isinstance(error, AtonixError)):
            on_settled(node, error)

    def settle_finished(done: list[Future[None]]) -> None:
        nonlocal moment
        moment += 1
        for future in sorted(done, key=lambda f: position[in_flight[f]]):
            settle(in_flight.pop(future), future.exception())

    def run_batch(batch: InlineRun[N]) -> None:
        """Run inline nodes until the batch is full or must end, commit, then settle them."""
        nonlocal bug, moment
        assert runs_inline is not None
        nodes: list[N] = []
        outcomes: list[AtonixError | None] = []
        at: dict[N, int] = {}  # position in the batch
        freed: dict[N, int] = {}  # predecessors that succeeded in this batch
        follow: list[N] = []  # inline nodes the batch made ready: the next to run, newest first
        others_ready = False  # a node outside the batch would be ready: commit now
        try:
            while len(nodes) < INLINE_BATCH and not others_ready:
                if follow:
                    node = follow.pop()
                    mine = [at[p] for p in graph.predecessors(node) if p in at]
                elif ready_inline:
                    node, mine = heapq.heappop(ready_inline)[-1], []
                else:
                    break
                at[node] = len(nodes)
                nodes.append(node)
                started.add(node)
                outcome = batch.run(node, mine)
                outcomes.append(outcome)
                if outcome is not None:
                    if not keep_going:
                        break
                    continue
                room = INLINE_BATCH - len(nodes) - len(follow)
                if room <= 0:
                    continue  # full: what it readies is queued when the batch settles
                readied = []
                for successor in graph.successors(node):
                    count = freed[successor] = freed.get(successor, 0) + 1
                    if count == waiting_on[successor]:
                        readied.append(successor)
                # The first of them by sort key (those left out are queued when the batch
                # settles); only a successor taken is asked whether it runs inline.
                taken = []
                for successor in sorted(readied, key=lambda n: (key(n), position[n]))[:room]:
                    if not runs_inline(successor) or (delay is not None and delay(successor) > 0):
                        others_ready = True
                        break
                    taken.append(successor)
                follow.extend(reversed(taken))  # the smallest sort key runs first
        except Exception as err:  # a bug: stop here; what ran is still committed
            bug = bug or err
        finally:
            committed = batch.commit()
        moment += 1
        for index, node in enumerate(nodes):
            if index >= len(outcomes):
                continue  # the node a bug interrupted: started, never settled
            result = outcomes[index] or committed[index]
            if isinstance(result, Uncommitted):
                started.discard(node)
                continue
            settle(node, result)

    def drain() -> list[Future[None]]:
        done = []
        while not finished.empty():
            done.append(finished.get())
        return done

    with ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="atonix-walk") as pool:
        while True:
            if not stopped and stop is not None and (ready or ready_inline or pausing):
                stopped = stop()
            stopping = (bool(failed) and not keep_going) or bug is not None or stopped
            while pausing and pausing[0][0] <= time.monotonic():
                *_, node = heapq.heappop(pausing)
                queue(node)
            while not stopping and ready and len(in_flight) < parallelism:
                *_, node = heapq.heappop(ready)
                started.add(node)
                future = pool.submit(visit, node)
                in_flight[future] = node
                future.add_done_callback(finished.put)
            if not stopping and ready_inline and run_inline is not None:
                run_batch(run_inline())
                done = drain()
                if done:
                    settle_finished(done)
                continue
            if not in_flight:
                if stopping or not pausing:
                    break
                time.sleep(max(0.0, pausing[0][0] - time.monotonic()))
                continue
            try:
                wake = None if stopping or not pausing else pausing[0][0] - time.monotonic()
                done = [
                    finished.get(timeout=max(0.0, wake)) if wake is not None else finished.get()
                ]
            except Empty:
                continue  # a pause is over
            done.extend(drain())
            settle_finished(done)

    if bug is not None:
        raise bug
    skipped = tuple(node for node in graph if node not in started)
    blocked = {node: blocked_by[node] for node in skipped if node in blocked_by}
    return WalkResult(tuple(completed), tuple(failed), skipped, blocked, stopped)
