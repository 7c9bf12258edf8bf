"""Every openstacksdk resource class that imports here, for the SDK-speedup parity tests."""

from __future__ import annotations

import functools
import importlib
import pkgutil

import openstack
from openstack import resource as os_resource


@functools.cache
def resource_classes() -> tuple[type, ...]:
    for info in pkgutil.walk_packages(openstack.__path__, "openstack."):
        skipped = (".tests", "__main__", ".cloud", "_proxy")
        if any(part in info.name for part in skipped):
            continue
        try:
            importlib.import_module(info.name)
        except Exception:  # noqa: BLE001 - optional modules of the SDK may not import here
            continue
    found: list[type] = []
    todo: list[type] = [os_resource.Resource]
    while todo:
        klass = todo.pop()
        found.append(klass)
        todo.extend(klass.__subclasses__())
    return tuple(found)
