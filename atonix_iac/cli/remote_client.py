"""The stack service's plans-first API, as ``plan``/``apply --remote`` call it: find the stack,
plan an update (or preview a new stack), apply exactly that plan, follow the stack's events.

Every failure is one ``RemoteServiceError`` (or ``StalePlanError``) naming the service and
what it said; tokens and bodies never reach the message."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

from keystoneauth1 import exceptions as ks_exceptions

from atonix_iac.errors import RemoteServiceError, StalePlanError

POLL_INTERVAL_S = 0.5


class StackService:
    """One service at ``url`` (its root, as ``atonix serve`` listens), called through an
    authenticated keystoneauth ``session``."""

    def __init__(self, url: str, session: Any) -> None:
        self.url = url.rstrip("/")
        self.session = session
        try:
            self.project_id = str(session.get_project_id())
        except ks_exceptions.ClientException as exc:
            raise RemoteServiceError(f"cannot authenticate with Keystone: {_why(exc)}") from None

    def _call(self, method: str, path: str, body: Any = None, **query: str) -> Any:
        url = f"{self.url}/v1/{self.project_id}/{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        try:
            return self.session.request(
                url,
                method,
                json=body,
                raise_exc=False,
                authenticated=True,
                headers={"Accept": "application/json"},
            )
        except ks_exceptions.ConnectFailure:
            raise RemoteServiceError(
                f"cannot reach the stack service at {self.url} (is it running? check --remote)"
            ) from None
        except ks_exceptions.ClientException as exc:
            raise RemoteServiceError(f"{self.url}: {_why(exc)}") from None

    def _checked(self, response: Any, doing: str) -> Any:
        if response.status_code < 400:
            return response.json() if response.content else {}
        message, kind = _fault(response)
        if response.status_code in (401, 403):
            raise RemoteServiceError(
                f"the stack service at {self.url} refused the credentials while {doing}"
                f" ({response.status_code}): {message}"
            )
        if response.status_code == 409 and kind == "StalePlan":
            raise StalePlanError(f"the stack service refused the plan: {message}")
        raise RemoteServiceError(
            f"the stack service at {self.url} answered {response.status_code} while {doing}:"
            f" {message}"
        )

    def find_stack(self, name: str) -> str | None:
        """The id of the live stack ``name``, or None when there is none."""
        response = self._call("GET", f"stacks/{urllib.parse.quote(name)}")
        if response.status_code == 404:
            return None
        stack = self._checked(response, f"looking up stack `{name}`")["stack"]
        if str(stack.get("stack_status", "")).startswith("DELETE_COMPLETE"):
            return None
        return str(stack["id"])

    def plan(self, name: str, stack_id: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self._call("POST", f"stacks/{name}/{stack_id}/plans", body)
        return dict(self._checked(response, f"planning stack `{name}`"))

    def apply_plan(self, name: str, stack_id: str, plan_id: str) -> None:
        response = self._call("POST", f"stacks/{name}/{stack_id}/plans/{plan_id}/apply", {})
        self._checked(response, f"applying plan {plan_id} of stack `{name}`")

    def preview(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """A new stack's plan: every resource of Heat's preview, to be created."""
        response = self._call("POST", "stacks/preview", {**body, "stack_name": name})
        stack = self._checked(response, f"previewing stack `{name}`")["stack"]
        changes = [
            {
                "address": r["resource_name"],
                "type": r["resource_type"],
                "change": {"actions": ["create"]},
            }
            for r in stack.get("resources", [])
        ]
        return {"resource_changes": changes, "output_changes": {}}

    def create(self, name: str, body: dict[str, Any]) -> str:
        response = self._call("POST", "stacks", {**body, "stack_name": name})
        if response.status_code == 409:
            raise StalePlanError(f"stack `{name}` was created since the plan was made; plan again")
        return str(self._checked(response, f"creating stack `{name}`")["stack"]["id"])

    def follow(self, name: str, stack_id: str) -> Iterator[str]:
        """Each new event of the stack as a line, until the stack leaves IN_PROGRESS; then
        raises when it ended FAILED."""
        seen: set[str] = set()
        while True:
            stack = self._checked(
                self._call("GET", f"stacks/{name}/{stack_id}"), f"following stack `{name}`"
            )["stack"]
            events = self._checked(
                self._call("GET", f"stacks/{name}/{stack_id}/events", sort_dir="asc"),
                f"reading the events of stack `{name}`",
            )["events"]
            for event in events:
                if event.get("id") in seen:
                    continue
                seen.add(event.get("id"))
                reason = event.get("resource_status_reason") or ""
                yield (
                    f"{event.get('resource_name', '')}: {event.get('resource_status', '')}"
                    + (f" ({reason})" if reason else "")
                )
            status = str(stack["stack_status"])
            if not status.endswith("IN_PROGRESS"):
                if not status.endswith("COMPLETE"):
                    raise RemoteServiceError(
                        f"stack `{name}` ended {status}: {stack.get('stack_status_reason', '')}"
                    )
                return
            time.sleep(POLL_INTERVAL_S)


def _fault(response: Any) -> tuple[str, str]:
    """Heat's fault document as (message, type); else the status line."""
    try:
        doc = response.json()
        error = doc.get("error") or {}
        message = error.get("message") or doc.get("explanation") or doc.get("title")
        return str(message).strip().splitlines()[0], str(error.get("type", ""))
    except (ValueError, AttributeError, IndexError):
        return str(response.reason or response.status_code), ""


def _why(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
