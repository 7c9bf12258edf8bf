"""Tokens Keystone accepts but that name no project, and how long a validated token is
trusted: never past its own ``expires_at``."""

from __future__ import annotations

from datetime import UTC, datetime

import requests
from _service_kit import RunningService
from keystoneauth1 import session
from keystoneauth1.identity import v3

from atonix_iac.service.auth import seconds_left


def test_unscoped_token_is_refused_with_its_reason(service: RunningService) -> None:
    unscoped = session.Session(
        auth=v3.Password(
            auth_url=service.sim.auth_url,
            username="admin",
            password="admin",
            user_domain_name="Default",
            unscoped=True,
        )
    )
    _token, project_id = service.token("demo")
    answer = requests.get(
        f"{service.url}/v1/{project_id}/stacks",
        headers={"X-Auth-Token": unscoped.get_token()},
        timeout=30,
    )
    assert answer.status_code == 403
    error = answer.json()["error"]
    assert error["type"] == "Forbidden"
    assert "scoped to no project" in error["message"]


def test_seconds_left_reads_keystones_expiry() -> None:
    now = datetime(2026, 12, 6, 19, 0, 0, tzinfo=UTC)
    assert seconds_left("2026-12-06T19:00:30.000000Z", now) == 30.0
    assert seconds_left("2026-12-06T19:00:30+00:00", now) == 30.0
    assert seconds_left("2026-12-06T18:59:00.000000Z", now) == 0.0  # already expired
    assert seconds_left(None, now) == 0.0  # unknown: not cached
    assert seconds_left("soon", now) == 0.0
