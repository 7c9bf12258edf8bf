"""A server resize that is proven, not assumed.

When Nova cannot resize (no host fits the new flavor), the server goes back to ACTIVE on its
old flavor with no fault: status alone reads as success. So after the wait we check the
flavor the server now has, and when it is not the wanted one we raise with Nova's reason, read
from the instance action (an event's ``details`` where the caller may see them, else the
names of the events that failed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from openstack import exceptions as os_exceptions

from atonix_iac.errors import ResourceFailedError

WaitFor = Callable[[tuple[str, ...]], Any]


def resize_and_confirm(
    compute: Any, server_id: str, flavor: str, flavor_id: str, wait: WaitFor
) -> None:
    """Resize ``server_id`` to ``flavor`` (as given; ``flavor_id`` resolved) and confirm it."""
    compute.resize_server(server_id, flavor_id)
    if str(wait(("VERIFY_RESIZE", "ACTIVE")).status).upper() == "VERIFY_RESIZE":
        compute.confirm_server_resize(server_id)
        wait(("ACTIVE",))
    server = compute.get_server(server_id)
    if not _has_flavor(compute, server, flavor, flavor_id):
        current = _flavor_label(server)
        raise ResourceFailedError(
            f"resizing server {server_id} to {flavor} failed: it is still {current}"
            f" ({failed_action_reason(compute, server_id, 'resize')})"
        )


def _has_flavor(compute: Any, server: Any, flavor: str, flavor_id: str) -> bool:
    shown = server.flavor or {}
    # Before 2.47 Nova shows the flavor's id; from 2.47 a copy named by its original_name.
    names = {str(shown.get(k)) for k in ("id", "original_name", "name") if shown.get(k)}
    if flavor in names or flavor_id in names:
        return True
    return compute.get_flavor(flavor_id).name in names


def _flavor_label(server: Any) -> str:
    shown = server.flavor or {}
    return str(shown.get("original_name") or shown.get("id") or "on its old flavor")


def failed_action_reason(compute: Any, server_id: str, action: str) -> str:
    """Why Nova's latest ``action`` on the server failed, as far as the caller may see."""
    try:
        latest = next((a for a in compute.server_actions(server_id) if a.action == action), None)
        if latest is None:
            return f"Nova recorded no {action} action"
        detail = compute.get_server_action(latest.request_id, server_id)
    except os_exceptions.SDKException:
        return f"Nova's {action} action could not be read"
    failed = [e for e in detail.events or [] if str(_get(e, "result")).lower() == "error"]
    details = [str(_get(e, "details")) for e in failed if _get(e, "details")]
    if details:
        return "; ".join(details)
    if failed:
        events = ", ".join(str(_get(e, "event")) for e in failed)
        return f"Nova's {action} action ended in Error at {events}"
    return f"Nova's {action} action ended with message {detail.message or 'none'}"


def _get(event: Any, key: str) -> Any:
    return event.get(key) if isinstance(event, dict) else getattr(event, key, None)
