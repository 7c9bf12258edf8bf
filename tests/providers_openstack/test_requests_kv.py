"""requests' key/value lists through the installed fast function are requests' own."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import pytest
import requests
from requests import models as requests_models
from requests import sessions as requests_sessions
from requests import utils as requests_utils
from requests.structures import CaseInsensitiveDict

from atonix_iac.providers.openstack import _requests_kv


class _Items(dict):  # type: ignore[type-arg]
    """A dict subclass with its own ``items``: not a plain mapping, so requests' own path."""

    def items(self) -> Any:
        return [("sub", "class")]


VALUES: list[Any] = [
    None,
    {},
    {"a": 1, "b": None},
    OrderedDict([("z", "1"), ("a", "2")]),
    CaseInsensitiveDict({"User-Agent": "x", "Accept": "application/json"}),
    [("k", "v"), ("k", "w")],
    (("t", 1),),
    _Items(x=1),
]


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_same_list_as_requests(value: Any) -> None:
    assert _requests_kv.install()
    fast = requests_sessions.to_key_val_list
    assert fast is not requests_utils.to_key_val_list
    assert requests_models.to_key_val_list is fast
    assert fast(value) == requests_utils.to_key_val_list(value)


@pytest.mark.parametrize("value", ["s", b"b", True, 3])
def test_same_refusal_as_requests(value: Any) -> None:
    assert _requests_kv.install()
    with pytest.raises(ValueError, match="2-tuples"):
        requests_sessions.to_key_val_list(value)


def test_a_prepared_request_is_the_same() -> None:
    session = requests.Session()
    session.headers["X-Session"] = "s"
    session.params = {"p": "1"}
    request = requests.Request(
        "POST",
        "http://127.0.0.1:5000/compute/v2.1/servers",
        headers=CaseInsensitiveDict({"X-Auth-Token": "t", "X-Session": None}),
        params=OrderedDict([("q", "2")]),
        data='{"server": {}}',
    )
    assert _requests_kv.install()
    fast = session.prepare_request(request)
    original = requests_sessions.to_key_val_list
    try:
        requests_sessions.to_key_val_list = requests_utils.to_key_val_list
        requests_models.to_key_val_list = requests_utils.to_key_val_list
        shipped = session.prepare_request(request)
    finally:
        requests_sessions.to_key_val_list = original
        requests_models.to_key_val_list = original
    assert (fast.method, fast.url, fast.body) == (shipped.method, shipped.url, shipped.body)
    assert dict(fast.headers) == dict(shipped.headers)
    assert "X-Session" not in fast.headers


def test_install_twice_keeps_one_function() -> None:
    assert _requests_kv.install()
    first = requests_sessions.to_key_val_list
    assert _requests_kv.install()
    assert requests_sessions.to_key_val_list is first
