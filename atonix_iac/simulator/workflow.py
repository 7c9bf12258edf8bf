"""Mistral v2: workflows, cron triggers and executions (``/workflow/v2``).

Pinned to Mistral's API (mistral/api/controllers/v2/): a workflow is created and updated from
its YAML definition sent as ``text/plain`` (``POST`` / ``PUT /workflows``, answering
``{"workflows": [...]}``); the definition needs ``version: '2.0'`` and each workflow ``tasks``;
names are unique per project (409). Workflows and cron triggers are addressed by name or id.
A cron trigger needs a ``pattern`` or a ``first_execution_time`` and names its workflow by
``workflow_name`` or ``workflow_id`` (404 when it names none); a workflow a trigger still uses
cannot be deleted (400). An execution finishes at once (``SUCCESS``); its output is what the
workflow's tasks ``publish`` as literal values (expressions are not evaluated).
Errors are WSME's ``{"faultcode", "faultstring", "debuginfo"}``.
"""

from __future__ import annotations

import importlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from .backend import Backend
from .common import new_id
from .errors import ApiError
from .protocol import Rec, Request, Response, empty, ok
from .routing import Router

WORKFLOW, TRIGGER, EXECUTION = "mistral_workflow", "mistral_cron_trigger", "mistral_execution"
WORKFLOW_TYPES = ("direct", "reverse")
_STAMP = "%Y-%m-%d %H:%M:%S"


def _bad(message: str) -> ApiError:
    return ApiError(400, message)


def _stamp(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).strftime(_STAMP)


def _input_text(spec: Any) -> str:
    """Mistral shows a workflow's input as ``a, b=1``."""
    parts = []
    for item in spec or []:
        if isinstance(item, dict):
            parts += [f"{k}={json.dumps(v)}" for k, v in item.items()]
        else:
            parts.append(str(item))
    return ", ".join(parts)


def _load(text: str) -> Any:
    """JSON (a YAML subset) with the standard library; other YAML when PyYAML is there."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        yaml: Any = importlib.import_module("yaml")
    except ImportError as exc:
        raise _bad("Definition could not be parsed: not JSON (PyYAML is not installed)") from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _bad(f"Definition could not be parsed: {exc}") from exc


def parse_definition(text: str) -> dict[str, Rec]:
    """The workflows a definition declares, by name; 400 for what Mistral rejects."""
    doc = _load(text)
    if not isinstance(doc, dict) or str(doc.get("version")) != "2.0":
        raise _bad("Invalid DSL: 'version' is a required property and must be '2.0'")
    flows = {str(k): v for k, v in doc.items() if k not in ("version", "name", "description")}
    if not flows:
        raise _bad("Invalid DSL: the definition declares no workflow")
    for name, spec in flows.items():
        if not isinstance(spec, dict):
            raise _bad(f"Invalid DSL: workflow {name} must be a map")
        if spec.get("type", "direct") not in WORKFLOW_TYPES:
            raise _bad(f"Invalid DSL: workflow {name} type must be direct or reverse")
        tasks = spec.get("tasks")
        if not isinstance(tasks, dict) or not tasks:
            raise _bad(f"Invalid DSL: workflow {name} has no tasks")
        for task, body in tasks.items():
            if not isinstance(body, dict) or ("action" in body) == ("workflow" in body):
                raise _bad(f"Invalid DSL: task {task} needs exactly one of action, workflow")
    return flows


def _published(flow: Rec) -> Rec:
    """The literal values the workflow's tasks publish (what an execution outputs here)."""
    out: Rec = {}
    try:
        spec = parse_definition(str(flow["definition"])).get(flow["name"]) or {}
    except ApiError:
        return out
    for task in (spec.get("tasks") or {}).values():
        for key, value in (task.get("publish") or {}).items():
            if not (isinstance(value, str) and ("<%" in value or "{{" in value)):
                out[str(key)] = value
    return out


class Workflows:
    """``/v2/workflows``, ``/v2/cron_triggers``, ``/v2/executions``."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.store = backend.store
        r = Router("Not found")
        r.add("GET", "/workflows", self.list_workflows)
        r.add("POST", "/workflows", self.create_workflows)
        r.add("PUT", "/workflows", self.update_workflows)
        r.add("GET", "/workflows/{id}", self.show_workflow)
        r.add("DELETE", "/workflows/{id}", self.delete_workflow)
        r.add("GET", "/cron_triggers", self.list_triggers)
        r.add("POST", "/cron_triggers", self.create_trigger)
        r.add("GET", "/cron_triggers/{id}", self.show_trigger)
        r.add("DELETE", "/cron_triggers/{id}", self.delete_trigger)
        r.add("GET", "/executions", self.list_executions)
        r.add("POST", "/executions", self.create_execution)
        r.add("GET", "/executions/{id}", self.show_execution)
        r.add("DELETE", "/executions/{id}", self.delete_execution)
        self.router = r

    @staticmethod
    def discovery(req: Request, versioned: bool) -> Response:
        entry = {"id": "v2.0", "status": "CURRENT", "links": [
            {"rel": "self", "href": f"{req.base_url}/workflow/v2"}]}  # fmt: skip
        if versioned:
            return ok({"version": entry, "uri": f"{req.base_url}/workflow/v2"})
        return ok({"versions": [entry]}, 300)

    # -- lookups ----------------------------------------------------------------------------

    def _find(self, req: Request, kind: str, ident: str, what: str) -> Rec:
        for rec in self.store.owned(kind, req.auth.project_id):
            if ident in (rec["id"], rec["name"]):
                return rec
        raise ApiError(404, f"{what} not found [identifier={ident}]")

    @staticmethod
    def _view(rec: Rec) -> Rec:
        return {k: v for k, v in rec.items() if not k.startswith("_")}

    # -- workflows --------------------------------------------------------------------------

    def list_workflows(self, req: Request, params: dict[str, str]) -> Response:
        items = sorted(self.store.owned(WORKFLOW, req.auth.project_id), key=lambda r: r["name"])
        name = req.arg("name")
        return ok({"workflows": [self._view(r) for r in items if name in (None, r["name"])]})

    def _text(self, req: Request) -> str:
        if not req.body:
            raise _bad("The workflow definition is empty")
        return req.body.decode("utf-8", "replace")

    def create_workflows(self, req: Request, params: dict[str, str]) -> Response:
        text = self._text(req)
        flows = parse_definition(text)
        existing = {r["name"] for r in self.store.owned(WORKFLOW, req.auth.project_id)}
        taken = sorted(set(flows) & existing)
        if taken:
            raise ApiError(409, f"Duplicate entry for WorkflowDefinition ['name']: {taken[0]}")
        made = []
        for name, spec in flows.items():
            stamp = _stamp()
            rec: Rec = {
                "id": new_id(),
                "name": name,
                "namespace": "",
                "definition": text,
                "input": _input_text(spec.get("input")),
                "tags": list(spec.get("tags") or []),
                "scope": "private",
                "project_id": req.auth.project_id,
                "created_at": stamp,
                "updated_at": None,
            }
            self.store.put(WORKFLOW, rec)
            made.append(self._view(rec))
        return ok({"workflows": made}, 201)

    def update_workflows(self, req: Request, params: dict[str, str]) -> Response:
        text = self._text(req)
        flows = parse_definition(text)
        changed = []
        for name, spec in flows.items():
            rec = self._find(req, WORKFLOW, name, "WorkflowDefinition")
            rec.update(
                definition=text,
                input=_input_text(spec.get("input")),
                tags=list(spec.get("tags") or []),
                updated_at=_stamp(),
            )
            changed.append(self._view(rec))
        return ok({"workflows": changed})

    def show_workflow(self, req: Request, params: dict[str, str]) -> Response:
        return ok(self._view(self._find(req, WORKFLOW, params["id"], "WorkflowDefinition")))

    def delete_workflow(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._find(req, WORKFLOW, params["id"], "WorkflowDefinition")
        users = [t["name"] for t in self.store.owned(TRIGGER, req.auth.project_id)
                 if t["workflow_id"] == rec["id"]]  # fmt: skip
        if users:
            raise _bad(
                f"Can't delete workflow that has cron triggers associated. [workflow_identifier="
                f"{rec['name']}, cron_trigger_id(s)={', '.join(users)}]"
            )
        self.store.delete(WORKFLOW, rec["id"])
        return empty(204)

    # -- cron triggers ----------------------------------------------------------------------

    def list_triggers(self, req: Request, params: dict[str, str]) -> Response:
        items = sorted(self.store.owned(TRIGGER, req.auth.project_id), key=lambda r: r["name"])
        return ok({"cron_triggers": [self._view(r) for r in items]})

    def create_trigger(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object()
        name = body.get("name")
        if not name:
            raise _bad("Mandatory field missing: name")
        pattern, first = body.get("pattern"), body.get("first_execution_time")
        if not pattern and not first:
            raise _bad("Pattern or first_execution_time must be specified.")
        if pattern and len(str(pattern).split()) not in (5, 6):
            raise _bad(f"Invalid cron pattern: {pattern}")
        if first:
            try:
                first_at = datetime.strptime(str(first), "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
            except ValueError as exc:
                raise _bad(f"Invalid first_execution_time: {first} (YYYY-MM-DD HH:MM)") from exc
            if first_at <= datetime.now(UTC):
                raise _bad("first_execution_time must be at least 1 second in the future.")
        ident = body.get("workflow_id") or body.get("workflow_name")
        if not ident:
            raise _bad("workflow_name or workflow_id is required")
        flow = self._find(req, WORKFLOW, str(ident), "WorkflowDefinition")
        if any(t["name"] == name for t in self.store.owned(TRIGGER, req.auth.project_id)):
            raise ApiError(409, f"Duplicate entry for cron trigger ['name', 'project_id']: {name}")
        count = body.get("remaining_executions")
        if count is not None and (not isinstance(count, int) or count < 1):
            raise _bad("remaining_executions must be a positive integer")
        upcoming = first_at if first else datetime.now(UTC) + timedelta(minutes=1)
        rec: Rec = {
            "id": new_id(),
            "name": str(name),
            "pattern": pattern,
            "workflow_name": flow["name"],
            "workflow_id": flow["id"],
            "workflow_input": body.get("workflow_input") or "{}",
            "workflow_params": body.get("workflow_params") or "{}",
            "first_execution_time": first_at.strftime(_STAMP) if first else None,
            "next_execution_time": upcoming.replace(second=0).strftime(_STAMP),
            "remaining_executions": count,
            "scope": "private",
            "project_id": req.auth.project_id,
            "created_at": _stamp(),
            "updated_at": None,
        }
        self.store.put(TRIGGER, rec)
        return ok(self._view(rec), 201)

    def show_trigger(self, req: Request, params: dict[str, str]) -> Response:
        return ok(self._view(self._find(req, TRIGGER, params["id"], "Cron trigger")))

    def delete_trigger(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._find(req, TRIGGER, params["id"], "Cron trigger")
        self.store.delete(TRIGGER, rec["id"])
        return empty(204)

    # -- executions -------------------------------------------------------------------------

    def list_executions(self, req: Request, params: dict[str, str]) -> Response:
        items = sorted(
            self.store.owned(EXECUTION, req.auth.project_id), key=lambda r: r["created_at"]
        )
        name = req.arg("workflow_name")
        return ok({"executions": [self._view(r) for r in items if name in (None, r["name"])]})

    def create_execution(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object()
        ident = body.get("workflow_id") or body.get("workflow_name")
        flow = self._find(req, WORKFLOW, str(ident or ""), "WorkflowDefinition")
        extra = body.get("params") or {}
        if isinstance(extra, str):
            try:
                extra = json.loads(extra)
            except ValueError as exc:
                raise _bad(f"params is not JSON: {exc}") from exc
        given = body.get("input") or "{}"
        if not isinstance(given, str):
            given = json.dumps(given)
        stamp = _stamp()
        rec: Rec = {
            "id": new_id(),
            "name": flow["name"],
            "workflow_name": flow["name"],
            "workflow_id": flow["id"],
            "description": body.get("description") or "",
            "input": given,
            "params": json.dumps(extra),
            "output": json.dumps(_published(flow)),
            "state": "SUCCESS",
            "state_info": None,
            "project_id": req.auth.project_id,
            "created_at": stamp,
            "updated_at": stamp,
        }
        self.store.put(EXECUTION, rec)
        return ok(self._view(rec), 201)

    def show_execution(self, req: Request, params: dict[str, str]) -> Response:
        return ok(self._view(self._find_execution(req, params["id"])))

    def delete_execution(self, req: Request, params: dict[str, str]) -> Response:
        self.store.delete(EXECUTION, self._find_execution(req, params["id"])["id"])
        return empty(204)

    def _find_execution(self, req: Request, ident: str) -> Rec:
        rec = self.store.get(EXECUTION, ident)
        if rec is None or rec["project_id"] != req.auth.project_id:
            raise ApiError(404, f"Execution not found [id={ident}]")
        return rec
