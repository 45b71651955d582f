"""Pictures on ideas: verified, re-encoded without metadata, stored, served; bad files refused, text kept."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import func, select

from tests.conftest import csrf_from
from tests.ideas.helpers import campaign, client_as, customer, jpeg_with_gps
from ugc_hub.models import db
from ugc_hub.models.ideas import Idea, IdeaImage
from ugc_hub.services.audit import CLI
from ugc_hub.services.ideas import moderate_idea
from ugc_hub.services.ideas_images import ImageRejected, clean_image
from ugc_hub.services.storage import storage_from_config


def test_gps_and_camera_exif_are_gone_after_re_encoding() -> None:
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the upload does carry GPS
    cleaned = clean_image(original, "phone.jpg")
    image = Image.open(io.BytesIO(cleaned.data))
    assert image.format == "JPEG" and (cleaned.width, cleaned.height) == (64, 48)
    exif = image.getexif()
    assert len(exif) == 0 and not exif.get_ifd(0x8825)
    assert b"PhoneModel" not in cleaned.data and b"Exif" not in cleaned.data


def test_png_is_re_encoded_and_webp_is_available() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 255, 128)).save(out, "PNG")
    assert clean_image(out.getvalue(), "a.png").content_type == "image/jpeg"
    webp = clean_image(out.getvalue(), "a.png", fmt="WEBP")
    assert webp.content_type == "image/webp" and Image.open(io.BytesIO(webp.data)).format == "WEBP"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"%PDF-1.4 not a picture", "not_an_image"),
        (b"<script>alert(1)</script>", "not_an_image"),
        (jpeg_with_gps()[:200], "not_an_image"),  # truncated
        (b"\xff" * 2048, "too_large"),
    ],
)
def test_bad_files_are_refused_with_a_reason(data: bytes, code: str) -> None:
    with pytest.raises(ImageRejected) as refused:
        clean_image(data, "upload.bin", max_bytes=1024)
    assert refused.value.code == code


def _submit(client: Any, slug: str, files: list[tuple[bytes, str]], title: str = "Folding lantern") -> Any:
    page = client.get(f"/ideas/c/{slug}/submit")
    data = {
        "title": title,
        "description": "Charges by day.",
        "category": "Camping",
        "images": [(io.BytesIO(content), name) for content, name in files],
        "csrf_token": csrf_from(page.text),
    }
    return client.post(f"/ideas/c/{slug}/submit", data=data, content_type="multipart/form-data")


def test_upload_is_stored_clean_and_served_once_public(app: Flask, workspace: Any) -> None:
    found = campaign(workspace)
    author = customer("author")
    client = client_as(app, author)
    response = _submit(client, found.slug, [(jpeg_with_gps(), "phone.jpg")])
    assert response.status_code == 302
    idea = db.session.scalar(select(Idea))
    image = db.session.scalar(select(IdeaImage))
    assert (idea.category, image.idea_id, image.content_type) == ("Camping", idea.id, "image/jpeg")
    stored = storage_from_config(app.config).get(image.key)
    assert b"PhoneModel" not in stored and not Image.open(io.BytesIO(stored)).getexif()

    visitor = app.test_client()
    assert visitor.get(f"/ideas/img/{image.id}").status_code == 404  # not public before moderation
    assert client.get(f"/ideas/img/{image.id}").status_code == 200  # the author sees their own
    moderate_idea(db.session, idea_id=idea.id, publish=True, reason="", actor=CLI)
    served = visitor.get(f"/ideas/img/{image.id}")
    assert served.status_code == 200 and served.data == stored
    assert served.headers["Content-Type"] == "image/jpeg" and served.headers["X-Content-Type-Options"] == "nosniff"
    page = visitor.get(f"/ideas/i/{idea.id}").text
    assert f'src="/ideas/img/{image.id}"' in page
    assert f'property="og:image" content="http://localhost/ideas/img/{image.id}"' in page


def test_non_image_or_oversized_upload_is_refused_and_the_text_is_kept(app: Flask, workspace: Any) -> None:
    app.config["IDEA_IMAGE_MAX_BYTES"] = 2048
    found = campaign(workspace)
    client = client_as(app, customer("author"))
    hostile_title = '<img src=x onerror="alert(1)"> Lantern'
    refused = _submit(
        client, found.slug, [(jpeg_with_gps(), "ok.jpg"), (b"MZ\x90\x00 binary", "virus.jpg")], hostile_title
    )
    assert refused.status_code == 200
    assert "“virus.jpg” is not a picture we can read" in refused.text
    assert "please choose the pictures again" in refused.text
    assert 'value="&lt;img src=x onerror=&#34;alert(1)&#34;&gt; Lantern"' in refused.text  # kept, escaped
    assert "Charges by day." in refused.text
    noisy = io.BytesIO()
    Image.effect_noise((400, 400), 100).convert("RGB").save(noisy, "PNG")
    oversized = _submit(client, found.slug, [(noisy.getvalue(), "huge.png")])
    assert "“huge.png” is larger than" in oversized.text and "Charges by day." in oversized.text
    assert db.session.scalar(select(func.count()).select_from(Idea)) == 0  # nothing half-created
    assert db.session.scalar(select(func.count()).select_from(IdeaImage)) == 0
