"""Manila's access rules and their asynchronous states, as the share manager moves them.

A granted rule is ``queued_to_apply`` until the backend has applied it (delay kind
``share_access``), then ``active``, or ``error`` when a ``share_access`` lifecycle rule says so
(its ``name`` pattern matches the rule's ``access_to``); ``stuck`` keeps it queued, as a lost
cast to manila-share would. A denied rule stays listed, ``queued_to_deny``, for the same delay
and still counts as existing: Manila refuses to grant the same ``access_to`` again until the
backend has dropped it ("Share access ... exists"). The share's ``access_rules_status`` is
``error`` while a rule is in error, ``syncing`` while one is on its way, else ``active``.
With no delay every change is immediate. Like :mod:`lifecycle`, nothing runs in the
background: a due change is applied when the share is next read.
"""

from __future__ import annotations

from .common import iso, new_id, now
from .protocol import Rec

#: A rule's states on its way in or out: the share's rules are ``syncing`` while one is here.
MOVING = ("queued_to_apply", "applying", "queued_to_deny", "denying")


def grant(share: Rec, arg: Rec, delay: float, outcome: str) -> Rec:
    """Add a rule to ``share`` (already validated); the rule's record."""
    final = "error" if outcome == "error" else "active"
    rule: Rec = {
        "id": new_id(),
        "share_id": share["id"],
        "access_type": str(arg.get("access_type") or ""),
        "access_to": str(arg.get("access_to") or ""),
        "access_level": str(arg.get("access_level") or "rw"),
        "access_key": None,
        "state": final,
        "metadata": dict(arg.get("metadata") or {}),
        "created_at": iso(micro=True),
        "updated_at": None,
    }
    if delay > 0 or outcome != "ok":
        rule["state"] = "queued_to_apply"
        rule["_due"] = {"at": now() + delay, "state": final, "stuck": outcome == "stuck"}
    share["_access"].append(rule)
    return rule


def deny(share: Rec, rule_id: str, delay: float) -> bool:
    """Revoke a rule; False if the share has no such rule."""
    for rule in share["_access"]:
        if rule["id"] == rule_id:
            break
    else:
        return False
    if delay <= 0:
        share["_access"].remove(rule)
    else:
        rule["state"] = "queued_to_deny"
        rule["_due"] = {"at": now() + delay, "state": None, "stuck": False}
    return True


def settle(share: Rec) -> bool:
    """Apply the rule changes that are due; True if any was."""
    changed = False
    moment = now()
    for rule in list(share["_access"]):
        due = rule.get("_due")
        if not due or due["stuck"] or moment < due["at"]:
            continue
        changed = True
        if due["state"] is None:
            share["_access"].remove(rule)
            continue
        rule["state"] = due["state"]
        rule["updated_at"] = iso(due["at"], micro=True)
        del rule["_due"]
    return changed


def status(share: Rec) -> str:
    """The share's ``access_rules_status``."""
    states = {str(rule["state"]) for rule in share["_access"]}
    if "error" in states:
        return "error"
    return "syncing" if states & set(MOVING) else "active"


def release(share: Rec) -> int:
    """Let the rules a ``stuck`` outcome holds finish on the next read; how many."""
    held = [r["_due"] for r in share["_access"] if r.get("_due", {}).get("stuck")]
    for due in held:
        due["stuck"], due["at"] = False, now()
    return len(held)
