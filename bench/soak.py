"""Soak: does a killed or faulted run of the web tier leave anything behind?

Trials of examples/web-tier (network, subnet, router with gateway and interface, security group
and rules, two servers with ports and floating IPs, a volume attached), each with its own state,
workspace environment and (on the simulator) its own project:

- ``apply-kill``: ``kill -9`` of ``atonix apply -auto-approve`` at a uniform random instant
  within one clean apply's duration, then ONE plain ``atonix apply -auto-approve`` (no
  force-unlock, no state surgery), ``plan -detailed-exitcode``, then ``destroy``.
- ``destroy-kill``: apply, ``kill -9`` of ``atonix destroy`` at a random instant within one
  clean destroy's duration, then one plain destroy and ``plan -destroy -detailed-exitcode``.
- ``faults`` (simulator only): apply while ~10% of compute, network and volume write requests
  fail (500 and 409 before processing, 503 after it, connection resets before and after);
  then, if it did not converge, one plain re-apply without faults; then destroy.

Counted per trial, by listing the project's objects through the API (openstacksdk):
orphans (the trial's objects and relations, i.e. router ports and volume attachments, that
state does not record after the recovery run), duplicates (two objects for one address, a
second router port on the subnet, a volume attached twice), left (the trial's objects still
there after the final destroy), non-converged (the recovery run exits non-zero, or the plan
after it is not empty), manual unlocks (a run failed on the stack lock), and for faults
whether the stack converged in the faulted run itself.

    .venv/bin/python bench/soak.py                               # 20 trials of each kind
    .venv/bin/python bench/soak.py --kind apply-kill --trials 5 --seed 7 --strict
    .venv/bin/python bench/soak.py --clouds ~/.cache/atonix-devcloud/state/clouds.yaml \\
        --cloud atonix-real --project atonix-ci-a --kind apply-kill --trials 3

Everything listens on and talks to 127.0.0.1 only (unless --clouds names another cloud);
every process the harness starts is stopped at the end, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from soak_cloud import (
    SIM_CLOUD,
    Inventory,
    Processes,
    SimulatorProcess,
    StateView,
    duplicates,
    leftovers,
    opened,
    orphans,
    take_inventory,
    trial_objects,
    write_faults,
)

ROOT = Path(__file__).resolve().parents[1]
ATONIX = Path(sys.executable).with_name("atonix")
KINDS = ("apply-kill", "destroy-kill", "faults")
WORKSPACE = "soak"
#: What atonix says when a run is refused because another (here: a killed) run holds the lock.
LOCK_MARKERS = ("is locked by", "force-unlock")
_SHORT = {"apply-kill": "ak", "destroy-kill": "dk", "faults": "fl"}


@dataclass
class Run:
    """One finished ``atonix`` process."""

    args: tuple[str, ...]
    rc: int | None
    stdout: str = ""
    stderr: str = ""
    seconds: float = 0.0
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.rc == 0

    @property
    def lock_error(self) -> bool:
        return self.rc not in (0, None) and any(m in self.stderr for m in LOCK_MARKERS)

    def tail(self, lines: int = 6) -> str:
        text = (self.stderr.strip() or self.stdout.strip()).splitlines()
        return "\n".join(text[-lines:])


@dataclass
class Target:
    """Where trials run: the simulator (each trial in a project of its own) or one project
    of a real cloud."""

    clouds_yaml: Path
    cloud: str
    project: str | None = None
    region: str = "RegionOne"
    sim: SimulatorProcess | None = None


@dataclass
class Trial:
    kind: str
    index: int
    environment: str
    project: str
    kill_at: float | None = None
    kill_landed: bool | None = None
    #: Write requests the killed run had made (simulator only): did the kill land mid-flight?
    writes_before_kill: int | None = None
    runs: dict[str, Run] = field(default_factory=dict)
    faults_hit: int | None = None
    orphans: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    unlock_needed: bool = False
    same_run: bool | None = None
    converged: bool = False
    error: str | None = None
    seconds: float = 0.0

    @property
    def timed_out(self) -> bool:
        return any(r.timed_out for r in self.runs.values())

    @property
    def clean(self) -> bool:
        return (
            self.error is None
            and not (self.orphans or self.duplicates or self.left or self.unlock_needed)
            and self.converged
            and self.same_run is not False
        )

    def line(self) -> str:
        parts = [f"{self.kind:<12} #{self.index:<3} {self.project:<20}"]
        if self.kill_at is not None:
            landed = "landed" if self.kill_landed else "missed: run had ended"
            if self.kill_landed and self.writes_before_kill is not None:
                landed += f" after {self.writes_before_kill} writes"
            parts.append(f"kill@{self.kill_at:.2f}s ({landed})")
        if self.faults_hit is not None:
            parts.append(f"faults hit={self.faults_hit}")
        parts.append(" ".join(f"{k}={r.rc}" for k, r in self.runs.items()))
        parts.append(
            f"orphans={len(self.orphans)} dups={len(self.duplicates)} left={len(self.left)}"
            f" unlock={'YES' if self.unlock_needed else 'no'}"
        )
        if self.same_run is not None:
            parts.append(f"same-run={'yes' if self.same_run else 'no'}")
        parts.append(f"converged={'yes' if self.converged else 'NO'}")
        if self.timed_out:
            parts.append("TIMED OUT")
        if self.error:
            parts.append(f"ERROR: {self.error}")
        parts.append(f"{self.seconds:.1f}s")
        return "  ".join(parts)

    def details(self, limit: int = 5) -> list[str]:
        """What made the trial unclean: at most ``limit`` objects of each count."""
        out: list[str] = []
        for label, items in (
            ("orphan", self.orphans),
            ("duplicate", self.duplicates),
            ("left after destroy", self.left),
        ):
            out += [f"    {label}: {item}" for item in items[:limit]]
            if len(items) > limit:
                out.append(f"    ... {len(items) - limit} more {label}")
        for name, run in self.runs.items():
            if not run.ok and run.rc is not None and name != "killed":
                tail = run.tail().replace("\n", "\n      ")
                out.append(f"    {name} exited {run.rc}:\n      {tail}")
        return out


@dataclass
class KindSummary:
    kind: str
    trials: int = 0
    kills_landed: int = 0
    kills_after_writes: int | None = None
    orphans: int = 0
    duplicates: int = 0
    left: int = 0
    non_converged: int = 0
    manual_unlocks: int = 0
    not_same_run: int = 0
    errors: int = 0

    def add(self, trial: Trial) -> None:
        self.trials += 1
        self.kills_landed += bool(trial.kill_landed)
        if trial.writes_before_kill is not None:
            self.kills_after_writes = (self.kills_after_writes or 0) + bool(
                trial.kill_landed and trial.writes_before_kill
            )
        self.orphans += len(trial.orphans)
        self.duplicates += len(trial.duplicates)
        self.left += len(trial.left)
        self.non_converged += not trial.converged
        self.manual_unlocks += trial.unlock_needed
        self.not_same_run += trial.same_run is False
        self.errors += trial.error is not None

    @property
    def clean(self) -> bool:
        return not (
            self.orphans
            or self.duplicates
            or self.left
            or self.non_converged
            or self.manual_unlocks
            or self.not_same_run
            or self.errors
        )


@dataclass
class Report:
    trials: list[Trial] = field(default_factory=list)
    apply_seconds: float | None = None
    destroy_seconds: float | None = None
    seconds: float = 0.0
    #: Trials not started because the run's time budget would not hold another one.
    not_run: int = 0

    def summary(self) -> dict[str, KindSummary]:
        out: dict[str, KindSummary] = {}
        for trial in self.trials:
            out.setdefault(trial.kind, KindSummary(trial.kind)).add(trial)
        return out

    @property
    def clean(self) -> bool:
        return self.not_run == 0 and all(s.clean for s in self.summary().values())

    def to_dict(self) -> dict[str, Any]:
        """Per-trial records and per-kind counts, for CI artefacts and trends."""
        trials = []
        for t in self.trials:
            record = {k: v for k, v in asdict(t).items() if k != "runs"}
            record["exit_codes"] = {name: run.rc for name, run in t.runs.items()}
            record["clean"] = t.clean
            trials.append(record)
        return {
            "apply_seconds": self.apply_seconds,
            "destroy_seconds": self.destroy_seconds,
            "seconds": self.seconds,
            "not_run": self.not_run,
            "clean": self.clean,
            "summary": {k: asdict(v) for k, v in self.summary().items()},
            "trials": trials,
        }

    def explain(self) -> str:
        """The table, then each trial that was not clean with what it left and printed."""
        lines = [self.table(), ""]
        if self.not_run:
            lines.append(f"{self.not_run} trials did not fit in the time budget")
        for trial in self.trials:
            if not trial.clean:
                lines += [trial.line(), *trial.details()]
        return "\n".join(lines)

    def table(self) -> str:
        head = (
            "kind",
            "trials",
            "kills landed (after writes)",
            "orphans",
            "duplicates",
            "left after destroy",
            "non-converged",
            "manual unlocks",
            "not converged in same run",
            "errors",
        )
        rows = [head]
        for s in self.summary().values():
            landed = "-" if s.kind == "faults" else str(s.kills_landed)
            if s.kills_after_writes is not None:
                landed += f" ({s.kills_after_writes})"
            same = str(s.not_same_run) if s.kind == "faults" else "-"
            rows.append(
                (
                    s.kind,
                    str(s.trials),
                    landed,
                    str(s.orphans),
                    str(s.duplicates),
                    str(s.left),
                    str(s.non_converged),
                    str(s.manual_unlocks),
                    same,
                    str(s.errors),
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        lines = [
            "  ".join(
                c.rjust(w) if i else c.ljust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
            for r in rows
        ]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)


class Soak:
    """Runs trials against one target; every process goes through ``procs``."""

    def __init__(
        self,
        target: Target,
        work: Path,
        procs: Processes,
        *,
        seed: int = 0,
        trial_timeout: float = 240.0,
        fault_rate: float = 0.10,
        out: TextIO | None = None,
        verbose: bool = True,
    ) -> None:
        self.target = target
        self.work = work
        self.procs = procs
        self.rng = random.Random(seed)
        self.trial_timeout = trial_timeout
        self.fault_rate = fault_rate
        self.out = out or sys.stdout
        self.verbose = verbose
        self.report = Report()

    # -- processes --------------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        env = {**os.environ, "OS_CLIENT_CONFIG_FILE": str(self.target.clouds_yaml)}
        for name in (
            "OS_CLOUD",
            "ATONIX_STATE_URL",
            "ATONIX_CONFIG",
            "ATONIX_WORKSPACE",
            "ATONIX_ENVIRONMENT",
        ):
            env.pop(name, None)
        return env

    def _argv(self, environment: str, args: Sequence[str]) -> list[str]:
        command, *rest = args
        if command == "state":  # `atonix state pull`: the scope goes after the subcommand
            return [str(ATONIX), command, rest[0], "-w", WORKSPACE, "-E", environment, *rest[1:]]
        return [str(ATONIX), command, "-w", WORKSPACE, "-E", environment, "-no-color", *rest]

    def _start(self, cwd: Path, environment: str, args: Sequence[str]) -> subprocess.Popen[str]:
        return self.procs.start(
            self._argv(environment, args),
            cwd=cwd,
            env=self._env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )

    def atonix(self, cwd: Path, environment: str, *args: str, deadline: float) -> Run:
        started = time.monotonic()
        proc = self._start(cwd, environment, args)
        timeout = max(deadline - started, 5.0)
        try:
            out, err = proc.communicate(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            self.procs.kill(proc)
            out, err = proc.communicate()
            timed_out = True
        self.procs.forget(proc)
        rc = None if timed_out else proc.returncode
        return Run(args, rc, out, err, time.monotonic() - started, timed_out)

    def killed_run(self, cwd: Path, environment: str, *args: str, after: float) -> tuple[Run, bool]:
        """Start ``atonix args``, SIGKILL it ``after`` seconds later; (run, kill landed)."""
        started = time.monotonic()
        proc = self._start(cwd, environment, args)
        try:
            out, err = proc.communicate(timeout=after)
            landed = False
        except subprocess.TimeoutExpired:
            self.procs.kill(proc)
            out, err = proc.communicate()
            landed = True
        self.procs.forget(proc)
        return Run(args, proc.returncode, out, err, time.monotonic() - started), landed

    # -- per-trial workspace ----------------------------------------------------------------

    def prepare(self, name: str, environment: str, project: str) -> Path:
        """A copy of examples/web-tier (and the templates it maps) bound to ``project``."""
        root = self.work / name
        stack_dir = root / "examples" / "web-tier"
        shutil.copytree(ROOT / "examples" / "web-tier", stack_dir)
        shutil.copytree(ROOT / "templates", root / "templates")
        shutil.rmtree(stack_dir / ".atonix", ignore_errors=True)
        (stack_dir / "atonix.yaml").write_text(
            "state: sqlite:///.atonix/state.db\n"
            f"workspaces:\n  {WORKSPACE}:\n    environments:\n      {environment}:\n"
            f"        cloud: {self.target.cloud}\n"
            f"        project: {project}\n"
            f"        region: {self.target.region}\n",
            encoding="utf-8",
        )
        return stack_dir

    def project_for(self, name: str) -> str:
        if self.target.project:
            return self.target.project
        assert self.target.sim is not None
        self.target.sim.add_project(name)
        return name

    def writes(self, project: str) -> int | None:
        """Write requests the simulator has answered in ``project`` so far (None: real cloud)."""
        if self.target.sim is None:
            return None
        log = self.target.sim.admin("GET", "requests?writes=true")["requests"]
        return sum(1 for r in log if r["project"] == project)

    def _kill(self, trial: Trial, cwd: Path, args: Sequence[str], window: float) -> None:
        """Run ``args`` and SIGKILL it at a uniform random instant within ``window``."""
        trial.kill_at = self.rng.uniform(0.0, window)
        before = self.writes(trial.project)
        trial.runs["killed"], trial.kill_landed = self.killed_run(
            cwd, trial.environment, *args, after=trial.kill_at
        )
        after = self.writes(trial.project)
        if before is not None and after is not None:
            trial.writes_before_kill = after - before

    def inventory(self, project: str) -> Inventory:
        with opened(self.target.clouds_yaml, self.target.cloud, project) as conn:
            return take_inventory(conn)

    def state(self, trial: Trial, cwd: Path, deadline: float) -> StateView | None:
        """The trial's state as recorded; None (and the trial's error) if unreadable."""
        pulled = self.atonix(cwd, trial.environment, "state", "pull", deadline=deadline)
        if pulled.ok:
            return StateView.parse(json.loads(pulled.stdout))
        if "no state for" in pulled.stderr:  # the run died before it wrote any
            return StateView()
        trial.runs["state"] = pulled
        trial.error = f"atonix state pull exited {pulled.rc}, nothing compared with state"
        return None

    # -- measuring --------------------------------------------------------------------------

    def measure(self) -> tuple[float, float]:
        """One clean apply and destroy: the windows kills are drawn from."""
        environment = "measure"
        project = self.project_for("soak-measure")
        cwd = self.prepare("measure", environment, project)
        deadline = time.monotonic() + self.trial_timeout
        applied = self.atonix(cwd, environment, *APPLY, deadline=deadline)
        if not applied.ok:
            raise RuntimeError(f"the clean apply failed:\n{applied.tail(20)}")
        destroyed = self.atonix(cwd, environment, *DESTROY, deadline=deadline)
        if not destroyed.ok:
            raise RuntimeError(f"the clean destroy failed:\n{destroyed.tail(20)}")
        self.report.apply_seconds = applied.seconds
        self.report.destroy_seconds = destroyed.seconds
        self._print(
            f"clean apply {applied.seconds:.2f}s, clean destroy {destroyed.seconds:.2f}s"
            " (kills land uniformly within these)"
        )
        return applied.seconds, destroyed.seconds

    # -- trials -----------------------------------------------------------------------------

    def run_trial(self, kind: str, index: int) -> Trial:
        environment = f"{_SHORT[kind]}{index}"
        project = self.project_for(f"soak-{kind}-{index}")
        trial = Trial(kind, index, environment, project)
        cwd = self.prepare(f"{kind}-{index}", environment, project)
        started = time.monotonic()
        deadline = started + self.trial_timeout
        try:
            base = self.inventory(project)
            if kind == "apply-kill":
                self._apply_kill(trial, cwd, base, deadline)
            elif kind == "destroy-kill":
                self._destroy_kill(trial, cwd, base, deadline)
            else:
                self._faults(trial, cwd, base, deadline)
        except Exception as exc:  # noqa: BLE001 - a harness failure is reported, not hidden
            trial.error = f"{type(exc).__name__}: {exc}"
            destroyed = "destroy" in trial.runs or (
                kind == "destroy-kill" and "rerun" in trial.runs
            )
            if not destroyed:
                # Best effort, so a real cloud's project is not left holding the trial's stack.
                trial.runs["destroy"] = self.atonix(
                    cwd, environment, *DESTROY, deadline=time.monotonic() + 60
                )
        trial.unlock_needed = any(
            r.lock_error for name, r in trial.runs.items() if name != "killed"
        )
        trial.seconds = time.monotonic() - started
        self.report.trials.append(trial)
        self._print(trial.line())
        if self.verbose and not trial.clean:
            for text in trial.details():
                self._print(text)
        return trial

    def _recover_apply(self, trial: Trial, cwd: Path, deadline: float, name: str) -> bool:
        env = trial.environment
        trial.runs[name] = run = self.atonix(cwd, env, *APPLY, deadline=deadline)
        trial.runs["plan"] = plan = self.atonix(cwd, env, *PLAN, deadline=deadline)
        return run.ok and plan.ok

    def _count_applied(self, trial: Trial, cwd: Path, base: Inventory, deadline: float) -> None:
        state = self.state(trial, cwd, deadline)
        objects, relations = trial_objects(base, self.inventory(trial.project), trial.environment)
        if state is not None:
            trial.orphans = orphans(objects, relations, state)
        trial.duplicates = duplicates(objects, relations)

    def _final_destroy(self, trial: Trial, cwd: Path, base: Inventory, deadline: float) -> None:
        # The cleanup destroy gets half a minute even when the trial ran out of time.
        trial.runs["destroy"] = self.atonix(
            cwd, trial.environment, *DESTROY, deadline=max(deadline, time.monotonic() + 30)
        )
        objects, relations = trial_objects(base, self.inventory(trial.project), trial.environment)
        trial.left = leftovers(objects, relations)

    def _apply_kill(self, trial: Trial, cwd: Path, base: Inventory, deadline: float) -> None:
        self._kill(trial, cwd, APPLY, self.report.apply_seconds or 0.0)
        trial.converged = self._recover_apply(trial, cwd, deadline, "rerun")
        self._count_applied(trial, cwd, base, deadline)
        self._final_destroy(trial, cwd, base, deadline)

    def _destroy_kill(self, trial: Trial, cwd: Path, base: Inventory, deadline: float) -> None:
        env = trial.environment
        trial.runs["apply"] = applied = self.atonix(cwd, env, *APPLY, deadline=deadline)
        if not applied.ok:
            trial.error = "the apply before the killed destroy failed"
        self._kill(trial, cwd, DESTROY, self.report.destroy_seconds or 0.0)
        trial.runs["rerun"] = rerun = self.atonix(cwd, env, *DESTROY, deadline=deadline)
        trial.runs["plan"] = plan = self.atonix(cwd, env, *PLAN, "-destroy", deadline=deadline)
        state = self.state(trial, cwd, deadline)
        trial.converged = rerun.ok and plan.ok and state is not None and not state.statuses
        objects, relations = trial_objects(base, self.inventory(trial.project), env)
        if state is not None:
            trial.orphans = orphans(objects, relations, state)
        trial.duplicates = duplicates(objects, relations)
        trial.left = leftovers(objects, relations)

    def _faults(self, trial: Trial, cwd: Path, base: Inventory, deadline: float) -> None:
        sim = self.target.sim
        if sim is None:
            raise RuntimeError("fault trials need the simulator")
        sim.admin("DELETE", "requests")
        sim.set_faults(write_faults(self.fault_rate), self.rng.randrange(2**31))
        try:
            trial.runs["apply"] = applied = self.atonix(
                cwd, trial.environment, *APPLY, deadline=deadline
            )
        finally:
            sim.clear_faults()
        log = sim.admin("GET", "requests?writes=true")["requests"]
        trial.faults_hit = sum(1 for r in log if r["fault"] and r["project"] == trial.project)
        trial.runs["plan"] = plan = self.atonix(cwd, trial.environment, *PLAN, deadline=deadline)
        trial.same_run = applied.ok and plan.ok
        trial.converged = trial.same_run or self._recover_apply(trial, cwd, deadline, "rerun")
        self._count_applied(trial, cwd, base, deadline)
        self._final_destroy(trial, cwd, base, deadline)

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)


APPLY = ("apply", "-auto-approve", "stack.yaml", "-e", "env.yaml")
DESTROY = ("destroy", "-auto-approve", "stack.yaml", "-e", "env.yaml")
PLAN = ("plan", "-detailed-exitcode", "stack.yaml", "-e", "env.yaml")


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    """SIGTERM and SIGINT unwind through ``finally`` so every process is stopped. SIGINT is
    set explicitly: a soak started in the background by a shell inherits it ignored, and
    Python then never installs its KeyboardInterrupt handler."""

    def on_term(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous_term = signal.signal(signal.SIGTERM, on_term)
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous_term)
        signal.signal(signal.SIGINT, previous_int)


def run_soak(
    kinds: Sequence[str],
    trials: int,
    *,
    seed: int = 0,
    work: Path | None = None,
    clouds_yaml: Path | None = None,
    cloud: str | None = None,
    project: str | None = None,
    trial_timeout: float = 240.0,
    fault_rate: float = 0.10,
    out: TextIO | None = None,
    keep: bool = False,
    budget_s: float | None = None,
    on_trial: Callable[[Trial], None] | None = None,
) -> Report:
    """Run ``trials`` of each kind; on the simulator unless ``clouds_yaml`` names a cloud.

    With ``budget_s``, a trial starts only if a whole ``trial_timeout`` still fits in it (the
    rest are counted as ``not_run``). Every process started here is stopped before this
    returns or raises.
    """
    if clouds_yaml is not None and "faults" in kinds:
        raise ValueError("fault trials need the simulator (no faults are injected in a real cloud)")
    started = time.monotonic()
    base = Path(tempfile.mkdtemp(prefix="atonix-soak-", dir=work))
    procs = Processes()
    sim: SimulatorProcess | None = None
    try:
        if clouds_yaml is None:
            sim = SimulatorProcess(procs, base / "sim", seed).start()
            target = Target(sim.clouds_yaml, SIM_CLOUD, None, sim=sim)
        else:
            target = Target(clouds_yaml, cloud or "atonix-real", project)
        soak = Soak(
            target,
            base,
            procs,
            seed=seed,
            trial_timeout=trial_timeout,
            fault_rate=fault_rate,
            out=out,
        )
        if {"apply-kill", "destroy-kill"} & set(kinds):
            soak.measure()
        for kind in kinds:
            for index in range(1, trials + 1):
                elapsed = time.monotonic() - started
                if budget_s is not None and elapsed + trial_timeout > budget_s:
                    soak.report.not_run += 1
                    continue
                trial = soak.run_trial(kind, index)
                if on_trial is not None:
                    on_trial(trial)
        soak.report.seconds = time.monotonic() - started
        return soak.report
    finally:
        if sim is not None:
            sim.stop()
        procs.stop_all()
        if not keep:
            shutil.rmtree(base, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--kind", choices=[*KINDS, "all"], default="all")
    parser.add_argument("--trials", type=int, default=20, help="trials of each kind")
    parser.add_argument("--seed", type=int, default=1, help="seeds kill instants and faults")
    parser.add_argument(
        "--trial-timeout", type=float, default=240.0, help="seconds one trial may take"
    )
    parser.add_argument("--fault-rate", type=float, default=0.10)
    parser.add_argument("--budget", type=float, help="seconds the whole run may take")
    parser.add_argument("--strict", action="store_true", help="exit 1 unless every count is 0")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    parser.add_argument("--work", type=Path, help="where the work directory goes")
    parser.add_argument("--clouds", type=Path, help="a real cloud's clouds.yaml (no simulator)")
    parser.add_argument("--cloud", default="atonix-real", help="its entry (with --clouds)")
    parser.add_argument("--project", help="the project trials run in (with --clouds)")
    args = parser.parse_args(argv)
    kinds = list(KINDS) if args.kind == "all" else [args.kind]
    if args.clouds is not None:
        if args.kind == "faults":
            parser.error("fault trials need the simulator: no faults are injected in a real cloud")
        if not args.project:
            parser.error("--clouds needs --project (the project trials run in)")
        if args.kind == "all":
            kinds = ["apply-kill", "destroy-kill"]
    with _stop_on_signals():
        try:
            report = run_soak(
                kinds,
                args.trials,
                seed=args.seed,
                work=args.work,
                clouds_yaml=args.clouds,
                cloud=args.cloud,
                project=args.project,
                trial_timeout=args.trial_timeout,
                fault_rate=args.fault_rate,
                keep=args.keep,
                budget_s=args.budget,
            )
        except KeyboardInterrupt:
            print("interrupted: every process the soak started is stopped", file=sys.stderr)
            return 130
    print()
    print(report.table())
    if report.not_run:
        print(f"\n{report.not_run} trials did not fit in the time budget")
    print(f"\n{len(report.trials)} trials in {report.seconds:.0f}s (seed {args.seed})")
    if args.json is not None:
        args.json.write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    return 1 if args.strict and not report.clean else 0


if __name__ == "__main__":
    sys.exit(main())
