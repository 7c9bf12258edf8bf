"""Octavia availability zones and availability zone profiles (admin types).

A zone has no id in Octavia: its name is its id, so a zone, unlike Heat's schema suggests,
cannot be renamed in place (Octavia refuses; the error says so). A profile is found again after
an interrupted create by its name, a zone by its name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from atonix_iac.errors import ProviderError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack._rest import RestResource


class AvailabilityZoneProfile(RestResource):
    type_name = "OS::Octavia::AvailabilityZoneProfile"
    service = "load_balancer"
    path = "/lbaas/availabilityzoneprofiles"
    key, plural = "availability_zone_profile", "availability_zone_profiles"
    what = "availability zone profile"
    fields = {
        "name": "name",
        "provider_name": "provider_name",
        "availability_zone_data": "availability_zone_data",
    }

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body = super().body(identity, props)
        body.setdefault("provider_name", "amphora")  # Octavia needs one; amphora is its default
        return body


class AvailabilityZone(RestResource):
    type_name = "OS::Octavia::AvailabilityZone"
    service = "load_balancer"
    path = "/lbaas/availabilityzones"
    key, plural, what = "availability_zone", "availability_zones", "availability zone"
    id_field = "name"
    fields = {"name": "name", "description": "description", "enabled": "enabled"}
    references = {
        "availability_zone_profile": (
            "availability_zone_profile_id",
            "octavia.availabilityzoneprofile",
        )
    }
    attribute_fields = {"availability_zone_profile_id": "availability_zone_profile_id"}

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        if "name" in changed and (new.get("name") or physical_id) != physical_id:
            raise ProviderError(
                f"availability zone `{physical_id}` cannot be renamed: Octavia knows a zone "
                "by its name (plan with -replace=ADDRESS to replace it under the new name)"
            )
        return super().update(identity, physical_id, old, new, changed - {"name"})


TYPES: tuple[type[RestResource], ...] = (AvailabilityZoneProfile, AvailabilityZone)
