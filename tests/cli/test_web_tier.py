"""The README's install-and-run command: ``examples/run.sh`` (quick start, then the web tier on
the simulator it starts and stops itself) with the installed ``atonix``."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from _cli_kit import ATONIX

ROOT = Path(__file__).resolve().parents[2]
WEB_TIER_TYPES = {
    "network.net": "OS::Neutron::Net",
    "network.subnet": "OS::Neutron::Subnet",
    "network.router": "OS::Neutron::Router",
    "network.router_interface": "OS::Neutron::RouterInterface",
    "network.security_group": "OS::Neutron::SecurityGroup",
    "web1.port": "OS::Neutron::Port",
    "web1.server": "OS::Nova::Server",
    "web1.floating_ip": "OS::Neutron::FloatingIP",
    "web1.volume": "OS::Cinder::Volume",
    "web1.attachment": "OS::Cinder::VolumeAttachment",
    "web2.port": "OS::Neutron::Port",
    "web2.server": "OS::Nova::Server",
    "web2.floating_ip": "OS::Neutron::FloatingIP",
}


@pytest.mark.slow
@pytest.mark.timeout(480)
def test_examples_run_sh_runs_both_examples_end_to_end() -> None:
    env = {**os.environ, "ATONIX": str(ATONIX)}
    env["PATH"] = f"{ATONIX.parent}{os.pathsep}{env.get('PATH', '')}"
    result = subprocess.run(
        ["bash", str(ROOT / "examples" / "run.sh")],
        capture_output=True,
        text=True,
        timeout=460,
        env=env,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "Quick start complete." in out and "Web tier complete." in out
    web = out[out.index("==> simulator on 127.0.0.1:") : out.index("Web tier complete.")]
    steps = re.findall(r"^==> atonix (\S+)", web, flags=re.MULTILINE)
    assert steps == ["validate", "plan", "apply", "plan", "output", "audit", "destroy"]

    planned = web[web.index("==> atonix plan") : web.index("==> atonix apply")]
    created = re.findall(r'\+ resource "(\S+)" "(\S+)"', planned)
    assert {address: kind for kind, address in created} == WEB_TIER_TYPES
    assert "Plan: 13 to add, 0 to change, 0 to destroy." in planned
    assert '+ external_gateway_info = {"network": "public"}' in planned
    assert '"port_range_min": 443' in planned
    assert "  instances 0/4 → 2/4\n" in planned and "  floating_ips 0/4 → 2/4\n" in planned

    replanned = web[
        web.index("==> atonix plan -detailed-exitcode") : web.index("==> atonix output")
    ]
    assert "No changes. Your infrastructure matches the configuration." in replanned
    assert "changed outside of atonix" not in replanned
    assert re.search(r'^web1_address = "\d+\.\d+\.\d+\.\d+"$', web, flags=re.MULTILINE)

    audit = web[web.index("==> atonix audit") : web.index("==> atonix destroy")]
    audit_lines = [line for line in audit.splitlines() if "demo/dev/stack (demo)" in line]
    assert len(audit_lines) == 13 and all(" create ok " in line for line in audit_lines)
    assert "Destroy complete! Resources: 13 destroyed." in web
