"""`atonix workspace list|show` and `atonix audit`, invoked through click's CliRunner."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from atonix_iac.cli.audit_commands import audit, parse_since
from atonix_iac.cli.workspace_commands import workspace
from atonix_iac.errors import WorkspaceError
from atonix_iac.state import AuditRecord, StackKey, open_store

PROJECT = """\
state: sqlite:///.atonix/state.db
workspaces:
  demo:
    environments:
      dev:
        cloud: atonix-sim
        project: demo
        region: RegionOne
        quotas: {vcpus: 8, instances: 4}
        on_failure: rollback
      prod:
        cloud: atonix-sim
        project: other
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "atonix.yaml").write_text(PROJECT)
    monkeypatch.chdir(tmp_path)
    for var in ("ATONIX_WORKSPACE", "ATONIX_ENVIRONMENT", "ATONIX_STATE_URL"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def test_workspace_list(project: Path) -> None:
    result = CliRunner().invoke(workspace, ["list"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "demo/dev  cloud=atonix-sim project=demo region=RegionOne",
        "demo/prod  cloud=atonix-sim project=other",
    ]


def test_workspace_list_json_and_show(project: Path) -> None:
    result = CliRunner().invoke(workspace, ["list", "--json"])
    data = json.loads(result.output)
    assert data["workspaces"]["demo"]["dev"]["quotas"] == {"instances": 4, "vcpus": 8}
    shown = CliRunner().invoke(workspace, ["show", "demo"])
    assert shown.exit_code == 0, shown.output
    assert "    quotas:  instances=4, vcpus=8" in shown.output
    assert "    region:  (cloud default)" in shown.output
    assert "    on_failure: rollback" in shown.output
    assert data["workspaces"]["demo"]["dev"]["on_failure"] == "rollback"
    assert data["workspaces"]["demo"]["prod"]["on_failure"] is None


def test_workspace_show_never_prints_credentials(project: Path) -> None:
    clouds = project / "clouds.yaml"
    clouds.write_text("clouds:\n  atonix-sim:\n    auth: {username: admin, password: s3cr3t-pw}\n")
    for args in (["show", "demo"], ["list"], ["list", "--json"], ["show", "demo", "--json"]):
        output = CliRunner().invoke(workspace, args).output
        assert "s3cr3t-pw" not in output
        assert "admin" not in output


def test_workspace_show_unknown_is_a_workspace_error(project: Path) -> None:
    result = CliRunner().invoke(workspace, ["show", "nope"])
    assert isinstance(result.exception, WorkspaceError)
    assert "bound: demo" in str(result.exception)


def test_workspace_list_without_project_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(workspace, ["list"])
    assert "implicit default/default workspace" in result.output


def _record(stack: str, action: str, when: datetime, env: str = "dev") -> AuditRecord:
    return AuditRecord(
        key=StackKey("demo", env, stack),
        address="server",
        type="OS::Nova::Server",
        physical_id="abc-123",
        action=action,
        result="ok",
        who="alice@host 42",
        started_at=when,
        duration_s=1.5,
        project="demo",
    )


@pytest.fixture
def audited(project: Path) -> datetime:
    now = datetime.now(UTC)
    store = open_store(f"sqlite:///{project}/.atonix/state.db")
    try:
        store.record_audit(_record("web", "create", now - timedelta(days=3)))
        store.record_audit(_record("web", "update", now - timedelta(minutes=10)))
        store.record_audit(_record("db", "delete", now - timedelta(minutes=5)))
        store.record_audit(_record("web", "delete", now - timedelta(minutes=1), env="prod"))
    finally:
        store.close()
    return now


def test_audit_lists_everything(audited: datetime) -> None:
    result = CliRunner().invoke(audit, [])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 4
    assert "demo/dev/web (demo)  create ok     server (OS::Nova::Server) abc-123  1.50s" in lines[0]


def test_audit_filters_by_stack_and_since(audited: datetime) -> None:
    result = CliRunner().invoke(audit, ["--stack", "web", "-E", "dev", "--since", "1h"])
    assert result.exit_code == 0, result.output
    (line,) = result.output.splitlines()
    assert "demo/dev/web (demo)  update" in line


def test_audit_json(audited: datetime) -> None:
    result = CliRunner().invoke(audit, ["--json", "-w", "demo", "-E", "prod"])
    records = json.loads(result.output)
    assert [(r["stack"], r["action"], r["environment"]) for r in records] == [
        ("web", "delete", "prod")
    ]
    assert records[0]["who"] == "alice@host 42"


def test_audit_bad_since_is_a_usage_error(project: Path) -> None:
    result = CliRunner().invoke(audit, ["--since", "yesterday"])
    assert result.exit_code == 2
    assert "neither an ISO time" in result.output


def test_parse_since() -> None:
    now = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    assert parse_since("2d", now) == datetime(2026, 1, 8, 12, 0, tzinfo=UTC)
    assert parse_since("90m", now) == datetime(2026, 1, 10, 10, 30, tzinfo=UTC)
    assert parse_since("2026-01-09T08:00", now) == datetime(2026, 1, 9, 8, 0, tzinfo=UTC)
    assert parse_since("soon", now) is None
