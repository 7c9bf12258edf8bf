"""The one mapping from outcomes to exit codes."""

from __future__ import annotations

import pytest

from atonix_iac.cli.exitcodes import ExitCode, for_error, for_plan
from atonix_iac.errors import ApplyError, ApplyOutcome, PolicyDeniedError, TemplateError


@pytest.mark.parametrize(
    ("has_changes", "detailed", "code"),
    [(False, False, 0), (True, False, 0), (False, True, 0), (True, True, 2)],
)
def test_plan_codes_follow_terraform(has_changes: bool, detailed: bool, code: int) -> None:
    assert for_plan(has_changes=has_changes, detailed=detailed) == code


def test_errors_exit_1_and_policy_denial_3() -> None:
    assert for_error(TemplateError("bad")) is ExitCode.ERROR
    assert for_error(ApplyError("failed", ApplyOutcome())) is ExitCode.ERROR
    assert for_error(PolicyDeniedError("denied")) is ExitCode.POLICY_DENIED == 3
