"""Nova server sub-resources: ``/action``, metadata, volume attachments, interfaces.

A mixin of :class:`servers.Servers` so the create/show code and the action code stay in
files of a readable size while sharing lookups and quota checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import lifecycle, quotas
from .common import iso, new_id
from .errors import ApiError
from .instance_actions import ACTION_NAMES, record_action
from .protocol import Rec, Request, Response, empty, ok
from .routing import Router

if TYPE_CHECKING:
    from .backend import Backend
    from .block_storage import BlockStorage
    from .compute import Compute
    from .network import Networking
    from .store import Store

_RUNNING = ("ACTIVE", "SHUTOFF", "PAUSED", "SUSPENDED", "VERIFY_RESIZE")
_ACTIVE = {
    "OS-EXT-STS:vm_state": "active",
    "OS-EXT-STS:task_state": None,
    "OS-EXT-STS:power_state": 1,
}


class ServerActions:
    """Handlers that act on an existing server."""

    backend: Backend
    store: Store
    network: Networking
    volumes: BlockStorage
    compute: Compute

    if TYPE_CHECKING:  # provided by Servers / ServerBuild

        def get(self, req: Request, server_id: str) -> Rec: ...

        def begin_delete(self, rec: Rec) -> None: ...

        def _check_quota(
            self, project_id: str, flavor: Rec, instances: int = 1, old: Rec | None = None
        ) -> None: ...

        def _ports(self, rec: Rec) -> list[Rec]: ...

    def register_actions(self, r: Router) -> None:
        r.add("POST", "/servers/{id}/action", self.action)
        r.add("GET", "/servers/{id}/metadata", self.get_metadata)
        r.add("POST", "/servers/{id}/metadata", self.merge_metadata)
        r.add("PUT", "/servers/{id}/metadata", self.replace_metadata)
        r.add("GET", "/servers/{id}/metadata/{key}", self.get_meta_item)
        r.add("PUT", "/servers/{id}/metadata/{key}", self.set_meta_item)
        r.add("DELETE", "/servers/{id}/metadata/{key}", self.delete_meta_item)
        r.add("GET", "/servers/{id}/os-volume_attachments", self.list_attachments)
        r.add("POST", "/servers/{id}/os-volume_attachments", self.create_attachment)
        r.add("GET", "/servers/{id}/os-volume_attachments/{volume}", self.show_attachment)
        r.add("DELETE", "/servers/{id}/os-volume_attachments/{volume}", self.delete_attachment)
        r.add("GET", "/servers/{id}/os-interface", self.list_interfaces)

    # -- actions ----------------------------------------------------------------------------

    def _conflict(self, rec: Rec, action: str) -> ApiError:
        if rec.get("OS-EXT-STS:task_state"):
            return ApiError(
                409,
                f"Cannot '{action}' instance {rec['id']} while it is in "
                f"task_state {rec['OS-EXT-STS:task_state']}",
            )
        return ApiError(
            409,
            f"Cannot '{action}' instance {rec['id']} while it is in vm_state "
            f"{rec['OS-EXT-STS:vm_state']}",
        )

    def _require(self, rec: Rec, action: str, statuses: tuple[str, ...]) -> None:
        if rec["status"] not in statuses or lifecycle.in_transition(rec) or rec.get("_deleting"):
            raise self._conflict(rec, action)

    def _transition(
        self, rec: Rec, interim: str, final: str, task: str, changes: dict[str, Any]
    ) -> None:
        lifecycle.begin(rec, interim, final, self.backend.delay("server_action"), changes)
        rec["OS-EXT-STS:task_state"] = task
        rec["updated"] = iso()
        self.store.changed()

    def action(self, req: Request, params: dict[str, str]) -> Response:
        rec = self.get(req, params["id"])
        body = req.json_object()
        if len(body) != 1:
            raise ApiError(400, "Invalid request body: exactly one action is required.")
        name, arg = next(iter(body.items()))
        arg = arg if isinstance(arg, dict) else {}
        if name in ("forceDelete", "os-forceDelete"):
            self.begin_delete(rec)
            return empty(202)
        if name == "os-start":
            self._require(rec, "start", ("SHUTOFF",))
            self._transition(rec, "SHUTOFF", "ACTIVE", "powering-on", dict(_ACTIVE))
        elif name == "os-stop":
            self._require(rec, "stop", ("ACTIVE", "ERROR"))
            self._transition(
                rec,
                rec["status"],
                "SHUTOFF",
                "powering-off",
                {
                    "OS-EXT-STS:vm_state": "stopped",
                    "OS-EXT-STS:task_state": None,
                    "OS-EXT-STS:power_state": 4,
                },
            )
        elif name == "reboot":
            hard = str(arg.get("type", "SOFT")).upper() == "HARD"
            allowed = ("ACTIVE", "SHUTOFF", "ERROR") if hard else ("ACTIVE",)
            self._require(rec, "reboot", allowed)
            self._transition(
                rec,
                "HARD_REBOOT" if hard else "REBOOT",
                "ACTIVE",
                "reboot_started_hard" if hard else "reboot_started",
                dict(_ACTIVE),
            )
        elif name == "resize":
            self._resize(req, rec, arg)
        elif name == "confirmResize":
            self._require(rec, "confirmResize", ("VERIFY_RESIZE",))
            rec.pop("_old_flavor", None)
            rec.update(_ACTIVE, status="ACTIVE")
            if rec.get("_resized_from") == "SHUTOFF":
                rec.update(
                    {
                        "status": "SHUTOFF",
                        "OS-EXT-STS:vm_state": "stopped",
                        "OS-EXT-STS:power_state": 4,
                    }
                )
            self.store.changed()
        elif name == "revertResize":
            self._require(rec, "revertResize", ("VERIFY_RESIZE",))
            self._transition(
                rec,
                "REVERT_RESIZE",
                "ACTIVE",
                "resize_reverting",
                dict(_ACTIVE, _flavor=rec.pop("_old_flavor")),
            )
        elif name in ("pause", "suspend"):
            self._require(rec, name, ("ACTIVE",))
            state = "PAUSED" if name == "pause" else "SUSPENDED"
            rec.update(
                {
                    "status": state,
                    "OS-EXT-STS:vm_state": state.lower(),
                    "OS-EXT-STS:power_state": 3 if name == "pause" else 4,
                }
            )
        elif name in ("unpause", "resume"):
            self._require(rec, name, ("PAUSED",) if name == "unpause" else ("SUSPENDED",))
            rec.update(_ACTIVE, status="ACTIVE")
        elif name in ("lock", "unlock"):
            rec["locked"] = name == "lock"
            rec["locked_reason"] = arg.get("locked_reason") if name == "lock" else None
        elif name == "rebuild":
            self._require(rec, "rebuild", ("ACTIVE", "SHUTOFF", "ERROR"))
            image = self.store.get("image", str(arg.get("imageRef")))
            if image is None:
                raise ApiError(400, f"Image {arg.get('imageRef')} could not be found.")
            rec["image"] = {"id": image["id"], "links": []}
            if "user_data" in arg:  # microversion 2.57: rebuild may replace the user_data
                rec["OS-EXT-SRV-ATTR:user_data"] = arg["user_data"]
            self._transition(rec, "REBUILD", "ACTIVE", "rebuild_spawning", dict(_ACTIVE))
        elif name in ("addSecurityGroup", "removeSecurityGroup"):
            self._security_group(req, rec, name, str(arg.get("name")))
        elif name == "os-getConsoleOutput":
            return ok({"output": f"Simulated console of {rec['name']}\nlogin: "})
        elif name == "changePassword":
            pass
        else:
            raise ApiError(400, f"There is no such action: {name}")
        if name in ACTION_NAMES and name != "resize":  # _resize records its own outcome
            record_action(rec, req, ACTION_NAMES[name])
        rec["updated"] = iso()
        self.store.changed()
        return empty(202)

    def _resize(self, req: Request, rec: Rec, arg: dict[str, Any]) -> None:
        self._require(rec, "resize", ("ACTIVE", "SHUTOFF"))
        flavor = self.compute.find_flavor(arg.get("flavorRef"))
        old = rec["_flavor"]
        if flavor["id"] == old["id"]:
            raise ApiError(400, "When resizing, instances must change flavor!")
        if int(flavor["disk"]) < int(old["disk"]):
            raise ApiError(400, "Resize error: Unable to resize disk down.")
        self._check_quota(rec["tenant_id"], flavor, instances=0, old=old)
        if self.backend.outcome("resize", rec["name"]) == "error":
            # As Nova when the scheduler finds no host: back to ACTIVE on the old flavor,
            # no fault; only the instance action tells.
            self._transition(
                rec, "RESIZE", rec["status"], "resize_prep", {"OS-EXT-STS:task_state": None}
            )
            record_action(
                rec,
                req,
                "resize",
                failed_event="conductor_migrate_server",
                details="No valid host was found. No valid host found for resize",
            )
            return
        record_action(rec, req, "resize")
        rec["_old_flavor"] = old
        rec["_resized_from"] = rec["status"]
        self._transition(
            rec,
            "RESIZE",
            "VERIFY_RESIZE",
            "resize_prep",
            {
                "_flavor": dict(flavor),
                "OS-EXT-STS:vm_state": "resized",
                "OS-EXT-STS:task_state": None,
                "OS-EXT-STS:power_state": 1,
            },
        )

    def _security_group(self, req: Request, rec: Rec, action: str, name: str) -> None:
        group = self.network.secgroups.resolve(req, rec["tenant_id"], name)
        ports = self._ports(rec)
        if action == "removeSecurityGroup" and not any(
            group["id"] in p["security_groups"] for p in ports
        ):
            raise ApiError(400, f"Security group {name} not associated with the instance")
        for port in ports:
            if not port["port_security_enabled"]:
                continue
            groups = [g for g in port["security_groups"] if g != group["id"]]
            if action == "addSecurityGroup":
                groups.append(group["id"])
            port["security_groups"] = groups
            self.network.touch(port)

    # -- metadata ---------------------------------------------------------------------------

    def _set_metadata(self, rec: Rec, metadata: dict[str, Any]) -> Response:
        limit = self.backend.quota(rec["tenant_id"], "compute")["metadata_items"]
        if quotas.exceeds(limit, 0, len(metadata)):
            raise ApiError(
                403,
                f"Quota exceeded for metadata_items: Requested "
                f"{len(metadata)}, but already used 0 of {limit} metadata_items",
            )
        rec["metadata"] = {str(k): str(v) for k, v in metadata.items()}
        rec["updated"] = iso()
        self.store.changed()
        return ok({"metadata": rec["metadata"]})

    def get_metadata(self, req: Request, params: dict[str, str]) -> Response:
        return ok({"metadata": self.get(req, params["id"])["metadata"]})

    def merge_metadata(self, req: Request, params: dict[str, str]) -> Response:
        rec = self.get(req, params["id"])
        return self._set_metadata(rec, {**rec["metadata"], **req.json_object("metadata")})

    def replace_metadata(self, req: Request, params: dict[str, str]) -> Response:
        rec = self.get(req, params["id"])
        return self._set_metadata(rec, req.json_object("metadata"))

    def get_meta_item(self, req: Request, params: dict[str, str]) -> Response:
        rec = self.get(req, params["id"])
        if params["key"] not in rec["metadata"]:
            raise ApiError(404, "Metadata item was not found")
        return ok({"meta": {params["key"]: rec["metadata"][params["key"]]}})

    def set_meta_item(self, req: Request, params: dict[str, str]) -> Response:
        rec = self.get(req, params["id"])
        meta = req.json_object("meta")
        if list(meta) != [params["key"]]:
            raise ApiError(400, "Request body and URI mismatch")
        self._set_metadata(rec, {**rec["metadata"], **meta})
        return ok({"meta": meta})

    def delete_meta_item(self, req: Request, params: dict[str, str]) -> Response:
        rec = self.get(req, params["id"])
        if rec["metadata"].pop(params["key"], None) is None:
            raise ApiError(404, "Metadata item was not found")
        self.store.changed()
        return empty(204)

    # -- volume attachments -----------------------------------------------------------------

    def attach_volume(
        self, rec: Rec, volume: Rec, delete_on_termination: bool, tag: Any = None
    ) -> Rec:
        used = {v["device"] for v in rec["_volumes"]}
        if rec["image"]:
            used.add("/dev/vda")  # the image-backed root disk
        device = next(
            f"/dev/vd{c}" for c in "abcdefghijklmnopqrstuvwxyz" if f"/dev/vd{c}" not in used
        )
        attachment_id = self.volumes.attach(volume, rec["id"], device)
        entry = {
            "id": volume["id"],
            "device": device,
            "attachment_id": attachment_id,
            "bdm_uuid": new_id(),
            "tag": tag,
            "delete_on_termination": delete_on_termination,
        }
        rec["_volumes"].append(entry)
        self.store.changed()
        return entry

    def _attachment_view(self, req: Request, rec: Rec, entry: Rec) -> Rec:
        view: Rec = {
            "device": entry["device"],
            "serverId": rec["id"],
            "volumeId": entry["id"],
            "tag": entry["tag"],
            "delete_on_termination": entry["delete_on_termination"],
        }
        if req.version_at_least(2, 89):
            view.update(attachment_id=entry["attachment_id"], bdm_uuid=entry["bdm_uuid"])
        else:
            view["id"] = entry["id"]
        return view

    def list_attachments(self, req: Request, params: dict[str, str]) -> Response:
        rec = self.get(req, params["id"])
        return ok(
            {"volumeAttachments": [self._attachment_view(req, rec, e) for e in rec["_volumes"]]}
        )

    def _entry(self, rec: Rec, volume_id: str) -> Rec:
        entry: Rec
        for entry in rec["_volumes"]:
            if entry["id"] == volume_id:
                return entry
        raise ApiError(404, f"Volume {volume_id} is not attached to server {rec['id']}")

    def show_attachment(self, req: Request, params: dict[str, str]) -> Response:
        rec = self.get(req, params["id"])
        entry = self._entry(rec, params["volume"])
        return ok({"volumeAttachment": self._attachment_view(req, rec, entry)})

    def create_attachment(self, req: Request, params: dict[str, str]) -> Response:
        rec = self.get(req, params["id"])
        body = req.json_object("volumeAttachment")
        if rec["status"] not in _RUNNING or lifecycle.in_transition(rec) or rec.get("_deleting"):
            raise self._conflict(rec, "attach_volume")
        volume_id = str(body.get("volumeId") or "")
        if any(e["id"] == volume_id for e in rec["_volumes"]):
            raise ApiError(409, f"Volume {volume_id} is already attached to server {rec['id']}")
        try:
            volume = self.volumes.reserve(rec["tenant_id"], volume_id)
        except ApiError as exc:
            if exc.status == 404:
                raise ApiError(404, f"Volume {volume_id} could not be found.") from exc
            raise
        entry = self.attach_volume(
            rec, volume, bool(body.get("delete_on_termination", False)), body.get("tag")
        )
        return ok({"volumeAttachment": self._attachment_view(req, rec, entry)})

    def delete_attachment(self, req: Request, params: dict[str, str]) -> Response:
        rec = self.get(req, params["id"])
        entry = self._entry(rec, params["volume"])
        if entry["device"] == "/dev/vda" and not rec["image"]:
            raise ApiError(400, "Cannot detach a root device volume")
        if lifecycle.in_transition(rec) or rec.get("_deleting"):
            raise self._conflict(rec, "detach_volume")
        rec["_volumes"].remove(entry)
        self.volumes.detach(entry["id"], rec["id"])
        self.store.changed()
        return empty(202)

    # -- interfaces -------------------------------------------------------------------------

    def list_interfaces(self, req: Request, params: dict[str, str]) -> Response:
        rec = self.get(req, params["id"])
        items = [
            {
                "port_id": p["id"],
                "net_id": p["network_id"],
                "mac_addr": p["mac_address"],
                "port_state": p["status"],
                "fixed_ips": p["fixed_ips"],
                "tag": None,
            }
            for p in self._ports(rec)
        ]
        return ok({"interfaceAttachments": items})
