"""Start processes with a pid file each and stop them by that pid, never by name.

A pid file records the process start time too (field 22 of /proc/PID/stat), so a recycled pid
that now belongs to someone else is never signalled. Each process leads its own session, so
stopping it also stops the workers it forked (gunicorn) and nothing else.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


class DevcloudError(Exception):
    """A step of the dev cloud failed; the message says which and where to look."""


@dataclass(frozen=True)
class Recorded:
    name: str
    pid: int
    started: str
    argv: list[str]


def _start_time(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces or parentheses: split after its closing ')'.
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] in ("Z", "X"):  # exited, not yet reaped by its parent: gone for our purposes
        return None
    return fields[19]


def start(
    run_dir: Path,
    log_dir: Path,
    name: str,
    argv: Sequence[str],
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Recorded:
    if is_running(run_dir, name):
        raise DevcloudError(f"{name} is already running (pid file {run_dir / name}.pid)")
    log = open(log_dir / f"{name}.log", "ab")  # noqa: SIM115 - handed to the child
    with log:
        child = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            cwd=cwd,
            start_new_session=True,
        )
    started = _start_time(child.pid) or ""
    record = Recorded(name, child.pid, started, list(argv))
    (run_dir / f"{name}.pid").write_text(json.dumps(record.__dict__))
    return record


def recorded(run_dir: Path) -> list[Recorded]:
    found = []
    for path in sorted(run_dir.glob("*.pid")):
        try:
            found.append(Recorded(**json.loads(path.read_text())))
        except (ValueError, TypeError):
            continue
    return found


def _alive(record: Recorded) -> bool:
    return _start_time(record.pid) == record.started


def is_running(run_dir: Path, name: str) -> bool:
    return any(r.name == name and _alive(r) for r in recorded(run_dir))


def running(run_dir: Path) -> list[Recorded]:
    return [r for r in recorded(run_dir) if _alive(r)]


def stop(run_dir: Path, records: Sequence[Recorded], grace_s: float = 20.0) -> list[str]:
    """TERM every recorded process group at once, KILL what is left after ``grace_s``.

    Returns the names still running. Once a leader is gone its group is KILLed too, for any
    worker it left behind: a pid in use as a group id is never handed to a new process, so
    that signal reaches only our own leftovers.
    """
    for record in records:
        if _alive(record):
            _signal_group(record.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while any(_alive(r) for r in records) and time.monotonic() < deadline:
        time.sleep(0.2)
    for record in records:
        if _alive(record):
            _signal_group(record.pid, signal.SIGKILL)
    time.sleep(0.3)
    stubborn = []
    for record in records:
        if _alive(record):
            stubborn.append(record.name)
            continue
        _signal_group(record.pid, signal.SIGKILL)
        (run_dir / f"{record.name}.pid").unlink(missing_ok=True)
    return stubborn


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass
    except PermissionError:
        os.kill(pid, sig)


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children (gunicorn workers), in MiB."""
    total = 0
    for child in [pid, *_descendants(pid)]:
        try:
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _descendants(pid: int) -> list[int]:
    children: list[int] = []
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        for task in tasks:
            text = (task / "children").read_text().split()
            children.extend(int(c) for c in text)
    except OSError:
        return []
    result = list(children)
    for child in children:
        result.extend(_descendants(child))
    return result
