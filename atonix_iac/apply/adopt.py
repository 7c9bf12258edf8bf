"""``atonix import``: adopt an object that already exists into state, by reading it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from atonix_iac.apply.audit import audited, record_event
from atonix_iac.apply.secrets import secret_attributes
from atonix_iac.errors import (
    AtonixError,
    ProviderConfigError,
    ProviderError,
    StateError,
    UsageError,
    suggest,
)
from atonix_iac.planner import build_graph, resolve_properties
from atonix_iac.planner.protocols import BoundParams
from atonix_iac.providers.base import ResourceIdentity, ResourceType
from atonix_iac.state.model import ResourceState, ResourceStatus, StackKey
from atonix_iac.state.store import StateStore
from atonix_iac.template.model import Template


def import_resource(
    template: Template,
    params: BoundParams,
    store: StateStore,
    implementation_of: ResourceType | None,
    key: StackKey,
    address: str,
    physical_id: str,
    identity_base: ResourceIdentity,
) -> ResourceState:
    """Read ``physical_id`` with ``address``'s type and record it in state as ``address``.

    The caller holds the stack lock. Refuses an address the template does not declare, one
    already in state, a type that cannot read, and an id the cloud does not know.
    """
    spec = template.resources.get(address)
    if spec is None:
        raise UsageError(
            f"`{address}` is not a resource of {template.source}"
            + (f" ({hint})" if (hint := suggest(address, template.resources)) else "")
        )
    state = store.load(key)
    if address in state.resources:
        raise StateError(
            f"`{address}` is already in state (id {state.resources[address].physical_id});"
            " `atonix state rm` it first to import another object"
        )
    impl = implementation_of
    if impl is None:
        raise ProviderConfigError(f"no provider implements type {spec.type}", address=address)
    known = {r.address: r for r in state.resources.values() if r.deposed is None}
    try:
        properties, secret = resolve_properties(template, address, params, known)
    except AtonixError:
        properties, secret = {}, frozenset()  # its dependencies are not in state yet
    identity = replace(identity_base, address=address)
    try:
        with audited(store, key, address, spec.type, "read", physical_id):
            result = impl.read(identity, physical_id, properties)
    except NotImplementedError as err:
        raise UsageError(f"type {spec.type} cannot be imported: it cannot read objects") from err
    if result is None:
        raise ProviderError(f"no {spec.type} with id {physical_id} exists", address=address)
    if result.properties is not None:
        properties = {**properties, **result.properties}
    schema = impl.schema
    resource = ResourceState(
        address=address,
        type=spec.type,
        physical_id=result.physical_id or physical_id,
        status=ResourceStatus.READY,
        properties={
            k: v for k, v in properties.items() if k in schema.properties or not schema.properties
        },
        attributes=dict(result.attributes),
        sensitive_properties=frozenset(secret)
        | frozenset(n for n, p in schema.properties.items() if p.sensitive),
        sensitive_attributes=secret_attributes(
            result.attributes,
            properties,
            secret,
            (n for n, a in schema.attributes.items() if a.sensitive),
        ),
        dependencies=tuple(sorted(build_graph(template, params.values).dependencies(address))),
        deletion_policy=spec.deletion_policy.value,
        create_before_destroy=spec.lifecycle.create_before_destroy,
        updated_at=datetime.now(UTC),
    )
    store.put_resource(key, resource)
    record_event(
        store,
        key,
        "import",
        address=address,
        type_name=spec.type,
        physical_id=resource.physical_id,
        message=f"adopted {physical_id} into state",
    )
    return resource
