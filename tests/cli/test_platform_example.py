"""``examples/platform/run.sh``: a Kubernetes cluster, an HTTPS load balancer over two servers
with a Barbican-held certificate and a DNS name, a Swift container and a Manila share, applied,
planned again (no changes) and destroyed on the simulator it starts itself, with the installed
``atonix``."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from _cli_kit import ATONIX

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_TYPES = {
    "net": "OS::Neutron::Net",
    "subnet": "OS::Neutron::Subnet",
    "router": "OS::Neutron::Router",
    "router_interface": "OS::Neutron::RouterInterface",
    "web_security_group": "OS::Neutron::SecurityGroup",
    "web1": "OS::Nova::Server",
    "web2": "OS::Nova::Server",
    "tls_certificate": "OS::Barbican::Secret",
    "tls_private_key": "OS::Barbican::Secret",
    "tls": "OS::Barbican::CertificateContainer",
    "lb": "OS::Octavia::LoadBalancer",
    "https": "OS::Octavia::Listener",
    "pool": "OS::Octavia::Pool",
    "monitor": "OS::Octavia::HealthMonitor",
    "member1": "OS::Octavia::PoolMember",
    "member2": "OS::Octavia::PoolMember",
    "lb_floating_ip": "OS::Neutron::FloatingIP",
    "k8s_template": "OS::Magnum::ClusterTemplate",
    "k8s": "OS::Magnum::Cluster",
    "assets": "OS::Swift::Container",
    "shared": "OS::Manila::Share",
    "zone": "OS::Designate::Zone",
    "www": "OS::Designate::RecordSet",
}


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_platform_example_applies_converges_and_destroys() -> None:
    env = {**os.environ, "ATONIX": str(ATONIX), "ATONIX_PROGRESS_INTERVAL_S": "1"}
    env["PATH"] = f"{ATONIX.parent}{os.pathsep}{env.get('PATH', '')}"
    result = subprocess.run(
        ["bash", str(ROOT / "examples" / "platform" / "run.sh")],
        capture_output=True,
        text=True,
        timeout=280,
        env=env,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "Platform complete." in out
    steps = re.findall(r"^==> atonix (\S+)", out, flags=re.MULTILINE)
    assert steps == ["validate", "plan", "apply", "plan", "output", "audit", "destroy"]

    planned = out[out.index("==> atonix plan") : out.index("==> atonix apply")]
    created = re.findall(r'\+ resource "(\S+)" "(\S+)"', planned)
    assert {address: kind for kind, address in created} == PLATFORM_TYPES
    assert "Plan: 23 to add, 0 to change, 0 to destroy." in planned
    assert "  load_balancers 0/1 → 1/1\n" in planned and "  clusters 0/1 → 1/1\n" in planned
    assert "  share_gigabytes 0/20 → 10/20\n" in planned
    assert "BEGIN" not in out  # the certificate's key is a secret: never shown

    applied = out[out.index("==> atonix apply") : out.index("==> atonix plan -detailed")]
    # The 3 s cluster build is shown while it lasts, as every slow create is.
    assert re.search(r"^k8s: Still creating\.\.\. \[\d+s elapsed\]$", applied, re.MULTILINE)
    # Children written while the load balancer is PENDING_UPDATE meet Octavia's 409: retried.
    assert "is immutable and cannot be updated. (HTTP 409); attempt 2" in applied
    assert "Apply complete! Resources: 23 added, 0 changed, 0 destroyed." in applied

    replanned = out[
        out.index("==> atonix plan -detailed-exitcode") : out.index("==> atonix output")
    ]
    assert "No changes. Your infrastructure matches the configuration." in replanned
    assert "changed outside of atonix" not in replanned
    assert re.search(r'^kubernetes_api = "https://[\d.]+:6443"$', out, flags=re.MULTILINE)
    assert re.search(r'^url = "https://www\.platform\.example\.com"$', out, flags=re.MULTILINE)
    assert re.search(r'^https_address = "\d+\.\d+\.\d+\.\d+"$', out, flags=re.MULTILINE)
    assert "Destroy complete! Resources: 23 destroyed." in out
