"""A token's kept expiry answers ``will_expire_soon`` as keystoneauth's own parse does."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from keystoneauth1 import access

from atonix_iac.providers.openstack import _ks_expiry


def _v3(expires_at: str | None) -> Any:
    token: dict[str, Any] = {"methods": ["password"], "user": {"id": "u", "name": "u"}}
    if expires_at is not None:
        token["expires_at"] = expires_at
    return access.create(body={"token": token}, auth_token="t")


def _v2(expires: str) -> Any:
    return access.create(body={"access": {"token": {"id": "t", "expires": expires}}})


def _stamp(delta_s: float, fmt: str) -> str:
    moment = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=delta_s)
    if fmt == "z":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if fmt == "offset":  # the same moment written in +02:00
        local = moment.astimezone(datetime.timezone(datetime.timedelta(hours=2)))
        return local.isoformat()
    return moment.replace(tzinfo=None).isoformat()  # no zone: taken as UTC


@pytest.mark.parametrize("fmt", ["z", "offset", "naive"])
@pytest.mark.parametrize("delta_s", [-3600, -5, 10, 25, 45, 120, 86400])
def test_the_kept_expiry_answers_as_keystoneauth(fmt: str, delta_s: float) -> None:
    assert _ks_expiry.install()
    original = _ks_expiry.original_will_expire_soon()
    assert original is not None
    for info in (_v3(_stamp(delta_s, fmt)), _v2(_stamp(delta_s, fmt))):
        for stale in (0, 30, 60, 300):
            for _ in range(2):  # the second call reads the kept value
                assert info.will_expire_soon(stale) == original(info, stale), (delta_s, stale)
        assert info.will_expire_soon() == original(info)


def test_a_token_without_expiry_fails_as_keystoneauth_fails() -> None:
    assert _ks_expiry.install()
    original = _ks_expiry.original_will_expire_soon()
    assert original is not None
    info = _v3(None)
    with pytest.raises(KeyError):
        original(info)
    with pytest.raises(KeyError):
        info.will_expire_soon()


def test_a_new_token_body_is_read_again() -> None:
    assert _ks_expiry.install()
    info = _v3(_stamp(3600, "z"))
    assert info.will_expire_soon() is False
    info._data = {"token": {**info._data["token"], "expires_at": _stamp(5, "z")}}
    assert info.will_expire_soon() is True


def test_install_is_idempotent() -> None:
    assert _ks_expiry.install()
    patched = access.AccessInfo.__dict__["will_expire_soon"]
    assert _ks_expiry.install()
    assert access.AccessInfo.__dict__["will_expire_soon"] is patched
