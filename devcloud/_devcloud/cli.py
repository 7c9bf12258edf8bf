"""Entry points of the ``up``, ``down`` and ``status`` scripts."""

from __future__ import annotations

import argparse
import sys

from .layout import Layout
from .procs import DevcloudError


def main(command: str, argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=f"devcloud/{command}")
    if command == "up":
        parser.add_argument(
            "--fresh",
            action="store_true",
            help="stop, wipe the state and the databases, start from nothing",
        )
    if command == "down":
        parser.add_argument(
            "--purge",
            action="store_true",
            help="also drop the databases, the vhost and the state dir",
        )
    args = parser.parse_args(argv)
    layout = Layout.from_env()
    try:
        if command == "up":
            from .up import up

            up(layout, fresh=args.fresh)
            return 0
        if command == "down":
            from .down import down

            return down(layout, purge=args.purge)
        from .status import status

        return status(layout)
    except DevcloudError as err:
        print(f"devcloud/{command}: error: {err}", file=sys.stderr)
        return 1
