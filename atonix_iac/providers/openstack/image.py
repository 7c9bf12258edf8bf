"""Glance images made from a URL (OS::Glance::WebImage), as Heat's GlanceWebImage makes them.

The image is created (``queued``), then imported with Glance's ``web-download`` method from
``location`` and waited on until ``active``; a failed import (Glance puts the image back to
``queued`` and names the method in ``os_glance_failed_import``) fails the step. Members are
added once it is active, and ``active: false`` deactivates it. Everything Heat marks
update_allowed changes in place through a JSON-patch; the rest replaces. The stack identity
and the create token ride in the image's tags (``atonix:*``), by which an interrupted create
is found; the tags a template asks for are reported without them. (``OS::Glance::Image``, the
Glance v1 type, is hidden in Heat and has no properties left: it is not provided.)
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from openstack import exceptions as os_exceptions

from atonix_iac.errors import Diagnostic, ProviderError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack._base import OpenStackResource, default_name, report
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack._identity import (
    PREFIX,
    identity_tags,
    token_tag,
    user_tags,
)
from atonix_iac.providers.openstack._wait import wait_for_status

PATCH_TYPE = "application/openstack-images-v2.1-json-patch"
# Properties sent as the image's own fields (Glance keeps os_* and kernel/ramdisk as such).
FIELDS = (
    "id",
    "name",
    "container_format",
    "disk_format",
    "min_disk",
    "min_ram",
    "protected",
    "visibility",
    "kernel_id",
    "ramdisk_id",
    "os_distro",
    "os_version",
    "architecture",
    "owner",
)


class WebImage(OpenStackResource):
    type_name = "OS::Glance::WebImage"
    map_constraints = {"kernel_id": "glance.image", "ramdisk_id": "glance.image"}

    # -- plan time --------------------------------------------------------------------------

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        diagnostics = super().check(properties)
        location = properties.get("location")
        if isinstance(location, str) and not location.startswith(("http://", "https://")):
            diagnostics.append(
                Diagnostic(
                    f"`location` `{location}` is not an http(s) URL",
                    hint="Glance's web-download import fetches images over HTTP(S) only",
                )
            )
        creating = "location" in properties  # an update in place has the changing ones only
        if creating and properties.get("members") and properties.get("visibility") != "shared":
            diagnostics.append(
                Diagnostic("`members` need `visibility: shared`", hint="Glance shares no other")
            )
        return diagnostics

    # -- the API ----------------------------------------------------------------------------

    def _call(self, method: str, path: str, action: str, **kwargs: Any) -> Any:
        with sdk_errors(action):
            response = getattr(self.conn.image, method)(path, raise_exc=False, **kwargs)
            if response.status_code == 404 and method in ("get", "delete"):
                return None
            os_exceptions.raise_from_response(response)
            return response.json() if response.content else {}

    def _get(self, image_id: str) -> dict[str, Any] | None:
        found = self._call("get", f"/images/{image_id}", f"reading image {image_id}")
        return None if found is None else dict(found)

    def _status(self, image_id: str) -> Any:
        """For the wait: a failed import reads as status ``error`` with Glance's reason."""
        doc = self._get(image_id)
        if doc is None:
            return None
        status = doc.get("status")
        failed = doc.get("os_glance_failed_import")
        if failed and status == "queued":
            status = "error"
        message = f"the {failed} import failed" if failed else None
        return SimpleNamespace(status=status, fault={"message": message}, doc=doc)

    def _patch(self, image_id: str, ops: list[dict[str, Any]]) -> None:
        if ops:
            self._call(
                "patch",
                f"/images/{image_id}",
                f"updating image {image_id}",
                json=ops,
                headers={"Content-Type": PATCH_TYPE},
            )

    # -- lifecycle --------------------------------------------------------------------------

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        body: dict[str, Any] = {
            str(k): str(v) for k, v in (properties.get("extra_properties") or {}).items()
        }
        body.update({k: properties[k] for k in FIELDS if properties.get(k) is not None})
        body.setdefault("name", default_name(identity))
        body["tags"] = sorted(set(user_tags(properties.get("tags"))) | set(identity_tags(identity)))
        made = self._call("post", "/images", "creating image", json=body)
        image_id = str(made["id"])
        self._call(
            "post",
            f"/images/{image_id}/import",
            f"importing image {image_id} from {properties['location']}",
            json={"method": {"name": "web-download", "uri": properties["location"]}},
        )
        return ResourceResult(image_id)

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        image_id = started.physical_id
        current = self._get(image_id)
        if (
            current is not None
            and current.get("status") == "queued"
            and not current.get("os_glance_failed_import")
        ):
            # Adopted before its import was sent: send it now.
            self._call(
                "post",
                f"/images/{image_id}/import",
                f"importing image {image_id}",
                json={"method": {"name": "web-download", "uri": properties["location"]}},
            )
        wait_for_status(
            lambda: self._status(image_id),
            ("active", "deactivated"),
            what=f"image {image_id}",
            timeout_s=self.timeout_s,
            failed=("error", "killed"),
            physical_id=image_id,
        )
        self._set_members(image_id, set(), set(properties.get("members") or []))
        if properties.get("active") is False:
            self._activate(image_id, False)
        doc = self._get(image_id)
        if doc is None:
            raise ProviderError(f"image {image_id} is gone")
        return ResourceResult(image_id, self.attributes(doc))

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        if not identity.token:
            return None
        found = self._call(
            "get",
            "/images",
            "looking for an interrupted image create",
            params={"tag": token_tag(identity.token)},
        )
        for doc in (found or {}).get("images") or []:
            if str(doc["id"]) not in claimed:
                return str(doc["id"])
        return None

    @staticmethod
    def attributes(doc: Mapping[str, Any]) -> dict[str, Any]:
        return {"show": {**doc, "tags": user_tags(doc.get("tags"))}}

    def _members(self, image_id: str) -> set[str]:
        found = self._call("get", f"/images/{image_id}/members", "listing image members")
        return {str(m["member_id"]) for m in (found or {}).get("members") or []}

    def _set_members(self, image_id: str, before: set[str], after: set[str]) -> None:
        for member in sorted(before - after):
            self._call("delete", f"/images/{image_id}/members/{member}", "removing a member")
        for member in sorted(after - before):
            self._call(
                "post", f"/images/{image_id}/members", "adding a member", json={"member": member}
            )

    def _activate(self, image_id: str, active: bool) -> None:
        action = "reactivate" if active else "deactivate"
        self._call("post", f"/images/{image_id}/actions/{action}", f"{action} image {image_id}")

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        doc = self._get(physical_id)
        if doc is None or doc.get("status") in ("deleted", "pending_delete"):
            return None
        live: dict[str, Any] = {k: doc.get(k) for k in FIELDS}
        live["tags"] = user_tags(doc.get("tags"))
        live["active"] = doc.get("status") != "deactivated"
        given_extra = properties.get("extra_properties")
        if isinstance(given_extra, Mapping):
            live["extra_properties"] = {k: doc.get(k) for k in given_extra if k in doc}
        if properties.get("members") is not None:
            live["members"] = sorted(self._members(physical_id))

        def same(name: str, given: Any, value: Any) -> bool:
            if name in ("tags", "members"):
                return sorted(map(str, given or [])) == sorted(map(str, value or []))
            if name == "extra_properties":
                return bool({str(k): str(v) for k, v in given.items()} == value)
            return bool(given == value)

        return ResourceResult(physical_id, self.attributes(doc), report(properties, live, same))

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        doc = self._get(physical_id)
        if doc is None:
            raise ProviderError(f"image {physical_id} is gone")
        ops: list[dict[str, Any]] = []
        for name in sorted(changed & set(FIELDS)):
            value = new.get(name)
            if value is None:
                if name in doc:
                    ops.append({"op": "remove", "path": f"/{name}"})
            else:
                ops.append({"op": "add" if name not in doc else "replace", "path": f"/{name}",
                            "value": value})  # fmt: skip
        if "extra_properties" in changed:
            before = dict(old.get("extra_properties") or {})
            after = {str(k): str(v) for k, v in (new.get("extra_properties") or {}).items()}
            ops += [
                {"op": "remove", "path": f"/{k}"} for k in before if k not in after and k in doc
            ]
            ops += [{"op": "add", "path": f"/{k}", "value": v} for k, v in after.items()]
        if "tags" in changed:
            ours = [t for t in doc.get("tags") or [] if str(t).startswith(PREFIX)]
            tags = sorted(set(user_tags(new.get("tags"))) | set(ours))
            ops.append({"op": "replace", "path": "/tags", "value": tags})
        self._patch(physical_id, ops)
        if "members" in changed:
            self._set_members(
                physical_id, self._members(physical_id), set(new.get("members") or [])
            )
        if "active" in changed:
            self._activate(physical_id, new.get("active") is not False)
        final = self._get(physical_id)
        if final is None:
            raise ProviderError(f"image {physical_id} is gone")
        return ResourceResult(physical_id, self.attributes(final))

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        doc = self._get(physical_id)
        if doc is None:
            return
        if doc.get("protected"):
            raise ProviderError(
                f"image {physical_id} is protected: set `protected: false` (an update in place) "
                "before destroying it"
            )
        self._call("delete", f"/images/{physical_id}", f"deleting image {physical_id}")


TYPES = (WebImage,)
