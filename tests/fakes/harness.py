"""One fake per registered collector: ``plugin_fake(key)`` runs it and yields settings that point
the real plugin at it. The contract test runs every plugin through this; demo data can too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import responses

from tests.fakes.instagram import FakeInstagram
from tests.fakes.reddit import FakeReddit
from tests.fakes.reviews import FakeAppStore, FakeFeed, FakeGooglePlay


def reddit_settings(fake: FakeReddit, **extra: Any) -> dict[str, Any]:
    """Settings of a ``reddit.search`` source pointed at a running ``FakeReddit``."""
    return {
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "user_agent": "python:ugc-hub-tests:0.1 (by /u/acme_brand)",
        "terms": ["#acme", "acme gadget"],
        "subreddits": ["acme", "gadgets"],
        "oauth_url": fake.url,
        "reddit_url": fake.url,
        "short_url": fake.url,
        "timeout": 5,
        **extra,
    }


def instagram_settings(fake: FakeInstagram, **extra: Any) -> dict[str, Any]:
    """Session settings for the instaloader collectors (the session as stored JSON text)."""
    return {"username": fake.session_user, "session": json.dumps(fake.session), **extra}


@contextmanager
def _mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@contextmanager
def _reddit() -> Iterator[dict[str, Any]]:
    with FakeReddit(total=230) as fake:
        yield reddit_settings(fake)


@contextmanager
def _instagram_hashtag() -> Iterator[dict[str, Any]]:
    with _mock() as rsps:
        fake = FakeInstagram()
        fake.install(rsps)
        yield instagram_settings(fake, hashtags=["#acme"])


@contextmanager
def _instagram_tagged() -> Iterator[dict[str, Any]]:
    with _mock() as rsps:
        fake = FakeInstagram()
        fake.install(rsps)
        yield instagram_settings(fake, account=fake.account, account_id=fake.account_id)


@contextmanager
def _instagram_comments() -> Iterator[dict[str, Any]]:
    with _mock() as rsps:
        fake = FakeInstagram()
        posts = [fake.recent_shortcode(3), fake.recent_shortcode(10)]
        fake.comment_counts.update({posts[0]: 23, posts[1]: 4})
        fake.install(rsps)
        yield instagram_settings(fake, posts=posts)


@contextmanager
def _rss() -> Iterator[dict[str, Any]]:
    with _mock() as rsps:
        fake = FakeFeed()
        fake.install(rsps)
        yield {"url": fake.url}


@contextmanager
def _appstore() -> Iterator[dict[str, Any]]:
    with _mock() as rsps:
        fake = FakeAppStore()
        fake.install(rsps)
        yield {"app_id": fake.app_id, "countries": ["us", "gb"], "base_url": fake.base_url}


@contextmanager
def _googleplay() -> Iterator[dict[str, Any]]:
    with _mock() as rsps:
        fake = FakeGooglePlay()
        fake.install(rsps)
        yield {"app_id": fake.app_id}


@contextmanager
def _instagram_graph_hashtag() -> Iterator[dict[str, Any]]:
    from tests.fakes.instagram_graph_media import sample_account

    with sample_account() as fake:
        yield fake.settings(hashtags=["#acme", "acmecamp"])


@contextmanager
def _instagram_graph_mentions() -> Iterator[dict[str, Any]]:
    from tests.fakes.instagram_graph_media import sample_account

    with sample_account() as fake:
        yield fake.settings(mentioned_media_ids=list(fake.mentions))


@contextmanager
def _trustpilot() -> Iterator[dict[str, Any]]:
    from tests.fakes.trustpilot import sample_business

    with sample_business() as fake:
        yield fake.settings(per_page=5)


PLUGIN_FAKES: dict[str, Callable[[], AbstractContextManager[dict[str, Any]]]] = {
    "reddit.search": _reddit,
    "instagram.hashtag": _instagram_hashtag,
    "instagram.tagged": _instagram_tagged,
    "instagram.comments": _instagram_comments,
    "rss.feed": _rss,
    "appstore.reviews": _appstore,
    "googleplay.reviews": _googleplay,
    "instagram_graph.hashtag": _instagram_graph_hashtag,
    "instagram_graph.mentions": _instagram_graph_mentions,
    "trustpilot.reviews": _trustpilot,
}


def plugin_fake(key: str) -> AbstractContextManager[dict[str, Any]]:
    """Start the fake of plugin ``key``; the context yields the settings to use."""
    return PLUGIN_FAKES[key]()
