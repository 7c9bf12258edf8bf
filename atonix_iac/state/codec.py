"""Between the state model and database rows: split secrets out on the way in, back on load."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.engine import Row

from atonix_iac.errors import StateError
from atonix_iac.state.model import AuditRecord, ResourceState, ResourceStatus, StackKey
from atonix_iac.state.schema import AuditRow, ResourceRow, StackRow, utcnow
from atonix_iac.state.secrets import SecretBox
from atonix_iac.state.sensitivity import secret_attribute_names


def resource_key(address: str, deposed: str | None) -> str:
    """The key of a resource in ``State.resources``: ``addr`` or ``addr#deposed``."""
    return f"{address}#{deposed}" if deposed else address


def split_secrets(
    values: Mapping[str, Any], names: Iterable[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(plain values with a null placeholder per secret name, the secret values)."""
    secret_names = set(names)
    plain: dict[str, Any] = {}
    secret: dict[str, Any] = {}
    for name, value in values.items():
        if name in secret_names:
            plain[name] = None
            secret[name] = value
        else:
            plain[name] = value
    return plain, secret


def merge_secrets(plain: Mapping[str, Any], secret: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(plain)
    merged.update(secret)
    return merged


def seal_parts(box: SecretBox, parts: dict[str, dict[str, Any]], what: str) -> str | None:
    """A token for the non-empty secret parts, or None when there is nothing secret."""
    if not any(parts.values()):
        return None
    try:
        return box.seal(parts)
    except (TypeError, ValueError) as exc:
        raise StateError(f"a secret value of {what} cannot be stored as JSON: {exc}") from None


def open_parts(box: SecretBox, token: str | None, what: str) -> dict[str, dict[str, Any]]:
    if token is None:
        return {}
    parts = box.open(token, what)
    if not isinstance(parts, dict):
        raise StateError(f"the secrets of {what} are corrupt")
    return parts


def sealed_attribute_names(resource: ResourceState) -> frozenset[str]:
    """The attributes to seal: those marked sensitive, and any derived from a secret property
    (whoever built ``resource`` may not have looked: the store does)."""
    if not resource.sensitive_properties:
        return resource.sensitive_attributes
    return secret_attribute_names(
        resource.attributes,
        resource.properties,
        resource.sensitive_properties,
        resource.sensitive_attributes,
    )


def resource_values(
    box: SecretBox, key: StackKey, stack_id: int, resource: ResourceState
) -> dict[str, Any]:
    """Column values for one resource row, secrets sealed."""
    sealed_attributes = sealed_attribute_names(resource)
    properties, secret_properties = split_secrets(
        resource.properties, resource.sensitive_properties
    )
    attributes, secret_attributes = split_secrets(resource.attributes, sealed_attributes)
    what = f"{key}:{resource_key(resource.address, resource.deposed)}"
    return {
        "stack_id": stack_id,
        "address": resource.address,
        "deposed": resource.deposed or "",
        "type": resource.type,
        "physical_id": resource.physical_id,
        "status": ResourceStatus(resource.status).value,
        "properties": properties,
        "attributes": attributes,
        "sensitive_properties": sorted(resource.sensitive_properties),
        "sensitive_attributes": sorted(sealed_attributes),
        "secrets": seal_parts(
            box, {"properties": secret_properties, "attributes": secret_attributes}, what
        ),
        "dependencies": list(resource.dependencies),
        "deletion_policy": resource.deletion_policy,
        "create_before_destroy": resource.create_before_destroy,
        "prevent_destroy": resource.prevent_destroy,
        "updated_at": resource.updated_at or utcnow(),
        "create_token": resource.create_token,
        "external": resource.external,
    }


def resource_from_row(box: SecretBox, key: StackKey, row: ResourceRow | Row[Any]) -> ResourceState:
    deposed = row.deposed or None
    properties, attributes = row.properties, row.attributes
    sensitive_attributes = frozenset(row.sensitive_attributes)
    if row.secrets is not None:  # most rows hold none: skip naming and merging then
        secrets = open_parts(box, row.secrets, f"{key}:{resource_key(row.address, deposed)}")
        properties = merge_secrets(properties, secrets.get("properties", {}))
        attributes = merge_secrets(attributes, secrets.get("attributes", {}))
        if row.sensitive_properties:
            # A row written before the rule knew encodings may hold a derived secret in the
            # clear: it is masked from now on, and sealed by refresh or the next write.
            sensitive_attributes = secret_attribute_names(
                attributes, properties, row.sensitive_properties, sensitive_attributes
            )
    return ResourceState(
        address=row.address,
        type=row.type,
        physical_id=row.physical_id,
        status=ResourceStatus(row.status),
        properties=properties,
        attributes=attributes,
        sensitive_properties=frozenset(row.sensitive_properties),
        sensitive_attributes=sensitive_attributes,
        dependencies=tuple(row.dependencies),
        deletion_policy=row.deletion_policy,
        create_before_destroy=row.create_before_destroy,
        prevent_destroy=row.prevent_destroy,
        deposed=deposed,
        updated_at=row.updated_at,
        create_token=row.create_token,
        external=bool(row.external),
    )


def stack_secrets(box: SecretBox, key: StackKey, row: StackRow) -> dict[str, dict[str, Any]]:
    return open_parts(box, row.secrets, f"{key} (outputs and parameters)")


def audit_values(record: AuditRecord) -> dict[str, Any]:
    """Column values for one audit row."""
    return {
        "workspace": record.key.workspace,
        "environment": record.key.environment,
        "stack": record.key.stack,
        "address": record.address,
        "type": record.type,
        "physical_id": record.physical_id,
        "action": record.action,
        "result": record.result,
        "who": record.who,
        "started_at": record.started_at,
        "duration_s": record.duration_s,
        "message": record.message,
        "project": record.project,
    }


def audit_record(row: AuditRow) -> AuditRecord:
    return AuditRecord(
        key=StackKey(row.workspace, row.environment, row.stack),
        address=row.address,
        type=row.type,
        physical_id=row.physical_id,
        action=row.action,
        result=row.result,
        who=row.who,
        started_at=row.started_at,
        duration_s=row.duration_s,
        message=row.message,
        project=row.project,
    )
