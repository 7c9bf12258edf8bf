"""Nova's instance actions (``/servers/{id}/os-instance-actions``): the record of what was asked
of a server and how it ended.

It is the only place a member can learn why a resize failed: when the scheduler finds no host,
real Nova (34) puts the server back to ACTIVE with its old flavor and no fault; the action
``resize`` ends with message ``Error`` and an event ``conductor_migrate_server`` whose result is
``Error``. Members see events from 2.51 (without traceback); the event's ``details`` (2.84)
are for admins only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .common import iso, new_id
from .errors import ApiError
from .protocol import Rec, Request, Response, ok
from .routing import Router

# Body key of POST /servers/{id}/action -> Nova's action name.
ACTION_NAMES = {
    "resize": "resize",
    "confirmResize": "confirmResize",
    "revertResize": "revertResize",
    "os-start": "start",
    "os-stop": "stop",
    "reboot": "reboot",
    "rebuild": "rebuild",
    "pause": "pause",
    "unpause": "unpause",
    "suspend": "suspend",
    "resume": "resume",
    "lock": "lock",
    "unlock": "unlock",
    "changePassword": "changePassword",
}
_EVENT_NAMES = {"create": "compute__do_build_and_run_instance", "resize": "compute_prep_resize"}


def record_action(
    rec: Rec, req: Request, action: str, *, failed_event: str | None = None, details: str = ""
) -> None:
    """Append an action to the server's record; ``failed_event`` makes it end in Error."""
    stamp = iso()
    event = failed_event or _EVENT_NAMES.get(action, f"compute_{action}")
    rec.setdefault("_actions", []).append(
        {
            "action": action,
            "request_id": f"req-{new_id()}",
            "user_id": req.auth.user_id,
            "project_id": rec["tenant_id"],
            "start_time": stamp,
            "updated_at": stamp,
            "message": "Error" if failed_event else None,
            "events": [
                {
                    "event": event,
                    "start_time": stamp,
                    "finish_time": stamp,
                    "result": "Error" if failed_event else "Success",
                    "traceback": None,
                    "details": details or None,
                }
            ],
        }
    )


class InstanceActions:
    """GET handlers over the ``_actions`` a server record keeps."""

    if TYPE_CHECKING:  # provided by Servers

        def get(self, req: Request, server_id: str) -> Rec: ...

    def register_instance_actions(self, r: Router) -> None:
        r.add("GET", "/servers/{id}/os-instance-actions", self.list_instance_actions)
        r.add("GET", "/servers/{id}/os-instance-actions/{request_id}", self.show_instance_action)

    @staticmethod
    def _summary(req: Request, rec: Rec, action: Rec) -> Rec:
        view = {k: v for k, v in action.items() if k != "events"}
        view["instance_uuid"] = rec["id"]
        if not req.version_at_least(2, 58):
            view.pop("updated_at")
        return view

    def list_instance_actions(self, req: Request, params: dict[str, str]) -> Response:
        rec = self.get(req, params["id"])
        actions = [self._summary(req, rec, a) for a in reversed(rec.get("_actions", []))]
        return ok({"instanceActions": actions})

    def show_instance_action(self, req: Request, params: dict[str, str]) -> Response:
        rec = self.get(req, params["id"])
        for action in rec.get("_actions", []):
            if action["request_id"] == params["request_id"]:
                view = self._summary(req, rec, action)
                if req.auth.is_admin or req.version_at_least(2, 51):
                    view["events"] = [_event(req, e) for e in action["events"]]
                return ok({"instanceAction": view})
        raise ApiError(
            404, f"Action for request_id {params['request_id']} on instance {rec['id']} not found"
        )


def _event(req: Request, event: Rec) -> dict[str, Any]:
    view = {k: v for k, v in event.items() if k not in ("traceback", "details")}
    if req.auth.is_admin:
        view["traceback"] = event["traceback"]
        if req.version_at_least(2, 84):
            view["details"] = event["details"]
    return view
