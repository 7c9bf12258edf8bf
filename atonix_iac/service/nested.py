"""Nested stacks as Heat shows them, over atonix's one flattened state.

atonix flattens template resources, ``OS::Heat::Stack`` and group members into one plan
(``tmpl.inner``, ``group.0.inner``); Heat shows each as a nested stack with its own id, name
and parent. This module derives that tree from the stack's template (groups expanded against
its state): every template resource, stack resource and group is a nested stack; a resource
belongs to the nearest one whose address prefixes its own. The ids are derived, never stored:
a group's is its physical id (what ``get_resource`` gives, as in Heat), any other one a uuid5
of the root stack's id and the address, so they are the same on every request, process and
restart. Nested stacks are read-only views: actions go to the root stack.
"""

from __future__ import annotations

import base64
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from atonix_iac.errors import AtonixError
from atonix_iac.planner.evaluation import PlanContext, resolve_value
from atonix_iac.planner.groups import expand_groups
from atonix_iac.state.model import ResourceState, State
from atonix_iac.state.records import EventRecord, StackQuery, StackRecord
from atonix_iac.template.model import OutputSpec, Template
from atonix_iac.template.values import is_unknown, unwrap

from .engine import Engine, bind_record, load_stack_template

log = logging.getLogger("atonix.service.nested")

ROOT = ""  # the root stack's address in a tree


@dataclass(frozen=True)
class NestedStackNode:
    """One stack of the tree: the root (address "") or a nested stack."""

    address: str
    id: str
    name: str
    parent: str | None  # the parent's address; None for the root
    resource_name: str  # its resource's name in the parent ("" for the root)
    resource_type: str
    outputs: dict[str, OutputSpec] = field(default_factory=dict)

    @property
    def is_root(self) -> bool:
        return self.parent is None


@dataclass
class StackTree:
    """A root stack's nested stacks, and what belongs to each."""

    record: StackRecord
    state: State
    nodes: dict[str, NestedStackNode]
    template: Template | None = None
    context: PlanContext | None = None

    def container(self, address: str) -> str:
        """The address of the nearest nested stack holding ``address`` (ROOT if none)."""
        parts = address.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            prefix = ".".join(parts[:cut])
            if prefix in self.nodes:
                return prefix
        return ROOT

    def local_name(self, address: str) -> str:
        holder = self.container(address)
        return address[len(holder) + 1 :] if holder else address

    def address_in(self, node: NestedStackNode, name: str) -> str:
        return f"{node.address}.{name}" if node.address else name

    def by_id(self, stack_id: str) -> NestedStackNode | None:
        for node in self.nodes.values():
            if node.id == stack_id:
                return node
        return None

    def depth(self, address: str) -> int:
        depth = 0
        while address:
            address = self.container(address)
            depth += 1
        return depth

    def resources(self) -> list[ResourceState]:
        """The state's resources, plus a row for each nested stack the state has none for
        (a template resource, a stack resource, a template group member)."""
        found = [r for r in self.state.resources.values() if r.deposed is None]
        known = {r.address for r in found}
        for node in self.nodes.values():
            if not node.is_root and node.address not in known:
                found.append(ResourceState(node.address, node.resource_type, node.id))
        return found

    def outputs(self, node: NestedStackNode) -> dict[str, Any]:
        """The nested stack's output values, resolved from the state as it is (a value not
        known yet is absent)."""
        values: dict[str, Any] = {}
        if self.context is None:
            return values
        for name, spec in node.outputs.items():
            try:
                value = unwrap(resolve_value(spec.value, self.context))
            except AtonixError:
                continue
            if not is_unknown(value):
                values[name] = value
        return values


def nested_id(root_id: str, address: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"atonix:nested-stack:{root_id}:{address}"))


def _short_id(stack_id: str) -> str:
    """Heat's ``short_id``: 12 lowercase base32 characters of the id."""
    return base64.b32encode(uuid.UUID(stack_id).bytes).decode()[:12].lower()


def build_tree(engine: Engine, record: StackRecord) -> StackTree:
    state = engine.store.load(record.key)
    root = NestedStackNode(ROOT, record.id, record.name, None, "", "OS::Heat::Stack")
    tree = StackTree(record, state, {ROOT: root})
    containers: dict[str, tuple[str, dict[str, OutputSpec]]] = {}
    try:
        template = load_stack_template(record)
        binding = engine.bindings.for_key(record.workspace, record.environment)
        params = bind_record(record, template, binding, check_required=False)
        template = expand_groups(template, params, state)
        known = {r.address: r for r in state.resources.values() if r.deposed is None}
        tree.template, tree.context = template, PlanContext(template, params, known)
        for address, nested in template.nested_stacks.items():
            kind = "OS::Heat::Stack" if nested.stack_resource else nested.template_source
            containers[address] = (kind, nested.outputs)
        for address, group in template.expanded_groups.items():
            containers[address] = (group.type, {})
    except AtonixError as err:  # checked when given; the state's groups still show
        log.warning("nested stacks of %s from state only: %s", record.id, err.message)
    for resource in state.resources.values():
        if resource.deposed is None and resource.type in _GROUP_TYPES:
            containers.setdefault(resource.address, (resource.type, {}))
    physical = {r.address: r.physical_id for r in state.resources.values() if r.deposed is None}
    for address in sorted(containers, key=lambda a: a.count(".")):
        kind, outputs = containers[address]
        holder = tree.container(address)
        parent = tree.nodes[holder]
        local = address[len(holder) + 1 :] if holder else address
        stack_id = physical.get(address) or nested_id(record.id, address)
        name = f"{parent.name}-{local}-{_short_id(stack_id)}"
        tree.nodes[address] = NestedStackNode(address, stack_id, name, holder, local, kind, outputs)
    return tree


_GROUP_TYPES = frozenset(
    {
        "OS::Heat::ResourceGroup",
        "OS::Heat::AutoScalingGroup",
        "OS::Heat::ResourceChain",
        "AWS::AutoScaling::AutoScalingGroup",
    }
)


def _candidates(record: StackRecord, state: State) -> set[str]:
    """Ids a nested stack of this stack may have: cheap to compute from the state alone."""
    found: set[str] = set()
    for resource in state.resources.values():
        parts = resource.address.split(".")
        for cut in range(1, len(parts)):
            found.add(nested_id(record.id, ".".join(parts[:cut])))
        if resource.type in _GROUP_TYPES and resource.physical_id:
            found.add(resource.physical_id)
    return found


def find_nested(
    engine: Engine, project_id: str, name_or_id: str
) -> tuple[StackTree, NestedStackNode] | None:
    """The nested stack of one of the project's stacks with this id or name, if any."""
    is_id = _maybe_id(name_or_id)
    for record in engine.records.list_stacks(project_id, StackQuery()):
        if record.deleted_at is not None:
            continue
        if is_id:
            if name_or_id not in _candidates(record, engine.store.load(record.key)):
                continue
        elif not name_or_id.startswith(record.name + "-"):
            continue
        tree = build_tree(engine, record)
        for node in tree.nodes.values():
            if not node.is_root and name_or_id in (node.id, node.name):
                return tree, node
    return None


def _maybe_id(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def node_status(
    tree: StackTree, node: NestedStackNode, latest: dict[str, EventRecord]
) -> tuple[str, str, str]:
    """(action, status, reason) of a nested stack: its resource's own latest event when it
    has one (a group), else what its resources' latest events say (one failed: FAILED; one
    in progress: IN_PROGRESS), else the root stack's."""
    record = tree.record
    own = latest.get(node.address)
    if own is not None and not node.is_root:
        return own.action, own.status, own.status_reason
    prefix = node.address + "."
    inner = [e for name, e in latest.items() if name.startswith(prefix)]
    if not inner:
        return record.action, record.status, record.status_reason
    newest = max(inner, key=lambda e: (e.created_at is not None, e.created_at))
    statuses = {e.status for e in inner}
    for status in ("FAILED", "IN_PROGRESS"):
        if status in statuses:
            failed = next(e for e in inner if e.status == status)
            return failed.action, status, failed.status_reason
    return newest.action, "COMPLETE", f"Stack {newest.action} completed successfully"
