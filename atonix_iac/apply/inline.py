"""The state writes of a batch of inline steps (cloud-free, instant), committed together.

The walking thread runs the steps that are ready together and whose types run inline
(``ResourceType.runs_inline``, e.g. ``OS::Heat::Value``) one after another; each step's
writes, and what follows from them (the result joins what later steps resolve against, the
"complete" event), are held here until the batch is committed in one transaction.

This keeps the rule every apply follows (``state/group_commit.py``): a result is durable
before anything depending on it is acted upon. Such a step has no cloud side: its record
needs to be durable only before its dependents start, and they start only after the walk
settles the batch, which is after ``commit``. A run killed before the commit has made nothing
outside state, and the next run simply makes these resources again. If the batch cannot be
committed as a whole, each step's writes are committed alone, so that a failure (a lost lock)
is the failure of the step it concerns; its "complete" event is then never sent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from atonix_iac.apply.events import ApplyEvent
from atonix_iac.errors import AtonixError
from atonix_iac.state.model import ResourceWrite, StackKey
from atonix_iac.state.store import StateStore


@dataclass
class _StepWork:
    writes: list[ResourceWrite] = field(default_factory=list)
    # What follows once the writes are committed, in order: bookkeeping, then events.
    then: list[Callable[[], None]] = field(default_factory=list)
    events: list[ApplyEvent] = field(default_factory=list)


@dataclass
class InlineBatch:
    """The held writes and follow-ups of the steps run so far in one batch."""

    steps: list[_StepWork] = field(default_factory=list)

    def begin_step(self) -> None:
        self.steps.append(_StepWork())

    def write(self, write: ResourceWrite, then: Callable[[], None]) -> None:
        current = self.steps[-1]
        current.writes.append(write)
        current.then.append(then)

    def hold_event(self, event: ApplyEvent) -> None:
        self.steps[-1].events.append(event)

    def commit(
        self, store: StateStore, key: StackKey, emit: Callable[[ApplyEvent], None]
    ) -> list[AtonixError | None]:
        """Commit every held write (one transaction; step by step if that fails), then run
        each committed step's follow-ups and send its events. Returns, per step, the error
        that kept its writes from being committed (None: committed)."""
        writes = [w for step in self.steps for w in step.writes]
        errors: list[AtonixError | None] = [None] * len(self.steps)
        if writes:
            try:
                store.commit_writes(key, writes)
            except AtonixError:
                errors = [_commit_alone(store, key, step.writes) for step in self.steps]
        for step, error in zip(self.steps, errors, strict=True):
            if error is not None:
                continue
            for follow_up in step.then:
                follow_up()
            for event in step.events:
                emit(event)
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
