"""Where jobs go: embedded worker threads (default), or Celery workers over RabbitMQ.

Both run ``Engine.run_job``; the queue carries only the job's id (the job itself is a row of
the state database, so any worker can take any job).
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from . import metrics
from .engine import Engine

log = logging.getLogger("atonix.service.jobs")


class Dispatcher(Protocol):
    def submit(self, job_id: str) -> None: ...

    def reachable(self) -> bool: ...

    def close(self) -> None: ...


class EmbeddedDispatcher:
    """Worker threads in the API process; on start, jobs a previous process left unfinished
    are queued again (they converge: see ``engine.py``)."""

    def __init__(self, engine: Engine, workers: int) -> None:
        self.engine = engine
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="atonix-job")
        for job in engine.records.jobs():
            if job.state in ("queued", "running"):
                self.submit(job.id)

    def submit(self, job_id: str) -> None:
        self.pool.submit(self._run, job_id)

    def _run(self, job_id: str) -> None:
        try:
            self.engine.run_job(job_id)
        finally:
            metrics.QUEUE_DEPTH.set(self.engine.records.pending_jobs())

    def reachable(self) -> bool:
        return True

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=False)


class CeleryDispatcher:
    """Jobs as Celery messages (late acknowledgement: see ``celery_app.py``)."""

    def __init__(self, broker_url: str, queue: str) -> None:
        from .celery_app import make_celery

        self.app = make_celery(broker_url, queue)

    def submit(self, job_id: str) -> None:
        self.app.send_task("atonix.run_job", args=[job_id])

    def reachable(self) -> bool:
        try:
            with self.app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=1, timeout=2)
        except Exception:  # kombu raises the transport's own errors
            return False
        return True

    def close(self) -> None:
        self.app.close()
