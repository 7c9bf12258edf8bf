"""A token's expiry parsed once, not on every request.

Before every request keystoneauth asks its auth plugin whether the token is about to expire
(twice: for the request's headers, and through openstacksdk's cache-key prefix for the
project id), and ``AccessInfo.will_expire_soon`` parses the token's ISO 8601 expiry each
time and builds "now + the stale duration" from seven keyword arguments: ~1.5% of an apply's
client CPU. A token's expiry does not change (a new token brings a new ``AccessInfo``), so
the parsed, UTC-normalised value is kept on the object, keyed by the token body it was read
from; "now" is read on every call, as before.

``install()`` replaces the method on ``keystoneauth1.access.access.AccessInfo`` once per
process, only if it has the shape read here; otherwise keystoneauth runs as shipped.
``tests/providers_openstack/test_ks_expiry.py`` compares both.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from keystoneauth1 import _utils as ks_utils
from keystoneauth1.access import access

from atonix_iac.providers.openstack._method_patch import MethodPatch

_SLOT = "_atonix_expires"


def _kept(original: Callable[..., bool]) -> Callable[..., bool]:
    def will_expire_soon(self: Any, stale_duration: int = access.STALE_TOKEN_DURATION) -> bool:
        kept = self.__dict__.get(_SLOT)
        if kept is None or kept[0] is not self._data:
            raw = self.expires
            kept = (self._data, None if raw is None else ks_utils.normalize_time(raw))
            self.__dict__[_SLOT] = kept
        expires = kept[1]
        if expires is None:
            return False
        now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        return bool(expires < now + datetime.timedelta(seconds=stale_duration))

    return will_expire_soon


_PATCH = MethodPatch(access.AccessInfo, "will_expire_soon", ["self", "stale_duration"], _kept)


def install() -> bool:
    """Keep each token's parsed expiry; False if keystoneauth's shape is not the known one."""
    return _PATCH.install()


def original_will_expire_soon() -> Callable[..., Any] | None:
    """keystoneauth's own method (for tests), or None when not installed."""
    return _PATCH.original
