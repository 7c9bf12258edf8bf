"""The dev cloud's own venv, built from the pinned requirements plus the agentless ML2 driver
and the Octavia VIP network driver.

A stamp file holds a digest of everything that decides the venv's contents; when it matches,
install is a no-op, so warm runs on the same machine skip pip entirely.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from .layout import DEVCLOUD_DIR, Layout, host_python
from .procs import DevcloudError

REQUIREMENTS = DEVCLOUD_DIR / "requirements.txt"
DRIVER_DIR = DEVCLOUD_DIR / "agentless_ml2"
OCTAVIA_VIP_DIR = DEVCLOUD_DIR / "octavia_vip"


def _digest(python: str) -> str:
    digest = hashlib.sha256()
    version = subprocess.run(
        [python, "-c", "import sys; print(sys.version)"], capture_output=True, text=True, check=True
    ).stdout
    digest.update(version.encode())
    digest.update(REQUIREMENTS.read_bytes())
    sources = [DRIVER_DIR / "pyproject.toml", *sorted(DRIVER_DIR.glob("atonix_agentless_ml2/*.py"))]
    sources += [
        OCTAVIA_VIP_DIR / "pyproject.toml",
        *sorted(OCTAVIA_VIP_DIR.glob("atonix_octavia_vip/*.py")),
    ]
    for path in sources:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def is_current(layout: Layout) -> bool:
    stamp = layout.venv / ".atonix-devcloud-stamp"
    return (
        layout.python.exists()
        and stamp.exists()
        and stamp.read_text().strip() == _digest(host_python())
    )


def ensure_venv(layout: Layout) -> bool:
    """Build or update the venv if needed; True if pip ran."""
    python = host_python()
    wanted = _digest(python)
    stamp = layout.venv / ".atonix-devcloud-stamp"
    if layout.python.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        return False
    stamp.unlink(missing_ok=True)
    layout.home.mkdir(parents=True, exist_ok=True)
    log = layout.home / "install.log"
    log.write_text("")
    if not layout.python.exists():
        shutil.rmtree(layout.venv, ignore_errors=True)
        _run([python, "-m", "venv", str(layout.venv)], "creating the venv", log)
    pip = [str(layout.python), "-m", "pip", "install", "--disable-pip-version-check"]
    _run([*pip, "--upgrade", "pip==26.3"], "upgrading pip in the venv", log)
    _run([*pip, "-r", str(REQUIREMENTS)], "installing the OpenStack services", log)
    _run([*pip, "--no-deps", str(DRIVER_DIR)], "installing the agentless ML2 driver", log)
    _run([*pip, "--no-deps", str(OCTAVIA_VIP_DIR)], "installing the Octavia VIP driver", log)
    stamp.write_text(wanted + "\n")
    return True


def _run(argv: list[str], what: str, log: Path) -> None:
    print(f"  {what} (log: {log}) ...", flush=True)
    with open(log, "ab") as out:
        result = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
        raise DevcloudError(f"{what} failed (exit {result.returncode}); last lines:\n{tail}")
