"""What the server tests share: a network with a subnet to boot on, and tasks run at once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def network_with_subnet(cloud: Any, ident: Any, cidr: str) -> Iterator[str]:
    """For a fixture: a network with one subnet (``cidr``), its id, deleted after."""
    types = cloud.provider().resource_types()
    net = types["OS::Neutron::Net"].create(ident("net"), {})
    subnet = types["OS::Neutron::Subnet"].create(
        ident("subnet"), {"network": net.physical_id, "cidr": cidr}
    )
    yield net.physical_id
    types["OS::Neutron::Subnet"].delete(ident("subnet"), subnet.physical_id, {})
    types["OS::Neutron::Net"].delete(ident("net"), net.physical_id, {})


def in_parallel(count: int, task: Callable[[int], Any]) -> list[Any]:
    """Run ``task(i)`` for every i at once (a barrier lines the threads up)."""
    barrier = threading.Barrier(count, timeout=30)

    def run(index: int) -> Any:
        barrier.wait()
        return task(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))
