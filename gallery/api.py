"""GET /api/v1/galleries/{slug}: a published gallery's snapshot, public, cacheable, CORS-enabled."""

from __future__ import annotations

import time

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields
from werkzeug.wrappers import Response

from gallery import snapshots
from ugc_hub.models import db

blp = Blueprint(
    "galleries-api",
    __name__,
    url_prefix="/api/v1/galleries",
    description="Published galleries: consented, credited posts, for widgets and developers (no token needed)",
)

#: Browsers revalidate every time (a withdrawn post must vanish on the next load; a 304 costs little);
#: shared caches and CDNs may keep a copy for 30 seconds.
CACHE_CONTROL = "public, max-age=0, must-revalidate, s-maxage=30"


class ImageSchema(Schema):
    src = fields.String(metadata={"description": "A 640 px wide JPEG (or the largest made), ours or the CDN's"})
    srcset = fields.String(metadata={"description": "Responsive widths, e.g. `… 320w, … 640w, … 1080w`"})
    width = fields.Integer()
    height = fields.Integer()


class TileSchema(Schema):
    id = fields.Integer()
    platform = fields.String()
    credit = fields.String(metadata={"description": '"@author": must be shown with the photo'})
    author_url = fields.String(allow_none=True)
    permalink = fields.String(allow_none=True, metadata={"description": "The original post"})
    caption = fields.String(metadata={"description": "Plain text, unescaped: escape it when you render HTML"})
    alt = fields.String(metadata={"description": "The platform's accessibility caption, or one derived"})
    posted_at = fields.String()
    likes = fields.Integer()
    image = fields.Nested(ImageSchema)


class GalleryInfoSchema(Schema):
    slug = fields.String()
    name = fields.String()
    layout = fields.String(metadata={"enum": ["grid", "masonry", "carousel"]})
    language = fields.String()
    theme = fields.Dict(keys=fields.String(), values=fields.String())
    labels = fields.Dict(keys=fields.String(), values=fields.String())


class SnapshotSchema(Schema):
    version = fields.Integer()
    gallery = fields.Nested(GalleryInfoSchema)
    items = fields.List(fields.Nested(TileSchema))


class GalleryErrorSchema(Schema):
    code = fields.Integer()
    status = fields.String()
    message = fields.String()


@blp.route("/<slug>")
class GallerySnapshot(MethodView):
    @blp.response(200, SnapshotSchema, headers={"ETag": {"description": "Strong validator of the snapshot"}})
    @blp.alt_response(304, description="Unchanged since the ETag given in If-None-Match")
    @blp.alt_response(404, schema=GalleryErrorSchema)
    def get(self, slug: str) -> Response:
        """A published gallery's precomputed snapshot (URLs without a host are relative to this hub)."""
        served = snapshots.SERVED.get(
            db.session,
            slug,
            database=str(current_app.config["SQLALCHEMY_DATABASE_URI"]),
            ttl=float(current_app.config.get("GALLERY_SNAPSHOT_CACHE_SECONDS", 1.0)),
            now=time.monotonic(),
        )
        if served is None:
            abort(404, message="no such published gallery")
            raise AssertionError  # abort raises; this tells the type checker
        etag, body = served
        if request.if_none_match.contains(etag):
            response = Response(status=304)
        else:
            response = Response(body, mimetype="application/json")
        response.set_etag(etag)
        response.headers["Cache-Control"] = CACHE_CONTROL
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = "ETag"
        response.headers["Vary"] = "Accept-Encoding"
        return response
