"""A create (or update) the cloud cannot take fails at once with Heat's 400, as Heat's
validation does, with nothing queued or written: the same plan-time checks as the CLI's
(custom constraints: the flavor, image ... exist; quotas)."""

from __future__ import annotations

import pytest
from _service_kit import RunningService
from heatclient import exc

SERVER = """\
heat_template_version: 2018-08-31
parameters:
  flavor: {type: string, default: m1.tiny}
  image: {type: string, default: cirros}
resources:
  server:
    type: OS::Nova::Server
    properties:
      flavor: {get_param: flavor}
      image: {get_param: image}
      networks: []
"""

NETWORK = """\
heat_template_version: 2018-08-31
resources:
  net:
    type: OS::Neutron::Net
"""


def _names(heat: object) -> set[str]:
    return {s.stack_name for s in heat.stacks.list()}  # type: ignore[attr-defined]


def test_a_missing_flavor_or_image_is_refused_at_create(service: RunningService) -> None:
    heat = service.heat("demo")
    service.sim.clear_request_log()
    with pytest.raises(exc.HTTPBadRequest) as caught:
        heat.stacks.create(
            stack_name="no-flavor", template=SERVER, parameters={"flavor": "m1.nope"}
        )
    assert (  # Heat's wording of a custom constraint's failure
        "Property error: resources.server.properties.flavor: Error validating value 'm1.nope'"
        in str(caught.value)
    )
    assert "m1.nope" in str(caught.value)
    with pytest.raises(exc.HTTPBadRequest) as caught:
        heat.stacks.create(stack_name="no-image", template=SERVER, parameters={"image": "nope"})
    assert "Property error: resources.server.properties.image: Error validating value 'nope'" in (
        str(caught.value)
    )
    assert not {"no-flavor", "no-image"} & _names(heat)
    writes = [f"{r.method} {r.path}" for r in service.sim.request_log(writes_only=True)]
    assert not [w for w in writes if "/servers" in w], writes


def test_an_update_to_a_missing_flavor_is_refused(service: RunningService) -> None:
    heat = service.heat("demo")
    stack_id = heat.stacks.create(stack_name="resized", template=SERVER)["stack"]["id"]
    try:
        assert service.wait_status(heat, stack_id, ("CREATE_COMPLETE",)).stack_status == (
            "CREATE_COMPLETE"
        )
        with pytest.raises(exc.HTTPBadRequest) as caught:
            heat.stacks.update(stack_id, existing=True, parameters={"flavor": "m1.nope"})
        assert "m1.nope" in str(caught.value)
        assert heat.stacks.get(stack_id).stack_status == "CREATE_COMPLETE"
    finally:
        heat.stacks.delete(stack_id)
        service.wait_status(heat, stack_id, ("DELETE_COMPLETE",))


def test_a_create_over_quota_is_refused(service: RunningService) -> None:
    heat = service.heat("alt")
    service.sim.set_quota("alt", "network", network=0)
    try:
        with pytest.raises(exc.HTTPBadRequest) as caught:
            heat.stacks.create(stack_name="over-quota", template=NETWORK)
        assert "quota exceeded: networks" in str(caught.value)
        assert "over-quota" not in _names(heat)
    finally:
        service.sim.set_quota("alt", "network", network=100)
    stack_id = heat.stacks.create(stack_name="over-quota", template=NETWORK)["stack"]["id"]
    assert service.wait_status(heat, stack_id, ("CREATE_COMPLETE",)).stack_status == (
        "CREATE_COMPLETE"
    )
    heat.stacks.delete(stack_id)
    service.wait_status(heat, stack_id, ("DELETE_COMPLETE",))
