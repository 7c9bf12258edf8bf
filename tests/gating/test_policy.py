"""The YAML policy gate: each rule kind, severities, scoping, and located errors."""

from __future__ import annotations

import pytest
from gating_kit import Planned

from atonix_iac.errors import PolicyDeniedError, PolicyError
from atonix_iac.policy import evaluate_policy, parse_policy


def _verdict(text: str, planned: Planned) -> list[tuple[str, str, str | None]]:
    report = evaluate_policy(parse_policy(text, "policy.yaml"), planned.plan)
    return [(v.rule, v.severity.value, v.address) for v in report.violations]


def test_forbid_delete_and_replace_of_a_type(every_action: Planned) -> None:
    policy = """
rules:
  - name: keep-random-strings
    when: {types: ["OS::Heat::Random*"]}
    forbid: [delete, replace]
"""
    assert _verdict(policy, every_action) == [
        ("keep-random-strings", "deny", "rotated"),
        ("keep-random-strings", "deny", "token"),
    ]


def test_destroy_covers_deletes_and_replacements_by_address_glob(every_action: Planned) -> None:
    policy = """
rules:
  - name: nothing-destroyed
    when: {addresses: ["o*", "tok*"]}
    forbid: [destroy]
"""
    assert _verdict(policy, every_action) == [
        ("nothing-destroyed", "deny", "old"),
        ("nothing-destroyed", "deny", "token"),
    ]


def test_rules_scoped_to_another_environment_do_not_apply(every_action: Planned) -> None:
    policy = """
rules:
  - name: dev-only
    when: {environments: [dev, "staging-*"]}
    forbid: [delete]
  - name: prod
    when: {environments: ["pro?"], workspaces: [ci]}
    forbid: [delete]
"""
    assert _verdict(policy, every_action) == [("prod", "deny", "old")]


def test_required_properties_metadata_and_tags(every_action: Planned) -> None:
    policy = """
rules:
  - name: test-resources-say-who
    severity: warn
    when: {types: ["OS::Heat::TestResource"]}
    require:
      properties: [client_name, wait_secs]
      metadata: [owner]
"""
    report = evaluate_policy(parse_policy(policy, "policy.yaml"), every_action.plan)

    # steady is a no-op: only what the plan writes (create/update/replace) is checked.
    messages = [(v.address, v.message) for v in report.violations]
    assert messages == [
        ("fresh", "property `wait_secs` must be set"),
        ("fresh", "metadata key `owner` is required"),
    ]
    assert not report.denied and len(report.warnings) == 2


def test_checked_actions_can_include_unchanged_resources(every_action: Planned) -> None:
    policy = """
rules:
  - name: all-test-resources
    when: {types: ["OS::Heat::TestResource"], actions: [create, no-op]}
    require: {tags: [team]}
"""
    assert _verdict(policy, every_action) == [
        ("all-test-resources", "deny", "fresh"),
        ("all-test-resources", "deny", "steady"),
    ]


def test_limits_on_allowed_values_and_sizes(every_action: Planned) -> None:
    policy = """
rules:
  - name: short-strings
    when: {types: ["OS::Heat::RandomString"]}
    limit:
      length: {max: 16}
  - name: known-clients
    when: {types: ["OS::Heat::TestResource"]}
    limit:
      client_name: {allowed: [database, web]}
      value: {allowed: [x]}
"""
    report = evaluate_policy(parse_policy(policy, "policy.yaml"), every_action.plan)

    # fresh's value is known only after apply: not judged.
    assert [(v.rule, v.address, v.message) for v in report.violations] == [
        ("short-strings", "token", "`length` is 20, above the maximum of 16"),
        (
            "known-clients",
            "fresh",
            "`client_name` is 'fresh-client', not one of the allowed values (database, web)",
        ),
    ]


def test_a_secret_is_never_judged_or_echoed(every_action: Planned) -> None:
    policy = """
rules:
  - name: secret
    when: {types: ["OS::Heat::TestResource"], actions: [no-op]}
    limit: {value: {allowed: [nope]}}
"""
    assert _verdict(policy, every_action) == []


def test_caps_on_the_number_of_changes_and_deletions(every_action: Planned) -> None:
    policy = """
rules:
  - name: budget
    max_changes: 3
    max_deletions: 1
"""
    report = evaluate_policy(parse_policy(policy, "policy.yaml"), every_action.plan)

    assert [v.message for v in report.violations] == [
        "5 resources change, more than the 3 allowed (old, rotated, fresh, settings, token)",
        "3 resources are destroyed (deleted or replaced), more than the 1 allowed "
        "(old, rotated, token)",
    ]
    assert all(v.address is None for v in report.violations)


def test_a_denial_names_rule_resource_and_template_location(every_action: Planned) -> None:
    policy = """rules:
  - name: keep-tokens
    description: tokens are handed out to clients
    when: {addresses: [token]}
    forbid: [replace]
"""
    report = evaluate_policy(parse_policy(policy, "policy.yaml"), every_action.plan)

    with pytest.raises(PolicyDeniedError) as caught:
        report.enforce()
    assert caught.value.format() == (
        "stack.yaml:21:3: error: policy rule `keep-tokens` (deny): token: replacing a "
        "OS::Heat::RandomString is forbidden\n"
        "  policy.yaml:2:5: note: rule `keep-tokens` is defined here"
    )
    assert report.summary() == "Policy policy.yaml: DENIED (1 rules, 1 denials, 0 warnings)."


def test_warnings_alone_do_not_deny(every_action: Planned) -> None:
    policy = "rules: [{name: w, severity: warn, forbid: [delete]}]"
    report = evaluate_policy(parse_policy(policy, "policy.yaml"), every_action.plan)

    report.enforce()
    assert report.warnings and not report.denied


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "rules:\n  - name: a\n    forbid: [delete]\n    severty: warn\n",
            "policy.yaml:4:5: error: unknown key `severty` (did you mean `severity`?)",
        ),
        (
            "rules:\n  - name: a\n    forbid: [delete, explode]\n",
            "policy.yaml:3:22: error: rules[0].forbid[1]: Input should be 'create', 'update', "
            "'replace', 'delete', 'destroy', 'forget', 'no-op' or 'read'",
        ),
        (
            "rules:\n  - name: a\n    when: {types: [x]}\n",
            "policy.yaml:2:5: error: rules[0]: rule `a` checks nothing: give it forbid, require,"
            " limit, max_changes or max_deletions",
        ),
        (
            "rules:\n  - name: a\n    limit: {size: {}}\n",
            "policy.yaml:3:13: error: rules[0].limit.size: a limit needs `allowed`, `min` or `max`",
        ),
        (
            "version: 2\nrules: []\n",
            "policy.yaml:1:1: error: version: policy version 2 is not supported "
            "(this atonix reads 1)",
        ),
        ("rules: [\n", "policy.yaml:2:1: error: YAML syntax error"),
        ("- a\n", "policy.yaml:1:1: error: a policy file is a mapping with `rules:`"),
    ],
)
def test_invalid_policy_files_are_located_errors(text: str, expected: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "policy.yaml")

    assert caught.value.format().startswith(expected)


def test_duplicate_rule_names_are_refused() -> None:
    text = "rules:\n  - {name: a, forbid: [delete]}\n  - {name: a, forbid: [create]}\n"
    with pytest.raises(PolicyError, match="two rules are named `a`"):
        parse_policy(text, "policy.yaml")
