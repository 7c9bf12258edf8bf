"""Aodh: the alarm types (threshold, Gnocchi, composite, event, LB member health, Prometheus).

Each Heat type is one Aodh alarm ``type`` whose rule properties go into ``<type>_rule`` (the
composite alarm's rule is ``composite_rule`` itself); the shared properties (actions,
severity, time constraints ...) sit at the top. As Heat does, ``*_queues`` become
``trust+zaqar://?queue_name=...`` actions and ``matching_metadata`` query terms on
``metadata.user_metadata.*``. Aodh's ``PUT`` replaces the whole alarm, so an update sends the
alarm built again from the new properties. Alarms carry no tags or metadata: an interrupted
create is found again by its name (``<stack>-<address>``) made since the intent.

Action URLs are checked at plan time: an unknown scheme (Aodh answers 400 "Unsupported
action") gets a did-you-mean, a bare word (a resource's name, which Heat would turn into
that resource's alarm URL) the hint to write ``{get_attr: [name, alarm_url]}``. A scaling
policy's ``alarm_url`` is an HTTP URL only when the stack service is configured
(``ATONIX_SERVICE_URL``); otherwise it is the ``atonix signal`` command, which Aodh cannot
call: that is refused with the fix rather than sent to Aodh to fail there.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

from openstack import exceptions as os_exceptions

from atonix_iac.errors import Diagnostic, ProviderError, suggest
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack._base import (
    CloudSession,
    OpenStackResource,
    default_name,
    report,
    show,
)
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack._identity import created_since
from atonix_iac.providers.openstack._json_api import call
from atonix_iac.providers.openstack.zaqar import check_queue

ACTION_SCHEMES = (
    "log", "test", "http", "https", "trust+http", "trust+https", "zaqar", "trust+zaqar",
    "heat", "trust+heat",
)  # fmt: skip
ACTIONS = ("alarm_actions", "ok_actions", "insufficient_data_actions")
QUEUES = {"alarm_queues": "alarm_actions", "ok_queues": "ok_actions",
          "insufficient_data_queues": "insufficient_data_actions"}  # fmt: skip
_COMMON = ("description", "enabled", "repeat_actions", "severity", "time_constraints")
_GNOCCHI = ("aggregation_method", "granularity", "evaluation_periods", "threshold",
            "comparison_operator")  # fmt: skip


SIGNAL_COMMAND = "atonix signal "


def command_action(field: str, index: int) -> Diagnostic:
    return Diagnostic(
        f"`{field}[{index}]` is the `atonix signal` command, not a URL Aodh can call",
        hint="run the stack service (`atonix serve`) and set ATONIX_SERVICE_URL to its URL, "
        "so scaling policies give an HTTP alarm_url",
    )


def _bool(value: Any, default: bool = True) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "on")
    return bool(value)


def queue_action(queue: str) -> str:
    return "trust+zaqar://?" + urlencode({"queue_name": queue})


class _Alarm(OpenStackResource):
    alarm_type: ClassVar[str]
    # Heat property -> rule field
    rule_fields: ClassVar[Mapping[str, str]] = {}

    def __init__(self, session: CloudSession) -> None:
        super().__init__(session)
        self.client_id = str(uuid.uuid4())  # Zaqar's Client-ID, for the queue checks

    @property
    def _proxy(self) -> Any:
        return self.conn.alarm

    # -- bodies -------------------------------------------------------------------------------

    def rule(self, props: Mapping[str, Any]) -> dict[str, Any]:
        return {
            api: props[prop]
            for prop, api in self.rule_fields.items()
            if props.get(prop) is not None
        }

    def body(self, name: str, props: Mapping[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": name,
            "type": self.alarm_type,
            "enabled": _bool(props.get("enabled")),
            "repeat_actions": _bool(props.get("repeat_actions")),
            "severity": props.get("severity") or "low",
            "time_constraints": list(props.get("time_constraints") or []),
        }
        if props.get("description") is not None:
            body["description"] = props["description"]
        for field in ACTIONS:
            body[field] = [str(a) for a in props.get(field) or []]
            for i, action in enumerate(body[field]):
                if action.startswith(SIGNAL_COMMAND):
                    problem = command_action(field, i)
                    raise ProviderError(f"{problem.message} ({problem.hint})")
        for queues, field in QUEUES.items():
            body[field] += [queue_action(str(q)) for q in props.get(queues) or []]
        key = "composite_rule" if self.alarm_type == "composite" else f"{self.alarm_type}_rule"
        body[key] = self.rule(props)
        return body

    def attributes(self, alarm: Mapping[str, Any]) -> dict[str, Any]:
        return {"show": show(dict(alarm))}

    def live(self, alarm: Mapping[str, Any]) -> dict[str, Any]:
        key = "composite_rule" if self.alarm_type == "composite" else f"{self.alarm_type}_rule"
        rule = alarm.get(key) or {}
        out = {prop: rule.get(api) for prop, api in self.rule_fields.items()}
        out.update({f: alarm.get(f) for f in ("description", "severity", "time_constraints")})
        out["enabled"] = alarm.get("enabled")
        out["repeat_actions"] = alarm.get("repeat_actions")
        queued = {f: [a for a in alarm.get(f) or [] if str(a).startswith("trust+zaqar://")]
                  for f in ACTIONS}  # fmt: skip
        for field in ACTIONS:
            out[field] = [a for a in alarm.get(field) or [] if a not in queued[field]]
        for queues, field in QUEUES.items():
            out[queues] = [str(a).split("queue_name=", 1)[-1] for a in queued[field]]
        return out

    @staticmethod
    def same(prop: str, given: Any, value: Any) -> bool:
        if prop in ("enabled", "repeat_actions"):
            return _bool(given) == _bool(value)
        if isinstance(given, (int, float)) and isinstance(value, (int, float)):
            return float(given) == float(value)
        return bool(given == value or (not given and not value))

    # -- checks -------------------------------------------------------------------------------

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        diagnostics = super().check(properties)
        for field in ACTIONS:
            for i, action in enumerate(properties.get(field) or []):
                if not isinstance(action, str) or not action:
                    continue
                if action.startswith(SIGNAL_COMMAND):
                    diagnostics.append(command_action(field, i))
                    continue
                scheme = urlsplit(action).scheme
                if scheme in ACTION_SCHEMES:
                    continue
                if not scheme:
                    diagnostics.append(
                        Diagnostic(
                            f"`{field}[{i}]` `{action}` is not an action URL",
                            hint=f"to signal a resource, write {{get_attr: [{action}, alarm_url]}}",
                        )
                    )
                    continue
                hint = suggest(scheme, ACTION_SCHEMES) or "Aodh's notifiers are " + ", ".join(
                    ACTION_SCHEMES
                )
                diagnostics.append(
                    Diagnostic(f"`{field}[{i}]` uses an unsupported scheme `{scheme}`", hint=hint)
                )
        for queues in QUEUES:
            for i, queue in enumerate(properties.get(queues) or []):
                diagnostics += check_queue(self.session, self.client_id, queue, f"{queues}[{i}]")
        return diagnostics

    # -- lifecycle ----------------------------------------------------------------------------

    def _get(self, physical_id: str) -> dict[str, Any] | None:
        with sdk_errors(f"reading alarm {physical_id}", physical_id):
            try:
                found: dict[str, Any] = call(self._proxy, "GET", f"/alarms/{physical_id}")
            except os_exceptions.NotFoundException:
                return None
        return found

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        name = default_name(identity)
        with sdk_errors(f"creating alarm {name}"):
            alarm = call(self._proxy, "POST", "/alarms", self.body(name, properties))
        return ResourceResult(str(alarm["alarm_id"]), self.attributes(alarm))

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        name = default_name(identity)
        with sdk_errors("looking for an interrupted alarm create"):
            query = {"q.field": "name", "q.value": name}
            alarms = call(self._proxy, "GET", "/alarms", params=query)
        for alarm in alarms or []:
            found = str(alarm.get("alarm_id"))
            if (
                found not in claimed
                and alarm.get("name") == name
                and alarm.get("type") == self.alarm_type
                and created_since(alarm.get("timestamp"), since)
            ):
                return found
        return None

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        alarm = self._get(physical_id)
        if alarm is None:
            return None
        drift = report(properties, self.live(alarm), self.same)
        return ResourceResult(physical_id, self.attributes(alarm), drift)

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        current = self._get(physical_id)
        name = str((current or {}).get("name") or default_name(identity))
        with sdk_errors(f"updating alarm {physical_id}", physical_id):
            alarm = call(self._proxy, "PUT", f"/alarms/{physical_id}", self.body(name, new))
        return ResourceResult(physical_id, self.attributes(alarm))

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        self.gone_ok(
            lambda: call(self._proxy, "DELETE", f"/alarms/{physical_id}"), f"alarm {physical_id}"
        )


class Alarm(_Alarm):
    """Ceilometer's meter threshold (Heat's deprecated OS::Aodh::Alarm)."""

    type_name = "OS::Aodh::Alarm"
    alarm_type = "threshold"
    rule_fields = {
        name: name
        for name in (
            "meter_name",
            "period",
            "evaluation_periods",
            "statistic",
            "threshold",
            "comparison_operator",
            "query",
        )  # fmt: skip
    }

    def rule(self, props: Mapping[str, Any]) -> dict[str, Any]:
        rule = super().rule(props)
        query = [dict(q) for q in props.get("query") or []]
        for key, value in sorted((props.get("matching_metadata") or {}).items()):
            field = key if key.startswith("metadata.") else f"metadata.user_metadata.{key}"
            query.append({"field": field, "op": "eq", "value": str(value)})
        rule["query"] = query
        return rule

    def live(self, alarm: Mapping[str, Any]) -> dict[str, Any]:
        out = super().live(alarm)
        query = list(out.get("query") or [])
        prefix = "metadata.user_metadata."
        out["matching_metadata"] = {
            str(q["field"]).removeprefix(prefix): q.get("value")
            for q in query
            if str(q.get("field", "")).startswith(prefix)
        }
        out["query"] = [q for q in query if not str(q.get("field", "")).startswith(prefix)]
        return out


class GnocchiResourcesAlarm(_Alarm):
    type_name = "OS::Aodh::GnocchiResourcesAlarm"
    alarm_type = "gnocchi_resources_threshold"
    rule_fields = {n: n for n in ("metric", "resource_type", "resource_id", *_GNOCCHI)}


class GnocchiAggregationByMetricsAlarm(_Alarm):
    type_name = "OS::Aodh::GnocchiAggregationByMetricsAlarm"
    alarm_type = "gnocchi_aggregation_by_metrics_threshold"
    rule_fields = {n: n for n in ("metrics", *_GNOCCHI)}


class GnocchiAggregationByResourcesAlarm(_Alarm):
    type_name = "OS::Aodh::GnocchiAggregationByResourcesAlarm"
    alarm_type = "gnocchi_aggregation_by_resources_threshold"
    rule_fields = {n: n for n in ("metric", "resource_type", "query", *_GNOCCHI)}


class CompositeAlarm(_Alarm):
    type_name = "OS::Aodh::CompositeAlarm"
    alarm_type = "composite"

    def rule(self, props: Mapping[str, Any]) -> dict[str, Any]:
        return dict(props.get("composite_rule") or {})

    def live(self, alarm: Mapping[str, Any]) -> dict[str, Any]:
        out = super().live(alarm)
        out["composite_rule"] = alarm.get("composite_rule")
        return out


class EventAlarm(_Alarm):
    type_name = "OS::Aodh::EventAlarm"
    alarm_type = "event"
    rule_fields = {"event_type": "event_type", "query": "query"}


class LBMemberHealthAlarm(_Alarm):
    type_name = "OS::Aodh::LBMemberHealthAlarm"
    alarm_type = "loadbalancer_member_health"
    rule_fields = {
        "pool": "pool_id",
        "stack": "stack_id",
        "autoscaling_group_id": "autoscaling_group_id",
    }


class PrometheusAlarm(_Alarm):
    type_name = "OS::Aodh::PrometheusAlarm"
    alarm_type = "prometheus"
    rule_fields = {n: n for n in ("query", "threshold", "comparison_operator")}


TYPES: tuple[type[_Alarm], ...] = (
    Alarm,
    GnocchiResourcesAlarm,
    GnocchiAggregationByMetricsAlarm,
    GnocchiAggregationByResourcesAlarm,
    CompositeAlarm,
    EventAlarm,
    LBMemberHealthAlarm,
    PrometheusAlarm,
)
