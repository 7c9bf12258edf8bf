"""Skip a contract test on a real cloud whose catalog lacks the service it exercises.

The dev cloud (devcloud/) runs Keystone, Nova, Neutron, Cinder, Glance and (unless
ATONIX_DEVCLOUD_OPTIONAL turns them off) Barbican, Swift, Designate and Octavia: the contract
tests of the other services (Magnum, Manila ...) skip there rather than fail on a missing
endpoint.
"""

from __future__ import annotations

from typing import Any

import pytest


def require_service(cloud: Any, service_type: str) -> None:
    if cloud.sim is not None:
        return
    if not cloud.sdk().has_service(service_type):
        pytest.skip(f"the target cloud has no {service_type} service in its catalog")


def require_extension(cloud: Any, alias: str) -> None:
    """Skip on a real cloud whose Neutron lacks extension ``alias`` (the dev cloud runs ML2
    and the router plugin only: no VPNaaS, metering, FWaaS or TaaS)."""
    if cloud.sim is not None:
        return
    if cloud.sdk().network.find_extension(alias, ignore_missing=True) is None:
        pytest.skip(f"the target cloud's Neutron has no {alias} extension")
