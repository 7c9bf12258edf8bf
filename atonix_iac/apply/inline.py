"""A batch of inline steps (cloud-free, instant), run one after another, committed together.

The walking thread runs the steps whose types run inline (``ResourceType.runs_inline``, e.g.
``OS::Heat::Value``) in batches (``apply/walk.py``): those ready together, and those that the
batch's own results make ready (a chain of Values is a few batches, not a transaction each).
Each step's result is visible at once to the steps run after it in the batch (they resolve
against it); its writes and its "complete" event are held here until the batch is committed
in one transaction.

**The durability rule**, as refined for these steps: every result is committed before
anything *outside its batch* that depends on it starts, and before its "complete" event is
shown. A cloud step never starts on the strength of an uncommitted result: the walk ends a
batch and commits it before anything not in it starts. Inside a batch, a step may depend on
an uncommitted result, which is safe because neither has a cloud side: a run killed before
the commit has made nothing outside state (no object, no record), and the next run simply
makes the whole batch again; the commit is all or nothing.

If the batch cannot be committed as a whole, each step's writes are committed alone, in
order, so that a failure (a lost lock) is the failure of the step it concerns; a step that
depends on a step whose writes were not committed is not committed either (it counts as never
started), and what it made visible to later steps is taken back. Such a step's "complete"
event is never sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from atonix_iac.apply.events import ApplyEvent, EventKind
from atonix_iac.apply.walk import UNCOMMITTED, Uncommitted
from atonix_iac.errors import AtonixError
from atonix_iac.state.model import ResourceWrite, StackKey
from atonix_iac.state.store import StateStore

S = TypeVar("S")


@dataclass
class _StepWork:
    """What one inline step leaves for its batch's commit: its records, and what may happen
    only once they are durable (events, bookkeeping) or must be undone if they never are."""

    writes: list[ResourceWrite] = field(default_factory=list)
    # What follows once the writes are committed, in order: bookkeeping, then events.
    then: list[Callable[[], None]] = field(default_factory=list)
    events: list[ApplyEvent] = field(default_factory=list)
    # What takes back the step's uncommitted results if its writes are not committed.
    undo: list[Callable[[], None]] = field(default_factory=list)
    # The earlier steps of the batch it depends on: while any is uncommitted, every event of
    # the step is held (shown after the commit, so none precedes its inputs' "complete").
    needs: Sequence[int] = ()


@dataclass
class InlineBatch(Generic[S]):
    """The held writes and follow-ups of the steps run so far in one batch; ``open`` until
    it is committed (writes made while it is open are held)."""

    store: StateStore
    key: StackKey
    emit: Callable[[ApplyEvent], None]
    run_step: Callable[[S], None]
    steps: list[_StepWork] = field(default_factory=list)
    open: bool = True

    def run(self, step: S, needs: Sequence[int]) -> AtonixError | None:
        self.steps.append(_StepWork(needs=needs))
        try:
            self.run_step(step)
        except AtonixError as err:
            return err
        return None

    def write(
        self, write: ResourceWrite, then: Callable[[], None], undo: Callable[[], None]
    ) -> None:
        """Hold ``write``: ``then`` runs once it is committed, ``undo`` if it is not."""
        current = self.steps[-1]
        current.writes.append(write)
        current.then.append(then)
        current.undo.append(undo)

    def hold_event(self, event: ApplyEvent) -> bool:
        """Hold ``event`` of the current step until the commit, if it must wait for it: a
        "complete" event always; any event of a step run on uncommitted results."""
        current = self.steps[-1]
        if event.kind is not EventKind.DONE and not current.needs:
            return False
        current.events.append(event)
        return True

    def commit(self) -> list[AtonixError | Uncommitted | None]:
        """Commit every held write (one transaction; step by step if that fails), undo what
        was not committed (latest first), then run each committed step's follow-ups and
        send the held events (a step not committed: no "complete"; one ``UNCOMMITTED``:
        none). Returns, per step, None (committed), the error that kept its writes from
        being committed, or ``UNCOMMITTED`` (a step it depends on was not committed)."""
        self.open = False
        writes = [w for step in self.steps for w in step.writes]
        errors: list[AtonixError | Uncommitted | None] = [None] * len(self.steps)
        if writes:
            try:
                self.store.commit_writes(self.key, writes)
            except AtonixError:
                errors = []
                for step in self.steps:
                    if any(errors[j] is not None for j in step.needs):
                        errors.append(UNCOMMITTED)
                    else:
                        errors.append(_commit_alone(self.store, self.key, step.writes))
        for step, error in reversed(list(zip(self.steps, errors, strict=True))):
            if error is not None:
                for undo in reversed(step.undo):
                    undo()
        for step, error in zip(self.steps, errors, strict=True):
            if error is None:
                for follow_up in step.then:
                    follow_up()
            elif isinstance(error, Uncommitted):
                continue
            for event in step.events:
                if error is None or event.kind is not EventKind.DONE:
                    self.emit(event)
        return errors


def _commit_alone(
    store: StateStore, key: StackKey, writes: Sequence[ResourceWrite]
) -> AtonixError | None:
    if not writes:
        return None
    try:
        store.commit_writes(key, writes)
    except AtonixError as err:
        return err
    return None
