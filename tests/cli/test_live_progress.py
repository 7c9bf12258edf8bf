"""While apply waits: a live region on a terminal, "Still creating..." lines elsewhere.

Real processes: ``atonix apply`` on a pseudo-terminal (what a person sees) or on pipes (what
a CI log gets), with ``OS::Heat::TestResource`` delays standing in for a slow cloud.
Timings are only lower bounds the delays guarantee.
"""

from __future__ import annotations

import json
import re

import pytest
from _cli_kit import Project
from _terminal_kit import drawn, plain, run_on_terminal, terminal_env

HEADER = "heat_template_version: 2018-08-31\n"
TWO_SLOW = """
resources:
  web:
    type: OS::Heat::TestResource
    properties: {value: web, wait_secs: 2.5}
  db:
    type: OS::Heat::TestResource
    properties: {value: db, wait_secs: 1.5}
  app:
    type: OS::Heat::Value
    properties: {value: {get_attr: [web, output]}}
"""
ONE_SLOW = """
resources:
  slow:
    type: OS::Heat::TestResource
    properties: {value: slow, wait_secs: 2.6}
"""
HIDE_CURSOR, SHOW_CURSOR = "\x1b[?25l", "\x1b[?25h"
INTERVAL = {"ATONIX_PROGRESS_INTERVAL_S": "1"}


def test_a_terminal_shows_what_is_in_flight_with_counts_and_elapsed_times(
    project: Project,
) -> None:
    project.write("stack.yaml", HEADER + TWO_SLOW)
    code, screen = run_on_terminal(
        ["apply", "-auto-approve", "stack.yaml"], project.root, terminal_env()
    )
    text, frames = plain(screen), drawn(screen)
    assert code == 0, text
    assert HIDE_CURSOR in screen and screen.rindex(SHOW_CURSOR) > screen.rindex(HIDE_CURSOR)
    # The region: each operation in flight with its elapsed time, then the counts.
    assert re.search(r"^  web: Creating\.\.\. +\d+s$", frames, re.M), frames
    assert re.search(r"^  db: Creating\.\.\. +\d+s$", frames, re.M), frames
    assert re.search(r"2 in flight, 0 done, 0 failed, 1 left \[\d+s elapsed\]", frames), frames
    assert re.search(r"1 in flight, 1 done, 0 failed, 1 left \[\d+s elapsed\]", frames), frames
    assert "[2s elapsed]" in frames  # the run's clock moves while web is being created
    # The event lines and the summary are all still there, in order.
    lines = [line for line in text.splitlines() if not line.startswith(" ")]
    assert "db: Creating..." in lines and "web: Creating..." in lines
    assert any(line.startswith("db: Creation complete after 1.") for line in lines)
    assert any(line.startswith("web: Creation complete after 2.") for line in lines)
    assert lines[-1] == "Apply complete! Resources: 3 added, 0 changed, 0 destroyed."
    # Still ... lines are for logs: the region says it on a terminal.
    assert "Still creating" not in text


def test_ctrl_c_twice_on_a_terminal_exits_at_once_and_gives_the_cursor_back(
    project: Project,
) -> None:
    project.write("stack.yaml", HEADER + ONE_SLOW.replace("wait_secs: 2.6", "wait_secs: 60"))
    code, screen = run_on_terminal(
        ["apply", "-auto-approve", "stack.yaml"],
        project.root,
        terminal_env(),
        timeout_s=30,  # the create had a minute to go
        interrupts_after="slow: Creating...",
        interrupts=2,
    )
    text = plain(screen)
    assert code == 1, text
    assert "Interrupt received" in text and "Two interrupts received: exiting now" in text
    assert "Aborted!" not in text and "Traceback" not in text
    assert "Interrupted, starting nothing new: 1 in flight" in drawn(screen)
    assert screen.rindex(SHOW_CURSOR) > screen.rindex(HIDE_CURSOR)


@pytest.mark.parametrize(
    ("args", "env"),
    [([], {"NO_COLOR": "1"}), ([], {"TERM": "dumb"}), (["-no-color"], {})],
    ids=["NO_COLOR", "TERM=dumb", "-no-color"],
)
def test_refusing_escapes_on_a_terminal_gives_plain_lines_and_no_escape_at_all(
    project: Project, args: list[str], env: dict[str, str]
) -> None:
    project.write("stack.yaml", HEADER + ONE_SLOW)
    code, screen = run_on_terminal(
        ["apply", "-auto-approve", *args, "stack.yaml"],
        project.root,
        terminal_env(**INTERVAL, **env),
    )
    assert code == 0, screen
    assert "\x1b" not in screen
    assert "slow: Still creating... [1s elapsed]" in screen
    assert "in flight" not in screen


def test_a_log_gets_still_creating_lines_per_resource_at_the_interval(project: Project) -> None:
    project.write("stack.yaml", HEADER + TWO_SLOW)
    result = project.process("apply", "-auto-approve", "stack.yaml", **INTERVAL)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout
    lines = result.stdout.splitlines()
    web = [line for line in lines if line.startswith("web: ")]
    assert web[0] == "web: Creating..."
    assert web[1:3] == [
        "web: Still creating... [1s elapsed]",
        "web: Still creating... [2s elapsed]",
    ]
    assert web[-1].startswith("web: Creation complete after 2.")
    db = [line for line in lines if line.startswith("db: ")]
    assert db[:2] == ["db: Creating...", "db: Still creating... [1s elapsed]"]
    assert db[-1].startswith("db: Creation complete after 1.")
    # Nothing is said of what is no longer in flight, nor of the instant step.
    assert not any("Still" in line for line in lines[lines.index(web[-1]) :])
    assert lines[-1] == "Apply complete! Resources: 3 added, 0 changed, 0 destroyed."


def test_force_color_colours_a_log_but_draws_no_region(project: Project) -> None:
    project.write("stack.yaml", HEADER + ONE_SLOW)
    result = project.process("apply", "-auto-approve", "stack.yaml", FORCE_COLOR="1", **INTERVAL)
    assert result.returncode == 0, result.stderr
    assert "\x1b[32m" in result.stdout  # the plan's colours
    assert HIDE_CURSOR not in result.stdout and "in flight" not in result.stdout
    assert "slow: Still creating... [1s elapsed]" in result.stdout


def test_json_on_a_terminal_is_json_only_with_apply_progress(project: Project) -> None:
    project.write("stack.yaml", HEADER + ONE_SLOW)
    code, screen = run_on_terminal(
        ["apply", "-auto-approve", "-json", "stack.yaml"],
        project.root,
        terminal_env(**INTERVAL),
    )
    assert code == 0, screen
    assert "\x1b" not in screen
    messages = [json.loads(line) for line in screen.replace("\r", "").splitlines() if line]
    progress = [m for m in messages if m["type"] == "apply_progress"]
    assert progress and progress[0]["@message"].startswith("slow: Still creating... [")


def test_destroy_shows_the_region_too(project: Project) -> None:
    project.write("stack.yaml", HEADER + ONE_SLOW.replace("wait_secs: 2.6", "wait_secs: 0"))
    assert project.process("apply", "-auto-approve", "stack.yaml").returncode == 0
    code, screen = run_on_terminal(
        ["destroy", "-auto-approve", "stack.yaml"], project.root, terminal_env()
    )
    assert code == 0, screen
    text = plain(screen)
    assert HIDE_CURSOR in screen and "in flight" in drawn(screen)
    assert text.rstrip().endswith("Destroy complete! Resources: 1 destroyed.")


def test_the_interval_variable_is_read_as_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    from atonix_iac.cli.terminal import go_duration, progress_interval_s

    durations = [go_duration(s) for s in (0, 9.9, 10, 60, 70, 3725)]
    assert durations == ["0s", "9s", "10s", "1m0s", "1m10s", "1h2m5s"]
    for text, expected in (("2.5", 2.5), ("", 10.0), ("0", 10.0), ("soon", 10.0)):
        monkeypatch.setenv("ATONIX_PROGRESS_INTERVAL_S", text)
        assert progress_interval_s() == expected


PAUSED_GROUP = """
resources:
  g:
    type: OS::Heat::ResourceGroup
    update_policy:
      batch_create: {max_batch_size: 1, pause_time: 0.5}
    properties:
      count: 2
      resource_def:
        type: OS::Heat::TestResource
        properties: {value: "%index%"}
"""


def test_a_log_and_json_show_a_groups_pause_between_batches(project: Project) -> None:
    project.write("stack.yaml", HEADER + PAUSED_GROUP)
    paused = "g.1: Paused, waiting 0.5s after the previous batch (pause_time of `g`)"
    result = project.process("apply", "-auto-approve", "-json", "stack.yaml")
    assert result.returncode == 0, result.stderr
    messages = [json.loads(line)["@message"] for line in result.stdout.splitlines()]
    assert paused.replace("Paused", "paused") in messages
    assert project.process("destroy", "-auto-approve", "stack.yaml").returncode == 0
    result = project.process("apply", "-auto-approve", "stack.yaml", **INTERVAL)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines.index("g.0: Creating...") < lines.index(paused) < lines.index("g.1: Creating...")
    # Only the second batch changes: there is no batch before it to pause after.
    result = project.process("apply", "-auto-approve", "-replace=g.1", "stack.yaml")
    assert result.returncode == 0, result.stderr
    assert "g.1: Creating..." in result.stdout and "Paused" not in result.stdout
