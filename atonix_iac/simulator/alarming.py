"""Aodh v2: alarms (``/alarming/v2/alarms``).

Pinned to Aodh's API (aodh/api/controllers/v2/alarms.py and alarm_rules/): an alarm names its
``type`` and carries the matching ``<type>_rule``; it starts in state ``insufficient data``.
Each rule's mandatory fields are checked (400 otherwise), as are the comparison operators,
the severities and the action URLs' schemes (Aodh's notifiers). ``PUT`` replaces the whole
alarm; ``DELETE`` answers 204. Lists filter with Aodh's ``q.field`` / ``q.op`` / ``q.value``.
The ``threshold`` type (Ceilometer's meters, gone from current Aodh) is still accepted, as the
releases Heat's OS::Aodh::Alarm was written against did. Errors are WSME's
``{"error_message": {"faultcode", "faultstring", "debuginfo"}}``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .backend import Backend
from .common import iso, new_id, public
from .errors import ApiError
from .protocol import Rec, Request, Response, empty, ok
from .routing import Router

KIND = "aodh_alarm"
OPERATORS = ("lt", "le", "eq", "ne", "ge", "gt")
SEVERITIES = ("low", "moderate", "critical")
#: Aodh's notifier entry points: the schemes an action URL may use.
ACTION_SCHEMES = (
    "log", "test", "http", "https", "trust+http", "trust+https", "zaqar", "trust+zaqar",
    "heat", "trust+heat",
)  # fmt: skip
_THRESHOLD = ("threshold", "comparison_operator", "evaluation_periods")
#: type -> (mandatory rule fields, optional rule fields with their defaults)
RULES: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "threshold": (
        ("meter_name", "threshold"),
        {"comparison_operator": "eq", "evaluation_periods": 1, "period": 60,
         "statistic": "avg", "query": [], "exclude_outliers": False},
    ),
    "gnocchi_resources_threshold": (
        ("metric", "resource_type", "resource_id", "threshold", "aggregation_method"),
        {"comparison_operator": "eq", "evaluation_periods": 1, "granularity": 60},
    ),
    "gnocchi_aggregation_by_metrics_threshold": (
        ("metrics", "threshold", "aggregation_method"),
        {"comparison_operator": "eq", "evaluation_periods": 1, "granularity": 60},
    ),
    "gnocchi_aggregation_by_resources_threshold": (
        ("metric", "resource_type", "query", "threshold", "aggregation_method"),
        {"comparison_operator": "eq", "evaluation_periods": 1, "granularity": 60},
    ),
    "composite": ((), {}),
    "event": ((), {"event_type": "*", "query": []}),
    "loadbalancer_member_health": (("pool_id", "stack_id", "autoscaling_group_id"), {}),
    "prometheus": (("query", "threshold"), {"comparison_operator": "eq"}),
}  # fmt: skip
_ACTIONS = ("alarm_actions", "ok_actions", "insufficient_data_actions")


def _invalid(message: str) -> ApiError:
    return ApiError(400, message)


def _not_found(alarm_id: str) -> ApiError:
    return ApiError(404, f"Alarm {alarm_id} not found")


def _rule(kind: str, body: Rec) -> Rec:
    mandatory, defaults = RULES[kind]
    if kind == "composite":
        rule = body.get("composite_rule")
        if not isinstance(rule, dict) or not ({"and", "or"} & set(rule) or "type" in rule):
            raise _invalid("composite_rule must be a map with an `and` or `or` list of rules")
        return rule
    given = body.get(f"{kind}_rule")
    if given is None and not mandatory:
        given = {}
    if not isinstance(given, dict):
        raise _invalid(f"{kind}_rule is required for alarm type {kind}")
    missing = [f for f in mandatory if given.get(f) in (None, "", [])]
    if missing:
        raise _invalid(f"Mandatory field missing: {kind}_rule.{missing[0]}")
    operator = given.get("comparison_operator", defaults.get("comparison_operator"))
    if operator is not None and operator not in OPERATORS:
        raise _invalid(
            f"Invalid input for field/attribute comparison_operator. Value: '{operator}'"
        )
    if "threshold" in given:
        try:
            float(given["threshold"])
        except (TypeError, ValueError) as exc:
            raise _invalid(f"Invalid threshold: {given['threshold']!r}") from exc
    return {**defaults, **given}


def _check_actions(body: Rec) -> None:
    for field in _ACTIONS:
        actions = body.get(field) or []
        if not isinstance(actions, list):
            raise _invalid(f"{field} must be a list of URLs")
        for action in actions:
            scheme = urlsplit(str(action)).scheme
            if scheme not in ACTION_SCHEMES:
                raise _invalid(f"Unsupported action {action}")


class Alarming:
    """``/v2/alarms`` and ``/v2/alarms/{id}`` (plus ``/state``)."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.store = backend.store
        r = Router("The resource could not be found.")
        r.add("GET", "/alarms", self.list_alarms)
        r.add("POST", "/alarms", self.create_alarm)
        r.add("GET", "/alarms/{id}", self.show_alarm)
        r.add("PUT", "/alarms/{id}", self.update_alarm)
        r.add("DELETE", "/alarms/{id}", self.delete_alarm)
        r.add("GET", "/alarms/{id}/state", self.show_state)
        r.add("PUT", "/alarms/{id}/state", self.set_state)
        self.router = r

    @staticmethod
    def discovery(req: Request, versioned: bool) -> Response:
        entry = {
            "id": "v2",
            "status": "stable",
            "updated": "2013-02-13T00:00:00Z",
            "links": [{"rel": "self", "href": f"{req.base_url}/alarming/v2"}],
            "media-types": [
                {"base": "application/json", "type": "application/vnd.openstack.telemetry-v2+json"}
            ],
        }
        if versioned:
            return ok({"version": entry})
        return ok({"versions": {"values": [entry]}}, 300)

    def _alarm(self, req: Request, alarm_id: str) -> Rec:
        rec = self.store.get(KIND, alarm_id)
        if rec is None or rec["project_id"] != req.auth.project_id:
            raise _not_found(alarm_id)
        return rec

    def _validated(self, req: Request, body: Rec, current: Rec | None) -> Rec:
        name = body.get("name") or (current or {}).get("name")
        if not name:
            raise _invalid("Mandatory field missing: name")
        kind = str(body.get("type") or "")
        if kind not in RULES:
            raise _invalid(f"Invalid input for field/attribute type. Value: '{kind}'")
        severity = body.get("severity") or "low"
        if severity not in SEVERITIES:
            raise _invalid(f"Invalid input for field/attribute severity. Value: '{severity}'")
        _check_actions(body)
        constraints = body.get("time_constraints") or []
        if not isinstance(constraints, list) or any(
            not isinstance(c, dict) or not c.get("name") or not c.get("start") for c in constraints
        ):
            raise _invalid("time_constraints must be a list of {name, start, duration}")
        rule_key = "composite_rule" if kind == "composite" else f"{kind}_rule"
        return {
            "name": str(name),
            "type": kind,
            "description": body.get("description") or f"Alarm when {kind} is triggered",
            "enabled": body.get("enabled", True) is not False,
            "repeat_actions": bool(body.get("repeat_actions", False)),
            "severity": severity,
            "time_constraints": constraints,
            **{field: list(body.get(field) or []) for field in _ACTIONS},
            rule_key: _rule(kind, body),
        }

    def list_alarms(self, req: Request, params: dict[str, str]) -> Response:
        items = [
            public(r)
            for r in sorted(self.store.table(KIND).values(), key=lambda r: str(r["timestamp"]))
            if r["project_id"] == req.auth.project_id
        ]
        fields, values = req.args("q.field"), req.args("q.value")
        for field, value in zip(fields, values, strict=False):
            items = [i for i in items if str(i.get(field)) == value]
        return ok(items)

    def create_alarm(self, req: Request, params: dict[str, str]) -> Response:
        body = self._validated(req, req.json_object(), None)
        stamp = iso(micro=True)
        rec: Rec = {
            "alarm_id": new_id(),
            "project_id": req.auth.project_id,
            "user_id": req.auth.user_id,
            "state": "insufficient data",
            "state_reason": "Not evaluated yet",
            "state_timestamp": stamp,
            "timestamp": stamp,
            **body,
        }
        rec["id"] = rec["alarm_id"]
        self.store.put(KIND, rec)
        return ok(public(rec), 201)

    def show_alarm(self, req: Request, params: dict[str, str]) -> Response:
        return ok(public(self._alarm(req, params["id"])))

    def update_alarm(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._alarm(req, params["id"])
        body = self._validated(req, req.json_object(), rec)
        for key in [k for k in rec if k.endswith("_rule")]:
            del rec[key]
        rec.update(body)
        rec["timestamp"] = iso(micro=True)
        return ok(public(rec))

    def delete_alarm(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._alarm(req, params["id"])
        self.store.delete(KIND, rec["id"])
        return empty(204)

    def show_state(self, req: Request, params: dict[str, str]) -> Response:
        return ok(self._alarm(req, params["id"])["state"])

    def set_state(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._alarm(req, params["id"])
        state = req.json()
        if state not in ("ok", "alarm", "insufficient data"):
            raise _invalid(f"Invalid input for field/attribute state. Value: '{state}'")
        rec["state"], rec["state_timestamp"] = state, iso(micro=True)
        return ok(state)
