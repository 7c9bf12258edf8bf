"""The stack service under load: requests/s for stack show and list, and stack-create
throughput with the embedded worker pool and with 1 and 2 Celery workers.

Not a test: prints what it measured. Needs nothing for the embedded mode; the Celery modes use
RabbitMQ (ATONIX_TEST_BROKER_URL, default amqp://guest:guest@127.0.0.1:5672//) and PostgreSQL
(ATONIX_TEST_POSTGRES_ADMIN_URL, default postgresql://postgres@127.0.0.1:5432/test; a fresh
database is made and dropped). The simulator's Keystone authenticates the clients.

    .venv/bin/python bench/bench_service.py                       # all modes
    .venv/bin/python bench/bench_service.py --modes embedded --stacks 20 --requests 400
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "service"))

from _service_kit import STACK, prepare_project, start_process, wait_http  # noqa: E402

from atonix_iac.simulator.server import SimulatorServer  # noqa: E402

BROKER = os.environ.get("ATONIX_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
POSTGRES = os.environ.get(
    "ATONIX_TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _heat(sim: SimulatorServer, url: str) -> Any:
    from heatclient import client as heat_client
    from keystoneauth1 import session
    from keystoneauth1.identity import v3

    auth = v3.Password(
        auth_url=sim.auth_url, username="admin", password="admin", project_name="demo",
        user_domain_name="Default", project_domain_name="Default",
    )  # fmt: skip
    sess = session.Session(auth=auth)
    return heat_client.Client("1", session=sess, endpoint=f"{url}/v1/{sess.get_project_id()}")


def _measure(sim: SimulatorServer, url: str, stacks: int, requests_n: int) -> dict[str, float]:
    clients = [_heat(sim, url) for _ in range(8)]
    started = time.monotonic()
    ids: list[str] = []
    guard = threading.Lock()

    def create(i: int) -> None:
        for n in range(i, stacks, 8):
            stack_id = clients[i].stacks.create(stack_name=f"b{n}-{uuid.uuid4().hex[:6]}",
                                                template=STACK)["stack"]["id"]  # fmt: skip
            with guard:
                ids.append(stack_id)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(create, range(8)))
    while any(clients[0].stacks.get(i).stack_status.endswith("IN_PROGRESS") for i in ids):
        time.sleep(0.2)
    create_s = time.monotonic() - started
    target = ids[0]

    def shows(i: int) -> None:
        for _ in range(requests_n // 8):
            clients[i].stacks.get(target)

    def lists(i: int) -> None:
        for _ in range(requests_n // 8):
            list(clients[i].stacks.list())

    figures = {"stacks": float(stacks), "create_s": create_s, "creates_per_s": stacks / create_s}
    for name, work in (("show", shows), ("list", lists)):
        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(work, range(8)))
        figures[f"{name}_per_s"] = (requests_n // 8 * 8) / (time.monotonic() - started)
    return figures


def run_mode(mode: str, stacks: int, requests_n: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, SimulatorServer(Path(tmp) / "sim") as sim:
        env = prepare_project(Path(tmp) / "svc", sim)
        procs: list[subprocess.Popen[bytes]] = []
        database = None
        try:
            if mode != "embedded":
                import psycopg
                from cryptography.fernet import Fernet

                database = f"atonix_bench_{uuid.uuid4().hex[:8]}"
                with psycopg.connect(POSTGRES, autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{database}"')
                env.update(
                    {
                        "ATONIX_STATE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}",
                        "ATONIX_STATE_KEY": Fernet.generate_key().decode(),
                        "ATONIX_BROKER_URL": BROKER,
                        "ATONIX_QUEUE": f"atonix.bench.{uuid.uuid4().hex[:8]}",
                    }
                )
            port = _free_port()
            logs = Path(tmp) / "svc"
            procs.append(start_process(["serve", "--port", str(port)], env, logs / "api.log"))
            workers = {"embedded": 0, "celery-1": 1, "celery-2": 2}[mode]
            for i in range(workers):
                procs.append(start_process(["worker", "--concurrency", "4"], env,
                                           logs / f"worker{i}.log"))  # fmt: skip
            url = f"http://127.0.0.1:{port}"
            wait_http(url + "/health", timeout=60)
            return _measure(sim, url, stacks, requests_n)
        finally:
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
            if database is not None:
                import psycopg

                with psycopg.connect(POSTGRES, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE "{database}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", nargs="+", default=["embedded", "celery-1", "celery-2"])
    parser.add_argument("--stacks", type=int, default=40)
    parser.add_argument("--requests", type=int, default=800)
    args = parser.parse_args()
    print(
        f"{'mode':<10} {'stacks':>6} {'create s':>9} {'creates/s':>10} {'show/s':>8} {'list/s':>8}"
    )
    for mode in args.modes:
        f = run_mode(mode, args.stacks, args.requests)
        print(
            f"{mode:<10} {int(f['stacks']):>6} {f['create_s']:>9.2f} {f['creates_per_s']:>10.2f}"
            f" {f['show_per_s']:>8.1f} {f['list_per_s']:>8.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
