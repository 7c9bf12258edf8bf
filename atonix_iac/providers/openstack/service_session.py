"""A Keystone-authenticated HTTP session for calling an OpenStack-API service (the stack
service), made from the same credentials the provider uses: the binding's clouds.yaml entry,
else the ``OS_*`` variables (``OS_TOKEN`` too). Only the keystoneauth session leaves here."""

from __future__ import annotations

from typing import Any

import openstack
from openstack import exceptions as os_exceptions

from atonix_iac.errors import ProviderConfigError
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack.connect import CloudTarget, connect


def service_session(target: CloudTarget | None) -> Any:
    """A keystoneauth ``Session`` scoped as ``target`` (None: the ``OS_*`` variables)."""
    if target is not None:
        return connect(target).session
    try:
        conn: Any = openstack.connect()
    except os_exceptions.ConfigException as exc:
        raise ProviderConfigError(f"cannot authenticate from the OS_* variables: {exc}") from exc
    with sdk_errors("authenticating from the OS_* variables"):
        conn.session.get_project_id()
    return conn.session
