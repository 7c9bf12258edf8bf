"""``atonix state history | show -serial | diff | rollback`` and the audit of state changes,
through the real entry point."""

from __future__ import annotations

import json
from typing import Any

from _cli_kit import STACK, Project
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def _two_runs(project: Project) -> tuple[int, int]:
    project.write("stack.yaml", STACK)
    assert project.run("apply", "-auto-approve").exit_code == 0
    first = project.state().serial
    assert project.run("apply", "-auto-approve", "-var", "greeting=hi").exit_code == 0
    return first, project.state().serial


def test_history_lists_runs_with_serials_and_counts(project: Project) -> None:
    first, second = _two_runs(project)
    assert project.run("state", "rm", "web").exit_code == 0

    shown = project.run("state", "history")

    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert lines[0].startswith("History of default/default/stack (lineage ")
    rows = [line.split() for line in lines[3:6]]
    assert [(r[0], r[1]) for r in rows] == [
        (str(first), f"1-{first}"),
        (str(second), f"{first + 1}-{second}"),
        (str(second + 1), str(second + 1)),
    ]
    assert "apply" in lines[3] and lines[3].rstrip().endswith(" 4")
    assert "state rm" in lines[5] and lines[5].rstrip().endswith(" 3")
    as_json = json.loads(project.run("state", "history", "-json").stdout)
    assert [(e["serial"], e["command"], e["resources"], e["kept"]) for e in as_json] == [
        (first, "apply", 4, True),
        (second, "apply", 4, True),
        (second + 1, "state rm", 3, True),
    ]
    every = json.loads(project.run("state", "history", "-all", "-json").stdout)
    assert [e["serial"] for e in every] == list(range(1, second + 2))
    assert {e["serial"] for e in every if e["kept"]} == {first, second, second + 1}


def test_show_at_a_serial_masks_secrets_and_names_the_shown_ones(project: Project) -> None:
    first, second = _two_runs(project)
    secret = project.state().resources["secret"].attributes["value"]

    whole = project.run("state", "show", "-serial", str(first))
    one = project.run("state", "show", "-serial", str(first), "app")
    document = project.run("state", "show", "-serial", str(first), "-json")

    assert whole.exit_code == one.exit_code == document.exit_code == 0
    assert f"at serial {first}" in whole.stdout and "# web: OS::Heat::TestResource" in whole.stdout
    assert 'value = "hello world"' in one.stdout
    assert secret not in whole.stdout + one.stdout + document.stdout
    assert json.loads(document.stdout)["serial"] == first
    inside = project.run("state", "show", "-serial", str(first - 1))
    assert inside.exit_code == 1 and "Traceback" not in inside.stderr
    assert f"serials that can be shown: {first}, {second}" in inside.stderr
    typo = project.run("state", "show", "-serial", str(first), "ap")
    assert typo.exit_code == 1 and "did you mean `app`" in typo.stderr


def test_diff_between_serials_is_per_property(project: Project) -> None:
    first, second = _two_runs(project)

    diff = project.run("state", "diff", str(first), str(second))

    assert diff.exit_code == 0, diff.output
    assert f"Changes from serial {first} to serial {second}:" in diff.stdout
    assert '      properties.value: "hello world" -> "hi world"' in diff.stdout
    assert '      parameters.greeting: "hello" -> "hi"' in diff.stdout
    assert "Resources: 0 added, 2 changed, 0 removed." in diff.stdout
    data = json.loads(project.run("state", "diff", str(first), "-json").stdout)
    assert data["summary"] == {"added": 0, "changed": 2, "removed": 0}
    same = project.run("state", "diff", str(second))
    assert same.stdout.startswith(f"No differences between serial {second} and serial {second}")


def test_rollback_writes_a_new_serial_prints_changes_and_is_audited(project: Project) -> None:
    first, second = _two_runs(project)

    rolled = project.run("state", "rollback", str(first))

    assert rolled.exit_code == 0, rolled.output
    assert '      properties.value: "hi world" -> "hello world"' in rolled.stdout
    assert f"the state is now serial {second + 1}" in rolled.stdout
    state = project.state()
    assert state.serial == second + 1
    assert state.resources["app"].properties["value"] == "hello world"
    assert project.run("plan", "-detailed-exitcode").exit_code == 0  # matches the template again
    audit = project.run("audit").stdout
    assert "state-rollback ok     (stack) -" in audit
    assert f"rolled back to serial {first} as serial {second + 1}" in audit
    missing = project.run("state", "rollback", "999")
    assert missing.exit_code == 1 and "serial 999 does not exist" in missing.stderr
    assert project.state().serial == second + 1


def test_imports_forgets_and_surgery_are_in_the_audit(project: Project) -> None:
    project.write(
        "stack.yaml",
        STACK.replace("  web:\n", "  web:\n    deletion_policy: Retain\n"),
    )
    assert project.run("apply", "-auto-approve").exit_code == 0
    assert project.run("state", "mv", "app", "app2").exit_code == 0
    assert project.run("state", "mv", "app2", "app").exit_code == 0
    assert project.run("state", "rm", "uses_secret").exit_code == 0
    assert project.run("import", "uses_secret", "adopted-id").exit_code == 0
    pulled = project.run("state", "pull", "-include-secrets").stdout
    project.write("pushed.json", pulled)
    assert project.run("state", "push", "pushed.json").exit_code == 0
    assert project.run("destroy", "-auto-approve").exit_code == 0

    records = json.loads(project.run("audit", "--json").stdout)

    actions = [
        (r["action"], r["address"])
        for r in records
        if r["action"] not in ("create", "delete", "read")
    ]
    assert actions == [
        ("state-mv", "app"),
        ("state-mv", "app2"),
        ("state-rm", "uses_secret"),
        ("import", "uses_secret"),
        ("state-push", ""),
        ("forget", "web"),
    ]
    forget = next(r for r in records if r["action"] == "forget")
    assert forget["message"] == "deletion_policy Retain: forgotten, the object stays"
    history = json.loads(project.run("state", "history", "-json").stdout)
    assert [e["command"] for e in history] == [
        "apply",
        "state mv",
        "state mv",
        "state rm",
        "import",
        "state push",
        "destroy",
    ]


_PUSH_FIELDS = st.sampled_from(["serial", "lineage", "stack", "resources", "format_version"])
_VALUES = st.one_of(
    st.none(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.text(max_size=40),
    st.lists(
        st.dictionaries(
            st.sampled_from(["address", "type", "status"]), st.none() | st.text(max_size=3)
        ),
        max_size=2,
    ),
    st.dictionaries(st.sampled_from(["workspace", "environment", "name"]), st.text(max_size=5)),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(field=_PUSH_FIELDS, value=_VALUES)
def test_push_of_malformed_documents_is_a_clean_error(
    project: Project, field: str, value: Any
) -> None:
    if not (project.root / "pulled.json").exists():
        project.write("stack.yaml", STACK)
        assert project.run("apply", "-auto-approve").exit_code == 0
        project.write("pulled.json", project.run("state", "pull", "-include-secrets").stdout)
    document = json.loads((project.root / "pulled.json").read_text())
    before = project.state()
    document[field] = value
    project.write("bad.json", json.dumps(document))

    pushed = project.run("state", "push", "bad.json")  # any traceback fails the test

    if pushed.exit_code == 0:
        return
    assert pushed.exit_code == 1
    assert pushed.stderr.startswith("error: ") and pushed.stderr.count("\n") == 1
    after = project.state()
    assert (after.serial, after.lineage) == (before.serial, before.lineage)


def test_push_of_a_huge_serial_is_one_error_through_the_entry_point(project: Project) -> None:
    project.write("stack.yaml", STACK)
    assert project.run("apply", "-auto-approve").exit_code == 0
    document = json.loads(project.run("state", "pull", "-include-secrets").stdout)
    document["serial"] = 10**30
    project.write("huge.json", json.dumps(document))

    pushed = project.process("state", "push", "huge.json")

    assert pushed.returncode == 1
    assert pushed.stderr == (
        "error: malformed state document: serial: must be a whole number from 0 to 2147483646\n"
    )
