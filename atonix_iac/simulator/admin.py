"""The ``/_sim`` control endpoints: faults, delays, latency, lifecycle, request log, state.

Unauthenticated on purpose: the simulator listens on loopback and these endpoints exist
for tests and benchmarks that must steer it from another process.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from . import quotas, share_access
from .common import now, parse_bool
from .config import DELAY_KINDS, FaultRule, LifecycleRule, canonical_service
from .identity import ensure_project
from .protocol import Response

if TYPE_CHECKING:
    from .app import SimApp


class Admin:
    """Dispatches ``/_sim/<what>`` requests; bodies and replies are plain JSON."""

    def __init__(self, app: SimApp) -> None:
        self.app = app

    def handle(self, method: str, segments: list[str], query: str, body: bytes) -> Response:
        try:
            data: Any = json.loads(body) if body else None
            return self._route(method, segments, parse_qs(query), data)
        except (ValueError, TypeError, KeyError) as exc:
            return Response(400, {"error": str(exc)})

    def _route(
        self, method: str, seg: list[str], query: dict[str, list[str]], data: Any
    ) -> Response:
        engine = self.app.engine
        what = seg[0] if seg else ""
        if what == "health" and method == "GET":
            return Response(200, {"status": "ok"})
        if what == "config":
            if method in ("PUT", "PATCH"):
                engine.update(dict(data or {}))
            return Response(200, engine.config.to_dict())
        if what == "faults":
            return self._faults(method, data)
        if what == "lifecycle":
            if method in ("PUT", "POST"):
                rules = data.get("lifecycle", data.get("rules")) if isinstance(data, dict) else data
                current = [] if method == "PUT" else list(engine.config.lifecycle)
                engine.update(
                    {"lifecycle": current + [LifecycleRule.from_dict(r) for r in rules or []]}
                )
            elif method == "DELETE":
                engine.update({"lifecycle": []})
            return Response(200, {"lifecycle": engine.config.to_dict()["lifecycle"]})
        if what in ("delays", "delay"):
            if method in ("PUT", "PATCH"):
                self.set_delays(dict(data or {}))
            return Response(
                200, {"default": engine.config.build_delay, "delays": dict(engine.config.delays)}
            )
        if what == "latency":
            if method in ("PUT", "PATCH"):
                engine.update({"latency": float((data or {}).get("seconds", 0.0))})
            return Response(200, {"seconds": engine.config.latency})
        if what == "requests":
            return self._requests(method, query)
        if what == "projects":
            return self._projects(method, data)
        if what == "quotas" and len(seg) == 3 and method in ("PUT", "PATCH"):
            self.app_set_quota(seg[1], seg[2], dict(data or {}))
            return Response(
                200,
                {
                    "quota": self.app.backend.quota(
                        self.project_id(seg[1]), canonical_service(seg[2])
                    )
                },
            )
        if what == "state" and method == "GET":
            with self.app.store.lock:
                counts = {k: len(self.app.store.table(k)) for k in self.app.store.kinds()}
            return Response(200, {"tables": counts})
        if what == "flush" and method == "POST":
            self.app.store.flush()
            return Response(204)
        return Response(404, {"error": f"unknown simulator endpoint {method} /_sim/{what}"})

    def _faults(self, method: str, data: Any) -> Response:
        engine = self.app.engine
        rules = data.get("faults") if isinstance(data, dict) and "faults" in data else data
        if method == "PUT":
            engine.update({"faults": [FaultRule.from_dict(r) for r in rules or []]})
        elif method == "POST":
            new: list[Any] = rules if isinstance(rules, list) else [rules or {}]
            engine.update(
                {"faults": list(engine.config.faults) + [FaultRule.from_dict(r) for r in new]}
            )
        elif method == "DELETE":
            engine.update({"faults": []})
        return Response(200, {"faults": engine.config.to_dict()["faults"]})

    def _requests(self, method: str, query: dict[str, list[str]]) -> Response:
        engine = self.app.engine
        if method == "DELETE":
            engine.clear_requests()
            return Response(204)
        records = engine.requests()
        service = query.get("service", [None])[0]
        if service:
            records = [r for r in records if r.service == canonical_service(service)]
        if parse_bool(query.get("writes", ["false"])[0]):
            records = [r for r in records if r.write]
        return Response(200, {"requests": [r.to_dict() for r in records]})

    def _projects(self, method: str, data: Any) -> Response:
        store = self.app.store
        if method == "POST":
            with store.lock:
                ensure_project(self.app.backend, str((data or {})["name"]))
        with store.lock:
            projects = {p["name"]: p["id"] for p in store.table("project").values()}
        return Response(200 if method == "GET" else 201, {"projects": projects})

    # -- helpers shared with the Python API -------------------------------------------------

    def set_delays(self, values: dict[str, Any]) -> None:
        engine = self.app.engine
        delays = dict(engine.config.delays)
        update: dict[str, Any] = {}
        for key, value in values.items():
            if key in ("default", "build_delay"):
                update["build_delay"] = float(value)
            elif key in DELAY_KINDS:
                delays[key] = float(value)
            else:
                raise ValueError(f"unknown delay kind {key!r}; use one of {DELAY_KINDS}")
        update["delays"] = delays
        engine.update(update)

    def project_id(self, name_or_id: str) -> str:
        with self.app.store.lock:
            for project in self.app.store.table("project").values():
                if name_or_id in (project["name"], project["id"]):
                    return str(project["id"])
        raise KeyError(f"no project {name_or_id!r}")

    def release_stuck(self, kind: str) -> int:
        """Let every record of ``kind`` held by a ``"stuck"`` lifecycle rule finish its
        transition now (on its next read); how many there were."""
        released = 0
        with self.app.store.lock:
            if kind == "share_access":  # held rules live in their share
                for share in self.app.store.table("share").values():
                    released += share_access.release(share)
            else:
                for rec in self.app.store.table(kind).values():
                    pending = rec.get("_t")
                    if pending and pending.get("stuck"):
                        pending["stuck"], pending["at"] = False, now()
                        released += 1
        if released:
            self.app.store.changed()
        return released

    def app_set_quota(self, project: str, service: str, limits: dict[str, Any]) -> None:
        service = canonical_service(service)
        if service not in quotas.DEFAULTS:
            raise ValueError(f"no quotas for service {service!r}")
        project_id = self.project_id(project)
        with self.app.store.lock:
            bad = quotas.set_limits(self.app.store, project_id, service, limits)
        if bad:
            raise ValueError(f"unknown {service} quota keys: {bad}")
