"""`atonix graph`: DOT and Mermaid with nested stacks as clusters, planned actions coloured,
svg/png through Graphviz when it is there and a plain message when it is not."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from _cli_kit import Project

INNER = """heat_template_version: 2018-08-31
resources:
  router: {type: OS::Heat::None}
  net:
    type: OS::Heat::Value
    properties: {value: {get_resource: router}}
outputs:
  net: {value: {get_resource: net}}
"""
STACK = """heat_template_version: 2018-08-31
parameters:
  extra: {type: boolean, default: false}
conditions:
  with_extra: {get_param: extra}
resources:
  tier: {type: inner.yaml}
  app:
    type: OS::Heat::Value
    properties: {value: {get_attr: [tier, net]}}
  after:
    type: OS::Heat::None
    depends_on: app
  extra:
    type: OS::Heat::None
    condition: with_extra
"""


@pytest.fixture
def stack(project: Project) -> Project:
    project.write("inner.yaml", INNER)
    project.write("stack.yaml", STACK)
    return project


def test_dot_draws_nested_stacks_as_clusters(stack: Project) -> None:
    result = stack.process("graph")
    assert result.returncode == 0, result.stderr
    dot = result.stdout
    assert 'subgraph "cluster_tier" {' in dot
    assert '"tier.net" -> "tier.router";' in dot
    assert '"app" -> "tier.net";' in dot
    assert '"after" -> "app" [style = "dashed"];' in dot
    assert '"extra"' not in dot  # its condition is false
    assert '"extra"' in stack.process("graph", "-var", "extra=true").stdout


def test_mermaid_colours_what_a_saved_plan_does(stack: Project) -> None:
    assert stack.process("plan", "-out", "p.plan").returncode == 0
    result = stack.process("graph", "-format=mermaid", "-plan", "p.plan")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith("flowchart LR\n")
    assert 'subgraph c_tier["tier"]' in text
    assert "-.->" in text and "-->" in text
    assert "classDef create fill:#d4f7d4" in text
    assert text.count("class ") == 1  # one action in this plan: every resource is created


def test_a_file_is_written_with_o(stack: Project) -> None:
    result = stack.process("graph", "-format", "mermaid", "-o", "graph.mmd")
    assert result.returncode == 0 and result.stdout == ""
    assert (stack.root / "graph.mmd").read_text().startswith("flowchart LR")


def test_svg_without_graphviz_says_what_to_install(stack: Project) -> None:
    bin_dir = str(Path(sys.executable).parent)
    result = stack.process("graph", "-format=svg", PATH=bin_dir)
    if shutil.which("dot", path=bin_dir):
        pytest.skip("Graphviz is inside the virtualenv")
    assert result.returncode == 1
    assert "needs Graphviz's `dot` program" in result.stderr
    assert "-format=mermaid" in result.stderr


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_svg_with_graphviz(stack: Project) -> None:
    result = stack.process("graph", "-format=svg", "-o", "g.svg", PATH=os.environ["PATH"])
    assert result.returncode == 0, result.stderr
    assert "<svg" in (stack.root / "g.svg").read_text()
