"""Types Heat has removed but still accepts: each is now Heat's ``NoneResource`` (see
heat/engine/resources/openstack/{designate,monasca,sahara,vitrage}/ and neutron/loadbalancer.py),
kept so that old templates validate and old stacks delete. Heat creates nothing for them; nor
does atonix: they behave as OS::Heat::None (any property, every attribute None).

Left out on purpose: retired types a cloud provider may implement on the live service
(OS::Glance::Image, OS::Neutron::LBaaS::*, OS::Magnum::Bay).
"""

from __future__ import annotations

from typing import Final

from atonix_iac.providers.heat.none import NoneResource

RETIRED_TYPES: Final = (
    "OS::Aodh::CombinationAlarm",
    "OS::Designate::Domain",
    "OS::Designate::Record",
    "OS::Heat::HARestarter",
    "OS::Monasca::AlarmDefinition",
    "OS::Monasca::Notification",
    "OS::Neutron::HealthMonitor",
    "OS::Neutron::LoadBalancer",
    "OS::Neutron::Pool",
    "OS::Neutron::PoolMember",
    "OS::Sahara::Cluster",
    "OS::Sahara::ClusterTemplate",
    "OS::Sahara::DataSource",
    "OS::Sahara::ImageRegistry",
    "OS::Sahara::Job",
    "OS::Sahara::JobBinary",
    "OS::Sahara::NodeGroupTemplate",
    "OS::Vitrage::Template",
)


def retired_types() -> list[NoneResource]:
    """One placeholder per retired type."""
    return [
        type(name.replace("::", ""), (NoneResource,), {"type_name": name})()
        for name in RETIRED_TYPES
    ]
