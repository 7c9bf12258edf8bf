"""Each command imports only what it uses: which modules a whole ``atonix`` run loaded.

Behavioural, not timed: each case runs the CLI in a fresh interpreter and reads ``sys.modules``
when the command is done. A regression here (a module-level import of jinja2, pydantic,
networkx ...) costs every run of that command its import time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

_RUN = """
import json, sys
from atonix_iac.cli.main import cli
try:
    cli(sys.argv[1:], prog_name="atonix", standalone_mode=False)
finally:
    sys.stdout.flush()
    print("\\nMODULES " + json.dumps(sorted(sys.modules)))
"""

STACK = """\
heat_template_version: 2018-08-31
resources:
  a:
    type: OS::Heat::Value
    properties: {value: 1}
  b:
    type: OS::Heat::RandomString
  c:
    type: OS::Heat::Value
    properties: {value: {get_attr: [a, value]}}
outputs:
  o: {value: {get_attr: [c, value]}}
"""


def _loaded(cwd: Path, *args: str) -> set[str]:
    """Top-level and dotted module names imported by ``atonix ARGS`` run in ``cwd``."""
    proc = subprocess.run(
        [sys.executable, "-c", _RUN, *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stdout.splitlines() if x.startswith("MODULES "))
    return set(json.loads(line.removeprefix("MODULES ")))


def _heavy(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return [name for name in names if name in modules]


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cloud-free stack without atonix.yaml, applied once (state in its directory)."""
    work = tmp_path_factory.mktemp("lazy")
    (work / "stack.yaml").write_text(STACK)
    subprocess.run(
        [sys.executable, "-c", _RUN, "apply", "-auto-approve", "stack.yaml"],
        cwd=work,
        capture_output=True,
        check=True,
    )
    return work


PG_DIALECT = "sqlalchemy.dialects.postgresql"
NEVER_CLOUD_FREE = ("jinja2", "pydantic", "openstack", "keystoneauth1", "rich")


def test_importing_the_cli_loads_no_command_module() -> None:
    code = "import sys, atonix_iac.cli.main; print(sorted(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    for name in (*NEVER_CLOUD_FREE, "networkx", "sqlalchemy", "yaml", "atonix_iac.planner"):
        assert f"'{name}'" not in out, name


def test_version_loads_nothing_heavy(tmp_path: Path) -> None:
    modules = _loaded(tmp_path, "version")
    assert _heavy(modules, (*NEVER_CLOUD_FREE, "networkx", "sqlalchemy", "yaml")) == []


def test_plan_of_a_cloud_free_stack_skips_jinja_pydantic_openstack_networkx(applied: Path) -> None:
    """The planner's graph is plain dicts: networkx is for cycle reports and apply only."""
    modules = _loaded(applied, "plan", "stack.yaml")
    heavy = (*NEVER_CLOUD_FREE, "atonix_iac.policy", "alembic", "networkx", PG_DIALECT)
    assert _heavy(modules, (*heavy, "atonix_iac.apply.executor")) == []
    assert "atonix_iac.planner.build" in modules  # it did plan (the check is not vacuous)
    assert "sqlalchemy" in modules  # its state exists: read under the stack's lock


# Standard-library and small imports a plan of a cloud-free stack has no use for: entry
# points are looked for without importlib.metadata when no distribution declares atonix's
# group, package data is read without importlib.resources, retries (tenacity) and reader
# threads (concurrent.futures, logging) wait for a read, email for a MIME config, quota
# arithmetic for a plan that changes cloud resources, subprocess and shutil for Graphviz; the
# plan file codec (gzip, secrets) for `plan -out` and saved plans, `secrets` and `random` for
# ids, tokens, random strings and jitter drawn when a resource is created.
NOT_FOR_A_LOCAL_PLAN = (
    "importlib.metadata",
    "importlib.resources",
    "tenacity",
    "concurrent.futures",
    "logging",
    "email",
    "socket",
    "atonix_iac.apply.walk",
    "atonix_iac.workspace.quota",
    "subprocess",
    "shutil",
    "atonix_iac.planner.render.graph",
    "atonix_iac.planner.planfile",
    "gzip",
    "secrets",
    "random",
    "hmac",
)


def test_a_plan_before_any_state_exists_skips_sqlalchemy(tmp_path: Path) -> None:
    """No state database yet: nothing to read or lock, so the database is not opened."""
    (tmp_path / "stack.yaml").write_text(STACK)
    modules = _loaded(tmp_path, "plan", "stack.yaml")
    assert _heavy(modules, (*NEVER_CLOUD_FREE, "sqlalchemy", "networkx")) == []
    assert _heavy(modules, NOT_FOR_A_LOCAL_PLAN) == []
    assert "atonix_iac.planner.build" in modules
    assert not (tmp_path / ".atonix").exists()


def test_a_plan_saved_with_out_loads_the_plan_file_codec(tmp_path: Path) -> None:
    """The codec is imported where ``-out`` writes the file (the other side of the above)."""
    (tmp_path / "stack.yaml").write_text(STACK)
    modules = _loaded(tmp_path, "plan", "stack.yaml", "-out", "saved.plan")
    assert "atonix_iac.planner.planfile" in modules
    assert (tmp_path / "saved.plan").is_file()


def test_a_dependency_cycle_is_still_reported_with_networkx(tmp_path: Path) -> None:
    (tmp_path / "stack.yaml").write_text(
        STACK.replace("properties: {value: 1}", "properties: {value: {get_attr: [c, value]}}")
    )
    proc = subprocess.run(
        [sys.executable, "-c", _RUN, "validate", "stack.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "dependency cycle between a, c" in proc.stderr + proc.stdout
    assert "c depends on a here (get_attr)" in proc.stderr + proc.stdout


def test_apply_without_a_terminal_skips_rich(applied: Path) -> None:
    """rich draws apply's live region, so only a run on a terminal loads it."""
    (applied / "stack.yaml").write_text(STACK.replace("value: 1", "value: 2"))
    try:
        modules = _loaded(applied, "apply", "-auto-approve", "stack.yaml")
    finally:
        (applied / "stack.yaml").write_text(STACK)
    assert "atonix_iac.apply.executor" in modules  # it did apply
    assert _heavy(modules, ("rich", "atonix_iac.cli.live")) == []


def test_apply_and_destroy_schedule_without_networkx(tmp_path: Path) -> None:
    """The step scheduler and the walk use the planner's plain-dict graph: networkx (~0.15 CPU
    s to import) is left for a cycle's report."""
    (tmp_path / "stack.yaml").write_text(STACK)
    applied = _loaded(tmp_path, "apply", "-auto-approve", "stack.yaml")
    destroyed = _loaded(tmp_path, "destroy", "-auto-approve", "stack.yaml")
    for modules in (applied, destroyed):
        assert "atonix_iac.apply.walk" in modules  # it did walk the steps
        assert _heavy(modules, (*NEVER_CLOUD_FREE, "networkx")) == []


def test_validate_opens_no_state_database(tmp_path: Path) -> None:
    (tmp_path / "stack.yaml").write_text(STACK)
    modules = _loaded(tmp_path, "validate", "stack.yaml")
    assert _heavy(modules, (*NEVER_CLOUD_FREE, "sqlalchemy", "networkx")) == []
    assert not (tmp_path / ".atonix").exists()


@pytest.mark.parametrize(
    "args", [("output",), ("state", "list"), ("show",)], ids=["output", "state-list", "show"]
)
def test_reading_state_skips_the_planner_and_networkx(applied: Path, args: tuple[str, ...]) -> None:
    modules = _loaded(applied, *args)
    assert "sqlalchemy" in modules  # it did read the state
    assert _heavy(modules, (*NEVER_CLOUD_FREE, "networkx", "atonix_iac.planner.build")) == []


def test_showing_a_saved_plan_loads_no_state_session_or_provider(tmp_path: Path) -> None:
    """``show -json FILE`` reads the plan file alone: its ``configuration`` comes from the
    file, so neither the state session (SQLAlchemy, providers), the template loader (PyYAML)
    nor the planner's own machinery is imported."""
    (tmp_path / "stack.yaml").write_text(STACK)
    subprocess.run(
        [sys.executable, "-c", _RUN, "plan", "stack.yaml", "-out", "plan.out"],
        cwd=tmp_path,
        capture_output=True,
        check=True,
    )
    modules = _loaded(tmp_path, "show", "-json", "plan.out")
    assert "atonix_iac.planner.render.json_plan" in modules  # it did render the plan
    heavy = (
        "sqlalchemy",
        "networkx",
        "yaml",
        "importlib.metadata",
        "atonix_iac.cli.session",
        "atonix_iac.providers.heat",
        "atonix_iac.template.loader",
        "atonix_iac.template.model",
        "atonix_iac.planner.build",
    )
    assert _heavy(modules, (*NEVER_CLOUD_FREE, *heavy)) == []


def test_a_project_file_is_parsed_with_pydantic_when_present(applied: Path) -> None:
    (applied / "atonix.yaml").write_text("state: sqlite:///.atonix/state.db\n")
    try:
        modules = _loaded(applied, "output")
    finally:
        (applied / "atonix.yaml").unlink()
    assert "pydantic" in modules


def test_main_freezes_the_command_module_it_loads_out_of_the_collectors_scans(
    tmp_path: Path,
) -> None:
    """main() freezes what is imported before it runs; the command's module comes later and
    is frozen when loaded, or the first collection scans all of it (~25 ms of a plan)."""
    (tmp_path / "stack.yaml").write_text(STACK)
    code = """
import gc, sys
from atonix_iac.cli.main import main
sys.argv = ["atonix", "validate", "stack.yaml"]
try:
    main()
except SystemExit:
    pass
from atonix_iac.cli.stack_commands import validate_command
scanned = {id(o) for o in gc.get_objects()}  # every generation but the frozen one
print("SCANNED", id(validate_command.callback) in scanned, id(validate_command) in scanned)
"""
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert "SCANNED False False" in proc.stdout, proc.stdout + proc.stderr
