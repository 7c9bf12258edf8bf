"""The package's public names are a contract: adding or removing one is a decision."""

from __future__ import annotations

import subprocess
import sys

import atonix_iac


def test_all_is_pinned() -> None:
    assert atonix_iac.__all__ == [
        "Action",
        "ApplyError",
        "ApplyEvent",
        "ApplyResult",
        "AtonixError",
        "BoundParameters",
        "Diagnostic",
        "OnFailure",
        "Plan",
        "PlanMode",
        "ResourceChange",
        "StackKey",
        "State",
        "Template",
        "TemplateError",
        "apply_plan",
        "bind_parameters",
        "load_template",
        "make_plan",
        "open_store",
        "render_plan",
    ]


def test_every_public_name_resolves() -> None:
    assert sorted(atonix_iac._EXPORTS) == atonix_iac.__all__
    for name in atonix_iac.__all__:
        assert getattr(atonix_iac, name) is not None, name
    from atonix_iac.apply.executor import apply_plan
    from atonix_iac.errors import AtonixError

    assert atonix_iac.apply_plan is apply_plan
    assert atonix_iac.AtonixError is AtonixError


def test_importing_the_errors_does_not_load_the_engine() -> None:
    code = (
        "import sys, atonix_iac.errors; "
        "print(any(m.startswith(('sqlalchemy', 'networkx', 'atonix_iac.planner')) "
        "for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
