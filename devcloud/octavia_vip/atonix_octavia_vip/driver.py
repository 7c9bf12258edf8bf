"""Real VIP ports in Neutron, no amphora behind them.

Octavia's ``network_noop_driver`` invents VIP ports (a random id, 198.51.100.1) that Neutron
never sees, so a client cannot read a load balancer's VIP port back, and the subnet's
addresses are never taken. The real ``allowed_address_pairs_driver`` cannot run next to
``compute_noop_driver`` either: that one records attachments in the noop network driver's
SQLite file and answers with made-up port ids, which the real driver then asks Neutron about.

This driver keeps the real driver for what a user sees in Neutron: the VIP port (allocated by
the API in the load balancer's project, deleted with the load balancer), the load balancer's
security group and its listener rules, and every lookup of networks, subnets and ports. What
would touch an amphora's own interfaces (its VRRP port, plugging and unplugging networks and
member subnets, the amphora network configs) goes to the noop driver, like the noop compute
and amphora drivers it is paired with.
"""

from __future__ import annotations

from typing import Any

from octavia.network.drivers.neutron.allowed_address_pairs import AllowedAddressPairsDriver
from octavia.network.drivers.noop_driver.driver import NoopNetworkDriver


class NeutronVipDriver(AllowedAddressPairsDriver):
    """Neutron for VIPs and lookups; the noop driver for the amphora side."""

    def __init__(self) -> None:
        super().__init__()
        self._amphora_side = NoopNetworkDriver()

    def plug_aap_port(self, load_balancer: Any, vip: Any, amphora: Any, subnet: Any) -> Any:
        return self._amphora_side.plug_aap_port(load_balancer, vip, amphora, subnet)

    def unplug_aap_port(self, vip: Any, amphora: Any, subnet: Any) -> Any:
        return self._amphora_side.unplug_aap_port(vip, amphora, subnet)

    def update_aap_port_sg(self, load_balancer: Any, amphora: Any, vip: Any) -> Any:
        return self._amphora_side.update_aap_port_sg(load_balancer, amphora, vip)

    def plug_port(self, amphora: Any, port: Any) -> Any:
        return self._amphora_side.plug_port(amphora, port)

    def unplug_network(self, compute_id: str, network_id: str) -> Any:
        return self._amphora_side.unplug_network(compute_id, network_id)

    def get_plugged_networks(self, compute_id: str) -> Any:
        return self._amphora_side.get_plugged_networks(compute_id)

    def get_network_configs(self, loadbalancer: Any, amphora: Any = None) -> Any:
        return self._amphora_side.get_network_configs(loadbalancer, amphora=amphora)

    def failover_preparation(self, amphora: Any) -> Any:
        return self._amphora_side.failover_preparation(amphora)

    def plug_fixed_ip(self, port_id: str, subnet_id: str, ip_address: Any = None) -> Any:
        return self._amphora_side.plug_fixed_ip(port_id, subnet_id, ip_address)

    def unplug_fixed_ip(self, port_id: str, subnet_id: str) -> Any:
        return self._amphora_side.unplug_fixed_ip(port_id, subnet_id)

    def apply_qos_on_port(self, qos_id: str, port_id: str) -> Any:
        return self._amphora_side.apply_qos_on_port(qos_id, port_id)
