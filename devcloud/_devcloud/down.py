"""``devcloud/down``: stop every process the dev cloud recorded, by pid, newest first."""

from __future__ import annotations

import shutil

from . import backing, procs
from .layout import Layout
from .services import START_ORDER


def stop_all(layout: Layout) -> list[str]:
    """Stop what is recorded; return the names that would not stop."""
    if not layout.run.exists():
        return []
    order = {p.name: i for i, p in enumerate(START_ORDER)}
    records = sorted(procs.recorded(layout.run), key=lambda r: -order.get(r.name, -1))
    stubborn = []
    for record in records:
        if not procs.stop(layout.run, record):
            stubborn.append(record.name)
    return stubborn


def down(layout: Layout, purge: bool = False) -> int:
    stubborn = stop_all(layout)
    left = procs.running(layout.run) if layout.run.exists() else []
    if stubborn or left:
        names = sorted({*stubborn, *(r.name for r in left)})
        print(f"still running: {', '.join(names)}")
        return 1
    print("dev cloud stopped: no recorded process is running")
    if purge:
        backing.drop_databases()
        backing.drop_vhost()
        shutil.rmtree(layout.state, ignore_errors=True)
        print(f"purged: databases, vhost and {layout.state}")
    return 0
