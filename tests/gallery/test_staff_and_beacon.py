"""Staff pages (roles, CSRF, refusals that lose nothing, live preview) and the analytics beacon."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import Auth, csrf_from
from tests.gallery.support import HOSTILE_CAPTION, consented, make_post, published_gallery
from ugc_hub.models import AuditEvent, Gallery, GalleryDailyStat, db

FORM = {
    "name": "Rainy days",
    "slug": "rainy-days",
    "hashtags": "lumen",
    "order": "newest",
    "layout": "masonry",
    "background": "#ffffff",
    "text": "#1a1a1a",
    "accent": "#0b5cad",
    "font": "system",
    "item_count": "8",
    "label_language": "fr",
    "pins": "",
    "picks": "",
    "exclusions": "",
}


def test_viewers_read_but_only_moderators_edit(client: FlaskClient, auth: Auth, ws: int) -> None:
    assert client.get("/staff/galleries/").status_code == 302  # sign-in first
    auth.as_role("viewer")
    assert client.get("/staff/galleries/").status_code == 200
    assert client.get("/staff/galleries/new").status_code == 403
    token = auth.csrf("/staff/galleries/")
    assert client.post("/staff/galleries/new", data=FORM | {"csrf_token": token}).status_code == 403


def test_create_refuse_unreadable_colours_publish_and_preview(
    client: FlaskClient, auth: Auth, storage: Any, ws: int
) -> None:
    auth.as_role("moderator")
    shown = consented(db.session, storage, workspace_id=ws, n=1, caption=HOSTILE_CAPTION)
    hidden = make_post(db.session, storage, workspace_id=ws, n=2)  # never asked: must not appear, even in preview

    assert client.post("/staff/galleries/new", data=FORM).status_code == 400  # no CSRF token: refused
    assert db.session.scalar(select(func.count()).select_from(Gallery)) == 0

    token = csrf_from(client.get("/staff/galleries/new").text)
    refused = client.post("/staff/galleries/new", data=FORM | {"csrf_token": token, "text": "#dddddd"})
    assert "contrast of at least 4.5:1 (WCAG AA)." in refused.text
    assert 'value="Rainy days"' in refused.text  # what was typed is still there
    assert db.session.scalar(select(func.count()).select_from(Gallery)) == 0

    unknown = client.post("/staff/galleries/new", data=FORM | {"csrf_token": token, "picks": "999999"})
    assert "Some post numbers are not posts of this workspace." in unknown.text
    not_numbers = client.post("/staff/galleries/new", data=FORM | {"csrf_token": token, "pins": "1; DROP TABLE"})
    assert "Post numbers separated by commas." in not_numbers.text
    assert db.session.scalar(select(func.count()).select_from(Gallery)) == 0

    saved = client.post("/staff/galleries/new", data=FORM | {"csrf_token": token})
    assert saved.status_code == 302
    gallery = db.session.scalar(select(Gallery))
    assert gallery.layout == "masonry" and not gallery.published
    assert client.get("/api/v1/galleries/rainy-days").status_code == 404

    unsaved = urlencode(FORM | {"layout": "carousel", "background": "#000000", "text": "#ffffff", "accent": "#ffd166"})
    preview = client.get(f"/staff/galleries/{gallery.id}/preview?{unsaved}")
    assert preview.status_code == 200
    assert f'data-post-id="{shown.id}"' in preview.text and f'data-post-id="{hidden.id}"' not in preview.text
    assert "layout-carousel" in preview.text and "<script>alert" not in preview.text
    assert "frame-ancestors 'self'" in preview.headers["Content-Security-Policy"]
    assert "--ugc-bg:#000000;" in client.get(f"/staff/galleries/{gallery.id}/preview.css?{unsaved}").text

    edit = client.get(f"/staff/galleries/{gallery.id}")
    assert "ugc-gallery data-gallery=&#34;rainy-days&#34;" in edit.text or 'data-gallery="rainy-days"' in edit.text
    published = client.post(
        f"/staff/galleries/{gallery.id}/publish", data={"csrf_token": csrf_from(edit.text), "decision": "publish"}
    )
    assert published.status_code == 302
    snapshot = client.get("/api/v1/galleries/rainy-days").json
    assert [t["id"] for t in snapshot["items"]] == [shown.id]
    assert snapshot["gallery"]["labels"]["close"] == "Fermer"
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "gallery")))
    assert actions == {"gallery.created", "gallery.published"}


def test_beacon_counts_only_current_tiles_and_staff_sees_ctr(
    client: FlaskClient, auth: Auth, storage: Any, snapshot_settings: Any, ws: int
) -> None:
    first = consented(db.session, storage, workspace_id=ws, n=1)
    second = consented(db.session, storage, workspace_id=ws, n=2)
    outsider = make_post(db.session, storage, workspace_id=ws, n=3)
    gallery = published_gallery(db.session, snapshot_settings, workspace_id=ws)

    def beacon(body: str) -> int:
        return client.post("/g/lookbook/beacon", data=body, content_type="text/plain;charset=UTF-8").status_code

    assert beacon(f'{{"event":"impression","ids":[{first.id},{second.id}]}}') == 204
    assert beacon(f'{{"event":"impression","ids":[{first.id}]}}') == 204
    assert beacon(f'{{"event":"click","ids":[{first.id}]}}') == 204
    for hostile in (
        f'{{"event":"click","ids":[{outsider.id}]}}',  # not a tile of this gallery
        f'{{"event":"click","ids":[{first.id},{outsider.id}]}}',  # refused whole
        f'{{"event":"delete","ids":[{first.id}]}}',
        f'{{"event":"click","ids":["{first.id}"]}}',
        '{"event":"click","ids":[true]}',
        "not json",
        "[]",
    ):
        assert beacon(hostile) == 400, hostile
    assert client.post("/g/other/beacon", data=f'{{"event":"click","ids":[{first.id}]}}').status_code == 400
    response = client.post("/g/lookbook/beacon", data=f'{{"event":"click","ids":[{second.id}]}}')
    assert "Set-Cookie" not in response.headers

    rows = {(r.post_id, r.impressions, r.clicks) for r in db.session.scalars(select(GalleryDailyStat))}
    assert rows == {(first.id, 2, 1), (second.id, 1, 1)}

    auth.as_role("viewer")
    listing = client.get("/staff/galleries/")
    assert "66.7 %" in listing.text  # 2 clicks / 3 impressions
    page = client.get(f"/staff/galleries/{gallery.id}/analytics")
    assert "50.0 %" in page.text and "100.0 %" in page.text


def test_beacon_is_rate_limited(app: Any, client: FlaskClient, storage: Any, snapshot_settings: Any, ws: int) -> None:
    post = consented(db.session, storage, workspace_id=ws, n=1)
    published_gallery(db.session, snapshot_settings, workspace_id=ws)
    app.config["GALLERY_BEACON_RATE_LIMIT"] = "3 per minute"
    codes = [
        client.post("/g/lookbook/beacon", data=f'{{"event":"impression","ids":[{post.id}]}}').status_code
        for _ in range(5)
    ]
    assert codes == [204, 204, 204, 429, 429]
