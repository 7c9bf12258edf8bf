"""How the soak harness counts: which objects are a trial's, orphans against state, duplicates
per address, relations (router ports, attachments). Pure functions over inventories."""

from __future__ import annotations

import signal
import sys

from soak import Report, Run, Trial
from soak_cloud import (
    CloudObject,
    Inventory,
    Processes,
    Relation,
    StateView,
    duplicates,
    leftovers,
    orphans,
    trial_objects,
    write_faults,
)


def _obj(kind: str, oid: str, name: str = "", env: str | None = "ak1", **kw: str) -> CloudObject:
    tags = {"environment": env, "address": f"x.{kind}"} if env else {}
    return CloudObject(kind, oid, name, tags, kw.get("port_id"))


def _inventory(*objects: CloudObject, relations: tuple[Relation, ...] = ()) -> Inventory:
    return Inventory({o.id: o for o in objects}, set(relations))


STATE = {
    "resources": [
        {"address": "network.net", "type": "OS::Neutron::Net", "physical_id": "net1"},
        {"address": "network.router", "type": "OS::Neutron::Router", "physical_id": "r1"},
        {
            "address": "network.router_interface",
            "type": "OS::Neutron::RouterInterface",
            "physical_id": "r1:subnet_id=s1",
        },
        {"address": "web1.volume", "type": "OS::Cinder::Volume", "physical_id": "v1"},
        {
            "address": "web1.attachment",
            "type": "OS::Cinder::VolumeAttachment",
            "physical_id": "v1",
            "properties": {"volume_id": "v1", "instance_uuid": "srv1"},
        },
        {"address": "web1.server", "type": "OS::Nova::Server", "physical_id": None},
    ]
}


def test_state_view_reads_ids_and_relation_keys() -> None:
    view = StateView.parse(STATE)
    assert view.ids == {"net1", "r1", "r1:subnet_id=s1", "v1"}
    assert view.relations == {
        ("router_interface", ("r1", "s1")),
        ("volume_attachment", ("v1", "srv1")),
    }
    assert len(view.statuses) == 6


def test_only_the_trials_new_objects_count() -> None:
    old = _obj("network", "old", "web-net")
    base = _inventory(old, _obj("router", "other-test", "their-router", env=None))
    now = _inventory(
        old,
        _obj("router", "other-test", "their-router", env=None),
        _obj("network", "net1", "web-net"),
        _obj("network", "net9", "web-net", env="ak2"),  # another trial's environment
        _obj("port", "p1", "web-1-port", env=None),  # created, killed before tagging
        _obj("port", "p9", "somebody-elses", env=None),
        _obj("floating_ip", "f1", env=None, port_id="p1"),
        relations=(Relation("router_interface", ("other-test", "s9"), "rp9"),),
    )
    objects, relations = trial_objects(base, now, "ak1")
    assert sorted(o.id for o in objects) == ["f1", "net1", "p1"]
    assert relations == []


def test_orphans_duplicates_and_relations() -> None:
    state = StateView.parse(STATE)
    objects = [
        _obj("network", "net1", "web-net"),
        _obj("network", "net2", "web-net"),  # a second create of one address
        _obj("router", "r1", "web-router"),
        _obj("volume", "v1", "web-1-data"),
    ]
    relations = [
        Relation("router_interface", ("r1", "s1"), "rp1"),
        Relation("router_interface", ("r1", "s1"), "rp2"),  # the same interface twice
        Relation("volume_attachment", ("v1", "srv1"), "a1"),
        Relation("volume_attachment", ("v1", "srv2"), "a2"),  # attached to another server too
    ]
    found = orphans(objects, relations, state)
    assert found == [
        "network web-net net2 [x.network]",
        "volume_attachment v1->srv2 (a2)",
    ]
    dups = duplicates(objects, relations)
    assert dups[0].startswith("2 x network web-net: ")
    assert dups[1:] == ["2 x router_interface r1 on subnet s1", "volume v1 attached 2 times"]
    assert len(leftovers(objects, relations)) == 8


def test_fault_mix_is_about_the_rate_asked_for() -> None:
    rules = write_faults(0.10)
    per_request = [r for r in rules if r["service"] == "compute" and r["method"] == "POST"]
    miss = 1.0
    for rule in per_request:
        miss *= 1 - rule["error_rate"]
    assert abs((1 - miss) - 0.10) < 1e-3
    assert {(r.get("when"), r.get("action", "error")) for r in per_request} == {
        ("before", "error"),
        ("after", "error"),
        ("before", "reset"),
        ("after", "reset"),
    }
    assert {r["service"] for r in rules} == {"compute", "network", "block-storage"}
    assert "GET" not in {r["method"] for r in rules}


def test_stop_all_ends_every_started_process() -> None:
    procs = Processes()
    started = [procs.start([sys.executable, "-c", "import time; time.sleep(60)"]) for _ in "ab"]
    ignoring = procs.start(
        [
            sys.executable,
            "-c",
            f"import signal, time; signal.signal({signal.SIGTERM}, "
            "signal.SIG_IGN); print('ready', flush=True); time.sleep(60)",
        ],
        stdout=-1,
    )
    assert ignoring.stdout is not None and ignoring.stdout.readline().strip() == "ready"
    procs.stop_all(grace_s=0.5)
    assert all(p.poll() is not None for p in [*started, ignoring])


def test_report_counts_and_json() -> None:
    clean = Trial("faults", 1, "fl1", "p1", same_run=True, converged=True)
    clean.runs["apply"] = Run(("apply",), 0)
    locked = Trial("apply-kill", 1, "ak1", "p2", kill_at=1.0, kill_landed=True)
    locked.runs["rerun"] = Run(("apply",), 1, stderr="error: state of x is locked by y")
    locked.left = ["server web-1 s1", "network web-net n1"]
    locked.unlock_needed = locked.runs["rerun"].lock_error
    report = Report(trials=[clean, locked])
    summary = report.summary()
    assert summary["faults"].clean and not summary["apply-kill"].clean
    assert (summary["apply-kill"].left, summary["apply-kill"].manual_unlocks) == (2, 1)
    assert summary["apply-kill"].non_converged == 1 and not report.clean
    document = report.to_dict()
    assert [t["clean"] for t in document["trials"]] == [True, False]
    assert document["trials"][1]["exit_codes"] == {"rerun": 1}
    assert "apply-kill" in report.explain() and "left after destroy: server web-1" in (
        report.explain()
    )
