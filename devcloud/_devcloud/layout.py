"""Where the dev cloud keeps its venv, state, logs and pid files, and its generated secrets.

The venv is a cache shared by every state dir on the machine (``ATONIX_DEVCLOUD_HOME``); the
state (databases aside) lives in one directory so ``down --purge`` can remove it whole.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

DEVCLOUD_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
REGION = "RegionOne"
# ATONIX_DEVCLOUD_TAG names one of several dev clouds sharing the machine's MariaDB and
# RabbitMQ (each in a network namespace of its own, so the ports do not collide): its databases,
# user and vhost carry the tag, and a fresh start of one never drops another's.
TAG = os.environ.get("ATONIX_DEVCLOUD_TAG", "")
DB_PREFIX = f"atonix_dc_{TAG}_" if TAG else "atonix_dc_"
DB_USER = f"atonix_devcloud_{TAG}" if TAG else "atonix_devcloud"
RABBIT_VHOST = f"atonix-devcloud-{TAG}" if TAG else "atonix-devcloud"
RABBIT_USER = RABBIT_VHOST

PORTS = {
    "keystone": 5000,
    "placement": 8778,
    "glance": 9292,
    "neutron": 9696,
    "nova-api": 8774,
    "cinder-api": 8776,
    "barbican": 9311,
    "swift-proxy-server": 8080,
    "swift-object-server": 6200,
    "swift-container-server": 6201,
    "swift-account-server": 6202,
    "octavia-api": 9876,
    "designate-api": 9001,
    "designate-mdns": 5354,
    # The dev cloud's own BIND 9 (Designate's backend): DNS and rndc on non-standard ports.
    "named": 5322,
    "named-rndc": 9532,
    "manila-api": 8786,
}

# Passwords generated once per state dir; every other name is fixed.
SECRET_NAMES = (
    "admin",
    "db",
    "rabbit",
    "service",
    "atonix-dev",
    "atonix-staging",
    "atonix-ci",
    "barbican-kek",
    "swift-hash",
    "rndc-key",
)


@dataclass(frozen=True)
class Layout:
    home: Path
    state: Path

    @classmethod
    def from_env(cls) -> Layout:
        default_home = Path.home() / ".cache" / "atonix-devcloud"
        home = Path(os.environ.get("ATONIX_DEVCLOUD_HOME") or default_home).resolve()
        state = Path(os.environ.get("ATONIX_DEVCLOUD_STATE") or home / "state").resolve()
        return cls(home, state)

    @property
    def venv(self) -> Path:
        return self.home / "venv"

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    @property
    def etc(self) -> Path:
        return self.state / "etc"

    @property
    def data(self) -> Path:
        return self.state / "data"

    @property
    def run(self) -> Path:
        return self.state / "run"

    @property
    def logs(self) -> Path:
        return self.state / "logs"

    @property
    def entry(self) -> Path:
        return self.state / "entry"

    @property
    def clouds_yaml(self) -> Path:
        return self.state / "clouds.yaml"

    @property
    def initialized_marker(self) -> Path:
        return self.state / "initialized"

    def make_dirs(self) -> None:
        for path in (self.etc, self.data, self.run, self.logs, self.entry):
            path.mkdir(parents=True, exist_ok=True)
        os.chmod(self.state, 0o700)

    def secrets(self) -> dict[str, str]:
        """The state dir's passwords, created on first use (file mode 0600)."""
        path = self.state / "secrets.json"
        known: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        missing = [name for name in SECRET_NAMES if name not in known]
        if missing:
            known.update({name: secrets.token_hex(16) for name in missing})
            path.touch(mode=0o600)
            path.write_text(json.dumps(known, indent=2))
        return known


def host_python() -> str:
    """The interpreter that builds the venv (the services want CPython 3.10+)."""
    return os.environ.get("ATONIX_DEVCLOUD_PYTHON") or sys.executable
