"""Resolve what an interrupted run left pending, before anything is planned.

A run killed (or failed with the cloud unreachable) between writing an intent and recording
the finished object leaves a ``pending_create`` row. Each is settled here, under the stack
lock, before refresh and planning:

- with a physical id (the create call had returned): the object is read; gone → the row is
  dropped; there → it is finished (tagged, waited for) and adopted, or kept as tainted, to be
  replaced, if it ended in ERROR or never became ready;
- without one: the provider looks for the object by the intent's token (or, for objects that
  carry nothing, by their natural key); found → adopted as above; not found → dropped, and the
  plan creates it again.

Types that create in one step (the cloud-free Heat types) have nothing to find: an intent
without an id is dropped, one with an id is left for the planner to replace.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

from atonix_iac.apply.audit import audited
from atonix_iac.apply.retry import RetryPolicy, retrying
from atonix_iac.apply.secrets import secret_attributes
from atonix_iac.errors import ProviderTimeoutError, ResourceFailedError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult, ResourceType
from atonix_iac.state.model import ResourceState, ResourceStatus, StackKey
from atonix_iac.state.store import StateStore

MAX_PARALLEL = 10


class ImplementationSource(Protocol):
    def implementation(self, type_name: str) -> ResourceType | None: ...


class Outcome(StrEnum):
    ADOPTED = "adopted"  # found and ready: state now records it
    TAINTED = "tainted"  # found, but failed or never became ready: replaced by the plan
    DROPPED = "dropped"  # no object was made (or it is gone): the plan creates it
    LEFT = "left"  # a one-step type's interrupted create: the planner replaces it


@dataclass(frozen=True, slots=True)
class Recovery:
    """How one intent an interrupted run left pending was settled, said on stderr so the
    user sees what was adopted, tainted or dropped before the plan."""

    address: str
    outcome: Outcome
    physical_id: str | None = None
    reason: str | None = None

    def describe(self) -> str:
        ident = f" {self.physical_id}" if self.physical_id else ""
        if self.outcome is Outcome.ADOPTED:
            return f"{self.address}: adopted{ident}, created by a run that did not finish"
        if self.outcome is Outcome.TAINTED:
            return (
                f"{self.address}: object{ident} from a run that did not finish is not ready"
                f" ({self.reason}); it will be replaced"
            )
        if self.outcome is Outcome.DROPPED:
            why = self.reason or "an unfinished run's create made no object"
            return f"{self.address}: {why}; it will be created"
        return f"{self.address}: unfinished create of{ident}; it will be replaced"


def recover_intents(
    store: StateStore,
    key: StackKey,
    registry: ImplementationSource,
    identity_base: ResourceIdentity,
    *,
    policy: RetryPolicy | None = None,
    audit_project: str | None = None,
    resources: Iterable[ResourceState] | None = None,
) -> list[Recovery]:
    """Settle every pending intent of ``key`` (the caller holds the stack lock); each result
    is committed as soon as it is known. Returns what was done, by address. ``resources``:
    the stack's resources when the caller has just loaded them (else they are read)."""
    resources = list(store.iter_resources(key) if resources is None else resources)
    pending = [r for r in resources if r.status is ResourceStatus.PENDING_CREATE]
    if not pending:
        return []
    claimed = frozenset((r.type, r.physical_id) for r in resources if r.physical_id)
    settle = _Settler(store, key, registry, identity_base, policy or RetryPolicy.from_env())
    settle.claimed = claimed
    settle.audit_project = audit_project
    from concurrent.futures import ThreadPoolExecutor  # ~4 ms with logging: only when reading

    with ThreadPoolExecutor(
        max_workers=min(MAX_PARALLEL, len(pending)), thread_name_prefix="atonix-recover"
    ) as pool:
        return list(pool.map(settle, pending))


class _Settler:
    def __init__(
        self,
        store: StateStore,
        key: StackKey,
        registry: ImplementationSource,
        identity_base: ResourceIdentity,
        policy: RetryPolicy,
    ) -> None:
        self.store = store
        self.key = key
        self.registry = registry
        self.identity_base = identity_base
        self.policy = policy
        # (type, physical id) of what state records: never adopted by another address. Per
        # type, as a volume attachment's id is its volume's (as in Nova).
        self.claimed: frozenset[tuple[str, str]] = frozenset()
        self.audit_project: str | None = None

    def __call__(self, intent: ResourceState) -> Recovery:
        impl = self.registry.implementation(intent.type)
        if impl is None or not impl.recoverable:
            if intent.physical_id:
                return Recovery(intent.address, Outcome.LEFT, intent.physical_id)
            return self.drop(intent, None)
        identity = replace(
            self.identity_base, address=intent.address, token=intent.create_token or ""
        )
        physical_id = intent.physical_id or self.find(impl, identity, intent)
        if physical_id is None:
            return self.drop(intent, None)
        with audited(
            self.store,
            self.key,
            intent.address,
            intent.type,
            "adopt",
            physical_id,
            project=self.audit_project,
        ):
            found = retrying(
                self.policy, lambda: impl.read(identity, physical_id, intent.properties)
            )
            if found is None:
                return self.drop(intent, f"the object {physical_id} it made is gone")
            started = ResourceResult(physical_id, dict(intent.attributes))
            try:
                result = retrying(
                    self.policy,
                    lambda: impl.finish_create(identity, started, intent.properties),
                )
            except (ResourceFailedError, ProviderTimeoutError) as err:
                self.store.put_resource(
                    self.key,
                    replace(
                        intent,
                        physical_id=physical_id,
                        status=ResourceStatus.TAINTED,
                        updated_at=datetime.now(UTC),
                    ),
                )
                return Recovery(intent.address, Outcome.TAINTED, physical_id, err.message)
        self.store.put_resource(
            self.key,
            replace(
                intent,
                physical_id=result.physical_id or physical_id,
                status=ResourceStatus.READY,
                attributes=dict(result.attributes),
                sensitive_attributes=secret_attributes(
                    result.attributes,
                    intent.properties,
                    intent.sensitive_properties,
                    intent.sensitive_attributes,
                ),
                updated_at=datetime.now(UTC),
            ),
        )
        return Recovery(intent.address, Outcome.ADOPTED, result.physical_id or physical_id)

    def find(
        self, impl: ResourceType, identity: ResourceIdentity, intent: ResourceState
    ) -> str | None:
        return retrying(
            self.policy,
            lambda: impl.find_created(
                identity,
                intent.properties,
                intent.updated_at,
                frozenset(pid for kind, pid in self.claimed if kind == intent.type),
            ),
        )

    def drop(self, intent: ResourceState, reason: str | None) -> Recovery:
        self.store.remove_resource(self.key, intent.address, intent.deposed)
        return Recovery(intent.address, Outcome.DROPPED, intent.physical_id, reason)
