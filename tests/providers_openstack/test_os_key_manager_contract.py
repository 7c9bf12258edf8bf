"""Contract tests for the Barbican types: secrets (payload read back, never in errors),
the three container types, orders (PENDING -> ACTIVE, generated keys, ERROR), natural-key
look-up of interrupted creates, and plan-time checks of referenced secrets."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from _services import require_service

from atonix_iac.errors import ResourceFailedError

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(autouse=True)
def _needs_barbican(cloud: Any) -> None:
    require_service(cloud, "key-manager")


def test_secret_lifecycle(cloud: Any, ident: Any, unique: str) -> None:
    secret = cloud.provider().resource_types()["OS::Barbican::Secret"]
    who = ident("db_password")
    props = {
        "name": f"db-{unique}",
        "payload": "s3cr3t-value",
        "payload_content_type": "text/plain",
    }
    created = secret.create(who, props)
    assert "/secrets/" in created.physical_id
    assert created.attributes["status"] == "ACTIVE"
    assert created.attributes["decrypted_payload"] == "s3cr3t-value"
    assert "payload" not in created.attributes["show"]

    read = secret.read(who, created.physical_id, props)
    assert read is not None and read.properties == {"name": f"db-{unique}"}

    binary = {
        "payload": base64.b64encode(b"\x00\x01key").decode(),
        "payload_content_type": "application/octet-stream",
        "payload_content_encoding": "base64",
        "secret_type": "symmetric",
        "algorithm": "aes",
        "bit_length": 40,
    }
    raw = secret.create(ident("key"), binary)
    assert raw.attributes["decrypted_payload"] == binary["payload"]
    assert raw.attributes["show"]["name"] == f"{who.stack}-key"  # defaulted, the natural key

    for physical_id in (created.physical_id, raw.physical_id):
        secret.delete(who, physical_id, {})
        assert secret.read(who, physical_id, {}) is None
        secret.delete(who, physical_id, {})


def test_secret_check_and_interrupted_create(cloud: Any, ident: Any, unique: str) -> None:
    secret = cloud.provider().resource_types()["OS::Barbican::Secret"]
    bad = secret.check({"payload": "x"})
    assert [d.message for d in bad] == ["`payload_content_type` must be given with `payload`"]

    who = ident("token")
    props = {"name": f"tok-{unique}", "payload": "abc", "payload_content_type": "text/plain"}
    since = datetime.now(UTC)
    started = secret.start_create(who, props)
    assert secret.find_created(who, props, since, ()) == started.physical_id
    assert secret.find_created(who, props, since, (started.physical_id,)) is None
    # An object of that name made long before the intent is not ours.
    assert secret.find_created(who, props, since + timedelta(hours=1), ()) is None
    secret.delete(who, started.physical_id, props)


def test_containers(cloud: Any, ident: Any, unique: str) -> None:
    types = cloud.provider().resource_types()
    secret = types["OS::Barbican::Secret"]
    text = {"payload_content_type": "text/plain"}
    cert = secret.create(ident("cert"), {**text, "payload": "CERT", "secret_type": "certificate"})
    key = secret.create(ident("key"), {**text, "payload": "KEY", "secret_type": "private"})
    pub = secret.create(ident("pub"), {**text, "payload": "PUB", "secret_type": "public"})

    generic = types["OS::Barbican::GenericContainer"]
    props = {
        "name": f"bundle-{unique}",
        "secrets": [
            {"name": "cert", "ref": cert.physical_id},
            {"name": "key", "ref": key.physical_id},
        ],
    }
    assert generic.check(props) == []
    made = generic.create(ident("bundle"), props)
    assert made.attributes["container_ref"] == made.physical_id
    assert made.attributes["secret_refs"] == {"cert": cert.physical_id, "key": key.physical_id}
    assert made.attributes["status"] == "ACTIVE"

    certificate = types["OS::Barbican::CertificateContainer"]
    cert_props = {"certificate_ref": cert.physical_id, "private_key_ref": key.physical_id}
    tls = certificate.create(ident("tls"), cert_props)
    assert set(tls.attributes["secret_refs"]) == {"certificate", "private_key"}

    rsa = types["OS::Barbican::RSAContainer"]
    rsa_props = {"private_key_ref": key.physical_id, "public_key_ref": pub.physical_id}
    pair = rsa.create(ident("pair"), rsa_props)
    assert pair.attributes["secret_refs"]["public_key"] == pub.physical_id

    # A reference to a secret that does not exist is caught at plan time.
    missing = cert.physical_id.rsplit("/", 1)[0] + "/00000000-0000-4000-8000-000000000000"
    found = rsa.check({"private_key_ref": missing})
    assert [d.message for d in found] == [f"secret `{missing}` not found"]
    named = generic.check({"secrets": [{"name": "x", "ref": f"no-such-{unique}"}]})
    assert [d.message for d in named] == [f"secret `no-such-{unique}` not found"]

    for kind, result, p in (
        (generic, made, props),
        (certificate, tls, cert_props),
        (rsa, pair, rsa_props),
    ):
        kind.delete(ident("c"), result.physical_id, p)
        assert kind.read(ident("c"), result.physical_id, p) is None
    for s in (cert, key, pub):
        secret.delete(ident("s"), s.physical_id, {})


def test_orders(cloud: Any, ident: Any, unique: str) -> None:
    types = cloud.provider().resource_types()
    order = types["OS::Barbican::Order"]
    if cloud.sim is not None:
        cloud.sim.configure(delays={"order": 0.3})
    key_props = {"name": f"aes-{unique}", "type": "key", "algorithm": "aes", "bit_length": 256}
    key_order = order.create(ident("aes"), key_props)
    assert key_order.attributes["status"] == "ACTIVE"
    secret_ref = key_order.attributes["secret_ref"]
    assert "/secrets/" in secret_ref
    secret = types["OS::Barbican::Secret"].read(ident("x"), secret_ref, {})
    assert (
        secret is not None and len(base64.b64decode(secret.attributes["decrypted_payload"])) == 32
    )

    rsa_props = {"type": "asymmetric", "algorithm": "rsa", "bit_length": 2048}
    pair = order.create(ident("rsa"), rsa_props)
    assert pair.attributes["public_key"].startswith("-----BEGIN PUBLIC KEY-----")
    assert pair.attributes["private_key"].startswith("-----BEGIN PRIVATE KEY-----")
    container_ref = pair.attributes["container_ref"]

    # Destroying an order deletes what it generated, too.
    order.delete(ident("aes"), key_order.physical_id, key_props)
    order.delete(ident("rsa"), pair.physical_id, rsa_props)
    assert types["OS::Barbican::Secret"].read(ident("x"), secret_ref, {}) is None
    gone = types["OS::Barbican::GenericContainer"].read(ident("x"), container_ref, {})
    assert gone is None
    assert order.read(ident("aes"), key_order.physical_id, key_props) is None


def test_failed_order_is_reported(cloud: Any, ident: Any) -> None:
    cloud.require_sim()
    order = cloud.provider().resource_types()["OS::Barbican::Order"]
    with pytest.raises(ResourceFailedError, match="certificate authority"):
        order.create(ident("cert"), {"type": "certificate", "subject_dn": "cn=example"})
