"""Scale-out on the machine's RabbitMQ and PostgreSQL: 2 API processes, 2 Celery workers,
40 stacks created and 20 of them deleted by 8 concurrent clients, one worker killed with -9
mid-way. Every stack ends CREATE_COMPLETE or DELETE_COMPLETE; every network in the cloud
belongs to exactly one live stack's state, none twice, none left by a deleted stack."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _service_kit import prepare_project, start_process, wait_http

from atonix_iac.simulator.server import SimulatorServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

BROKER = os.environ.get("ATONIX_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
POSTGRES = os.environ.get(
    "ATONIX_TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"
)

SLOW_STACK = """\
heat_template_version: 2018-08-31
resources:
  net:
    type: OS::Neutron::Net
    properties: {name: {get_param: OS::stack_name}}
  slow:
    type: OS::Heat::TestResource
    depends_on: net
    properties: {value: x, wait_secs: 1.5}
  net2:
    type: OS::Neutron::Net
    depends_on: slow
    properties: {name: {list_join: ['-', [{get_param: OS::stack_name}, 'b']]}}
"""


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture
def database() -> Iterator[str]:
    if not (_reachable("127.0.0.1", 5672) and _reachable("127.0.0.1", 5432)):
        if os.environ.get("ATONIX_REQUIRE_RABBITMQ") == "1":
            pytest.fail("RabbitMQ or PostgreSQL unreachable on 127.0.0.1 (CI requires both)")
        pytest.skip("needs RabbitMQ on 127.0.0.1:5672 and PostgreSQL on 127.0.0.1:5432")
    import psycopg

    name = f"atonix_svc_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _heat(sim: SimulatorServer, endpoint: str) -> Any:
    from heatclient import client as heat_client
    from keystoneauth1 import session
    from keystoneauth1.identity import v3

    auth = v3.Password(
        auth_url=sim.auth_url, username="admin", password="admin", project_name="demo",
        user_domain_name="Default", project_domain_name="Default",
    )  # fmt: skip
    sess = session.Session(auth=auth)
    project = sess.get_project_id()
    return heat_client.Client("1", session=sess, endpoint=f"{endpoint}/v1/{project}")


def _wait_running_on(database: str, pid: int, timeout: float = 120) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    with psycopg.connect(database.replace("+psycopg", ""), autocommit=True) as db:
        while time.monotonic() < deadline:
            row = db.execute(
                "SELECT count(*) FROM service_jobs WHERE state = 'running'"
                " AND CAST(detail AS TEXT) LIKE %s",
                (f'%:{pid}"%',),
            ).fetchone()
            if row and row[0]:
                return
            time.sleep(0.1)
    raise AssertionError(f"worker {pid} never ran a job")


def _wait_all(heat: Any, ids: list[str], wanted: str, timeout: float) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    statuses: dict[str, str] = {}
    while time.monotonic() < deadline:
        statuses = {i: heat.stacks.get(i).stack_status for i in ids}
        if all(not s.endswith("IN_PROGRESS") for s in statuses.values()):
            break
        time.sleep(0.5)
    return statuses


def test_two_apis_two_workers_one_killed(tmp_path: Path, database: str) -> None:
    from cryptography.fernet import Fernet

    with SimulatorServer(tmp_path / "sim", projects=("demo",)) as sim:
        sim.configure(persist_interval=0.5)
        env = prepare_project(tmp_path / "svc", sim)
        env.update(
            {
                "ATONIX_STATE_URL": database,
                "ATONIX_STATE_KEY": Fernet.generate_key().decode(),
                "ATONIX_BROKER_URL": BROKER,
                "ATONIX_QUEUE": f"atonix.test.{uuid.uuid4().hex[:8]}",
                "ATONIX_SERVICE_WORKERS": "2",
                "ATONIX_SERVICE_LOCK_TIMEOUT": "300",
            }
        )
        ports = [_free_port(), _free_port()]
        logs = tmp_path / "svc"
        procs: list[Any] = []
        try:
            for i, port in enumerate(ports):
                procs.append(
                    start_process(["serve", "--port", str(port)], env, logs / f"api{i}.log")
                )
            workers = [
                start_process(["worker", "--concurrency", "2"], env, logs / f"worker{i}.log")
                for i in range(2)
            ]
            procs += workers
            urls = [f"http://127.0.0.1:{p}" for p in ports]
            for url in urls:
                wait_http(url + "/health", timeout=60)
            clients = [_heat(sim, urls[i % 2]) for i in range(8)]

            created: dict[str, str] = {}
            guard = threading.Lock()

            def create(client_index: int) -> None:
                heat = clients[client_index]
                for n in range(5):
                    name = f"s{client_index}-{n}"
                    stack_id = heat.stacks.create(stack_name=name, template=SLOW_STACK)["stack"][
                        "id"
                    ]
                    with guard:
                        created[name] = stack_id

            threads = [threading.Thread(target=create, args=(i,)) for i in range(8)]
            for t in threads:
                t.start()
            # kill one worker while it runs a job (resources half made)
            _wait_running_on(database, workers[0].pid)
            time.sleep(0.5)
            os.kill(workers[0].pid, signal.SIGKILL)
            workers[0].wait()
            for t in threads:
                t.join()
            assert len(created) == 40
            statuses = _wait_all(clients[0], list(created.values()), "CREATE_COMPLETE", 300)
            assert Counter(statuses.values()) == {"CREATE_COMPLETE": 40}, statuses

            # delete half of them from 8 clients at once (the killed worker restarted)
            procs.append(start_process(["worker", "--concurrency", "2"], env, logs / "worker2.log"))
            doomed = sorted(created)[::2]

            def delete(client_index: int) -> None:
                for name in doomed[client_index::8]:
                    clients[client_index].stacks.delete(created[name])

            threads = [threading.Thread(target=delete, args=(i,)) for i in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            doomed_ids = [created[n] for n in doomed]
            statuses = _wait_all(clients[1], doomed_ids, "DELETE_COMPLETE", 300)
            assert Counter(statuses.values()) == {"DELETE_COMPLETE": 20}, statuses
            kept = [n for n in created if n not in doomed]
            for name in kept:
                assert clients[0].stacks.get(created[name]).stack_status == "CREATE_COMPLETE"

            # the cloud: each kept stack's two networks exist exactly once; nothing else does
            import openstack

            conn = openstack.connect(**sim.connect_kwargs("demo"))
            try:
                names = Counter(n.name for n in conn.network.networks() if n.name != "public")
            finally:
                conn.close()
            expected = {f"{n}{suffix}" for n in kept for suffix in ("", "-b")}
            assert set(names) == expected, set(names) ^ expected
            assert all(count == 1 for count in names.values()), names
            posts = [r for r in sim.request_log(writes_only=True) if r.method == "POST"
                     and r.path.rstrip("/").endswith("/networks")]  # fmt: skip
            assert len(posts) == 80, len(posts)  # nothing created twice
            # the killed worker's jobs were taken again by another worker and converged
            import psycopg

            with psycopg.connect(database.replace("+psycopg", "")) as db:
                retried = db.execute(
                    "SELECT count(*) FROM service_jobs WHERE attempts > 1"
                ).fetchone()
                unfinished = db.execute(
                    "SELECT count(*) FROM service_jobs WHERE state <> 'done'"
                ).fetchone()
            assert retried is not None and retried[0] >= 1
            assert unfinished == (0,)
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.terminate()
            for proc in procs:
                try:
                    proc.wait(timeout=20)
                except Exception:
                    proc.kill()
