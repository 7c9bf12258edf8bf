"""The group types' records: ScalingPolicy signal URLs, ResourceGroup's removed list."""

from __future__ import annotations

import pytest

from atonix_iac.providers.base import ResourceIdentity
from atonix_iac.providers.heat.groups import (
    REMOVED_PROPERTY,
    ResourceGroupResource,
    ScalingPolicyResource,
)

IDENTITY = ResourceIdentity("team", "dev", "web", "scale_up")
POLICY = {"adjustment_type": "change_in_capacity", "auto_scaling_group_id": "x"}


def test_signal_url_points_at_the_stack_service_when_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ATONIX_SERVICE_URL", "https://stacks.example.net:8004/v1/p-123/")
    result = ScalingPolicyResource().create(IDENTITY, POLICY)
    url = "https://stacks.example.net:8004/v1/p-123/stacks/web/resources/scale_up/signal"
    assert result.attributes["signal_url"] == url
    assert result.attributes["alarm_url"] == url


def test_signal_url_without_a_service_is_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ATONIX_SERVICE_URL", raising=False)
    result = ScalingPolicyResource().create(IDENTITY, POLICY)
    assert result.attributes["signal_url"] == "atonix signal -w team -E dev -stack web scale_up"


def test_resource_group_records_its_removed_names() -> None:
    group = ResourceGroupResource()
    assert group.schema.properties[REMOVED_PROPERTY].update_allowed
    result = group.create(IDENTITY, {"count": 2, REMOVED_PROPERTY: ["1"]})
    assert result.attributes[REMOVED_PROPERTY] == ["1"]
