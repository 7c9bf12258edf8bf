"""Adopting objects through ``external_id``: read them, at plan time and at apply.

A READ step is a provider ``read`` of the external id, recorded in state as an external
resource (never updated, never deleted: see ``planner/external.py``). A missing object is a
located error, as Heat's "Invalid external resource ... can not be found".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Protocol

from atonix_iac.apply.audit import AuditSink, audited
from atonix_iac.apply.events import EventKind, Operation
from atonix_iac.apply.parallelism import DEFAULT_PARALLELISM
from atonix_iac.apply.retry import RetryPolicy, retrying
from atonix_iac.apply.secrets import secret_attributes
from atonix_iac.errors import AtonixError, ProviderError
from atonix_iac.planner.evaluation import PlanContext
from atonix_iac.planner.external import EXTERNAL_ID, external_ids, external_location
from atonix_iac.planner.plan import ResourceChange
from atonix_iac.planner.protocols import BoundParams
from atonix_iac.providers.base import ResourceIdentity, ResourceResult, ResourceType
from atonix_iac.state.model import ResourceState, ResourceStatus, StackKey, State
from atonix_iac.template.model import ResourceSpec, Template


class ImplementationSource(Protocol):
    def implementation(self, type_name: str) -> ResourceType | None: ...


def read_external_objects(
    template: Template,
    params: BoundParams,
    state: State,
    registry: ImplementationSource,
    identity_base: ResourceIdentity,
    parallelism: int = DEFAULT_PARALLELISM,
) -> dict[str, ResourceResult | None]:
    """What the cloud says about each external id the template adopts and state does not
    hold yet (by address; None = no such object), so that plan can refuse a missing one and
    show the adopted object's attributes. Types no provider implements are left out."""
    ctx = PlanContext(template, params)
    addresses = [
        a for a, s in template.resources.items() if s.external_id is not None and _active(ctx, s)
    ]
    wanted: list[tuple[str, str, ResourceType]] = []
    for address, external_id in external_ids(template.resources, ctx, addresses).items():
        prior = state.resources.get(address)
        if prior is not None and prior.external and prior.physical_id == external_id:
            continue  # refresh reads it
        impl = registry.implementation(template.resources[address].type)
        if impl is not None:
            wanted.append((address, external_id, impl))
    if not wanted:
        return {}
    policy = RetryPolicy.from_env()

    def read(item: tuple[str, str, ResourceType]) -> ResourceResult | None:
        address, external_id, impl = item
        identity = replace(identity_base, address=address)
        return retrying(policy, lambda: impl.read(identity, external_id, {}))

    from concurrent.futures import ThreadPoolExecutor  # ~4 ms with logging: only when reading

    with ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="atonix-read") as pool:
        results = list(pool.map(read, wanted))
    return {address: result for (address, _, _), result in zip(wanted, results, strict=True)}


def _active(ctx: PlanContext, spec: ResourceSpec) -> bool:
    """False for a resource its condition turns off (nothing to read); planning reports a
    condition that cannot be decided."""
    try:
        return ctx.is_active(spec)
    except AtonixError:
        return False


@dataclass(frozen=True, slots=True)
class ReadContext:
    """What a READ step needs of the run executing it."""

    store: AuditSink
    key: StackKey
    spec: ResourceSpec
    impl: ResourceType
    identity: ResourceIdentity
    policy: RetryPolicy
    audit_project: str | None
    emit: Callable[..., None]
    remember: Callable[[ResourceState], None]


def read_external(run: ReadContext, change: ResourceChange) -> None:
    """Read the object ``change`` adopts and record it in state as external."""
    after: Mapping[str, object] = change.after or {}
    external_id = str(after.get(EXTERNAL_ID, ""))
    spec, impl = run.spec, run.impl
    run.emit(EventKind.START, Operation.READ, physical_id=external_id)
    try:
        with audited(
            run.store,
            run.key,
            change.address,
            change.type,
            "read",
            external_id,
            project=run.audit_project,
        ) as call:
            result = retrying(run.policy, lambda: impl.read(run.identity, external_id, {}))
            if result is None:
                raise ProviderError(
                    f"Invalid external resource: Resource {external_id} ({spec.type}) can not"
                    f" be found (external_id of `{spec.name}`)",
                    address=change.address,
                    location=external_location(spec),
                    physical_id=external_id,
                )
    except AtonixError as err:
        run.emit(
            EventKind.FAILED,
            Operation.READ,
            elapsed_s=call.elapsed_s,
            physical_id=external_id,
            message=err.format(),
        )
        raise
    properties = dict(result.properties or {})
    schema = impl.schema
    secret_properties = frozenset(
        n for n in properties if n in schema.properties and schema.properties[n].sensitive
    )
    declared = frozenset(a.name for a in schema.attributes.values() if a.sensitive)
    run.remember(
        ResourceState(
            address=change.address,
            type=change.type,
            physical_id=result.physical_id or external_id,
            status=ResourceStatus.READY,
            properties=properties,
            attributes=dict(result.attributes),
            sensitive_properties=secret_properties,
            sensitive_attributes=secret_attributes(
                result.attributes, properties, secret_properties, declared
            ),
            dependencies=(),
            deletion_policy=spec.deletion_policy.value,
            updated_at=datetime.now(UTC),
            external=True,
        )
    )
    run.emit(
        EventKind.DONE,
        Operation.READ,
        elapsed_s=call.elapsed_s,
        physical_id=result.physical_id or external_id,
    )
