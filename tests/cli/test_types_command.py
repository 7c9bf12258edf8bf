"""``atonix types``: every catalog type with what atonix can do with it, and ``validate``'s
warning for a resource whose type no provider implements."""

from __future__ import annotations

import json

import pytest
from _cli_kit import Project

from atonix_iac.cli.session import provider_registry
from atonix_iac.providers.catalog import heat_schema, known_types
from atonix_iac.providers.coverage import Deployability, type_coverage

CATALOG_SIZE = 201


def test_the_counter_types_with_a_provider_against_the_catalog() -> None:
    registry = provider_registry()
    try:
        rows = type_coverage(registry)
    finally:
        registry.close()
    catalog = [r for r in rows if r.in_catalog]
    deployable = [r for r in catalog if r.status is Deployability.DEPLOYABLE]
    print(f"\ntypes with a provider: {len(deployable)}/{len(catalog)} catalog types")
    assert len(catalog) == len(known_types()) == CATALOG_SIZE
    assert {"OS::Nova::Server", "OS::Neutron::Net", "OS::Heat::Value"} <= {
        r.type_name for r in deployable
    }
    assert all(r.provider for r in deployable)
    assert all(r.status is Deployability.VALIDATE_ONLY for r in catalog if r not in deployable)


def test_types_lists_every_catalog_type_with_a_summary(project: Project) -> None:
    result = project.run("types")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0].split() == ["TYPE", "STATUS", "PROVIDER", "HEAT", "SUPPORT"]
    body = {line.split()[0]: line.split()[1] for line in lines[1:-1]}
    assert len(body) == CATALOG_SIZE
    assert body["OS::Nova::Server"] == "deployable"
    assert body[validate_only_type()] == "validate-only"
    deployable = sum(1 for status in body.values() if status == "deployable")
    assert lines[-1] == (
        f"{CATALOG_SIZE} types: {deployable} deployable, {CATALOG_SIZE - deployable} validate-only."
    )


def test_types_filters_by_substring_and_by_status(project: Project) -> None:
    result = project.run("types", "neutron::net", "-deployable")
    names = [line.split()[0] for line in result.stdout.strip().splitlines()[1:-1]]
    assert names == ["OS::Neutron::Net"]
    family = validate_only_type().split("::")[1]
    only = project.run("types", "--validate-only", family.lower())
    rows = only.stdout.strip().splitlines()[1:-1]
    assert rows and all("validate-only" in row and family in row for row in rows)
    assert only.stdout.strip().endswith(
        f"{len(rows)} types: 0 deployable, {len(rows)} validate-only."
    )


def test_types_json_with_an_unknown_name(project: Project) -> None:
    result = project.run("types", "-json", "OS::Nova::Servr", "OS::Heat::Value")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    by_name = {row["type"]: row for row in document["types"]}
    assert by_name["OS::Nova::Servr"] == {
        "type": "OS::Nova::Servr",
        "status": "unknown",
        "provider": None,
        "in_catalog": False,
        "support_status": None,
    }
    assert by_name["OS::Heat::Value"]["status"] == "deployable"
    assert by_name["OS::Heat::Value"]["provider"] == "heat"
    assert document["counts"] == {"deployable": 1, "validate-only": 0, "unknown": 1}
    assert document["total"] == 2
    human = project.run("types", "OS::Nova::Servr")
    assert "did you mean `OS::Nova::Server`?" in human.stderr


def validate_only_type() -> str:
    """A type Heat ships that no provider implements yet and that needs no property (which
    one changes as providers land)."""
    registry = provider_registry()
    try:
        rows = type_coverage(registry)
    finally:
        registry.close()
    for row in rows:
        schema = heat_schema(row.type_name)
        if (
            row.status is Deployability.VALIDATE_ONLY
            and row.support_status == "SUPPORTED"
            and schema is not None
            and not any(p.required and not p.has_default for p in schema.properties.values())
        ):
            return row.type_name
    pytest.skip("every simple Heat type has a provider now")


UNDEPLOYABLE = """heat_template_version: 2018-08-31
resources:
  db:
    type: {type}
  server:
    type: OS::Nova::Server
    properties:
      flavor: m1.small
      image: cirros
"""


def test_validate_warns_at_a_type_without_a_provider_and_says_no_success(
    project: Project,
) -> None:
    kind = validate_only_type()
    project.write("stack.yaml", UNDEPLOYABLE.replace("{type}", kind))
    result = project.run("validate", "stack.yaml")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"stack.yaml:4:11: warning: type {kind} has no provider: atonix validates"
        " `db` but cannot deploy it yet (plan refuses it) (`atonix types --deployable` lists"
        " the types atonix can deploy)"
    ]
    assert "Success!" not in result.stdout
    assert "cannot be deployed yet: 1 resource" in result.stdout


def test_validate_says_success_for_a_deployable_template_without_a_cloud(
    project: Project,
) -> None:
    project.write("stack.yaml", UNDEPLOYABLE.split("  db:")[0] + UNDEPLOYABLE.split("{type}\n")[1])
    result = project.run("validate", "stack.yaml")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.strip() == "Success! The template is valid."


def test_nested_stack_types_the_loader_expands_are_deployable(project: Project) -> None:
    result = project.run("types", "-json", "OS::Heat::Stack")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)["types"]
    assert (row["status"], row["provider"]) == ("deployable", "template")
    only = project.run("types", "--validate-only", "Heat::Stack")
    assert "OS::Heat::Stack" not in only.stdout
    cfn = json.loads(project.run("types", "-json", "AWS::CloudFormation::Stack").stdout)
    assert cfn["types"][0]["status"] == "deployable"
