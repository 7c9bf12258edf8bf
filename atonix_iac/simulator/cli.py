"""``python -m atonix_iac.simulator serve``: run a simulator until SIGINT/SIGTERM.

:func:`serve` is the function the ``atonix simulator serve`` command calls.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from .config import SimConfig, canonical_service
from .server import CLOUD_NAME, SimulatorServer


def serve(
    port: int,
    data_dir: Path,
    projects: Sequence[str] = ("demo",),
    build_delay: float | None = None,
    host: str = "127.0.0.1",
    config: SimConfig | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM (or ``stop`` is set); state and clouds.yaml go in data_dir.

    ``build_delay`` (seconds in BUILD/creating, default for every delay kind) overrides the
    config's when given.
    """
    config = config or SimConfig()
    if build_delay is not None:
        config.build_delay = build_delay
    stop = stop or threading.Event()
    server = SimulatorServer(data_dir, projects, host=host, port=port, config=config)
    previous: dict[signal.Signals, object] = {}
    if threading.current_thread() is threading.main_thread():

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, on_signal)
    try:
        server.start()
        clouds = server.write_clouds_yaml()
        print(f"atonix simulator listening on {server.url} (state in {Path(data_dir)})")
        print(f"export OS_CLIENT_CONFIG_FILE={clouds.resolve()}")
        print(f"export OS_CLOUD={CLOUD_NAME}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m atonix_iac.simulator", description="OpenStack API simulator"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("serve", help="serve the simulated cloud until interrupted")
    run.add_argument("--port", type=int, default=8800)
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--data", type=Path, required=True, help="state directory")
    run.add_argument("--projects", default="demo", help="comma-separated project names")
    run.add_argument(
        "--build-delay",
        type=float,
        default=None,
        help="seconds servers/volumes spend building (default 0)",
    )
    run.add_argument(
        "--config", type=Path, help="JSON file with SimConfig fields (faults, delays, quotas, ...)"
    )
    run.add_argument(
        "--quota",
        action="append",
        default=[],
        metavar="SERVICE.KEY=N",
        help="default quota for every project, e.g. compute.instances=1000 (repeatable)",
    )
    return parser


def _quota_overrides(items: Sequence[str]) -> dict[str, dict[str, int]]:
    quotas: dict[str, dict[str, int]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        service, dot, name = key.partition(".")
        if not sep or not dot:
            raise SystemExit(f"--quota expects SERVICE.KEY=N, not {item!r}")
        quotas.setdefault(canonical_service(service), {})[name] = int(value)
    return quotas


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    config = SimConfig()
    if args.config is not None:
        config.update(json.loads(args.config.read_text(encoding="utf-8")))
    for service, values in _quota_overrides(args.quota).items():
        config.quotas.setdefault(service, {}).update(values)
    projects = [p.strip() for p in args.projects.split(",") if p.strip()] or ["demo"]
    try:
        serve(args.port, args.data, projects, args.build_delay, host=args.host, config=config)
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
