"""IP address management on subnet records: pools, allocation and release.

Each subnet keeps its allocations in the hidden ``_used`` map (ip -> port id) so allocation
is a short scan from the pool start rather than a walk over every port.
"""

from __future__ import annotations

import ipaddress
from itertools import chain
from typing import Any

from .errors import ApiError
from .protocol import Rec

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_cidr(cidr: Any) -> IPNetwork:
    """Neutron refuses host bits in a CIDR and suggests the canonical form."""
    try:
        net = ipaddress.ip_network(str(cidr), strict=False)
    except ValueError as exc:
        raise ApiError(
            400,
            f"Invalid input for cidr. Reason: '{cidr}' is not a valid IP subnet.",
            "HTTPBadRequest",
        ) from exc
    if str(net) != str(cidr):
        raise ApiError(
            400,
            f"Invalid input for cidr. Reason: '{cidr}' isn't a recognized IP subnet cidr, "
            f"'{net}' is recommended.",
            "HTTPBadRequest",
        )
    return net


def default_gateway(net: IPNetwork) -> str:
    return str(net.network_address + 1)


def default_pools(net: IPNetwork, gateway: str | None) -> list[dict[str, str]]:
    """Every usable address except the gateway (and the IPv4 broadcast address)."""
    first = int(net.network_address) + 1
    last = int(net.broadcast_address) - (1 if net.version == 4 else 0)
    if net.prefixlen >= (31 if net.version == 4 else 127):
        first, last = int(net.network_address), int(net.broadcast_address)
    make = ipaddress.ip_address
    gw = int(make(gateway)) if gateway else None
    if gw is None or not first <= gw <= last:
        return [{"start": str(make(first)), "end": str(make(last))}]
    pools = []
    if gw > first:
        pools.append({"start": str(make(first)), "end": str(make(gw - 1))})
    if gw < last:
        pools.append({"start": str(make(gw + 1)), "end": str(make(last))})
    return pools


def validate_pools(net: IPNetwork, pools: Any) -> list[dict[str, str]]:
    if not isinstance(pools, list):
        raise ApiError(400, "Invalid input for allocation_pools.", "HTTPBadRequest")
    clean = []
    for pool in pools:
        try:
            start = ipaddress.ip_address(pool["start"])
            end = ipaddress.ip_address(pool["end"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ApiError(
                400, f"Invalid allocation pool {pool}.", "InvalidAllocationPool"
            ) from exc
        if start not in net or end not in net or int(start) > int(end):
            raise ApiError(
                400,
                f"The allocation pool {start}-{end} spans beyond the subnet cidr {net}.",
                "OutOfBoundsAllocationPool",
            )
        clean.append({"start": str(start), "end": str(end)})
    return clean


def contains(subnet: Rec, ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip) in ipaddress.ip_network(subnet["cidr"])
    except ValueError:
        return False


def allocate(subnet: Rec, port_id: str, ip: str | None = None) -> str | None:
    """Reserve ``ip`` (or the first free pool address) for ``port_id``; None if exhausted."""
    used: dict[str, str] = subnet.setdefault("_used", {})
    if ip is not None:
        if not contains(subnet, ip):
            raise ApiError(
                400,
                f"IP address {ip} is not a valid IP for the specified subnet.",
                "InvalidIpForSubnet",
            )
        ip = str(ipaddress.ip_address(ip))
        if ip in used:
            raise ApiError(
                409,
                f"IP address {ip} already allocated in subnet {subnet['id']}",
                "IpAddressAlreadyAllocated",
            )
        used[ip] = port_id
        return ip
    # Scan from just after the last allocation (wrapping once), so filling a subnet is
    # linear overall rather than quadratic.
    ranges = [
        (int(ipaddress.ip_address(p["start"])), int(ipaddress.ip_address(p["end"])))
        for p in subnet["allocation_pools"]
    ]
    hint = int(subnet.get("_next", 0))
    for start, end in ranges:
        for value in chain(range(max(start, hint), end + 1), range(start, min(hint, end + 1))):
            candidate = str(ipaddress.ip_address(value))
            if candidate not in used:
                used[candidate] = port_id
                subnet["_next"] = value + 1
                return candidate
    return None


def release(subnet: Rec, ip: str) -> None:
    subnet.setdefault("_used", {}).pop(ip, None)
