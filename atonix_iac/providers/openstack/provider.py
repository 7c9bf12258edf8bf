"""OpenStackProvider: every OpenStack type, sharing one lazily opened, per-thread connection."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from atonix_iac.providers.base import Provider, ResourceType
from atonix_iac.providers.openstack import (
    _lookup,
    aodh,
    aws_ec2,
    aws_network,
    aws_s3,
    aws_vpc,
    container,
    container_infra,
    database,
    legacy_network,
    load_balancer,
    load_balancer_zones,
    mistral,
    mistral_external,
    network_admin,
    network_extras,
    network_firewall,
    network_l2gw,
    network_policy,
    network_taas,
    network_vpn,
    reservation,
    shared_file_system,
    swift_signal,
    zaqar,
)
from atonix_iac.providers.openstack._base import DEFAULT_TIMEOUT_S, CloudSession, OpenStackResource
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack.aggregate import TYPES as AGGREGATE_TYPES
from atonix_iac.providers.openstack.block_storage import Volume, VolumeAttachment
from atonix_iac.providers.openstack.block_storage_admin import TYPES as BLOCK_STORAGE_ADMIN_TYPES
from atonix_iac.providers.openstack.block_storage_qos import TYPES as BLOCK_STORAGE_QOS_TYPES
from atonix_iac.providers.openstack.compute import KeyPair, Server, ServerGroup
from atonix_iac.providers.openstack.compute_admin import TYPES as COMPUTE_ADMIN_TYPES
from atonix_iac.providers.openstack.connect import BindingLike, CloudTarget
from atonix_iac.providers.openstack.dns import TYPES as DNS_TYPES
from atonix_iac.providers.openstack.identity import TYPES as IDENTITY_TYPES
from atonix_iac.providers.openstack.image import TYPES as IMAGE_TYPES
from atonix_iac.providers.openstack.key_manager import TYPES as KEY_MANAGER_TYPES
from atonix_iac.providers.openstack.network import Net, Port, Subnet
from atonix_iac.providers.openstack.object_store import SwiftContainer
from atonix_iac.providers.openstack.quota import (
    OPTIONAL_SERVICES,
    ChangeLike,
    LiveLimits,
    QuotaDemand,
    live_limits,
    quota_demand,
)
from atonix_iac.providers.openstack.quota_services import SERVICE_KEYS, service_limits
from atonix_iac.providers.openstack.routing import (
    FloatingIP,
    FloatingIPAssociation,
    Router,
    RouterInterface,
)
from atonix_iac.providers.openstack.security import SecurityGroup, SecurityGroupRule

TYPES: tuple[type[OpenStackResource], ...] = (
    Server,
    KeyPair,
    ServerGroup,
    Net,
    Subnet,
    Port,
    Router,
    RouterInterface,
    SecurityGroup,
    SecurityGroupRule,
    FloatingIP,
    FloatingIPAssociation,
    Volume,
    VolumeAttachment,
    SwiftContainer,
    *KEY_MANAGER_TYPES,
    *DNS_TYPES,
    *IDENTITY_TYPES,
    *IMAGE_TYPES,
    *COMPUTE_ADMIN_TYPES,
    *BLOCK_STORAGE_ADMIN_TYPES,
    *BLOCK_STORAGE_QOS_TYPES,
    *AGGREGATE_TYPES,
    *load_balancer.TYPES,
    *container_infra.TYPES,
    *shared_file_system.TYPES,
    *network_admin.TYPES,
    *network_policy.TYPES,
    *network_vpn.TYPES,
    *network_extras.TYPES,
    *database.TYPES,
    *container.TYPES,
    *load_balancer_zones.TYPES,
    *reservation.TYPES,
    *network_taas.TYPES,
    *network_firewall.TYPES,
    *network_l2gw.TYPES,
    *aws_ec2.TYPES,
    *aws_network.TYPES,
    *aws_s3.TYPES,
    *aws_vpc.TYPES,
    *swift_signal.TYPES,
    *aodh.TYPES,
    *zaqar.TYPES,
    *mistral.TYPES,
    *mistral_external.TYPES,
    *legacy_network.TYPES,
)
TYPE_NAMES: frozenset[str] = frozenset(t.type_name for t in TYPES)


class OpenStackProvider(Provider):
    """The OpenStack types, scoped to one binding's cloud, project and region.

    Nothing touches the network until a type is used; each thread then gets its own
    authenticated connection. ``timeout_s`` bounds every wait for ready or gone.
    """

    name = "openstack"

    def __init__(self, binding: BindingLike, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.binding = binding
        self.target = CloudTarget.from_binding(binding)
        self.session = CloudSession(self.target, timeout_s)
        self._service_keys: frozenset[str] = frozenset()
        self._services: frozenset[str] = frozenset()
        self._types: Mapping[str, ResourceType] = MappingProxyType(
            {t.type_name: t(self.session) for t in TYPES}
        )

    def resource_types(self) -> Mapping[str, ResourceType]:
        return self._types

    @property
    def connection(self) -> Any:
        """This thread's openstacksdk Connection (for tests and tools)."""
        return self.session.conn

    def flavor_size(self, name_or_id: str) -> tuple[int, int] | None:
        """(vcpus, ram_mb) of a flavor, looked up with GETs and cached."""
        flavor = self.session.cached(
            "flavor", name_or_id, lambda: _lookup.flavor(self.session.conn, name_or_id)
        )
        if flavor is None:
            return None
        return int(flavor.vcpus or 0), int(flavor.ram or 0)

    def quota_demand(self, changes: Iterable[ChangeLike]) -> QuotaDemand:
        demand = quota_demand(changes, self.flavor_size)
        # The DNS, key manager, load balancer, cluster and share quotas are read only when the
        # plan holds such resources.
        touched = (*demand.peak, *demand.net)
        self._service_keys = frozenset(k for k in touched if k in SERVICE_KEYS)
        self._services = frozenset(OPTIONAL_SERVICES[k] for k in touched if k in OPTIONAL_SERVICES)
        return demand

    def live_limits(self) -> LiveLimits:
        """The core services' limits, and those of the services the last ``quota_demand``
        touched (a plan without load balancers asks Octavia nothing)."""
        with sdk_errors(f"reading quotas of {self.target.describe()}"):
            found = live_limits(self.session.conn, self._services)
        if not self._service_keys:
            return found
        limits, usage = service_limits(self.session.conn, self._service_keys)
        return LiveLimits({**found.limits, **limits}, {**found.usage, **usage})

    def close(self) -> None:
        self.session.close()
