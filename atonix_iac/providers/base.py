"""What a resource type is: a schema (Heat's facts) plus lifecycle methods.

The planner reads only schemas; apply is the only caller of the lifecycle methods. Property
values handed to lifecycle methods are fully resolved plain data (no Expr, no UNKNOWN, secrets
unwrapped). ``delete`` must be idempotent: a resource that is already gone is a success.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from atonix_iac.errors import Diagnostic

if TYPE_CHECKING:
    from atonix_iac.providers.signals import SignalChannel

# Heat's software config store, as providers see it: the record (id, name, group, config,
# options, inputs, outputs) of the config with this id, or None when there is none.
SoftwareConfigLookup = Callable[[str], Mapping[str, Any] | None]


@dataclass(frozen=True, slots=True)
class PropertySchema:
    """One property, as Heat's ``properties_schema`` describes it.

    type is Heat's: String, Integer, Number, Boolean, List, Map, Json.
    """

    name: str
    type: str = "String"
    required: bool = False
    update_allowed: bool = False
    immutable: bool = False
    default: Any = None
    has_default: bool = False
    sensitive: bool = False
    constraints: tuple[Mapping[str, Any], ...] = ()
    # Nested schema of a Map's keys, or of a List's items (key "*").
    schema: Mapping[str, PropertySchema] = field(default_factory=dict)
    item_schema: PropertySchema | None = None
    # Heat's support status: SUPPORTED, DEPRECATED, HIDDEN (still accepted), UNSUPPORTED.
    support_status: str = "SUPPORTED"


@dataclass(frozen=True, slots=True)
class AttributeSchema:
    """One attribute a resource type exposes to ``get_attr``."""

    name: str
    type: str | None = None
    sensitive: bool = False
    support_status: str = "SUPPORTED"


@dataclass(frozen=True, slots=True)
class ResourceSchema:
    """A resource type's properties and attributes, as validation and planning read them."""

    type_name: str
    properties: Mapping[str, PropertySchema]
    attributes: Mapping[str, AttributeSchema]
    # Heat replaces a resource whose plugin has no handle_update on any property change.
    has_handle_update: bool = True
    # A type that accepts any property (OS::Heat::None).
    open_properties: bool = False
    # A type whose every attribute name resolves (to None) (OS::Heat::None stubs any type).
    open_attributes: bool = False
    # Attributes that exist before apply? False: every attribute is "known after apply".
    support_status: str = "SUPPORTED"
    # Replaced whenever the plan changes anything else in the stack (Heat's
    # UpdateWaitConditionHandle, whose _needs_update always raises UpdateReplace).
    replaced_on_stack_update: bool = False

    def updatable(self, prop: str) -> bool:
        p = self.properties.get(prop)
        if self.open_properties and p is None:
            return True
        return bool(self.has_handle_update and p is not None and p.update_allowed)


@dataclass(frozen=True, slots=True)
class ResourceIdentity:
    """Who a resource belongs to; providers tag cloud objects with it so they can be found.

    ``token`` is set only while creating: the unique create token state recorded in the
    intent before the create call, sent with the object (tag, metadata) so that an object
    whose create outlived its run can be found again and adopted rather than duplicated.

    ``signals``: the run's signal channel, for the types that set ``uses_signals``.

    ``software_configs`` finds a software config by id (a server's SOFTWARE_CONFIG user_data,
    a deployment's config, a MultipartMime part), as Heat's engine finds it in its database;
    None where no store is at hand (the value is then used as given, as Heat does on NotFound).
    """

    workspace: str
    environment: str
    stack: str
    address: str
    token: str = ""
    signals: SignalChannel | None = field(default=None, compare=False, repr=False)
    software_configs: SoftwareConfigLookup | None = field(default=None, compare=False, repr=False)


@dataclass(slots=True)
class ResourceResult:
    """What a lifecycle method returns: the physical id and the attributes now known."""

    physical_id: str
    attributes: dict[str, Any] = field(default_factory=dict)
    # Properties as the cloud reports them (read/refresh); None = not reported.
    properties: dict[str, Any] | None = None
    # start_create's answer as the SDK gave it, so finish_create need not read it again.
    raw: Any = None


class ResourceType(ABC):
    """One resource type's behaviour. Instances are stateless and thread-safe."""

    schema: ResourceSchema
    # True when ``read`` answers from the properties alone (no network, no waiting), as the
    # cloud-free Heat types do: refresh then calls it inline rather than on a worker thread.
    read_is_local: ClassVar[bool] = False
    # True when create, update and delete are instant and in-process (no network, no waiting,
    # no signals), as for OS::Heat::Value: apply then runs them on its walking thread, those
    # ready together committed in one state transaction, instead of one worker hand-off each.
    runs_inline: ClassVar[bool] = False
    # True when create/update needs ``identity.signals`` (wait condition handles and waits):
    # apply then opens a signal channel for the run.
    uses_signals: ClassVar[bool] = False

    @abstractmethod
    def create(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> ResourceResult:
        """Create and wait until ready; raise ProviderError subclasses on failure."""

    # Crash-safe creation, for types whose objects live in a cloud. ``create`` is then
    # ``finish_create(start_create(...))``, and apply calls the two halves itself so that the
    # physical id goes to state as soon as the cloud has assigned it (with the next commit).
    recoverable: ClassVar[bool] = False

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        """Send the create (carrying ``identity.token``) and return at once with the physical
        id and whatever the answer alone tells (a generated private key). No waiting."""
        raise NotImplementedError(f"{self.schema.type_name} creates in one step")

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        """Complete a started create: tag, wait until ready, read the attributes. Safe to
        call again (after a fault, or on an object adopted from an interrupted run); raises
        ResourceFailedError if the object ended in ERROR."""
        raise NotImplementedError(f"{self.schema.type_name} creates in one step")

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        """The physical id of the object a create with ``identity.token`` made, found by the
        token or, for objects that carry nothing, by their natural key; None if there is none.
        ``since``: when the intent was written (objects older than that are not ours);
        ``claimed``: physical ids state already records, never to be adopted twice."""
        return None

    @abstractmethod
    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        """The real object now, for refresh and drift; None if it no longer exists."""

    @abstractmethod
    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        """Change in place the top-level properties in ``changed``."""

    @abstractmethod
    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        """Delete and wait until gone; already gone is success."""

    def suspend(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        """Heat's ``handle_suspend`` and ``check_suspend_complete``: suspend and wait until
        suspended; already suspended is success. Most types have nothing to suspend."""
        return None

    def resume(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        """Heat's ``handle_resume`` and ``check_resume_complete``; already running is
        success."""
        return None

    def replace_reason(
        self, old: Mapping[str, Any], new: Mapping[str, Any], changed: frozenset[str]
    ) -> str | None:
        """Extra replace rules beyond update_allowed (Heat's needs_replace_with_prop_diff),
        e.g. a server's flavor_update_policy: REPLACE. None = no extra reason."""
        return None

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        """Plan-time checks that need the cloud (custom constraints: nova.flavor, ...).
        Properties may hold UNKNOWN for values known after apply; skip those."""
        return []


class Provider(ABC):
    """A family of resource types sharing a configuration (e.g. one cloud connection)."""

    name: str

    @abstractmethod
    def resource_types(self) -> Mapping[str, ResourceType]:
        """Type name -> implementation."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
