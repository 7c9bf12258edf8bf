"""Helpers for the gating tests: a plan with every action kind, made by the real loader,
Heat provider and planner, and golden-file comparison.

The case lives in tests/cases/gating/<name>/: ``stack.yaml``, ``params.yaml`` (parameter
values) and ``state.json`` (prior state in the simple form the planner's golden cases use).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from atonix_iac.planner import Plan, PlanMode, make_plan
from atonix_iac.providers.heat import HeatProvider
from atonix_iac.providers.registry import Registry
from atonix_iac.state.model import ResourceState, ResourceStatus, StackKey, State
from atonix_iac.template import BoundParameters, bind_parameters, load_template
from atonix_iac.template.model import Template

CASES_DIR = Path(__file__).resolve().parents[1] / "cases" / "gating"
KEY = StackKey("ci", "prod", "golden")
# Every secret the every_action case holds; none may appear in any rendering.
SECRETS = ("s3cr3t-pw", "tok-0123456789-secret", "rot-abcdefgh-secret")


@dataclass(frozen=True)
class Planned:
    plan: Plan
    template: Template
    params: BoundParameters
    case_dir: Path


def load_state(path: Path) -> State:
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
            deposed=item.get("deposed"),
        )
        key = f"{resource.address}#{resource.deposed}" if resource.deposed else resource.address
        resources[key] = resource
    return State(
        key=KEY,
        lineage=raw.get("lineage", "golden-lineage"),
        serial=raw.get("serial", 1),
        resources=resources,
        outputs=raw.get("outputs", {}),
        sensitive_outputs=frozenset(raw.get("sensitive_outputs", [])),
    )


def make_case_plan(case_dir: Path, **options: Any) -> Planned:
    """Plan the case (the cwd must be ``case_dir`` so locations read ``stack.yaml:L:C``)."""
    template = load_template("stack.yaml")
    params_file = case_dir / "params.yaml"
    values = yaml.safe_load(params_file.read_text()) if params_file.exists() else {}
    params = bind_parameters(
        template,
        values or {},
        stack_name=KEY.stack,
        stack_id="00000000-0000-0000-0000-000000000000",
        project_id="project-1",
        region="RegionOne",
    )
    registry = Registry.from_providers([HeatProvider()], plugins=False)
    plan = make_plan(
        template,
        params,
        load_state(case_dir / "state.json"),
        registry,
        mode=PlanMode(options.get("mode", "normal")),
        targets=options.get("targets", ()),
        excludes=options.get("excludes", ()),
        replace=options.get("replace", ()),
    )
    return Planned(plan, template, params, case_dir)


def check_golden(path: Path, text: str) -> None:
    """Compare with the golden file; ``UPDATE_GOLDEN=1`` rewrites it."""
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text)
    assert path.exists(), f"no golden file {path.name}; run with UPDATE_GOLDEN=1"
    assert text == path.read_text()


def assert_no_secrets(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


class Project:
    """A temporary project directory in which ``atonix`` runs in-process."""

    def __init__(self, root: Path) -> None:
        from click.testing import CliRunner

        self.root = root
        self.runner = CliRunner()

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def run(self, *args: str) -> Any:
        """``atonix ARGS``; the click Result has stdout and stderr apart."""
        from atonix_iac.cli.main import cli

        return self.runner.invoke(cli, list(args), catch_exceptions=False)


SAMPLE_STACK = """heat_template_version: 2018-08-31
parameters:
  db_password:
    type: string
    hidden: true
  size:
    type: number
    default: 1
resources:
  token:
    type: OS::Heat::RandomString
    properties:
      length: 12
  settings:
    type: OS::Heat::Value
    properties:
      value: {get_param: size}
  db:
    type: OS::Heat::TestResource
    properties:
      value: {get_param: db_password}
outputs:
  size:
    value: {get_attr: [settings, value]}
"""
