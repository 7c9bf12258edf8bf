"""Glance v2: the seeded images, listable, filterable and fetchable by id; created, imported
from a URL (``web-download``), patched, tagged, shared and deleted (see :mod:`image_write`)."""

from __future__ import annotations

from . import lifecycle
from .backend import Backend
from .common import filter_records, paginate, public
from .errors import ApiError
from .image_write import ImageWrites
from .protocol import Rec, Request, Response, ok
from .routing import Router


class Image:
    """``/v2/images`` (unwrapped bodies, text/html errors, ``next`` pagination)."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.store = backend.store
        r = Router("The resource could not be found.")
        r.add("GET", "/images", self.list_images)
        r.add("GET", "/images/{id}", self.show_image)
        r.add("GET", "/schemas/image", lambda req, p: ok({"name": "image", "properties": {}}))
        r.add("GET", "/schemas/images", lambda req, p: ok({"name": "images", "properties": {}}))
        ImageWrites(self).install(r)
        self.router = r

    @staticmethod
    def discovery(req: Request, versioned: bool) -> Response:
        entries = [
            {
                "id": f"v2.{minor}",
                "status": "CURRENT" if minor == 16 else "SUPPORTED",
                "links": [{"rel": "self", "href": f"{req.base_url}/image/v2/"}],
            }
            for minor in (16, 15, 9, 0)
        ]
        return ok({"versions": entries}, 200 if versioned else 300)

    def _visible(self, req: Request, rec: Rec) -> bool:
        return (
            rec["visibility"] in ("public", "community")
            or rec["owner"] == req.auth.project_id
            or req.auth.project_id in rec.get("_members", {})
        )

    def render(self, rec: Rec) -> Rec:
        view = public(rec)
        view["self"] = f"/v2/images/{rec['id']}"
        view["file"] = f"/v2/images/{rec['id']}/file"
        view["schema"] = "/v2/schemas/image"
        return view

    def list_images(self, req: Request, params: dict[str, str]) -> Response:
        for rec in self.store.table("image").values():
            lifecycle.settle(rec)
        items = [
            self.render(i) for i in self.store.table("image").values() if self._visible(req, i)
        ]
        tags = req.args("tag")
        items = [i for i in items if set(tags) <= set(i["tags"])]
        items = filter_records(req, items, skip=("tag", "member_status"))
        page, marker = paginate(req, items)
        body: Rec = {"images": page, "first": "/v2/images", "schema": "/v2/schemas/images"}
        if marker:
            limit = req.arg("limit") or str(len(page))
            body["next"] = f"/v2/images?marker={marker}&limit={limit}"
        return ok(body)

    def show_image(self, req: Request, params: dict[str, str]) -> Response:
        return ok(self.render(self.visible_image(req, params["id"])))

    def visible_image(self, req: Request, image_id: str) -> Rec:
        rec = self.store.get("image", image_id)
        if rec is None or not self._visible(req, rec):
            raise ApiError(404, f"No image found with ID {image_id}")
        if lifecycle.settle(rec):
            self.store.changed()
        return rec
