"""Bugs a new user hit driving the CLI on templates the suite had not seen (one test each)."""

from __future__ import annotations

import gzip

from _cli_kit import Project

BAD_ATTRIBUTES = """\
heat_template_version: 2018-08-31
resources:
  a:
    type: OS::Heat::Value
    properties:
      value: 1
  b:
    type: OS::Heat::Value
    properties:
      value: {get_attr: [a, valeu]}
outputs:
  o:
    value: {get_attr: [a, vaule]}
"""


def test_validate_reports_an_unknown_attribute_in_an_output(project: Project) -> None:
    project.write("stack.yaml", BAD_ATTRIBUTES)
    result = project.run("validate")
    assert result.exit_code == 1
    assert "stack.yaml:10:15: error: `a` (OS::Heat::Value) has no attribute `valeu`" in (
        result.stderr
    )
    assert "stack.yaml:13:13: error: `a` (OS::Heat::Value) has no attribute `vaule`" in (
        result.stderr
    )


def test_plan_refuses_an_unknown_attribute_like_validate(project: Project) -> None:
    project.write("stack.yaml", BAD_ATTRIBUTES)
    result = project.run("plan")
    assert result.exit_code == 1
    assert "has no attribute `valeu` (did you mean `value`?)" in result.stderr
    assert "has no attribute `vaule` (did you mean `value`?)" in result.stderr
    assert project.state().resources == {}


JINJA_STACK = """\
heat_template_version: 2016-04-08
parameters:
  admin_pass: {type: string, hidden: true}
resources:
{% for i in range(count|int) %}
  node{{ i }}:
    type: OS::Heat::TestResource
    properties:
      value: {list_join: ['-', ["{{ prefix }}", {get_param: admin_pass}]]}
{% endfor %}
"""


def test_var_values_reach_a_jinja2_template_and_its_saved_plan(project: Project) -> None:
    project.write("stack.yaml.j2", JINJA_STACK)
    args = ("-var", "count=2", "-var", "prefix=web", "-var", "admin_pass=hunter2hunter2")
    planned = project.run("plan", "stack.yaml.j2", *args, "-out", "tf.plan")
    assert planned.exit_code == 0, planned.stderr
    assert "node1 will be created" in planned.stdout
    assert "hunter2hunter2" not in gzip.decompress((project.root / "tf.plan").read_bytes()).decode()
    applied = project.run("apply", "tf.plan", "-var", "admin_pass=hunter2hunter2")
    assert applied.exit_code == 0, applied.stderr
    assert sorted(project.state("stack").resources) == ["node0", "node1"]


def test_a_var_neither_jinja2_nor_a_parameter_is_still_an_error(project: Project) -> None:
    project.write("stack.yaml.j2", JINJA_STACK)
    result = project.run(
        "validate", "stack.yaml.j2", "-var", "count=1", "-var", "prefix=x", "-var", "cuont=3"
    )
    assert result.exit_code == 1
    assert "unknown parameter `cuont`" in result.stderr


def test_a_jinja2_template_names_its_stack_without_both_suffixes(project: Project) -> None:
    project.write(
        "web.yaml.j2",
        "heat_template_version: 2016-04-08\nresources:\n  n: {type: OS::Heat::None}\n",
    )
    assert project.run("apply", "web.yaml.j2", "-auto-approve").exit_code == 0
    assert list(project.state("web").resources) == ["n"]


QUICK = "heat_template_version: 2018-08-31\nresources:\n  n: {type: OS::Heat::None}\n"


def test_a_truncated_or_garbage_plan_file_is_named_as_a_bad_plan(project: Project) -> None:
    project.write("stack.yaml", QUICK)
    assert project.run("plan", "-out", "tf.plan").exit_code == 0
    whole = (project.root / "tf.plan").read_bytes()
    (project.root / "cut.plan").write_bytes(whole[: len(whole) // 3])
    (project.root / "junk.plan").write_bytes(bytes(range(256)) * 4)
    (project.root / "old.plan").write_text('{"format": "atonix-plan"}')
    for name in ("cut.plan", "junk.plan", "old.plan"):
        for command in (("apply",), ("show",), ("show", "-json")):
            result = project.run(*command, name)
            assert result.exit_code == 1, (command, name, result.stdout)
            assert "plan file" in result.stderr, (command, name, result.stderr)
            assert "newer" not in result.stderr
    assert project.state().resources == {}


def test_show_of_a_missing_file_is_an_error_not_an_empty_state(project: Project) -> None:
    result = project.run("show", "tf.plan")
    assert result.exit_code == 1
    assert "tf.plan" in result.stderr


def test_validate_reports_a_dangling_reference_once(project: Project) -> None:
    project.write(
        "stack.yaml",
        "heat_template_version: 2018-08-31\n"
        "parameters:\n  port: {type: number}\n"
        "resources:\n"
        "  a:\n    type: OS::Heat::Value\n    properties: {value: {get_param: prot}}\n"
        "  d:\n    type: OS::Heat::Value\n    properties: {value: {get_attr: [aa, value]}}\n",
    )
    result = project.run("validate")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "stack.yaml:7:37: error: unknown parameter `prot` (did you mean `port`?)",
        "stack.yaml:10:37: error: unknown resource `aa` (did you mean `a`?)",
    ]


TYPED = """\
heat_template_version: 2018-08-31
parameters:
  n: {type: number}
  b: {type: boolean}
  l: {type: comma_delimited_list, constraints: [{allowed_values: [a, b]}]}
resources:
  a: {type: OS::Heat::None}
"""


def test_wrong_typed_values_name_their_source_in_plain_words(project: Project) -> None:
    project.write("stack.yaml", TYPED)
    project.write("vars.yaml", "b: 7\nl: [a, d]\n")
    result = project.run("plan", "-var-file", "vars.yaml", "-var", "n=abc")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "stack.yaml:3:3: error: parameter `n`: 'abc' is not a valid number:"
        " expected a number such as 8 or 0.5 (from -var)",
        "stack.yaml:4:3: error: parameter `b`: 7 is not a valid boolean:"
        " use true/false, yes/no, on/off or 1/0 (from -var-file vars.yaml)",
        "stack.yaml:5:3: error: parameter `l`: 'd' is not one of the allowed values [a, b]"
        " (from -var-file vars.yaml)",
    ]


def test_output_takes_the_template_first_or_points_at_it(project: Project) -> None:
    project.write(
        "web.yaml",
        QUICK + "outputs:\n  greeting: {value: hello}\n",
    )
    assert project.run("apply", "web.yaml", "-auto-approve").exit_code == 0
    first = project.run("output", "web.yaml")
    assert first.exit_code == 0, first.output
    assert first.stdout == 'greeting = "hello"\n'
    unnamed = project.run("output")
    assert "stack `stack`" in unnamed.stderr and "--template" in unnamed.stderr
    assert project.run("output", "--template", "web.yaml", "greeting").stdout == '"hello"\n'
