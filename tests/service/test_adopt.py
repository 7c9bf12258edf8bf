"""Abandon keeps a stack's cloud objects; adopt (``adopt_stack_data``) takes them back into a
new stack without creating them again, and creates only what the data did not name."""

from __future__ import annotations

import json

from _service_kit import RunningService

NETWORKED = """\
heat_template_version: 2018-08-31
resources:
  net:
    type: OS::Neutron::Net
    properties: {name: adopted-net}
  label:
    type: OS::Heat::Value
    properties: {value: {get_attr: [net, name]}}
"""


def _network_posts(service: RunningService) -> int:
    return sum(
        1
        for r in service.sim.request_log(writes_only=True)
        if r.method == "POST" and r.path.rstrip("/").endswith("/networks")
    )


def test_abandon_then_adopt(service: RunningService) -> None:
    heat = service.heat("demo")
    stack_id = heat.stacks.create(stack_name="keeper", template=NETWORKED)["stack"]["id"]
    stack = service.wait_status(heat, stack_id, ("CREATE_COMPLETE",))
    assert stack.stack_status == "CREATE_COMPLETE", stack.stack_status_reason
    net_id = heat.resources.get(stack_id, "net").physical_resource_id
    posts = _network_posts(service)

    data = heat.stacks.abandon(stack_id)
    assert data["resources"]["net"]["resource_id"] == net_id

    adopted = heat.stacks.create(
        stack_name="keeper", template=NETWORKED, adopt_stack_data=json.dumps(data)
    )["stack"]["id"]
    stack = service.wait_status(heat, adopted, ("ADOPT_COMPLETE",))
    assert stack.stack_status == "ADOPT_COMPLETE", stack.stack_status_reason
    assert heat.resources.get(adopted, "net").physical_resource_id == net_id
    assert _network_posts(service) == posts  # taken back, not made again

    heat.stacks.delete(adopted)
    service.wait_status(heat, adopted, ("DELETE_COMPLETE",))
    conn = service.sdk("demo")
    try:
        assert conn.network.find_network(net_id) is None
    finally:
        conn.close()
