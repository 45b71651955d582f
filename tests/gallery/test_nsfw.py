"""Posts marked adult by their platform stay off every public surface unless the gallery opts in."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import Auth, csrf_from
from tests.gallery.support import consented, published_gallery
from tests.gallery.test_staff_and_beacon import FORM
from ugc_hub.models import Gallery, db


def test_an_adult_post_is_public_only_in_a_gallery_that_opted_in(
    client: FlaskClient, auth: Auth, storage: Any, snapshot_settings: Any, ws: int
) -> None:
    ordinary = consented(db.session, storage, workspace_id=ws, n=1)
    adult = consented(db.session, storage, workspace_id=ws, n=2)
    adult.nsfw = True
    db.session.commit()
    opted = published_gallery(db.session, snapshot_settings, workspace_id=ws, slug="after-dark", allow_nsfw=True)
    tiles = {t["id"]: t for t in client.get("/api/v1/galleries/after-dark").json["items"]}
    assert set(tiles) == {ordinary.id, adult.id} and opted.allow_nsfw
    assert client.get(tiles[adult.id]["image"]["src"]).status_code == 200

    # A gallery left at the default shows only the ordinary post.
    published_gallery(db.session, snapshot_settings, workspace_id=ws, slug="lookbook")
    assert [t["id"] for t in client.get("/api/v1/galleries/lookbook").json["items"]] == [ordinary.id]
    assert "after-dark" not in client.get("/g/lookbook").text

    # The only gallery that opted in turns it off on its staff form: the post leaves every surface.
    auth.as_role("moderator")
    edit = client.get(f"/staff/galleries/{opted.id}")
    [checkbox] = re.findall(r'<input[^>]*name="allow_nsfw"[^>]*>', edit.text)
    assert 'type="checkbox"' in checkbox and "checked" in checkbox
    form = FORM | {"slug": "after-dark", "hashtags": "", "csrf_token": csrf_from(edit.text)}
    assert client.post(f"/staff/galleries/{opted.id}", data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Gallery, opted.id).allow_nsfw is False  # type: ignore[union-attr]
    assert [t["id"] for t in client.get("/api/v1/galleries/after-dark").json["items"]] == [ordinary.id]
    assert client.get(tiles[adult.id]["image"]["src"]).status_code == 404

    ticked = client.post(f"/staff/galleries/{opted.id}", data=form | {"allow_nsfw": "y"})
    assert ticked.status_code == 302
    assert {t["id"] for t in client.get("/api/v1/galleries/after-dark").json["items"]} == {ordinary.id, adult.id}


def test_the_opt_in_reads_in_french(client: FlaskClient, auth: Auth, ws: int) -> None:
    auth.as_role("moderator")
    client.post("/locale", data={"csrf_token": auth.csrf(), "locale": "fr", "next": "/inbox/"})
    page = client.get("/staff/galleries/new").text
    assert "Afficher aussi les publications marquées pour adultes (NSFW) par leur plateforme" in page
