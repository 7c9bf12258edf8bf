"""Service test kit: the simulator's Keystone (listing the service as ``orchestration``) and
the stack service in this process (waitress on a free port, embedded workers), or as
processes (``atonix serve`` / ``atonix worker``)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from atonix_iac.service.api.common import Services
from atonix_iac.service.app import make_app
from atonix_iac.service.server import build
from atonix_iac.service.settings import Settings
from atonix_iac.simulator.server import SimulatorServer

ATONIX = Path(sys.executable).with_name("atonix")

PROJECT_FILE = """\
workspaces:
  team:
    environments:
      demo:
        cloud: atonix-sim
        project: demo
      alt:
        cloud: atonix-sim
        project: alt
"""

STACK = """\
heat_template_version: 2018-08-31
description: A cloud-free stack
parameters:
  greeting:
    type: string
    default: hello
  secret_word:
    type: string
    hidden: true
    default: swordfish
resources:
  word:
    type: OS::Heat::RandomString
    properties: {length: 8}
  app:
    type: OS::Heat::Value
    properties:
      value:
        str_replace:
          template: GREETING world
          params: {GREETING: {get_param: greeting}}
  after:
    type: OS::Heat::Value
    depends_on: [app]
    properties:
      value: {get_attr: [app, value]}
outputs:
  message:
    description: the greeting
    value: {get_attr: [after, value]}
"""


@dataclass
class RunningService:
    url: str
    services: Services
    sim: SimulatorServer
    root: Path

    def session(self, project: str = "demo") -> Any:
        """A keystoneauth session scoped to ``project`` on the simulator's Keystone."""
        from keystoneauth1 import session
        from keystoneauth1.identity import v3

        auth = v3.Password(
            auth_url=self.sim.auth_url,
            username="admin",
            password="admin",
            project_name=project,
            user_domain_name="Default",
            project_domain_name="Default",
        )
        return session.Session(auth=auth)

    def heat(self, project: str = "demo") -> Any:
        """python-heatclient, finding the service in the catalog as any client would."""
        from heatclient import client as heat_client

        return heat_client.Client("1", session=self.session(project))

    def sdk(self, project: str = "demo") -> Any:
        import openstack

        return openstack.connect(**self.sim.connect_kwargs(project))

    def token(self, project: str = "demo") -> tuple[str, str]:
        sess = self.session(project)
        return str(sess.get_token()), str(sess.get_project_id())

    def wait_status(
        self, heat: Any, stack_id: str, done: tuple[str, ...], timeout: float = 60.0
    ) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            stack = heat.stacks.get(stack_id)
            if stack.stack_status in done or not stack.stack_status.endswith("IN_PROGRESS"):
                return stack
            if time.monotonic() > deadline:
                raise AssertionError(f"{stack_id} still {stack.stack_status}")
            time.sleep(0.1)


OPENSTACK = Path(sys.executable).with_name("openstack")


def openstack_cli(
    service: RunningService, *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``openstack ARGS`` (python-openstackclient, unmodified) as a process, logged in to the
    simulator's Keystone as the demo project's admin; nothing of this machine's ``OS_*`` or
    atonix configuration leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_") and k != "ATONIX_CONFIG"}
    env.update(service.sim.openrc("demo"))
    return subprocess.run(
        [str(OPENSTACK), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
        cwd=cwd or service.root,
    )


def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def prepare_project(root: Path, sim: SimulatorServer) -> dict[str, str]:
    """atonix.yaml binding projects demo and alt; the environment the service reads."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "atonix.yaml").write_text(PROJECT_FILE)
    clouds = sim.write_clouds_yaml(root / "clouds.yaml")
    return {
        "ATONIX_CONFIG": str(root / "atonix.yaml"),
        "ATONIX_AUTH_URL": sim.auth_url,
        "OS_CLIENT_CONFIG_FILE": str(clouds),
    }


@contextmanager
def in_process_service(
    sim: SimulatorServer, root: Path, extra_env: dict[str, str] | None = None
) -> Iterator[RunningService]:
    from waitress.server import create_server

    env = {**prepare_project(root, sim), **(extra_env or {})}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        settings = Settings.from_env()
        services, validator = build(settings)
        server = create_server(make_app(services, validator), host="127.0.0.1", port=0, threads=8)
        url = f"http://127.0.0.1:{server.effective_port}"  # type: ignore[union-attr]
        thread = threading.Thread(target=_run_quietly, args=(server,), daemon=True)
        thread.start()
        sim.configure(extra_catalog={"orchestration": url + "/v1/{project_id}"})
        try:
            yield RunningService(url, services, sim, root)
        finally:
            server.close()
            services.jobs.close()
            services.engine.close()
            sim.configure(extra_catalog={})
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _run_quietly(server: Any) -> None:
    """waitress's loop, which ends with EBADF when the socket is closed under it."""
    with contextlib.suppress(OSError):
        server.run()


def start_process(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("ab")
    return subprocess.Popen(
        [str(ATONIX), *args],
        env={**os.environ, **env},
        stdout=handle,
        stderr=subprocess.STDOUT,
        cwd=log.parent,
    )
