"""OpenStack apply benchmark: N servers, each on its own port, against the simulator.

Every server spends L seconds in BUILD (the simulator's build delay); apply runs P steps at
once. The lower bound is ceil(N/P)*L for independent servers (ports are instant), and
depth*L for a chain (each server's metadata names the previous server). Issue 14's targets,
at N=500 and P=50: wall time within 1.25x of the bound, client CPU at most 8 ms per server.

The simulator runs in its own process, as a cloud would: in this process it would share the
engine's GIL, and its request handling and periodic state dumps (tens of ms each at N=1000)
would be timed as engine work. ``--in-process`` measures that arrangement anyway. Next to wall
time the table prints the CPU seconds this process spent during apply (in total and per
server): when it approaches the wall time the run is bound by client-side CPU (one GIL), not
by the cloud. ``sim cpu`` is the simulator process's CPU seconds during apply (nan with
``--in-process``, whose simulator shares this process and its CPU column). It also prints
the API requests per server from the simulator's request log (tokens excluded;
``--requests`` breaks them down by kind), the kernel's share of the client's CPU (``sys``)
and the client's context switches per server (all threads; at parallelism 50 most are
threads taking the GIL back after a short system call). ``--runs K`` repeats each size on a
fresh simulator and adds a median line: this kind of machine's speed drifts by a third within
minutes, so compare medians of runs alternated with the tree compared against. ``--destroy``
also destroys each stack after its apply, with servers taking L seconds to go (the
simulator's ``server_delete`` delay), and prints the same columns for it: its bound is the
same ceil(N/P)*L (ports, subnet and network go at once), or N*L for the chain.

    .venv/bin/python bench/bench_openstack_apply.py                       # N=100,1000 P=50 L=1
    .venv/bin/python bench/bench_openstack_apply.py --sizes 100 --parallelism 10 --chain 5
    .venv/bin/python bench/bench_openstack_apply.py --sizes 500 --chain 0 --destroy
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from atonix_iac import PlanMode, apply_plan, bind_parameters, load_template, make_plan, open_store
from atonix_iac.providers.base import ResourceIdentity
from atonix_iac.providers.heat import HeatProvider
from atonix_iac.providers.openstack import OpenStackProvider
from atonix_iac.providers.registry import Registry
from atonix_iac.simulator.server import SimulatorServer
from atonix_iac.state.model import StackKey
from atonix_iac.workspace.config import Binding

HEADER = """heat_template_version: 2018-08-31
resources:
  net: {type: OS::Neutron::Net}
  subnet:
    type: OS::Neutron::Subnet
    properties: {network: {get_resource: net}, cidr: 10.0.0.0/16}
"""


def stack_text(n: int, chain: bool) -> str:
    parts = [HEADER]
    for i in range(n):
        meta = f"{{after: {{get_attr: [server{i - 1}, name]}}}}" if chain and i else "{}"
        parts.append(
            f"  port{i}:\n    type: OS::Neutron::Port\n"
            f"    properties: {{network: {{get_resource: net}},"
            f" fixed_ips: [{{subnet: {{get_resource: subnet}}}}]}}\n"
            f"  server{i}:\n    type: OS::Nova::Server\n"
            f"    properties: {{flavor: m1.tiny, image: cirros,"
            f" networks: [{{port: {{get_resource: port{i}}}}}], metadata: {meta}}}\n"
        )
    return "".join(parts)


def _control(url: str, path: str, body: dict[str, Any] | None, method: str = "PUT") -> Any:
    """A request to the simulator's /_sim control API; its JSON answer (None if empty)."""
    request = urllib.request.Request(
        url + path,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        text = response.read()
    return json.loads(text) if text else None


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) process ``pid`` has used so far (nan without /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class RequestLog:
    """The simulator's request log: cleared before the apply, counted after it; and, when
    the simulator runs in its own process (``pid``), that process's CPU time."""

    def __init__(self, url: str, pid: int | None = None) -> None:
        self.url = url
        self.pid = pid

    def cpu(self) -> float:
        """CPU seconds the simulator's process has used so far (nan in-process)."""
        return float("nan") if self.pid is None else _process_cpu(self.pid)

    def clear(self) -> None:
        _control(self.url, "/_sim/requests", None, method="DELETE")

    def counts(self) -> Counter[str]:
        """Requests by ``METHOD service kind`` (ids replaced by ``{id}``); tokens excluded."""
        records = _control(self.url, "/_sim/requests", None, method="GET")["requests"]
        counts: Counter[str] = Counter()
        for record in records:
            if record["path"].endswith("/auth/tokens"):
                continue
            path = "/".join(
                "{id}" if len(part) >= 32 else part for part in record["path"].split("/")
            )
            query = "?" + record["query"].split("=")[0] + "=" if record["query"] else ""
            counts[f"{record['method']} {path}{query}"] += 1
        return counts


@contextmanager
def simulator(
    data: Path, n: int, delay: float, in_process: bool
) -> Iterator[tuple[Path, RequestLog]]:
    """A simulator with project ``bench`` (quotas for n servers) and build delay ``delay``;
    yields its clouds.yaml and request log."""
    quotas = {
        "compute": {"instances": n + 10, "cores": n + 10, "ram": 512 * (n + 10)},
        "network": {"port": n + 10},
    }
    if in_process:
        sim = SimulatorServer(data, projects=("bench",)).start()
        try:
            for service, limits in quotas.items():
                sim.set_quota("bench", service, **limits)
            sim.set_delay(delay, "server")
            sim.set_delay(delay, "server_delete")
            yield sim.write_clouds_yaml(), RequestLog(sim.url)
        finally:
            sim.stop()
        return
    command = [sys.executable, "-m", "atonix_iac.simulator", "serve", "--port", "0"]
    command += ["--data", str(data), "--projects", "bench"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = clouds = None
        for line in proc.stdout:
            if line.startswith("atonix simulator listening on "):
                url = line.split()[4]
            if line.startswith("export OS_CLIENT_CONFIG_FILE="):
                clouds = Path(line.strip().split("=", 1)[1])
                break
        if url is None or clouds is None:
            raise RuntimeError("the simulator did not start")
        for service, limits in quotas.items():
            _control(url, f"/_sim/quotas/bench/{service}", limits)
        _control(url, "/_sim/delays", {"server": delay, "server_delete": delay})
        yield clouds, RequestLog(url, proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@dataclass
class Result:
    wall: float  # s
    bound: float  # s
    cpu: float  # CPU s of this process during apply
    sim_cpu: float  # CPU s of the simulator's process during apply (nan in-process)
    requests: Counter[str]  # API requests of the apply by kind (tokens excluded)
    system: float = 0.0  # of ``cpu``, the CPU s spent in the kernel
    switches: int = 0  # this process's context switches during apply (all threads)


class _Measured:
    """Wall, CPU (user and system), context switches and the simulator's CPU over a block."""

    def __init__(self, log: RequestLog) -> None:
        self.log = log

    def __enter__(self) -> _Measured:
        self.log.clear()
        self.usage = resource.getrusage(resource.RUSAGE_SELF)
        self.cpu = time.process_time()
        self.sim = self.log.cpu()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.started
        self.cpu = time.process_time() - self.cpu
        self.sim = self.log.cpu() - self.sim
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.system = usage.ru_stime - self.usage.ru_stime
        self.switches = (usage.ru_nvcsw - self.usage.ru_nvcsw) + (
            usage.ru_nivcsw - self.usage.ru_nivcsw
        )

    def result(self, bound: float) -> Result:
        return Result(
            self.wall, bound, self.cpu, self.sim, self.log.counts(), self.system, self.switches
        )


def run(
    n: int,
    parallelism: int,
    delay: float,
    chain: bool,
    work: Path,
    in_process: bool = False,
    destroy: bool = False,
) -> list[tuple[str, Result]]:
    """One apply of ``n`` servers with ports (and, with ``destroy``, its destroy)."""
    bound = n * delay if chain else math.ceil(n / parallelism) * delay
    results: list[tuple[str, Result]] = []
    with simulator(work / f"sim-{n}-{chain}", n, delay, in_process) as (clouds_yaml, log):
        os.environ["OS_CLIENT_CONFIG_FILE"] = str(clouds_yaml)
        path = work / f"stack-{n}-{chain}.yaml"
        path.write_text(stack_text(n, chain))
        provider = OpenStackProvider(Binding("bench", "bench", "atonix-sim", "bench"))
        registry = Registry.from_providers([HeatProvider(), provider], plugins=False)
        template = load_template(path)
        params = bind_parameters(
            template, {}, stack_name="b", stack_id="b", project_id="", region="RegionOne"
        )
        store = open_store(f"sqlite:///{work}/state-{n}-{chain}.db")
        key = StackKey("bench", "bench", "b")
        identity: Any = ResourceIdentity("bench", "bench", "b", "")
        steps = [("apply", PlanMode.NORMAL)] + ([("destroy", PlanMode.DESTROY)] if destroy else [])
        for step, mode in steps:
            plan = make_plan(template, params, store.load(key), registry, mode=mode)
            with _Measured(log) as measured:
                result = apply_plan(
                    plan,
                    template,
                    params,
                    store,
                    registry,
                    identity_base=identity,
                    parallelism=parallelism,
                )
            done = result.deleted if mode is PlanMode.DESTROY else result.created
            if len(done) != 2 * n + 2:  # servers, ports, the network and its subnet
                raise SystemExit(f"{step} of N={n} touched {len(done)} resources, not {2 * n + 2}")
            results.append((step, measured.result(bound)))
        store.close()
        provider.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--parallelism", type=int, default=50)
    parser.add_argument("--delay", type=float, default=1.0)
    parser.add_argument("--chain", type=int, default=10, help="servers in the chain run")
    parser.add_argument(
        "--in-process", action="store_true", help="run the simulator in this process"
    )
    parser.add_argument(
        "--requests", action="store_true", help="also print the requests by kind, per server"
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=1,
        help="applies per size (a fresh simulator each); >1 adds a median line",
    )
    parser.add_argument(
        "--destroy", action="store_true", help="also destroy each stack and time that"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        runs = [(n, False) for n in args.sizes] + ([(args.chain, True)] if args.chain else [])
        for n, chain in runs:
            shape = "chain" if chain else "independent"
            got_all: dict[str, list[Result]] = {}
            for attempt in range(args.runs):
                steps = run(
                    n,
                    args.parallelism,
                    args.delay,
                    chain,
                    work / str(attempt),
                    args.in_process,
                    args.destroy,
                )
                for step, got in steps:
                    got_all.setdefault(step, []).append(got)
                    _print_run(_label(shape, step), n, args, got)
            if args.runs > 1:
                for step, results in got_all.items():
                    _print_median(_label(shape, step), n, results)


def _label(shape: str, step: str) -> str:
    """An apply's line is named by its shape (as before ``--destroy``), a destroy's by both."""
    return shape if step == "apply" else f"{shape} {step}"


def _print_run(label: str, n: int, args: argparse.Namespace, got: Result) -> None:
    total = sum(got.requests.values())
    print(
        f"{label:<19} N={n:<5} P={args.parallelism:<3} L={args.delay:g}s  "
        f"wall {got.wall:7.2f}s  bound {got.bound:7.2f}s  "
        f"ratio {got.wall / got.bound:5.2f}  cpu {got.cpu:6.2f}s  "
        f"cpu/server {1000 * got.cpu / n:5.1f}ms  sim cpu {got.sim_cpu:6.2f}s  "
        f"requests/server {total / n:4.2f}  "
        f"sys {got.system:5.2f}s  switches/server {got.switches / n:5.1f}",
        flush=True,
    )
    if args.requests:
        for kind, count in got.requests.most_common():
            print(f"    {count / n:6.2f}  {kind}")


def _print_median(label: str, n: int, results: list[Result]) -> None:
    ratios = [g.wall / g.bound for g in results]
    per_server = [1000 * g.cpu / n for g in results]
    print(
        f"{label:<19} N={n:<5} median of {len(results)}: "
        f"ratio {statistics.median(ratios):5.2f} "
        f"({min(ratios):.2f}-{max(ratios):.2f})  "
        f"cpu/server {statistics.median(per_server):5.1f}ms "
        f"({min(per_server):.1f}-{max(per_server):.1f})",
        flush=True,
    )


if __name__ == "__main__":
    main()
