"""Recognising and reading saved plan files.

Kept apart from ``planning`` (which brings the state session, providers and refresh) so that
``show FILE`` of a saved plan imports only what reading and rendering the plan needs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from atonix_iac.errors import PlanError, StalePlanError

if TYPE_CHECKING:
    from atonix_iac.planner.planfile import SavedPlan

__all__ = ["PLAN_SUFFIXES", "looks_like_plan_file", "read_saved_plan"]

PLAN_SUFFIXES = (".plan", ".tfplan")

# gzip's magic number (``planfile.GZIP_MAGIC``): recognising a plan file must not import the
# plan file codec (hashlib, gzip, secrets), which only reading or writing one needs.
_GZIP_MAGIC = b"\x1f\x8b"


def looks_like_plan_file(path: Path) -> bool:
    """Saved plans are JSON documents that are not HOT templates (which may be JSON too).
    A damaged one (truncated, binary) still counts when its name or first bytes say it is a
    plan, so that it is refused as a plan file rather than parsed as a broken template."""
    if path.suffix in PLAN_SUFFIXES:
        return True
    try:
        head = path.read_bytes()[:4096].lstrip()
    except OSError:
        return False
    if head.startswith(_GZIP_MAGIC):  # plan files are gzip-compressed JSON
        return True
    if not head.startswith(b"{"):
        return False
    if b'"atonix-plan"' in head:
        return True
    try:
        document = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(document, dict) and "heat_template_version" not in document


def read_saved_plan(path: Path) -> SavedPlan:
    from atonix_iac.planner.planfile import plan_from_bytes

    try:
        return plan_from_bytes(path.read_bytes())
    except StalePlanError:
        raise
    except PlanError as err:  # name the file: CI jobs juggle several
        raise type(err)(f"{path}: {err.message}") from err
