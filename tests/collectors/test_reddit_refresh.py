"""``reddit.search`` refreshes recent submissions: scores move, and new comments are collected."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from collectors.base import Page
from collectors.reddit.search import RedditSearchCollector
from tests.fakes.harness import reddit_settings
from tests.fakes.reddit import FakeReddit

PLUGIN = RedditSearchCollector()


def run(settings: dict[str, Any], cursor: dict[str, Any] | None = None) -> list[Page]:
    return list(PLUGIN.fetch(settings, json.loads(json.dumps(cursor)) if cursor else None))


def ids(pages: list[Page]) -> list[str]:
    return [i.platform_id for p in pages for i in p.items]


def test_recent_submissions_are_refreshed_when_due_with_their_new_comments() -> None:
    with FakeReddit(total=6, comments_every=0) as fake:
        settings = reddit_settings(fake, page_size=4)
        first = run(settings)
        cursor = first[-1].next_cursor
        submissions = [fake.submission_fullname(i) for i in range(6)]
        assert sorted(cursor["recent"]) == sorted(submissions)
        assert cursor["refreshed_at"] == pytest.approx(time.time(), abs=60)
        assert ids(run(settings, cursor)) == []  # refreshed a moment ago: not due

        reply = fake.add_reply(submissions[2], author="late_fan", body="Mine too! #acme")
        due = {**cursor, "refreshed_at": cursor["refreshed_at"] - 2 * 3600}
        pages = run(settings, due)
        refreshed = [i for p in pages for i in p.items if i.meta.get("refresh")]
        assert sorted(i.platform_id for i in refreshed) == sorted(submissions)
        assert ids(pages).count(reply) == 1  # the comments of the one that gained a comment were read again
        info = [r for r in fake.requests if r.path == "/api/info/" or r.path == "/api/info"]
        assert len(info) == 1 and sorted(info[0].query["id"].split(",")) == sorted(submissions)
        final = pages[-1].next_cursor
        assert final["recent"][submissions[2]][1] == 1.0 and final["refreshed_at"] > due["refreshed_at"]
        posts = PLUGIN.map_items(refreshed).posts
        assert all(p.platform == "reddit" and "score" in p.metrics for p in posts)
        assert ids(run(settings, final)) == []

        never = run(reddit_settings(fake, refresh_hours=0), due)
        assert not [i for p in never for i in p.items if i.meta.get("refresh")]
        assert never[-1].next_cursor["recent"] == {}


def test_a_refresh_cut_short_is_done_again_by_the_next_run() -> None:
    with FakeReddit(total=3, comments_every=0) as fake:
        settings = reddit_settings(fake)
        cursor = run(settings)[-1].next_cursor
        due = {**cursor, "refreshed_at": 0}
        first_page = next(iter(PLUGIN.fetch(settings, due)))  # the refresh page, then the worker dies
        assert first_page.items and all(i.meta.get("refresh") for i in first_page.items)
        assert first_page.next_cursor["refreshed_at"] == 0
        again = run(settings, first_page.next_cursor)
        assert [i for p in again for i in p.items if i.meta.get("refresh")]
