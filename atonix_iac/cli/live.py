"""A live status region on a terminal while apply or destroy waits on the cloud.

Below the usual event lines (``web: Creating...``, ``web: Creation complete after 12.3s``),
which scroll above it as they always did, the region shows each operation in flight with its
elapsed time, then how many steps are done, failed and left and the run's elapsed time. It is
redrawn a few times a second and removed when the run ends, so what stays on the screen is what
a log would hold. The only user of rich, imported only when such a region is drawn.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from atonix_iac.apply.events import ApplyEvent

from .progress import InFlight, Snapshot, format_event
from .terminal import INTERRUPTED, go_duration

REFRESH_PER_SECOND = 4
SHOW_CURSOR = "\x1b[?25h"


class _Region:
    """The region's content, rebuilt from the counts at every refresh."""

    def __init__(self, counts: InFlight, console: Console) -> None:
        self._counts = counts
        self._console = console
        self._spinner = Spinner("dots", style="cyan")

    def __rich__(self) -> RenderableType:
        snapshot = self._counts.snapshot()
        room = max(self._console.size.height - 3, 1)
        rows = Table.grid(padding=(0, 1))
        rows.add_column(no_wrap=True, overflow="ellipsis")
        rows.add_column(no_wrap=True, justify="right", style="dim")
        shown = snapshot.running[:room]
        for running in shown:
            elapsed = go_duration(snapshot.now - running.started)
            rows.add_row(Text(f"  {running.who}: {running.doing()}"), elapsed)
        hidden = len(snapshot.running) - len(shown)
        if hidden:
            rows.add_row(Text(f"  ... and {hidden} more in flight", style="dim"), "")
        status = Table.grid(padding=(0, 1))
        status.add_row(self._spinner, _status_text(snapshot))
        return Group(rows, status) if snapshot.running else status


def _status_text(snapshot: Snapshot) -> Text:
    text = Text()
    if INTERRUPTED.is_set():
        text.append("Interrupted, starting nothing new: ", style="bold yellow")
    text.append(f"{len(snapshot.running)} in flight", style="bold")
    text.append(f", {snapshot.done} done, ")
    text.append(f"{snapshot.failed} failed", style="bold red" if snapshot.failed else "")
    text.append(f", {snapshot.left} left ")
    text.append(f"[{go_duration(snapshot.elapsed_s)} elapsed]", style="dim")
    return text


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class LiveProgress:
    """Event lines above a live region; safe to feed from worker threads."""

    def __init__(self, counts: InFlight, stream: IO[str] | None = None) -> None:
        self._counts = counts
        self._stream = stream or sys.stdout
        self._console = Console(file=self._stream, highlight=False, emoji=False, markup=False)
        self._lock = threading.Lock()
        self._live = Live(
            _Region(counts, self._console),
            console=self._console,
            refresh_per_second=REFRESH_PER_SECOND,
            transient=True,
            # stderr is drawn above the region only when it is the terminal too: redirected
            # (2>errors.log), it keeps going where it was sent.
            redirect_stderr=_isatty(sys.stderr),
        )

    def on_event(self, event: ApplyEvent) -> None:
        self._counts.observe(event)
        line = format_event(event)
        with self._lock:
            self._console.print(Text(line), soft_wrap=True)

    @contextmanager
    def showing(self) -> Iterator[None]:
        try:  # an interrupt inside start() must still stop what it started
            self._live.start(refresh=True)
            yield
        finally:
            self._live.stop()

    def abandon(self) -> None:
        """The process is about to end at once (a second Ctrl-C): give the cursor back
        without waiting for any lock the region's threads may hold."""
        try:
            fd = self._stream.fileno()
            os.write(fd, f"\n{SHOW_CURSOR}".encode())
        except (OSError, ValueError):
            pass
