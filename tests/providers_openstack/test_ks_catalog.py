"""The memoised catalogue normalisation returns what keystoneauth's own does, as fresh copies."""

from __future__ import annotations

from typing import Any

from keystoneauth1.access import service_catalog

from atonix_iac.providers.openstack import _ks_catalog


def _catalog() -> list[dict[str, Any]]:
    return [
        {
            "type": "compute",
            "name": "nova",
            "id": "c1",
            "endpoints": [
                {"interface": "public", "region": "RegionOne", "url": "http://h/compute/v2.1"},
                {"interface": "internal", "region_id": "RegionOne", "url": "http://i/compute"},
            ],
        },
        {"type": "network", "endpoints": [{"interface": "public", "url": "http://h:9696"}]},
        {"name": "no type, skipped", "endpoints": []},
    ]


def test_memoised_matches_keystoneauth_and_hands_out_copies() -> None:
    assert _ks_catalog.install()
    original = _ks_catalog.original_normalize_catalog()
    assert original is not None
    catalog = service_catalog.ServiceCatalogV3(_catalog())
    expected = original(catalog)
    first = catalog.normalize_catalog()
    assert first == expected
    first[0]["endpoints"][0]["url"] = "changed"
    first[0]["endpoints"][1]["raw_endpoint"]["url"] = "changed"
    first[1]["name"] = "changed"
    assert catalog.normalize_catalog() == expected
    found = catalog.get_endpoints_data(service_type="compute", interface="public")
    assert [e.catalog_url for e in found["compute"]] == ["http://h/compute/v2.1"]


def test_a_new_catalogue_list_is_normalised_again() -> None:
    assert _ks_catalog.install()
    catalog = service_catalog.ServiceCatalogV3(_catalog())
    catalog.normalize_catalog()
    replaced = _catalog()
    replaced[1]["endpoints"][0]["url"] = "http://other:9696"
    catalog._catalog = replaced
    urls = [e["url"] for s in catalog.normalize_catalog() for e in s["endpoints"]]
    assert "http://other:9696" in urls
    assert _ks_catalog.install()
