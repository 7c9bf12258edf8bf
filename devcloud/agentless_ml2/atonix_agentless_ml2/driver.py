"""An ML2 mechanism driver that binds every port, so Nova can boot servers with no L2 agent.

OVS and OVN need kernel datapaths and Neutron's own test drivers accept only special host
names; the dev cloud moves no packets, it only needs Neutron to say "bound". Registered through
the ``neutron.ml2.mechanism_drivers`` entry point as ``atonix_agentless``.
"""

from __future__ import annotations

from typing import Any

from neutron_lib import constants
from neutron_lib.api.definitions import portbindings
from neutron_lib.plugins.ml2 import api


class AgentlessMechanismDriver(api.MechanismDriver):  # type: ignore[misc]
    """Binds the first segment offered, as an OVS port, status ACTIVE."""

    def initialize(self) -> None:
        """Nothing to set up: there is no agent to talk to."""

    @property
    def connectivity(self) -> str:
        return portbindings.CONNECTIVITY_L2  # type: ignore[no-any-return]

    def bind_port(self, context: Any) -> None:
        for segment in context.segments_to_bind:
            context.set_binding(
                segment[api.ID],
                portbindings.VIF_TYPE_OVS,
                {portbindings.CAP_PORT_FILTER: True},
                status=constants.PORT_STATUS_ACTIVE,
            )
            return
