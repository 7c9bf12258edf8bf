"""A binding names its project by name; Keystone names projects uniquely only within a domain.
A token for a same-named project of another domain must not get the binding's stacks (and the
binding's cloud credentials), and a binding whose credentials do not authenticate is the
service's fault (503), not the user's."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from _service_kit import RunningService, in_process_service
from keystoneauth1 import session
from keystoneauth1.identity import v3

from atonix_iac.simulator.server import SimulatorServer


def _token_for(sim: SimulatorServer, project_id: str) -> str:
    auth = v3.Password(
        auth_url=sim.auth_url,
        username="admin",
        password="admin",
        user_domain_name="Default",
        project_id=project_id,
    )
    return str(session.Session(auth=auth).get_token())


def _stacks(url: str, project_id: str, token: str) -> requests.Response:
    return requests.get(
        f"{url}/v1/{project_id}/stacks", headers={"X-Auth-Token": token}, timeout=30
    )


def test_binding_whose_cloud_cannot_authenticate_is_503(
    simulator: SimulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import _service_kit

    monkeypatch.setattr(
        _service_kit,
        "PROJECT_FILE",
        "workspaces:\n  team:\n    environments:\n"
        "      demo: {cloud: no-such-cloud, project: demo}\n",
    )
    with in_process_service(simulator, tmp_path) as running:
        token, project_id = running.token("demo")
        answer = _stacks(running.url, project_id, token)
    assert answer.status_code == 503
    assert answer.json()["error"]["type"] == "ServiceUnavailable"
    assert "no-such-cloud" not in answer.text  # the operator's log says which, not the client


def test_same_name_in_another_domain_is_not_the_binding(service: RunningService) -> None:
    # (The simulator scopes names without their domain: tokens by name come first.)
    token, own_id = service.token("demo")
    admin = service.sdk("demo")
    try:
        domain = admin.identity.create_domain(name="elsewhere")
        namesake = admin.identity.create_project(name="demo", domain_id=domain.id)
        user = admin.identity.find_user("admin", domain_id="default")
        admin.identity.assign_project_role_to_user(
            namesake, user, admin.identity.find_role("admin")
        )
    finally:
        admin.close()
    assert namesake.id != own_id

    refused = _stacks(service.url, namesake.id, _token_for(service.sim, namesake.id))
    assert refused.status_code == 403
    assert "is bound to no workspace environment" in refused.json()["error"]["message"]

    # The bound project itself, matched by name, still gets its binding.
    assert _stacks(service.url, own_id, token).status_code == 200
