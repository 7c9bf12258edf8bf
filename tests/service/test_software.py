"""``/software_configs`` and ``/software_deployments`` through heatclient."""

from __future__ import annotations

import pytest
from _service_kit import RunningService
from heatclient import exc as heat_exc


def test_software_configs_and_deployments(service: RunningService) -> None:
    heat = service.heat("demo")
    config = heat.software_configs.create(
        name="hello", group="script", config="#!/bin/sh\necho $greeting",
        inputs=[{"name": "greeting", "default": "hi"}], outputs=[{"name": "result"}],
        options={},
    )  # fmt: skip
    shown = heat.software_configs.get(config.id)
    assert shown.config == "#!/bin/sh\necho $greeting" and shown.group == "script"
    assert config.id in [c.id for c in heat.software_configs.list()]

    deployment = heat.software_deployments.create(
        config_id=config.id, server_id="server-1", action="CREATE", status="IN_PROGRESS",
        input_values={"greeting": "hello"},
    )  # fmt: skip
    assert deployment.status == "IN_PROGRESS"
    (entry,) = heat.software_deployments.metadata("server-1")
    assert entry["config"] == "#!/bin/sh\necho $greeting"
    assert entry["inputs"][0]["value"] == "hello"
    updated = heat.software_deployments.update(
        deployment.id, status="COMPLETE", output_values={"result": "done"}
    )
    assert updated.status == "COMPLETE" and updated.output_values == {"result": "done"}
    assert [d.id for d in heat.software_deployments.list(server_id="server-1")] == [deployment.id]

    # another project sees none of it
    alt = service.heat("alt")
    with pytest.raises(heat_exc.HTTPNotFound):
        alt.software_configs.get(config.id)
    assert alt.software_deployments.list() == []

    heat.software_deployments.delete(deployment.id)
    heat.software_configs.delete(config.id)
    with pytest.raises(heat_exc.HTTPNotFound):
        heat.software_configs.get(config.id)
