"""``devcloud/up``: install if needed, configure, initialise, start and check the dev cloud."""

from __future__ import annotations

import getpass
import grp
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import backing, bind9, configs, designate_start, health, install, procs
from .layout import DEVCLOUD_DIR, HOST, REGION, Layout
from .services import (
    KEYSTONE,
    NOVA_COMPUTE,
    START_ORDER,
    Process,
    enabled_processes,
    optional_enabled,
)

SEED = DEVCLOUD_DIR / "_devcloud" / "seed_cloud.py"


class Timer:
    def __init__(self) -> None:
        self.start = time.monotonic()
        self.steps: list[tuple[str, float]] = []
        self._last = self.start

    def mark(self, step: str) -> None:
        now = time.monotonic()
        self.steps.append((step, now - self._last))
        self._last = now
        print(f"[{now - self.start:6.1f} s] {step} ({self.steps[-1][1]:.1f} s)", flush=True)

    def report(self) -> str:
        lines = [f"  {step:<34} {seconds:6.1f} s" for step, seconds in self.steps]
        lines.append(f"  {'total':<34} {time.monotonic() - self.start:6.1f} s")
        return "\n".join(lines)


def run_logged(
    layout: Layout, name: str, argv: Sequence[str], env: dict[str, str] | None = None
) -> None:
    """Run a one-off command (db sync ...), its output to logs/setup-NAME.log."""
    log_path = layout.logs / f"setup-{name}.log"
    with open(log_path, "ab") as log:
        result = subprocess.run(
            list(argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
        )
    if result.returncode != 0:
        raise procs.DevcloudError(
            f"{name} failed (exit {result.returncode}); last lines of {log_path}:\n"
            + _tail(log_path)
        )


def _tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _conf_args(layout: Layout, service: str) -> list[str]:
    args: list[str] = []
    for path in configs.config_paths(layout, service):
        args += ["--config-file", str(path)]
    return args


def _init_keystone(layout: Layout, secrets: dict[str, str]) -> None:
    manage = [layout.bin("keystone-manage"), *_conf_args(layout, "keystone")]
    user, group = getpass.getuser(), grp.getgrgid(os.getgid()).gr_name
    run_logged(layout, "keystone", [*manage, "db_sync"])
    for what in ("fernet_setup", "credential_setup"):
        run_logged(
            layout, "keystone", [*manage, what, "--keystone-user", user, "--keystone-group", group]
        )
    url = f"http://{HOST}:5000/v3/"
    run_logged(
        layout,
        "keystone",
        [
            *manage,
            "bootstrap",
            "--bootstrap-admin-url",
            url,
            "--bootstrap-public-url",
            url,
            "--bootstrap-internal-url",
            url,
            "--bootstrap-region-id",
            REGION,
        ],
        env={"OS_BOOTSTRAP_PASSWORD": secrets["admin"]},
    )


def _db_sync(layout: Layout, secrets: dict[str, str]) -> dict[str, list[list[str]]]:
    """Each service's schema commands, longest first (they run two at a time)."""
    nova = [layout.bin("nova-manage"), *_conf_args(layout, "nova")]
    return {
        "nova": [
            [*nova, "api_db", "sync"],
            [
                *nova,
                "cell_v2",
                "map_cell0",
                "--database_connection",
                backing.db_url("nova_cell0", secrets["db"]),
            ],
            [*nova, "cell_v2", "create_cell", "--name", "cell1"],
            [*nova, "db", "sync"],
        ],
        "neutron": [
            [layout.bin("neutron-db-manage"), *_conf_args(layout, "neutron"), "upgrade", "heads"]
        ],
        "cinder": [[layout.bin("cinder-manage"), *_conf_args(layout, "cinder"), "db", "sync"]],
        "glance": [[layout.bin("glance-manage"), *_conf_args(layout, "glance"), "db_sync"]],
        "placement": [
            [layout.bin("placement-manage"), *_conf_args(layout, "placement"), "db", "sync"]
        ],
    }


def _optional_sync(layout: Layout, secrets: dict[str, str]) -> dict[str, list[list[str]]]:
    """Schema commands of the optional services, run on every start (they are idempotent),
    so a state initialised before a service was enabled gains it."""
    commands: dict[str, list[list[str]]] = {}
    if "barbican" in optional_enabled():
        url = backing.db_url("barbican", secrets["db"])
        commands["barbican"] = [[layout.bin("barbican-manage"), "db", "upgrade", "-d", url]]
    if "swift" in optional_enabled():
        commands["swift"] = _swift_rings(layout)
    if "octavia" in optional_enabled():
        commands["octavia"] = [
            *_octavia_ca(layout),
            [layout.bin("octavia-db-manage"), *_conf_args(layout, "octavia"), "upgrade", "head"],
        ]
    if "designate" in optional_enabled():
        manage = [layout.bin("designate-manage"), *_conf_args(layout, "designate")]
        commands["designate"] = [[*manage, "database", "sync"]]
    if "manila" in optional_enabled():
        manage = [layout.bin("manila-manage"), *_conf_args(layout, "manila")]
        commands["manila"] = [[*manage, "db", "sync"]]
    return commands


def _octavia_ca(layout: Layout) -> list[list[str]]:
    """A self-signed CA (unencrypted key, 0600) made once per state dir: Octavia signs a
    certificate with it for every amphora it would boot."""
    ca_dir = configs.octavia_ca_dir(layout)
    if (ca_dir / "ca.pem").exists():
        return []
    ca_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    openssl = shutil.which("openssl")
    if openssl is None:
        raise procs.DevcloudError("openssl not on PATH: Octavia needs a CA of its own")
    return [
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-noenc",
            "-keyout",
            str(ca_dir / "ca.key"),
            "-out",
            str(ca_dir / "ca.pem"),
            "-days",
            "3650",
            "-subj",
            "/CN=atonix-devcloud-octavia-ca",
        ]
    ]


def _swift_rings(layout: Layout) -> list[list[str]]:
    """One-replica rings of one device on loopback, built once per state dir."""
    commands: list[list[str]] = []
    builder = layout.bin("swift-ring-builder")
    for kind, port in (("account", 6202), ("container", 6201), ("object", 6200)):
        path = str(layout.etc / "swift" / f"{kind}.builder")
        if (layout.etc / "swift" / f"{kind}.ring.gz").exists():
            continue
        Path(path).unlink(missing_ok=True)
        commands += [
            [builder, path, "create", "8", "1", "1"],
            [builder, path, "add", f"r1z1-{HOST}:{port}/d1", "1"],
            [builder, path, "rebalance"],
        ]
    return commands


def _sync_then_start(layout: Layout, service: str, commands: list[list[str]]) -> None:
    for argv in commands:
        run_logged(layout, service, argv)
    if service == "nova":
        return  # Nova's daemons build a Placement client as they start: they go last
    if service == "designate":  # in an order of its own
        designate_start.start(layout, run_logged, lambda p: _start(layout, p))
        return
    for process in enabled_processes():
        if process.service == service:
            _start(layout, process)


def _seed(layout: Layout, step: str, *args: str) -> None:
    run_logged(
        layout, f"seed-{step}", [str(layout.python), str(SEED), str(layout.state), step, *args]
    )


def _seed_catalog(layout: Layout, first_start: bool, optional: Sequence[str]) -> None:
    if first_start:
        _seed(layout, "catalog")
    # The optional services' entries are checked on every start: enabling or disabling one
    # changes what the catalog must list.
    _seed(layout, "optional", ",".join(optional) or "none")
    _seed(layout, "external")


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _start(layout: Layout, process: Process) -> None:
    if procs.is_running(layout.run, process.name):
        return
    if process.port is not None and not _port_free(process.port):
        raise procs.DevcloudError(
            f"port {HOST}:{process.port} for {process.name} is taken by a process the dev cloud"
            " did not start; free it or stop that process yourself"
        )
    procs.start(layout.run, layout.logs, process.name, process.argv(layout))


def _wait_healthy(layout: Layout, process: Process) -> None:
    url = process.health_url()
    if url is None:
        if not procs.is_running(layout.run, process.name):
            raise procs.DevcloudError(
                f"{process.name} exited; last lines of {layout.logs / process.name}.log:\n"
                + _tail(layout.logs / f"{process.name}.log")
            )
        return
    try:
        health.wait_until_answers(
            process.name, url, lambda: procs.is_running(layout.run, process.name)
        )
    except procs.DevcloudError as err:
        raise procs.DevcloudError(
            f"{err}; last lines of {layout.logs / process.name}.log:\n"
            + _tail(layout.logs / f"{process.name}.log")
        ) from None


def fresh_reset(layout: Layout) -> None:
    from .down import stop_all

    stop_all(layout)
    if layout.state.exists():
        shutil.rmtree(layout.state)


def up(layout: Layout, fresh: bool = False) -> None:
    timer = Timer()
    if fresh:
        fresh_reset(layout)
        timer.mark("fresh: stopped and wiped state")
    installed = install.ensure_venv(layout)
    timer.mark("install (pip)" if installed else "install (venv up to date)")
    backing.check_servers()
    if "designate" in optional_enabled():
        bind9.require_programs()
    layout.make_dirs()
    secrets = layout.secrets()
    first_start = not layout.initialized_marker.exists()
    configs.write_all(layout, secrets)
    if first_start:
        for old_log in layout.logs.glob("*.log"):
            old_log.unlink()
        backing.reset_databases(secrets["db"])
        (layout.data / "keystone" / "keystone.db").unlink(missing_ok=True)
        backing.reset_vhost(secrets["rabbit"])
        timer.mark("databases and vhost created")
        _init_keystone(layout, secrets)
        timer.mark("keystone initialised")
    else:
        backing.ensure_databases(secrets["db"])
    _start(layout, KEYSTONE)
    _wait_healthy(layout, KEYSTONE)
    timer.mark("keystone answering")
    syncs = {
        **(_db_sync(layout, secrets) if first_start else {}),
        **_optional_sync(layout, secrets),
    }
    optional = optional_enabled()
    with ThreadPoolExecutor(max_workers=2) as pool:
        catalog = pool.submit(_seed_catalog, layout, first_start, optional)
        started = [
            pool.submit(_sync_then_start, layout, service, syncs.get(service, []))
            for service in ("nova", "neutron", "cinder", "glance", "placement", *optional)
        ]
        for future in [*started, catalog]:
            future.result()
    for process in enabled_processes():
        if process.service not in ("keystone", "nova"):
            _wait_healthy(layout, process)
    timer.mark(
        ("databases synced; " if first_start else "")
        + ", ".join(["Placement, Glance, Neutron, Cinder", *optional])
        + " answering"
    )
    nova = [p for p in START_ORDER if p.service == "nova" and p is not NOVA_COMPUTE]
    for process in nova:
        _start(layout, process)
    for process in nova:
        _wait_healthy(layout, process)
    _start(layout, NOVA_COMPUTE)
    try:
        _seed(layout, "compute")
    except procs.DevcloudError as err:
        dead = [p.name for p in enabled_processes() if not procs.is_running(layout.run, p.name)]
        raise procs.DevcloudError(f"{err}\nprocesses not running: {dead or 'none'}") from None
    run_logged(
        layout,
        "nova-discover-hosts",
        [
            layout.bin("nova-manage"),
            *_conf_args(layout, "nova"),
            "cell_v2",
            "discover_hosts",
            "--verbose",
        ],
    )
    timer.mark("nova-compute registered, hosts discovered")
    _seed(layout, "tenants")
    layout.initialized_marker.write_text(time.strftime("%Y-%m-%dT%H:%M:%S\n"))
    timer.mark("projects, flavors, image, network; services checked")
    memory = sum(procs.rss_mib(r.pid) for r in procs.running(layout.run))
    print(f"\nThe dev cloud is up ({'first start' if first_start else 'warm start'}).")
    print(timer.report())
    print(f"  memory (RSS of its processes)      {memory:6.0f} MiB")
    print(
        f"\nclouds.yaml: {layout.clouds_yaml}  (clouds atonix-dev, atonix-staging, "
        "atonix-admin, atonix-real)"
    )
