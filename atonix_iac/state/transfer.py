"""A whole stack's state as a JSON document: ``state pull`` / ``state push`` and snapshots.

Exports mask secret values unless asked for them; a masked document cannot be pushed back,
since that would overwrite every secret with the mask.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from atonix_iac.errors import StateConflictError, StateError
from atonix_iac.state.codec import resource_key
from atonix_iac.state.model import ResourceState, ResourceStatus, StackKey, State

FORMAT_VERSION = 1
MASK = "(sensitive value)"
SECRETS_INCLUDED = "included"
SECRETS_MASKED = "masked"


def state_to_document(state: State, *, include_secrets: bool) -> dict[str, Any]:
    def shown(values: dict[str, Any], secret: frozenset[str]) -> dict[str, Any]:
        if include_secrets:
            return dict(values)
        return {name: MASK if name in secret else value for name, value in values.items()}

    return {
        "format_version": FORMAT_VERSION,
        "stack": {
            "workspace": state.key.workspace,
            "environment": state.key.environment,
            "name": state.key.stack,
        },
        "lineage": state.lineage,
        "serial": state.serial,
        "secrets": SECRETS_INCLUDED if include_secrets else SECRETS_MASKED,
        "template_digest": state.template_digest,
        "outputs": shown(state.outputs, state.sensitive_outputs),
        "sensitive_outputs": sorted(state.sensitive_outputs),
        "parameters": shown(state.parameters, state.sensitive_parameters),
        "sensitive_parameters": sorted(state.sensitive_parameters),
        "resources": [
            {
                "address": r.address,
                "deposed": r.deposed,
                "type": r.type,
                "physical_id": r.physical_id,
                "status": r.status.value,
                "properties": shown(r.properties, r.sensitive_properties),
                "attributes": shown(r.attributes, r.sensitive_attributes),
                "sensitive_properties": sorted(r.sensitive_properties),
                "sensitive_attributes": sorted(r.sensitive_attributes),
                "dependencies": list(r.dependencies),
                "deletion_policy": r.deletion_policy,
                "create_before_destroy": r.create_before_destroy,
                "prevent_destroy": r.prevent_destroy,
                "updated_at": r.updated_at.isoformat() if r.updated_at else None,
                "create_token": r.create_token,
            }
            for r in state.resources.values()
        ],
    }


def document_to_state(key: StackKey, document: dict[str, Any]) -> State:
    """The State a pushed document describes; StateError when it is malformed or masked."""
    if not isinstance(document, dict) or document.get("format_version") != FORMAT_VERSION:
        raise StateError(f"not an atonix state document (format_version {FORMAT_VERSION} expected)")
    if document.get("secrets") != SECRETS_INCLUDED:
        raise StateError(
            "this state document has its secrets masked and cannot be pushed back "
            "(export it with `atonix state pull -include-secrets`)"
        )
    try:
        resources = [_resource(item) for item in document.get("resources", [])]
        lineage = document.get("lineage")
        if lineage is not None and not isinstance(lineage, str):
            raise TypeError("lineage must be a string")
        return State(
            key=key,
            lineage=lineage,
            serial=int(document.get("serial", 0)),
            resources={resource_key(r.address, r.deposed): r for r in resources},
            outputs=dict(document.get("outputs", {})),
            sensitive_outputs=frozenset(document.get("sensitive_outputs", [])),
            parameters=dict(document.get("parameters", {})),
            sensitive_parameters=frozenset(document.get("sensitive_parameters", [])),
            template_digest=document.get("template_digest"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise StateError(f"malformed state document: {exc}") from None


def _resource(item: dict[str, Any]) -> ResourceState:
    updated = item.get("updated_at")
    return ResourceState(
        address=str(item["address"]),
        type=str(item["type"]),
        physical_id=item.get("physical_id"),
        status=ResourceStatus(item.get("status", ResourceStatus.READY.value)),
        properties=dict(item.get("properties", {})),
        attributes=dict(item.get("attributes", {})),
        sensitive_properties=frozenset(item.get("sensitive_properties", [])),
        sensitive_attributes=frozenset(item.get("sensitive_attributes", [])),
        dependencies=tuple(item.get("dependencies", [])),
        deletion_policy=str(item.get("deletion_policy", "Delete")),
        create_before_destroy=bool(item.get("create_before_destroy", False)),
        prevent_destroy=bool(item.get("prevent_destroy", False)),
        deposed=item.get("deposed"),
        updated_at=datetime.fromisoformat(updated) if updated else None,
        create_token=item.get("create_token"),
    )


def check_push(key: StackKey, lineage: str, serial: int, incoming: State) -> None:
    """Refuse a push that would replace another stack's history or roll this one back."""
    if incoming.lineage is not None and incoming.lineage != lineage:
        raise StateConflictError(
            f"the pushed state has lineage {incoming.lineage}, but the state of {key} has "
            f"lineage {lineage}: it is another stack's state (force to replace it anyway)"
        )
    if incoming.serial < serial:
        raise StateConflictError(
            f"the pushed state has serial {incoming.serial}, older than the state of {key} "
            f"(serial {serial}); pull again, or force to roll back"
        )


def has_secrets(state: State) -> bool:
    if state.sensitive_outputs & state.outputs.keys():
        return True
    if state.sensitive_parameters & state.parameters.keys():
        return True
    return any(
        r.sensitive_properties & r.properties.keys() or r.sensitive_attributes & r.attributes.keys()
        for r in state.resources.values()
    )
