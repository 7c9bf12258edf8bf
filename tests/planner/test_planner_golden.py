"""Golden plans: real templates through the real loader and Heat provider, rendered.

Each case directory under tests/cases/plans holds ``stack.yaml`` (+ optional ``params.yaml``
with parameter values and ``options.yaml`` with mode/targets/excludes/replace, and
``providers: [openstack]`` for the OpenStack types' schemas), ``state.json``
(prior state, plus an optional ``refreshed`` map standing in for a refresh, and an optional
``external_reads`` map standing in for the plan-time read of external_id objects; ``openstack:
true`` in options.yaml adds the OpenStack types, whose schemas are all the planner reads) and
``expected.txt``: the rendered plan, or ``ERROR`` and the formatted error. Regenerate with
``UPDATE_GOLDEN=1 .venv/bin/pytest tests/planner/test_planner_golden.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from atonix_iac.errors import AtonixError
from atonix_iac.planner import PlanMode, make_plan, render_plan
from atonix_iac.providers.base import Provider, ResourceResult
from atonix_iac.providers.heat import HeatProvider
from atonix_iac.providers.openstack import OpenStackProvider
from atonix_iac.providers.registry import Registry
from atonix_iac.state.model import ResourceState, ResourceStatus, StackKey, State
from atonix_iac.template import bind_parameters, load_template
from atonix_iac.template.values import unwrap
from atonix_iac.workspace.config import Binding

CASES_DIR = Path(__file__).resolve().parents[1] / "cases" / "plans"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if (p / "stack.yaml").exists())
KEY = StackKey("default", "dev", "golden")


def _results(raw: dict[str, Any] | None) -> dict[str, ResourceResult | None] | None:
    if raw is None:
        return None
    return {
        address: None
        if result is None
        else ResourceResult(
            result.get("physical_id", f"id-{address}"),
            result.get("attributes", {}),
            result.get("properties"),
        )
        for address, result in raw.items()
    }


def load_external_reads(path: Path) -> dict[str, ResourceResult | None] | None:
    return _results(json.loads(path.read_text()).get("external_reads")) if path.exists() else None


def load_state(path: Path) -> tuple[State, dict[str, ResourceResult | None] | None]:
    """The simple JSON form of a prior state used by the golden cases."""
    if not path.exists():
        return State(key=KEY), None
    raw = json.loads(path.read_text())
    resources: dict[str, ResourceState] = {}
    for item in raw.get("resources", []):
        resource = ResourceState(
            address=item["address"],
            type=item["type"],
            physical_id=item.get("physical_id", f"id-{item['address']}"),
            status=ResourceStatus(item.get("status", "ready")),
            properties=item.get("properties", {}),
            attributes=item.get("attributes", {}),
            sensitive_properties=frozenset(item.get("sensitive_properties", [])),
            sensitive_attributes=frozenset(item.get("sensitive_attributes", [])),
            dependencies=tuple(item.get("dependencies", [])),
            deletion_policy=item.get("deletion_policy", "Delete"),
            prevent_destroy=item.get("prevent_destroy", False),
            deposed=item.get("deposed"),
            external=item.get("external", False),
        )
        key = f"{resource.address}#{resource.deposed}" if resource.deposed else resource.address
        resources[key] = resource
    state = State(
        key=KEY,
        lineage=raw.get("lineage", "golden-lineage"),
        serial=raw.get("serial", 1),
        resources=resources,
        outputs=raw.get("outputs", {}),
        sensitive_outputs=frozenset(raw.get("sensitive_outputs", [])),
    )
    return state, _results(raw.get("refreshed"))


def _yaml(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text()) if path.exists() else {}


def run_case(case_dir: Path) -> tuple[str, list[str]]:
    """The rendered plan (or error) and the secret values that must not appear in it."""
    options = _yaml(case_dir / "options.yaml")
    providers: list[Provider] = [HeatProvider()]
    if "openstack" in options.get("providers", ()):  # schemas only: nothing reaches a cloud
        binding = Binding("default", "dev", "golden-cloud", "project-1", "RegionOne")
        providers.append(OpenStackProvider(binding))
    registry = Registry.from_providers(providers, plugins=False)
    try:
        template = load_template("stack.yaml")
        params = bind_parameters(
            template,
            _yaml(case_dir / "params.yaml"),
            stack_name="golden",
            stack_id="00000000-0000-0000-0000-000000000000",
            project_id="project-1",
            region="RegionOne",
        )
        secrets = [str(unwrap(params.values[n])) for n in params.sensitive]
        state, refreshed = load_state(case_dir / "state.json")
        plan = make_plan(
            template,
            params,
            state,
            registry,
            mode=PlanMode(options.get("mode", "normal")),
            refreshed=refreshed,
            targets=options.get("targets", ()),
            excludes=options.get("excludes", ()),
            replace=options.get("replace", ()),
            external_reads=load_external_reads(case_dir / "state.json"),
        )
    except AtonixError as err:
        return "ERROR\n" + err.format() + "\n", []
    return render_plan(plan), secrets


@pytest.mark.parametrize("case", CASES)
def test_golden_plan(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    case_dir = CASES_DIR / case
    monkeypatch.chdir(case_dir)
    text, secrets = run_case(case_dir)
    for secret in secrets:
        assert secret not in text
    expected = case_dir / "expected.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        expected.write_text(text)
    assert expected.exists(), f"no expected.txt for {case}; run with UPDATE_GOLDEN=1"
    assert text == expected.read_text()


def test_there_are_enough_golden_cases() -> None:
    assert len(CASES) >= 10
