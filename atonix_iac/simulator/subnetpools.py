"""Neutron subnet pools and prefix allocation for subnets created from a pool."""

from __future__ import annotations

import ipaddress
from typing import Any

from .errors import ApiError
from .netbase import NeutronBase
from .protocol import Rec, Request, Response, empty
from .routing import Router

_LIMITS = {4: (8, 32), 6: (64, 128)}


class SubnetPools(NeutronBase):
    """``/subnetpools`` plus :meth:`allocate` used by subnet creation."""

    def register(self, r: Router) -> None:
        r.add("GET", "/subnetpools", self.list_pools)
        r.add("POST", "/subnetpools", self.create_pool)
        r.add("GET", "/subnetpools/{id}", self.show_pool)
        r.add("PUT", "/subnetpools/{id}", self.update_pool)
        r.add("DELETE", "/subnetpools/{id}", self.delete_pool)

    def visible(self, req: Request, kind: str, rec: Rec) -> bool:
        if kind == "subnetpool":
            return rec["project_id"] == req.auth.project_id or bool(rec.get("shared"))
        return super().visible(req, kind, rec)

    @staticmethod
    def _prefixes(values: Any) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        if not isinstance(values, list) or not values:
            raise ApiError(
                400, "Invalid input for prefixes. Reason: at least one prefix is required."
            )
        try:
            nets = [ipaddress.ip_network(str(v)) for v in values]
        except ValueError as exc:
            raise ApiError(400, f"Invalid input for prefixes. Reason: {exc}.") from exc
        if len({n.version for n in nets}) != 1:
            raise ApiError(
                400, "Cannot mix IPv4 and IPv6 prefixes in a subnet pool.", "PrefixVersionMismatch"
            )
        # Neutron stores a pool's prefixes compacted (netaddr.IPSet(...).iter_cidrs()):
        # 10.90.0.0/16 and 10.91.0.0/16 read back as 10.90.0.0/15.
        return list(ipaddress.collapse_addresses(nets))  # type: ignore[type-var]

    def _scope(self, req: Request, scope_id: Any, version: int) -> str | None:
        """A visible address scope of the pool's IP version (Neutron checks both)."""
        if not scope_id:
            return None
        scope = self.get(req, "address_scope", str(scope_id))
        if scope["ip_version"] != version:
            raise ApiError(
                400,
                f"Illegal subnetpool association: subnetpool cannot be associated with "
                f"address scope {scope_id} because subnetpool ip_version is not {version}.",
                "IllegalSubnetPoolAssociationToAddressScope",
            )
        return str(scope["id"])

    def list_pools(self, req: Request, params: dict[str, str]) -> Response:
        return self.list_reply(req, "subnetpool", self.store.table("subnetpool").values())

    def show_pool(self, req: Request, params: dict[str, str]) -> Response:
        return self.item_reply(req, "subnetpool", self.get(req, "subnetpool", params["id"]))

    def create_pool(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("subnetpool")
        if body.get("shared") and not req.auth.is_admin:
            raise ApiError(
                403,
                "(rule:create_subnetpool and rule:create_subnetpool:shared) is "
                "disallowed by policy",
                "PolicyNotAuthorized",
            )
        nets = self._prefixes(body.get("prefixes"))
        version = nets[0].version
        low, high = _LIMITS[version]
        min_len = int(body.get("min_prefixlen") or low)
        max_len = int(body.get("max_prefixlen") or high)
        default_len = int(body.get("default_prefixlen") or min_len)
        if not low <= min_len <= default_len <= max_len <= high:
            raise ApiError(
                400,
                f"Illegal prefix bounds: min_prefixlen={min_len}, "
                f"default_prefixlen={default_len}, max_prefixlen={max_len}.",
                "IllegalSubnetPoolPrefixBounds",
            )
        pool = self.skeleton(req.auth.project_id, body)
        pool.update(
            prefixes=[str(n) for n in nets],
            ip_version=version,
            min_prefixlen=min_len,
            max_prefixlen=max_len,
            default_prefixlen=default_len,
            shared=bool(body.get("shared", False)),
            is_default=bool(body.get("is_default")),
            default_quota=body.get("default_quota"),
            address_scope_id=self._scope(req, body.get("address_scope_id"), version),
        )
        self.store.put("subnetpool", pool)
        return self.item_reply(req, "subnetpool", pool, 201)

    def update_pool(self, req: Request, params: dict[str, str]) -> Response:
        pool = self.owned(req, "subnetpool", params["id"])
        body = req.json_object("subnetpool")
        if "prefixes" in body:
            nets = self._prefixes(body["prefixes"])
            old = [ipaddress.ip_network(p) for p in pool["prefixes"]]
            if any(not any(o.subnet_of(n) for n in nets) for o in old):  # type: ignore[arg-type]
                raise ApiError(
                    400,
                    "Existing prefixes must be a subset of the new prefixes",
                    "IllegalSubnetPoolPrefixUpdate",
                )
            pool["prefixes"] = [str(n) for n in nets]
        for key in (
            "name",
            "description",
            "default_prefixlen",
            "min_prefixlen",
            "max_prefixlen",
            "is_default",
            "default_quota",
        ):
            if key in body:
                pool[key] = body[key]
        if "address_scope_id" in body:
            pool["address_scope_id"] = self._scope(
                req, body["address_scope_id"], int(pool["ip_version"])
            )
        self.touch(pool)
        return self.item_reply(req, "subnetpool", pool)

    def delete_pool(self, req: Request, params: dict[str, str]) -> Response:
        pool = self.owned(req, "subnetpool", params["id"])
        if any(s.get("subnetpool_id") == pool["id"] for s in self.store.table("subnet").values()):
            raise ApiError(
                409,
                f"Unable to complete operation on subnet pool {pool['id']}. "
                "Subnets are allocated from it.",
                "SubnetPoolInUse",
            )
        self.store.delete("subnetpool", pool["id"])
        return empty()

    def allocate(self, req: Request, pool_id: str, prefixlen: Any, cidr: Any) -> str:
        """A free CIDR of ``prefixlen`` from the pool, or check that ``cidr`` fits in it."""
        pool = self.get(req, "subnetpool", pool_id)
        prefixes = [ipaddress.ip_network(p) for p in pool["prefixes"]]
        taken = [
            ipaddress.ip_network(s["cidr"])
            for s in self.store.table("subnet").values()
            if s.get("subnetpool_id") == pool["id"]
        ]
        if cidr:
            wanted = ipaddress.ip_network(str(cidr), strict=False)
            if not any(wanted.subnet_of(p) for p in prefixes):  # type: ignore[arg-type]
                raise ApiError(
                    400, f"Cidr {cidr} is not within the subnet pool prefixes.", "BadRequest"
                )
            return str(wanted)
        size = int(prefixlen or pool["default_prefixlen"])
        if not pool["min_prefixlen"] <= size <= pool["max_prefixlen"]:
            raise ApiError(
                400,
                f"Unsupported prefix length {size}: it must be between "
                f"{pool['min_prefixlen']} and {pool['max_prefixlen']}.",
                "BadRequest",
            )
        for prefix in prefixes:
            if size < prefix.prefixlen:
                continue
            for candidate in prefix.subnets(new_prefix=size):
                if not any(candidate.overlaps(t) for t in taken):
                    return str(candidate)
        raise ApiError(
            400,
            f"Failed to allocate subnet: Insufficient prefix space to allocate "
            f"subnet size /{size}.",
            "SubnetAllocationError",
        )
