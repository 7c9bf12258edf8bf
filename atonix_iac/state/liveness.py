"""Is a lock holder's process still running? Asked only of a holder on this machine.

A pid means something only inside the pid namespace of the kernel boot that issued it, so a
holder records that *scope* (boot id and pid namespace) beside its pid; a host name is not
enough (two containers, or two machines, may share one). Pids are reused, so the holder also
records its start time (``/proc/PID/stat`` field 22, clock ticks since boot): a live process
with the holder's pid but another start time is someone else. Off Linux there is no scope and
the pid is never consulted; the lease alone then frees a dead holder's lock.
"""

from __future__ import annotations

import os
from pathlib import Path

_PROC = Path("/proc")


def process_scope() -> str | None:
    """Where this process's pid is meaningful: ``BOOT_ID pid:[NAMESPACE]``; None off Linux."""
    try:
        boot_id = (_PROC / "sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
        namespace = os.readlink(_PROC / "self/ns/pid")
    except OSError:
        return None
    return f"{boot_id} {namespace}"


def process_started(pid: int) -> int | None:
    """The process's start time in clock ticks since boot; None if unknown (or no process)."""
    stat = _stat(pid)
    return None if stat is None else stat[1]


def process_gone(pid: int, started: int | None) -> bool:
    """True if no process ``pid`` runs (or it is a zombie), or if it started at another time
    than ``started`` (the pid was reused). Only meaningful within the holder's scope."""
    stat = _stat(pid)
    if stat is None:
        return not _pid_exists(pid)
    state, start = stat
    if state in ("Z", "X"):  # killed, not yet reaped by its parent
        return True
    return started is not None and start != started


def _stat(pid: int) -> tuple[str, int] | None:
    """(state letter, start ticks) from ``/proc/PID/stat``; None when unreadable."""
    try:
        text = (_PROC / str(pid) / "stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # Field 2, the command name, is in parentheses and may hold spaces or parentheses itself.
    fields = text.rpartition(")")[2].split()
    try:
        return fields[0], int(fields[19])  # fields 3 and 22
    except (IndexError, ValueError):
        return None


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return True  # cannot tell: assume alive, never break a live holder
    return True
