"""The service's configuration: environment variables only (and atonix.yaml for bindings)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """Every knob, read from ``ATONIX_*`` variables by ``from_env``."""

    host: str = "127.0.0.1"
    port: int = 8004
    #: atonix.yaml: its workspaces' bindings map Keystone projects to stacks' homes.
    config_file: Path = Path("atonix.yaml")
    #: None: the state database beside atonix.yaml (or the file's ``state:``).
    state_url: str | None = None
    #: None: embedded worker threads; else Celery over this broker (amqp://...).
    broker_url: str | None = None
    #: The broker's queue for jobs (one per deployment sharing a broker).
    queue: str = "atonix.jobs"
    #: Keystone, whose tokens the API accepts (``.../identity`` or ``.../v3``).
    auth_url: str | None = None
    embedded_workers: int = 4
    http_threads: int = 8
    lock_timeout_s: float = 600.0
    parallelism: int = 10
    log_level: str = "INFO"
    #: Seconds a validated token is trusted before Keystone is asked again.
    token_cache_s: float = 60.0
    #: Heat's ``max_template_size``: the largest template (inline or fetched), in bytes.
    max_template_size: int = 524288
    #: Heat's ``template_fetch_timeout``: seconds a ``template_url`` fetch may take.
    template_fetch_timeout_s: float = 60.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        e = dict(os.environ if env is None else env)
        return cls(
            host=e.get("ATONIX_SERVICE_HOST", cls.host),
            port=int(e.get("ATONIX_SERVICE_PORT", cls.port)),
            config_file=Path(e.get("ATONIX_CONFIG", "atonix.yaml")),
            state_url=e.get("ATONIX_STATE_URL") or None,
            broker_url=e.get("ATONIX_BROKER_URL") or None,
            queue=e.get("ATONIX_QUEUE", cls.queue),
            auth_url=e.get("ATONIX_AUTH_URL") or e.get("OS_AUTH_URL") or None,
            embedded_workers=int(e.get("ATONIX_SERVICE_WORKERS", cls.embedded_workers)),
            http_threads=int(e.get("ATONIX_SERVICE_THREADS", cls.http_threads)),
            lock_timeout_s=float(e.get("ATONIX_SERVICE_LOCK_TIMEOUT", cls.lock_timeout_s)),
            parallelism=int(e.get("ATONIX_SERVICE_PARALLELISM", cls.parallelism)),
            log_level=e.get("ATONIX_LOG_LEVEL", cls.log_level).upper(),
            token_cache_s=float(e.get("ATONIX_TOKEN_CACHE_SECONDS", cls.token_cache_s)),
            max_template_size=int(e.get("ATONIX_MAX_TEMPLATE_SIZE", cls.max_template_size)),
            template_fetch_timeout_s=float(
                e.get("ATONIX_TEMPLATE_FETCH_TIMEOUT", cls.template_fetch_timeout_s)
            ),
        )
