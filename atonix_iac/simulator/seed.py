"""Seed data every simulated cloud starts with (idempotent, run on each start).

Mirrors a fresh devstack: m1.* flavors with ids "1".."5", cirros and ubuntu images, an
external shared network ``public`` with a large subnet for floating IPs, the
``__DEFAULT__`` volume type, and an ``admin`` project owning the shared resources.
"""

from __future__ import annotations

import ipaddress
import uuid

from .backend import Backend
from .common import iso
from .compute import flavor_record
from .identity import ensure_project
from .ipam import default_pools
from .network import Networking
from .protocol import Rec
from .volume_catalog import DEFAULT_TYPE, new_type

FLAVORS = (
    ("1", "m1.tiny", 1, 512, 1),
    ("2", "m1.small", 1, 2048, 20),
    ("3", "m1.medium", 2, 4096, 40),
    ("4", "m1.large", 4, 8192, 80),
    ("5", "m1.xlarge", 8, 16384, 160),
)
IMAGES = (
    ("cirros", 21430272, "cirros-0.6.2-x86_64-disk", "cirros"),
    ("ubuntu", 2361393152, "ubuntu-24.04-server-cloudimg-amd64", "ubuntu"),
)
PUBLIC_CIDR = "172.24.0.0/16"


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "atonix-sim:" + ":".join(parts)))


def seed(backend: Backend, network: Networking, projects: list[str]) -> None:
    """Create whatever is missing; caller holds the store lock."""
    store = backend.store
    admin_project = ensure_project(backend, "admin", "Bootstrap project for administration")
    for name in projects:
        ensure_project(backend, name)
    for fid, name, vcpus, ram, disk in FLAVORS:
        if store.get("flavor", fid) is None:
            store.put("flavor", flavor_record(fid, name, vcpus, ram, disk))
    for name, size, file_name, distro in IMAGES:
        image_id = stable_id("image", name)
        if store.get("image", image_id) is None:
            store.put("image", _image(image_id, name, size, file_name, distro, admin_project))
    if not any(t["name"] == DEFAULT_TYPE for t in store.table("volume_type").values()):
        store.put("volume_type", new_type(DEFAULT_TYPE, "Default Volume Type"))
    if store.get("network", stable_id("network", "public")) is None:
        _public_network(network, admin_project["id"])


def _image(image_id: str, name: str, size: int, file_name: str, distro: str, owner: Rec) -> Rec:
    stamp = iso()
    return {
        "id": image_id,
        "name": name,
        "status": "active",
        "visibility": "public",
        "disk_format": "qcow2",
        "container_format": "bare",
        "min_disk": 0,
        "min_ram": 0,
        "size": size,
        "virtual_size": size * 4,
        "checksum": uuid.uuid5(uuid.NAMESPACE_URL, file_name).hex,
        "os_hash_algo": "sha512",
        "os_hash_value": None,
        "owner": owner["id"],
        "tags": [],
        "protected": False,
        "os_hidden": False,
        "os_distro": distro,
        "hw_rng_model": "virtio",
        "created_at": stamp,
        "updated_at": stamp,
        "stores": "file",
    }


def _public_network(network: Networking, project_id: str) -> None:
    store = network.store
    stamp = iso()
    base: Rec = {
        "project_id": project_id,
        "tenant_id": project_id,
        "created_at": stamp,
        "updated_at": stamp,
        "revision_number": 1,
        "tags": [],
        "description": "",
    }
    subnet_id = stable_id("subnet", "public-subnet")
    net: Rec = dict(
        base,
        **{
            "id": stable_id("network", "public"),
            "name": "public",
            "status": "ACTIVE",
            "admin_state_up": True,
            "subnets": [subnet_id],
            "shared": True,
            "router:external": True,
            "mtu": 1500,
            "port_security_enabled": True,
            "availability_zones": ["nova"],
            "availability_zone_hints": [],
            "ipv4_address_scope": None,
            "ipv6_address_scope": None,
            "is_default": True,
            "l2_adjacency": True,
            "dns_domain": "",
            "provider:network_type": "flat",
            "provider:physical_network": "public",
            "provider:segmentation_id": None,
        },
    )
    gateway = "172.24.0.1"
    subnet: Rec = dict(
        base,
        **{
            "id": subnet_id,
            "name": "public-subnet",
            "network_id": net["id"],
            "cidr": PUBLIC_CIDR,
            "ip_version": 4,
            "gateway_ip": gateway,
            "enable_dhcp": False,
            "allocation_pools": default_pools(ipaddress.ip_network(PUBLIC_CIDR), gateway),
            "dns_nameservers": [],
            "host_routes": [],
            "subnetpool_id": None,
            "segment_id": None,
            "service_types": [],
            "ipv6_ra_mode": None,
            "ipv6_address_mode": None,
            "dns_publish_fixed_ip": False,
            "_used": {},
        },
    )
    store.put("network", net)
    store.put("subnet", subnet)
