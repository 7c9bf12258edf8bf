"""Which cloud answers are worth asking again: the classification apply's retries rest on."""

from __future__ import annotations

import pytest
from keystoneauth1 import exceptions as ks_exceptions
from openstack import exceptions as os_exceptions

from atonix_iac.errors import ProviderError, TransientProviderError
from atonix_iac.providers.openstack._errors import is_transient, sdk_errors


def _http(status: int, details: str) -> os_exceptions.HttpException:
    return os_exceptions.HttpException(message="boom", details=details, http_status=status)


@pytest.mark.parametrize(
    ("status", "details"),
    [
        (500, "Internal Server Error"),
        (502, "Bad Gateway"),
        (503, "Service Unavailable"),
        (504, "Gateway Timeout"),
        (429, "Too Many Requests"),
        (409, "Port 1234 is still in use."),
        (409, "Cannot 'delete' instance while it is in task_state resize_migrating"),
        (409, "Volume 42 is attaching; retry later"),
    ],
)
def test_busy_and_server_side_failures_are_transient(status: int, details: str) -> None:
    assert is_transient(_http(status, details))
    with pytest.raises(TransientProviderError, match=f"HTTP {status}"), sdk_errors("doing"):
        raise _http(status, details)


@pytest.mark.parametrize(
    ("status", "details"),
    [
        (400, "Invalid input for operation"),
        (403, "Quota exceeded for cores: Requested 4, but already used 8 of 8 cores"),
        (404, "Network could not be found"),
        (409, "Quota exceeded for resources: ['network']."),
        (409, "Security group rule already exists. Rule id is 77."),
        (409, "Invalid input: 10.0.0.0/24 overlaps with another subnet"),
        (409, "Volume 42 is already attached to server 7"),
        (400, "Router 9 already has a port on subnet 3"),
    ],
)
def test_refusals_fail_at_once(status: int, details: str) -> None:
    assert not is_transient(_http(status, details))
    with pytest.raises(ProviderError) as info, sdk_errors("doing"):
        raise _http(status, details)
    assert not isinstance(info.value, TransientProviderError)
    assert details in info.value.message


def test_dropped_and_timed_out_connections_are_transient() -> None:
    assert is_transient(ks_exceptions.ConnectFailure("Connection reset by peer"))
    assert is_transient(ks_exceptions.ConnectTimeout("Request to http://x timed out"))
