"""Render the services' configuration files and gunicorn entry modules into the state dir."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path
from string import Template

from . import bind9
from .backing import db_url, rabbit_url
from .layout import DEVCLOUD_DIR, HOST, PORTS, REGION, Layout

TEMPLATES = DEVCLOUD_DIR / "templates"

# service -> (config file names, the keystone user its middleware authenticates as)
CONFIG_FILES: dict[str, tuple[tuple[str, ...], str]] = {
    "keystone": (("keystone.conf",), ""),
    "placement": (("placement.conf",), "placement"),
    "glance": (("glance-api.conf",), "glance"),
    "neutron": (("neutron.conf", "ml2_conf.ini"), "neutron"),
    "nova": (("nova.conf",), "nova"),
    "cinder": (("cinder.conf",), "cinder"),
    "barbican": (("barbican.conf",), "barbican"),
    "octavia": (("octavia.conf",), "octavia"),
    "designate": (("designate.conf",), "designate"),
    "manila": (("manila.conf",), "manila"),
    # Swift's servers each read one file (and swift.conf from swift_dir): see services.py.
    "swift": (
        (
            "swift.conf",
            "proxy-server.conf",
            "account-server.conf",
            "container-server.conf",
            "object-server.conf",
        ),
        "swift",
    ),
}

# Paste files rendered next to a service's config but never handed to oslo.config.
PASTE_TEMPLATES: dict[str, str] = {"barbican": "barbican-api-paste.ini"}

# Other files rendered (placeholders filled) next to a service's config: Designate's pools and
# the config of the named and rndc it drives.
EXTRA_TEMPLATES: dict[str, tuple[str, ...]] = {
    "designate": ("pools.yaml", "named.conf", "rndc.conf"),
}


# Files a WSGI entry point must find first in its config dir (Nova loads its paste pipeline
# from the first file of OS_NOVA_CONFIG_FILES), copied from the venv's etc/.
PASTE_FIRST: dict[str, str] = {"nova": "api-paste.ini", "designate": "api-paste.ini"}


def config_paths(layout: Layout, service: str) -> list[Path]:
    names, _ = CONFIG_FILES[service]
    return [layout.etc / service / name for name in names]


def _values(layout: Layout, secrets: dict[str, str]) -> dict[str, str]:
    values = {
        "host": HOST,
        "region": REGION,
        "venv": str(layout.venv),
        "data": str(layout.data),
        "keystone_url": f"http://{HOST}:{PORTS['keystone']}",
        "transport_url": rabbit_url(secrets["rabbit"]),
        "service_password": secrets["service"],
        "port_glance": str(PORTS["glance"]),
        "port_neutron": str(PORTS["neutron"]),
        "port_nova": str(PORTS["nova-api"]),
        "port_cinder": str(PORTS["cinder-api"]),
        "port_barbican": str(PORTS["barbican"]),
        "port_swift": str(PORTS["swift-proxy-server"]),
        "port_manila": str(PORTS["manila-api"]),
        "swift_dir": str(layout.etc / "swift"),
        "swift_hash": secrets["swift-hash"],
        # simple_crypto's master key: 32 bytes, base64 (the secret is 32 hex characters).
        "barbican_kek": base64.b64encode(secrets["barbican-kek"].encode()).decode(),
        "port_designate": str(PORTS["designate-api"]),
        "port_mdns": str(PORTS["designate-mdns"]),
        "port_named": str(PORTS["named"]),
        "port_rndc": str(PORTS["named-rndc"]),
        "bind_dir": str(bind9.data_dir(layout)),
        "rndc_conf": str(layout.etc / "designate" / "rndc.conf"),
        "rndc_path": bind9.program("rndc") or "rndc",
        # named's HMAC key for rndc: base64 (the secret is 32 hex characters).
        "rndc_secret": base64.b64encode(secrets["rndc-key"].encode()).decode(),
    }
    for short in ("placement", "glance", "neutron", "nova_api", "nova", "cinder", "barbican"):
        values[f"db_{short}"] = db_url(short, secrets["db"])
    values["port_octavia"] = str(PORTS["octavia-api"])
    values["db_octavia"] = db_url("octavia", secrets["db"])
    values["octavia_ca_dir"] = str(octavia_ca_dir(layout))
    values["db_designate"] = db_url("designate", secrets["db"])
    values["db_manila"] = db_url("manila", secrets["db"])
    return values


def octavia_ca_dir(layout: Layout) -> Path:
    """Octavia signs a certificate for every amphora it would boot: a CA of the state dir's."""
    return layout.etc / "octavia" / "ca"


def write_all(layout: Layout, secrets: dict[str, str]) -> None:
    values = _values(layout, secrets)
    authtoken = Template((TEMPLATES / "_authtoken.conf").read_text())
    for service, (names, service_user) in CONFIG_FILES.items():
        own = dict(values, service_user=service_user)
        own["authtoken"] = authtoken.substitute(own) if service_user else ""
        target_dir = layout.etc / service
        target_dir.mkdir(parents=True, exist_ok=True)
        for name in names:
            text = Template((TEMPLATES / name).read_text()).substitute(own)
            target = target_dir / name
            target.touch(mode=0o600)
            target.write_text(text)
    for service, paste in PASTE_TEMPLATES.items():
        (layout.etc / service / paste).write_text((TEMPLATES / paste).read_text())
    for service, extra in EXTRA_TEMPLATES.items():
        for name in extra:
            target = layout.etc / service / name
            target.touch(mode=0o600)
            target.write_text(Template((TEMPLATES / name).read_text()).substitute(values))
    for service, paste in PASTE_FIRST.items():
        shutil.copyfile(layout.venv / "etc" / service / paste, layout.etc / service / paste)
    for sub in (
        "keystone",
        "glance/images",
        "glance/staging",
        "glance/tasks",
        "glance/cache",
        "neutron/locks",
        "nova/instances",
        "nova/locks",
        "cinder/locks",
        "glance/locks",
        "swift/node/d1",
        "bind",
        "designate/locks",
        "manila/locks",
    ):
        (layout.data / sub).mkdir(parents=True, exist_ok=True)


def write_entry_module(layout: Layout, service: str, module: str) -> str:
    """A module gunicorn imports instead of the service's own WSGI module.

    oslo.config parses ``sys.argv`` at import time and chokes on gunicorn's flags, so the entry
    module replaces ``sys.argv`` with the service's config files before importing the app.
    Returns the module name.
    """
    argv = [f"{service}-wsgi"]
    for path in config_paths(layout, service):
        argv += ["--config-file", str(path)]
    names = [path.name for path in config_paths(layout, service)]
    if service in PASTE_FIRST:
        names.insert(0, PASTE_FIRST[service])
    env_prefix = f"OS_{service.upper()}_CONFIG"
    name = f"atonix_devcloud_{service}_wsgi"
    body = (
        '"""Generated by devcloud: gunicorn entry point with oslo.config-safe argv."""\n'
        "import os\n"
        "import sys\n\n"
        f"sys.argv = {argv!r}\n"
        f"os.environ[{env_prefix + '_DIR'!r}] = {str(layout.etc / service)!r}\n"
        f"os.environ[{env_prefix + '_FILES'!r}] = {';'.join(names)!r}\n"
        + _app_import(layout, service, module)
    )
    (layout.entry / f"{name}.py").write_text(body)
    return name


def _app_import(layout: Layout, service: str, module: str) -> str:
    if service != "barbican":
        return f"from {module} import application  # noqa: E402\n"
    # Barbican parses no command line: the API and each plugin module parse a configuration
    # of their own from oslo.config's default files only (so the simple_crypto KEK would be
    # missing), and its paste pipeline comes from /etc/barbican. oslo.config also searches
    # $SNAP_COMMON/etc/barbican/, which is our etc/barbican/; the paste file is loaded by path.
    paste = layout.etc / service / PASTE_TEMPLATES[service]
    return (
        f"os.environ['SNAP_COMMON'] = {str(layout.state)!r}\n"
        "from barbican.common import config as _config  # noqa: E402\n"
        "_config.parse_args(_config.CONF, args=sys.argv[1:])\n"
        "from paste import deploy  # noqa: E402\n"
        f"application = deploy.loadapp({'config:' + str(paste)!r})\n"
    )
