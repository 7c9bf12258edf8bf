"""Simulator configuration: fault rules, lifecycle rules, delays, latency and quota overrides.

Everything here is plain data so it can travel as JSON through the admin endpoint
(``PUT /_sim/config``) or a ``--config`` file and still be built from Python code.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

#: Service names used in fault rules, request logs and quota overrides.
SERVICES: tuple[str, ...] = ("identity", "compute", "network", "block-storage", "image")
#: Services added beside the core five.
SERVICES += ("load-balancer", "container-infra", "shared-file-system")
SERVICES += ("database", "container", "reservation")

_SERVICE_ALIASES = {
    "keystone": "identity",
    "nova": "compute",
    "neutron": "network",
    "networking": "network",
    "cinder": "block-storage",
    "volume": "block-storage",
    "volumev3": "block-storage",
    "block_storage": "block-storage",
    "glance": "image",
    "octavia": "load-balancer",
    "magnum": "container-infra",
    "manila": "shared-file-system",
    "sharev2": "shared-file-system",
    "trove": "database",
    "zun": "container",
    "application-container": "container",
    "blazar": "reservation",
}

#: Delay kinds understood by :meth:`SimConfig.delay_for`.
DELAY_KINDS = (
    "server",  # BUILD -> ACTIVE
    "server_action",  # resize/reboot/stop/start transitions
    "server_delete",  # time a deleted server stays visible (task_state deleting)
    "volume",  # creating -> available
    "volume_action",  # extending, attaching, detaching
    "volume_delete",  # time a deleted volume stays visible (status deleting)
    "loadbalancer",  # PENDING_CREATE -> ACTIVE of a new load balancer
    "loadbalancer_action",  # PENDING_UPDATE after a write to a load balancer or its children
    "loadbalancer_delete",  # time a deleted load balancer stays PENDING_DELETE
    "cluster",  # CREATE_IN_PROGRESS -> CREATE_COMPLETE of a Magnum cluster
    "cluster_action",  # UPDATE_IN_PROGRESS of a resized cluster
    "cluster_delete",  # DELETE_IN_PROGRESS of a deleted cluster
    "share",  # creating -> available of a Manila share (and extending, shrinking)
    "share_delete",  # time a deleted share stays visible (status deleting)
    "share_access",  # queued_to_apply -> active of a granted access rule; queued_to_deny -> gone
    "database_instance",  # BUILD -> ACTIVE of a Trove instance
    "database_action",  # RESIZE of a resized Trove instance
    "database_delete",  # time a deleted Trove instance stays SHUTDOWN
    "container",  # Creating -> Running of a Zun container
    "container_delete",  # time a deleted Zun container stays Deleting
)


def canonical_service(name: str) -> str:
    """Map the many names people use for a service onto the catalog type."""
    lowered = name.strip().lower()
    return _SERVICE_ALIASES.get(lowered, lowered)


#: When a fault fires: before the request is processed (nothing happens in the cloud), or
#: after it was processed and its effect committed (the work is done, the answer is lost).
FAULT_WHEN = ("before", "after")
#: What a firing fault does: answer ``status`` with an error body, or close the connection
#: without any response (the client sees a connection reset).
FAULT_ACTIONS = ("error", "reset")


@dataclass
class FaultRule:
    """Fail (or slow down) matching requests.

    ``path`` is an fnmatch pattern on the service-relative path (``/servers``,
    ``/servers/*/action``, ``/networks*``); ``"*"`` matches everything. ``count`` limits how
    many times the rule may fire (``None`` = unlimited). ``status == 0`` only adds latency.

    ``when="after"`` processes the request and commits its effect first, then answers the
    error instead of the real response (a create that succeeded in the cloud while its client
    saw a 500). ``action="reset"`` (or ``status=-1``) answers nothing at all: the connection is
    closed with a TCP reset, before or after processing as ``when`` says; with ``latency`` it
    stands for a request that times out.
    """

    service: str = "*"
    method: str = "*"
    path: str = "*"
    error_rate: float = 1.0
    status: int = 500
    message: str | None = None
    latency: float = 0.0
    count: int | None = None
    project: str = "*"
    when: str = "before"
    action: str = "error"

    def __post_init__(self) -> None:
        if self.service != "*":
            self.service = canonical_service(self.service)
        self.method = self.method.upper()
        self.when = self.when.lower()
        self.action = self.action.lower()
        if self.status < 0:
            self.action = "reset"
        if self.when not in FAULT_WHEN:
            raise ValueError(f"fault `when` must be one of {FAULT_WHEN}, not {self.when!r}")
        if self.action not in FAULT_ACTIONS:
            raise ValueError(f"fault `action` must be one of {FAULT_ACTIONS}, not {self.action!r}")

    @property
    def fails(self) -> bool:
        """True when firing fails the request (not only slows it down)."""
        return self.action == "reset" or self.status != 0

    def matches(self, service: str, method: str, path: str, project: str | None) -> bool:
        """True when the rule applies to this request (ignoring probability and count)."""
        if self.service != "*" and self.service != service:
            return False
        if self.method != "*" and self.method != method:
            return False
        if self.project != "*" and self.project != (project or ""):
            return False
        return self.path == "*" or fnmatch.fnmatchcase(path.rstrip("/") or "/", self.path)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FaultRule:
        return cls(**_known(cls, data))


@dataclass
class LifecycleRule:
    """Decide the fate of newly created servers or volumes, or of a server's resize.

    ``outcome`` is ``"error"`` (goes to ERROR/error after the build delay) or ``"stuck"``
    (never leaves BUILD/creating). ``name`` is an fnmatch pattern on the resource name.
    Kind ``"resize"`` with ``"error"``: the server goes back to its status on the old
    flavor after the action delay, as Nova does when no host fits (the instance action
    says Error). Kind ``"share_access"``: ``name`` matches a Manila access rule's
    ``access_to`` (see :mod:`share_access`).
    """

    kind: str = "server"
    outcome: str = "error"
    rate: float = 1.0
    name: str = "*"
    count: int | None = None

    def __post_init__(self) -> None:
        if self.outcome not in ("error", "stuck"):
            raise ValueError(f"lifecycle outcome must be 'error' or 'stuck', not {self.outcome!r}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LifecycleRule:
        return cls(**_known(cls, data))


@dataclass
class SimConfig:
    """Runtime behaviour knobs; every field may be changed while the server runs."""

    #: Default seconds for every delay kind not listed in ``delays``.
    build_delay: float = 0.0
    #: Per-kind overrides, keys from :data:`DELAY_KINDS`.
    delays: dict[str, float] = field(default_factory=dict)
    #: Seconds added to every API request (not to ``/_sim``).
    latency: float = 0.0
    faults: list[FaultRule] = field(default_factory=list)
    lifecycle: list[LifecycleRule] = field(default_factory=list)
    #: Default quota overrides per service: ``{"compute": {"instances": 1000}}``.
    quotas: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Keypairs are scoped by project here, like everything else; real Nova scopes them by
    #: user (so admin's keypairs follow it into every project): set False for that.
    keypairs_per_project: bool = True
    #: Seconds between state-file writes (0 writes synchronously after each mutation).
    persist_interval: float = 0.1
    #: Seed for the random generator driving error rates (None = nondeterministic).
    seed: int | None = None
    #: Keep at most this many request-log entries.
    request_log_size: int = 100_000
    #: When a server goes ACTIVE, send the ``curl`` requests its user_data would send (a
    #: wait condition handle's curl_cli), as the booting server would.
    run_user_data_signals: bool = False
    #: Services hosted elsewhere to list in Keystone's catalog, by catalog type, e.g.
    #: ``{"orchestration": "http://127.0.0.1:8004/v1/{project_id}"}`` (the stack service).
    extra_catalog: dict[str, str] = field(default_factory=dict)

    def delay_for(self, kind: str) -> float:
        return float(self.delays.get(kind, self.build_delay))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SimConfig:
        cfg = cls()
        cfg.update(data)
        return cfg

    def update(self, data: Mapping[str, Any]) -> None:
        """Apply a partial JSON-style update (unknown keys are rejected)."""
        unknown = set(data) - set(self.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown config keys: {sorted(unknown)}")
        for key, value in data.items():
            if key == "faults":
                self.faults = [_fault(v) for v in value]
            elif key == "lifecycle":
                self.lifecycle = [_lifecycle(v) for v in value]
            elif key == "delays":
                self.delays = {str(k): float(v) for k, v in dict(value).items()}
            elif key == "quotas":
                self.quotas = {
                    canonical_service(s): {str(k): int(v) for k, v in dict(q).items()}
                    for s, q in dict(value).items()
                }
            else:
                setattr(self, key, value)


def _fault(value: FaultRule | Mapping[str, Any]) -> FaultRule:
    return value if isinstance(value, FaultRule) else FaultRule.from_dict(value)


def _lifecycle(value: LifecycleRule | Mapping[str, Any]) -> LifecycleRule:
    return value if isinstance(value, LifecycleRule) else LifecycleRule.from_dict(value)


def _known(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    fields = cls.__dataclass_fields__  # type: ignore[attr-defined]
    unknown = set(data) - set(fields)
    if unknown:
        raise ValueError(f"unknown {cls.__name__} keys: {sorted(unknown)}")
    return dict(data)
