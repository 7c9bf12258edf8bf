"""A plan's changes as a DAG of provider steps, ordered the way Terraform orders them.

* creates and updates run after the creates/updates of the resources they depend on;
* a delete runs after the deletes of everything that depended on the object (reverse order),
  and after the updates of resources that stop referring to it;
* delete-then-create: the old object is deleted, then the new one created;
* create-then-delete: the new object is created (the old one is first recorded as deposed),
  and the deposed object is deleted only after its dependents were created or updated.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from atonix_iac.errors import PlanError
from atonix_iac.planner.digraph import Digraph
from atonix_iac.planner.plan import Action, Plan, ResourceChange
from atonix_iac.state.model import ResourceState


class StepKind(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    READ = "read"  # adopt an object through external_id


@dataclass(frozen=True, slots=True, order=True)
class Step:
    """One provider call. ``deposed`` names the deposed object a delete removes, or, for the
    create of a create-then-delete replacement, the key the current object is deposed under."""

    kind: StepKind
    address: str
    deposed: str | None = None

    def __str__(self) -> str:
        suffix = f" (deposed {self.deposed})" if self.deposed else ""
        return f"{self.kind.value} {self.address}{suffix}"


@dataclass(frozen=True)
class Schedule:
    """The plan as steps to walk: a replacement is two steps (create and delete) whose order
    depends on create-before-destroy, so the walk cannot use the resource graph itself."""

    graph: Digraph[Step]  # nodes are Step; edge a -> b: b runs after a
    changes: Mapping[Step, ResourceChange]
    order: Mapping[Step, int]  # position in the plan, for deterministic tie-breaking


def new_deposed_key(address: str, existing: Iterable[str | None]) -> str:
    """``deposed-N`` with the smallest N not already used for ``address``."""
    taken = {d for d in existing if d}
    n = 1
    while f"deposed-{n}" in taken:
        n += 1
    return f"deposed-{n}"


def build_schedule(plan: Plan, prior: Mapping[str, ResourceState]) -> Schedule:
    """The step DAG for ``plan``; ``prior`` is the state before apply, keyed by state key
    (``address`` or ``address#deposed``), to learn what the old objects depended on."""
    graph: Digraph[Step] = Digraph()
    changes: dict[Step, ResourceChange] = {}
    apply_step: dict[str, Step] = {}  # address -> its create/update step
    delete_steps: dict[str, list[Step]] = defaultdict(list)  # address -> its delete steps
    deposed_by_address: dict[str, list[str | None]] = defaultdict(list)
    for res in prior.values():
        deposed_by_address[res.address].append(res.deposed)

    def add(step: Step, change: ResourceChange) -> None:
        graph.add_node(step)
        changes[step] = change

    for change in plan.changes:
        address, action = change.address, change.action
        if action is Action.NOOP:
            continue
        if action is Action.DELETE:
            add(Step(StepKind.DELETE, address, change.deposed), change)
            delete_steps[address].append(Step(StepKind.DELETE, address, change.deposed))
        elif action is Action.CREATE:
            add(Step(StepKind.CREATE, address), change)
            apply_step[address] = Step(StepKind.CREATE, address)
        elif action is Action.UPDATE:
            add(Step(StepKind.UPDATE, address), change)
            apply_step[address] = Step(StepKind.UPDATE, address)
        elif action is Action.READ:
            add(Step(StepKind.READ, address), change)
            apply_step[address] = Step(StepKind.READ, address)
        elif action is Action.DELETE_THEN_CREATE:
            delete, create = Step(StepKind.DELETE, address), Step(StepKind.CREATE, address)
            add(delete, change)
            add(create, change)
            graph.add_edge(delete, create)
            apply_step[address] = create
            delete_steps[address].append(delete)
        elif action is Action.CREATE_THEN_DELETE:
            key = new_deposed_key(address, deposed_by_address[address])
            deposed_by_address[address].append(key)
            create = Step(StepKind.CREATE, address, key)
            delete = Step(StepKind.DELETE, address, key)
            add(create, change)
            add(delete, change)
            graph.add_edge(create, delete)
            apply_step[address] = create
            delete_steps[address].append(delete)

    def old_dependencies(step: Step) -> tuple[str, ...]:
        change = changes[step]
        key = f"{step.address}#{step.deposed}" if step.deposed else step.address
        old = prior.get(key) or prior.get(step.address)
        deps = set(old.dependencies if old is not None else ())
        if change.action is Action.DELETE:
            deps.update(change.dependencies)
        return tuple(sorted(deps))

    for address, step in apply_step.items():
        for dep in changes[step].dependencies:
            if dep in apply_step and dep != address:
                graph.add_edge(apply_step[dep], step)

    for address, steps in delete_steps.items():
        for step in steps:
            # Whatever depended on the old object goes first: its delete, or its update
            # (which stops referring to it), or for a deposed object its new version.
            for dep in old_dependencies(step):
                for dep_delete in delete_steps.get(dep, ()):
                    if dep_delete != step:
                        graph.add_edge(step, dep_delete)
            if step.deposed is not None and changes[step].action is Action.CREATE_THEN_DELETE:
                for other, other_step in apply_step.items():
                    if address in changes[other_step].dependencies and other != address:
                        graph.add_edge(other_step, step)
        for other, other_step in apply_step.items():
            if other == address or changes[other_step].action is not Action.UPDATE:
                continue
            old = prior.get(other)
            if old is not None and address in old.dependencies:
                for step in steps:
                    if changes[step].action is Action.DELETE:
                        graph.add_edge(other_step, step)

    if not graph.is_acyclic():
        described = " -> ".join(str(step) for step in graph.find_cycle())
        raise PlanError(
            f"the plan's steps cannot be ordered ({described}); mark the replaced resources"
            " create_before_destroy consistently"
        )
    order = {step: index for index, step in enumerate(graph)}
    return Schedule(graph, changes, order)
