"""Contract tests for OS::Glance::WebImage: created and imported from a URL (waited on until
active), tags without the identity ones, members, deactivation, in-place updates by
JSON-patch, drift, the token tag found again, plan-time checks, a failed import reported."""

from __future__ import annotations

import os
from typing import Any

import pytest

from atonix_iac.errors import ProviderError, ResourceFailedError
from atonix_iac.providers.base import ResourceIdentity

pytestmark = pytest.mark.timeout(180)

TYPE = "OS::Glance::WebImage"
URL_ENV = "ATONIX_REALCLOUD_IMAGE_URL"
URL = os.environ.get(
    URL_ENV, "https://download.cirros-cloud.net/0.6.2/cirros-0.6.2-x86_64-disk.img"
)


@pytest.fixture(autouse=True)
def _importable_url(cloud: Any) -> None:
    """A real Glance downloads the image: only from a URL the cloud is known to reach."""
    if cloud.sim is None and URL_ENV not in os.environ:
        pytest.skip(f"{URL_ENV} names no image URL the real cloud can download")


def _base(unique: str) -> dict[str, Any]:
    return {
        "name": f"img-{unique}",
        "location": URL,
        "container_format": "bare",
        "disk_format": "qcow2",
        "visibility": "private",
        "min_disk": 1,
        "tags": ["web"],
        "extra_properties": {"hw_rng_model": "virtio"},
    }


def test_web_image_lifecycle(cloud: Any, ident: Any, unique: str) -> None:
    if cloud.sim is not None:
        cloud.sim.configure(delays={"image": 0.3})
    image_type = cloud.provider().resource_types()[TYPE]
    sdk = cloud.sdk()
    props = _base(unique)
    assert image_type.check(props) == []
    created = image_type.create(ident("image"), props)
    live = sdk.image.get_image(created.physical_id)
    assert (live.status, live.disk_format, live.min_disk) == ("active", "qcow2", 1)
    assert "atonix:address=image" in live.tags and "web" in live.tags
    assert created.attributes["show"]["tags"] == ["web"]
    assert created.attributes["show"]["hw_rng_model"] == "virtio"
    read = image_type.read(ident("image"), created.physical_id, props)
    assert read is not None and read.properties == {
        k: v for k, v in props.items() if k != "location"
    }

    new = {
        **props,
        "name": f"img2-{unique}",
        "tags": ["web", "v2"],
        "min_ram": 0,
        "extra_properties": {"os_require_quiesce": "yes"},
        "active": False,
    }
    image_type.update(
        ident("image"),
        created.physical_id,
        props,
        new,
        frozenset({"name", "tags", "extra_properties", "active"}),
    )
    live = sdk.image.get_image(created.physical_id)
    assert live.name == f"img2-{unique}" and live.status == "deactivated"
    assert {"web", "v2", "atonix:address=image"} <= set(live.tags)
    after = image_type.read(ident("image"), created.physical_id, new)
    assert after is not None and after.properties is not None
    assert after.properties["active"] is False
    assert after.properties["extra_properties"] == {"os_require_quiesce": "yes"}

    # Drift: renamed behind our back.
    sdk.image.update_image(created.physical_id, name="renamed")
    drift = image_type.read(ident("image"), created.physical_id, new)
    assert drift is not None and drift.properties is not None
    assert drift.properties["name"] == "renamed"

    image_type.delete(ident("image"), created.physical_id, new)
    assert image_type.read(ident("image"), created.physical_id, new) is None
    image_type.delete(ident("image"), created.physical_id, new)


def test_members_token_and_protection(cloud: Any, ident: Any, unique: str) -> None:
    image_type = cloud.provider().resource_types()[TYPE]
    other_project = cloud.sdk(cloud.projects[1]).current_project_id
    who = ident("shared")
    creating = ResourceIdentity(who.workspace, who.environment, who.stack, who.address, "tok-9")
    props = {**_base(unique), "visibility": "shared", "members": [other_project], "protected": True}
    started = image_type.start_create(creating, props)
    assert image_type.find_created(creating, props, None, ()) == started.physical_id
    assert image_type.find_created(creating, props, None, (started.physical_id,)) is None
    done = image_type.finish_create(creating, started, props)
    assert done.attributes["show"]["visibility"] == "shared"
    read = image_type.read(who, started.physical_id, props)
    assert read is not None and read.properties is not None
    assert read.properties["members"] == [other_project]
    with pytest.raises(ProviderError, match="protected"):
        image_type.delete(who, started.physical_id, props)
    unprotected = {**props, "protected": False, "members": []}
    image_type.update(
        who, started.physical_id, props, unprotected, frozenset({"protected", "members"})
    )
    image_type.delete(who, started.physical_id, unprotected)
    assert image_type.read(who, started.physical_id, unprotected) is None


def test_plan_time_checks(cloud: Any, unique: str) -> None:
    image_type = cloud.provider().resource_types()[TYPE]
    found = image_type.check(
        {
            **_base(unique),
            "location": "file:///etc/passwd",
            "kernel_id": "cirros-kernle",
            "members": ["p"],
        }
    )
    messages = [d.message for d in found]
    assert "image `cirros-kernle` not found" in messages
    assert "`location` `file:///etc/passwd` is not an http(s) URL" in messages
    assert "`members` need `visibility: shared`" in messages


def test_failed_import_fails_the_create(cloud: Any, ident: Any, unique: str) -> None:
    sim = cloud.require_sim()
    sim.set_lifecycle([{"kind": "image", "name": f"bad-{unique}", "outcome": "error"}])
    image_type = cloud.provider().resource_types()[TYPE]
    props = {**_base(unique), "name": f"bad-{unique}"}
    with pytest.raises(ResourceFailedError, match="web-download import failed"):
        image_type.create(ident("bad"), props)
