"""Plans first: ``POST .../plans`` answers Terraform's ``show -json`` plan of an update (or of
converging the stack as it is); ``POST .../plans/{plan_id}/apply`` applies exactly that plan,
or refuses it (409) when the stack, its template or its state moved on. Also preview (a plan
of a stack not yet created), abandon and export."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

import falcon

from atonix_iac.errors import AtonixError
from atonix_iac.planner.plan import Action
from atonix_iac.state.records import StackRecord

from ..engine import plan_digest
from .common import (
    HeatError,
    StackScoped,
    bad_request,
    binding,
    check_tenant,
    identity,
    isotime,
    read_json,
    stack_href,
    stack_link,
)
from .documents import apply_body, check_record
from .stacks import summary

_PREVIEW_ACTIONS = {
    Action.CREATE: "INIT",
    Action.NOOP: "INIT",
}


class Plans(StackScoped):
    def _proposal(
        self, req: falcon.Request, record: StackRecord, body: dict[str, Any]
    ) -> StackRecord:
        proposed = replace(record, parameters=dict(record.parameters), tags=list(record.tags))
        if body:
            apply_body(
                proposed,
                body,
                patch=not (body.get("template") or body.get("template_url"))
                or bool(body.get("existing")),
                settings=self.services.engine.settings,
            )
            check_record(self.services.engine, proposed, binding(req))
        return proposed

    def _document(self, proposed: StackRecord) -> dict[str, Any]:
        try:
            document = self.services.engine.plan_document(proposed)
        except AtonixError as err:
            raise bad_request(err.message, "StackValidationFailed") from None
        return document

    def on_post(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        tenant_id: str,
        stack_name: str,
        stack_id: str,
    ) -> None:
        record = self.stack(req, tenant_id, stack_name, stack_id)
        proposed = self._proposal(req, record, read_json(req))
        document = self._document(proposed)
        plan_id = plan_digest(document)
        records = self.services.engine.records
        # The proposal is kept (sealed with the stack's record) for apply to find.
        proposal_id = f"{record.id[:8]}-{plan_id}"
        holder = replace(
            proposed,
            id=str(uuid.uuid5(uuid.NAMESPACE_URL, proposal_id)),
            name=f"plan:{plan_id}",
            deleted_at=proposed.created_at,
            action="PLAN",
            status="COMPLETE",
        )
        if records.get_stack(None, holder.id) is None:
            records.add_stack(holder)
        document.setdefault("atonix", {})["plan_id"] = plan_id
        resp.status = falcon.HTTP_201
        resp.location = f"{stack_href(req, record)}/plans/{plan_id}"
        resp.media = document

    def on_post_apply(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        tenant_id: str,
        stack_name: str,
        stack_id: str,
        plan_id: str,
    ) -> None:
        record = self.stack(req, tenant_id, stack_name, stack_id)
        records = self.services.engine.records
        holder_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{record.id[:8]}-{plan_id}"))
        proposal = records.get_stack(identity(req).project_id, holder_id)
        if proposal is None:
            raise HeatError(404, f"The plan ({plan_id}) could not be found.", "EntityNotFound")
        proposed = replace(
            record,
            template=proposal.template,
            files=proposal.files,
            environment_doc=proposal.environment_doc,
            parameters=proposal.parameters,
        )
        if plan_digest(self._document(proposed)) != plan_id:
            raise HeatError(
                409,
                "The plan is stale: the stack or its state changed since it was made; plan again",
                "StalePlan",
            )
        action = "CREATE" if record.action == "CREATE" and record.status != "COMPLETE" else "UPDATE"
        proposed.action, proposed.status = action, "IN_PROGRESS"
        proposed.status_reason = f"Stack {action} started (plan {plan_id})"
        previous = records.seal_documents(record)
        records.save_stack(proposed)
        job = records.add_job(record.id, action, {"plan_digest": plan_id, "previous": previous})
        self.services.jobs.submit(job)
        resp.status = falcon.HTTP_202
        resp.location = stack_href(req, record)
        resp.media = {"stack": {"id": record.id, "links": [stack_link(req, record)]}}


class Preview(StackScoped):
    """``POST /stacks/preview``: the stack as it would be created, resources INIT_COMPLETE."""

    def on_post(self, req: falcon.Request, resp: falcon.Response, tenant_id: str) -> None:
        check_tenant(req, tenant_id)
        body = read_json(req)
        found = binding(req)
        record = StackRecord(
            id=str(uuid.uuid4()),
            project_id=identity(req).project_id,
            name=str(body.get("stack_name") or "preview"),
            workspace=found.workspace,
            environment=f"{found.environment}#preview",
            owner=identity(req).user_name,
        )
        apply_body(record, body, patch=False, settings=self.services.engine.settings)
        check_record(self.services.engine, record, found)
        preview_key = replace(record, environment=found.environment, name=f"preview-{record.id}")
        try:
            document = self.services.engine.plan_document(preview_key)
        except AtonixError as err:
            raise bad_request(err.message, "StackValidationFailed") from None
        stack = summary(req, record)
        stack.pop("stack_status", None)
        stack.pop("stack_status_reason", None)
        stack["resources"] = [
            {
                "resource_name": change["name"],
                "resource_type": change["type"],
                "resource_action": "INIT",
                "resource_status": "COMPLETE",
                "resource_status_reason": "",
                "physical_resource_id": "",
                "required_by": [],
                "properties": {},
                "stack_name": record.name,
                "stack_identity": {
                    "stack_name": record.name,
                    "stack_id": "None",
                    "tenant": record.project_id,
                    "path": "",
                },
                "creation_time": isotime(record.created_at),
                "updated_time": None,
                "description": "",
                "metadata": {},
                "resource_identity": {},
            }
            for change in document.get("resource_changes", [])
        ]
        resp.media = {"stack": stack}


class Abandon(StackScoped):
    """``DELETE .../abandon`` (forget the stack, keep its resources) and ``GET .../export``:
    Heat's abandon data (the adopt format)."""

    def _data(self, record: StackRecord) -> dict[str, Any]:
        resources: dict[str, Any] = {
            r.address: {
                "name": r.address,
                "type": r.type,
                "resource_id": r.physical_id,
                "action": "CREATE",
                "status": "COMPLETE",
                "metadata": {},
                "resource_data": {},
            }
            for r in self.services.engine.store.iter_resources(record.key)
            if r.deposed is None
        }
        return {
            "id": record.id,
            "name": record.name,
            "action": record.action,
            "status": record.status,
            "template": record.template,
            "environment": record.environment_doc,
            "files": record.files,
            "project_id": record.project_id,
            "stack_user_project_id": record.project_id,
            "tags": record.tags,
            "resources": resources,
        }

    def on_delete(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        tenant_id: str,
        stack_name: str,
        stack_id: str,
    ) -> None:
        record = self.stack(req, tenant_id, stack_name, stack_id)
        engine = self.services.engine
        with engine.stack_lock(record.key, "abandon"):
            data = self._data(record)
            if record.key in engine.store.list_stacks():
                engine.store.delete_stack(record.key, force=True)
            engine.store.stack_snapshots().remove(record.id)
        engine.records.set_status(record.id, "ABANDON", "COMPLETE", "Stack abandoned", deleted=True)
        resp.media = data

    def on_get_export(
        self,
        req: falcon.Request,
        resp: falcon.Response,
        tenant_id: str,
        stack_name: str,
        stack_id: str,
    ) -> None:
        record = self.stack(req, tenant_id, stack_name, stack_id)
        resp.media = self._data(record)
