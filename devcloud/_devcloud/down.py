"""``devcloud/down``: stop every process the dev cloud recorded, by pid, all at once."""

from __future__ import annotations

import shutil

from . import backing, procs
from .layout import Layout


def stop_all(layout: Layout) -> list[str]:
    """Stop what is recorded; return the names that would not stop."""
    if not layout.run.exists():
        return []
    return procs.stop(layout.run, procs.recorded(layout.run))


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
