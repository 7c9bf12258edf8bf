"""Run the real ``atonix`` on a pseudo-terminal and read what it put on the screen."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Mapping
from pathlib import Path

from _cli_kit import ATONIX

# CSI sequences (colours, cursor movement, erase), OSC, and the two-byte escapes.
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[@-Z\\-_]")
# Variables that change how atonix (and rich) treat a terminal: each test sets its own.
TERMINAL_VARIABLES = ("NO_COLOR", "FORCE_COLOR", "TERM", "COLUMNS", "LINES", "TTY_COMPATIBLE")


def plain(screen: str) -> str:
    """The lines written, without escapes: of a line rewritten after a carriage return
    (the live region is redrawn so), the last text written to it counts."""
    lines = []
    for line in ANSI.sub("", screen).split("\n"):
        pieces = [piece for piece in line.split("\r") if piece]
        lines.append(pieces[-1] if pieces else "")
    return "\n".join(lines)


def drawn(screen: str) -> str:
    """Every line ever drawn, redrawn ones too (each frame of the live region), no escapes."""
    return ANSI.sub("", screen).replace("\r", "\n")


def terminal_env(**changes: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in TERMINAL_VARIABLES}
    env.update({"TERM": "xterm-256color", **changes})
    return env


def run_on_terminal(
    args: list[str],
    cwd: Path,
    env: Mapping[str, str],
    *,
    rows: int = 30,
    columns: int = 100,
    timeout_s: float = 120.0,
    interrupts_after: str | None = None,
    interrupts: int = 0,
) -> tuple[int, str]:
    """``atonix ARGS`` with stdin, stdout and stderr on one pseudo-terminal of
    ``rows`` x ``columns``; its exit code and everything it wrote. Once the output holds
    ``interrupts_after``, Ctrl-C is sent ``interrupts`` times, half a second apart."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    try:
        proc = subprocess.Popen(
            [str(ATONIX), *args],
            cwd=cwd,
            env=dict(env),
            stdin=slave,
            stdout=slave,
            stderr=slave,
            start_new_session=True,
        )
    finally:
        os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout_s
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer has closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
            if interrupts_after and interrupts and interrupts_after.encode() in b"".join(chunks):
                for _ in range(interrupts):
                    time.sleep(0.5)
                    proc.send_signal(signal.SIGINT)
                interrupts = 0
        code = proc.wait(timeout=max(deadline - time.monotonic(), 1.0))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return code, b"".join(chunks).decode("utf-8", "replace")
