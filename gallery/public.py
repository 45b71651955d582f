"""What visitors reach without an account: the gallery page, its iframe embed, oEmbed, media and the beacon.

Nothing here touches the session, so no cookie is ever set; everything shown comes from the snapshot,
which only ``public_posts_select`` fills; thumbnails are served only while the gate still shows the post.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, jsonify, render_template, request, url_for
from markupsafe import escape
from werkzeug.wrappers import Response

from gallery import analytics, snapshots
from gallery.rules import theme_css_text
from gallery.selection import thumbnail_shown
from ugc_hub.extensions import limiter
from ugc_hub.models import db
from ugc_hub.models.base import utcnow
from ugc_hub.services.storage import storage_from_config
from ugc_hub.web.stored_files import stored_file

bp = Blueprint(
    "gallery_public", __name__, static_folder="static", static_url_path="/static", template_folder="templates"
)

THUMBNAIL_NAME = re.compile(r"^[0-9a-f]{20}-[0-9]{1,5}\.jpg$")
MAX_BEACON_BYTES = 4096
DEFAULT_WIDTH, DEFAULT_HEIGHT = 800, 640


def page_policy(frame_ancestors: str) -> str:
    """Strict CSP for server-rendered gallery pages: no script at all, styles and images from us (or the CDN)."""
    images = " ".join(filter(None, ["'self'", _cdn_origin()]))
    return (
        f"default-src 'none'; img-src {images}; style-src 'self'; base-uri 'none'; form-action 'none'; "
        f"frame-ancestors {frame_ancestors}"
    )


def _cdn_origin() -> str:
    base = current_app.config.get("GALLERY_CDN_BASE_URL") or ""
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _snapshot_or_404(slug: str) -> dict[str, Any]:
    served = snapshots.served_etag_and_body(db.session, slug)
    if served is None:
        abort(404)
    document: dict[str, Any] = json.loads(served[1])
    return document


def _render_page(slug: str, *, embed: bool) -> Response:
    document = _snapshot_or_404(slug)
    html = render_template(
        "gallery/page.html",
        document=document,
        gallery=document["gallery"],
        embed=embed,
        theme_url=url_for("gallery_public.theme_css", slug=slug),
        oembed_url=url_for(
            "gallery_public.oembed",
            url=url_for("gallery_public.page", slug=slug, _external=True),
            format="json",
            _external=True,
        ),
    )
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = page_policy("*" if embed else "'self'")
    response.headers["Cache-Control"] = "public, max-age=0, must-revalidate"
    return response


@bp.get("/<slug>")
def page(slug: str) -> Response:
    """The gallery on a page of its own, with the oEmbed discovery link."""
    return _render_page(slug, embed=False)


@bp.get("/<slug>/embed")
def embed(slug: str) -> Response:
    """For sites that forbid third-party scripts: a server-rendered page any site may put in an iframe."""
    return _render_page(slug, embed=True)


@bp.get("/<slug>/theme.css")
def theme_css(slug: str) -> Response:
    """The gallery's colours and font as CSS custom properties (the CSP forbids inline styles)."""
    theme = _snapshot_or_404(slug)["gallery"]["theme"]
    response = Response(theme_css_text(theme), mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=60"
    return response


@bp.get("/oembed")
def oembed() -> Response:
    """oEmbed 1.0 (JSON only): a rich embed whose HTML is the iframe page."""
    if request.args.get("format", "json") != "json":
        abort(501)
    parts = urlsplit(request.args.get("url", ""))
    ours = {urlsplit(request.host_url).netloc, urlsplit(current_app.config.get("PUBLIC_BASE_URL") or "").netloc}
    match = re.fullmatch(r"/g/([a-z0-9-]{1,64})(?:/embed)?/?", parts.path)
    if parts.scheme not in ("http", "https") or parts.netloc not in ours - {""} or not match:
        abort(404)
    document = _snapshot_or_404(match[1])
    width = _bounded(request.args.get("maxwidth"), DEFAULT_WIDTH)
    height = _bounded(request.args.get("maxheight"), DEFAULT_HEIGHT)
    src = url_for("gallery_public.embed", slug=match[1], _external=True)
    title = document["gallery"]["name"]
    html = (
        f'<iframe src="{escape(src)}" width="{width}" height="{height}" title="{escape(title)}" '
        'loading="lazy" frameborder="0"></iframe>'
    )
    response = jsonify(
        version="1.0",
        type="rich",
        provider_name="UGC Hub",
        provider_url=request.host_url,
        title=title,
        html=html,
        width=width,
        height=height,
        cache_age=60,
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _bounded(value: str | None, default: int) -> int:
    """oEmbed's maxwidth/maxheight are upper bounds (spec §2.2): never larger than asked, nor than our default.

    No floor: a consumer asking for 50 pixels gets 50, however small. A value that is not a positive whole
    number bounds nothing and is ignored.
    """
    try:
        bound = int(value or "")
    except ValueError:
        return default
    return min(bound, default) if bound >= 1 else default


@bp.get("/media/<int:post_id>/<name>")
def media(post_id: int, name: str) -> Response:
    """A gallery thumbnail, only while the public gate still shows its post."""
    if not THUMBNAIL_NAME.match(name) or post_id >= 2**63 or not thumbnail_shown(db.session, post_id, utcnow()):
        abort(404)
    try:
        data = storage_from_config(current_app.config).get(f"gallery/{post_id}/{name}")
    except KeyError:
        abort(404)
    response = stored_file(data, cache_control="public, max-age=60", name="thumbnail")
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.post("/<slug>/beacon")
@limiter.limit(lambda: str(current_app.config["GALLERY_BEACON_RATE_LIMIT"]))
def beacon(slug: str) -> Response:
    """Count impressions or clicks of this gallery's current tiles; the only thing a visitor can write."""
    if (request.content_length or 0) > MAX_BEACON_BYTES:
        abort(413)
    try:
        payload = json.loads(request.get_data(cache=False, as_text=True)[:MAX_BEACON_BYTES])
        event, ids = payload["event"], payload["ids"]
        if not isinstance(ids, list):
            raise TypeError
        analytics.record_beacon(db.session, slug=slug, event=str(event), post_ids=ids, day=utcnow().date())
    except (ValueError, KeyError, TypeError) as exc:
        response = jsonify(error=str(exc) if isinstance(exc, analytics.BeaconRejected) else "bad beacon")
        response.status_code = 400
        return response
    return Response(status=204)
