"""The user_data a server boots with, built as Heat's nova client plugin builds it.

- RAW: the user_data as given (a software config's id is replaced by the config's content).
- SOFTWARE_CONFIG: Heat's cloud-init boot parts (cloud-config, boothook, part-handler), then
  the user_data (its parts, if it is itself multipart/mixed, else one plain part), then the
  server's metadata (``deployments`` and ``os-collect-config``) as ``cfn-init-data``.
- HEAT_CFNTOOLS (Heat's default): the boot parts, the user_data as ``cfn-userdata``
  (x-cfninitdata) and ``loguserdata.py``. Heat adds the cfn metadata server URL and a boto
  config for heat-cfntools; there is no cfn API here, so those two parts are left out.

The cloud-init files are Heat's own (``heat_cloudinit.json``, copied from heat/cloudinit/).
"""

from __future__ import annotations

import functools
import json
import os
import string
from collections.abc import Mapping
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from importlib import resources
from typing import Any, Final

from atonix_iac.providers.base import ResourceIdentity
from atonix_iac.providers.collect_config import collect_config
from atonix_iac.providers.mime import is_uuid_like, split_multipart

RAW: Final = "RAW"
SOFTWARE_CONFIG: Final = "SOFTWARE_CONFIG"
HEAT_CFNTOOLS: Final = "HEAT_CFNTOOLS"
DEFAULT_FORMAT: Final = HEAT_CFNTOOLS  # Heat's default_user_data_format


@functools.cache
def cloudinit_file(name: str) -> str:
    data = resources.files(__package__).joinpath("heat_cloudinit.json").read_text("utf-8")
    return str(json.loads(data)[name])


def user_data_content(user_data: Any, user_data_format: str, identity: ResourceIdentity) -> str:
    """The text behind the user_data property: a software config's content when the value is
    a config id (RAW and SOFTWARE_CONFIG, as Heat's get_software_config), else the value."""
    text = "" if user_data is None else str(user_data)
    if user_data_format in (RAW, SOFTWARE_CONFIG) and is_uuid_like(text):
        lookup = identity.software_configs
        record = lookup(text) if lookup is not None else None
        if record is not None:
            config = record.get("config")
            if isinstance(config, str):
                return config
            return json.dumps(config) if config is not None else ""
    return text


def _subpart(content: str | None, filename: str | None, subtype: str | None = None) -> Message:
    """nova.py's make_subpart: always an attachment, even with an empty filename."""
    if subtype is None:
        subtype = os.path.splitext(filename or "")[0]
    body = content or ""
    try:
        body.encode("us-ascii")
        charset = "us-ascii"
    except UnicodeEncodeError:
        charset = "utf-8"
    msg = (
        MIMEText(body, _subtype=subtype, _charset=charset)
        if subtype
        else MIMEText(body, _charset=charset)
    )
    msg.add_header("Content-Disposition", "attachment", filename=filename)
    return msg


def build_user_data(
    user_data_format: str | None,
    content: str,
    metadata: Mapping[str, Any] | None = None,
) -> str:
    """What Nova receives (before base64) for this format and user_data content."""
    chosen = user_data_format or DEFAULT_FORMAT
    if chosen == RAW:
        return content
    boot = [
        (
            string.Template(cloudinit_file("config")).safe_substitute(add_custom_user=""),
            "cloud-config",
            None,
        ),
        (
            string.Template(cloudinit_file("boothook.sh")).safe_substitute(add_custom_user=""),
            "boothook.sh",
            "cloud-boothook",
        ),
        (cloudinit_file("part_handler.py"), "part-handler.py", None),
    ]
    attachments: list[tuple[str | None, str | None, str | None]] = list(boot)
    if chosen == HEAT_CFNTOOLS:
        attachments.append((content, "cfn-userdata", "x-cfninitdata"))
        attachments.append((cloudinit_file("loguserdata.py"), "loguserdata.py", "x-shellscript"))
    else:
        parts = split_multipart(content) if content else None
        if parts is not None:
            attachments.extend((p.content, p.filename or None, p.subtype) for p in parts)
        else:
            attachments.append((content, "", None))
    if metadata:
        attachments.append((json.dumps(metadata), "cfn-init-data", "x-cfninitdata"))
    subparts = [_subpart(*args) for args in attachments]
    return MIMEMultipart(_subparts=subparts).as_string()


def server_user_data(identity: ResourceIdentity, props: Mapping[str, Any]) -> str:
    """The user_data text to send for a server's properties (empty: send none)."""
    chosen = props.get("user_data_format") or DEFAULT_FORMAT
    content = user_data_content(props.get("user_data"), chosen, identity)
    if chosen == RAW:
        return content
    if chosen == SOFTWARE_CONFIG:
        metadata = {
            "deployments": [],
            "os-collect-config": collect_config(
                identity.stack, identity.address, props.get("software_config_transport")
            ),
        }
        return build_user_data(chosen, content, metadata)
    return _boot_user_data(chosen, content)


@functools.lru_cache(maxsize=256)
def _boot_user_data(user_data_format: str, content: str) -> str:
    """``build_user_data`` without metadata, kept: servers of one template mostly share their
    user_data, and building the MIME text costs ~0.7 ms of client CPU a server. (Servers built
    from the same text then share its MIME boundary, which any text may.)"""
    return build_user_data(user_data_format, content)
