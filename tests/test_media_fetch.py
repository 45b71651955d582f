"""Media downloads never reach private, loopback, link-local or multicast addresses, even through redirects."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.test_ingest import make_post
from tests.test_media import Files, picture
from ugc_hub.domain.posts import MediaItem
from ugc_hub.models import MediaAsset, Post, db
from ugc_hub.services.ingest import ingest_posts
from ugc_hub.services.media import download_pending, fetcher_from_config, http_fetch, queue_media
from ugc_hub.services.media_fetch import MediaRefused, fetch_public, refusal, resolve
from ugc_hub.services.storage import storage_from_config


@pytest.fixture
def files() -> Iterator[Files]:
    server = Files()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.10", "private"),
        ("172.16.5.5", "private"),
        ("169.254.169.254", "link-local"),  # the cloud metadata service
        ("224.0.0.251", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "shared (carrier-grade NAT)"),
        ("::1", "loopback"),
        ("fe80::1", "link-local"),
        ("fd00::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:169.254.169.254", "link-local"),
        ("93.184.215.14", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_only_public_unicast_addresses_are_allowed(address: str, why: str | None) -> None:
    assert refusal(address) == why


def test_the_default_fetch_refuses_loopback_before_connecting(files: Files) -> None:
    files.files = {"/a.png": picture(50)}
    with pytest.raises(MediaRefused, match=r"loopback address 127\.0\.0\.1"):
        http_fetch(files.url("/a.png"))
    with pytest.raises(MediaRefused, match="loopback"):
        http_fetch(files.url("/a.png", host="localhost"))
    with pytest.raises(MediaRefused, match="not an http"):
        http_fetch("file:///etc/passwd")
    assert files.hits == []


def test_a_host_with_any_private_address_is_refused(files: Files) -> None:
    def resolver(host: str, port: int) -> list[str]:
        return ["93.184.215.14", "10.0.0.7"] if host == "mixed.test" else resolve(host, port)

    with pytest.raises(MediaRefused, match=r"private address 10\.0\.0\.7"):
        fetch_public(f"http://mixed.test:{files.port}/a.png", max_bytes=1000, resolver=resolver)


def only_the_test_server(address: str) -> str | None:
    """Refuse as the hub does, except the test server's own address."""
    return None if address == "127.0.0.1" else refusal(address)


def test_redirects_are_checked_again_at_each_hop(files: Files) -> None:
    files.files = {"/secret": b"internal data"}
    files.redirects = {
        "/to-internal": files.url("/secret", host="internal.test"),
        "/to-metadata": "http://169.254.169.254/latest/meta-data/",
        "/relative": "/to-internal",
    }

    def resolver(host: str, port: int) -> list[str]:
        return {"cdn.test": ["127.0.0.1"], "internal.test": ["127.0.0.2"]}.get(host) or resolve(host, port)

    for path, why in (
        ("/to-internal", r"loopback address 127\.0\.0\.2"),
        ("/to-metadata", "link-local"),
        ("/relative", "loopback"),
    ):
        with pytest.raises(MediaRefused, match=why):
            fetch_public(
                files.url(path, host="cdn.test"), max_bytes=1000, resolver=resolver, policy=only_the_test_server
            )
    assert "/secret" not in files.hits


def test_the_connection_goes_to_the_checked_address_with_the_original_host(files: Files) -> None:
    files.files = {"/a.png": picture(60)}
    answers = iter([["127.0.0.1"], ["10.9.9.9"]])  # a rebinding DNS: checked once, then something else

    def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    body = fetch_public(
        files.url("/a.png", host="cdn.test"), max_bytes=10**6, resolver=rebinding, policy=only_the_test_server
    )
    assert body == files.files["/a.png"]
    assert files.hosts == [f"cdn.test:{files.port}"]


def test_a_refused_image_fails_at_once_with_the_reason_recorded(app: Flask, workspace: Any, files: Files) -> None:
    files.files = {"/a.png": picture(80)}
    ingest_posts(db.session, [make_post(1, media=(MediaItem(url=files.url("/a.png")),))], workspace_id=workspace.id)
    queue_media(db.session, db.session.scalars(select(Post)).all())
    assert app.config["MEDIA_ALLOW_PRIVATE_ADDRESSES"] is False  # refusing is the default
    storage = storage_from_config(app.config)
    report = download_pending(db.session, storage, fetch=fetcher_from_config(app.config))
    asset = db.session.scalars(select(MediaAsset)).one()
    assert (report.failed, report.retry) == (1, 0)
    assert (asset.status, asset.attempts) == ("failed", 1)
    assert asset.error is not None and "refused" in asset.error and "127.0.0.1" in asset.error
    assert files.hits == []
    allowed = fetcher_from_config({**app.config, "MEDIA_ALLOW_PRIVATE_ADDRESSES": True})
    assert allowed(files.url("/a.png")) == files.files["/a.png"]
