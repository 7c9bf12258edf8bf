"""The objects a corpus template's parameters name, created in the simulator first.

Heat's own gate creates the domain, region, pool, security group, image or flavor a template
expects to find before it creates the stack; the coverage test does the same. It plans, reads
the plan-time check's "<kind> `<name>` not found" diagnostics, and creates each object that a
parameter's value names (never a name written into the template itself) through the
simulator's real APIs as admin, then plans again. The checks themselves are unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from atonix_iac.errors import TemplateError
from atonix_iac.providers.openstack._lookup import CONSTRAINTS

# "security group" -> "neutron.security_group", from the check's own wording
CONSTRAINT_OF_WHAT = {what: name for name, (_find, what, _list) in CONSTRAINTS.items()}
_NOT_FOUND = re.compile(r"(?:^|: )(?P<what>[A-Za-z0-9 ]+?) `(?P<name>[^`]+)` not found")


def missing_objects(err: TemplateError) -> list[tuple[str, str]]:
    """(constraint, name) for each "not found" diagnostic of a plan-time check."""
    found: list[tuple[str, str]] = []
    for diagnostic in err.diagnostics:
        match = _NOT_FOUND.search(diagnostic.message)
        if match and match["what"] in CONSTRAINT_OF_WHAT:
            found.append((CONSTRAINT_OF_WHAT[match["what"]], match["name"]))
    return found


def parameter_values(params: Any) -> set[str]:
    """Every string a bound parameter holds (list members included)."""
    values: set[str] = set()
    for value in dict(getattr(params, "values", params)).values():
        items: Iterable[Any] = value if isinstance(value, list) else [value]
        values.update(str(v) for v in items if isinstance(v, str))
        if isinstance(value, str) and "," in value:
            values.update(part.strip() for part in value.split(","))
    return values


def _pool(sdk: Any, name: str, subnet: str) -> None:
    subnet_id = sdk.network.find_subnet(subnet, ignore_missing=False).id
    lb = sdk.load_balancer.create_load_balancer(name=f"{name}-lb", vip_subnet_id=subnet_id)
    sdk.load_balancer.wait_for_load_balancer(lb.id, wait=30)
    listener = sdk.load_balancer.create_listener(
        name=f"{name}-listener", loadbalancer_id=lb.id, protocol="HTTP", protocol_port=80
    )
    sdk.load_balancer.wait_for_load_balancer(lb.id, wait=30)
    sdk.load_balancer.create_pool(
        name=name, listener_id=listener.id, protocol="HTTP", lb_algorithm="ROUND_ROBIN"
    )
    sdk.load_balancer.wait_for_load_balancer(lb.id, wait=30)


def creators(subnet: str, network: str) -> dict[str, Callable[[Any, str], object]]:
    """Constraint -> how an admin creates one object of that kind named ``name``."""
    return {
        "keystone.domain": lambda c, n: c.identity.create_domain(name=n),
        "keystone.region": lambda c, n: c.identity.create_region(id=n),
        "keystone.project": lambda c, n: c.identity.create_project(name=n),
        "keystone.user": lambda c, n: c.identity.create_user(name=n),
        "keystone.role": lambda c, n: c.identity.create_role(name=n),
        "keystone.group": lambda c, n: c.identity.create_group(name=n),
        "keystone.service": lambda c, n: c.identity.create_service(name=n, type=n),
        "glance.image": lambda c, n: c.image.create_image(
            name=n, disk_format="qcow2", container_format="bare"
        ),
        "nova.flavor": lambda c, n: c.compute.create_flavor(name=n, ram=64, vcpus=1, disk=1),
        "nova.keypair": lambda c, n: c.compute.create_keypair(name=n),
        "neutron.security_group": lambda c, n: c.network.create_security_group(name=n),
        "neutron.network": lambda c, n: c.network.create_network(name=n),
        "neutron.router": lambda c, n: c.network.create_router(name=n),
        "cinder.vtype": lambda c, n: c.block_storage.create_type(name=n),
        "octavia.pool": lambda c, n: _pool(c, n, subnet),
    }
