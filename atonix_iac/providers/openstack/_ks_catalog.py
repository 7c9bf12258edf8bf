"""A token's service catalogue normalised once, not on every request.

keystoneauth finds a request's endpoint (and openstacksdk the service's microversion range)
through ``ServiceCatalog.normalize_catalog``, which deep-copies the token's whole catalogue
and rewrites it on every call: twice per request, ~0.25 ms each with the simulator's
catalogue (a dozen services), about a tenth of the client CPU of an apply. The catalogue of a
token does not change (a new token brings a new ``ServiceCatalog``), so the normalised form is
kept on the catalogue object, keyed by the catalogue list it was made from, and each call
returns a fresh copy of its dicts (services, endpoints, raw endpoints: flat dicts of strings),
so callers that change what they get still change only their copy.

``install()`` replaces the method on ``keystoneauth1.access.service_catalog.ServiceCatalog``
once per process, only if it has the shape read here; otherwise keystoneauth runs as shipped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from keystoneauth1.access import service_catalog

from atonix_iac.providers.openstack._method_patch import MethodPatch

_SLOT = "_atonix_normalized"


def _copy(services: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for service in services:
        copied = dict(service)
        copied["endpoints"] = [
            {**endpoint, "raw_endpoint": dict(endpoint["raw_endpoint"])}
            if isinstance(endpoint.get("raw_endpoint"), dict)
            else dict(endpoint)
            for endpoint in service.get("endpoints", [])
        ]
        out.append(copied)
    return out


def _memoised(original: Callable[[Any], list[dict[str, Any]]]) -> Callable[[Any], Any]:
    def normalize_catalog(self: Any) -> list[dict[str, Any]]:
        kept = self.__dict__.get(_SLOT)
        if kept is None or kept[0] is not self._catalog:
            kept = (self._catalog, original(self))
            self.__dict__[_SLOT] = kept
        return _copy(kept[1])

    return normalize_catalog


_PATCH = MethodPatch(service_catalog.ServiceCatalog, "normalize_catalog", ["self"], _memoised)


def install() -> bool:
    """Memoise ``normalize_catalog``; False if keystoneauth's shape is not the known one."""
    return _PATCH.install()


def original_normalize_catalog() -> Callable[..., Any] | None:
    """keystoneauth's own method (for tests), or None when not installed."""
    return _PATCH.original
