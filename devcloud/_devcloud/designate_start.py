"""Start Designate in order: named and designate-central first, then (once named answers rndc
and central consumes its RPC queue) ``pools.yaml`` is loaded, then the other daemons.

Designate's daemons call central over RPC as soon as they start (the producer's periodic
tasks, the API); a call made before central's queue exists is lost and waits out its 60 s
timeout. ``designate-manage pool update`` is such a call too. The pools are loaded on a first
start (fresh database) and whenever ``pools.yaml`` changed; the worker caches a pool once it
has loaded it, so a worker still running from before a change is restarted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from . import backing, bind9, configs, procs
from .layout import Layout
from .services import DESIGNATE, Process

RunLogged = Callable[[Layout, str, Sequence[str]], None]
FIRST = ("named", "designate-central")


def _wait_central(layout: Layout, timeout_s: float = 180.0) -> None:
    deadline = time.monotonic() + timeout_s
    while backing.queue_consumers("central") < 1:
        if not procs.is_running(layout.run, "designate-central"):
            raise procs.DevcloudError(
                "designate-central exited before listening on RPC; last lines of "
                f"{layout.logs / 'designate-central.log'}:\n"
                + "\n".join(
                    (layout.logs / "designate-central.log")
                    .read_text(errors="replace")
                    .splitlines()[-15:]
                )
            )
        if time.monotonic() > deadline:
            raise procs.DevcloudError(
                f"designate-central did not consume its RPC queue within {timeout_s:.0f} s"
            )
        time.sleep(1.0)


def _update_pools(layout: Layout, run_logged: RunLogged) -> bool:
    """Load pools.yaml if the database may not have it; True if it ran."""
    pools = layout.etc / "designate" / "pools.yaml"
    applied = layout.data / "designate" / "pools.applied"
    wanted = pools.read_text()
    first_start = not layout.initialized_marker.exists()
    if not first_start and applied.exists() and applied.read_text() == wanted:
        return False
    manage = [layout.bin("designate-manage")]
    for path in configs.config_paths(layout, "designate"):
        manage += ["--config-file", str(path)]
    run_logged(layout, "designate-pools", [*manage, "pool", "update", "--file", str(pools)])
    applied.write_text(wanted)
    return True


def start(layout: Layout, run_logged: RunLogged, start_process: Callable[[Process], None]) -> None:
    for process in DESIGNATE:
        if process.name in FIRST:
            start_process(process)
    bind9.wait_ready(layout, lambda: procs.is_running(layout.run, "named"))
    _wait_central(layout)
    if _update_pools(layout, run_logged):
        stale = [r for r in procs.running(layout.run) if r.name == "designate-worker"]
        procs.stop(layout.run, stale)
    for process in DESIGNATE:
        if process.name not in FIRST:
            start_process(process)
