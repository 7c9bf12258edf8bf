"""Mistral's external resources: what user workflows manage, run as Mistral executions.

An external resource runs its ``actions``' workflows (CREATE, UPDATE, DELETE) as Mistral
executions, waits for each to succeed, and takes the output's ``resource_id`` (else the
execution id) as its physical id, as Heat's MistralExternalResource does. The create token
rides in the execution's ``env``, so an interrupted create finds its execution again
rather than running the workflow twice. Inputs listed in ``replace_on_change_inputs``
replace it when they change. Unlike Heat, later runs get no ``heat_extresource_data`` (the
previous outputs) in their env: update and delete do not see the state's attributes.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from atonix_iac.errors import Diagnostic, suggest
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack._base import OpenStackResource, default_name
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack._identity import TOKEN
from atonix_iac.providers.openstack._json_api import call
from atonix_iac.providers.openstack._wait import wait_for_status
from atonix_iac.providers.openstack.mistral import check_workflow


class ExternalResource(OpenStackResource):
    type_name = "OS::Mistral::ExternalResource"

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        diagnostics = super().check(properties)
        actions = properties.get("actions")
        if not isinstance(actions, Mapping):
            return diagnostics
        for action, data in sorted(actions.items()):
            if action not in ("CREATE", "UPDATE", "DELETE", "SUSPEND", "RESUME"):
                hint = suggest(str(action), ("CREATE", "UPDATE", "DELETE"))
                diagnostics.append(
                    Diagnostic(f"`actions.{action}` is not a Heat action", hint=hint)
                )
                continue
            flow = data.get("workflow") if isinstance(data, Mapping) else None
            if isinstance(flow, str) and flow:
                diagnostics += check_workflow(self.session, flow, f"actions.{action}.workflow")
        return diagnostics

    def replace_reason(
        self, old: Mapping[str, Any], new: Mapping[str, Any], changed: frozenset[str]
    ) -> str | None:
        if "input" not in changed:
            return None
        before, after = old.get("input") or {}, new.get("input") or {}
        for name in new.get("replace_on_change_inputs") or []:
            if before.get(name) != after.get(name):
                return f"input `{name}` changed and is listed in replace_on_change_inputs"
        return None

    def _run(self, action: str, properties: Mapping[str, Any], token: str = "") -> str | None:
        """Start the action's workflow; its execution id (None: no workflow for it)."""
        data = (properties.get("actions") or {}).get(action)
        if not isinstance(data, Mapping) or not data.get("workflow"):
            return None
        params = dict(data.get("params") or {})
        if token:
            params["env"] = {**(params.get("env") or {}), TOKEN: token}
        body = {
            "workflow_name": data["workflow"],
            "input": json.dumps(properties.get("input") or {}),
            "description": properties.get("description") or "Heat managed",
            "params": json.dumps(params),
        }
        with sdk_errors(f"running the {action} workflow {data['workflow']}"):
            execution = call(self.conn.workflow, "POST", "/executions", body)
        return str(execution["id"])

    def _finished(self, execution_id: str) -> dict[str, Any]:
        """The execution's output once it succeeded; ResourceFailedError if it failed."""

        def get() -> Any:
            with sdk_errors(f"reading execution {execution_id}", execution_id):
                return _Fields(call(self.conn.workflow, "GET", f"/executions/{execution_id}"))

        done = wait_for_status(
            get,
            ("SUCCESS",),
            what=f"Mistral execution {execution_id}",
            timeout_s=self.timeout_s,
            failed=("ERROR", "CANCELLED"),
            physical_id=execution_id,
            attribute="state",
        )
        try:
            output = json.loads(done.get("output") or "{}")
        except ValueError:
            output = {}
        return output if isinstance(output, dict) else {}

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        execution = self._run("CREATE", properties, identity.token)
        return ResourceResult(execution or default_name(identity))

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        if not (properties.get("actions") or {}).get("CREATE"):
            return ResourceResult(started.physical_id, {"output": "{}", "show": {}})
        output = self._finished(started.physical_id)
        physical = str(output.get("resource_id") or started.physical_id)[:255]
        return ResourceResult(physical, {"output": json.dumps(output), "show": output})

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        if not identity.token:
            return None
        with sdk_errors("looking for an interrupted external resource create"):
            listed = call(self.conn.workflow, "GET", "/executions") or {}
        for execution in listed.get("executions") or []:
            try:
                env = (json.loads(execution.get("params") or "{}") or {}).get("env") or {}
            except ValueError:
                continue
            found = str(execution.get("id"))
            if env.get(TOKEN) == identity.token and found not in claimed:
                return found
        return None

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        """What the workflows made is unknown to Mistral: it stands until deleted."""
        return ResourceResult(physical_id)

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        execution = self._run("UPDATE", new)
        if execution is None:
            return ResourceResult(physical_id)
        output = self._finished(execution)
        return ResourceResult(physical_id, {"output": json.dumps(output), "show": output})

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        execution = self._run("DELETE", properties)
        if execution is not None:
            self._finished(execution)


class _Fields(dict[str, Any]):
    """A JSON object whose fields also read as attributes (what the wait helper reads)."""

    def __getattr__(self, name: str) -> Any:
        return self.get(name)


TYPES: tuple[type[OpenStackResource], ...] = (ExternalResource,)
