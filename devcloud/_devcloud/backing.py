"""The machine's MariaDB and RabbitMQ: our own databases, user and vhost in them, nothing else.

We never start, stop or reconfigure these servers; we only add (and on a fresh start, drop)
objects whose names carry our prefix.
"""

from __future__ import annotations

import shutil
import socket
import subprocess

from .layout import DB_PREFIX, DB_USER, HOST, RABBIT_USER, RABBIT_VHOST
from .procs import DevcloudError

# Keystone keeps SQLite in the state dir: it is read-mostly and initialises much faster there.
DATABASES = (
    "placement",
    "glance",
    "neutron",
    "nova_api",
    "nova_cell0",
    "nova",
    "cinder",
    "barbican",
    "octavia",
    "designate",
    "manila",
)


def db_name(short: str) -> str:
    return DB_PREFIX + short


def db_url(short: str, password: str) -> str:
    return f"mysql+pymysql://{DB_USER}:{password}@{HOST}:3306/{db_name(short)}?charset=utf8"


def rabbit_url(password: str) -> str:
    return f"rabbit://{RABBIT_USER}:{password}@{HOST}:5672/{RABBIT_VHOST}"


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((HOST, port)) == 0


def _mysql_root() -> list[str]:
    """The mysql command line that logs in as root: socket first, then TCP (Debian's root
    often has no password and accepts the socket only)."""
    client = shutil.which("mariadb") or shutil.which("mysql")
    if client is None:
        raise DevcloudError("no mysql/mariadb client on PATH (apt-get install mariadb-client)")
    for extra in ([], ["-h", HOST, "-P", "3306"]):
        argv = [client, "-uroot", *extra]
        probe = subprocess.run([*argv, "-e", "SELECT 1"], capture_output=True, text=True)
        if probe.returncode == 0:
            return argv
    raise DevcloudError(
        "cannot log in to MariaDB as root with an empty password (socket or 127.0.0.1:3306)"
    )


def _sql(statements: str) -> None:
    result = subprocess.run([*_mysql_root(), "-e", statements], capture_output=True, text=True)
    if result.returncode != 0:
        raise DevcloudError(f"MariaDB refused our setup: {result.stderr.strip()}")


def check_servers() -> None:
    missing = [
        name for name, port in (("MariaDB", 3306), ("RabbitMQ", 5672)) if not _port_open(port)
    ]
    if missing:
        raise DevcloudError(
            f"{' and '.join(missing)} not listening on {HOST}; the dev cloud uses the machine's "
            "own servers and never starts or stops them"
        )


def reset_databases(password: str) -> None:
    """Drop and recreate our databases and (re)grant our user: a fresh start."""
    parts = []
    for short in DATABASES:
        name = db_name(short)
        parts.append(f"DROP DATABASE IF EXISTS `{name}`;")
        parts.append(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4;")
    for host in ("localhost", HOST):
        parts.append(f"CREATE USER IF NOT EXISTS '{DB_USER}'@'{host}' IDENTIFIED BY '{password}';")
        parts.append(f"ALTER USER '{DB_USER}'@'{host}' IDENTIFIED BY '{password}';")
        parts.append(f"GRANT ALL PRIVILEGES ON `{DB_PREFIX}%`.* TO '{DB_USER}'@'{host}';")
    _sql("\n".join(parts))


def ensure_databases(password: str) -> None:
    """Create the databases a newer version of the dev cloud added to an existing state."""
    _sql(
        "\n".join(
            f"CREATE DATABASE IF NOT EXISTS `{db_name(short)}` CHARACTER SET utf8mb4;"
            for short in DATABASES
        )
    )


def drop_databases() -> None:
    _sql("\n".join(f"DROP DATABASE IF EXISTS `{db_name(short)}`;" for short in DATABASES))


def _rabbitmqctl(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    ctl = shutil.which("rabbitmqctl")
    if ctl is None:
        raise DevcloudError("rabbitmqctl not on PATH: cannot create the dev cloud's vhost")
    result = subprocess.run([ctl, "-q", *args], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise DevcloudError(f"rabbitmqctl {args[0]} failed: {result.stderr.strip()}")
    return result


def reset_vhost(password: str) -> None:
    """A vhost of our own (deleted first, so no stale queues) and a user for it."""
    _rabbitmqctl("delete_vhost", RABBIT_VHOST, check=False)
    _rabbitmqctl("add_vhost", RABBIT_VHOST)
    users = _rabbitmqctl("list_users").stdout.split()
    if RABBIT_USER in users:
        _rabbitmqctl("change_password", RABBIT_USER, password)
    else:
        _rabbitmqctl("add_user", RABBIT_USER, password)
    _rabbitmqctl("set_permissions", "-p", RABBIT_VHOST, RABBIT_USER, ".*", ".*", ".*")


def drop_vhost() -> None:
    _rabbitmqctl("delete_vhost", RABBIT_VHOST, check=False)
    _rabbitmqctl("delete_user", RABBIT_USER, check=False)


def queue_consumers(queue: str) -> int:
    """How many consumers the dev cloud's vhost has on ``queue`` (0 if it does not exist yet):
    an RPC server listens once its topic queue has one."""
    listed = _rabbitmqctl("list_queues", "-p", RABBIT_VHOST, "name", "consumers", check=False)
    for line in listed.stdout.splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[0] == queue and fields[1].isdigit():
            return int(fields[1])
    return 0
