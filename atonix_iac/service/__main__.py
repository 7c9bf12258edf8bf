"""``python -m atonix_iac.service serve|worker`` (``atonix serve`` / ``atonix worker``)."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from .settings import Settings

log = logging.getLogger("atonix.service")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="atonix", description="The atonix stack service")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve Heat's Orchestration API")
    serve.add_argument("--host", help="address to listen on (ATONIX_SERVICE_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (ATONIX_SERVICE_PORT)")
    worker = commands.add_parser("worker", help="run stack jobs from ATONIX_BROKER_URL")
    worker.add_argument("--concurrency", type=int, default=None, help="jobs at once (threads)")
    args = parser.parse_args(argv)
    if args.command == "serve":
        if args.host:
            os.environ["ATONIX_SERVICE_HOST"] = args.host
        if args.port is not None:
            os.environ["ATONIX_SERVICE_PORT"] = str(args.port)
    try:
        settings = Settings.from_env()
    except ValueError as err:  # a variable that does not read as its kind
        print(f"Error: {err}", file=sys.stderr)
        return 2
    if args.command == "serve":
        from .server import serve as run_server

        return run_server(settings)
    from .server import work

    return work(settings, args.concurrency)


if __name__ == "__main__":
    sys.exit(main())
