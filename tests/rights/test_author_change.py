"""A grant belongs to an author account: a post re-collected under another author leaves every public surface.

Reproduction (issue 17): a granted post is re-ingested (same platform and platform id) with another
``author_id``/``author_handle`` and a new caption; the widget, iframe and API went on showing it as
"@someone_else", while the ledger held only the first author's consent.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import Auth
from tests.gallery.support import STAFF, approve, make_post, published_gallery
from tests.rights.support import prepare
from tests.test_api import bearer
from ugc_hub.models import ConsentEvent, PostRights, db
from ugc_hub.models.base import utcnow
from ugc_hub.rights.services import upkeep as rights_upkeep
from ugc_hub.services import publication
from ugc_hub.services.storage import storage_from_config

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
HIJACK = {
    "platform": "instagram",
    "platform_id": "p1",
    "author_id": "9999",
    "author_handle": "someone_else",
    "text": "Buy followers at scam.example",
    "media": [{"url": "https://cdn.instagram.example/1.jpg", "type": "image"}],
}


def test_a_granted_post_re_ingested_under_another_author_leaves_every_public_surface(
    app: Flask, client: FlaskClient, auth: Auth, workspace: Any
) -> None:
    from gallery.snapshots import settings_from_config

    prepare(workspace.id)
    storage = storage_from_config(app.config)
    post = make_post(db.session, storage, workspace_id=workspace.id, n=1, caption="Morning run #lumen")
    rights_upkeep.grant_with_proof(
        db.session, post_id=post.id, data=PNG, filename="dm.png", note="", storage=storage, actor=STAFF, now=utcnow()
    )
    approve(db.session, [post.id])
    published_gallery(db.session, settings_from_config(app.config), workspace_id=workspace.id)
    [tile] = client.get("/api/v1/galleries/lookbook").json["items"]
    assert tile["id"] == post.id and tile["credit"] == "@trailkate"
    thumbnail = tile["image"]["src"]
    assert client.get(thumbnail).status_code == 200

    answer = client.post("/api/v1/ingest/", json=[HIJACK], headers=bearer(auth, "moderator"))
    assert answer.status_code == 200 and answer.json["updated"] == 1, answer.text

    assert client.get("/api/v1/galleries/lookbook").json["items"] == []
    for page in ("/g/lookbook", "/g/lookbook/embed"):
        html = client.get(page).text
        assert "someone_else" not in html and "scam.example" not in html and "trailkate" not in html
    oembed = client.get("/g/oembed", query_string={"url": "http://localhost/g/lookbook"})
    assert oembed.status_code == 200 and "someone_else" not in oembed.text
    assert client.get(thumbnail).status_code == 404
    assert not publication.is_shown(db.session, post.id, utcnow())

    db.session.expire_all()
    rights = db.session.get(PostRights, post.id)
    assert rights is not None and rights.state == "author_changed"
    event = db.session.scalars(
        select(ConsentEvent).where(ConsentEvent.post_id == post.id).order_by(ConsentEvent.seq)
    ).all()[-1]
    assert event.kind == "author_changed"
    payload = json.loads(event.payload)
    assert payload["granted_by"]["handle"] == "trailkate"
    assert payload["author"]["handle"] == "someone_else" and payload["author"]["platform_user_id"] == "9999"
    verified = app.test_cli_runner().invoke(args=["rights", "verify"])
    assert verified.exit_code == 0, verified.output

    auth.as_role("moderator")
    overview = client.get("/rights/").text
    assert f'data-author-changed="{post.id}"' in overview
    assert "needs review: author changed" in client.get(f"/rights/posts/{post.id}").text
    client.post("/locale", data={"csrf_token": auth.csrf(), "locale": "fr", "next": "/inbox/"})
    assert "à revoir : l’auteur a changé" in client.get(f"/rights/posts/{post.id}").text


def test_the_same_account_refreshing_or_renamed_keeps_the_post_shown(
    app: Flask, client: FlaskClient, auth: Auth, workspace: Any
) -> None:
    from gallery.snapshots import settings_from_config

    prepare(workspace.id)
    storage = storage_from_config(app.config)
    post = make_post(db.session, storage, workspace_id=workspace.id, n=1)
    rights_upkeep.grant_with_proof(
        db.session, post_id=post.id, data=PNG, filename="dm.png", note="", storage=storage, actor=STAFF, now=utcnow()
    )
    approve(db.session, [post.id])
    published_gallery(db.session, settings_from_config(app.config), workspace_id=workspace.id)
    # The fixture's author is the platform account "id-1"; a new handle on the same account is a rename.
    same = {**HIJACK, "author_id": "id-1", "author_handle": "trailkate_runs", "text": "Morning run, edited #lumen"}
    assert client.post("/api/v1/ingest/", json=[same], headers=bearer(auth, "moderator")).status_code == 200
    db.session.expire_all()
    assert db.session.get(PostRights, post.id).state == "granted"  # type: ignore[union-attr]
    assert publication.is_shown(db.session, post.id, utcnow())
    assert [t["id"] for t in client.get("/api/v1/galleries/lookbook").json["items"]] == [post.id]
