"""Celery over RabbitMQ: one task, ``atonix.run_job(job_id)``.

Acknowledged late (after the job ran) and rejected when its worker is lost, so a message whose
worker was killed mid-job goes back to the queue and another worker resumes the job; one
message at a time per worker thread, so no job waits behind a long one in a dead prefetch.
"""

from __future__ import annotations

import threading

from celery import Celery

from .engine import Engine
from .settings import Settings

_engine: Engine | None = None
_engine_guard = threading.Lock()


def make_celery(broker_url: str, queue: str = "atonix.jobs") -> Celery:
    app = Celery("atonix", broker=broker_url)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        task_default_queue=queue,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        # No remote-control mailbox: its exclusive per-node queue would make two workers
        # of one host (same node name) refuse each other.
        worker_enable_remote_control=False,
    )
    app.task(name="atonix.run_job", bind=False)(run_job)
    return app


def worker_engine() -> Engine:
    global _engine
    with _engine_guard:
        if _engine is None:
            _engine = Engine.open(Settings.from_env())
        return _engine


def run_job(job_id: str) -> None:
    worker_engine().run_job(job_id)
