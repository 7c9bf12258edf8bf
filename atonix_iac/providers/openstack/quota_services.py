"""Quotas of the DNS and key manager services: what a plan's zones, secrets, containers and
orders hold, and the project's limits and usage, read (with GETs only) only when the plan
holds some, so a plan without them sends no request to those services.

Designate: ``GET /v2/quotas/{project_id}`` (``zones``), usage from the zone listing's
``metadata.total_count``. Barbican: ``GET /v1/quotas`` (the caller's effective quotas, -1 =
unlimited), usage from each listing's ``total``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from openstack import exceptions as os_exceptions

from atonix_iac.providers.openstack._errors import sdk_errors

# type -> what one such resource holds
SERVICE_USAGE: Mapping[str, Callable[[Mapping[str, Any]], Counter[str]]] = {
    "OS::Designate::Zone": lambda p: Counter(zones=1),
    "OS::Barbican::Secret": lambda p: Counter(secrets=1),
    "OS::Barbican::GenericContainer": lambda p: Counter(containers=1),
    "OS::Barbican::CertificateContainer": lambda p: Counter(containers=1),
    "OS::Barbican::RSAContainer": lambda p: Counter(containers=1),
    # An order holds itself and what it generates: a key's secret, or an RSA container of
    # two (three with a pass phrase) secrets.
    "OS::Barbican::Order": lambda p: (
        Counter(orders=1, secrets=1)
        if p.get("type") == "key"
        else Counter(orders=1, containers=1, secrets=3 if p.get("pass_phrase") else 2)
        if p.get("type") == "asymmetric"
        else Counter(orders=1)
    ),
}
DNS_KEYS = frozenset({"zones"})
KEY_MANAGER_KEYS = frozenset({"secrets", "containers", "orders"})
SERVICE_KEYS = DNS_KEYS | KEY_MANAGER_KEYS


def _json(conn: Any, proxy: str, path: str, action: str, **params: Any) -> dict[str, Any]:
    with sdk_errors(action):
        response = getattr(conn, proxy).get(path, params=params or None, raise_exc=False)
        os_exceptions.raise_from_response(response)
        body: dict[str, Any] = response.json()
    return body


def service_limits(conn: Any, keys: Iterable[str]) -> tuple[dict[str, int], dict[str, int]]:
    """(limits, usage) of the service quotas named in ``keys``."""
    wanted = set(keys)
    limits: dict[str, int] = {}
    usage: dict[str, int] = {}
    if wanted & DNS_KEYS:
        project = conn.current_project_id
        quotas = _json(conn, "dns", f"/quotas/{project}", "reading DNS quotas")
        zones = _json(conn, "dns", "/zones", "counting zones", limit=1)
        limits["zones"] = int(quotas.get("zones", -1))
        usage["zones"] = int((zones.get("metadata") or {}).get("total_count", 0))
    if wanted & KEY_MANAGER_KEYS:
        quotas = _json(conn, "key_manager", "quotas", "reading key manager quotas")["quotas"]
        for key in sorted(wanted & KEY_MANAGER_KEYS):
            limits[key] = int(quotas.get(key, -1))
            listing = _json(conn, "key_manager", key, f"counting {key}", limit=1)
            usage[key] = int(listing.get("total", 0))
    return limits, usage
