"""Contract tests for OS::Swift::Container: create with metadata and ACLs, read and drift,
the interrupted-create look-up, the PurgeOnDelete rule, and idempotent delete."""

from __future__ import annotations

from typing import Any

import pytest
from _services import require_service

from atonix_iac.errors import ProviderError

pytestmark = pytest.mark.timeout(120)

TYPE = "OS::Swift::Container"


@pytest.fixture(autouse=True)
def _needs_swift(cloud: Any) -> None:
    require_service(cloud, "object-store")


def test_container_lifecycle(cloud: Any, ident: Any, unique: str) -> None:
    container = cloud.provider().resource_types()[TYPE]
    sdk = cloud.sdk()
    who = ident("site")
    props = {
        "name": f"site-{unique}",
        "X-Container-Read": ".r:*",
        "X-Container-Meta": {"Web-Index": "index.html"},
        "X-Account-Meta": {f"Owner-{unique}": "web"},
    }
    created = container.create(who, props)
    assert created.physical_id == f"site-{unique}"
    head = sdk.object_store.get_container_metadata(created.physical_id)
    assert head.read_ACL == ".r:*"
    assert head.metadata["web-index"] == "index.html"
    assert head.metadata["atonix-address"] == "site"
    assert head.metadata["atonix-stack"] == who.stack
    assert sdk.object_store.get_account_metadata().metadata[f"owner-{unique}"] == "web"

    endpoint = sdk.object_store.get_endpoint().rstrip("/")
    attrs = created.attributes
    assert attrs["RootURL"] == endpoint
    assert attrs["WebsiteURL"] == f"{endpoint}/site-{unique}"
    assert endpoint.split("//", 1)[1].startswith(attrs["DomainName"])
    assert (attrs["ObjectCount"], attrs["BytesUsed"]) == (0, 0)
    assert attrs["HeadContainer"]["x-container-read"] == ".r:*"

    read = container.read(who, created.physical_id, props)
    assert read is not None and read.properties == {
        "name": props["name"],
        "X-Container-Read": ".r:*",
        "X-Container-Meta": {"Web-Index": "index.html"},
    }

    # Drift: metadata and the read ACL changed behind our back.
    sdk.object_store.set_container_metadata(
        created.physical_id, **{"web-index": "home.html", "read_ACL": ".r:example.com"}
    )
    sdk.object_store.create_object(created.physical_id, "docs/a.txt", data=b"hello")
    drift = container.read(who, created.physical_id, props)
    assert drift is not None and drift.properties is not None
    assert drift.properties["X-Container-Meta"] == {"web-index": "home.html"}
    assert drift.properties["X-Container-Read"] == ".r:example.com"
    assert (drift.attributes["ObjectCount"], drift.attributes["BytesUsed"]) == (1, 5)

    # Not empty and PurgeOnDelete false: refused, nothing deleted (Heat's rule).
    with pytest.raises(ProviderError, match="PurgeOnDelete"):
        container.delete(who, created.physical_id, props)
    assert container.read(who, created.physical_id, props) is not None

    purge = {**props, "PurgeOnDelete": True}
    container.delete(who, created.physical_id, purge)
    assert container.read(who, created.physical_id, purge) is None
    container.delete(who, created.physical_id, purge)  # already gone


def test_default_name_and_interrupted_create(cloud: Any, ident: Any) -> None:
    container = cloud.provider().resource_types()[TYPE]
    who = ident("bucket")
    creating = type(who)(who.workspace, who.environment, who.stack, who.address, token="tok-1")
    started = container.start_create(creating, {})
    assert started.physical_id == f"{who.stack}-bucket"
    # The answer was lost: the token in the metadata finds the container again.
    assert container.find_created(creating, {}, None, ()) == started.physical_id
    assert container.find_created(creating, {}, None, (started.physical_id,)) is None
    other = type(who)(who.workspace, who.environment, who.stack, who.address, token="tok-2")
    assert container.find_created(other, {}, None, ()) is None
    # A retried create of the same intent goes through; another owner's is refused.
    assert container.start_create(creating, {}).physical_id == started.physical_id
    with pytest.raises(ProviderError, match="already exists"):
        container.start_create(other, {})
    done = container.finish_create(creating, started, {})
    assert done.attributes["ObjectCount"] == 0
    container.delete(who, started.physical_id, {})
    assert container.read(who, started.physical_id, {}) is None
