"""What the terminal can take: colour, a live status region, the progress cadence.

One place reads ``-no-color``, ``NO_COLOR``, ``FORCE_COLOR`` and ``TERM=dumb`` (in that order
of precedence) so that the plan's colours and apply's live region agree. No third-party import
here: ``plan`` and ``validate`` consult it too, and they must not pay for rich.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

PROGRESS_INTERVAL_ENV = "ATONIX_PROGRESS_INTERVAL_S"
DEFAULT_PROGRESS_INTERVAL_S = 10.0  # Terraform's "Still creating... [10s elapsed]" cadence


def _set(name: str) -> bool:
    return bool(os.environ.get(name, ""))


def _dumb() -> bool:
    return os.environ.get("TERM", "").strip().lower() == "dumb"


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


def color_wanted(no_color: bool, stream: IO[str] | None = None) -> bool:
    """Colour escapes on ``stream`` (stdout): never with ``-no-color`` or ``NO_COLOR``; always
    with ``FORCE_COLOR``; else only on a terminal that is not ``TERM=dumb``."""
    if no_color or _set("NO_COLOR"):
        return False
    if _set("FORCE_COLOR"):
        return True
    return _isatty(stream or sys.stdout) and not _dumb()


def live_wanted(no_color: bool, stream: IO[str] | None = None) -> bool:
    """A live status region (cursor movement, redrawn in place) on ``stream``: only on a real
    terminal that is not ``TERM=dumb``, and never when escapes were refused (``-no-color``,
    ``NO_COLOR``). ``FORCE_COLOR`` forces colour, not a region: a CI log that renders colours
    would still get every redrawn frame as new lines."""
    if no_color or _set("NO_COLOR") or _dumb():
        return False
    return _isatty(stream or sys.stdout)


def progress_interval_s() -> float:
    """Seconds between "Still creating..." lines and JSON ``apply_progress`` messages
    (``ATONIX_PROGRESS_INTERVAL_S``, default 10; tests set it short)."""
    text = os.environ.get(PROGRESS_INTERVAL_ENV, "").strip()
    try:
        value = float(text) if text else DEFAULT_PROGRESS_INTERVAL_S
    except ValueError:
        return DEFAULT_PROGRESS_INTERVAL_S
    return value if value > 0 else DEFAULT_PROGRESS_INTERVAL_S


def go_duration(seconds: float) -> str:
    """Whole seconds as Go prints a duration, as Terraform's UI does: 10s, 1m0s, 1h2m3s."""
    total = max(int(seconds), 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


# Set by the first Ctrl-C: displays say that the run now only waits for what is in flight.
INTERRUPTED = threading.Event()

# What must happen before the process ends at once (a second Ctrl-C): e.g. the live region
# gives the cursor back. Hooks must not block: another thread may hold any lock.
_HARD_EXIT_HOOKS: list[Callable[[], None]] = []


@contextmanager
def on_hard_exit(hook: Callable[[], None]) -> Iterator[None]:
    _HARD_EXIT_HOOKS.append(hook)
    try:
        yield
    finally:
        _HARD_EXIT_HOOKS.remove(hook)


def run_hard_exit_hooks() -> None:
    for hook in list(_HARD_EXIT_HOOKS):
        try:
            hook()
        except Exception:  # noqa: BLE001, S112 - the process is ending; nothing to report to
            continue
