"""Media: images downloaded once over HTTP (a local server), thumbnails, perceptual-hash reposts."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from PIL import Image, ImageDraw
from sqlalchemy import select

from tests.test_ingest import make_post
from ugc_hub.domain.posts import MediaItem
from ugc_hub.models import MediaAsset, Post, db
from ugc_hub.services.ingest import ingest_posts
from ugc_hub.services.media import download_pending, http_fetch, queue_media, reposts_of
from ugc_hub.services.storage import storage_from_config


def picture(size: int, fmt: str = "PNG", quality: int = 90) -> bytes:
    image = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((size // 5, size // 5, size * 3 // 4, size * 3 // 4), fill="navy")
    draw.rectangle((0, size * 2 // 3, size, size), fill="orange")
    out = io.BytesIO()
    image.save(out, fmt, **({"quality": quality} if fmt == "JPEG" else {}))
    return out.getvalue()


class Files:
    """A tiny image server on 127.0.0.1: path → bytes; anything else is a 404."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.redirects: dict[str, str] = {}
        self.hits: list[str] = []
        self.hosts: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

            def do_GET(self) -> None:
                owner.hits.append(self.path)
                owner.hosts.append(self.headers.get("Host", ""))
                if self.path in owner.redirects:
                    self.send_response(302)
                    self.send_header("Location", owner.redirects[self.path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = owner.files.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


def local_fetch(url: str) -> bytes:
    """The image server is on 127.0.0.1, which the hub refuses unless told otherwise."""
    return http_fetch(url, allow_private=True)


@pytest.fixture
def files() -> Iterator[Files]:
    server = Files()
    yield server
    server.server.shutdown()
    server.server.server_close()


def test_images_are_stored_once_with_thumbnails_and_reposts_are_recognised(
    app: Flask, workspace: Any, files: Files
) -> None:
    files.files = {
        "/a.png": picture(800),
        "/same-bytes.png": picture(800),
        "/repost.jpg": picture(500, "JPEG", quality=60),  # the same photo, smaller and recompressed
        "/broken.png": b"not an image",
    }
    posts = [
        make_post(1, media=(MediaItem(url=files.url("/a.png")),)),
        make_post(2, media=(MediaItem(url=files.url("/same-bytes.png")),)),
        make_post(3, media=(MediaItem(url=files.url("/repost.jpg")),)),
        make_post(4, media=(MediaItem(url=files.url("/broken.png")), MediaItem(url=files.url("/missing.png")))),
        make_post(5, media=(MediaItem(url=files.url("/video.mp4"), type="video"),)),
    ]
    ingest_posts(db.session, posts, workspace_id=workspace.id)
    stored_posts = db.session.scalars(select(Post).order_by(Post.id)).all()
    assert queue_media(db.session, stored_posts) == 5
    assert queue_media(db.session, stored_posts) == 0  # queued once
    storage = storage_from_config(app.config)
    report = download_pending(db.session, storage, fetch=local_fetch)
    assert (report.stored, report.reused, report.failed, report.retry) == (2, 1, 1, 1)
    assets = {a.url.rsplit("/", 1)[1]: a for a in db.session.scalars(select(MediaAsset))}
    first, twin, repost = assets["a.png"], assets["same-bytes.png"], assets["repost.jpg"]
    assert first.status == "stored" and (first.width, first.height, first.content_type) == (800, 800, "image/png")
    assert twin.storage_key == first.storage_key and twin.sha256 == first.sha256  # same bytes, one file
    thumb = Image.open(io.BytesIO(storage.get(first.thumbnail_key or "")))
    assert thumb.format == "JPEG" and max(thumb.size) == 320
    assert storage.get(first.storage_key or "") == files.files["/a.png"]
    assert repost.sha256 != first.sha256 and repost.phash is not None
    assert {a.post_id for a in reposts_of(db.session, repost)} == {first.post_id, twin.post_id}
    assert assets["broken.png"].status == "failed" and "not a readable image" in (assets["broken.png"].error or "")
    missing = assets["missing.png"]
    assert missing.status == "pending" and "HTTP 404" in (missing.error or "")
    for _ in range(2):
        download_pending(db.session, storage, fetch=local_fetch)
    db.session.refresh(missing)
    assert (missing.status, missing.attempts) == ("failed", 3)
    assert files.hits.count("/a.png") == 1


def test_a_run_with_media_download_on_stores_the_images_of_new_posts(
    app: Flask, workspace: Any, files: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fakes.harness import reddit_settings
    from tests.fakes.reddit import FakeReddit
    from ugc_hub.collect_tasks import collect_source_task
    from ugc_hub.services.audit import CLI
    from ugc_hub.services.sources import create_source

    files.files = {"/one.png": picture(400)}
    with FakeReddit(total=6, comments_every=0) as fake:
        source = create_source(
            db.session,
            workspace_id=workspace.id,
            kind="reddit.search",
            name="r",
            settings=reddit_settings(fake),
            actor=CLI,
        )
        # Every third fake submission links an i.redd.it image; point them at the local server instead.
        monkeypatch.setattr(fake, "submission", _local_images(fake.submission, files.url("/one.png")))
        monkeypatch.setitem(app.config, "MEDIA_DOWNLOAD", True)
        monkeypatch.setitem(app.config, "MEDIA_ALLOW_PRIVATE_ADDRESSES", True)  # the image server is on 127.0.0.1
        collect_source_task.delay(source.id)
    assets = db.session.scalars(select(MediaAsset)).all()
    assert len(assets) == 2 and {a.status for a in assets} == {"stored"}
    assert len({a.storage_key for a in assets}) == 1


def _local_images(original: Any, url: str) -> Any:
    def submission(index: int) -> dict[str, Any]:
        data = original(index)
        if data.get("post_hint") == "image":
            data.update(url=url, url_overridden_by_dest=url, preview={"images": [], "enabled": False})
        return data

    return submission
