"""Trove: OS::Trove::Instance, a managed database server with its schemas and users, and
OS::Trove::Cluster, a datastore's cluster (replaced on any change: Heat has no handle_update).

Trove's endpoint ends with the project id; requests go through openstacksdk's ``database``
proxy. An instance carries no tags or metadata, so an interrupted create is found by its name
(given, or the stack's default name) and creation time (Trove's ``created``). As Heat does, a
new flavor is a resize action, a bigger size a volume resize (each waits for ACTIVE again), and
databases and users are added and removed one by one; a user's password is never read back
(Trove does not show it), so users drift only by name, host and databases.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack._base import ReplacedOnChange, default_name, report
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack._identity import created_since
from atonix_iac.providers.openstack._rest import Body, RestResource


def _user(user: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": user["name"],
        "password": user.get("password"),
        "databases": [{"name": d} for d in user.get("databases") or []],
    }
    if user.get("host"):
        body["host"] = user["host"]
    return body


def _database(db: Mapping[str, Any]) -> dict[str, Any]:
    return {k: db[k] for k in ("name", "character_set", "collate") if db.get(k) is not None}


class _Trove(RestResource):
    service = "database"

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        """By name and Trove's ``created`` time (neither object carries tags or metadata)."""
        name = properties.get("name") or default_name(identity)
        with sdk_errors(f"looking for an interrupted {self.what} create"):
            answer = self.call("GET", self.path) or {}
        for raw in answer.get(self.plural) or []:
            found = str(raw.get("id"))
            if (
                raw.get("name") == name
                and found not in claimed
                and created_since(raw.get("created"), since)
            ):
                return found
        return None


class TroveInstance(_Trove):
    type_name = "OS::Trove::Instance"
    path = "/instances"
    key = "instance"
    plural, what = "instances", "database instance"
    fields = {"name": "name", "availability_zone": "availability_zone"}
    references = {"flavor": ("flavorRef", "nova.flavor")}
    ready = ("ACTIVE",)
    failed = ("ERROR", "FAILED")
    deleting = ("SHUTDOWN",)
    attribute_fields = {"hostname": "hostname"}

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body = super().body(identity, props)
        body["volume"] = {"size": int(props["size"])}
        body["databases"] = [_database(d) for d in props.get("databases") or []]
        body["users"] = [_user(u) for u in props.get("users") or []]
        store = {"type": props.get("datastore_type"), "version": props.get("datastore_version")}
        if any(store.values()):
            body["datastore"] = {k: v for k, v in store.items() if v}
        nics = []
        for net in props.get("networks") or []:
            nic: dict[str, Any] = {}
            if net.get("network"):
                nic["net-id"] = self.resolve("neutron.network", str(net["network"]))
            if net.get("port"):
                nic["port-id"] = self.resolve("neutron.port", str(net["port"]))
            if net.get("fixed_ip"):
                nic["v4-fixed-ip"] = net["fixed_ip"]
            nics.append(nic)
        if nics:
            body["nics"] = nics
        if props.get("restore_point"):
            body["restorePoint"] = {"backupRef": props["restore_point"]}
        for name in ("replica_of", "replica_count"):
            if props.get(name) is not None:
                body[name] = props[name]
        return body

    def attributes(self, obj: Body) -> dict[str, Any]:
        attrs = super().attributes(obj)
        links = obj.get("links") or []
        attrs["href"] = next((link["href"] for link in links if link.get("rel") == "self"), None)
        return attrs

    def _children(self, physical_id: str, kind: str) -> list[dict[str, Any]]:
        answer = self.call("GET", f"{self.path}/{physical_id}/{kind}") or {}
        return list(answer.get(kind) or [])

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        obj = self.get_obj(physical_id, properties)
        if obj is None or str(obj.get("status") or "") in self.deleting:
            return None
        with sdk_errors(f"reading {self.what} {physical_id}", physical_id):
            databases = self._children(physical_id, "databases")
            users = self._children(physical_id, "users")
        datastore = obj.get("datastore") or {}
        live = {
            "name": obj.get("name"),
            "availability_zone": obj.get("availability_zone"),
            "flavor": (obj.get("flavor") or {}).get("id"),
            "size": (obj.get("volume") or {}).get("size"),
            "datastore_type": datastore.get("type"),
            "datastore_version": datastore.get("version"),
            "databases": databases,
            "users": users,
        }
        return ResourceResult(
            physical_id, self.attributes(obj), report(properties, live, self.same)
        )

    def same(self, prop: str, given: Any, value: Any) -> bool:
        if prop == "databases":
            names = {str(d.get("name")) for d in given or []}
            return names == {str(d.get("name")) for d in value or []}
        if prop == "users":

            def key(user: Mapping[str, Any]) -> tuple[str, str, tuple[str, ...]]:
                dbs = [
                    d if isinstance(d, str) else d.get("name") for d in user.get("databases") or []
                ]
                return str(user.get("name")), str(user.get("host") or "%"), tuple(sorted(dbs))

            return sorted(map(key, given or [])) == sorted(map(key, value or []))
        return super().same(prop, given, value)

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        item = f"{self.path}/{physical_id}"
        with sdk_errors(f"updating {self.what} {physical_id}", physical_id):
            if "name" in changed:
                name = new.get("name") or default_name(identity)
                self.call("PATCH", item, {"instance": {"name": name}})
            if "flavor" in changed:
                flavor = self.reference_id("flavor", new["flavor"])
                self.call("POST", f"{item}/action", {"resize": {"flavorRef": flavor}})
                self.wait_ready(physical_id, new)
            if "size" in changed:
                volume = {"volume": {"size": int(new["size"])}}
                self.call("POST", f"{item}/action", {"resize": volume})
                self.wait_ready(physical_id, new)
            if "databases" in changed:
                self._sync_databases(item, old, new)
            if "users" in changed:
                self._sync_users(item, old, new)
            obj = self.wait_ready(physical_id, new)
        return ResourceResult(physical_id, self.attributes(obj))

    def _sync_databases(self, item: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        before = {d["name"]: d for d in old.get("databases") or []}
        after = {d["name"]: d for d in new.get("databases") or []}
        added = [_database(d) for name, d in after.items() if name not in before]
        if added:
            self.call("POST", f"{item}/databases", {"databases": added})
        for name in before.keys() - after.keys():
            self.call("DELETE", f"{item}/databases/{name}")

    def _sync_users(self, item: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        before = {u["name"]: u for u in old.get("users") or []}
        after = {u["name"]: u for u in new.get("users") or []}
        # A changed user is dropped and created again (Heat does the same).
        gone = [n for n, u in before.items() if after.get(n) != u]
        for name in gone:
            self.call("DELETE", f"{item}/users/{name}")
        added = [_user(u) for n, u in after.items() if before.get(n) != u]
        if added:
            self.call("POST", f"{item}/users", {"users": added})


class TroveCluster(ReplacedOnChange, _Trove):
    """Ready when its task is NONE (Trove shows no status on a cluster, only its task)."""

    type_name = "OS::Trove::Cluster"
    path = "/clusters"
    key = "cluster"
    plural, what = "clusters", "database cluster"
    fields = {"name": "name"}
    ready = ("NONE",)
    failed = ("ERROR",)
    deleting = ("DELETING",)
    attribute_fields = {"ip": "ip"}

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body = super().body(identity, props)
        body["datastore"] = {"type": props["datastore_type"], "version": props["datastore_version"]}
        instances = []
        for member in props.get("instances") or []:
            item: dict[str, Any] = {
                "flavorRef": self.flavor_id(str(member["flavor"])),
                "volume": {"size": member.get("volume_size")},
            }
            nics = []
            for net in member.get("networks") or []:
                nic: dict[str, Any] = {}
                if net.get("network"):
                    nic["net-id"] = self.resolve("neutron.network", str(net["network"]))
                if net.get("port"):
                    nic["port-id"] = self.resolve("neutron.port", str(net["port"]))
                if net.get("fixed_ip"):
                    nic["v4-fixed-ip"] = net["fixed_ip"]
                nics.append(nic)
            if nics:
                item["nics"] = nics
            if member.get("availability_zone"):
                item["availability_zone"] = member["availability_zone"]
            instances.append(item)
        body["instances"] = instances
        return body

    def get_obj(self, physical_id: str, properties: Mapping[str, Any]) -> Body | None:
        obj = super().get_obj(physical_id, properties)
        if obj is not None:
            obj["status"] = (obj.get("task") or {}).get("name")
        return obj

    def attributes(self, obj: Body) -> dict[str, Any]:
        attrs = super().attributes(obj)
        attrs["instances"] = [i.get("id") for i in obj.get("instances") or []]
        attrs["show"] = {k: v for k, v in attrs["show"].items() if k != "status"}
        return attrs

    def live(self, obj: Body) -> dict[str, Any]:
        datastore = obj.get("datastore") or {}
        return {
            "name": obj.get("name"),
            "datastore_type": datastore.get("type"),
            "datastore_version": datastore.get("version"),
        }


TYPES: tuple[type[RestResource], ...] = (TroveInstance, TroveCluster)
