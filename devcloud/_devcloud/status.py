"""``devcloud/status``: each recorded process, alive or not, its memory and its health probe."""

from __future__ import annotations

from . import health, procs
from .layout import Layout
from .services import all_processes, enabled_processes


def status(layout: Layout) -> int:
    records = {r.name: r for r in procs.recorded(layout.run)} if layout.run.exists() else {}
    alive = {r.name for r in procs.running(layout.run)} if layout.run.exists() else set()
    if not records:
        print(f"dev cloud not running (state {layout.state})")
        return 3
    healthy = True
    total = 0.0
    wanted = set(enabled_processes())
    for process in all_processes():
        record = records.get(process.name)
        if record is None and process not in wanted:
            continue  # an optional service that is not enabled
        if record is None:
            print(f"  {process.name:<22} not started")
            healthy = False
            continue
        if process.name not in alive:
            print(f"  {process.name:<22} DEAD (pid {record.pid})")
            healthy = False
            continue
        rss = procs.rss_mib(record.pid)
        total += rss
        url = process.health_url()
        probe = "" if url is None else ("answers" if health.answers(url) else "NOT ANSWERING")
        healthy = healthy and probe != "NOT ANSWERING"
        print(f"  {process.name:<22} pid {record.pid:<8} {rss:6.0f} MiB  {probe}")
    print(f"  {'total':<22} {'':<12} {total:6.0f} MiB")
    print(f"clouds.yaml: {layout.clouds_yaml}" if layout.clouds_yaml.exists() else "")
    return 0 if healthy else 1
