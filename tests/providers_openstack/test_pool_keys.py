"""The adapter that keeps connection-pool keys per origin answers as requests' own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from keystoneauth1 import session as ks_session

from atonix_iac.providers.openstack.connect import _origin, _OriginKeyedAdapter, widen_http_pool

URLS = [
    "http://127.0.0.1:5000/identity/v3",
    "http://127.0.0.1:5000/compute/v2.1/servers?status=BUILD",
    "https://cloud.example.org/v2.1/servers/abc",
    "https://cloud.example.org:13774",
    "https://user:pw@cloud.example.org:8443/x#frag",
    "https://cloud.example.org?x=1",
]


@pytest.mark.parametrize("url", URLS)
def test_pool_keys_are_requests_own(tmp_path: Path, url: str) -> None:
    bundle_dir = tmp_path / "cas"
    bundle_dir.mkdir()
    bundle_file = tmp_path / "ca.pem"
    bundle_file.write_text("")
    plain, keyed = ks_session.TCPKeepAliveAdapter(), _OriginKeyedAdapter()
    request = requests.Request("GET", url).prepare()
    settings: list[tuple[Any, Any]] = [
        (True, None),
        (False, None),
        (str(bundle_dir), None),
        (str(bundle_file), ("c.pem", "k.pem")),
        (str(bundle_file), "both.pem"),
    ]
    for _ in range(2):  # the second round reads what the first kept
        for verify, cert in settings:
            expected = plain.build_connection_pool_key_attributes(request, verify, cert)
            got = keyed.build_connection_pool_key_attributes(request, verify, cert)
            assert got == expected, (verify, cert)
            got[1]["mutated"] = True  # a caller's change does not reach the kept answer
            again = keyed.build_connection_pool_key_attributes(request, verify, cert)
            assert again == expected


def test_origins() -> None:
    assert _origin("https://h:1/a/b?c#d") == "https://h:1"
    assert _origin("https://h?x=1") == "https://h"
    assert _origin("https://h#f") == "https://h"
    assert _origin("https://h") == "https://h"
    assert _origin("not a url") == "not a url"


def test_the_widened_pool_uses_the_keyed_adapter() -> None:
    session = ks_session.Session()
    widen_http_pool(session)
    adapters = {type(a) for a in session.session.adapters.values()}
    assert adapters == {_OriginKeyedAdapter}
