"""Mistral: workflows and cron triggers.

A workflow's definition is built from its properties exactly as Heat's prepare_properties
does (``version: '2.0'``, the workflow under its name, tasks keyed by name with ``_`` in
keys turned into ``-``), sent as JSON text (YAML's subset, which Mistral parses the same).
Mistral identifies both by name, so the physical id is the name, as in Heat; an interrupted
create is found again by that name made since the intent. A workflow changes with ``PUT
/workflows`` (the whole definition); a cron trigger cannot change (Heat replaces it).
A cron trigger's workflow is checked at plan time (did-you-mean on the name).

Signalling a workflow (``atonix signal``, or its ``alarm_url`` from an alarm) starts an
execution with the template's input and params overridden by the signal's, as Heat's
Workflow.handle_signal does; ``execute`` is what apply calls for it.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

from openstack import exceptions as os_exceptions

from atonix_iac.errors import Diagnostic, ProviderError, ResourceFailedError, suggest
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.heat.groups import signal_url
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

#: Heat's task keys copied into the definition (``name``, ``workflow``, ``policies`` aside).
TASK_KEYS = (
    "description", "on_error", "on_complete", "on_success", "action", "publish", "input",
    "requires", "retry", "wait_before", "wait_after", "pause_before", "timeout", "with_items",
    "keep_result", "target", "join", "concurrency",
)  # fmt: skip


def _find_workflow(conn: Any, name_or_id: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = call(conn.workflow, "GET", f"/workflows/{quote(name_or_id)}")
    except os_exceptions.NotFoundException:
        return None
    return found


def check_workflow(session: CloudSession, name_or_id: str, prop: str) -> list[Diagnostic]:
    """A workflow named by a template must exist: "not found (did you mean ...)"."""
    found = session.cached(
        "check:mistral.workflow", name_or_id, lambda: _find_workflow(session.conn, name_or_id)
    )
    if found is not None:
        return []
    with sdk_errors("listing workflows"):
        listed = call(session.conn.workflow, "GET", "/workflows") or {}
    names = [w.get("name") for w in listed.get("workflows") or []]
    return [
        Diagnostic(f"`{prop}`: workflow `{name_or_id}` not found", hint=suggest(name_or_id, names))
    ]


def definition(name: str, props: Mapping[str, Any]) -> dict[str, Any]:
    """Heat's Workflow.prepare_properties, as data."""
    spec: dict[str, Any] = {
        key: props.get(key)
        for key in ("type", "description", "tags", "output")
        if props.get(key) is not None
    }
    if props.get("input") is not None:
        spec["input"] = list(props["input"])
    tasks: dict[str, Any] = {}
    for task in props.get("tasks") or []:
        body: dict[str, Any] = {}
        if task.get("workflow") is not None:
            body["workflow"] = task["workflow"]
        merged = {**task, **(task.get("policies") or {})}
        for key in TASK_KEYS:
            if merged.get(key) is not None:
                body[key.replace("_", "-")] = merged[key]
        tasks[str(task.get("name"))] = body
    spec["tasks"] = tasks
    if props.get("task_defaults") is not None:
        spec["task-defaults"] = {
            k.replace("_", "-"): v for k, v in props["task_defaults"].items() if v
        }
    return {"version": "2.0", name: spec}


def properties_from(name: str, text: str) -> dict[str, Any] | None:
    """The properties a definition this provider wrote says (None for one it did not)."""
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    spec = doc.get(name) if isinstance(doc, dict) else None
    if not isinstance(spec, dict):
        return None
    tasks = []
    for task_name, body in (spec.get("tasks") or {}).items():
        task = {"name": task_name}
        task.update({str(k).replace("-", "_"): v for k, v in body.items()})
        tasks.append(task)
    inputs = spec.get("input")
    return {
        "name": name,
        "input": {str(k): None for k in inputs} if isinstance(inputs, list) else None,
        "type": spec.get("type"),
        "description": spec.get("description"),
        "tags": spec.get("tags"),
        "output": spec.get("output"),
        "tasks": tasks,
    }


def _same(prop: str, given: Any, value: Any) -> bool:
    if prop == "tasks" and isinstance(given, list) and isinstance(value, list):
        return sorted(map(json.dumps, given)) == sorted(map(json.dumps, value))
    if prop == "input" and isinstance(given, Mapping) and isinstance(value, Mapping):
        return set(given) == set(value)  # the definition keeps the names, not the defaults
    return bool(given == value)


class Workflow(OpenStackResource):
    type_name = "OS::Mistral::Workflow"

    def _name(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> str:
        return str(properties.get("name") or default_name(identity))

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        diagnostics = super().check(properties)
        if properties.get("type") == "reverse":
            params = properties.get("params")
            if isinstance(params, Mapping) and not params.get("task_name"):
                diagnostics.append(
                    Diagnostic(
                        "a reverse workflow needs `params.task_name`",
                        hint="name the task the workflow ends with",
                    )
                )
        for i, task in enumerate(properties.get("tasks") or []):
            if not isinstance(task, Mapping):
                continue
            has_action, has_workflow = task.get("action"), task.get("workflow")
            if isinstance(has_action, str) and isinstance(has_workflow, str):
                diagnostics.append(Diagnostic(f"`tasks[{i}]` sets both `action` and `workflow`"))
            elif "action" in task and "workflow" in task and not has_action and not has_workflow:
                diagnostics.append(Diagnostic(f"`tasks[{i}]` needs `action` or `workflow`"))
        return diagnostics

    def _attributes(self, flow: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "data": {"name": flow.get("name"), "input": props.get("input")},
            "show": show(dict(flow)),
        }

    def _urls(self, identity: ResourceIdentity) -> dict[str, Any]:
        return {"alarm_url": signal_url(identity)}

    def execute(
        self, physical_id: str, properties: Mapping[str, Any], details: Any
    ) -> dict[str, Any]:
        """Start an execution for a signal (Heat's handle_signal); the execution as Heat's
        ``executions`` attribute lists it."""
        if properties.get("use_request_body_as_input"):
            inputs, params = details, None
        elif isinstance(details, Mapping):
            inputs, params = details.get("input"), details.get("params")
        else:
            inputs, params = None, None
        declared = properties.get("input") or {}
        if inputs is not None:
            if not isinstance(inputs, Mapping):
                raise ProviderError(f"signal data error: input must be a map, not {inputs!r}")
            unknown = sorted(set(inputs) - set(declared))
            if unknown:
                raise ProviderError(f"signal data error: unknown input {unknown[0]}")
        if params is not None and not isinstance(params, Mapping):
            raise ProviderError(f"signal data error: params must be a map, not {params!r}")
        body = {
            "workflow_name": physical_id,
            "input": json.dumps({**declared, **(inputs or {})}),
            "params": json.dumps({**(properties.get("params") or {}), **(params or {})}),
        }
        with sdk_errors(f"starting workflow {physical_id}", physical_id):
            run = call(self.conn.workflow, "POST", "/executions", body)
        return {
            "id": run.get("id"),
            "workflow_name": run.get("workflow_name"),
            "created_at": run.get("created_at"),
            "updated_at": run.get("updated_at"),
            "state": run.get("state"),
            "input": json.loads(run.get("input") or "{}"),
            "output": json.loads(run.get("output") or "{}"),
        }

    def _get(self, name: str) -> dict[str, Any] | None:
        with sdk_errors(f"reading workflow {name}", name):
            return _find_workflow(self.conn, name)

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        name = self._name(identity, properties)
        text = json.dumps(definition(name, properties))
        with sdk_errors(f"creating workflow {name}"):
            made = call(self.conn.workflow, "POST", "/workflows", text=text)
        flow = made["workflows"][0]
        attributes = {**self._attributes(flow, properties), **self._urls(identity)}
        return ResourceResult(str(flow["name"]), {**attributes, "executions": []})

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        name = self._name(identity, properties)
        flow = self._get(name)
        if flow is None or name in claimed or not created_since(flow.get("created_at"), since):
            return None
        return name

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        flow = self._get(physical_id)
        if flow is None:
            return None
        live = properties_from(physical_id, str(flow.get("definition") or "")) or {}
        drift = report(properties, live, _same)
        attributes = {**self._attributes(flow, properties), **self._urls(identity)}
        return ResourceResult(physical_id, attributes, drift)

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        text = json.dumps(definition(physical_id, new))
        with sdk_errors(f"updating workflow {physical_id}", physical_id):
            answer = call(self.conn.workflow, "PUT", "/workflows", text=text)
        attributes = {**self._attributes(answer["workflows"][0], new), **self._urls(identity)}
        return ResourceResult(physical_id, attributes)

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        url = f"/workflows/{quote(physical_id)}"
        self.gone_ok(lambda: call(self.conn.workflow, "DELETE", url), f"workflow {physical_id}")


class CronTrigger(OpenStackResource):
    type_name = "OS::Mistral::CronTrigger"

    def _name(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> str:
        return str(properties.get("name") or default_name(identity))

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        diagnostics = super().check(properties)
        workflow = properties.get("workflow")
        name = workflow.get("name") if isinstance(workflow, Mapping) else None
        if isinstance(name, str) and name:
            diagnostics += check_workflow(self.session, name, "workflow.name")
        timing = properties.get("pattern") or properties.get("first_time")
        if "workflow" in properties and not timing:
            diagnostics.append(Diagnostic("a cron trigger needs `pattern` or `first_time`"))
        return diagnostics

    @staticmethod
    def _attributes(trigger: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "next_execution_time": trigger.get("next_execution_time"),
            "remaining_executions": trigger.get("remaining_executions"),
            "show": show(dict(trigger)),
        }

    def _get(self, name: str) -> dict[str, Any] | None:
        with sdk_errors(f"reading cron trigger {name}", name):
            try:
                found: dict[str, Any] = call(
                    self.conn.workflow, "GET", f"/cron_triggers/{quote(name)}"
                )
            except os_exceptions.NotFoundException:
                return None
        return found

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        name = self._name(identity, properties)
        workflow = dict(properties.get("workflow") or {})
        body: dict[str, Any] = {
            "name": name,
            "workflow_name": workflow.get("name"),
            "workflow_input": json.dumps(workflow.get("input") or {}),
            "pattern": properties.get("pattern"),
            "first_execution_time": properties.get("first_time"),
            "remaining_executions": properties.get("count"),
        }
        body = {k: v for k, v in body.items() if v is not None}
        with sdk_errors(f"creating cron trigger {name}"):
            trigger = call(self.conn.workflow, "POST", "/cron_triggers", body)
        return ResourceResult(str(trigger["name"]), self._attributes(trigger))

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        name = self._name(identity, properties)
        trigger = self._get(name)
        if trigger is None or name in claimed:
            return None
        return name if created_since(trigger.get("created_at"), since) else None

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        trigger = self._get(physical_id)
        if trigger is None:
            return None
        try:
            given_input = json.loads(trigger.get("workflow_input") or "{}")
        except ValueError:
            given_input = None
        live: dict[str, Any] = {
            "name": trigger.get("name"),
            "pattern": trigger.get("pattern"),
            "count": trigger.get("remaining_executions"),
            "workflow": {"name": trigger.get("workflow_name"), "input": given_input},
        }
        if properties.get("count") is not None and live["count"] is not None:
            live["count"] = properties["count"]  # it counts down as the trigger fires
        flow_id = str(trigger.get("workflow_id"))

        def same(prop: str, given: Any, value: Any) -> bool:
            if prop == "workflow" and isinstance(given, Mapping):
                named = given.get("name") in (value["name"], flow_id)
                return named and (given.get("input") or {}) == (value["input"] or {})
            return bool(given == value)

        drift = report(properties, live, same)
        return ResourceResult(physical_id, self._attributes(trigger), drift)

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        raise ResourceFailedError("a cron trigger cannot change in place: it is replaced")

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        url = f"/cron_triggers/{quote(physical_id)}"
        self.gone_ok(lambda: call(self.conn.workflow, "DELETE", url), f"cron trigger {physical_id}")


TYPES: tuple[type[OpenStackResource], ...] = (Workflow, CronTrigger)
