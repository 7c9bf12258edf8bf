"""Cinder volumes and their attachment to servers.

Volumes carry the stack identity in metadata (``atonix:*`` keys). Name, description, metadata
and size (extend only: Cinder cannot shrink) change in place; a volume type change retypes.
An attachment goes through Nova (``os-volume_attachments``) and waits for the volume to be
``in-use``; detaching waits for ``available``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from atonix_iac.errors import ProviderError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack._base import OpenStackResource, default_name, report, show
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack._identity import TOKEN, identity_metadata, user_metadata
from atonix_iac.providers.openstack._wait import wait_for_status, wait_until_gone


class Volume(OpenStackResource):
    type_name = "OS::Cinder::Volume"

    def _get(self, volume_id: str) -> Any:
        return self.fetch(self.conn.block_storage.get_volume, volume_id, "volume")

    def _wait(self, volume_id: str, ready: tuple[str, ...], what: str) -> Any:
        return wait_for_status(
            lambda: self._get(volume_id),
            ready,
            what=f"{what} {volume_id}",
            timeout_s=self.timeout_s,
            failed=("error", "error_extending", "error_restoring"),
            physical_id=volume_id,
        )

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        body: dict[str, Any] = {
            "name": properties.get("name") or default_name(identity),
            "metadata": {
                **{str(k): str(v) for k, v in user_metadata(properties.get("metadata")).items()},
                **identity_metadata(identity),
            },
        }
        for name in (
            "size",
            "description",
            "availability_zone",
            "snapshot_id",
            "multiattach",
            "scheduler_hints",
            "backup_id",
        ):
            if properties.get(name) is not None:
                body[name] = properties[name]
        if properties.get("source_volid"):
            body["source_volume_id"] = properties["source_volid"]
        if properties.get("volume_type"):
            body["volume_type"] = self.resolve("cinder.vtype", str(properties["volume_type"]))
        image = properties.get("image") or properties.get("imageRef")
        if image:
            body["image_id"] = self.image_id(str(image))
        with sdk_errors("creating volume"):
            created = self.conn.block_storage.create_volume(**body)
        return ResourceResult(str(created.id))

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        volume = self._wait(started.physical_id, ("available",), "volume")
        return ResourceResult(str(volume.id), self.attributes(volume))

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        """By the token in the volume's metadata. The project's volumes are listed unfiltered:
        Cinder accepts only the query filters its deployment allows (a real one answered 400
        "Invalid filters name" to a member), and this look-up is rare."""
        if not identity.token:
            return None
        name = properties.get("name") or default_name(identity)
        with sdk_errors("looking for an interrupted volume create"):
            for volume in self.conn.block_storage.volumes(details=True):
                if volume.name != name:
                    continue
                metadata = volume.metadata or {}
                if metadata.get(TOKEN) == identity.token and str(volume.id) not in claimed:
                    return str(volume.id)
        return None

    @staticmethod
    def attributes(volume: Any) -> dict[str, Any]:
        attachments = list(volume.attachments or [])
        return {
            "size": volume.size,
            "status": volume.status,
            "attachments": attachments,
            "attachments_list": attachments,
            "availability_zone": volume.availability_zone,
            "bootable": volume.is_bootable,
            "created_at": volume.created_at,
            "display_name": volume.name,
            "display_description": volume.description,
            "encrypted": volume.is_encrypted,
            "metadata": user_metadata(volume.metadata),
            "metadata_values": user_metadata(volume.metadata),
            "multiattach": volume.is_multiattach,
            "snapshot_id": volume.snapshot_id,
            "source_volid": volume.source_volume_id,
            "volume_type": volume.volume_type,
            "show": show(volume),
        }

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        volume = self._get(physical_id)
        if volume is None or str(volume.status).lower() == "deleting":
            return None
        live = {
            "name": volume.name,
            "description": volume.description,
            "size": volume.size,
            "metadata": user_metadata(volume.metadata),
            "volume_type": volume.volume_type,
        }

        def same(name: str, given: Any, value: Any) -> bool:
            if name == "metadata":
                return bool({str(k): str(v) for k, v in (given or {}).items()} == value)
            if name == "volume_type" and given != value:
                found = self.session.cached(
                    "vtype", str(given), lambda: self._type_or_none(str(given))
                )
                return bool(found is not None and value in (found.id, found.name))
            return bool(given == value)

        return ResourceResult(physical_id, self.attributes(volume), report(properties, live, same))

    def _type_or_none(self, name_or_id: str) -> Any:
        return self.conn.block_storage.find_type(name_or_id, ignore_missing=True)

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        storage = self.conn.block_storage
        if "size" in changed and int(new["size"]) < int(old.get("size") or 0):
            raise ProviderError(
                f"volume {physical_id}: cannot shrink from {old['size']} GB to {new['size']} GB "
                "(Cinder only extends); replace the volume to make it smaller"
            )
        with sdk_errors(f"updating volume {physical_id}", physical_id):
            fields = {k: new.get(k) for k in ("name", "description") if k in changed}
            if "name" in fields and not fields["name"]:
                fields["name"] = default_name(identity)
            if fields:
                storage.update_volume(physical_id, **fields)
            if "metadata" in changed:
                wanted = {str(k): str(v) for k, v in user_metadata(new.get("metadata")).items()}
                wanted.update(identity_metadata(identity))
                current = storage.get_volume(physical_id).metadata or {}
                stale = [k for k in current if k not in wanted]
                if stale:
                    storage.delete_volume_metadata(physical_id, stale)
                storage.set_volume_metadata(physical_id, **wanted)
            if "size" in changed:
                storage.extend_volume(physical_id, int(new["size"]))
                self._wait(physical_id, ("available", "in-use"), "extended volume")
            if "volume_type" in changed and new.get("volume_type"):
                new_type = self.resolve("cinder.vtype", str(new["volume_type"]))
                storage.retype_volume(physical_id, new_type, migration_policy="on-demand")
                self._wait(physical_id, ("available", "in-use"), "retyped volume")
        volume = self._wait(physical_id, ("available", "in-use"), "volume")
        return ResourceResult(physical_id, self.attributes(volume))

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        storage = self.conn.block_storage
        if not self.gone_ok(
            lambda: storage.delete_volume(physical_id, ignore_missing=False),
            f"volume {physical_id}",
        ):
            return
        wait_until_gone(
            lambda: self._get(physical_id),
            what=f"volume {physical_id}",
            timeout_s=self.timeout_s,
        )


class VolumeAttachment(OpenStackResource):
    """Physical id = Nova's attachment id (the volume's id); the server comes from properties."""

    type_name = "OS::Cinder::VolumeAttachment"

    def _wait_volume(self, volume_id: str, ready: tuple[str, ...], what: str) -> Any:
        return wait_for_status(
            lambda: self.fetch(self.conn.block_storage.get_volume, volume_id, "volume"),
            ready,
            what=f"{what} {volume_id}",
            timeout_s=self.timeout_s,
            failed=("error", "error_attaching", "error_detaching"),
        )

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        server_id = str(properties["instance_uuid"])
        volume_id = str(properties["volume_id"])
        body: dict[str, Any] = {}
        if properties.get("mountpoint"):
            body["device"] = properties["mountpoint"]
        with sdk_errors(f"attaching volume {volume_id} to server {server_id}"):
            attachment = self.conn.compute.create_volume_attachment(server_id, volume_id, **body)
        return ResourceResult(str(attachment.id or volume_id))

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        server_id = str(properties["instance_uuid"])
        volume_id = str(properties["volume_id"])
        with sdk_errors(f"attaching volume {volume_id} to server {server_id}"):
            self._wait_volume(volume_id, ("in-use",), "attached volume")
            attachment = self.conn.compute.get_volume_attachment(server_id, volume_id)
        return ResourceResult(started.physical_id, self._attrs(attachment))

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        """The natural key: this volume attached to this server."""
        server_id = str(properties["instance_uuid"])
        volume_id = str(properties["volume_id"])
        attachment = self._attachment(server_id, volume_id)
        if attachment is None:
            return None
        found = str(attachment.id or volume_id)
        return None if found in claimed else found

    def _attachment(self, server_id: str, volume_id: str) -> Any:
        """Nova's attachment of ``volume_id`` to ``server_id``, or None if there is none."""
        return self.fetch(
            lambda v: self.conn.compute.get_volume_attachment(server_id, v),
            volume_id,
            "volume attachment",
        )

    @staticmethod
    def _attrs(attachment: Any) -> dict[str, Any]:
        return {"show": show(attachment)}

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        server_id = str(properties.get("instance_uuid"))
        volume_id = str(properties.get("volume_id") or physical_id)
        attachment = self._attachment(server_id, volume_id)
        if attachment is None:
            return None
        return ResourceResult(physical_id, self._attrs(attachment), {})

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        # As in Heat: detach from the old server/volume, attach as now declared.
        self.delete(identity, physical_id, old)
        return self.create(identity, new)

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        server_id = str(properties.get("instance_uuid"))
        volume_id = str(properties.get("volume_id") or physical_id)
        if not self.gone_ok(
            lambda: self.conn.compute.delete_volume_attachment(
                server_id, volume_id, ignore_missing=False
            ),
            f"volume attachment {physical_id}",
        ):
            return
        volume = self.fetch(self.conn.block_storage.get_volume, volume_id, "volume")
        if volume is not None:
            self._wait_volume(volume_id, ("available",), "detached volume")
        wait_until_gone(
            lambda: self._attachment(server_id, volume_id),
            what=f"volume attachment {physical_id}",
            timeout_s=self.timeout_s,
        )
