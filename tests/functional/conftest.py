"""The functional suite runs only against a real cloud: ``ATONIX_REALCLOUD_CLOUDS`` names the
clouds.yaml that ``devcloud/up`` wrote (clouds ``atonix-dev`` and ``atonix-staging``)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from realcloud import CLOUDS, CLOUDS_ENV, Cli, connect, copy_example, inventory  # noqa: E402


@pytest.fixture(scope="session")
def clouds_yaml() -> str:
    path = os.environ.get(CLOUDS_ENV)
    if not path:
        pytest.skip(f"{CLOUDS_ENV} is not set (run devcloud/up, point it at its clouds.yaml)")
    return path


@pytest.fixture
def sdk(clouds_yaml: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, object]]:
    """One plain SDK connection per environment, each as that project's own member user."""
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", clouds_yaml)
    monkeypatch.delenv("OS_CLOUD", raising=False)
    conns = {env: connect(cloud) for env, cloud in CLOUDS.items()}
    yield conns
    for conn in conns.values():
        conn.close()


@pytest.fixture
def web_tier(tmp_path: Path) -> Path:
    return copy_example(tmp_path)


@pytest.fixture
def cli(web_tier: Path, clouds_yaml: str) -> dict[str, Cli]:
    return {env: Cli(web_tier, env, clouds_yaml) for env in CLOUDS}


@pytest.fixture
def before(sdk: dict[str, object]) -> dict[str, dict[str, set[str]]]:
    """What each project held before the test: the test must leave exactly that behind."""
    return {env: inventory(conn) for env, conn in sdk.items()}
