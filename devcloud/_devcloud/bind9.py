"""BIND 9 as Designate's backend: the machine's ``named`` and ``rndc`` (Debian's bind9 package),
run by the dev cloud itself.

named listens on 127.0.0.1 at non-standard ports (DNS and rndc, see ``layout.PORTS``), reads
``etc/designate/named.conf`` and keeps its zones under ``data/bind``; it is one of the dev
cloud's processes (pid file, log, stopped by ``down``), never the system's ``named`` service.
Designate's worker adds and removes zones with ``rndc addzone``/``delzone``; named then
transfers each zone from designate-mdns, and the worker polls named until it serves the
zone's serial: only then is a zone ACTIVE.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from .layout import Layout
from .procs import DevcloudError

INSTALL_HINT = "apt-get install bind9 bind9-utils"


def program(name: str) -> str | None:
    """The machine's ``named`` or ``rndc`` (sbin may be missing from a user's PATH)."""
    return shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin") / name, Path("/sbin") / name) if p.exists()), None
    )


def require_programs() -> None:
    missing = [name for name in ("named", "rndc") if program(name) is None]
    if missing:
        raise DevcloudError(
            f"Designate's backend needs BIND 9 ({', '.join(missing)} not found): install it "
            f"with `{INSTALL_HINT}` (the dev cloud runs a named of its own on a non-standard "
            "port under its state dir and never starts the system service), or leave "
            "designate out of ATONIX_DEVCLOUD_OPTIONAL"
        )


def data_dir(layout: Layout) -> Path:
    return layout.data / "bind"


def named_argv(layout: Layout) -> list[str]:
    # -g: foreground, log to stderr (our log file); -4: the dev cloud is IPv4 only.
    named = program("named") or "named"
    return [named, "-g", "-4", "-c", str(layout.etc / "designate" / "named.conf")]


def rndc_argv(layout: Layout, *command: str) -> list[str]:
    rndc = program("rndc") or "rndc"
    return [rndc, "-c", str(layout.etc / "designate" / "rndc.conf"), *command]


def wait_ready(layout: Layout, alive: Callable[[], bool], timeout_s: float = 120.0) -> None:
    """Until ``rndc status`` answers: named has loaded its config and listens."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        probe = subprocess.run(
            rndc_argv(layout, "status"), capture_output=True, text=True, timeout=30
        )
        if probe.returncode == 0:
            return
        if not alive():
            raise DevcloudError(f"named exited before answering rndc: {probe.stderr.strip()}")
        time.sleep(0.5)
    raise DevcloudError(f"named did not answer rndc within {timeout_s:.0f} s")
