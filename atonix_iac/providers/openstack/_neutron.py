"""The shape all Neutron types share: create then tag, plain PUT updates, delete with 404 as
success. Subclasses say how properties map to the API body.

Tags are never sent in a POST body: real Neutron (29) refuses them with 400 for networks,
subnets, routers and the rest, and for ports accepts and silently drops them (unless the
optional ML2 extension driver ``tag_ports_during_bulk_creation`` is enabled). A PUT
``/{resource}/{id}/tags`` after the create works everywhere."""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, ClassVar

from openstack import fields as os_fields

from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack._base import OpenStackResource, report, show
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack._identity import (
    created_since,
    identity_tagged,
    token_tag,
    user_tags,
    with_identity_tags,
)
from atonix_iac.providers.openstack._sdk_json import create_object, get_object


@functools.cache
def _attribute_of(resource_class: type, body_name: str) -> str:
    """The SDK attribute that holds the body field ``body_name`` (``admin_state_up`` is
    ``is_admin_state_up``, ``enable_dhcp`` is ``is_dhcp_enabled``); the name itself if none."""
    for klass in resource_class.__mro__:
        for attr, value in vars(klass).items():
            if isinstance(value, os_fields.Body) and value.name == body_name:
                return attr
    return body_name


def _show_tags(obj: Any) -> None:
    """After ``set_tags`` succeeded: its dict view (``show``) carries the tags too.

    The SDK's ``set_tags`` sets the object's ``tags`` to the list Neutron accepted (a PUT of
    the whole list, answered with it) but not the dict view it keeps of its fields; reading
    the object again only for that cost a request and ~2.5 ms of client CPU per object.
    What else the tag call changed (``revision_number``, ``updated_at``) the next read shows.
    """
    if isinstance(obj, dict) and dict.__contains__(obj, "tags"):
        dict.__setitem__(obj, "tags", list(getattr(obj, "tags", None) or []))


def body_field(obj: Any, name: str) -> Any:
    """A field of an SDK object by its name in the API body."""
    klass: type = type(obj)
    return getattr(obj, _attribute_of(klass, name), None)


class NeutronResource(OpenStackResource):
    # SDK proxy method suffix: create_<noun>, get_<noun>, update_<noun>, delete_<noun>.
    noun: ClassVar[str]
    # SDK proxy list method: networks, subnets, ports ...
    plural: ClassVar[str]
    # Body fields that identify an object created without its tags (a run killed between
    # the create and the tag call): the list filters of the search by natural key.
    natural_keys: ClassVar[tuple[str, ...]] = ("name",)
    what: ClassVar[str]
    tagged: ClassVar[bool] = True
    # Properties passed straight through under the same name (when set).
    passthrough: ClassVar[tuple[str, ...]] = ()
    # Attributes copied from the object under the same name.
    plain_attributes: ClassVar[tuple[str, ...]] = ()
    # The SDK class ``create_<noun>`` makes, for the cheaper create of ``_sdk_json`` (the
    # types an apply creates by the hundred); None: ``create_<noun>`` itself.
    sdk_class: ClassVar[type | None] = None

    def _call(self, verb: str) -> Any:
        return getattr(self.conn.network, f"{verb}_{self.noun}")

    # Hooks ------------------------------------------------------------------------------

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body = {k: props[k] for k in self.passthrough if props.get(k) is not None}
        body.update(props.get("value_specs") or {})
        return body

    def update_body(
        self, old: Mapping[str, Any], new: Mapping[str, Any], changed: frozenset[str]
    ) -> dict[str, Any]:
        body = {k: new.get(k) for k in self.passthrough if k in changed}
        if "value_specs" in changed:
            body.update(new.get("value_specs") or {})
        return body

    def attributes(self, obj: Any) -> dict[str, Any]:
        attrs = {name: getattr(obj, name, None) for name in self.plain_attributes}
        if "tenant_id" in self.schema.attributes:
            attrs["tenant_id"] = getattr(obj, "project_id", None)
        attrs["show"] = show(obj)
        return attrs

    def live_properties(self, obj: Any) -> dict[str, Any]:
        live = {k: body_field(obj, k) for k in self.passthrough}
        if self.tagged:
            live["tags"] = user_tags(getattr(obj, "tags", None))
        return live

    def same(self, name: str, given: Any, live: Any) -> bool:
        if name == "tags":
            return sorted(given or []) == sorted(live or [])
        return bool(given == live)

    # Lifecycle --------------------------------------------------------------------------

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        body = self.body(identity, properties)
        with sdk_errors(f"creating {self.what}"):
            if self.sdk_class is None:
                obj = self._call("create")(**body)
            else:
                obj = create_object(
                    self.conn.network,
                    self.session.facts,
                    self.sdk_class,
                    body,
                    self._call("create"),
                )
        return ResourceResult(str(obj.id), raw=obj)

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        physical_id = started.physical_id
        tags = with_identity_tags(properties.get("tags"), identity) if self.tagged else None
        with sdk_errors(f"creating {self.what} {physical_id}", physical_id):
            obj = started.raw if started.raw is not None else self._get(physical_id)
            if tags and sorted(getattr(obj, "tags", None) or []) != tags:
                self.conn.network.set_tags(obj, tags)
                _show_tags(obj)
            obj = self.after_create(identity, obj, properties)
        return ResourceResult(str(obj.id), self.attributes(obj))

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        """By the token tag; failing that (killed between create and tag), an untagged
        object with the same natural key created after the intent."""
        listing = getattr(self.conn.network, self.plural)
        with sdk_errors(f"looking for an interrupted {self.what} create"):
            if self.tagged and identity.token:
                for obj in listing(tags=token_tag(identity.token)):
                    if str(obj.id) not in claimed:
                        return str(obj.id)
            body = self.body(identity, properties)
            filters = {k: body[k] for k in self.natural_keys if body.get(k) is not None}
            if not filters:
                return None
            candidates = [
                obj
                for obj in listing(**filters)
                if str(obj.id) not in claimed
                and not identity_tagged(getattr(obj, "tags", None))
                and created_since(getattr(obj, "created_at", None), since)
            ]
        candidates.sort(key=lambda obj: str(getattr(obj, "created_at", "") or ""))
        return str(candidates[0].id) if candidates else None

    def after_create(
        self, identity: ResourceIdentity, obj: Any, properties: Mapping[str, Any]
    ) -> Any:
        return obj

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        obj = self.fetch(self._get, physical_id, self.what)
        if obj is None:
            return None
        return ResourceResult(physical_id, self.attributes(obj), self.reported(obj, properties))

    def _get(self, physical_id: str) -> Any:
        """``get_<noun>``'s object; for the ``sdk_class`` types, read as ``_sdk_json`` reads."""
        if self.sdk_class is None:
            return self._call("get")(physical_id)
        return get_object(self.conn.network, self.session.facts, self.sdk_class, physical_id)

    def reported(self, obj: Any, properties: Mapping[str, Any]) -> dict[str, Any]:
        return report(properties, self.live_properties(obj), self.same)

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        body = self.update_body(old, new, changed)
        with sdk_errors(f"updating {self.what} {physical_id}"):
            if body:
                self._call("update")(physical_id, **body)
            if self.tagged and "tags" in changed:
                obj = self._call("get")(physical_id)
                self.conn.network.set_tags(obj, with_identity_tags(new.get("tags"), identity))
            self.after_update(identity, physical_id, old, new, changed)
            obj = self._call("get")(physical_id)
        return ResourceResult(physical_id, self.attributes(obj))

    def after_update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> None:
        return None

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        # Neutron deletes synchronously: 204 means gone.
        self.gone_ok(lambda: self._call("delete")(physical_id, ignore_missing=False), self.what)
