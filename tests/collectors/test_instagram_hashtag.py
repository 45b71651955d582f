"""``instagram.hashtag`` through the real instaloader code, Instagram answered by ``responses``."""

from __future__ import annotations

import base64
import json
import pickle
import time
from collections.abc import Iterator

import pytest
import responses

from collectors.base import Page
from collectors.errors import ConfigurationError, MappingError, RateLimited, ReloginRequired, TransientError
from collectors.instagram.hashtag import InstagramHashtagCollector
from tests.fakes.harness import instagram_settings
from tests.fakes.instagram import FakeInstagram

PLUGIN = InstagramHashtagCollector()


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def fake(rsps: responses.RequestsMock) -> FakeInstagram:
    instagram = FakeInstagram()
    instagram.install(rsps)
    return instagram


def settings(fake: FakeInstagram, **extra: object) -> dict:
    return instagram_settings(fake, hashtags=["#Acme"], **extra)


def ids(pages: list[Page]) -> list[str]:
    return [item.platform_id for page in pages for item in page.items]


def test_top_and_recent_sections_once_each_post(fake: FakeInstagram, rsps: responses.RequestsMock):
    pages = list(PLUGIN.fetch(settings(fake), None))
    collected = ids(pages)
    assert sorted(collected) == sorted(fake.recent_shortcode(i) for i in range(60))  # top posts are also recent
    assert collected[:9] == [fake.recent_shortcode(i) for i in fake.top_indices()]
    assert {item.meta["section"] for item in pages[0].items} == {"top"}
    web_info = rsps.calls[0].request
    assert str(web_info.url).startswith("https://i.instagram.com/api/v1/tags/web_info/?") and "tag_name=acme" in str(
        web_info.url
    )
    assert str(web_info.headers["authorization"]).startswith("Bearer IGT:2:")  # the logged-in iPhone call
    explore = [str(c.request.url) for c in rsps.calls[1:]]
    assert all(u.startswith("https://www.instagram.com/explore/tags/acme/?__a=1&__d=dis&max_id=") for u in explore)
    assert len(rsps.calls) == 7  # one web_info, six more recent pages: instaloader made no hidden requests


def test_only_posts_mentioning_the_brand(fake: FakeInstagram):
    pages = list(PLUGIN.fetch(settings(fake, mentions=["@ACME_brand"], sections="recent"), None))
    assert sorted(ids(pages)) == sorted(fake.recent_shortcode(i) for i in range(0, 60, 3))


def test_an_incremental_run_skips_known_posts_without_stopping_at_them(fake: FakeInstagram):
    fake.hidden.update({52, 55})  # indexed late by Instagram: missing from the first run
    first = list(PLUGIN.fetch(settings(fake), None))
    assert fake.recent_shortcode(52) not in ids(first)
    fake.hidden.clear()
    fake.add_recent(3)
    second = list(PLUGIN.fetch(settings(fake), json.loads(json.dumps(first[-1].next_cursor))))
    assert sorted(ids(second)) == sorted(fake.recent_shortcode(i) for i in (52, 55, 60, 61, 62))
    third = list(PLUGIN.fetch(settings(fake), second[-1].next_cursor))
    assert ids(third) == []


def test_the_first_run_looks_back_only_so_far():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FakeInstagram(recent_total=120, newest=float(int(time.time()) - 100))
        fake.install(mock)
        pages = list(PLUGIN.fetch(settings(fake, lookback_days=1, sections="recent"), None))
    assert sorted(ids(pages)) == sorted(fake.recent_shortcode(i) for i in range(48, 120))  # 72 posts, 20 min apart


def test_deleted_author_and_changed_item_shape():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FakeInstagram(recent_total=20, changed_shape=frozenset({7}), deleted_authors=frozenset({9}))
        fake.install(mock)
        items = [i for p in PLUGIN.fetch(settings(fake, sections="recent"), None) for i in p.items]
    batch = PLUGIN.map_items(items)
    assert len(batch.posts) == 19
    [failure] = batch.failures
    assert failure.item.platform_id == fake.recent_shortcode(7)
    assert "'taken_at' is missing" in failure.error.message
    orphan = next(p for p in batch.posts if p.platform_id == fake.recent_shortcode(9))
    assert orphan.author is None and "#acme" in orphan.text


def test_a_429_raises_rate_limited_through_the_rate_controller_instead_of_sleeping(fake: FakeInstagram):
    fake.add_fault("429", path="/explore/")
    started = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        list(PLUGIN.fetch(settings(fake), None))
    assert time.monotonic() - started < 2
    assert 600 < caught.value.retry_after_seconds < 700  # instaloader's 11-minute window for 'other'
    assert "instaloader would wait" in caught.value.message


def test_instaloaders_request_budget_raises_instead_of_sleeping():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FakeInstagram(recent_total=9 * 80)
        fake.install(mock)
        pages: list[Page] = []
        with pytest.raises(RateLimited) as caught:
            for page in PLUGIN.fetch(settings(fake, sections="recent", lookback_days=0, max_pages=100), None):
                pages.append(page)
    assert len(pages) == 1 + 75  # web_info (iphone bucket) + 75 'other' requests per 11 minutes
    assert caught.value.retry_after_seconds > 600


def test_please_wait_401_backs_off_for_hours(fake: FakeInstagram):
    fake.add_fault("please_wait", path="web_info")
    with pytest.raises(RateLimited) as caught:
        list(PLUGIN.fetch(settings(fake), None))
    assert caught.value.retry_after_seconds == 10800
    assert "Please wait a few minutes" in caught.value.message


@pytest.mark.parametrize(
    ("kind", "path", "needle"),
    [
        ("login_redirect", "/explore/", "logged the session out"),
        ("checkpoint", "web_info", "checkpoint"),
        ("login_required", "web_info", "403"),
    ],
)
def test_session_problems_need_a_new_login(fake: FakeInstagram, kind: str, path: str, needle: str):
    fake.add_fault(kind, path=path)
    with pytest.raises(ReloginRequired, match=needle):
        list(PLUGIN.fetch(settings(fake), None))


def test_feedback_required_is_a_rate_limit(fake: FakeInstagram):
    fake.add_fault("feedback", path="/explore/")
    with pytest.raises(RateLimited, match="feedback_required"):
        list(PLUGIN.fetch(settings(fake), None))


@pytest.mark.parametrize("kind", ["500", "timeout", "truncated"])
def test_repeated_transport_failures_are_transient(fake: FakeInstagram, kind: str):
    fake.add_fault(kind, path="/explore/", times=2)  # the first attempt and instaloader's one retry
    delivered: list[Page] = []
    with pytest.raises(TransientError):
        for page in PLUGIN.fetch(settings(fake), None):
            delivered.append(page)
    assert len(delivered) == 2  # top and the first recent page came from web_info


def test_a_single_failure_is_retried_once_by_instaloader(fake: FakeInstagram):
    fake.add_fault("500", path="/explore/")
    assert len(ids(list(PLUGIN.fetch(settings(fake), None)))) == 60


def test_a_page_with_an_unknown_shape_raises_mapping_error(fake: FakeInstagram):
    fake.add_fault("changed_shape", path="/explore/")
    with pytest.raises(MappingError, match="'sections'"):
        list(PLUGIN.fetch(settings(fake), None))


def test_an_unknown_hashtag_is_a_configuration_error(fake: FakeInstagram):
    with pytest.raises(ConfigurationError):
        list(PLUGIN.fetch(instagram_settings(fake, hashtags=["nosuchtag"]), None))


def test_a_pickled_session_is_refused_not_unpickled(fake: FakeInstagram):
    pickled = base64.b64encode(pickle.dumps(fake.session)).decode()
    problems = PLUGIN.check(instagram_settings(fake, hashtags=["acme"], session=pickled))
    assert problems == ["the Instagram session is not valid JSON: Expecting value"]
    assert PLUGIN.check(instagram_settings(fake, hashtags=["acme"], session={"sessionid": "x"})) == [
        "the Instagram session lacks the cookie(s) csrftoken"
    ]
    with pytest.raises(ConfigurationError):
        list(PLUGIN.fetch(instagram_settings(fake, hashtags=["acme"], session=pickled), None))


@pytest.mark.parametrize("kind", ["challenge_redirect", "login_required_200", "login_page"])
@pytest.mark.parametrize("path", ["web_info", "/explore/"])
def test_checkpoint_answers_with_a_success_status_need_a_new_login_without_a_retry(
    fake: FakeInstagram, rsps: responses.RequestsMock, kind: str, path: str
):
    fake.add_fault(kind, path=path, times=10)
    delivered: list[Page] = []
    with pytest.raises(ReloginRequired):
        for page in PLUGIN.fetch(settings(fake), None):
            delivered.append(page)
    assert [path in str(call.request.url) for call in rsps.calls].count(True) == 1
    assert len(delivered) == (0 if path == "web_info" else 2)
