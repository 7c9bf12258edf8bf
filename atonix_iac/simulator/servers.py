"""Nova servers: create (ports, volumes, groups, quotas), show/list, update, delete, actions.

Transitions (BUILD -> ACTIVE, RESIZE -> VERIFY_RESIZE, ...) are time based via
:mod:`lifecycle`; deleting may take ``server_delete`` seconds, during which the server is
still listed with ``task_state: deleting`` and still holds its ports, as in real Nova.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from . import lifecycle, user_data_signals
from .backend import Backend
from .block_storage import BlockStorage
from .common import (
    filter_records,
    iso,
    new_id,
    next_links,
    paginate,
    parse_bool,
    public,
    regex_match,
)
from .errors import ApiError
from .instance_actions import InstanceActions, record_action
from .network import Networking
from .protocol import Rec, Request, Response, empty, ok
from .routing import Router
from .server_actions import ServerActions
from .server_build import ServerBuild

if TYPE_CHECKING:
    from .compute import Compute

# Nova's default policy shows these only to admins (os-extended-server-attributes, host_status);
# a member's GET of its own server omits them (seen on Nova 34 as a member user).
ADMIN_ONLY_FIELDS = (
    "OS-EXT-SRV-ATTR:host",
    "OS-EXT-SRV-ATTR:hypervisor_hostname",
    "OS-EXT-SRV-ATTR:instance_name",
    "OS-EXT-SRV-ATTR:kernel_id",
    "OS-EXT-SRV-ATTR:launch_index",
    "OS-EXT-SRV-ATTR:ramdisk_id",
    "OS-EXT-SRV-ATTR:reservation_id",
    "OS-EXT-SRV-ATTR:root_device_name",
    "OS-EXT-SRV-ATTR:user_data",
    "host_status",
)
_UPDATABLE = ("name", "description", "accessIPv4", "accessIPv6", "hostname")
ACTIVE_STATE: Rec = {
    "OS-EXT-STS:vm_state": "active",
    "OS-EXT-STS:task_state": None,
    "OS-EXT-STS:power_state": 1,
}


class Servers(ServerBuild, ServerActions, InstanceActions):
    """``/servers`` and its sub-resources."""

    def __init__(
        self, backend: Backend, network: Networking, volumes: BlockStorage, compute: Compute
    ) -> None:
        self.backend = backend
        self.store = backend.store
        self.network = network
        self.volumes = volumes
        self.compute = compute
        lifecycle.register_finalizer(self.store, "server", self._finish_delete)

    def register(self, r: Router) -> None:
        r.add("GET", "/servers", self.list_servers)
        r.add("GET", "/servers/detail", self.list_servers)
        r.add("POST", "/servers", self.create_server)
        r.add("GET", "/servers/{id}", self.show_server)
        r.add("PUT", "/servers/{id}", self.update_server)
        r.add("DELETE", "/servers/{id}", self.delete_server)
        self.register_actions(r)
        self.register_instance_actions(r)

    # -- lookups and rendering --------------------------------------------------------------

    def get(self, req: Request, server_id: str) -> Rec:
        rec = self.store.get("server", server_id)
        # Strictly project-scoped, even for admins (real Nova lets admins read any server by
        # id): the simulator promises that project B never sees project A's resources.
        if rec is None or rec["tenant_id"] != req.auth.project_id:
            raise ApiError(404, f"Instance {server_id} could not be found.")
        lifecycle.settle(rec)
        return rec

    def _ports(self, rec: Rec) -> list[Rec]:
        ports = self.store.table("port")
        return [
            ports[p] for p in rec["_ports"] if p in ports and ports[p]["device_id"] == rec["id"]
        ]

    def render(self, req: Request, rec: Rec, fips: dict[str, list[Rec]] | None = None) -> Rec:
        lifecycle.settle(rec)
        view = public(rec)
        flavor = rec["_flavor"]
        if req.version_at_least(2, 47):
            view["flavor"] = {
                "vcpus": flavor["vcpus"],
                "ram": flavor["ram"],
                "disk": flavor["disk"],
                "ephemeral": flavor["OS-FLV-EXT-DATA:ephemeral"],
                "swap": flavor["swap"],
                "original_name": flavor["name"],
                "extra_specs": flavor.get("extra_specs", {}),
            }
        else:
            view["flavor"] = {
                "id": flavor["id"],
                "links": [{"rel": "bookmark", "href": f"{req.service_url}/flavors/{flavor['id']}"}],
            }
        fips = self.network.ports.fip_index() if fips is None else fips
        addresses: dict[str, list[Rec]] = {}
        groups: dict[str, None] = {}
        sg_table = self.store.table("security_group")
        for port in self._ports(rec):
            net = self.store.get("network", port["network_id"])
            entries = addresses.setdefault(net["name"] if net else port["network_id"], [])
            for fixed in port["fixed_ips"]:
                version = 6 if ":" in fixed["ip_address"] else 4
                entries.append(
                    {
                        "version": version,
                        "addr": fixed["ip_address"],
                        "OS-EXT-IPS:type": "fixed",
                        "OS-EXT-IPS-MAC:mac_addr": port["mac_address"],
                    }
                )
            for fip in fips.get(port["id"], []):
                entries.append(
                    {
                        "version": 4,
                        "addr": fip["floating_ip_address"],
                        "OS-EXT-IPS:type": "floating",
                        "OS-EXT-IPS-MAC:mac_addr": port["mac_address"],
                    }
                )
            for sg_id in port["security_groups"]:
                if sg_id in sg_table:
                    groups[sg_table[sg_id]["name"]] = None
        view["addresses"] = addresses
        view["security_groups"] = [{"name": n} for n in groups]
        view["os-extended-volumes:volumes_attached"] = [
            {"id": v["id"], "delete_on_termination": v["delete_on_termination"]}
            for v in rec["_volumes"]
        ]
        link = f"{req.service_url}/servers/{rec['id']}"
        view["links"] = [{"rel": "self", "href": link}, {"rel": "bookmark", "href": link}]
        if rec["status"] != "ERROR":
            view.pop("fault", None)
        if not req.auth.is_admin:
            for key in ADMIN_ONLY_FIELDS:
                view.pop(key, None)
        return view

    # -- list/show/update -------------------------------------------------------------------

    def list_servers(self, req: Request, params: dict[str, str]) -> Response:
        everyone = bool(parse_bool(req.arg("all_tenants"))) and req.auth.is_admin
        project = req.arg("project_id") or req.arg("tenant_id")
        records = [
            s
            for s in reversed(list(self.store.table("server").values()))
            if (s["tenant_id"] == req.auth.project_id and not everyone)
            or (everyone and (project is None or s["tenant_id"] == project))
        ]
        # Rendering a server (ports, flavor, addresses) is most of a list's cost, and a
        # ``status=BUILD`` poll or a ``changes-since`` read wants a few of many: narrow by
        # those (and ``name``) first (the filter below would drop the same ones), settling
        # due transitions as rendering would.
        statuses = req.args("status")
        since = req.arg("changes-since")
        moment = _changes_since(since) if since is not None else None
        if statuses or moment is not None:
            for rec in records:
                lifecycle.settle(rec)
        if statuses:
            wanted = {value.upper() for value in statuses}
            records = [s for s in records if s["status"].upper() in wanted]
        if moment is not None:
            records = [s for s in records if _moment(s["updated"]) >= moment]
        names = req.args("name")
        if names:  # the same filter as below, before rendering
            records = [s for s in records if regex_match(names[0], s.get("name"))]
        fips = self.network.ports.fip_index()
        views = [self.render(req, s, fips) for s in records]
        special = {
            "name": lambda rec, values: regex_match(values[0], rec.get("name")),
            "ip": lambda rec, values: any(
                regex_match(values[0], a["addr"])
                for addrs in rec["addresses"].values()
                for a in addrs
            ),
            "status": lambda rec, values: rec["status"].upper() in [v.upper() for v in values],
            "flavor": lambda rec, values: rec["_flavor_id"] in values,
            "image": lambda rec, values: bool(rec["image"]) and rec["image"]["id"] in values,
            "uuid": lambda rec, values: rec["id"] in values,
            "tags": lambda rec, values: set(",".join(values).split(",")) <= set(rec["tags"]),
        }
        for view, rec in zip(views, records, strict=True):
            view["_flavor_id"] = rec["_flavor"]["id"]
        chosen = filter_records(
            req,
            views,
            skip=("all_tenants", "project_id", "tenant_id", "deleted", "sort_key", "changes-since"),
            special=special,
        )
        page, marker = paginate(req, chosen)
        for view in views:
            view.pop("_flavor_id")
        if req.segments[-1] != "detail":
            page = [{"id": s["id"], "name": s["name"], "links": s["links"]} for s in page]
        else:  # Nova shows a server's groups (2.71+) on GET /servers/{id} only
            page = [{k: v for k, v in s.items() if k != "server_groups"} for s in page]
        body: Rec = {"servers": page}
        if marker:
            body["servers_links"] = next_links(req, marker)
        return ok(body)

    def show_server(self, req: Request, params: dict[str, str]) -> Response:
        return ok({"server": self.render(req, self.get(req, params["id"]))})

    def update_server(self, req: Request, params: dict[str, str]) -> Response:
        rec = self.get(req, params["id"])
        body = req.json_object("server")
        extra = [k for k in body if k not in _UPDATABLE]
        if extra:
            raise ApiError(
                400,
                f"Invalid input for field/attribute server. Value: {body}. "
                f"Additional properties are not allowed ({extra[0]!r} was "
                "unexpected)",
            )
        if "name" in body and not str(body["name"]).strip():
            raise ApiError(400, "Invalid input for field/attribute name. Value: . '' is too short")
        for key, value in body.items():
            rec["OS-EXT-SRV-ATTR:hostname" if key == "hostname" else key] = value
        rec["updated"] = iso()
        self.store.changed()
        return ok({"server": self.render(req, rec)})

    # -- create -----------------------------------------------------------------------------

    def create_server(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("server")
        project_id = req.auth.project_id
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ApiError(
                400,
                f"Invalid input for field/attribute name. Value: {name}. "
                "'name' is a required property",
            )
        flavor = self.compute.find_flavor(body.get("flavorRef"))
        bdms = list(body.get("block_device_mapping_v2") or [])
        boot_volume = any(
            b.get("boot_index") in (0, "0") and b.get("destination_type") == "volume" for b in bdms
        )
        image = self._image(body.get("imageRef"), flavor, boot_volume)
        if body.get("key_name") and not self.compute.keypair_exists(req, str(body["key_name"])):
            raise ApiError(400, "Invalid key_name provided.")
        metadata = dict(body.get("metadata") or {})
        self._check_metadata(project_id, metadata)
        self._check_quota(project_id, flavor)
        group = self._group(req, req.json_object().get("OS-SCH-HNT:scheduler_hints"))
        networks = self._networks(req, body.get("networks"))
        requested_groups = body.get("security_groups") or [{"name": "default"}]
        sg_names = [str(g.get("name")) for g in requested_groups]
        sg_ids = [self.network.secgroups.resolve(req, project_id, n)["id"] for n in sg_names]
        server_id = new_id()
        ports, created = self._make_ports(req, server_id, networks, sg_ids)
        stamp = iso()
        rec: Rec = {
            "id": server_id,
            "name": name,
            "status": "BUILD",
            "tenant_id": project_id,
            "user_id": req.auth.user_id,
            "metadata": metadata,
            "image": {
                "id": image["id"],
                "links": [{"rel": "bookmark", "href": f"{req.service_url}/images/{image['id']}"}],
            }
            if image
            else "",
            "key_name": body.get("key_name"),
            "created": stamp,
            "updated": stamp,
            "hostId": "",
            "accessIPv4": str(body.get("accessIPv4") or ""),
            "accessIPv6": str(body.get("accessIPv6") or ""),
            "progress": 0,
            "config_drive": "True" if body.get("config_drive") else "",
            "OS-DCF:diskConfig": "MANUAL",
            "OS-EXT-AZ:availability_zone": str(body.get("availability_zone") or "nova"),
            "OS-EXT-STS:vm_state": "building",
            "OS-EXT-STS:task_state": "scheduling",
            "OS-EXT-STS:power_state": 0,
            "OS-SRV-USG:launched_at": None,
            "OS-SRV-USG:terminated_at": None,
            "OS-EXT-SRV-ATTR:host": None,
            "OS-EXT-SRV-ATTR:hypervisor_hostname": None,
            "OS-EXT-SRV-ATTR:instance_name": f"instance-{len(self.store.table('server')):08x}",
            "OS-EXT-SRV-ATTR:hostname": str(body.get("hostname") or name).lower()[:63],
            "OS-EXT-SRV-ATTR:user_data": body.get("user_data"),
            "locked": False,
            "locked_reason": None,
            "description": body.get("description"),
            "tags": list(body.get("tags") or []),
            "trusted_image_certificates": None,
            "server_groups": [group["id"]] if group else [],
            "pinned_availability_zone": None,
            "_flavor": dict(flavor),
            "_ports": [p["id"] for p in ports],
            "_nova_ports": created,
            "_volumes": [],
        }
        self.store.put("server", rec)
        try:
            self._attach_bdms(req, rec, bdms, image)
        except ApiError:
            self._teardown(rec)
            raise
        if group is not None:
            group["members"].append(server_id)
        self._start_build(rec)
        record_action(rec, req, "create")
        reply = {
            "id": server_id,
            "links": self.render(req, rec)["links"],
            "OS-DCF:diskConfig": "MANUAL",
            "adminPass": secrets.token_urlsafe(9),
            "security_groups": [{"name": n} for n in sg_names],
        }
        return ok({"server": reply}, 202)

    def _start_build(self, rec: Rec) -> None:
        outcome = self.backend.outcome("server", rec["name"])
        delay = self.backend.delay("server")
        if outcome == "error":
            failure: Rec = {
                "OS-EXT-STS:vm_state": "error",
                "OS-EXT-STS:task_state": None,
                "fault": {
                    "code": 500,
                    "created": iso(),
                    "message": "No valid host was found. There are not enough hosts available.",
                },
            }
            lifecycle.begin(rec, "BUILD", "ERROR", delay, failure)
            return
        changes: Rec = dict(ACTIVE_STATE)
        changes.update(
            {
                "OS-SRV-USG:launched_at": iso(),
                "OS-EXT-SRV-ATTR:host": "sim-compute-1",
                "OS-EXT-SRV-ATTR:hypervisor_hostname": "sim-compute-1",
                "hostId": secrets.token_hex(28),
            }
        )
        lifecycle.begin(rec, "BUILD", "ACTIVE", delay, changes, stuck=outcome == "stuck")
        rec["OS-EXT-STS:task_state"] = "spawning"
        if self.backend.runs_user_data_signals and outcome != "stuck":
            user_data_signals.run_after(delay, rec.get("OS-EXT-SRV-ATTR:user_data"))

    # -- delete -----------------------------------------------------------------------------

    def delete_server(self, req: Request, params: dict[str, str]) -> Response:
        rec = self.get(req, params["id"])
        self.begin_delete(rec)
        return empty(204)

    def begin_delete(self, rec: Rec) -> None:
        if rec.get("_deleting"):
            return
        rec.pop("_t", None)
        rec["OS-EXT-STS:task_state"] = "deleting"
        lifecycle.schedule_delete(self.store, "server", rec, self.backend.delay("server_delete"))

    def _finish_delete(self, store: Any, rec: Rec) -> None:
        self._teardown(rec)

    def _teardown(self, rec: Rec) -> None:
        """Release everything the server holds and forget it (real Nova's cleanup)."""
        for port in self._ports(rec):
            if port["id"] in rec["_nova_ports"]:
                self.network.ports.remove(port)
            else:
                self.network.ports.unbind(port)
        for vol in rec["_volumes"]:
            self.volumes.detach(vol["id"], rec["id"], delete=vol["delete_on_termination"])
        for group in self.store.table("server_group").values():
            if rec["id"] in group["members"]:
                group["members"].remove(rec["id"])
        self.store.delete("server", rec["id"])


def _moment(stamp: str) -> datetime:
    """An ISO 8601 time (``Z`` or an offset; none is UTC), as Nova's filters read it."""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _changes_since(value: str) -> datetime:
    try:
        return _moment(value)
    except ValueError:
        raise ApiError(
            400,
            f"Invalid input for query parameters changes-since. Value: {value}. "
            f"'{value}' is not a 'date-time'",
        ) from None
