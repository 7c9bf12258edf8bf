"""Real processes: a run killed mid-apply, and a second apply refused by the stack lock."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import IO

from _apply_kit import HEADER, Stack

from atonix_iac.state import StackKey, open_store
from atonix_iac.state.model import ResourceStatus

ATONIX = Path(sys.executable).with_name("atonix")

KILLED = """
resources:
  quick:
    type: OS::Heat::TestResource
    properties: {value: quick, wait_secs: 0.3}
  slow:
    type: OS::Heat::TestResource
    properties: {value: slow, wait_secs: WAIT}
  after_quick:
    type: OS::Heat::TestResource
    properties: {value: {get_attr: [quick, output]}}
"""

CHILD = textwrap.dedent(
    """
    import os, sys
    from atonix_iac.apply.events import EventKind
    from atonix_iac.apply.executor import apply_plan
    from atonix_iac.planner import make_plan
    from atonix_iac.providers.heat import HeatProvider
    from atonix_iac.providers.registry import Registry
    from atonix_iac.state import StackKey, open_store
    from atonix_iac.template import bind_parameters, load_template

    root = sys.argv[1]
    store = open_store(f"sqlite:///{root}/state.db")
    registry = Registry.from_providers([HeatProvider()], plugins=False)
    template = load_template(f"{root}/stack.yaml")
    params = bind_parameters(
        template, {}, stack_name="stack", stack_id="stack-id", project_id="", region="RegionOne"
    )
    key = StackKey("default", "default", "stack")
    plan = make_plan(template, params, store.load(key), registry)

    def die_mid_run(event):
        # quick is persisted and slow is inside its create call: the process dies now.
        if event.kind is EventKind.START and event.address == "after_quick":
            os._exit(17)

    apply_plan(plan, template, params, store, registry, on_event=die_mid_run)
    """
)


def test_a_killed_run_leaves_what_completed_and_the_next_run_converges(
    stack: Stack, tmp_path: Path
) -> None:
    (tmp_path / "stack.yaml").write_text(HEADER + KILLED.replace("WAIT", "30"))
    (tmp_path / "child.py").write_text(CHILD)

    child = subprocess.run(
        [sys.executable, str(tmp_path / "child.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert child.returncode == 17, child.stderr
    resources = stack.state().resources
    assert resources["quick"].status is ResourceStatus.READY
    assert resources["quick"].physical_id
    # slow's create runs in-process (a cloud-free type): killed mid-call it made nothing, so
    # it wrote no intent (cloud creates do; tests/cli/test_crash_safety.py kills those).
    assert "slow" not in resources
    assert "after_quick" not in resources
    # The dead run's lock is left behind, and the next run takes it over by itself.
    assert stack.store.current_lock(stack.key) is not None

    fixed = KILLED.replace("WAIT", "0")
    stack.apply(fixed)
    assert stack.plan(fixed).has_changes is False
    assert stack.state().resources["quick"].physical_id == resources["quick"].physical_id


def _read_until(stream: IO[str], marker: str) -> str:
    """Read (blocking, no polling) until ``marker`` has been printed; the prompt has no
    newline, so read characters rather than lines."""
    seen = ""
    while not seen.endswith(marker):
        char = stream.read(1)
        if not char:
            raise AssertionError(f"stream ended before {marker!r}: {seen}")
        seen += char
    return seen


def test_a_second_apply_is_refused_while_the_first_holds_the_lock(tmp_path: Path) -> None:
    (tmp_path / "stack.yaml").write_text(
        HEADER
        + "resources:\n  slow:\n    type: OS::Heat::TestResource\n"
        + "    properties: {wait_secs: 1}\n"
    )
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("ATONIX_STATE_URL", None)
    # The first run holds the stack lock from planning to the end of apply, so also while it
    # waits for approval: the second run is started exactly then.
    first = subprocess.Popen(
        [str(ATONIX), "apply"],
        cwd=tmp_path,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert first.stdout is not None and first.stdin is not None
        _read_until(first.stdout, "Enter a value: ")

        second = subprocess.run(
            [str(ATONIX), "apply", "-auto-approve"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=False,
        )

        assert second.returncode == 1, second.stdout
        assert "is locked by" in second.stderr
        assert "(apply)" in second.stderr
        assert "Traceback" not in second.stderr
        first.stdin.write("yes\n")
        first.stdin.flush()
        rest, errors = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == 0, errors
    assert "slow: Creation complete" in rest
    assert "Apply complete! Resources: 1 added" in rest
    store = open_store(None, project_dir=tmp_path)
    try:
        assert set(store.load(StackKey("default", "default", "stack")).resources) == {"slow"}
    finally:
        store.close()


INTERRUPTED = """
resources:
  slow:
    type: OS::Heat::TestResource
    properties: {value: slow, wait_secs: 2}
  after_slow:
    type: OS::Heat::Value
    properties: {value: {get_attr: [slow, output]}}
"""


def test_ctrl_c_says_so_at_once_finishes_what_is_in_flight_and_records_it(tmp_path: Path) -> None:
    import signal
    import time

    (tmp_path / "stack.yaml").write_text(HEADER + INTERRUPTED)
    proc = subprocess.Popen(
        [str(ATONIX), "apply", "-auto-approve", "stack.yaml"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:  # wait until the slow create is in flight
        if line.startswith("slow: Creating"):
            break
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)

    assert proc.returncode == 1
    assert "Interrupt received" in err
    assert "Traceback" not in err
    assert "slow: Creation complete" in out
    state = open_store(f"sqlite:///{tmp_path}/.atonix/state.db").load(
        StackKey("default", "default", "stack")
    )
    assert set(state.resources) == {"slow"}
    assert state.resources["slow"].status is ResourceStatus.READY


def _replaceable(value: str, *, fail: bool) -> str:
    return f"""
resources:
  server:
    type: OS::Heat::TestResource
    properties: {{value: server, update_replace_value: {value}}}
    lifecycle: {{create_before_destroy: true}}
  consumer:
    type: OS::Heat::TestResource
    properties: {{value: {{get_resource: server}}, fail: {str(fail).lower()}}}
"""


ROLLBACK_CHILD = CHILD.replace(
    "from atonix_iac.apply.events import EventKind",
    "from atonix_iac.apply.events import EventKind, OnFailure, Operation",
).replace(
    "apply_plan(plan, template, params, store, registry, on_event=die_mid_run)",
    textwrap.dedent(
        """
        def die_mid_rollback(event):
            # The new server is deleted again, its deposed prior object not yet current.
            done = event.kind is EventKind.DONE and event.operation is Operation.DELETE
            if event.rollback and done and event.address == "server":
                os._exit(17)

        apply_plan(
            plan, template, params, store, registry,
            on_event=die_mid_rollback, on_failure=OnFailure.ROLLBACK,
        )
        """
    ),
)


def test_a_run_killed_while_rolling_back_leaves_state_a_plain_rerun_converges_from(
    stack: Stack, tmp_path: Path
) -> None:
    stack.apply(_replaceable("one", fail=False))
    old = stack.state().resources
    (tmp_path / "stack.yaml").write_text(HEADER + _replaceable("two", fail=True))
    (tmp_path / "child.py").write_text(ROLLBACK_CHILD)
    assert "die_mid_rollback" in ROLLBACK_CHILD

    child = subprocess.run(
        [sys.executable, str(tmp_path / "child.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert child.returncode == 17, child.stderr
    resources = stack.state().resources
    # Every object is known exactly once: the prior server still deposed, the consumer back
    # on its prior properties; the new server (deleted) is gone from state.
    assert set(resources) == {"server#deposed-1", "consumer"}
    assert resources["server#deposed-1"].physical_id == old["server"].physical_id
    assert resources["consumer"].properties == old["consumer"].properties
    assert resources["consumer"].status is ResourceStatus.READY
    stale = stack.store.current_lock(stack.key)
    assert stale is not None
    stack.store.force_unlock(stack.key, stale.lock_id)

    fixed = _replaceable("two", fail=False)
    stack.apply(fixed)
    assert stack.plan(fixed).has_changes is False
    assert set(stack.state().resources) == {"server", "consumer"}


def test_a_second_ctrl_c_exits_at_once_and_the_next_run_settles_state(tmp_path: Path) -> None:
    import signal
    import time

    slow = INTERRUPTED.replace("wait_secs: 2", "wait_secs: 60")
    (tmp_path / "stack.yaml").write_text(HEADER + slow)
    proc = subprocess.Popen(
        [str(ATONIX), "apply", "-auto-approve", "stack.yaml"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    for line in proc.stdout:  # wait until the slow create is in flight
        if line.startswith("slow: Creating"):
            break
    time.sleep(0.3)  # the walk is waiting on it (as in the test above)
    proc.send_signal(signal.SIGINT)
    assert "Interrupt received" in _read_until(proc.stderr, "Ctrl-C again")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)  # the create still had about a minute to go

    assert proc.returncode == 1
    assert "Two interrupts received: exiting now" in err
    assert "the next plan, apply or refresh settles state" in err
    assert "Aborted!" not in err and "Traceback" not in err
    assert "slow: Creation complete" not in out
    # No lock to break by hand, nothing lost: a plain re-run settles the create and finishes.
    quick = HEADER + INTERRUPTED.replace("wait_secs: 2", "wait_secs: 0")
    (tmp_path / "stack.yaml").write_text(quick)
    started = time.monotonic()
    rerun = subprocess.run(
        [str(ATONIX), "apply", "-auto-approve", "stack.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert "locked" not in rerun.stderr
    assert time.monotonic() - started < 60  # it did not wait out the killed run's create
    state = open_store(f"sqlite:///{tmp_path}/.atonix/state.db").load(
        StackKey("default", "default", "stack")
    )
    assert set(state.resources) == {"slow", "after_slow"}


_DEPENDENT = (
    "  v{i}:\n    type: OS::Heat::Value\n    properties: {{value: {{get_attr: [base, value]}}}}\n"
)
INLINE_KILLED = (
    "resources:\n  base:\n    type: OS::Heat::Value\n    properties: {value: base}\n"
    + "".join(_DEPENDENT.format(i=i) for i in range(8))
)
_LINK = (
    "  v{i}:\n    type: OS::Heat::Value\n"
    "    properties: {{value: {{list_join: ['-', [{{get_attr: [v{j}, value]}}, x]]}}}}\n"
)
CHAIN_KILLED = (
    "resources:\n  v0:\n    type: OS::Heat::Value\n    properties: {value: v}\n"
    + "".join(_LINK.format(i=i, j=i - 1) for i in range(1, 150))
)

INLINE_CHILD = CHILD.replace(
    """def die_mid_run(event):
    # quick is persisted and slow is inside its create call: the process dies now.
    if event.kind is EventKind.START and event.address == "after_quick":
        os._exit(17)
""",
    """def die_mid_run(event):
    print(event.kind.value, event.address, flush=True)

# The process dies as its batch of cloud-free steps is about to be committed (the
# (KILL_AT)th commit), after every step of the batch ran.
commits = 0
commit_writes = store.commit_writes

def die_at_commit(key, writes):
    global commits
    commits += 1
    if commits == int(sys.argv[2]):
        os._exit(17)
    return commit_writes(key, writes)

store.commit_writes = die_at_commit
""",
)


def _killed_at_commit(tmp_path: Path, body: str, kill_at: int) -> list[str]:
    (tmp_path / "stack.yaml").write_text(HEADER + body)
    (tmp_path / "child.py").write_text(INLINE_CHILD)
    child = subprocess.run(
        [sys.executable, str(tmp_path / "child.py"), str(tmp_path), str(kill_at)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert child.returncode == 17, child.stderr
    return child.stdout.split("\n")


def test_a_run_killed_inside_a_batch_of_cloud_free_steps_loses_nothing_committed(
    stack: Stack, tmp_path: Path
) -> None:
    """base and its dependents run as one batch (they have no cloud side): killed before
    its commit, the run leaves nothing, and showed only base starting."""
    assert INLINE_CHILD != CHILD
    events = _killed_at_commit(tmp_path, INLINE_KILLED, 1)

    assert [line for line in events if line] == ["start base"]  # the rest ran on base: held
    assert stack.state().resources == {}
    stack.apply(INLINE_KILLED)
    assert stack.plan(INLINE_KILLED).has_changes is False
    assert set(stack.state().resources) == {"base", *(f"v{i}" for i in range(8))}


def test_a_chain_killed_mid_run_keeps_its_committed_batches_and_the_rerun_converges(
    stack: Stack, tmp_path: Path
) -> None:
    """A chain of 150 Values is committed 64 at a time; killed at its third commit, state
    holds the first two batches, each link shown complete only once committed."""
    events = _killed_at_commit(tmp_path, CHAIN_KILLED, 3)

    made = {f"v{i}" for i in range(128)}
    assert {line.removeprefix("done ") for line in events if line.startswith("done ")} == made
    resources = stack.state().resources
    assert set(resources) == made
    assert resources["v127"].attributes["value"] == "v" + "-x" * 127
    stack.apply(CHAIN_KILLED)
    assert stack.plan(CHAIN_KILLED).has_changes is False
    after = stack.state().resources
    assert set(after) == {f"v{i}" for i in range(150)}
    assert after["v149"].attributes["value"] == "v" + "-x" * 149
    assert all(after[name].physical_id == resources[name].physical_id for name in made)
