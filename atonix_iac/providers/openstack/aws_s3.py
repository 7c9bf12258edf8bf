"""``AWS::S3::Bucket`` on Swift, as Heat's ``heat/engine/resources/aws/s3/s3.py`` builds it: an
``OS::Swift::Container`` named by the stack whose ACL headers come from AccessControl, Tags
become ``X-Container-Meta-S3-Tag-<Key>`` and a WebsiteConfiguration the staticweb headers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from atonix_iac.providers.openstack.aws_mapped import MappedResource
from atonix_iac.providers.openstack.object_store import SwiftContainer


class Bucket(MappedResource):
    type_name = "AWS::S3::Bucket"
    native_class = SwiftContainer

    def _user(self) -> tuple[str, str]:
        auth = getattr(self.conn.config, "auth", None) or {}
        return str(auth.get("project_name") or ""), str(auth.get("username") or "")

    def translate(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        tags = properties.get("Tags")
        meta: dict[str, Any] = {
            f"S3-Tag-{tag['Key']}": tag.get("Value", "")
            for tag in (tags if isinstance(tags, list) else [])
            if isinstance(tag, Mapping) and tag.get("Key") is not None
        }
        site = properties.get("WebsiteConfiguration")
        if isinstance(site, Mapping):
            meta["Web-Index"] = site.get("IndexDocument")
            meta["Web-Error"] = site.get("ErrorDocument")
        native: dict[str, Any] = {"X-Container-Meta": meta}
        acl = properties.get("AccessControl")
        if acl in ("PublicRead", "PublicReadWrite"):
            native["X-Container-Read"] = ".r:*"
        if acl == "PublicReadWrite":
            native["X-Container-Write"] = ".r:*"
        if acl not in ("PublicRead", "PublicReadWrite"):
            project, user = self._user()
            owner = f"{project}:{user}"
            native["X-Container-Read"] = project if acl == "AuthenticatedRead" else owner
            native["X-Container-Write"] = owner
        elif acl == "PublicRead":
            project, user = self._user()
            native["X-Container-Write"] = f"{project}:{user}"
        return native

    def check(self, properties: Mapping[str, Any]) -> list[Any]:
        return []

    def map_attributes(
        self, native: Mapping[str, Any], properties: Mapping[str, Any]
    ) -> dict[str, Any]:
        return {
            "DomainName": native.get("DomainName"),
            "WebsiteURL": native.get("WebsiteURL"),
            "show": native.get("show", {}),
        }


TYPES = (Bucket,)
