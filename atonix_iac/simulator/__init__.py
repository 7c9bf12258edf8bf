"""OpenStack API simulator: Keystone, Nova, Neutron, Cinder and Glance over HTTP.

A standalone WSGI app plus a threaded server that unmodified openstacksdk can talk to, with
JSON persistence, quotas, time-based provisioning, fault injection and a request log.
It imports nothing else from ``atonix_iac``.
"""

from .app import SimApp
from .cli import main, serve
from .config import DELAY_KINDS, FaultRule, LifecycleRule, SimConfig
from .faults import RequestRecord
from .server import CLOUD_NAME, SimulatorServer

__all__ = [
    "CLOUD_NAME",
    "DELAY_KINDS",
    "FaultRule",
    "LifecycleRule",
    "RequestRecord",
    "SimApp",
    "SimConfig",
    "SimulatorServer",
    "main",
    "serve",
]
