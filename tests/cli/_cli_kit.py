"""CLI test kit: run ``atonix`` in a temporary project, in-process (CliRunner) or as a process."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from atonix_iac.cli.main import cli
from atonix_iac.simulator.server import SimulatorServer
from atonix_iac.state import StackKey, State, open_store

ATONIX = Path(sys.executable).with_name("atonix")
# The environment the cloud tests bind (``CloudProject.bind(DEV)``) and the flags naming it.
DEV = "dev: {cloud: atonix-sim, project: demo, region: RegionOne}"
SCOPE = ("-w", "team", "-E", "dev")


@dataclass
class Project:
    root: Path
    runner: CliRunner

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.write_text(text)
        return path

    def run(self, *args: str, input: str | None = None) -> Result:
        """``atonix ARGS`` in-process; output is stdout and stderr apart."""
        return self.runner.invoke(cli, list(args), input=input, catch_exceptions=False)

    def process(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        """``atonix ARGS`` as a real process of the installed entry point."""
        return subprocess.run(
            [str(ATONIX), *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, **env},
            check=False,
        )

    def state(
        self, stack: str = "stack", workspace: str = "default", environment: str = "default"
    ) -> State:
        store = open_store(None, project_dir=self.root)
        try:
            return store.load(StackKey(workspace, environment, stack))
        finally:
            store.close()


@dataclass
class CloudProject(Project):
    """A project next to the simulator: bind it in atonix.yaml, reach it with the SDK."""

    sim: SimulatorServer
    _conns: list[Any] = field(default_factory=list)

    def bind(self, environments: str) -> Path:
        """atonix.yaml with workspace ``team`` and the given environments block (YAML)."""
        body = "".join(f"      {line}\n" for line in environments.strip().splitlines())
        return self.write("atonix.yaml", f"workspaces:\n  team:\n    environments:\n{body}")

    def sdk(self, project: str = "demo") -> Any:
        """A plain openstacksdk connection, for looking (and meddling) behind atonix's back."""
        import openstack

        conn = openstack.connect(cloud="atonix-sim", project_name=project)
        self._conns.append(conn)
        return conn

    def writes(self) -> list[str]:
        """Every write request the cloud received since the log was last cleared."""
        return [f"{r.method} {r.path}" for r in self.sim.request_log(writes_only=True)]

    def close(self) -> None:
        for conn in self._conns:
            conn.close()
        self._conns.clear()


STACK = """heat_template_version: 2018-08-31
parameters:
  greeting:
    type: string
    default: hello
resources:
  secret:
    type: OS::Heat::RandomString
    properties: {length: 16}
  app:
    type: OS::Heat::Value
    properties:
      value:
        str_replace:
          template: GREETING world
          params: {GREETING: {get_param: greeting}}
  web:
    type: OS::Heat::TestResource
    properties:
      value: {get_attr: [app, value]}
  uses_secret:
    type: OS::Heat::Value
    properties:
      value: {get_attr: [secret, value]}
outputs:
  message:
    value: {get_attr: [web, output]}
  password:
    value: {get_attr: [secret, value]}
"""
