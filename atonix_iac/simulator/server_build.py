"""Nova server creation helpers: image/flavor checks, quotas, networks, ports, volumes.

A mixin of :class:`servers.Servers`; each helper validates one part of a create request the
way Nova does (and with Nova's messages) or builds the Neutron/Cinder side of the server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import quotas
from .errors import ApiError
from .protocol import Rec, Request

if TYPE_CHECKING:
    from .backend import Backend
    from .block_storage import BlockStorage
    from .compute import Compute
    from .network import Networking
    from .store import Store

GIB = 1024**3


class ServerBuild:
    """Validation and resource wiring for ``POST /servers``."""

    backend: Backend
    store: Store
    network: Networking
    volumes: BlockStorage
    compute: Compute

    if TYPE_CHECKING:  # provided by ServerActions

        def attach_volume(
            self, rec: Rec, volume: Rec, delete_on_termination: bool, tag: Any = None
        ) -> Rec: ...

    def _image(self, ref: Any, flavor: Rec, boot_volume: bool) -> Rec | None:
        if not ref:
            if boot_volume:
                return None
            raise ApiError(
                400,
                "Block Device Mapping is Invalid: Boot sequence for the instance "
                "and image/block device mapping combination is not valid.",
            )
        image_id = str(ref).rstrip("/").rsplit("/", 1)[-1]
        image = self.store.get("image", image_id)
        if image is None or image["status"] != "active":
            raise ApiError(400, f"Image {image_id} could not be found.")
        if not boot_volume:
            disk = int(flavor["disk"]) * GIB
            if disk and int(image["size"]) > disk:
                raise ApiError(
                    400,
                    f"Flavor's disk is too small for requested image. Flavor "
                    f"disk is {disk} bytes, image is {image['size']} bytes.",
                )
            if disk and int(image.get("min_disk") or 0) > int(flavor["disk"]):
                raise ApiError(400, "Flavor's disk is too small for requested image.")
        if int(image.get("min_ram") or 0) > int(flavor["ram"]):
            raise ApiError(400, "Flavor's memory is too small for requested image.")
        return image

    def _check_metadata(self, project_id: str, metadata: dict[str, Any]) -> None:
        limit = self.backend.quota(project_id, "compute")["metadata_items"]
        if quotas.exceeds(limit, 0, len(metadata)):
            raise ApiError(
                403,
                f"Quota exceeded for metadata_items: Requested "
                f"{len(metadata)}, but already used 0 of {limit} metadata_items",
            )

    def _check_quota(
        self, project_id: str, flavor: Rec, instances: int = 1, old: Rec | None = None
    ) -> None:
        limits = self.backend.quota(project_id, "compute")
        used = self.compute.usage(project_id)
        wanted = {
            "instances": instances,
            "cores": int(flavor["vcpus"]) - (int(old["vcpus"]) if old else 0),
            "ram": int(flavor["ram"]) - (int(old["ram"]) if old else 0),
        }
        for key in ("instances", "cores", "ram"):
            if wanted[key] > 0 and quotas.exceeds(limits[key], used[key], wanted[key]):
                raise ApiError(
                    403,
                    f"Quota exceeded for {key}: Requested {wanted[key]}, but "
                    f"already used {used[key]} of {limits[key]} {key}",
                )

    def _group(self, req: Request, hints: Any) -> Rec | None:
        if not isinstance(hints, dict) or not hints.get("group"):
            return None
        group_id = str(hints["group"])
        rec = self.store.get("server_group", group_id)
        if rec is None or rec["project_id"] != req.auth.project_id:
            raise ApiError(
                400,
                f"Invalid input for field/attribute group. Value: {group_id}. "
                "Server group not found",
            )
        limit = self.backend.quota(req.auth.project_id, "compute")["server_group_members"]
        if quotas.exceeds(limit, len(rec["members"]), 1):
            raise ApiError(403, "Quota exceeded, too many servers in group")
        return rec

    def _networks(self, req: Request, requested: Any) -> list[Rec]:
        if requested is None:
            if req.version_at_least(2, 37):
                raise ApiError(
                    400,
                    "Invalid input for field/attribute server. 'networks' is a required property",
                )
            requested = "auto"
        if requested == "none":
            return []
        if requested == "auto":
            own = [
                n
                for n in self.store.table("network").values()
                if n["project_id"] == req.auth.project_id and not n["router:external"]
            ]
            if len(own) > 1:
                raise ApiError(
                    409, "Multiple possible networks found, use a Network ID to be more specific."
                )
            if not own:
                raise ApiError(
                    400,
                    f"Unable to automatically allocate a network for project {req.auth.project_id}",
                )
            return [{"uuid": own[0]["id"]}]
        if not isinstance(requested, list):
            raise ApiError(400, f"Invalid input for field/attribute networks. Value: {requested}.")
        return [dict(item) for item in requested]

    def _make_ports(
        self, req: Request, server_id: str, networks: list[Rec], sg_ids: list[str]
    ) -> tuple[list[Rec], list[str]]:
        ports: list[Rec] = []
        created: list[str] = []
        try:
            for item in networks:
                if item.get("port"):
                    port = self.store.get("port", str(item["port"]))
                    if port is None or port["project_id"] != req.auth.project_id:
                        raise ApiError(400, f"Port {item['port']} could not be found.")
                    if port["device_id"] or any(p["id"] == port["id"] for p in ports):
                        raise ApiError(409, f"Port {port['id']} is still in use.")
                    ports.append(port)
                    continue
                network = self.store.get("network", str(item.get("uuid")))
                if network is None or not self.network.visible(req, "network", network):
                    raise ApiError(400, f"Network {item.get('uuid')} could not be found.")
                body: Rec = {"security_groups": sg_ids} if network["port_security_enabled"] else {}
                if item.get("fixed_ip"):
                    body["fixed_ips"] = [{"ip_address": item["fixed_ip"]}]
                try:
                    port = self.network.ports.new_port(req, req.auth.project_id, network, body)
                except ApiError as exc:
                    if exc.error_type == "OverQuota":
                        raise ApiError(403, "Maximum number of ports exceeded") from exc
                    raise ApiError(exc.status if exc.status != 404 else 400, exc.message) from exc
                created.append(port["id"])
                ports.append(port)
        except ApiError:
            for port_id in created:
                port = self.store.get("port", port_id)
                if port is not None:
                    self.network.ports.remove(port)
            raise
        for port in ports:
            self.network.ports.bind(port, server_id)
        return ports, created

    def _attach_bdms(self, req: Request, rec: Rec, bdms: list[Rec], image: Rec | None) -> None:
        for bdm in bdms:
            if bdm.get("destination_type") != "volume":
                continue
            source = bdm.get("source_type")
            if source == "volume":
                volume = self.volumes.reserve(req.auth.project_id, str(bdm.get("uuid")))
            elif source in ("image", "blank"):
                src_image = (
                    self.store.get("image", str(bdm.get("uuid"))) if source == "image" else None
                )
                if source == "image" and src_image is None:
                    raise ApiError(400, f"Image {bdm.get('uuid')} could not be found.")
                size = int(bdm.get("volume_size") or 1)
                self.volumes._check_quota(req.auth.project_id, 1, size)
                volume = self.volumes.new_volume(
                    req, req.auth.project_id, size, {}, "__DEFAULT__", src_image
                )
                volume.pop("_t", None)
                volume["status"] = "available"
            else:
                raise ApiError(400, f"Block Device Mapping is Invalid: source_type {source}")
            self.attach_volume(
                rec, volume, bool(bdm.get("delete_on_termination", False)), bdm.get("tag")
            )
