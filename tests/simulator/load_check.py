"""Load check (not collected by pytest): N server creates at parallelism P via openstacksdk.

    .venv/bin/python tests/simulator/load_check.py 1000 50 0.0

Starts ``python -m atonix_iac.simulator serve`` in a subprocess (so the simulator does not
share the GIL with the clients), boots N servers from P threads, waits for ACTIVE, and
prints wall time plus the simulator's own per-request latency from ``/_sim/requests``.
"""

from __future__ import annotations

import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import openstack


def main(count: int, parallel: int, delay: float) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data = tempfile.mkdtemp(prefix="atonix-sim-load-")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "atonix_iac.simulator",
            "serve",
            "--port",
            str(port),
            "--data",
            data,
            "--build-delay",
            str(delay),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for _ in range(3):
        proc.stdout.readline()
    kwargs: dict[str, Any] = dict(
        auth_url=f"http://127.0.0.1:{port}/identity",
        username="admin",
        password="admin",
        project_name="demo",
        user_domain_name="Default",
        project_domain_name="Default",
        region_name="RegionOne",
        load_yaml_config=False,
        load_envvars=False,
    )
    try:
        admin = openstack.connect(**kwargs)
        project = admin.current_project_id
        admin.compute.update_quota_set(project, instances=count, cores=count, ram=count * 512)
        admin.network.update_quota(project, ports=count + 10)
        net = admin.network.create_network(name="load")
        admin.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.0.0.0/16")
        image = admin.image.find_image("cirros").id
        conns = [openstack.connect(**kwargs) for _ in range(parallel)]
        interval = 0.5 if delay else 0.05

        def boot(i: int) -> str:
            conn = conns[i % parallel]
            server = conn.compute.create_server(
                name=f"vm-{i}", flavor_id="1", image_id=image, networks=[{"uuid": net.id}]
            )
            done = conn.compute.wait_for_server(server, wait=300, interval=interval)
            return str(done.status)

        started = time.monotonic()
        with ThreadPoolExecutor(parallel) as pool:
            statuses = list(pool.map(boot, range(count)))
        elapsed = time.monotonic() - started
        url = f"http://127.0.0.1:{port}/_sim/requests"
        with urllib.request.urlopen(url) as resp:
            log = json.loads(resp.read())["requests"]
        durations = sorted(r["duration_ms"] for r in log)
        print(
            f"{count} servers, parallelism {parallel}, build delay {delay}s: {elapsed:.1f}s, "
            f"{statuses.count('ACTIVE')} ACTIVE, {len(log)} requests; simulator ms p50 "
            f"{statistics.median(durations):.2f} "
            f"p99 {durations[int(len(durations) * 0.99)]:.2f} max {durations[-1]:.1f}"
        )
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]))
