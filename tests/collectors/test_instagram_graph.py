"""Instagram Graph API collectors against a local fake Graph server: paging, budget, tokens, errors."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from collectors.base import SHARED_USAGE_SETTING, Page
from collectors.errors import RateLimited, ReloginRequired, TransientError
from collectors.instagram_graph import budget
from collectors.instagram_graph.hashtag import InstagramGraphHashtagCollector
from collectors.instagram_graph.mentions import InstagramGraphMentionsCollector
from tests.fakes.instagram_graph_media import FakeGraphMedia, media

HASHTAGS = InstagramGraphHashtagCollector()
MENTIONS = InstagramGraphMentionsCollector()
NOW = time.time()


def recent_posts(prefix: str, count: int, *, first: int = 0, newest: float = NOW - 60) -> list[dict[str, Any]]:
    return [
        media(
            first + n, shortcode=f"{prefix}{n:03d}", caption=f"Out with my #{prefix} <b>tent</b>", at=newest - n * 600
        )
        for n in range(count)
    ]


@pytest.fixture
def graph() -> Iterator[FakeGraphMedia]:
    fake = FakeGraphMedia(
        recent={"acme": recent_posts("acme", 7), "acmecamp": recent_posts("camp", 2, first=100)},
        top={"acme": recent_posts("acme", 2)[::-1]},
    )
    with fake:
        yield fake


def run(plugin: Any, settings: dict[str, Any], cursor: dict[str, Any] | None = None) -> list[Page]:
    return list(plugin.fetch(settings, json.loads(json.dumps(cursor)) if cursor else None))


def ids(pages: list[Page]) -> list[str]:
    return [item.platform_id for page in pages for item in page.items]


def searches(fake: FakeGraphMedia) -> list[str]:
    return [r.query["q"] for r in fake.requests if r.path.endswith("/ig_hashtag_search")]


def test_hashtag_media_are_paged_mapped_by_shortcode_and_resumed(graph: FakeGraphMedia) -> None:
    settings = graph.settings(hashtags=["#Acme", "acmecamp"])
    pages = run(HASHTAGS, settings)
    assert ids(pages) == [f"acme{n:03d}" for n in range(7)] + ["camp000", "camp001"]  # top acme: all seen already
    assert [r.query.get("limit") for r in graph.requests if "recent_media" in r.path][:1] == ["50"]
    posts = HASHTAGS.map_items(pages[0].items).posts
    assert posts[0].platform_id == "acme000" and posts[0].author is None  # hashtag search withholds authors
    assert posts[0].text == "Out with my #acme <b>tent</b>" and posts[0].metrics == {"likes": 0, "comments": 0}
    assert posts[0].media[0].url.endswith("/acme000.jpg")
    final = pages[-1].next_cursor
    assert final["run"] is None and set(final["usage"]) == {"acme", "acmecamp"}
    assert final["hashtag_ids"]["acme"] == graph.hashtag_id("acme")
    assert searches(graph) == ["acme", "acmecamp"]
    mid = pages[1].next_cursor["run"]
    assert mid["tag"] == "acme" and mid["edge"] == "recent_media" and mid["after"]

    resumed = run(HASHTAGS, settings, pages[1].next_cursor)  # a worker died after page 2
    assert ids(resumed) == ["acme006", "camp000", "camp001"]
    # acme's id was in that cursor: not searched again; acmecamp's came later, so it is looked up again.
    assert searches(graph) == ["acme", "acmecamp", "acmecamp"]

    graph.recent["acme"].insert(0, media(99, shortcode="fresh", caption="#acme new", at=time.time()))
    again = run(HASHTAGS, graph.settings(hashtags=["acme"], edges="recent"), final)
    assert ids(again) == ["fresh"]  # only the new one; the rest was seen


def test_the_weekly_budget_is_shared_by_the_account_and_a_tag_past_it_is_refused(graph: FakeGraphMedia) -> None:
    elsewhere = {f"other{n}": NOW - 3600 * n for n in range(29)}  # spent by other sources of the account
    settings = graph.settings(hashtags=["acme", "acmecamp"], **{SHARED_USAGE_SETTING: elsewhere})
    pages = run(HASHTAGS, settings)
    final = pages[-1].next_cursor
    assert searches(graph) == ["acme"]  # the 30th slot; acmecamp is never asked for
    assert set(final["refused"]) == {"acmecamp"}
    assert final["refused"]["acmecamp"] == pytest.approx(NOW - 3600 * 28 + budget.WINDOW_SECONDS, abs=5)
    notes = HASHTAGS.health_notes(settings, final, shared_usage=elsewhere, now=time.time())
    by_code = {n.code: n for n in notes}
    assert by_code["hashtag_budget"].params == {"used": 30, "limit": 30}
    assert by_code["hashtag_budget"].level == "warning"
    assert by_code["hashtag_refused"].level == "error" and by_code["hashtag_refused"].params["tag"] == "acmecamp"

    with pytest.raises(RateLimited, match="weekly hashtag budget") as refused:
        run(HASHTAGS, graph.settings(hashtags=["acmecamp"], **{SHARED_USAGE_SETTING: {**elsewhere, "acme": NOW}}))
    assert refused.value.retry_after_seconds == pytest.approx(
        NOW - 28 * 3600 + budget.WINDOW_SECONDS - time.time(), abs=5
    )


def test_a_limit_reached_on_meta_side_is_a_refusal_not_a_crash(graph: FakeGraphMedia) -> None:
    graph.searches = {f"used{n}": time.time() for n in range(30)}  # spent by another tool on this account
    pages: list[Page] = []
    with pytest.raises(RateLimited, match="#acme, #acmecamp"):
        for page in HASHTAGS.fetch(graph.settings(hashtags=["acme", "acmecamp"]), None):
            pages.append(page)
    assert ids(pages) == [] and set(pages[-1].next_cursor["refused"]) == {"acme", "acmecamp"}
    assert pages[-1].next_cursor["usage"] == {}  # a refused search spends nothing of ours


def test_unknown_hashtags_are_reported(graph: FakeGraphMedia) -> None:
    pages = run(HASHTAGS, graph.settings(hashtags=["nosuchtag", "acmecamp"]))
    assert pages[-1].next_cursor["unknown"] == ["nosuchtag"] and len(ids(pages)) == 2
    notes = HASHTAGS.health_notes({}, pages[-1].next_cursor, shared_usage={}, now=time.time())
    assert any(n.code == "hashtag_unknown" and n.params["tag"] == "nosuchtag" for n in notes)


def test_graph_errors_map_to_rate_limits_relogin_and_transient_failures(graph: FakeGraphMedia) -> None:
    settings = graph.settings(hashtags=["acme"])
    graph.add_fault("rate_limit", path="/recent_media", after=1)
    pages: list[Page] = []
    with pytest.raises(RateLimited, match="slow down") as limited:
        for page in HASHTAGS.fetch(settings, None):
            pages.append(page)
    assert limited.value.retry_after_seconds == 12 * 60  # estimated_time_to_regain_access, in minutes
    assert len(ids(pages)) == 3 and pages[-1].next_cursor["run"]["after"]  # the pages before stay valid

    with pytest.raises(ReloginRequired, match="token no longer works"):
        run(HASHTAGS, {**settings, "graph_access_token": "EAAG-revoked"})
    graph.add_fault("500", path="/top_media")
    with pytest.raises(TransientError, match="answered 500"):
        run(HASHTAGS, settings, pages[-1].next_cursor)
    graph.add_fault("truncated", path="/recent_media")
    with pytest.raises(TransientError, match="unreadable or truncated"):
        run(HASHTAGS, settings)


def test_token_expiry_is_tracked_and_warned_about_before_it_happens(graph: FakeGraphMedia) -> None:
    graph.token_expires_at = time.time() + 3 * 86400 + 600
    pages = run(HASHTAGS, graph.settings(hashtags=["acmecamp"]))
    cursor = pages[-1].next_cursor
    assert cursor["token"]["expires_at"] == pytest.approx(graph.token_expires_at)
    [note] = [n for n in HASHTAGS.health_notes({}, cursor, shared_usage={}, now=time.time()) if "token" in n.code]
    assert note.code == "token_expires_soon" and note.level == "warning" and note.params["days"] == 3
    [late] = [
        n for n in HASHTAGS.health_notes({}, cursor, shared_usage={}, now=time.time() + 4 * 86400) if "token" in n.code
    ]
    assert late.code == "token_expired" and late.level == "error"

    debug_calls = sum(r.path.endswith("/debug_token") for r in graph.requests)
    run(HASHTAGS, graph.settings(hashtags=["acmecamp"]), cursor)
    assert sum(r.path.endswith("/debug_token") for r in graph.requests) == debug_calls  # asked every 6 h at most

    manual = {"graph_token_expires_on": "2000-01-01"}
    [old] = [n for n in MENTIONS.health_notes(manual, {}, shared_usage={}, now=time.time()) if "token" in n.code]
    assert old.code == "token_expired"
    assert MENTIONS.check({**graph.settings(), "graph_token_expires_on": "soon"}) == [
        "Token expiry date: expected YYYY-MM-DD"
    ]

    graph.token_valid = False
    with pytest.raises(ReloginRequired, match="no longer valid"):
        run(HASHTAGS, graph.settings(hashtags=["acmecamp"]))


def test_tagged_posts_are_incremental_and_mentions_are_read_once(graph: FakeGraphMedia) -> None:
    graph.tagged = [
        media(n, shortcode=f"tag{n}", caption="with @acme", at=NOW - 3600 * 3 * n, username=f"fan_{n}")
        for n in range(5)
    ]
    graph.mentions = {"17900000000000777": media(777, shortcode="ment", caption="hi @acme", at=NOW, username="x")}
    settings = graph.settings(mentioned_media_ids=["17900000000000777", "404"])
    pages = run(MENTIONS, settings)
    assert ids(pages) == [f"tag{n}" for n in range(5)] + ["ment"]
    posts = MENTIONS.map_items([i for p in pages for i in p.items]).posts
    assert posts[0].author is not None and posts[0].author.handle == "fan_0" and posts[0].platform_id == "tag0"
    cursor = pages[-1].next_cursor
    assert cursor["mentioned_done"] == ["17900000000000777", "404"] and "404" in cursor["mentioned_failed"]
    notes = MENTIONS.health_notes(settings, cursor, shared_usage={}, now=time.time())
    assert any(n.code == "mention_unreadable" and n.params["media_id"] == "404" for n in notes)

    graph.tagged.insert(0, media(50, shortcode="tag50", caption="new", at=time.time(), username="fan_50"))
    again = run(MENTIONS, settings, cursor)
    assert ids(again) == ["tag50"]  # the newest known ones inside the slack hour are remembered, not repeated
    assert ids(run(MENTIONS, settings, again[-1].next_cursor)) == []
