"""What every OpenStack resource type shares: the session, the schema, plan-time checks.

Schemas come from the Heat catalog so property names and update_allowed flags stay Heat's.
``check`` walks the schema for Heat's custom constraints (``nova.flavor``, ``glance.image``,
``neutron.network`` ...) at any depth and looks each literal value up in the cloud; values not
yet known (functions of resources still to be created) are not strings and are skipped.
"""

from __future__ import annotations

import functools
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar

from openstack import exceptions as os_exceptions
from openstack import fields as os_fields
from openstack import resource as os_resource

from atonix_iac.errors import Diagnostic, ProviderError, ResourceFailedError
from atonix_iac.providers.base import (
    PropertySchema,
    ResourceIdentity,
    ResourceResult,
    ResourceSchema,
    ResourceType,
)
from atonix_iac.providers.catalog import heat_schema
from atonix_iac.providers.openstack import _lookup
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack._sdk_json import ProxyFacts
from atonix_iac.providers.openstack._watch import ListIds, ReadLeft, StatusWatch
from atonix_iac.providers.openstack.connect import CloudTarget, ConnectionPool

DEFAULT_TIMEOUT_S = 600.0
# Keys of an object's representation that may hold secrets; never copied into attributes.
SECRET_FIELDS = frozenset({"admin_password", "adminPass", "private_key", "auth_token"})


class CloudSession:
    """Connections plus caches shared by all resource types of one provider."""

    def __init__(self, target: CloudTarget, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.target = target
        self.timeout_s = timeout_s
        self.pool = ConnectionPool(target)
        self._cache: dict[tuple[str, str], Any] = {}
        self._loading: dict[tuple[str, str], threading.Lock] = {}
        self._watches: dict[str, StatusWatch] = {}
        self._lock = threading.Lock()
        self.facts = ProxyFacts()

    @property
    def conn(self) -> Any:
        return self.pool.get()

    def cached(self, kind: str, key: str, load: Callable[[], Any]) -> Any:
        """Memoise read-only catalogue lookups (flavors, images); misses are not kept.

        One thread loads a key while the others asking for it wait (fifty servers starting
        together would otherwise send fifty identical lookups).
        """
        with self._lock:
            if (kind, key) in self._cache:
                return self._cache[(kind, key)]
            loading = self._loading.setdefault((kind, key), threading.Lock())
        with loading:
            with self._lock:
                if (kind, key) in self._cache:
                    return self._cache[(kind, key)]
            value = load()
            with self._lock:
                if value is not None:
                    self._cache[(kind, key)] = value
                self._loading.pop((kind, key), None)
        return value

    def watch(self, kind: str, list_ids: ListIds, read_left: ReadLeft | None = None) -> StatusWatch:
        """The provider's one ``StatusWatch`` for ``kind``, made with ``list_ids`` (and
        ``read_left``) on first use."""
        with self._lock:
            found = self._watches.get(kind)
            if found is None:
                found = self._watches[kind] = StatusWatch(list_ids, read_left)
            return found

    def close(self) -> None:
        self.pool.close()


def _looks_like_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text.lower() and len(text) == 36
    except ValueError:
        return False


def schema_for(type_name: str) -> ResourceSchema:
    schema = heat_schema(type_name)
    if schema is None:  # pragma: no cover - the catalog ships every Heat type
        raise ProviderError(f"no Heat schema for {type_name}")
    return schema


def default_name(identity: ResourceIdentity) -> str:
    """Heat-like physical name when the template gives none: ``<stack>-<address>``."""
    return f"{identity.stack}-{identity.address}".replace(".", "-")[:255]


@functools.cache
def _computed_names(resource_class: type) -> frozenset[str]:
    """Names of an SDK resource class's client-side (``Computed``) fields."""
    return frozenset(
        name
        for klass in resource_class.__mro__
        for name, value in vars(klass).items()
        if isinstance(value, os_fields.Computed)
    )


def show(obj: Any) -> dict[str, Any]:
    """The object's full representation for the ``show`` attribute, secrets removed.

    An SDK resource is a dict of its ``to_dict()``, refreshed by the SDK whenever it reads a
    response: copying that (less the computed fields) gives ``to_dict(computed=False)``
    without converting every field again, which costs more than the request did.
    """
    if isinstance(obj, os_resource.Resource):
        skip = _computed_names(type(obj)) | SECRET_FIELDS
    else:
        skip = SECRET_FIELDS | {"location"}
    return {k: v for k, v in dict(obj).items() if k not in skip}


def report(
    given: Mapping[str, Any], live: Mapping[str, Any], same: Callable[[str, Any, Any], bool]
) -> dict[str, Any]:
    """Properties as the cloud reports them, for drift.

    Only properties the template set are reported. Where the live value means the same as the
    given one (a name for an id, defaults filled in), the given value is reported unchanged so
    the planner sees no drift; otherwise the live value is.
    """
    out: dict[str, Any] = {}
    for name, value in live.items():
        if given.get(name) is None:
            continue
        out[name] = given[name] if same(name, given[name], value) else value
    return out


def _constrained(
    props: Mapping[str, PropertySchema], values: Mapping[str, Any], path: str
) -> Iterator[tuple[str, str, str]]:
    for name, value in values.items():
        prop = props.get(name)
        if prop is None or value is None:
            continue
        where = f"{path}.{name}" if path else name
        for constraint in prop.constraints:
            custom = constraint.get("custom_constraint")
            if custom in _lookup.CONSTRAINTS and isinstance(value, str) and value:
                yield where, str(custom), value
        if isinstance(value, Mapping) and prop.schema:
            yield from _constrained(prop.schema, value, where)
        if isinstance(value, list) and prop.item_schema is not None:
            item = prop.item_schema
            for i, element in enumerate(value):
                if isinstance(element, Mapping) and item.schema:
                    yield from _constrained(item.schema, element, f"{where}[{i}]")


class OpenStackResource(ResourceType):
    """Base of every type here; subclasses set ``type_name`` and the lifecycle methods."""

    type_name: ClassVar[str]
    # Top-level list-of-names properties Heat leaves unconstrained but we check anyway.
    list_constraints: ClassVar[Mapping[str, str]] = {}
    # Map members Heat's dump leaves unconstrained: "external_gateway_info.network" -> ...
    map_constraints: ClassVar[Mapping[str, str]] = {}

    recoverable: ClassVar[bool] = True

    def __init__(self, session: CloudSession) -> None:
        self.session = session
        self.schema = schema_for(self.type_name)

    def create(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> ResourceResult:
        started = self.start_create(identity, properties)
        return self.finish_create(identity, started, properties)

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        """For types whose create answer is the finished object (nothing to wait for): that
        answer, or, when it was lost (an adopted object), the object read again."""
        if started.attributes:
            return started
        found = self.read(identity, started.physical_id, properties)
        if found is None:
            raise ResourceFailedError(f"{self.type_name} {started.physical_id} is gone")
        return ResourceResult(started.physical_id, found.attributes)

    @property
    def conn(self) -> Any:
        return self.session.conn

    @property
    def timeout_s(self) -> float:
        return self.session.timeout_s

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        found: list[tuple[str, str, Any]] = list(
            _constrained(self.schema.properties, properties, "")
        )
        for name, constraint in self.list_constraints.items():
            value = properties.get(name)
            if isinstance(value, list):
                found += [(f"{name}[{i}]", constraint, v) for i, v in enumerate(value)]
        for path, constraint in self.map_constraints.items():
            member: Any = properties
            for part in path.split("."):
                member = member.get(part) if isinstance(member, Mapping) else None
            found.append((path, constraint, member))
        diagnostics: list[Diagnostic] = []
        for _path, constraint, value in found:
            if not isinstance(value, str) or not value:
                continue
            finder = _lookup.CONSTRAINTS[constraint][0]
            hit = self.session.cached(
                "check:" + constraint, value, functools.partial(finder, self.conn, value)
            )
            if hit is None:
                text, hint = _lookup.not_found(self.conn, constraint, value)
                diagnostics.append(Diagnostic(text, hint=hint))
        return diagnostics

    # Helpers for subclasses -------------------------------------------------------------

    def flavor_id(self, name_or_id: str) -> str:
        found = self.session.cached(
            "flavor",
            name_or_id,
            lambda: _lookup.flavor(self.conn, name_or_id),
        )
        if found is None:
            raise ProviderError(_lookup.not_found_message(self.conn, "nova.flavor", name_or_id))
        return str(found.id)

    def image_id(self, name_or_id: str) -> str:
        found = self.session.cached(
            "image", name_or_id, lambda: _lookup.image(self.conn, name_or_id)
        )
        if found is None:
            raise ProviderError(_lookup.not_found_message(self.conn, "glance.image", name_or_id))
        return str(found.id)

    def resolve(self, constraint: str, name_or_id: str) -> str:
        """The id of a named object (network, subnet, security group, ...).

        A UUID is taken as the id without a lookup (the next call fails clearly if it names
        nothing): most references are ``get_resource`` ids, and a GET each adds up.
        """
        if _looks_like_uuid(name_or_id):
            return name_or_id
        return str(_lookup.require(self.conn, constraint, name_or_id).id)

    def fetch(self, getter: Callable[[str], Any], physical_id: str, what: str) -> Any:
        """``getter(physical_id)``, or None if the cloud says it is gone."""
        with sdk_errors(f"reading {what} {physical_id}"):
            try:
                return getter(physical_id)
            except os_exceptions.NotFoundException:
                return None

    def gone_ok(self, action: Callable[[], Any], what: str) -> bool:
        """Run a delete call; False if the object was already gone (404 is success)."""
        with sdk_errors(f"deleting {what}"):
            try:
                action()
            except os_exceptions.NotFoundException:
                return False
        return True


class ReplacedOnChange(OpenStackResource):
    """A type Heat gives no handle_update: the planner replaces it on any property change, so
    ``update`` is never called; reaching it is an engine bug, reported plainly."""

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:  # pragma: no cover - the planner always replaces these
        raise ProviderError(f"{self.type_name} {physical_id} cannot be updated in place")
