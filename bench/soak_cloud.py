"""What the soak harness reads from a cloud and from atonix: the simulator as its own process,
an inventory of one project's objects (plain openstacksdk, through the API), the stack's state
as ``atonix state pull`` prints it, and the counts a trial reports (orphans, duplicates,
objects left behind).

Used by ``bench/soak.py`` and the soak tests; nothing here imports atonix itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openstack
from openstack.config import loader

#: Seconds each kind spends in its transitional state on the soak simulator: long enough that a
#: kill at a random instant usually lands while servers build or volumes attach.
SIM_DELAYS = {
    "server": 1.5,
    "volume": 0.5,
    "volume_action": 0.3,
    "server_delete": 0.5,
    "volume_delete": 0.3,
}
SIM_CLOUD = "atonix-sim"
#: The names examples/web-tier gives its objects: an object so named that appeared during a
#: trial is the trial's even before its identity tags were set.
WEB_TIER_NAMES = frozenset(
    {"web-net", "web-subnet", "web-router", "web-web", "web-1", "web-2"}
    | {"web-1-port", "web-2-port", "web-1-data", "web-2-data"}
)


class Processes:
    """Every process the harness starts, each in its own session, so all can be stopped."""

    def __init__(self) -> None:
        self._live: list[subprocess.Popen[str]] = []

    def start(self, argv: Sequence[str], **kwargs: Any) -> subprocess.Popen[str]:
        proc = subprocess.Popen(list(argv), text=True, start_new_session=True, **kwargs)
        self._live.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen[str], sig: int = signal.SIGKILL) -> None:
        """Signal the process's whole group (its session); reap it on SIGKILL."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        if sig == signal.SIGKILL:
            proc.wait()
            self.forget(proc)

    def forget(self, proc: subprocess.Popen[str]) -> None:
        if proc in self._live:
            self._live.remove(proc)

    def stop_all(self, grace_s: float = 5.0) -> None:
        """SIGTERM, ``grace_s`` to exit, then SIGKILL for whatever still runs."""
        for proc in list(self._live):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for proc in list(self._live):
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
            self.kill(proc)


class SimulatorProcess:
    """``python -m atonix_iac.simulator serve`` on a free loopback port, in its own process."""

    def __init__(self, procs: Processes, data_dir: Path, seed: int) -> None:
        self.procs = procs
        self.data_dir = data_dir
        self.seed = seed
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""

    @property
    def clouds_yaml(self) -> Path:
        return self.data_dir / "clouds.yaml"

    def start(self, timeout_s: float = 60.0) -> SimulatorProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self.data_dir.parent / "sim-config.json"
        settings = {"delays": SIM_DELAYS, "seed": self.seed, "persist_interval": 1.0}
        config.write_text(json.dumps(settings), encoding="utf-8")
        log = (self.data_dir.parent / "simulator.log").open("w", encoding="utf-8")
        argv = [sys.executable, "-m", "atonix_iac.simulator", "serve", "--host", "127.0.0.1"]
        argv += ["--port", "0", "--data", str(self.data_dir), "--config", str(config)]
        self.proc = self.procs.start(argv, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout_s
        while not self.clouds_yaml.is_file() or "auth_url" not in self.clouds_yaml.read_text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the simulator did not start (see {log.name})")
            time.sleep(0.1)
        for line in self.clouds_yaml.read_text(encoding="utf-8").splitlines():
            if "auth_url:" in line:
                self.url = line.split("auth_url:", 1)[1].strip().removesuffix("/identity")
                break
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.procs.kill(self.proc, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
                self.procs.forget(self.proc)
            except subprocess.TimeoutExpired:
                self.procs.kill(self.proc)
        self.proc = None

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            f"{self.url}/_sim/{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def add_project(self, name: str) -> None:
        self.admin("POST", "projects", {"name": name})

    def set_faults(self, rules: list[dict[str, Any]], seed: int) -> None:
        self.admin("PATCH", "config", {"seed": seed})
        self.admin("PUT", "faults", rules)

    def clear_faults(self) -> None:
        self.admin("DELETE", "faults")


def write_faults(rate: float) -> list[dict[str, Any]]:
    """Rules failing about ``rate`` of compute, network and volume write requests: 500 and
    409 before processing, 503 after it, and connection resets before and after."""
    variants: list[dict[str, Any]] = [
        {"status": 500, "when": "before"},
        {"status": 503, "when": "after"},
        {"status": 409, "when": "before"},
        {"action": "reset", "when": "before"},
        {"action": "reset", "when": "after"},
    ]
    # The engine tries a request's rules in order and the first that fires wins.
    each = 1.0 - (1.0 - rate) ** (1.0 / len(variants))
    return [
        {"service": service, "method": method, "path": "*", "error_rate": round(each, 5), **v}
        for service in ("compute", "network", "block-storage")
        for method in ("POST", "PUT", "PATCH", "DELETE")
        for v in variants
    ]


# -- inventory ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CloudObject:
    kind: str
    id: str
    name: str
    tags: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    port_id: str | None = None

    def describe(self) -> str:
        address = self.tags.get("address")
        label = self.name or (f"port {self.port_id}" if self.port_id else "")
        return f"{self.kind} {label} {self.id}" + (f" [{address}]" if address else "")


@dataclass(frozen=True)
class Relation:
    """An association the cloud keeps apart from both ends: a router's port on a subnet
    (key: router, subnet) or a volume attachment (key: volume, server)."""

    kind: str
    key: tuple[str, str]
    id: str

    def describe(self) -> str:
        return f"{self.kind} {self.key[0]}->{self.key[1]} ({self.id})"


@dataclass
class Inventory:
    objects: dict[str, CloudObject] = field(default_factory=dict)
    relations: set[Relation] = field(default_factory=set)


def connect(clouds_yaml: Path, cloud: str, project: str | None) -> Any:
    config = loader.OpenStackConfig(config_files=[str(clouds_yaml)], load_envvars=False)
    if project:
        region = config.get_one(cloud=cloud, project_name=project)
    else:
        region = config.get_one(cloud=cloud)
    return openstack.connection.Connection(config=region)


def _tags(values: Iterable[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for tag in values or ():
        if tag.startswith("atonix:") and "=" in tag:
            key, _, value = tag[len("atonix:") :].partition("=")
            out[key] = value
    return out


def _meta(values: Mapping[str, Any] | None) -> dict[str, str]:
    return {
        str(k)[len("atonix:") :]: str(v)
        for k, v in (values or {}).items()
        if str(k).startswith("atonix:")
    }


def take_inventory(conn: Any) -> Inventory:
    """Every object of the connection's project a stack like the web tier can leave behind."""
    project = conn.current_project_id
    own = {"project_id": project}
    inv = Inventory()

    def add(kind: str, obj: Any, tags: dict[str, str], port_id: str | None = None) -> None:
        inv.objects[obj.id] = CloudObject(kind, obj.id, obj.name or "", tags, port_id)

    for server in conn.compute.servers():
        add("server", server, _meta(server.metadata))
    for volume in conn.block_storage.volumes():
        add("volume", volume, _meta(volume.metadata))
        for att in volume.attachments or []:
            server_id = str(att.get("server_id") or "")
            att_id = str(att.get("attachment_id") or att.get("id") or volume.id)
            inv.relations.add(Relation("volume_attachment", (volume.id, server_id), att_id))
    for net in conn.network.networks(**own):
        add("network", net, _tags(net.tags))
    for subnet in conn.network.subnets(**own):
        add("subnet", subnet, _tags(subnet.tags))
    routers = list(conn.network.routers(**own))
    for router in routers:
        add("router", router, _tags(router.tags))
    for group in conn.network.security_groups(**own):
        if group.name != "default":
            add("security_group", group, _tags(group.tags))
    for fip in conn.network.ips(**own):
        inv.objects[fip.id] = CloudObject(
            "floating_ip", fip.id, "", _tags(fip.tags), fip.port_id or None
        )
    ports = {p.id: p for p in conn.network.ports(**own)}
    for router in routers:
        ports.update({p.id: p for p in conn.network.ports(device_id=router.id)})
    for port in ports.values():
        owner = port.device_owner or ""
        if owner == "network:router_interface":
            for fixed in port.fixed_ips or []:
                key = (str(port.device_id), str(fixed.get("subnet_id")))
                inv.relations.add(Relation("router_interface", key, port.id))
        elif not owner.startswith("network:"):  # gateway, floating IP, DHCP ports are Neutron's
            add("port", port, _tags(port.tags))
    return inv


# -- state -------------------------------------------------------------------------------------


@dataclass
class StateView:
    """What ``atonix state pull`` records: physical ids, relation keys, statuses."""

    ids: set[str] = field(default_factory=set)
    relations: set[tuple[str, tuple[str, str]]] = field(default_factory=set)
    statuses: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, document: Mapping[str, Any]) -> StateView:
        view = cls()
        for res in document.get("resources") or []:
            address = str(res.get("address"))
            view.statuses[address] = str(res.get("status"))
            physical = res.get("physical_id")
            if not physical:
                continue
            view.ids.add(str(physical))
            props = res.get("properties") or {}
            if res.get("type") == "OS::Neutron::RouterInterface":
                router, _, rest = str(physical).partition(":")
                view.relations.add(("router_interface", (router, rest.partition("=")[2])))
            elif res.get("type") == "OS::Cinder::VolumeAttachment":
                volume = str(props.get("volume_id") or physical)
                server = str(props.get("instance_uuid") or "")
                view.relations.add(("volume_attachment", (volume, server)))
        return view


# -- counting ----------------------------------------------------------------------------------


def _ours(obj: CloudObject, environment: str) -> bool:
    tagged = obj.tags.get("environment")
    return tagged == environment if tagged else obj.name in WEB_TIER_NAMES


def trial_objects(
    base: Inventory, now: Inventory, environment: str
) -> tuple[list[CloudObject], list[Relation]]:
    """What appeared since ``base`` and belongs to the trial: objects carrying the trial's
    identity (its own environment) or, untagged, a web-tier name; floating IPs on those ports;
    router interfaces of those routers and attachments of those volumes."""
    objects = [o for i, o in now.objects.items() if i not in base.objects and _ours(o, environment)]
    ids = {o.id for o in objects}
    objects += [
        o
        for i, o in now.objects.items()
        if i not in base.objects and o.kind == "floating_ip" and not o.tags and o.port_id in ids
    ]
    ids = {o.id for o in objects}
    relations = [r for r in now.relations - base.relations if r.key[0] in ids]
    return objects, relations


def orphans(objects: list[CloudObject], relations: list[Relation], state: StateView) -> list[str]:
    """Cloud objects and relations of the trial that state does not record."""
    found = [o.describe() for o in objects if o.id not in state.ids]
    found += [r.describe() for r in relations if (r.kind, r.key) not in state.relations]
    return found


def duplicates(objects: list[CloudObject], relations: list[Relation]) -> list[str]:
    """Extra objects for one address: same kind and name (or identity address, for the
    unnamed), a second router port on one subnet, a volume attached more than once."""
    found: list[str] = []
    groups: dict[tuple[str, str], list[CloudObject]] = {}
    for obj in objects:
        label = obj.name or obj.tags.get("address") or f"port={obj.port_id}"
        if obj.name or obj.tags.get("address") or obj.port_id:
            groups.setdefault((obj.kind, label), []).append(obj)
    for (kind, label), members in sorted(groups.items()):
        if len(members) > 1:
            found.append(f"{len(members)} x {kind} {label}: {[m.id for m in members]}")
    interfaces = Counter(r.key for r in relations if r.kind == "router_interface")
    for (router, subnet), count in sorted(interfaces.items()):
        if count > 1:
            found.append(f"{count} x router_interface {router} on subnet {subnet}")
    attached = Counter(r.key[0] for r in relations if r.kind == "volume_attachment")
    for volume, count in sorted(attached.items()):
        if count > 1:
            found.append(f"volume {volume} attached {count} times")
    return found


def leftovers(objects: list[CloudObject], relations: list[Relation]) -> list[str]:
    return [o.describe() for o in objects] + [r.describe() for r in relations]


@contextlib.contextmanager
def opened(clouds_yaml: Path, cloud: str, project: str | None) -> Iterator[Any]:
    conn = connect(clouds_yaml, cloud, project)
    try:
        yield conn
    finally:
        conn.close()
