"""The public JSON: only what the gate allows, credited, cacheable, and a withdrawal empties it at once."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient

from gallery import tasks
from gallery.snapshots import ServedCache
from tests.gallery.support import (
    HOSTILE_CAPTION,
    HOSTILE_HANDLE,
    approve,
    consented,
    grant,
    make_post,
    published_gallery,
    withdraw,
)
from ugc_hub.models import PostRights, PostSentiment, db
from ugc_hub.models.base import utcnow


def items(client: FlaskClient, slug: str = "lookbook") -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/galleries/{slug}")
    assert response.status_code == 200, response.text
    return list(response.json["items"])


def test_only_approved_and_granted_posts_are_served_credited_until_withdrawn(
    client: FlaskClient, storage: Any, snapshot_settings: Any, ws: int
) -> None:
    shown = consented(db.session, storage, workspace_id=ws, n=1, raw={"accessibility_caption": "A runner on a trail"})
    not_asked = make_post(db.session, storage, workspace_id=ws, n=2)
    approve(db.session, [not_asked.id])
    not_approved = make_post(db.session, storage, workspace_id=ws, n=3)
    grant(db.session, not_approved.id)
    published_gallery(db.session, snapshot_settings, workspace_id=ws)

    tiles = items(client)
    assert [t["id"] for t in tiles] == [shown.id]
    tile = tiles[0]
    assert tile["credit"] == "@trailkate"
    assert tile["author_url"] == "https://www.instagram.com/trailkate/"
    assert tile["permalink"] == "https://www.instagram.com/p/P1/"
    assert tile["alt"] == "A runner on a trail"
    assert [part.split(" ")[1] for part in tile["image"]["srcset"].split(", ")] == ["320w", "640w", "1080w"]
    assert "instagram" not in tile["image"]["src"]
    thumbnail = client.get(tile["image"]["src"])
    assert thumbnail.status_code == 200 and thumbnail.mimetype == "image/jpeg"

    withdraw(db.session, shown.id)

    assert items(client) == []
    assert client.get(tile["image"]["src"]).status_code == 404


def test_strong_etag_304_cache_control_cors_and_no_cookie(
    client: FlaskClient, storage: Any, snapshot_settings: Any, ws: int
) -> None:
    consented(db.session, storage, workspace_id=ws, n=1)
    published_gallery(db.session, snapshot_settings, workspace_id=ws)
    first = client.get("/api/v1/galleries/lookbook")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first.headers["Cache-Control"] == "public, max-age=0, must-revalidate, s-maxage=30"
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert "Set-Cookie" not in first.headers
    again = client.get("/api/v1/galleries/lookbook", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert "Set-Cookie" not in again.headers
    for path in ("/g/lookbook", "/g/lookbook/embed", "/g/lookbook/theme.css"):
        response = client.get(path)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
        assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Origin" not in client.get("/login").headers
    assert client.get("/api/v1/galleries/nope").status_code == 404


def test_rebuild_without_change_keeps_the_etag(
    client: FlaskClient, storage: Any, snapshot_settings: Any, ws: int
) -> None:
    consented(db.session, storage, workspace_id=ws, n=1)
    published_gallery(db.session, snapshot_settings, workspace_id=ws)
    etag = client.get("/api/v1/galleries/lookbook").headers["ETag"]
    assert tasks.refresh_published() == 0
    assert client.get("/api/v1/galleries/lookbook").headers["ETag"] == etag


def test_a_newly_approved_post_enters_the_snapshot(
    client: FlaskClient, storage: Any, snapshot_settings: Any, ws: int
) -> None:
    published_gallery(db.session, snapshot_settings, workspace_id=ws)
    assert items(client) == []
    post = consented(db.session, storage, workspace_id=ws, n=4)
    assert [t["id"] for t in items(client)] == [post.id]


def test_licence_end_is_honoured_by_the_periodic_refresh(
    client: FlaskClient, storage: Any, snapshot_settings: Any, ws: int
) -> None:
    post = consented(db.session, storage, workspace_id=ws, n=1)
    published_gallery(db.session, snapshot_settings, workspace_id=ws)
    assert len(items(client)) == 1
    rights = db.session.get(PostRights, post.id)
    rights.licence_end = utcnow() - timedelta(seconds=1)  # the window ends: no commit announces it
    db.session.commit()
    assert len(items(client)) == 1
    assert tasks.refresh_published() == 1
    assert items(client) == []


def test_hostile_caption_and_handle_are_data_in_json_and_escaped_in_html(
    client: FlaskClient, storage: Any, snapshot_settings: Any, ws: int
) -> None:
    consented(db.session, storage, workspace_id=ws, n=1, caption=HOSTILE_CAPTION, handle=HOSTILE_HANDLE)
    published_gallery(db.session, snapshot_settings, workspace_id=ws, name="<i>Shop</i>")
    tile = items(client)[0]
    assert tile["caption"] == HOSTILE_CAPTION
    assert tile["credit"] == "@" + HOSTILE_HANDLE
    assert tile["alt"].startswith("Photo by @mallory")
    for path in ("/g/lookbook", "/g/lookbook/embed"):
        html = client.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold" not in html
        assert "&lt;script&gt;alert(&#39;caption&#39;)&lt;/script&gt;" in html
        assert "<i>Shop" not in html


def test_filters_pins_exclusions_and_order(client: FlaskClient, storage: Any, snapshot_settings: Any, ws: int) -> None:
    liked = consented(db.session, storage, workspace_id=ws, n=1, likes=500)
    other_tag = consented(db.session, storage, workspace_id=ws, n=2, likes=900, tags=("other",))
    sad = consented(db.session, storage, workspace_id=ws, n=3, likes=10)
    recent = consented(db.session, storage, workspace_id=ws, n=0, likes=5)
    pinned = consented(db.session, storage, workspace_id=ws, n=5, tags=("other",))
    excluded = consented(db.session, storage, workspace_id=ws, n=6, likes=1000)
    no_image = consented(db.session, storage, workspace_id=ws, n=7, likes=2000, image=False)
    for post, score in ((liked, 0.9), (sad, -0.8), (recent, 0.5), (excluded, 0.9), (no_image, 0.9)):
        db.session.add(
            PostSentiment(
                post_id=post.id,
                label="positive" if score > 0 else "negative",
                score=score,
                model="m",
                model_version="1",
                scored_at=utcnow(),
            )
        )
    db.session.commit()
    published_gallery(
        db.session,
        snapshot_settings,
        workspace_id=ws,
        hashtags=["#Lumen"],
        min_sentiment=0.0,
        order="most_liked",
        pins=[pinned.id],
        exclusions=[excluded.id],
    )
    assert [t["id"] for t in items(client)] == [pinned.id, liked.id, recent.id]
    assert other_tag.id not in [t["id"] for t in items(client)]


def test_openapi_documents_the_public_endpoint(client: FlaskClient) -> None:
    spec = json.loads(client.get("/api/v1/openapi.json").data)
    operation = spec["paths"]["/api/v1/galleries/{slug}"]["get"]
    assert "security" not in operation
    assert {"200", "304", "404"} <= set(operation["responses"])


def test_another_process_serves_its_copy_for_at_most_the_cache_seconds(
    storage: Any, snapshot_settings: Any, ws: int
) -> None:
    post = consented(db.session, storage, workspace_id=ws, n=1)
    published_gallery(db.session, snapshot_settings, workspace_id=ws)
    worker = ServedCache()  # another gunicorn worker's memory: this process's rebuild cannot reach it
    before = worker.get(db.session, "lookbook", database="db", ttl=1.0, now=100.0)
    assert before is not None and json.loads(before[1])["items"]

    withdraw(db.session, post.id)

    assert worker.get(db.session, "lookbook", database="db", ttl=1.0, now=100.9) == before
    after = worker.get(db.session, "lookbook", database="db", ttl=1.0, now=101.0)
    assert after is not None and json.loads(after[1])["items"] == []
    assert after[0] != before[0]
