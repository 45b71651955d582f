"""Every URL the hub fetches goes through one address guard: feeds and review sources, webhooks, media.

Reproduction (issue 17): an RSS source fetched ``http://127.0.0.1:…``, the friction webhook accepted
``http://169.254.169.254/…``, and 6to4 addresses (``2002::/16``) counted as public.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from collectors.errors import ConfigurationError
from collectors.instagram_graph.client import GraphClient
from collectors.instagram_graph.hashtag import InstagramGraphHashtagCollector
from collectors.reddit.search import RedditSearchCollector
from collectors.reviews.rss import RssFeedCollector
from tests.conftest import Auth
from tests.fakes.harness import reddit_settings
from tests.fakes.reddit import FakeReddit
from tests.fakes.reviews import RSS
from tests.test_media import Files
from ugc_hub.models import CollectorRun, FrictionAlert, Source, db
from ugc_hub.netguard import AddressRefused, allowing_private_addresses, check_url, guarded_session, refusal
from ugc_hub.services.audit import CLI
from ugc_hub.services.collection import collect_source
from ugc_hub.services.sources import create_source


@pytest.fixture
def files() -> Iterator[Files]:
    server = Files()
    server.files = {"/feed.xml": RSS}
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("2002:7f00:1::", "loopback"),  # 6to4 around 127.0.0.1
        ("2002:a9fe:a9fe::1", "link-local"),  # 6to4 around 169.254.169.254
        ("2002:c0a8:1::", "private"),  # 6to4 around 192.168.0.1
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"),  # Teredo, client 127.0.0.1 (obfuscated)
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 around 169.254.169.254
        ("64:ff9b::a00:1", "private"),  # NAT64 around 10.0.0.1
        ("::ffff:10.0.0.1", "private"),  # IPv4-mapped
        ("2002:5db8:d70e::1", None),  # 6to4 around a public address
        ("64:ff9b::5db8:d70e", None),  # NAT64 around a public address
    ],
)
def test_ipv6_forms_that_embed_an_ipv4_address_are_judged_by_it(address: str, why: str | None) -> None:
    assert refusal(address) == why


def test_a_guarded_session_refuses_loopback_before_connecting(files: Files) -> None:
    with guarded_session() as session, pytest.raises(AddressRefused, match=r"loopback address 127\.0\.0\.1"):
        session.get(files.url("/feed.xml"), timeout=5)
    assert files.hits == []
    with allowing_private_addresses(), guarded_session() as session:
        answer = session.get(files.url("/feed.xml", host="localhost"), timeout=5)
    assert answer.status_code == 200 and answer.content == RSS
    assert files.hosts == [f"localhost:{files.port}"]  # pinned to the address, asked by name


def test_each_redirect_hop_is_checked_again(files: Files) -> None:
    files.redirects = {"/old": "http://169.254.169.254/latest/meta-data/", "/moved": "/feed.xml"}

    def only_this_loopback(address: str) -> str | None:
        return None if address == "127.0.0.1" else refusal(address)

    with guarded_session(policy=only_this_loopback) as session:
        assert session.get(files.url("/moved"), timeout=5).content == RSS
        with pytest.raises(AddressRefused, match=r"link-local address 169\.254\.169\.254"):
            session.get(files.url("/old"), timeout=5)


def test_the_rss_plugin_refuses_a_private_feed_as_a_setting_to_change(files: Files) -> None:
    with pytest.raises(ConfigurationError, match=r"loopback address 127\.0\.0\.1"):
        list(RssFeedCollector().fetch({"url": files.url("/feed.xml")}, None))
    assert files.hits == []


def test_an_rss_source_on_a_private_address_shows_the_refusal_on_its_health_page(
    client: Any, auth: Auth, workspace: Any, files: Files
) -> None:
    source = create_source(
        db.session, workspace_id=workspace.id, kind="rss.feed", name="Forum feed",
        settings={"url": files.url("/feed.xml")}, actor=CLI,
    )  # fmt: skip
    auth.as_role("moderator")
    answer = client.post(f"/sources/{source.id}/collect", data={"csrf_token": auth.csrf("/sources/")})
    assert answer.status_code == 302  # the task ran eagerly
    assert files.hits == []  # refused without making the request
    run = db.session.scalars(select(CollectorRun).where(CollectorRun.source_id == source.id)).one()
    assert run.status == "failed"
    db.session.expire_all()
    assert db.session.get(Source, source.id).status == "error"  # type: ignore[union-attr]
    page = client.get(f"/sources/{source.id}").text
    assert "resolves to the loopback address 127.0.0.1" in page
    assert "the hub only fetches from public addresses" in page


@pytest.fixture
def reddit_on_loopback() -> Iterator[FakeReddit]:
    """A fake Reddit on 127.0.0.1 *without* the loopback allowance its context manager gives tests."""
    fake = FakeReddit(total=3, comments_every=0).start()
    yield fake
    fake.stop()


def test_a_reddit_source_on_a_private_address_shows_the_refusal_on_its_health_page(
    client: Any, auth: Auth, workspace: Any, reddit_on_loopback: FakeReddit
) -> None:
    source = create_source(
        db.session, workspace_id=workspace.id, kind="reddit.search", name="Reddit",
        settings=reddit_settings(reddit_on_loopback), actor=CLI,
    )  # fmt: skip
    auth.as_role("moderator")
    answer = client.post(f"/sources/{source.id}/collect", data={"csrf_token": auth.csrf("/sources/")})
    assert answer.status_code == 302  # the task ran eagerly
    assert reddit_on_loopback.requests == []  # refused before praw made any request
    run = db.session.scalars(select(CollectorRun).where(CollectorRun.source_id == source.id)).one()
    assert run.status == "failed" and "OAuth API URL" in (run.error or "")
    db.session.expire_all()
    assert db.session.get(Source, source.id).status == "error"  # type: ignore[union-attr]
    page = client.get(f"/sources/{source.id}").text
    assert "resolves to the loopback address 127.0.0.1" in page
    assert "the hub only fetches from public addresses" in page

    with allowing_private_addresses():  # what tests' fakes opt in to
        assert collect_source(db.session, source.id).status == "succeeded"
    assert reddit_on_loopback.requests


@pytest.mark.parametrize(
    ("kind", "settings"),
    [
        ("reddit.search", {"client_id": "c", "client_secret": "s", "terms": ["acme"],
                           "reddit_url": "http://169.254.169.254/latest/"}),
        ("instagram_graph.hashtag", {"graph_access_token": "t", "graph_user_id": "1", "hashtags": ["acme"],
                                     "graph_url": "http://[::ffff:10.0.0.1]/v21.0"}),
        ("rss.feed", {"url": "http://[2002:7f00:1::]/feed.xml"}),
    ],
)  # fmt: skip
def test_every_url_setting_of_a_source_is_checked_before_a_run(
    app: Flask, workspace: Any, kind: str, settings: dict[str, Any]
) -> None:
    source = create_source(db.session, workspace_id=workspace.id, kind=kind, name=kind, settings=settings, actor=CLI)
    result = collect_source(db.session, source.id)
    assert result.status == "failed"
    assert "refused" in (result.error or "") and "the hub only fetches from public addresses" in (result.error or "")


def test_the_reddit_and_graph_clients_check_each_connection(reddit_on_loopback: FakeReddit) -> None:
    """Past the check before a run (a name whose DNS answer changed), the clients' sessions refuse too."""
    with pytest.raises(ConfigurationError, match=r"loopback address 127\.0\.0\.1.*public addresses"):
        list(RedditSearchCollector().fetch(reddit_settings(reddit_on_loopback), None))
    assert reddit_on_loopback.requests == []
    graph = {"graph_access_token": "t", "graph_user_id": "1", "hashtags": ["acme"], "graph_url": reddit_on_loopback.url}
    with pytest.raises(ConfigurationError, match=r"loopback address 127\.0\.0\.1.*public addresses"):
        list(InstagramGraphHashtagCollector().fetch(graph, None))
    assert reddit_on_loopback.requests == []
    # The rights channel's Graph client (permission replies) sends through the same guard.
    with pytest.raises(ConfigurationError, match=r"loopback address 127\.0\.0\.1.*public addresses"):
        GraphClient(graph).post("123/comments", {"message": "hello"})
    assert reddit_on_loopback.requests == []


def test_the_friction_webhook_refuses_a_metadata_address_when_saved_and_when_sent(
    app: Flask, client: Any, auth: Auth, workspace: Any, files: Files
) -> None:
    from tests.nps.test_friction_alerts import seed_growing_delivery_theme
    from ugc_hub.insights_tasks import check_friction_alerts
    from ugc_hub.services.friction_alerts import WebhookRefused, update_alert_settings

    for url in ("http://169.254.169.254/latest/meta-data/", "http://[::ffff:127.0.0.1]/", "http://[2002:7f00:1::]/"):
        with pytest.raises(WebhookRefused):
            update_alert_settings(
                db.session, workspace_id=workspace.id, growth=None, webhook_url=url, rotate_secret=False, actor=CLI
            )
        db.session.rollback()
    auth.as_role("admin")
    page = client.post(
        "/insights/settings",
        data={"competitors": "", "growth": "", "webhook_url": "http://169.254.169.254/latest/meta-data/",
              "csrf_token": auth.csrf("/insights/settings")},
    )  # fmt: skip
    assert "this webhook address is on a private or local network" in page.text
    db.session.refresh(workspace)
    assert workspace.alert_webhook_url is None

    # Saved before this guard existed, or a name whose DNS answer changed since: refused at sending.
    workspace.alert_webhook_url, workspace.alert_webhook_secret = files.url("/hook"), "s3cret"
    db.session.commit()
    seed_growing_delivery_theme(workspace)
    assert check_friction_alerts.delay().get() == {workspace.slug: {"created": 1, "delivered": 0}}
    alert = db.session.scalars(select(FrictionAlert)).one()
    assert alert.delivered_at is None and "loopback address 127.0.0.1" in (alert.last_error or "")
    assert files.hits == []


def test_a_name_that_does_not_resolve_may_be_saved_it_is_checked_when_used() -> None:
    def nowhere(host: str, port: int) -> list[str]:
        from ugc_hub.netguard import FetchError

        raise FetchError(f"cannot resolve {host}")

    check_url("https://hooks.example.invalid/f", resolver=nowhere)
    with pytest.raises(AddressRefused):
        check_url("http://127.0.0.1:9/", resolver=lambda host, port: [host])
