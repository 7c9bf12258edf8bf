"""Zun: OS::Zun::Container, run (created and started) as Heat runs it.

Zun's bodies are unwrapped, ids are ``uuid`` and the stack identity rides in ``labels``. The
create is ``POST /containers?run=true`` and waits for Running (or Stopped, for a container that
is not interactive and simply ended); the body is built as Heat builds it: the command split
like a shell, ``restart_policy`` "on-failure:3" as Zun's map, mounts and networks renamed.
Name, cpu and memory change with a PATCH; a changed network list attaches and detaches
networks. Delete stops a running container (``?stop=True``).
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack._rest import Body, RestResource


def restart_policy(policy: str) -> dict[str, str] | None:
    """Heat's "on-failure:3" or "always" as Zun's ``{"Name", "MaximumRetryCount"}``."""
    if ":" in policy:
        name, count = policy.split(":", 1)
        return {"Name": name, "MaximumRetryCount": count or "0"} if name == "on-failure" else None
    if policy in ("always", "unless-stopped", "on-failure", "no"):
        return {"Name": policy, "MaximumRetryCount": "0"}
    return None


class ZunContainer(RestResource):
    type_name = "OS::Zun::Container"
    service = "container"
    path = "/containers"
    key = ""
    id_field = "uuid"
    carrier = "labels"
    update_method = "PATCH"
    microversion = "1.36"  # tty needs it (Heat asks for it too)
    plural, what = "containers", "container"
    ready = ("Running", "Stopped")
    failed = ("Error",)
    deleting = ("Deleting",)
    fields = {
        name: name
        for name in (
            "name",
            "image",
            "cpu",
            "memory",
            "environment",
            "workdir",
            "image_pull_policy",
            "interactive",
            "tty",
            "image_driver",
            "hints",
            "hostname",
            "security_groups",
        )
    }
    attribute_fields = {"addresses": "addresses", "name": "name"}

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body = super().body(identity, props)
        if props.get("command"):
            body["command"] = shlex.split(str(props["command"]))
        if props.get("restart_policy"):
            body["restart_policy"] = restart_policy(str(props["restart_policy"]))
        if props.get("memory") is not None:
            body["memory"] = str(props["memory"])
        mounts = []
        for mount in props.get("mounts") or []:
            entry: dict[str, Any] = {"destination": mount["mount_path"]}
            if mount.get("volume_id"):
                entry["source"] = mount["volume_id"]
            if mount.get("volume_size"):
                entry["size"] = mount["volume_size"]
            mounts.append(entry)
        if mounts:
            body["mounts"] = mounts
        nets = [self._net(n) for n in props.get("networks") or []]
        if nets:
            body["nets"] = nets
        return body

    def _net(self, network: Mapping[str, Any]) -> dict[str, Any]:
        nic: dict[str, Any] = {}
        if network.get("network"):
            nic["network"] = self.resolve("neutron.network", str(network["network"]))
        if network.get("port"):
            nic["port"] = self.resolve("neutron.port", str(network["port"]))
        if network.get("fixed_ip"):
            nic["v4-fixed-ip"] = network["fixed_ip"]
        return nic

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        body = self.body(identity, properties)
        with sdk_errors(f"creating {self.what}"):
            answer = self.call("POST", self.path, body, run="true")
        return ResourceResult(str(answer["uuid"]), raw=Body(answer))

    def delete_url(self, physical_id: str, properties: Mapping[str, Any]) -> str:
        return f"{self.path}/{physical_id}?stop=True"

    def live(self, obj: Body) -> dict[str, Any]:
        found = super().live(obj)
        found["networks"] = [{"network": net} for net in obj.get("addresses") or {}]
        found["command"] = obj.get("command")
        found["restart_policy"] = obj.get("restart_policy")
        return found

    def same(self, prop: str, given: Any, value: Any) -> bool:
        if prop in ("memory", "cpu"):
            return str(given) == str(value) or _number(given) == _number(value)
        if prop == "command":
            return bool(shlex.split(str(given)) == value)
        if prop == "restart_policy":
            return bool(restart_policy(str(given)) == value)
        if prop == "networks":
            wanted = {self._net(n).get("network") for n in given or [] if n.get("network")}
            return wanted == {n["network"] for n in value or []}
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
        if "networks" in changed:
            before = {self._net(n).get("network") for n in old.get("networks") or []}
            after = {self._net(n).get("network") for n in new.get("networks") or []}
            with sdk_errors(f"changing the networks of container {physical_id}", physical_id):
                for network in sorted(n for n in before - after if n):
                    self.call("POST", f"{item}/network_detach", network=network)
                for network in sorted(n for n in after - before if n):
                    self.call("POST", f"{item}/network_attach", network=network)
        rest = frozenset(changed - {"networks"})
        return super().update(identity, physical_id, old, new, rest)


def _number(value: Any) -> float | None:
    try:
        return float(str(value).rstrip("M"))
    except ValueError:
        return None


TYPES: tuple[type[RestResource], ...] = (ZunContainer,)
