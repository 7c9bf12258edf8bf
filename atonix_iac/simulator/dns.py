"""Designate v2: zones and their recordsets.

Pinned to Designate's API as openstacksdk's ``dns`` proxy reads it: creates, updates and
deletes answer 202 with the object in ``status: PENDING`` and ``action: CREATE|UPDATE|DELETE``;
it turns ``ACTIVE`` (``action: NONE``, the zone's ``serial`` bumped) after the ``zone`` or
``recordset`` delay, and a deleted one disappears then. Zone names are fully qualified (a
trailing dot) and unique across projects (409 ``duplicate_zone``); a PRIMARY zone needs an
email. Every zone gets its managed SOA and NS recordsets (``ttl: null``), which cannot be
created again (409), updated or deleted (400). A recordset with no records is created at once
(201, ``ACTIVE``). Ids in paths must look like UUIDs (400 ``invalid_uuid``). Lists carry
``links`` and ``metadata.total_count``; errors are ``{"code", "type", "message"}``, or for a
JSON-schema failure ``{"code", "type", "errors": {"errors": [...]}}`` with no message. The
messages are Designate 23.0.0's, checked against the dev cloud.
"""

from __future__ import annotations

import ipaddress
import uuid
from typing import Any

from . import lifecycle
from .backend import Backend
from .common import iso, new_id, now
from .errors import ApiError
from .protocol import Rec, Request, Response, ok
from .routing import Router
from .store import Store

RECORD_TYPES = (
    "A", "AAAA", "CNAME", "MX", "SRV", "TXT", "SPF", "NS", "PTR", "SSHFP", "SOA", "CAA", "CERT",
    "NAPTR",
)  # fmt: skip
NAMESERVER = "ns1.atonix-sim.example."
DEFAULT_TTL = 3600
_ZONE_FIELDS = ("email", "ttl", "description")
_RECORDSET_FIELDS = ("records", "ttl", "description")


class DnsError(ApiError):
    """Designate's errors name a ``type`` (``zone_not_found``, ``duplicate_zone`` ...); a
    JSON-schema failure lists ``schema_errors`` instead of a message."""

    def __init__(
        self, status: int, kind: str, message: str, schema_errors: list[Rec] | None = None
    ) -> None:
        super().__init__(status, message, kind)
        self.schema_errors = schema_errors


def _schema_error(message: str, path: list[Any], validator: str, value: Any) -> DnsError:
    entry = {"message": message, "path": path, "validator": validator, "validator_value": value}
    return DnsError(400, "invalid_object", message, [entry])


def _not_valid(detail: str) -> DnsError:
    """An object field Designate's objects layer refuses (a ValueError behind the schema)."""
    return _invalid(f"Provided object is not valid. Got a ValueError error with message {detail}")


def _unknown_keys(body: Rec, allowed: tuple[str, ...], what: str) -> None:
    unknown = [key for key in body if key not in allowed]
    if unknown:
        raise _invalid(
            f"Provided object does not match schema. Keys {unknown!r} are not valid for {what}"
        )


def _check_uuid(name: str, value: str) -> None:
    try:
        uuid.UUID(value)
    except ValueError:
        raise DnsError(400, "invalid_uuid", f"Invalid UUID {name}: {value}") from None


def _check_records(kind: str, records: list[Any]) -> None:
    """Designate validates each record against its type; A and AAAA are checked here."""
    version = {"A": 4, "AAAA": 6}.get(kind)
    if version is None:
        return
    for index, record in enumerate(records):
        try:
            ok_address = ipaddress.ip_address(str(record)).version == version
        except ValueError:
            ok_address = False
        if not ok_address:
            raise _schema_error(
                f"{record!r} is not a {kind!r} Record", ["records", index], "format", [kind]
            )


def _zone_not_found() -> DnsError:
    return DnsError(404, "zone_not_found", "Could not find Zone")


def _recordset_not_found() -> DnsError:
    return DnsError(404, "recordset_not_found", "Could not find RecordSet")


def _invalid(message: str) -> DnsError:
    return DnsError(400, "invalid_object", message)


class Dns:
    """``/v2/zones`` and ``/v2/zones/{id}/recordsets``; ``/v2/quotas/{project_id}``."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.store = backend.store
        r = Router("Not Found")
        r.add("GET", "/zones", self.list_zones)
        r.add("POST", "/zones", self.create_zone)
        r.add("GET", "/zones/{id}", self.show_zone)
        r.add("PATCH", "/zones/{id}", self.update_zone)
        r.add("DELETE", "/zones/{id}", self.delete_zone)
        r.add("GET", "/zones/{id}/recordsets", self.list_recordsets)
        r.add("POST", "/zones/{id}/recordsets", self.create_recordset)
        r.add("GET", "/zones/{id}/recordsets/{rid}", self.show_recordset)
        r.add("PUT", "/zones/{id}/recordsets/{rid}", self.update_recordset)
        r.add("DELETE", "/zones/{id}/recordsets/{rid}", self.delete_recordset)
        r.add("GET", "/quotas/{project}", self.show_quotas)
        self.router = r
        lifecycle.register_finalizer(self.store, "dns_zone", _finish_zone_delete)
        lifecycle.register_finalizer(self.store, "dns_recordset", _finish_recordset_delete)

    @staticmethod
    def discovery(req: Request, versioned: bool) -> Response:
        entry = {
            "id": "v2",
            "status": "CURRENT",
            "links": [{"rel": "self", "href": f"{req.base_url}/dns/v2/"}],
        }
        if versioned:
            return ok({"version": entry})
        return ok({"versions": {"values": [entry]}}, 300)

    # -- helpers ----------------------------------------------------------------------------

    def _settled(self, kind: str, rec: Rec) -> Rec:
        if lifecycle.settle(rec):
            if kind == "dns_recordset":
                zone = self.store.get("dns_zone", rec["zone_id"])
                if zone is not None:
                    zone["serial"] = int(zone["serial"]) + 1
            self.store.changed()
        return rec

    def _zone(self, req: Request, zone_id: str) -> Rec:
        _check_uuid("zone_id", zone_id)
        rec = self.store.get("dns_zone", zone_id)
        if rec is None or rec["project_id"] != req.auth.project_id:
            raise _zone_not_found()
        return self._settled("dns_zone", rec)

    def _recordset(self, req: Request, zone: Rec, rid: str) -> Rec:
        _check_uuid("recordset_id", rid)
        rec = self.store.get("dns_recordset", rid)
        if rec is None or rec["zone_id"] != zone["id"]:
            raise _recordset_not_found()
        return self._settled("dns_recordset", rec)

    def _view(self, req: Request, rec: Rec, path: str) -> Rec:
        view = {k: v for k, v in rec.items() if not k.startswith("_")}
        view["links"] = {"self": f"{req.base_url}/dns/v2/{path}"}
        return view

    def _zone_view(self, req: Request, rec: Rec) -> Rec:
        return self._view(req, rec, f"zones/{rec['id']}")

    def _recordset_view(self, req: Request, rec: Rec) -> Rec:
        return self._view(req, rec, f"zones/{rec['zone_id']}/recordsets/{rec['id']}")

    def _listing(self, req: Request, key: str, items: list[Rec]) -> Response:
        for name in ("name", "type", "status", "ttl", "description", "email"):
            wanted = req.arg(name)
            if wanted is not None:
                items = [i for i in items if str(i.get(name)) == wanted]
        total = len(items)
        marker = req.arg("marker")
        if marker:
            ids = [i["id"] for i in items]
            if marker not in ids:
                raise _invalid(f"Marker {marker} could not be found")
            items = items[ids.index(marker) + 1 :]
        limit = int(req.arg("limit") or 0)
        links: Rec = {"self": req.url_with()}
        if limit and len(items) > limit:
            items = items[:limit]
            links["next"] = req.url_with(marker=str(items[-1]["id"]), limit=str(limit))
        return ok({key: items, "links": links, "metadata": {"total_count": total}})

    def _begin(self, kind: str, rec: Rec, action: str) -> None:
        outcome = self.backend.outcome(kind.removeprefix("dns_"), rec.get("name"))
        final = "ERROR" if outcome == "error" else "ACTIVE"
        rec["action"] = action
        lifecycle.begin(
            rec,
            "PENDING",
            final,
            self.backend.delay(kind.removeprefix("dns_")),
            {"action": "NONE", "updated_at": iso(micro=True)},
            stuck=outcome == "stuck",
        )

    def _check_quota(self, req: Request, quota: str, used: int) -> None:
        limit = int(self.backend.quota(req.auth.project_id, "dns").get(quota, -1))
        if 0 <= limit <= used:
            raise DnsError(413, "over_quota", "Quota exceeded for " + quota)

    # -- zones ------------------------------------------------------------------------------

    def list_zones(self, req: Request, params: dict[str, str]) -> Response:
        items = [
            self._zone_view(req, self._settled("dns_zone", z))
            for z in sorted(
                self.store.table("dns_zone").values(), key=lambda z: str(z["created_at"])
            )
            if z["project_id"] == req.auth.project_id
        ]
        return self._listing(req, "zones", items)

    def create_zone(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object()
        name = str(body.get("name") or "")
        if not name.endswith("."):
            raise _not_valid(f"Domain {name} does not end with a dot")
        if len(name) > 255 or ".." in name or name == ".":
            raise _invalid(f"'{name}' is not a 'domainname'")
        kind = str(body.get("type") or "PRIMARY").upper()
        if kind not in ("PRIMARY", "SECONDARY"):
            raise _not_valid(f"Field value {kind} is invalid")
        if kind == "PRIMARY" and not body.get("email"):
            raise _schema_error(
                "'email' is a required property", ["type", "email"], "required", "email"
            )
        if kind == "SECONDARY" and not body.get("masters"):
            raise _invalid("'masters' is a required property for SECONDARY zones")
        ttl = body.get("ttl", DEFAULT_TTL)
        # designate.conf [service:central] min_ttl is 0 unless the operator raises it.
        if not isinstance(ttl, int) or isinstance(ttl, bool) or not 0 <= ttl <= 2147483647:
            raise _invalid(f"{ttl!r} is not a valid ttl")
        if any(z["name"] == name for z in self.store.table("dns_zone").values()):
            raise DnsError(409, "duplicate_zone", "Duplicate Zone")
        self._check_quota(req, "zones", self.store.count("dns_zone", req.auth.project_id))
        stamp = iso(micro=True)
        rec: Rec = {
            "id": new_id(),
            "pool_id": "794ccc2c-d751-44fe-b57f-8894c9f5c842",
            "project_id": req.auth.project_id,
            "name": name,
            "email": body.get("email"),
            "ttl": ttl,
            "serial": int(now()),
            "status": "PENDING",
            "action": "CREATE",
            "description": body.get("description"),
            "masters": list(body.get("masters") or []),
            "type": kind,
            "transferred_at": None,
            "version": 1,
            "created_at": stamp,
            "updated_at": None,
            "attributes": dict(body.get("attributes") or {}),
            "shared": False,
        }
        self._begin("dns_zone", rec, "CREATE")
        self.store.put("dns_zone", rec)
        hostmaster = str(rec["email"] or "hostmaster@example.com").replace("@", ".")
        soa = f"{NAMESERVER} {hostmaster}. {rec['serial']} 3584 600 86400 3600"
        for managed, records in (("SOA", [soa]), ("NS", [NAMESERVER])):
            self._new_recordset(req, rec, name, managed, records, None, None, managed=True)
        return ok(self._zone_view(req, rec), 202)

    def show_zone(self, req: Request, params: dict[str, str]) -> Response:
        return ok(self._zone_view(req, self._zone(req, params["id"])))

    def update_zone(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._zone(req, params["id"])
        if rec["action"] == "DELETE":
            raise DnsError(400, "bad_request", "Can not update a deleting zone")
        body = req.json_object()
        _unknown_keys(body, (*_ZONE_FIELDS, "masters"), "zone")
        for field in _ZONE_FIELDS + ("masters",):
            if field in body:
                rec[field] = body[field]
        rec["version"] = int(rec["version"]) + 1
        rec["serial"] = int(rec["serial"]) + 1
        self._begin("dns_zone", rec, "UPDATE")
        self.store.changed()
        return ok(self._zone_view(req, rec), 202)

    def delete_zone(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._zone(req, params["id"])
        rec["status"], rec["action"] = "PENDING", "DELETE"
        rec.pop("_t", None)
        lifecycle.schedule_delete(self.store, "dns_zone", rec, self.backend.delay("zone_delete"))
        return ok(self._zone_view(req, rec), 202)

    # -- recordsets -------------------------------------------------------------------------

    def _new_recordset(
        self,
        req: Request,
        zone: Rec,
        name: str,
        kind: str,
        records: list[Any],
        ttl: Any,
        description: Any,
        managed: bool = False,
    ) -> Rec:
        stamp = iso(micro=True)
        rec: Rec = {
            "id": new_id(),
            "project_id": zone["project_id"],
            "zone_id": zone["id"],
            "zone_name": zone["name"],
            "name": name,
            "type": kind,
            "records": [str(r) for r in records],
            "ttl": ttl,
            "description": description,
            # Nothing for the backend to do: managed, or no records yet.
            "status": "ACTIVE" if managed or not records else "PENDING",
            "action": "NONE" if managed or not records else "CREATE",
            "version": 1,
            "created_at": stamp,
            "updated_at": None,
            "_managed": managed,
        }
        if rec["status"] == "PENDING":
            self._begin("dns_recordset", rec, "CREATE")
        return self.store.put("dns_recordset", rec)

    def _zone_recordsets(self, zone: Rec) -> list[Rec]:
        return [
            self._settled("dns_recordset", r)
            for r in self.store.owned("dns_recordset", zone["project_id"])
            if r["zone_id"] == zone["id"]
        ]

    def list_recordsets(self, req: Request, params: dict[str, str]) -> Response:
        zone = self._zone(req, params["id"])
        items = [
            self._recordset_view(req, r)
            for r in sorted(self._zone_recordsets(zone), key=lambda r: str(r["created_at"]))
        ]
        return self._listing(req, "recordsets", items)

    def create_recordset(self, req: Request, params: dict[str, str]) -> Response:
        zone = self._zone(req, params["id"])
        if zone["action"] == "DELETE":
            raise DnsError(400, "bad_request", "Can not update a deleting zone")
        body = req.json_object()
        name, kind = str(body.get("name") or ""), str(body.get("type") or "")
        if kind not in RECORD_TYPES:
            raise _schema_error(
                f"'{kind}' is not a valid record type", ["recordset", "type"], "value", [kind]
            )
        if not name.endswith("."):
            raise _not_valid(f"Host name {name} does not end with a dot")
        if not (name == zone["name"] or name.endswith("." + zone["name"])):
            raise DnsError(
                400,
                "invalid_recordset_location",
                "RecordSet is not contained within it's parent zone",
            )
        records = body.get("records") or []
        if not isinstance(records, list):
            raise _invalid("'records' is not of type 'array'")
        _check_records(kind, records)
        existing = self._zone_recordsets(zone)
        if any(r["name"] == name and r["type"] == kind for r in existing):
            raise DnsError(409, "duplicate_recordset", "Duplicate RecordSet")
        if kind == "CNAME" and any(r["name"] == name for r in existing):
            raise DnsError(
                400,
                "invalid_recordset_location",
                "CNAME recordsets may not share a name with any other records",
            )
        self._check_quota(req, "zone_recordsets", len(existing))
        rec = self._new_recordset(
            req, zone, name, kind, records, body.get("ttl"), body.get("description")
        )
        return ok(self._recordset_view(req, rec), 202 if rec["status"] == "PENDING" else 201)

    def show_recordset(self, req: Request, params: dict[str, str]) -> Response:
        zone = self._zone(req, params["id"])
        return ok(self._recordset_view(req, self._recordset(req, zone, params["rid"])))

    def update_recordset(self, req: Request, params: dict[str, str]) -> Response:
        zone = self._zone(req, params["id"])
        rec = self._recordset(req, zone, params["rid"])
        if rec.get("_managed"):
            raise DnsError(400, "bad_request", "Managed records may not be updated")
        body = req.json_object()
        _unknown_keys(body, _RECORDSET_FIELDS, "recordset")
        if "records" in body:
            _check_records(str(rec["type"]), list(body["records"] or []))
        for field in _RECORDSET_FIELDS:
            if field in body:
                rec[field] = [str(r) for r in body[field]] if field == "records" else body[field]
        rec["version"] = int(rec["version"]) + 1
        self._begin("dns_recordset", rec, "UPDATE")
        self.store.changed()
        return ok(self._recordset_view(req, rec), 202)

    def delete_recordset(self, req: Request, params: dict[str, str]) -> Response:
        zone = self._zone(req, params["id"])
        rec = self._recordset(req, zone, params["rid"])
        if rec["type"] == "SOA":
            raise DnsError(400, "bad_request", "Deleting a SOA recordset is not allowed")
        if rec.get("_managed"):
            raise DnsError(400, "bad_request", "Managed records may not be deleted")
        rec["status"], rec["action"] = "PENDING", "DELETE"
        rec.pop("_t", None)
        lifecycle.schedule_delete(
            self.store, "dns_recordset", rec, self.backend.delay("recordset_delete")
        )
        return ok(self._recordset_view(req, rec), 202)

    def show_quotas(self, req: Request, params: dict[str, str]) -> Response:
        if params["project"] != req.auth.project_id and not req.auth.is_admin:
            raise DnsError(403, "forbidden", "Forbidden")
        return ok(dict(self.backend.quota(params["project"], "dns")))


def _finish_zone_delete(store: Store, rec: Rec) -> None:
    for recordset in list(store.owned("dns_recordset", rec["project_id"])):
        if recordset["zone_id"] == rec["id"]:
            store.delete("dns_recordset", recordset["id"])
    store.delete("dns_zone", rec["id"])


def _finish_recordset_delete(store: Store, rec: Rec) -> None:
    store.delete("dns_recordset", rec["id"])
    zone = store.get("dns_zone", rec["zone_id"])
    if zone is not None:
        zone["serial"] = int(zone["serial"]) + 1
