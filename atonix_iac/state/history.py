"""A stack's history made readable: runs instead of raw serials, and what changed between two
states, property by property, with secret values masked.

Every committed write bumps the serial (an apply of N resources writes about 2N serials: an
intent and a result each), and the whole state is kept at the end of every run and state
command (a snapshot). ``runs`` folds the serials into one entry per snapshot, plus one for
serials written after the last snapshot (a run that did not finish). Pure: no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from atonix_iac.state.model import ResourceState, SnapshotInfo, State, StateVersion

MASK = "(sensitive value)"
# Snapshots of apply runs name the plan's mode; people know the command.
_COMMANDS = {"normal": "apply"}


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One run or state command: the serials it wrote, ending at ``serial``."""

    serial: int
    first_serial: int
    lineage: str | None
    when: datetime
    who: str
    command: str
    resources: int | None  # resources in the state at ``serial``; None: not kept
    kept: bool  # the whole state at ``serial`` can be shown, diffed and rolled back to

    def as_dict(self) -> dict[str, Any]:
        return {
            "serial": self.serial,
            "first_serial": self.first_serial,
            "lineage": self.lineage,
            "when": self.when.isoformat(),
            "who": self.who,
            "command": self.command,
            "resources": self.resources,
            "kept": self.kept,
        }


def command_name(operation: str) -> str:
    return _COMMANDS.get(operation, operation)


def runs(
    snapshots: Sequence[SnapshotInfo], trailing: Sequence[StateVersion], first: int = 1
) -> list[HistoryEntry]:
    """One entry per snapshot (the serials since the previous one), then one for the
    ``trailing`` versions written after the last snapshot, if any."""
    entries: list[HistoryEntry] = []
    start = first
    for snap in snapshots:
        if entries and entries[-1].serial == snap.serial:
            continue  # kept twice (older atonix): one entry
        entries.append(
            HistoryEntry(
                serial=snap.serial,
                first_serial=min(start, snap.serial),
                lineage=snap.lineage,
                when=snap.created_at,
                who=snap.who,
                command=command_name(snap.operation),
                resources=snap.resources,
                kept=True,
            )
        )
        start = snap.serial + 1
    if trailing:
        last = trailing[-1]
        entries.append(
            HistoryEntry(
                serial=last.serial,
                first_serial=trailing[0].serial,
                lineage=last.lineage,
                when=last.created_at,
                who=last.who,
                command=f"(not kept; last write: {last.operation})",
                resources=None,
                kept=False,
            )
        )
    return entries


@dataclass(frozen=True, slots=True)
class FieldChange:
    path: str  # "properties.flavor", "attributes.networks.0", "status"
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class ResourceDiff:
    key: str  # address, or address#deposed
    type: str
    change: str  # added | removed | changed
    physical_id: str | None
    fields: tuple[FieldChange, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "address": self.key,
            "type": self.type,
            "change": self.change,
            "physical_id": self.physical_id,
            "fields": [{"path": f.path, "before": f.before, "after": f.after} for f in self.fields],
        }


@dataclass(frozen=True, slots=True)
class StateDiff:
    before_serial: int
    after_serial: int
    resources: tuple[ResourceDiff, ...] = ()
    stack_fields: tuple[FieldChange, ...] = field(default_factory=tuple)  # outputs, parameters

    @property
    def empty(self) -> bool:
        return not self.resources and not self.stack_fields

    def counts(self) -> dict[str, int]:
        counts = {"added": 0, "changed": 0, "removed": 0}
        for diff in self.resources:
            counts[diff.change] += 1
        return counts

    def as_dict(self) -> dict[str, Any]:
        return {
            "from_serial": self.before_serial,
            "to_serial": self.after_serial,
            "summary": self.counts(),
            "resources": [r.as_dict() for r in self.resources],
            "stack": [
                {"path": f.path, "before": f.before, "after": f.after} for f in self.stack_fields
            ],
        }


def diff_states(before: State, after: State) -> StateDiff:
    """What changes from ``before`` to ``after``: resources added, removed and changed
    (each changed field by path), outputs and parameters; secret values masked."""
    changes: list[ResourceDiff] = []
    for key in sorted(before.resources.keys() | after.resources.keys()):
        old, new = before.resources.get(key), after.resources.get(key)
        if old is None and new is not None:
            changes.append(ResourceDiff(key, new.type, "added", new.physical_id))
        elif new is None and old is not None:
            changes.append(ResourceDiff(key, old.type, "removed", old.physical_id))
        elif old is not None and new is not None:
            fields = _resource_fields(old, new)
            if fields:
                changes.append(ResourceDiff(key, new.type, "changed", new.physical_id, fields))
    stack_fields = [
        *_values(
            "outputs",
            before.outputs,
            after.outputs,
            before.sensitive_outputs | after.sensitive_outputs,
        ),
        *_values(
            "parameters",
            before.parameters,
            after.parameters,
            before.sensitive_parameters | after.sensitive_parameters,
        ),
    ]
    if before.template_digest != after.template_digest:
        stack_fields.append(
            FieldChange("template_digest", before.template_digest, after.template_digest)
        )
    return StateDiff(before.serial, after.serial, tuple(changes), tuple(stack_fields))


def _resource_fields(old: ResourceState, new: ResourceState) -> tuple[FieldChange, ...]:
    fields: list[FieldChange] = []
    for name in (
        "type",
        "physical_id",
        "deletion_policy",
        "create_before_destroy",
        "prevent_destroy",
        "external",
    ):
        if getattr(old, name) != getattr(new, name):
            fields.append(FieldChange(name, getattr(old, name), getattr(new, name)))
    if old.status != new.status:
        fields.append(FieldChange("status", old.status.value, new.status.value))
    if old.dependencies != new.dependencies:
        fields.append(FieldChange("dependencies", list(old.dependencies), list(new.dependencies)))
    secret_properties = old.sensitive_properties | new.sensitive_properties
    secret_attributes = old.sensitive_attributes | new.sensitive_attributes
    fields += _values("properties", old.properties, new.properties, secret_properties)
    fields += _values("attributes", old.attributes, new.attributes, secret_attributes)
    return tuple(fields)


_ABSENT = object()


def _values(
    prefix: str, old: Mapping[str, Any], new: Mapping[str, Any], secret: Iterable[str]
) -> list[FieldChange]:
    """Changed top-level values (a secret one only says that it changed), then nested ones."""
    hidden = set(secret)
    out: list[FieldChange] = []
    for name in sorted(old.keys() | new.keys(), key=str):
        a, b = old.get(name, _ABSENT), new.get(name, _ABSENT)
        if a == b and type(a) is type(b):
            continue
        path = f"{prefix}.{name}"
        if name in hidden:
            out.append(
                FieldChange(path, None if a is _ABSENT else MASK, None if b is _ABSENT else MASK)
            )
            continue
        out += _nested(path, a, b)
    return out


def _nested(path: str, a: Any, b: Any) -> list[FieldChange]:
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[FieldChange] = []
        for name in sorted(a.keys() | b.keys(), key=str):
            x, y = a.get(name, _ABSENT), b.get(name, _ABSENT)
            if not (x == y and type(x) is type(y)):
                out += _nested(f"{path}.{name}", x, y)
        return out
    return [FieldChange(path, None if a is _ABSENT else a, None if b is _ABSENT else b)]
