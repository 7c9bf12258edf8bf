"""The Markdown PR summary: golden, masked, truncated at the comment limit, overridable."""

from __future__ import annotations

from pathlib import Path

import pytest
from gating_kit import Planned, assert_no_secrets, check_golden

from atonix_iac.errors import UsageError
from atonix_iac.planner import Action, Plan, PlanMode, ResourceChange
from atonix_iac.planner.render.markdown import COMMENT_LIMIT, render_markdown
from atonix_iac.policy import evaluate_policy, parse_policy
from atonix_iac.state.model import StackKey

POLICY = """rules:
  - name: keep-tokens
    when: {types: ["OS::Heat::RandomString"]}
    forbid: [replace]
  - name: budget
    severity: warn
    max_deletions: 1
"""


def test_golden_markdown_for_every_action_kind(every_action: Planned) -> None:
    report = evaluate_policy(parse_policy(POLICY, "policy.yaml"), every_action.plan)
    plan = every_action.plan
    plan.extra["quota"] = {"instances": {"current": 2, "change": 1, "limit": 10}}

    text = render_markdown(plan, policy=[report.as_dict()])

    assert_no_secrets(text)
    check_golden(every_action.case_dir / "expected.md", text)


def test_changes_are_grouped_with_collapsible_diffs(every_action: Planned) -> None:
    text = render_markdown(every_action.plan)

    assert text.count("<details>") == 5  # every change but the no-op
    assert text.index("#### 🗑️ Destroy") < text.index("#### ➕ Create")
    assert "+ length = 20  # forces replacement" in text
    assert "cannot be updated in place" in text
    assert "| `token_value` | update | (sensitive value) | (sensitive value) |" in text


def _big_plan(count: int) -> Plan:
    payload = {"blob": "x" * 200}
    changes = tuple(
        ResourceChange(
            address=f"value_{i:05d}",
            type="OS::Heat::Value",
            action=Action.CREATE,
            before=None,
            after={"value": payload},
        )
        for i in range(count)
    )
    return Plan(StackKey("default", "default", "big"), PlanMode.NORMAL, changes)


def test_an_oversized_summary_is_shortened_and_says_so() -> None:
    text = render_markdown(_big_plan(3_000))

    assert len(text) <= COMMENT_LIMIT
    assert "shortened to fit a 65,536-character comment limit" in text
    assert "Plan: 3000 to add, 0 to change, 0 to destroy." in text
    assert "<details>" not in text
    assert "- … and 1500 more" in text
    assert "(1500 resources not listed)" in text


def test_a_summary_within_the_limit_is_not_shortened() -> None:
    text = render_markdown(_big_plan(3))

    assert "shortened" not in text
    assert text.count("<details>") == 3


def test_a_custom_template_replaces_the_default(every_action: Planned, tmp_path: Path) -> None:
    custom = tmp_path / "mine.md.j2"
    custom.write_text(
        "{{ summary }}\n{% for g in groups %}{% for c in g.changes %}"
        "{{ c.address }}:{{ c.action }}\n{% endfor %}{% endfor %}"
    )

    text = render_markdown(every_action.plan, template_path=custom)

    assert text.splitlines()[0] == "Plan: 3 to add, 1 to change, 3 to destroy (2 replaced)."
    assert "old:delete" in text and "fresh:create" in text


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("line one\n{% for x in %}\n", "mine.md.j2:2:1: error: Jinja2 syntax error"),
        ("{{ no_such_variable }}\n", "mine.md.j2:1:1: error: Markdown template failed"),
    ],
)
def test_a_broken_custom_template_is_a_located_error(
    every_action: Planned, tmp_path: Path, source: str, expected: str
) -> None:
    custom = tmp_path / "mine.md.j2"
    custom.write_text(source)

    with pytest.raises(UsageError) as caught:
        render_markdown(every_action.plan, template_path=custom)

    assert caught.value.format().replace(str(tmp_path) + "/", "").startswith(expected)
