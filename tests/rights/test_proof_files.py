"""Uploaded proofs and every stored file are served so nothing in them can run on the hub's origin.

The attack (issue 17): a moderator uploads ``contract.js`` (it reads ``/admin/users``' CSRF token and
posts a new admin) and ``contract.html`` that loads it, then an admin clicks "uploaded proof".
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import Auth, csrf_from
from tests.rights.support import add_post, prepare
from ugc_hub.models import PostRights, RightsRequest, db
from ugc_hub.services.storage import storage_from_config

SCRIPT = b"fetch('/admin/users').then(r => r.text()).then(page => { /* post a new admin */ })"
PAGE = b"<!doctype html><script src='/inbox/media/rights/proofs/1/contract.js'></script>"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
SANDBOX = "default-src 'none'; sandbox"


@pytest.fixture
def ready(workspace: Any) -> Any:
    prepare(workspace.id)
    return workspace


def upload(client: FlaskClient, post_id: int, data: bytes, filename: str, note: str = "") -> Any:
    token = csrf_from(client.get(f"/rights/posts/{post_id}").text)
    return client.post(
        f"/rights/posts/{post_id}/proof",
        data={"csrf_token": token, "note": note, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    ("data", "filename"),
    [(SCRIPT, "contract.js"), (PAGE, "contract.html"), (PAGE, "contract.png"), (b"<svg onload=alert(1)>", "a.svg")],
)
def test_a_proof_that_is_not_an_image_or_a_pdf_is_refused_and_the_note_kept(
    ready: Any, client: FlaskClient, auth: Auth, app: Flask, data: bytes, filename: str
) -> None:
    post = add_post(ready.id)
    auth.as_role("moderator")
    refused = upload(client, post.id, data, filename, note="Signed by the author on 3 March")
    assert refused.status_code == 400
    assert "upload a JPEG, PNG, GIF or WebP picture, or a PDF" in refused.text
    assert "Signed by the author on 3 March</textarea>" in refused.text
    assert db.session.scalar(select(RightsRequest).where(RightsRequest.post_id == post.id)) is None
    assert db.session.get(PostRights, post.id) is None
    stored = Path(app.config["STORAGE_URL"])
    assert not stored.exists() or not [path for path in stored.rglob("*") if path.is_file()]


def test_the_refusal_is_worded_in_french(ready: Any, client: FlaskClient, auth: Auth) -> None:
    post = add_post(ready.id)
    auth.as_role("moderator")
    client.post("/locale", data={"csrf_token": auth.csrf(), "locale": "fr", "next": "/inbox/"})
    refused = upload(client, post.id, SCRIPT, "contract.js")
    assert refused.status_code == 400
    assert "Ce fichier ne peut pas servir de preuve" in refused.text


def test_an_accepted_proof_is_named_by_its_content_and_served_as_what_it_is(
    ready: Any, client: FlaskClient, auth: Auth
) -> None:
    post = add_post(ready.id)
    auth.as_role("moderator")
    assert upload(client, post.id, PNG, "contract.html", note="screenshot").status_code == 302
    request = db.session.scalar(select(RightsRequest).where(RightsRequest.post_id == post.id))
    assert request is not None and request.proof_key and request.proof_key.endswith(".png")
    served = client.get(f"/inbox/media/{request.proof_key}")
    assert served.status_code == 200 and served.data == PNG
    assert served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Security-Policy"] == SANDBOX
    assert "Content-Disposition" not in served.headers

    other = add_post(ready.id, 2)
    assert upload(client, other.id, PDF, "contract.exe").status_code == 302
    request = db.session.scalar(select(RightsRequest).where(RightsRequest.post_id == other.id))
    assert request is not None and request.proof_key and request.proof_key.endswith(".pdf")
    served = client.get(f"/inbox/media/{request.proof_key}")
    assert served.mimetype == "application/pdf"
    assert served.headers["Content-Disposition"] == "attachment; filename=proof.pdf"
    assert served.headers["Content-Security-Policy"] == SANDBOX


@pytest.mark.parametrize(
    "key", ["rights/proofs/1/contract.html", "rights/proofs/1/contract.js", "media/demo/page.html", "media/x.svg"]
)
def test_a_file_planted_in_storage_is_an_opaque_download(app: Flask, client: FlaskClient, auth: Auth, key: str) -> None:
    storage_from_config(app.config).put(key, PAGE, "text/html")
    auth.as_role("admin")
    served = client.get(f"/inbox/media/{key}")
    assert served.status_code == 200
    assert served.mimetype == "application/octet-stream"
    assert served.headers["Content-Disposition"].startswith("attachment;")
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Security-Policy"] == SANDBOX


def test_staff_contest_media_is_served_the_same_way(app: Flask, client: FlaskClient, auth: Auth) -> None:
    storage_from_config(app.config).put("contests/1/entry.jpg", PAGE, "image/jpeg")
    auth.as_role("viewer")
    served = client.get("/staff/contests/media/contests/1/entry.jpg")
    assert served.status_code == 200
    assert served.mimetype == "application/octet-stream"
    assert served.headers["Content-Disposition"].startswith("attachment;")
    assert served.headers["Content-Security-Policy"] == SANDBOX


def test_viewers_cannot_open_a_proof_but_still_see_media(app: Flask, client: FlaskClient, auth: Auth) -> None:
    storage = storage_from_config(app.config)
    storage.put("rights/proofs/1/abc.png", PNG, "image/png")
    storage.put("media/demo/photo.png", PNG, "image/png")
    auth.as_role("viewer")
    assert client.get("/inbox/media/rights/proofs/1/abc.png").status_code == 403
    assert client.get("/inbox/media/media/demo/photo.png").status_code == 200
