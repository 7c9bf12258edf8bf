"""The dev cloud's processes: what each runs, where it listens and how we know it is up."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from . import bind9
from .configs import config_paths, write_entry_module
from .layout import HOST, PORTS, Layout

# gunicorn: one worker process with a few threads keeps memory low yet lets a service that
# calls another (nova-api -> neutron -> nova-api events) answer while it waits.
GUNICORN_FLAGS = ("--workers", "1", "--threads", "4", "--timeout", "300", "--graceful-timeout", "5")


@dataclass(frozen=True)
class Process:
    name: str
    service: str  # the config directory it reads
    wsgi_module: str | None = None  # a gunicorn app; else a console script of the same name
    health_path: str | None = None
    conf_file: str | None = None  # a console script given this one file (Swift's servers)
    external: Callable[[Layout], list[str]] | None = None  # a program of the machine (named)

    @property
    def port(self) -> int | None:
        return PORTS.get(self.name)

    def health_url(self) -> str | None:
        if self.port is None or self.health_path is None:
            return None
        return f"http://{HOST}:{self.port}{self.health_path}"

    def argv(self, layout: Layout) -> list[str]:
        if self.external is not None:
            return self.external(layout)
        if self.wsgi_module is not None:
            entry = write_entry_module(layout, self.service, self.wsgi_module)
            return [
                layout.bin("gunicorn"),
                *GUNICORN_FLAGS,
                "--bind",
                f"{HOST}:{self.port}",
                "--chdir",
                str(layout.entry),
                "--name",
                f"atonix-devcloud-{self.name}",
                f"{entry}:application",
            ]
        if self.conf_file is not None:
            # -v: log to stdout (our log file) as well as syslog
            return [layout.bin(self.name), str(layout.etc / self.service / self.conf_file), "-v"]
        argv = [layout.bin(self.name)]
        for path in config_paths(layout, self.service):
            argv += ["--config-file", str(path)]
        return argv


KEYSTONE = Process("keystone", "keystone", "keystone.wsgi.api", "/v3")
PLACEMENT = Process("placement", "placement", "placement.wsgi.api", "/")
GLANCE = Process("glance", "glance", "glance.wsgi.api", "/versions")
NEUTRON = Process("neutron", "neutron", "neutron.wsgi.api", "/")
NOVA_API = Process("nova-api", "nova", "nova.wsgi.osapi_compute", "/")
NOVA_CONDUCTOR = Process("nova-conductor", "nova")
NOVA_SCHEDULER = Process("nova-scheduler", "nova")
NOVA_COMPUTE = Process("nova-compute", "nova")
CINDER_API = Process("cinder-api", "cinder", "cinder.wsgi.api", "/")
CINDER_SCHEDULER = Process("cinder-scheduler", "cinder")
CINDER_VOLUME = Process("cinder-volume", "cinder")
BARBICAN = Process("barbican", "barbican", "barbican.wsgi.api", "/")
# The API and the controller worker it casts to over RPC (noop amphora and compute drivers);
# no health manager or housekeeping: no amphora sends heartbeats, nothing needs expiring.
OCTAVIA = (
    Process("octavia-api", "octavia", "octavia.wsgi.api", "/"),
    Process("octavia-worker", "octavia"),
)
SWIFT = tuple(
    Process(f"swift-{kind}-server", "swift", None, "/healthcheck", f"{kind}-server.conf")
    for kind in ("account", "container", "object", "proxy")
)
# Designate: named (its backend) first, so the worker finds it; the API answers on its version
# document. Zones reach named through mdns (AXFR) once `designate-manage pool update` has
# loaded pools.yaml (see designate_start.py).
DESIGNATE = (
    Process("named", "designate", external=bind9.named_argv),
    Process("designate-central", "designate"),
    Process("designate-mdns", "designate"),
    Process("designate-worker", "designate"),
    Process("designate-producer", "designate"),
    Process("designate-api", "designate", "designate.wsgi.api", "/"),
)
MANILA = (
    Process("manila-api", "manila", "manila.wsgi.api", "/"),
    Process("manila-scheduler", "manila"),
    Process("manila-share", "manila"),
)

# Start order: Neutron before Nova (Nova reads ports back); nova-compute last, once Placement
# and Neutron answer, so its first resource report lands.
START_ORDER = (
    KEYSTONE,
    PLACEMENT,
    GLANCE,
    NEUTRON,
    CINDER_API,
    CINDER_SCHEDULER,
    CINDER_VOLUME,
    NOVA_API,
    NOVA_CONDUCTOR,
    NOVA_SCHEDULER,
    NOVA_COMPUTE,
)

# Services beyond the core six: each is started only when named in ATONIX_DEVCLOUD_OPTIONAL
# (comma-separated; default below, "none" for none), and the catalog lists only those started.
OPTIONAL_ENV = "ATONIX_DEVCLOUD_OPTIONAL"
OPTIONAL: dict[str, tuple[Process, ...]] = {
    "barbican": (BARBICAN,),
    "swift": SWIFT,
    "designate": DESIGNATE,
    "octavia": OCTAVIA,
    "manila": MANILA,
}
DEFAULT_OPTIONAL = ("barbican", "swift", "designate", "octavia", "manila")


def optional_enabled() -> tuple[str, ...]:
    raw = os.environ.get(OPTIONAL_ENV)
    if raw is None:
        return DEFAULT_OPTIONAL
    names = tuple(n.strip() for n in raw.split(",") if n.strip() and n.strip() != "none")
    unknown = sorted(set(names) - set(OPTIONAL))
    if unknown:
        from .procs import DevcloudError

        raise DevcloudError(
            f"{OPTIONAL_ENV} names unknown services {', '.join(unknown)}; "
            f"known: {', '.join(OPTIONAL)}"
        )
    return names


def enabled_processes() -> tuple[Process, ...]:
    """The core processes in start order, then the enabled optional ones."""
    extra = [p for name in optional_enabled() for p in OPTIONAL[name]]
    return (*START_ORDER, *extra)


def all_processes() -> tuple[Process, ...]:
    return (*START_ORDER, *(p for group in OPTIONAL.values() for p in group))
