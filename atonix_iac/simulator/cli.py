"""The simulator's one command line: ``python -m atonix_iac.simulator serve`` and ``atonix
simulator serve`` (which hands its arguments to :func:`main`) run a simulator until
SIGINT/SIGTERM, with the same flags.
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


DEFAULT_DATA_DIR = Path(".atonix/simulator")
OWN_DIRECTORY = ".atonix"


def build_parser(prog: str = "python -m atonix_iac.simulator") -> argparse.ArgumentParser:
    """The one command line of the simulator: ``python -m atonix_iac.simulator serve`` and
    ``atonix simulator serve`` both parse with it. Long flags take one dash or two."""
    parser = argparse.ArgumentParser(
        prog=prog, description="OpenStack API simulator", allow_abbrev=False
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser(
        "serve",
        help="serve the simulated cloud until interrupted",
        description="Serve a simulated OpenStack cloud until interrupted.",
        allow_abbrev=False,
        add_help=False,
    )
    run.add_argument("-h", "-help", "--help", action="help", help="show this help and exit")
    run.add_argument("--port", "-port", type=int, default=8800, help="default: %(default)s")
    run.add_argument("--host", "-host", default="127.0.0.1", help="default: %(default)s")
    run.add_argument(
        "--data",
        "--data-dir",
        "-data-dir",
        dest="data",
        type=Path,
        metavar="DIR",
        default=DEFAULT_DATA_DIR,
        help="where the simulated cloud keeps its state and writes clouds.yaml"
        " (default: %(default)s)",
    )
    run.add_argument(
        "--project",
        "-project",
        dest="projects",
        action="append",
        default=[],
        metavar="NAME",
        help="a project to create; repeatable (default: demo)",
    )
    run.add_argument(
        "--projects",
        "-projects",
        dest="project_lists",
        action="append",
        default=[],
        metavar="A,B,...",
        help="projects to create, comma-separated (adds to --project)",
    )
    run.add_argument(
        "--build-delay",
        "-build-delay",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="seconds servers and volumes spend building (default: 0)",
    )
    run.add_argument(
        "--config",
        "-config",
        type=Path,
        metavar="FILE",
        help="JSON file of simulator settings (SimConfig fields: faults, delays, quotas ...)",
    )
    run.add_argument(
        "--quota",
        "-quota",
        action="append",
        default=[],
        metavar="SERVICE.KEY=N",
        help="default quota for every project, e.g. compute.instances=1000 (repeatable)",
    )
    return parser


def _seconds(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} is below 0")
    return value


def project_names(projects: Sequence[str], project_lists: Sequence[str]) -> list[str]:
    """``--project a --projects b,c`` -> ``[a, b, c]`` (each once, in order); ``[demo]`` if none."""
    names = [*projects, *(n for text in project_lists for n in text.split(","))]
    unique = dict.fromkeys(n.strip() for n in names if n.strip())
    return list(unique) or ["demo"]


def _quota_overrides(items: Sequence[str]) -> dict[str, dict[str, int]]:
    quotas: dict[str, dict[str, int]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        service, dot, name = key.partition(".")
        if not sep or not dot or not value.strip().isdigit():
            raise ValueError(f"--quota expects SERVICE.KEY=N, not {item!r}")
        quotas.setdefault(canonical_service(service), {})[name] = int(value)
    return quotas


def _load_config(path: Path | None, quota: Sequence[str]) -> SimConfig:
    config = SimConfig()
    if path is not None:
        try:
            config.update(json.loads(path.read_text(encoding="utf-8")))
        except OSError as exc:
            raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from exc
        except (ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"{path}: not a simulator settings file ({exc})") from exc
    for service, values in _quota_overrides(quota).items():
        config.quotas.setdefault(service, {}).update(values)
    return config


def _ignore_own_directory(data_dir: Path) -> None:
    """A ``.atonix`` directory made for the data (clouds.yaml holds a password) is git-ignored,
    as atonix's state directory is."""
    for directory in (data_dir, *data_dir.parents):
        if directory.name == OWN_DIRECTORY and not directory.exists():
            directory.mkdir(mode=0o700, parents=True)
            (directory / ".gitignore").write_text("*\n", encoding="utf-8")
            return


def main(argv: Sequence[str] | None = None, prog: str = "python -m atonix_iac.simulator") -> int:
    try:
        args = build_parser(prog).parse_args(argv)
    except SystemExit as exc:  # argparse: 0 after --help, 2 for a usage error
        return 1 if exc.code else 0
    try:
        config = _load_config(args.config, args.quota)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    projects = project_names(args.projects, args.project_lists)
    try:
        _ignore_own_directory(args.data)
        serve(args.port, args.data, projects, args.build_delay, host=args.host, config=config)
    except OSError as exc:
        print(f"error: cannot serve on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0
