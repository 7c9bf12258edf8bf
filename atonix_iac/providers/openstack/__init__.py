"""OpenStack resource types over openstacksdk (compute, network, block storage).

Entry points for other layers: ``OpenStackProvider(binding)``; its ``quota_demand(changes)``
and ``live_limits()`` feed ``workspace.quota.check_quotas``.
"""

from atonix_iac.providers.openstack.provider import TYPE_NAMES, OpenStackProvider
from atonix_iac.providers.openstack.quota import LiveLimits, QuotaDemand

__all__ = ["TYPE_NAMES", "LiveLimits", "OpenStackProvider", "QuotaDemand"]
