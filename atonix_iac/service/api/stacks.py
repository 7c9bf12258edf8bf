"""``/v1/{tenant_id}/stacks``: create, list, show, update, delete, lookups, actions, docs."""

from __future__ import annotations

import json
import urllib.parse
import uuid
from typing import Any

import falcon

from atonix_iac.state.records import StackExistsError, StackQuery, StackRecord
from atonix_iac.template.model import OutputSpec

from ..nested import ROOT, NestedStackNode, StackTree, find_nested, node_status
from .common import (
    HeatError,
    Services,
    StackScoped,
    bad_request,
    binding,
    bool_param,
    check_tenant,
    identity,
    int_param,
    isotime,
    nested_href,
    not_found,
    read_json,
    stack_href,
    stack_link,
    start_stack_job,
)
from .documents import apply_body, check_in_cloud, check_record

_SORT_KEYS = {
    "created_at": "created_at",
    "updated_at": "updated_at",
    "stack_name": "name",
    "stack_status": "status",
}
_FILTERS = {
    "id": "id",
    "name": "name",
    "stack_name": "name",
    "action": "action",
    "status": "status",
    "username": "owner",
}


def summary(req: falcon.Request, record: StackRecord) -> dict[str, Any]:
    """A stack as Heat lists it (``views/stacks_view.py`` basic keys)."""
    template = record.template if isinstance(record.template, dict) else {}
    return {
        "id": record.id,
        "links": [stack_link(req, record)],
        "stack_name": record.name,
        "description": str(template.get("description") or ""),
        "stack_status": record.stack_status,
        "stack_status_reason": record.status_reason,
        "creation_time": isotime(record.created_at),
        "updated_time": isotime(record.updated_at),
        "deletion_time": isotime(record.deleted_at),
        "stack_owner": record.owner,
        "parent": None,
        "stack_user_project_id": record.project_id,
        "tags": record.tags or None,
    }


class StackCollection(StackScoped):
    def on_get(self, req: falcon.Request, resp: falcon.Response, tenant_id: str) -> None:
        check_tenant(req, tenant_id)
        filters: dict[str, list[str]] = {}
        for param, column in _FILTERS.items():
            values = req.get_param_as_list(param)
            if values:
                filters.setdefault(column, []).extend(values)
        if "status" in filters:  # Heat filters by the status part (COMPLETE) or the whole name
            filters["status"] = [v.rsplit("_", 1)[-1] for v in filters["status"]]
        sort_keys = tuple(
            _SORT_KEYS[k] for k in (req.get_param_as_list("sort_keys") or []) if k in _SORT_KEYS
        )
        sort_dir = (req.get_param("sort_dir") or "desc").lower()
        if sort_dir not in ("asc", "desc"):
            raise bad_request(f"Unknown sort direction, must be 'desc' or 'asc'. ({sort_dir})")
        query = StackQuery(
            filters=filters,
            sort_keys=sort_keys or ("created_at",),
            sort_dir=sort_dir,
            limit=int_param(req, "limit"),
            marker=req.get_param("marker"),
            show_deleted=bool_param(req, "show_deleted"),
            tags=tuple(req.get_param_as_list("tags") or ()),
        )
        records = self.services.engine.records.list_stacks(identity(req).project_id, query)
        body: dict[str, Any] = {"stacks": [summary(req, r) for r in records]}
        if bool_param(req, "with_count"):
            counted = StackQuery(filters=filters, show_deleted=query.show_deleted, tags=query.tags)
            body["count"] = len(
                self.services.engine.records.list_stacks(identity(req).project_id, counted)
            )
        if query.limit is not None and records and len(records) == query.limit:
            params = dict(req.params)
            params["marker"] = records[-1].id
            href = f"{req.prefix}{req.path}?{urllib.parse.urlencode(params, doseq=True)}"
            body["links"] = [{"href": href, "rel": "next"}]
        resp.media = body

    def on_post(self, req: falcon.Request, resp: falcon.Response, tenant_id: str) -> None:
        check_tenant(req, tenant_id)
        body = read_json(req)
        name = body.get("stack_name")
        if not name or not isinstance(name, str):
            raise bad_request("No stack name specified")
        found = binding(req)
        who = identity(req)
        record = StackRecord(
            id=str(uuid.uuid4()),
            project_id=who.project_id,
            name=name,
            workspace=found.workspace,
            environment=found.environment,
            owner=who.user_name,
        )
        adopt = _adopt_data(body)
        if adopt is not None and "template" not in body:
            body = {**body, "template": adopt.get("template")}
        apply_body(record, body, patch=False, settings=self.services.engine.settings)
        check_record(self.services.engine, record, found)
        if adopt is None:  # adopted objects exist already: nothing to check against quotas
            check_in_cloud(self.services.engine, record, found)
        action = "CREATE" if adopt is None else "ADOPT"
        record.action = action
        records = self.services.engine.records
        try:
            records.add_stack(record)
        except StackExistsError as err:
            raise HeatError(409, err.message, "StackExists") from None
        records.add_event(
            record.id, record.name, "OS::Heat::Stack", record.id, action, "IN_PROGRESS",
            f"Stack {action} started",
        )  # fmt: skip
        detail: dict[str, Any] = {}
        if adopt is not None:
            detail["adopt"] = {
                str(name): str(data.get("resource_id") or "")
                for name, data in (adopt.get("resources") or {}).items()
                if isinstance(data, dict)
            }
        self.services.jobs.submit(records.add_job(record.id, action, detail))
        resp.status = falcon.HTTP_201
        resp.location = stack_href(req, record)
        resp.media = {"stack": {"id": record.id, "links": [stack_link(req, record)]}}


def _adopt_data(body: dict[str, Any]) -> dict[str, Any] | None:
    """``adopt_stack_data`` (Heat's abandon document, as JSON text or a mapping), if any."""
    raw = body.get("adopt_stack_data")
    if raw is None:
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise bad_request("adopt_stack_data is not valid JSON") from None
    if not isinstance(raw, dict):
        raise bad_request("adopt_stack_data must be a mapping")
    return raw


class StackLookup(StackScoped):
    """``/stacks/{name}`` (and ``/stacks/{name}/{path}``): 302 to the canonical URL."""

    def _redirect(self, req: falcon.Request, tenant_id: str, stack_name: str, path: str) -> None:
        check_tenant(req, tenant_id)
        engine = self.services.engine
        record = engine.records.find_stack(identity(req).project_id, stack_name)
        if record is not None:
            location = stack_href(req, record)
        else:
            found = find_nested(engine, identity(req).project_id, stack_name)
            if found is None:
                raise not_found(f"Stack ({stack_name}) ")
            location = nested_href(req, *found)
        location += f"/{path}" if path else ""
        if req.query_string:
            location += f"?{req.query_string}"
        raise falcon.HTTPFound(location)

    def on_get(
        self, req: falcon.Request, resp: falcon.Response, tenant_id: str, stack_name: str
    ) -> None:
        self._redirect(req, tenant_id, stack_name, "")

    on_delete = on_put = on_patch = on_post = on_get

    def on_get_path(
        self, req: falcon.Request, resp: falcon.Response, tenant_id: str, stack_name: str, path: str
    ) -> None:
        self._redirect(req, tenant_id, stack_name, path)

    on_post_path = on_delete_path = on_put_path = on_get_path


class StackItem(StackScoped):
    def on_get(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        tenant_id: str,
        stack_name: str,
        stack_id: str,
    ) -> None:
        found = self.root_or_nested(req, tenant_id, stack_name, stack_id)
        with_outputs = bool_param(req, "resolve_outputs", True)
        if isinstance(found, StackRecord):
            resp.media = {"stack": self.detail(req, found, with_outputs)}
        else:
            resp.media = {"stack": nested_detail(req, *found, self.services, with_outputs)}

    def detail(self, req: falcon.Request, record: StackRecord, outputs: bool) -> dict[str, Any]:
        stack = summary(req, record)
        template = record.template if isinstance(record.template, dict) else {}
        state = self.services.engine.store.load(record.key)
        declared = template.get("parameters") or {}
        env = record.environment_doc if isinstance(record.environment_doc, dict) else {}
        values: dict[str, Any] = {}
        for name, spec in declared.items():
            if isinstance(spec, dict) and "default" in spec:
                values[name] = spec["default"]
        values.update(env.get("parameter_defaults") or {})
        values.update(env.get("parameters") or {})
        values.update(record.parameters)
        parameters = {k: _param_text(v) for k, v in values.items() if k in declared}
        for name, spec in declared.items():
            if isinstance(spec, dict) and spec.get("hidden") and name in parameters:
                parameters[name] = "******"
        parameters.update(
            {
                "OS::stack_id": record.id,
                "OS::stack_name": record.name,
                "OS::project_id": record.project_id,
            }
        )
        stack.update(
            {
                "parameters": parameters,
                "template_description": stack["description"],
                "timeout_mins": record.timeout_mins,
                "disable_rollback": record.disable_rollback,
                "capabilities": [],
                "notification_topics": [],
            }
        )
        if outputs and not (record.action == "DELETE" and record.status == "COMPLETE"):
            stack["outputs"] = output_list(template, state.outputs, with_values=True)
        return stack

    def on_put(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        tenant_id: str,
        stack_name: str,
        stack_id: str,
    ) -> None:
        self._update(req, resp, tenant_id, stack_name, stack_id, patch=False)

    def on_patch(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        tenant_id: str,
        stack_name: str,
        stack_id: str,
    ) -> None:
        self._update(req, resp, tenant_id, stack_name, stack_id, patch=True)

    def _update(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        tenant_id: str,
        stack_name: str,
        stack_id: str,
        *,
        patch: bool,
    ) -> None:
        record = self.stack(req, tenant_id, stack_name, stack_id)
        if record.action == "DELETE":
            raise HeatError(
                409, f"Stack {stack_name} is being deleted or was deleted", "NotSupported"
            )
        if record.action == "SUSPEND":
            raise bad_request(
                "Updating a stack when it is suspended is not supported.", "NotSupported"
            )
        body = read_json(req)
        patch = patch or bool(body.get("existing"))
        previous = self.services.engine.records.seal_documents(record)
        apply_body(record, body, patch=patch, settings=self.services.engine.settings)
        check_record(self.services.engine, record, binding(req))
        check_in_cloud(self.services.engine, record, binding(req))
        record.action, record.status = "UPDATE", "IN_PROGRESS"
        record.status_reason = "Stack UPDATE started"
        self.services.engine.records.save_stack(record)
        self.services.engine.records.add_event(
            record.id,
            record.name,
            "OS::Heat::Stack",
            record.id,
            "UPDATE",
            "IN_PROGRESS",
            "Stack UPDATE started",
        )
        job = self.services.engine.records.add_job(record.id, "UPDATE", {"previous": previous})
        self.services.jobs.submit(job)
        resp.status = falcon.HTTP_202
        resp.location = stack_href(req, record)

    def on_delete(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        tenant_id: str,
        stack_name: str,
        stack_id: str,
    ) -> None:
        record = self.stack(req, tenant_id, stack_name, stack_id)
        if record.deleted_at is not None:
            raise not_found(f"Stack ({stack_name}) ")
        start_stack_job(self.services, record, "DELETE")
        resp.status = falcon.HTTP_204


def nested_detail(
    req: falcon.Request,
    tree: StackTree,
    node: NestedStackNode,
    services: Services,
    with_outputs: bool,
) -> dict[str, Any]:
    """A nested stack as Heat's ``format_stack`` shows it: its own id and name, ``parent``
    the id of the stack holding its resource, the status its resources give it."""
    record = tree.record
    latest: dict[str, Any] = {}
    for event in services.engine.records.events(record.id):
        latest[event.resource_name] = event
    action, status, reason = node_status(tree, node, latest)
    parent = tree.nodes[node.parent or ROOT]
    stack: dict[str, Any] = {
        "id": node.id,
        "links": [{"href": nested_href(req, tree, node), "rel": "self"}],
        "stack_name": node.name,
        "description": "",
        "stack_status": f"{action}_{status}",
        "stack_status_reason": reason,
        "creation_time": isotime(record.created_at),
        "updated_time": isotime(record.updated_at),
        "deletion_time": None,
        "stack_owner": record.owner,
        "parent": parent.id,
        "stack_user_project_id": record.project_id,
        "tags": None,
        "parameters": {
            "OS::stack_id": node.id,
            "OS::stack_name": node.name,
            "OS::project_id": record.project_id,
        },
        "template_description": "",
        "timeout_mins": record.timeout_mins,
        "disable_rollback": record.disable_rollback,
        "capabilities": [],
        "notification_topics": [],
    }
    if with_outputs:
        values = tree.outputs(node)
        stack["outputs"] = [
            _output(name, spec, values, True) for name, spec in node.outputs.items()
        ]
    return stack


class StackActions(StackScoped):
    """``POST .../actions``: suspend, resume, check, cancel_update (one key per request)."""

    ACTIONS = ("suspend", "resume", "check", "cancel_update", "cancel_without_rollback")

    def on_post(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        tenant_id: str,
        stack_name: str,
        stack_id: str,
    ) -> None:
        record = self.stack(req, tenant_id, stack_name, stack_id)
        body = read_json(req)
        if len(body) != 1:
            raise bad_request("Multiple actions specified")
        action = next(iter(body))
        if action not in self.ACTIONS:
            raise bad_request(f"Invalid action {action} specified")
        if action.startswith("cancel"):
            self._cancel(record, with_rollback=action == "cancel_update")
            resp.status = falcon.HTTP_200
            return
        verb = action.upper()
        if (record.action, record.status) == (verb, "COMPLETE"):
            resp.status = falcon.HTTP_200  # Heat: already suspended (resumed), nothing to do
            return
        # Heat's stack_task writes an event for suspend and resume only.
        start_stack_job(self.services, record, verb, event=verb in ("SUSPEND", "RESUME"))
        resp.status = falcon.HTTP_200

    def _cancel(self, record: StackRecord, *, with_rollback: bool) -> None:
        """Heat's ``stack_cancel_update``: only an UPDATE in progress (or, without rollback,
        a CREATE) can be cancelled. The running job stops at its next safe point (before it
        starts another resource step; steps in flight finish and are recorded), then rolls
        its work back (``cancel_update``, or when the stack has rollback enabled) or keeps
        it, and the stack ends ``ROLLBACK_*`` or ``<ACTION>_FAILED`` (``... cancelled``)."""
        allowed = ("UPDATE",) if with_rollback else ("UPDATE", "CREATE")
        if not (record.status == "IN_PROGRESS" and record.action in allowed):
            raise bad_request(
                f"Cancelling update when stack is {record.stack_status} is not supported.",
                "NotSupported",
            )
        mode = "rollback" if with_rollback else "stop"
        if not self.services.engine.records.request_cancel(record.id, allowed, mode):
            raise bad_request(
                f"Cancelling update when stack is {record.stack_status} is not supported:"
                " its job has already finished.",
                "NotSupported",
            )


class StackDocuments(StackScoped):
    """``.../template``, ``.../environment``, ``.../files``: what the stack was given."""

    def __init__(self, services: Services, which: str) -> None:
        super().__init__(services)
        self.which = which

    def on_get(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        tenant_id: str,
        stack_name: str,
        stack_id: str,
    ) -> None:
        record = self.stack(req, tenant_id, stack_name, stack_id)
        if self.which == "template":
            resp.media = record.template
        elif self.which == "environment":
            env = record.environment_doc if isinstance(record.environment_doc, dict) else {}
            resp.media = {
                "parameters": {**env.get("parameters", {}), **record.parameters},
                "parameter_defaults": env.get("parameter_defaults", {}),
                "resource_registry": env.get("resource_registry", {"resources": {}}),
                "encrypted_param_names": [],
                "event_sinks": [],
            }
        else:
            resp.media = record.files


class StackOutputs(StackScoped):
    def on_get(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        tenant_id: str,
        stack_name: str,
        stack_id: str,
    ) -> None:
        found = self.root_or_nested(req, tenant_id, stack_name, stack_id)
        if not isinstance(found, StackRecord):
            node = found[1]
            resp.media = {"outputs": [_output(n, o, {}, False) for n, o in node.outputs.items()]}
            return
        template = found.template if isinstance(found.template, dict) else {}
        resp.media = {"outputs": output_list(template, {}, with_values=False)}

    def on_get_one(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        tenant_id: str,
        stack_name: str,
        stack_id: str,
        output_key: str,
    ) -> None:
        found = self.root_or_nested(req, tenant_id, stack_name, stack_id)
        if not isinstance(found, StackRecord):
            tree, node = found
            if output_key not in node.outputs:
                raise not_found(f"Specified output key {output_key} ")
            spec = node.outputs[output_key]
            resp.media = {"output": _output(output_key, spec, tree.outputs(node), True)}
            return
        record = found
        template = record.template if isinstance(record.template, dict) else {}
        declared = template.get("outputs") or {}
        if output_key not in declared:
            raise not_found(f"Specified output key {output_key} ")
        state = self.services.engine.store.load(record.key)
        resp.media = {"output": _output(output_key, declared[output_key], state.outputs, True)}


def output_list(
    template: dict[str, Any], values: dict[str, Any], *, with_values: bool
) -> list[dict[str, Any]]:
    declared = template.get("outputs") or {}
    return [_output(name, spec, values, with_values) for name, spec in declared.items()]


def _output(name: str, spec: Any, values: dict[str, Any], with_value: bool) -> dict[str, Any]:
    if isinstance(spec, OutputSpec):
        description: Any = spec.description
    else:
        description = spec.get("description") if isinstance(spec, dict) else None
    out: dict[str, Any] = {"output_key": name, "description": description or "No description given"}
    if with_value:
        out["output_value"] = values.get(name)
        if name not in values:
            out["output_error"] = f"Output {name} is not available yet"
    return out


def _param_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    import json

    return json.dumps(value)
