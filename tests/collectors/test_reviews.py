"""Feeds and review stores: ``rss.feed``, ``appstore.reviews``, ``googleplay.reviews``."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from datetime import timedelta

import pytest
import responses

from collectors.base import Page, RawItem
from collectors.errors import ConfigurationError, MappingError, RateLimited, TransientError
from collectors.http import retry_after
from collectors.reviews.appstore import AppStoreReviewsCollector
from collectors.reviews.googleplay import GooglePlayReviewsCollector
from collectors.reviews.rss import RssFeedCollector, html_to_text
from tests.fakes.reviews import ATOM, RSS, FakeAppStore, FakeFeed, FakeGooglePlay

RSS_PLUGIN = RssFeedCollector()
APPSTORE = AppStoreReviewsCollector()
PLAY = GooglePlayReviewsCollector()


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def ids(pages: list[Page]) -> list[str]:
    return [item.platform_id for page in pages for item in page.items]


# -- RSS / Atom ----------------------------------------------------------------------------------
def test_rss_entries_and_a_conditional_request_the_next_time(rsps: responses.RequestsMock):
    feed = FakeFeed()
    feed.install(rsps)
    [page] = list(RSS_PLUGIN.fetch({"url": feed.url}, None))
    assert ids([page]) == [  # bare guids, known by the site the channel links to
        "forum.example.org/tags/acme#forum.example.org-topic-4411",
        "forum.example.org/tags/acme#forum.example.org-topic-4398",
        "forum.example.org/tags/acme#forum.example.org-topic-4377",
    ]
    assert page.next_cursor["etag"] == feed.etag and page.next_cursor["modified"] == "Fri, 20 Nov 2026 09:30:00 GMT"
    posts = RSS_PLUGIN.map_items(page.items).posts
    assert posts[0].text == "Rain, mud and a drop from a tent pole. Still works! #acme"
    assert posts[0].author is not None and posts[0].author.handle == "trail_runner"
    assert [m.url for m in posts[0].media] == ["https://forum.example.org/uploads/4411/photo1.jpg"]
    assert [m.url for m in posts[1].media] == ["https://forum.example.org/uploads/4398/receipt.png"]
    assert posts[2].text == "Battery: 14 h.\nScreen: bright."

    [unchanged] = list(RSS_PLUGIN.fetch({"url": feed.url}, json.loads(json.dumps(page.next_cursor))))
    assert unchanged.items == () and unchanged.next_cursor == page.next_cursor
    assert feed.conditional_requests[-1] == {
        "If-None-Match": feed.etag,
        "If-Modified-Since": "Fri, 20 Nov 2026 09:30:00 GMT",
    }


def test_a_changed_feed_brings_only_new_entries(rsps: responses.RequestsMock):
    feed = FakeFeed()
    feed.install(rsps)
    [first] = list(RSS_PLUGIN.fetch({"url": feed.url}, None))
    new_item = (
        b"<item><title>ACME in the news</title><link>https://forum.example.org/t/news/4420</link>"
        b'<guid isPermaLink="false">forum.example.org-topic-4420</guid>'
        b"<pubDate>Sat, 21 Nov 2026 10:00:00 +0000</pubDate><description>Hi</description></item>"
    )
    feed.replace(RSS.replace(b"<item>", new_item + b"<item>", 1))
    [second] = list(RSS_PLUGIN.fetch({"url": feed.url}, first.next_cursor))
    assert ids([second]) == ["forum.example.org/tags/acme#forum.example.org-topic-4420"]


def test_atom_entries_map_with_their_author_and_dates(rsps: responses.RequestsMock):
    feed = FakeFeed(url="https://blog.example.com/feed.atom", body=ATOM, content_type="application/atom+xml")
    feed.install(rsps)
    [page] = list(RSS_PLUGIN.fetch({"url": feed.url}, None))
    first, second = RSS_PLUGIN.map_items(page.items).posts
    assert first.author is not None and first.author.profile_url == "https://blog.example.com/authors/jo"
    assert first.posted_at is not None and first.posted_at.isoformat() == "2026-11-20T08:00:00+00:00"
    assert first.text == "Small, fast, and the #acme case is great."
    assert second.author is None and second.posted_at is not None  # falls back to <updated>


@pytest.mark.parametrize(
    ("kind", "error"),
    [("timeout", TransientError), ("500", TransientError), ("429", RateLimited), ("truncated", TransientError)],
)
def test_feed_failures_are_errors_not_empty_feeds(rsps: responses.RequestsMock, kind: str, error: type[Exception]):
    feed = FakeFeed()
    feed.install(rsps)
    feed.faults.add(kind)
    with pytest.raises(error) as caught:
        list(RSS_PLUGIN.fetch({"url": feed.url}, None))
    if kind == "429":
        assert caught.value.retry_after_seconds == 120  # type: ignore[attr-defined]


def test_a_page_that_is_not_a_feed_is_a_configuration_error(rsps: responses.RequestsMock):
    rsps.add(responses.GET, "https://example.org/", body="<html><body>Welcome</body></html>", content_type="text/html")
    with pytest.raises(ConfigurationError, match="not return an RSS or Atom feed"):
        list(RSS_PLUGIN.fetch({"url": "https://example.org/"}, None))
    rsps.add(responses.GET, "https://example.org/gone.rss", status=404)
    with pytest.raises(ConfigurationError, match="404"):
        list(RSS_PLUGIN.fetch({"url": "https://example.org/gone.rss"}, None))


RELATIVE_FEED = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Dups</title><link>/</link><description>d</description>
<item><title>First</title><link>/t/dup-1</link><guid>dup-1</guid>
<pubDate>Fri, 20 Nov 2026 09:12:00 +0000</pubDate><description>one #acme</description>
<enclosure url="/uploads/1.jpg" length="1" type="image/jpeg"/></item>
<item><title>Second</title><guid>dup-2</guid>
<pubDate>Fri, 20 Nov 2026 08:12:00 +0000</pubDate><description>two #acme</description></item>
<item><title>Third</title><link>/t/no-guid</link>
<pubDate>Fri, 20 Nov 2026 07:12:00 +0000</pubDate><description>three #acme</description></item>
</channel></rss>
"""


@pytest.mark.parametrize(
    ("url", "site", "folder"),
    [
        ("http://forum.example.org/feeds/acme.rss", "http://forum.example.org", "http://forum.example.org/feeds"),
        ("https://forum.example.org/feeds/acme.rss", "https://forum.example.org", "https://forum.example.org/feeds"),
        (
            "https://www.forum.example.org/feeds/acme.rss",
            "https://www.forum.example.org",
            "https://www.forum.example.org/feeds",
        ),
        ("https://new.example.net/x/y.rss", "https://new.example.net", "https://new.example.net/x"),
    ],
)
def test_entry_ids_are_the_feeds_own_not_resolved_against_the_feed_url(
    rsps: responses.RequestsMock, url: str, site: str, folder: str
):
    feed = FakeFeed(url=url, body=RELATIVE_FEED)
    feed.install(rsps)
    [page] = list(RSS_PLUGIN.fetch({"url": feed.url}, None))
    # The channel's <link> is relative ("/"): the site is the feed's host, whatever the scheme or "www.".
    host = "new.example.net" if "new.example.net" in url else "forum.example.org"
    assert ids([page]) == [f"{host}#dup-1", f"{host}#dup-2", f"{host}#/t/no-guid"]
    first, second, third = RSS_PLUGIN.map_items(page.items).posts
    # Links are still resolved against the feed's address, as a reader would follow them.
    assert first.permalink == f"{site}/t/dup-1" and [m.url for m in first.media] == [f"{site}/uploads/1.jpg"]
    assert second.permalink == f"{folder}/dup-2"  # a guid without isPermaLink="false" is the link
    assert third.permalink == f"{site}/t/no-guid"


def test_entries_remembered_under_the_old_resolved_id_are_not_collected_again(rsps: responses.RequestsMock):
    url = "https://forum.example.org/feeds/acme.rss"
    feed = FakeFeed(url=url, body=RELATIVE_FEED)
    feed.install(rsps)
    old = {
        "v": 1,
        "etag": None,
        "modified": None,
        "seen": {
            "https://forum.example.org/feeds/dup-1": 1_795_684_320.0,
            "https://forum.example.org/t/no-guid": 1_795_677_120.0,
        },
    }
    [page] = list(RSS_PLUGIN.fetch({"url": feed.url}, old))
    assert ids([page]) == ["forum.example.org#dup-2"]
    assert set(page.next_cursor["seen"]) == {
        "forum.example.org#dup-1",
        "forum.example.org#dup-2",
        "forum.example.org#/t/no-guid",
    }


def test_entries_remembered_under_their_bare_guid_are_not_collected_again(rsps: responses.RequestsMock):
    feed = FakeFeed(url="https://forum.example.org/feeds/acme.rss", body=RELATIVE_FEED)
    feed.install(rsps)
    old = {"v": 1, "etag": None, "modified": None, "seen": {"dup-1": 1_795_684_320.0}}
    [page] = list(RSS_PLUGIN.fetch({"url": feed.url}, old))
    assert ids([page]) == ["forum.example.org#dup-2", "forum.example.org#/t/no-guid"]
    assert "dup-1" not in page.next_cursor["seen"] and "forum.example.org#dup-1" in page.next_cursor["seen"]


ABSOLUTE_IDS_FEED = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Ids</title><link>https://Blog.Example.com/</link><description>d</description>
<item><title>A</title><guid>https://blog.example.com/?p=1</guid><description>a</description></item>
<item><title>B</title><guid isPermaLink="false">tag:blog.example.com,2026:post-2</guid><description>b</description></item>
<item><title>C</title><guid isPermaLink="false">urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</guid><description>c</description></item>
<item><title>D</title><guid isPermaLink="false">post:4</guid><description>d</description></item>
<item><title>E</title><pubDate>Fri, 20 Nov 2026 09:12:00 +0000</pubDate><description>e</description></item>
</channel></rss>
"""


@pytest.mark.parametrize("url", ["https://blog.example.com/feed", "http://feeds.example.net/moved/blog.xml"])
def test_absolute_guids_stay_as_written_and_bare_ones_take_the_channel_site(rsps: responses.RequestsMock, url: str):
    feed = FakeFeed(url=url, body=ABSOLUTE_IDS_FEED)
    feed.install(rsps)
    [page] = list(RSS_PLUGIN.fetch({"url": feed.url}, None))
    first, second, third, fourth, fifth = ids([page])
    assert (first, second, third) == (
        "https://blog.example.com/?p=1",
        "tag:blog.example.com,2026:post-2",
        "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a",
    )
    assert fourth == "blog.example.com#post:4"  # a scheme of its own is not a globally unique id
    assert fifth.startswith("blog.example.com#sha1:")  # the same title and date in another feed is another entry


def test_an_entry_without_content_fails_alone():
    with pytest.raises(MappingError, match="no title, text or link"):
        RSS_PLUGIN.map_item(RawItem("x", {"id": "x"}))


def test_html_to_text_and_retry_after_dates():
    assert html_to_text("<p>One &amp; two</p><p>three<br>four</p>") == "One & two\nthree\nfour"
    assert retry_after("30") == 30.0 and retry_after(None) == 300.0 and retry_after("soon") == 300.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past


# -- App Store -----------------------------------------------------------------------------------
def appstore_settings(fake: FakeAppStore, **extra: object) -> dict:
    return {"app_id": f"id{fake.app_id}", "base_url": fake.base_url, **extra}


def test_app_store_reviews_with_ratings_skipping_the_app_entry(rsps: responses.RequestsMock):
    fake = FakeAppStore(total=120)
    fake.install(rsps)
    pages = list(APPSTORE.fetch(appstore_settings(fake), None))
    assert [len(p.items) for p in pages] == [50, 50, 20]
    assert ids(pages) == [fake.review_id(i) for i in range(119, -1, -1)]
    post = APPSTORE.map_item(pages[0].items[0])
    assert post.rating == 5.0 and post.title == "Review 119" and post.author is not None
    assert post.posted_at is not None and post.posted_at.utcoffset() == timedelta(0)
    assert post.metrics == {"vote_sum": 2, "vote_count": 3}


def test_a_lone_review_arrives_as_an_object(rsps: responses.RequestsMock):
    fake = FakeAppStore(total=1, with_app_entry=False)
    fake.install(rsps)
    assert ids(list(APPSTORE.fetch(appstore_settings(fake), None))) == [fake.review_id(0)]


def test_app_store_incremental_and_per_country(rsps: responses.RequestsMock):
    fake = FakeAppStore(total=60)
    fake.install(rsps)
    first = list(APPSTORE.fetch(appstore_settings(fake, countries=["us", "GB"]), None))
    assert len(ids(first)) == 120
    fake.total += 2  # two new reviews in each storefront
    second = list(APPSTORE.fetch(appstore_settings(fake, countries=["us", "GB"]), first[-1].next_cursor))
    assert sorted(ids(second)) == sorted(fake.review_id(i, c) for i in (60, 61) for c in ("us", "gb"))


def test_app_store_faults(rsps: responses.RequestsMock):
    fake = FakeAppStore(changed_shape=frozenset({110}))
    fake.install(rsps)
    batch = APPSTORE.map_items(i for p in APPSTORE.fetch(appstore_settings(fake), None) for i in p.items)
    [failure] = batch.failures
    assert "'im:rating.label' is not a number" in failure.error.message and len(batch.posts) == 119
    for kind, error in (
        ("truncated", TransientError),
        ("500", TransientError),
        ("429", RateLimited),
        ("timeout", TransientError),
        ("changed_shape", MappingError),
    ):
        fake.faults.add(kind)
        with pytest.raises(error):
            list(APPSTORE.fetch(appstore_settings(fake), None))


# -- Google Play ---------------------------------------------------------------------------------
def test_google_play_reviews_newest_first_with_ratings(rsps: responses.RequestsMock):
    fake = FakeGooglePlay(total=250)
    fake.install(rsps)
    pages = list(PLAY.fetch({"app_id": fake.app_id, "page_size": 100}, None))
    assert [len(p.items) for p in pages] == [100, 100, 50]
    assert [r["token"] for r in fake.requests_seen] == [None, "tok-149", "tok-49"]
    post = PLAY.map_item(pages[0].items[0])
    assert post.platform_id == fake.review_id(249) and post.rating == 5.0 and post.language is None
    assert post.author is not None and post.author.handle == "Play User 27"
    assert post.posted_at is not None and post.posted_at.tzinfo is not None
    assert ssl._create_default_https_context is ssl.create_default_context


def test_google_play_leaves_the_language_unknown_instead_of_the_settings_lang(rsps: responses.RequestsMock):
    fake = FakeGooglePlay(total=3, texts={2: "Muy buena aplicación, la uso todos los días."})
    fake.install(rsps)
    pages = list(PLAY.fetch({"app_id": fake.app_id, "lang": "en"}, None))
    posts = {p.platform_id: p for p in PLAY.map_items(i for page in pages for i in page.items).posts}
    spanish = posts[fake.review_id(2)]
    assert spanish.text.startswith("Muy buena") and spanish.language is None  # the hub detects it (lingua)
    assert {p.language for p in posts.values()} == {None}
    from sentiment import detect_language

    assert detect_language(spanish.text) == "es"


def test_the_google_play_endpoint_is_a_setting(rsps: responses.RequestsMock):
    fake = FakeGooglePlay(total=5, base_url="https://play-proxy.example.test/")
    fake.install(rsps)
    pages = list(PLAY.fetch({"app_id": fake.app_id, "base_url": fake.base_url}, None))
    assert ids(pages) == [fake.review_id(i) for i in range(4, -1, -1)]
    assert str(rsps.calls[0].request.url).startswith("https://play-proxy.example.test/_/PlayStoreUi/data/batchexecute?")
    post = PLAY.map_item(pages[0].items[0])
    assert post.permalink is not None and post.permalink.startswith("https://play.google.com/store/apps/details?")
    assert PLAY.check({"app_id": fake.app_id, "base_url": "ftp://play.example"}) != []


def test_google_play_network_errors_are_never_an_empty_result(rsps: responses.RequestsMock):
    fake = FakeGooglePlay()
    fake.install(rsps)
    for kind, error in (
        ("timeout", TransientError),
        ("500", TransientError),
        ("429", RateLimited),
        ("truncated", TransientError),
        ("changed_shape", MappingError),
    ):
        fake.faults.add(kind)
        with pytest.raises(error):
            list(PLAY.fetch({"app_id": fake.app_id}, None))


def test_google_play_unknown_app_and_changed_review(rsps: responses.RequestsMock):
    fake = FakeGooglePlay(total=30, changed_shape=frozenset({20}))
    fake.install(rsps)
    with pytest.raises(ConfigurationError, match="unknown app id"):
        list(PLAY.fetch({"app_id": "com.nobody.nothing"}, None))
    first = list(PLAY.fetch({"app_id": fake.app_id}, None))
    batch = PLAY.map_items(i for p in first for i in p.items)
    assert len(batch.posts) == 29 and "no star rating" in batch.failures[0].error.message
    fake.total += 3
    second = list(PLAY.fetch({"app_id": fake.app_id}, first[-1].next_cursor))
    assert ids(second) == [fake.review_id(i) for i in (32, 31, 30)]
