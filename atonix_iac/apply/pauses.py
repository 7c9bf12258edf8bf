"""A group's ``pause_time``: the wait between one batch of members and the next (Heat's
``batch_create`` / ``rolling_update``), scheduled by the walk (no worker sleeps) and shown
as a PAUSE event on each member that waits."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from atonix_iac.apply.events import EventKind, Operation
from atonix_iac.apply.schedule import Step, StepKind
from atonix_iac.planner.digraph import Digraph
from atonix_iac.planner.group_sizes import member_index
from atonix_iac.planner.groups import batch_pauses
from atonix_iac.planner.protocols import BoundParams
from atonix_iac.state.model import ResourceState
from atonix_iac.template.model import Template

_PAUSED = {StepKind.CREATE: Operation.CREATE, StepKind.UPDATE: Operation.UPDATE}


@dataclass(frozen=True)
class BatchPauses:
    """Where a group's rolling update must pause between batches: known before the walk, so
    a step only looks its address up."""

    waits: Mapping[str, tuple[str, float]]  # member address -> (its group, pause_time)

    @classmethod
    def of(
        cls,
        template: Template,
        params: BoundParams,
        prior: Mapping[str, ResourceState],
        graph: Digraph[Step],
    ) -> BatchPauses:
        """``template`` expanded; ``prior``: state's records before the run; ``graph``: the
        run's steps. A member pauses only after a step of another member of its group that
        this run makes (with no batch before it in this run, there is nothing to pause after)."""
        if not template.expanded_groups:
            return cls({})
        current = {r.address: r for r in prior.values() if r.deposed is None}
        seconds = batch_pauses(template, params, current)
        groups = sorted(template.expanded_groups, key=len, reverse=True)  # innermost first
        waits: dict[str, tuple[str, float]] = {}
        for step in graph:
            pause = seconds.get(step.address)
            if pause is None or step.kind not in _PAUSED:
                continue
            group = next((g for g in groups if member_index(step.address, g) is not None), None)
            if group is None:
                continue
            index = member_index(step.address, group)
            if any(
                member_index(before.address, group) not in (None, index)
                for before in graph.predecessors(step)
            ):
                waits[step.address] = (group, pause)
        return cls(waits)

    def delay(self, step: Step) -> float:
        found = self.waits.get(step.address)
        return found[1] if found is not None and step.kind in _PAUSED else 0.0

    def announcer(self, emit: Callable[..., None]) -> Callable[[Step, float], None]:
        def announce(step: Step, seconds: float) -> None:
            group = self.waits[step.address][0]
            message = f"waiting {seconds:g}s after the previous batch (pause_time of `{group}`)"
            info: dict[str, Any] = {"message": message}
            emit(EventKind.PAUSE, step, _PAUSED[step.kind], **info)

        return announce
