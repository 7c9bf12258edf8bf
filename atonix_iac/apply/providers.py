"""Which providers a binding's stacks can use (shared by the CLI and the stack service)."""

from __future__ import annotations

from atonix_iac.providers.base import Provider
from atonix_iac.providers.heat import HeatProvider
from atonix_iac.providers.registry import Registry
from atonix_iac.workspace.binding import Binding


def make_registry(binding: Binding | None = None) -> Registry:
    """The providers a stack can use: cloud-free types (OS::Heat::*) always, the OpenStack
    types when the binding names a cloud. Nothing connects until a type is used."""
    providers: list[Provider] = [HeatProvider()]
    if binding is not None and binding.cloud:
        from atonix_iac.providers.openstack import OpenStackProvider

        providers.append(OpenStackProvider(binding))
    return Registry.from_providers(providers)
