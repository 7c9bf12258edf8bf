"""Starting the API (waitress) and the Celery worker, with their logging and settings."""

from __future__ import annotations

import logging
import os
import sys

from atonix_iac.errors import AtonixError

from . import logs
from .api.common import Services
from .app import make_app
from .auth import TokenValidator
from .engine import Engine
from .jobs import CeleryDispatcher, Dispatcher, EmbeddedDispatcher
from .settings import Settings

log = logging.getLogger("atonix.service")


def build(settings: Settings) -> tuple[Services, TokenValidator | None]:
    engine = Engine.open(settings)
    jobs: Dispatcher
    if settings.broker_url:
        jobs = CeleryDispatcher(settings.broker_url, settings.queue)
    else:
        jobs = EmbeddedDispatcher(engine, settings.embedded_workers)
    validator = (
        TokenValidator(settings.auth_url, settings.token_cache_s, settings.keystone_timeout_s)
        if settings.auth_url
        else None
    )
    return Services(engine, jobs), validator


def serve(settings: Settings) -> int:
    logs.configure(settings.log_level)
    try:
        services, validator = build(settings)
    except AtonixError as err:
        print(f"Error: {err.message}", file=sys.stderr)
        return 1
    if validator is None:
        log.warning("no ATONIX_AUTH_URL: every /v1 request will be refused (401)")
    from waitress import serve as waitress_serve

    mode = "celery" if settings.broker_url else "embedded"
    log.info(f"serving on {settings.host}:{settings.port} (jobs: {mode})")
    try:
        waitress_serve(
            make_app(services, validator),
            host=settings.host,
            port=settings.port,
            threads=settings.http_threads,
            ident="atonix",
            _quiet=True,
        )
    finally:
        services.jobs.close()
        services.engine.close()
    return 0


def work(settings: Settings, concurrency: int | None) -> int:
    logs.configure(settings.log_level)
    if not settings.broker_url:
        print("Error: ATONIX_BROKER_URL is not set (amqp://user:pass@host:5672//)", file=sys.stderr)
        return 1
    from .celery_app import make_celery, worker_engine

    try:
        worker_engine()  # open the state now: a bad configuration fails before any job
    except AtonixError as err:
        print(f"Error: {err.message}", file=sys.stderr)
        return 1
    app = make_celery(settings.broker_url, settings.queue)
    threads = concurrency or settings.embedded_workers
    app.worker_main(
        [
            "worker",
            f"--hostname=atonix-{os.getpid()}@%h",
            "--pool=threads",
            f"--concurrency={threads}",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            settings.queue,
        ]
    )
    return 0
