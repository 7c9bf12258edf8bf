"""Types whose API is a plain JSON collection (Octavia, Magnum, Manila), described by tables.

Requests go through the service's openstacksdk proxy (a keystoneauth adapter bound to the
catalog endpoint, with the service's microversion), so authentication, endpoint discovery and
error mapping are the SDK's; the resource classes are not used because each type here is a
handful of fields better stated once in a table than converted twice. A subclass names its
collection, its body key, the Heat properties it passes through (``fields``) and the ones that
name other objects (``references``: resolved to ids, checked at plan time), plus how it carries
the stack identity: Octavia ``tags``, Magnum ``labels``, Manila ``metadata``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, ClassVar

from openstack import exceptions as os_exceptions

from atonix_iac.errors import ResourceFailedError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack import _lookup
from atonix_iac.providers.openstack._base import (
    OpenStackResource,
    default_name,
    report,
    schema_for,
    show,
)
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack._identity import (
    TOKEN,
    created_since,
    identity_metadata,
    identity_tags,
    token_tag,
    user_metadata,
    user_tags,
)
from atonix_iac.providers.openstack._wait import wait_for_status, wait_until_gone


def _magnum_detail(response: Any) -> str | None:
    """Magnum's ``{"errors": [{"title", "detail"}]}``, which the SDK cannot read."""
    if response.status_code < 400:
        return None
    try:
        errors = response.json().get("errors")
        return "; ".join(str(e.get("detail") or e.get("title")) for e in errors) or None
    except (ValueError, AttributeError, TypeError):
        return None


class Body(dict[str, Any]):
    """A JSON object whose fields also read as attributes (what the wait helpers expect)."""

    def __getattr__(self, name: str) -> Any:
        return self.get(name)


class RestResource(OpenStackResource):
    service: ClassVar[str]  # the Connection's proxy attribute: "load_balancer"
    path: ClassVar[str]  # collection path, may name properties: "/lbaas/pools/{pool}/members"
    key: ClassVar[str]  # the body key: "loadbalancer"
    plural: ClassVar[str]
    what: ClassVar[str]
    microversion: ClassVar[str | None] = None
    # Heat property -> API field, sent and read back as they are.
    fields: ClassVar[Mapping[str, str]] = {}
    # Heat property -> (API field, lookup constraint): a name or id, sent as the id.
    references: ClassVar[Mapping[str, tuple[str, str]]] = {}
    # Where the stack identity goes: "tags", "labels", "metadata" or "" (nowhere).
    carrier: ClassVar[str] = ""
    status_field: ClassVar[str] = "status"
    ready: ClassVar[tuple[str, ...]] = ()  # empty: ready once created
    failed: ClassVar[tuple[str, ...]] = ("ERROR",)
    deleting: ClassVar[tuple[str, ...]] = ()
    update_method: ClassVar[str] = "PUT"
    # API field -> attribute name, copied into attributes (besides ``show``).
    attribute_fields: ClassVar[Mapping[str, str]] = {}
    id_field: ClassVar[str] = "id"
    named: ClassVar[bool] = True  # has a ``name`` defaulting to <stack>-<address>
    # Appended to the collection to list it in full (Manila's plain list has id and name only).
    list_suffix: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """References Heat's schema leaves unconstrained are checked at plan time too."""
        super().__init_subclass__(**kwargs)
        if "type_name" not in vars(cls):
            return
        props = schema_for(cls.type_name).properties
        cls.map_constraints = {
            prop: constraint
            for prop, (_api, constraint) in cls.references.items()
            if prop in props
            and not any(c.get("custom_constraint") for c in props[prop].constraints)
        }

    # -- HTTP ---------------------------------------------------------------------------------

    def call(self, method: str, url: str, body: Any = None, **params: Any) -> Any:
        """One request through the service's proxy; the decoded JSON answer (None if empty)."""
        proxy = getattr(self.conn, self.service)
        kwargs: dict[str, Any] = {"raise_exc": False}
        if body is not None:
            kwargs["json"] = body
        if params:
            kwargs["params"] = params
        if self.microversion:
            kwargs["microversion"] = self.microversion
        response = proxy.request(url, method, **kwargs)
        try:
            os_exceptions.raise_from_response(response)
        except os_exceptions.HttpException as exc:
            exc.details = _magnum_detail(response) or exc.details
            raise
        if not response.content:
            return None
        return response.json()

    def collection(self, properties: Mapping[str, Any]) -> str:
        names = {
            prop: self.reference_id(prop, properties.get(prop))
            for prop in self.references
            if "{" + prop + "}" in self.path
        }
        return self.path.format(**names)

    def item(self, physical_id: str, properties: Mapping[str, Any]) -> str:
        return f"{self.collection(properties)}/{physical_id}"

    def wrap(self, body: dict[str, Any]) -> Any:
        """The request body: ``{key: body}``, or the body alone where the API wraps nothing."""
        return {self.key: body} if self.key else body

    def wait_timeout(self, properties: Mapping[str, Any]) -> float:
        return self.timeout_s

    def delete_url(self, physical_id: str, properties: Mapping[str, Any]) -> str:
        return self.item(physical_id, properties)

    def reference_id(self, prop: str, value: Any) -> str:
        constraint = self.references[prop][1]
        return self.resolve(constraint, str(value))

    def get_obj(self, physical_id: str, properties: Mapping[str, Any]) -> Body | None:
        with sdk_errors(f"reading {self.what} {physical_id}", physical_id):
            try:
                answer = self.call("GET", self.item(physical_id, properties))
            except os_exceptions.NotFoundException:
                return None
        return Body(answer[self.key] if self.key else answer) if answer else None

    # -- bodies -------------------------------------------------------------------------------

    def identity_fields(
        self, identity: ResourceIdentity, props: Mapping[str, Any]
    ) -> Mapping[str, Any]:
        if self.carrier == "tags":
            return {
                "tags": sorted(set(user_tags(props.get("tags"))) | set(identity_tags(identity)))
            }
        if self.carrier in ("labels", "metadata"):
            given = {str(k): str(v) for k, v in user_metadata(props.get(self.carrier)).items()}
            return {self.carrier: {**given, **identity_metadata(identity)}}
        return {}

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {
            api: props[prop] for prop, api in self.fields.items() if props.get(prop) is not None
        }
        for prop, (api, _constraint) in self.references.items():
            if props.get(prop) and "{" + prop + "}" not in self.path:
                body[api] = self.reference_id(prop, props[prop])
        if self.named and not body.get("name"):
            body["name"] = default_name(identity)
        body.update(self.identity_fields(identity, props))
        return body

    def update_body(
        self,
        identity: ResourceIdentity,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for prop in changed:
            if prop in self.fields:
                body[self.fields[prop]] = new.get(prop)
            elif prop in self.references:
                value = new.get(prop)
                body[self.references[prop][0]] = self.reference_id(prop, value) if value else None
            elif prop == self.carrier:
                body.update(self.identity_fields(identity, new))
        if self.named and "name" in body and not body["name"]:
            body["name"] = default_name(identity)
        return body

    def live(self, obj: Body) -> dict[str, Any]:
        """The object's values under Heat's property names (for drift)."""
        out = {prop: obj.get(api) for prop, api in self.fields.items()}
        out.update({prop: obj.get(api) for prop, (api, _c) in self.references.items()})
        if self.carrier == "tags":
            out["tags"] = user_tags(obj.get("tags"))
        elif self.carrier in ("labels", "metadata"):
            out[self.carrier] = user_metadata(obj.get(self.carrier))
        return out

    def same(self, prop: str, given: Any, value: Any) -> bool:
        if given == value:
            return True
        if prop in self.references and isinstance(given, str) and value:
            constraint = self.references[prop][1]
            found = self.session.cached(
                "check:" + constraint,
                given,
                lambda: _lookup.CONSTRAINTS[constraint][0](self.conn, given),
            )
            return found is not None and str(found.id) == str(value)
        if prop in ("tags",) and isinstance(given, list) and isinstance(value, list):
            return sorted(map(str, given)) == sorted(map(str, value))
        if prop in ("labels", "metadata", "extra_specs") and isinstance(given, Mapping):
            return bool({str(k): str(v) for k, v in given.items()} == value)
        return bool(prop == "name" and not given)

    def attributes(self, obj: Body) -> dict[str, Any]:
        attrs = {name: obj.get(api) for api, name in self.attribute_fields.items()}
        attrs["show"] = show(obj)
        return attrs

    # -- lifecycle ----------------------------------------------------------------------------

    def wait_ready(self, physical_id: str, properties: Mapping[str, Any]) -> Body:
        if not self.ready:
            found = self.get_obj(physical_id, properties)
            if found is None:
                raise ResourceFailedError(f"{self.what} {physical_id} is gone")
            return found
        ready: Body = wait_for_status(
            lambda: self.get_obj(physical_id, properties),
            self.ready,
            what=f"{self.what} {physical_id}",
            timeout_s=self.wait_timeout(properties),
            failed=self.failed,
            physical_id=physical_id,
            attribute=self.status_field,
        )
        return ready

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        body = self.body(identity, properties)
        with sdk_errors(f"creating {self.what}"):
            answer = self.call("POST", self.collection(properties), self.wrap(body))
        obj = Body(answer.get(self.key, answer) if self.key else answer)
        return ResourceResult(str(obj[self.id_field]), raw=obj)

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        with sdk_errors(f"creating {self.what}", started.physical_id):
            obj = self.wait_ready(started.physical_id, properties)
        return ResourceResult(started.physical_id, self.attributes(obj))

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        """By the token the object carries; objects that carry nothing by their name, made
        since the intent and not already in state."""
        if not identity.token and self.carrier:
            return None
        name = properties.get("name") or default_name(identity)
        params: dict[str, Any] = {}
        if self.carrier == "tags":
            params["tags"] = token_tag(identity.token)
        with sdk_errors(f"looking for an interrupted {self.what} create"):
            answer = (
                self.call("GET", self.collection(properties) + self.list_suffix, **params) or {}
            )
        for raw in answer.get(self.plural) or []:
            obj = Body(raw)
            found = str(obj.get(self.id_field))
            if found in claimed:
                continue
            if self.carrier == "tags" and token_tag(identity.token) in (obj.get("tags") or []):
                return found
            if self.carrier in ("labels", "metadata"):
                if (obj.get(self.carrier) or {}).get(TOKEN) == identity.token:
                    return found
            elif (
                not self.carrier
                and self.named
                and obj.get("name") == name
                and created_since(obj.get("created_at"), since)
            ):
                return found
        return None

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        obj = self.get_obj(physical_id, properties)
        if obj is None or str(obj.get(self.status_field) or "") in self.deleting:
            return None
        drift = report(properties, self.live(obj), self.same)
        for prop in self.references:
            if "{" + prop + "}" in self.path and properties.get(prop) is not None:
                drift[prop] = properties[prop]  # in the URL: it cannot differ
        return ResourceResult(physical_id, self.attributes(obj), drift)

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        body = self.update_body(identity, old, new, changed)
        with sdk_errors(f"updating {self.what} {physical_id}", physical_id):
            if body:
                self.call(self.update_method, self.item(physical_id, new), self.wrap(body))
            obj = self.wait_ready(physical_id, new)
        return ResourceResult(physical_id, self.attributes(obj))

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        url = self.delete_url(physical_id, properties)
        if not self.gone_ok(lambda: self.call("DELETE", url), f"{self.what} {physical_id}"):
            return
        wait_until_gone(
            lambda: self.get_obj(physical_id, properties),
            what=f"{self.what} {physical_id}",
            timeout_s=self.timeout_s,
            failed=tuple(s.lower() for s in self.failed),
        )
