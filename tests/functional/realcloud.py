"""What the functional tests need from a real cloud: the atonix CLI as a user runs it, and an
inventory of everything a project owns, read through plain openstacksdk as that project's user."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openstack

ROOT = Path(__file__).resolve().parents[2]
ATONIX = Path(sys.executable).with_name("atonix")
CLOUDS_ENV = "ATONIX_REALCLOUD_CLOUDS"
# environment -> clouds.yaml entry (a member user of that project only)
CLOUDS = {"dev": "atonix-dev", "staging": "atonix-staging"}


def copy_example(target: Path) -> Path:
    """examples/web-tier with the building blocks it names (../../templates) and the suite's
    atonix.yaml, laid out as in the repository; returns the stack's directory."""
    stack_dir = target / "examples" / "web-tier"
    shutil.copytree(ROOT / "examples" / "web-tier", stack_dir)
    shutil.copytree(ROOT / "templates", target / "templates")
    shutil.copy(Path(__file__).with_name("atonix.yaml"), stack_dir / "atonix.yaml")
    return stack_dir


@dataclass
class Cli:
    """``atonix`` run as a process in one project directory, bound to one environment."""

    cwd: Path
    environment: str
    clouds_yaml: str

    def run(self, *args: str, expect: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
        argv = [
            str(ATONIX),
            args[0],
            "-w",
            "functional",
            "-E",
            self.environment,
            "-no-color",
            *args[1:],
        ]
        env = {**os.environ, "OS_CLIENT_CONFIG_FILE": self.clouds_yaml}
        env.pop("OS_CLOUD", None)
        result = subprocess.run(
            argv, cwd=self.cwd, capture_output=True, text=True, env=env, timeout=900, check=False
        )
        assert result.returncode in expect, (
            f"atonix {' '.join(args)} exited {result.returncode}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
        )
        return result

    def saved_plan(self, plan_file: str) -> dict[str, Any]:
        shown = self.run("show", "-json", plan_file)
        return json.loads(shown.stdout)  # type: ignore[no-any-return]


def plan_actions(plan: dict[str, Any]) -> dict[str, list[str]]:
    return {c["address"]: c["change"]["actions"] for c in plan["resource_changes"]}


def connect(cloud: str) -> Any:
    return openstack.connect(cloud=cloud)


def live_servers(conn: Any) -> list[Any]:
    """The project's servers, less those Nova already reports DELETED: a deleted server stays
    in the list, DELETED, until Nova has destroyed its record, and Heat (as atonix) counts the
    delete done at DELETED."""
    return [s for s in conn.compute.servers() if str(s.status).upper() != "DELETED"]


def inventory(conn: Any) -> dict[str, set[str]]:
    """Every object the token's project owns, by type (names where they help, ids otherwise).

    The shared external network and the project's ``default`` security group (Neutron makes
    one per project on first use) are not the stack's and are left out.
    """
    project = conn.current_project_id
    own = {"project_id": project}
    groups = [g for g in conn.network.security_groups(**own) if g.name != "default"]
    return {
        "servers": {f"{s.name}:{s.id}" for s in live_servers(conn)},
        "volumes": {f"{v.name}:{v.id}" for v in conn.block_storage.volumes()},
        "snapshots": {s.id for s in conn.block_storage.snapshots()},
        "keypairs": {k.name for k in conn.compute.keypairs()},
        "server_groups": {g.id for g in conn.compute.server_groups()},
        "networks": {f"{n.name}:{n.id}" for n in conn.network.networks(**own)},
        "subnets": {f"{s.name}:{s.id}" for s in conn.network.subnets(**own)},
        "ports": {p.id for p in conn.network.ports(**own)},
        "routers": {f"{r.name}:{r.id}" for r in conn.network.routers(**own)},
        "floating_ips": {f.id for f in conn.network.ips(**own)},
        "security_groups": {f"{g.name}:{g.id}" for g in groups},
        "security_group_rules": {r["id"] for g in groups for r in g.security_group_rules or []},
    }


def added(before: dict[str, set[str]], after: dict[str, set[str]]) -> dict[str, set[str]]:
    return {kind: after[kind] - before[kind] for kind in after if after[kind] - before[kind]}
