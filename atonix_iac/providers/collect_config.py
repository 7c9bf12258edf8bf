"""A software-configured server's ``os-collect-config`` metadata: which collectors the agent
on the server runs, and where its transport polls (server_base._populate_deployments_metadata).

The credentials Heat mints per server (cfn keypair, stack user password, temp URLs) are not
made: nothing here serves Heat's metadata APIs, so the keys that would carry them are left
out. Shared by OS::Nova::Server and OS::Heat::DeployedServer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

DEFAULT_TRANSPORT: Final = "POLL_SERVER_CFN"  # Heat's default_software_config_transport
TRANSPORT_COLLECTORS: Final[Mapping[str, str]] = {
    "POLL_SERVER_CFN": "cfn",
    "POLL_SERVER_HEAT": "heat",
    "POLL_TEMP_URL": "request",
    "ZAQAR_MESSAGE": "zaqar",
}


def collect_config(stack: str, resource_name: str, transport: str | None) -> dict[str, Any]:
    chosen = transport or DEFAULT_TRANSPORT
    collector = TRANSPORT_COLLECTORS.get(chosen)
    occ: dict[str, Any] = {"collectors": ["ec2", *([collector] if collector else []), "local"]}
    if chosen == "POLL_SERVER_CFN":
        occ["cfn"] = {"stack_name": stack, "path": f"{resource_name}.Metadata"}
    elif chosen == "POLL_SERVER_HEAT":
        occ["heat"] = {"stack_id": stack, "resource_name": resource_name}
    elif chosen == "ZAQAR_MESSAGE":
        occ["zaqar"] = {"queue_id": resource_name}
    return occ
