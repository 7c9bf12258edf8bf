"""``plan -out FILE`` then ``apply FILE``: exactly that plan, or a clear refusal."""

from __future__ import annotations

from _cli_kit import STACK, Project


def _saved(project: Project) -> None:
    project.write("stack.yaml", STACK)
    planned = project.run("plan", "-out", "tf.plan")
    assert planned.exit_code == 0, planned.output
    assert "Saved the plan to: tf.plan" in planned.stdout


def test_apply_of_a_saved_plan_runs_it_without_asking(project: Project) -> None:
    _saved(project)

    applied = project.run("apply", "tf.plan")

    assert applied.exit_code == 0, applied.output
    assert "Apply complete! Resources: 4 added" in applied.stdout
    assert len(project.state().resources) == 4
    shown = project.run("show", "tf.plan")
    assert shown.exit_code == 0 and "4 to add" in shown.stdout


def test_a_saved_plan_is_refused_once_the_state_moved_on(project: Project) -> None:
    _saved(project)
    assert project.run("apply", "-auto-approve").exit_code == 0

    refused = project.run("apply", "tf.plan")

    assert refused.exit_code == 1
    assert "plan again" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_saved_plan_is_refused_for_another_lineage(project: Project) -> None:
    project.write("stack.yaml", STACK)
    assert project.run("apply", "-auto-approve").exit_code == 0
    assert project.run("plan", "-out", "tf.plan", "-var", "greeting=hi").exit_code == 0
    # The state is rebuilt from scratch: same serial count is not enough, lineage differs.
    assert project.run("destroy", "-auto-approve").exit_code == 0
    (project.root / ".atonix").rename(project.root / "old-state")
    assert project.run("apply", "-auto-approve").exit_code == 0

    refused = project.run("apply", "tf.plan")

    assert refused.exit_code == 1
    assert "lineage" in refused.stderr


def test_a_saved_plan_is_refused_when_the_template_changed(project: Project) -> None:
    _saved(project)
    project.write("stack.yaml", STACK.replace("hello", "hi there"))

    refused = project.run("apply", "tf.plan")

    assert refused.exit_code == 1
    assert "template changed" in refused.stderr
    assert project.state().resources == {}


def test_a_plan_before_any_apply_reads_an_empty_state_and_creates_none(project: Project) -> None:
    """No state database yet: plan shows every resource as new and leaves nothing behind (as
    Terraform's plan writes no state); the apply of its saved plan then creates the state."""
    project.write("stack.yaml", STACK)

    planned = project.run("plan", "-out", "tf.plan")

    assert planned.exit_code == 0, planned.output
    assert "4 to add" in planned.stdout
    assert not (project.root / ".atonix").exists()
    applied = project.run("apply", "tf.plan")
    assert applied.exit_code == 0, applied.output
    assert len(project.state().resources) == 4
    again = project.run("plan", "-detailed-exitcode")
    assert again.exit_code == 0, again.output  # the state it created is read: no changes
