"""The one place that maps outcomes to process exit codes (Terraform's meanings)."""

from __future__ import annotations

from enum import IntEnum

from atonix_iac.errors import AtonixError, PolicyDeniedError


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    CHANGES_PRESENT = 2  # only with -detailed-exitcode
    POLICY_DENIED = 3  # reserved for policy checks


def for_plan(*, has_changes: bool, detailed: bool) -> ExitCode:
    """``plan -detailed-exitcode``: 0 no changes, 2 changes present; plain ``plan``: 0."""
    if detailed and has_changes:
        return ExitCode.CHANGES_PRESENT
    return ExitCode.OK


def for_error(error: AtonixError) -> ExitCode:
    """A policy denial has its own code; any other ``AtonixError`` (user mistake, provider
    failure, failed or cancelled apply) is 1."""
    if isinstance(error, PolicyDeniedError):
        return ExitCode.POLICY_DENIED
    return ExitCode.ERROR
