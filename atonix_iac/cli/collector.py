"""The cyclic garbage collector, tuned for one command-line run.

A run builds hundreds of thousands of objects that live until it ends (imported modules, a
10,000-resource template, its state, the plan) and makes few reference cycles worth chasing.
The collector's generations are for programs whose objects mostly die young: here each
collection scanned objects that could never be garbage, half of a large plan's time with
the default thresholds. ``tune`` (called by ``main``) freezes what is loaded and raises the
thresholds; ``keep`` freezes, at the points where a phase's results are built (a command's
modules imported, the state database opened, the template loaded), what is alive then.

Frozen objects are never collected, so only a run that ends soon may do this: ``keep`` does
nothing unless ``main`` tuned the collector (not in tests that call the CLI in-process, nor
in the stack service).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_TUNED = threading.Event()


def tune() -> None:
    """Freeze what is loaded now and collect far less often (the first pass: a
    10,000-resource plan went from 8.4 to 4.7 CPU s)."""
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    _TUNED.set()


def keep() -> None:
    """Everything alive now lives until the run ends: keep the collector from scanning it.

    Each young generation's first collection otherwise scans all of it: left there, a loaded
    command's modules (~100,000 objects) cost a 1,000-resource plan ~25 ms, SQLAlchemy's and
    the template's as much again. Freezing is O(1) and restarts the generation's count."""
    if _TUNED.is_set():
        gc.freeze()


@contextmanager
def lasting() -> Iterator[None]:
    """What the block builds lives until the run ends: no collection runs inside it (it would
    only scan those objects; a 1,000-resource chain's template is ~100,000 of them), and all of
    it is frozen after. A block that raises is not frozen: the run is ending anyway."""
    if not _TUNED.is_set():
        yield
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if enabled:
            gc.enable()
