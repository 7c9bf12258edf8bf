"""Read every resource from the cloud (refresh), and persist what was read.

Reading is not mutating, but it is a provider call like the others, so it lives here with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Protocol

from atonix_iac.apply.parallelism import DEFAULT_PARALLELISM
from atonix_iac.apply.retry import RetryPolicy, retrying
from atonix_iac.apply.secrets import secret_attributes
from atonix_iac.providers.base import ResourceIdentity, ResourceResult, ResourceType
from atonix_iac.state.model import ResourceState, StackKey, State
from atonix_iac.state.store import StateStore


class ImplementationSource(Protocol):
    def implementation(self, type_name: str) -> ResourceType | None: ...


def state_key_of(resource: ResourceState) -> str:
    """How state keys objects: ``address``, or ``address#deposed-N`` for deposed ones."""
    return f"{resource.address}#{resource.deposed}" if resource.deposed else resource.address


def refresh_state(
    state: State,
    registry: ImplementationSource,
    identity_base: ResourceIdentity,
    parallelism: int = DEFAULT_PARALLELISM,
) -> dict[str, ResourceResult | None]:
    """What the cloud says about each resource with a physical id, by state key; None means the
    object is gone. Resources of types no provider implements are left out. Attributes the
    read does not report keep the values state knows."""
    readable: list[tuple[str, ResourceState, ResourceType]] = []
    for key, resource in sorted(state.resources.items()):
        impl = registry.implementation(resource.type) if resource.physical_id else None
        if impl is not None:
            readable.append((key, resource, impl))

    policy = RetryPolicy.from_env()

    def read(item: tuple[str, ResourceState, ResourceType]) -> ResourceResult | None:
        _, resource, impl = item
        identity = replace(identity_base, address=resource.address)
        physical_id = resource.physical_id or ""
        if impl.read_is_local:
            result = impl.read(identity, physical_id, resource.properties)
        else:  # a transient fault is asked again, not reported as drift or failure
            result = retrying(policy, lambda: impl.read(identity, physical_id, resource.properties))
        if result is not None:
            # What a read cannot report (a generated secret) keeps its known value.
            result.attributes = {**resource.attributes, **result.attributes}
        return result

    # Types that read without I/O are read inline: a thread-pool task per resource would cost
    # more than the read itself (a 10,000-resource cloud-free stack: ~0.4 s of hand-offs).
    local = [item for item in readable if item[2].read_is_local]
    remote = [item for item in readable if not item[2].read_is_local]
    found = {item[0]: read(item) for item in local}
    if remote:
        from concurrent.futures import ThreadPoolExecutor  # ~4 ms with logging: only when reading

        with ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="atonix-read") as pool:
            results = list(pool.map(read, remote))
        found.update((key, result) for (key, _, _), result in zip(remote, results, strict=True))
    return {key: found[key] for key, _, _ in readable}


def refreshed_resource(resource: ResourceState, result: ResourceResult) -> ResourceState:
    """``resource`` with what the cloud reported: attributes, and the values of the properties
    atonix manages (properties the cloud adds on its own are not adopted)."""
    properties = dict(resource.properties)
    if result.properties is not None:
        for name in properties:
            if name in result.properties and name not in resource.sensitive_properties:
                properties[name] = result.properties[name]
    attributes = {**resource.attributes, **result.attributes}
    return replace(
        resource,
        physical_id=result.physical_id or resource.physical_id,
        attributes=attributes,
        properties=properties,
        sensitive_attributes=secret_attributes(
            attributes, properties, resource.sensitive_properties, resource.sensitive_attributes
        ),
        updated_at=datetime.now(UTC),
    )


def persist_refresh(
    store: StateStore,
    key: StackKey,
    state: State,
    results: Mapping[str, ResourceResult | None],
) -> tuple[list[str], list[str]]:
    """Write what refresh found: (updated addresses, addresses forgotten because gone)."""
    updated: list[str] = []
    gone: list[str] = []
    for state_key, result in results.items():
        resource = state.resources[state_key]
        if result is None:
            store.remove_resource(key, resource.address, resource.deposed)
            gone.append(state_key)
            continue
        fresh = refreshed_resource(resource, result)
        if fresh.attributes != resource.attributes or fresh.properties != resource.properties:
            store.put_resource(key, fresh)
            updated.append(state_key)
    return updated, gone
