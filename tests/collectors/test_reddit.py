"""``reddit.search`` and the reply helpers, through real praw/prawcore against the fake Reddit."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from collectors.base import Page
from collectors.errors import ConfigurationError, RateLimited, SkippedItem, TransientError
from collectors.reddit import replies
from collectors.reddit.search import RedditSearchCollector, build_query
from tests.fakes.harness import reddit_settings
from tests.fakes.reddit import FakeReddit

PLUGIN = RedditSearchCollector()


@pytest.fixture
def fake() -> Iterator[FakeReddit]:
    with FakeReddit(total=30, comments_every=5) as server:
        yield server


def ids(pages: list[Page]) -> list[str]:
    return [item.platform_id for page in pages for item in page.items]


def test_search_collects_new_submissions_and_their_comments(fake: FakeReddit):
    pages = list(PLUGIN.fetch(reddit_settings(fake, page_size=10), None))
    submissions = [i for p in pages for i in p.items if i.platform_id.startswith("t3_")]
    comments = [i for p in pages for i in p.items if i.platform_id.startswith("t1_")]
    assert [s.platform_id for s in submissions] == [fake.submission_fullname(i) for i in range(29, -1, -1)]
    assert len(comments) == 6 * 3  # every 5th submission has three comments, one nested
    assert {c.meta["link_id"] for c in comments} == {fake.submission_fullname(i) for i in range(0, 30, 5)}
    assert all("replies" not in c.payload["data"] for c in comments)
    search = [r for r in fake.requests if r.path.endswith("/search/")]
    assert search[0].path == "/r/acme+gadgets/search/"
    assert search[0].query["q"] == '"acme" OR "acme gadget"'
    assert (search[0].query["sort"], search[0].query["restrict_sr"], search[0].query["limit"]) == ("new", "on", "10")
    assert [r.query.get("after") for r in search] == [None, fake.submission_fullname(20), fake.submission_fullname(10)]
    token = next(r for r in fake.requests if r.path == "/api/v1/access_token")
    assert token.form["grant_type"] == "client_credentials"


def test_all_of_reddit_is_not_restricted(fake: FakeReddit):
    list(PLUGIN.fetch(reddit_settings(fake, subreddits=["all"], include_comments=False), None))
    search = next(r for r in fake.requests if r.path.endswith("/search/"))
    assert search.path == "/r/all/search/" and "restrict_sr" not in search.query


def test_praw_credentials_in_the_environment_do_not_turn_on_a_script_app(fake: FakeReddit, monkeypatch):
    monkeypatch.setenv("praw_username", "acme_brand")
    monkeypatch.setenv("praw_password", "correct horse")
    list(PLUGIN.fetch(reddit_settings(fake, include_comments=False), None))
    assert {r.form.get("grant_type") for r in fake.requests if r.path == "/api/v1/access_token"} == {
        "client_credentials"
    }


def test_an_incremental_run_brings_only_what_is_new(fake: FakeReddit):
    settings = reddit_settings(fake)
    first = list(PLUGIN.fetch(settings, None))
    cursor = json.loads(json.dumps(first[-1].next_cursor))
    assert cursor["run"] is None and cursor["high_water"] == fake.created_utc(29)
    fake.add_submissions(6)  # indices 30..35; 30 and 35 have comments
    second = list(PLUGIN.fetch(settings, cursor))
    assert sorted(i for i in ids(second) if i.startswith("t3_")) == sorted(
        fake.submission_fullname(i) for i in range(30, 36)
    )
    assert len([i for i in ids(second) if i.startswith("t1_")]) == 6
    assert ids(list(PLUGIN.fetch(settings, second[-1].next_cursor))) == []


def test_a_run_cut_by_a_failure_resumes_from_the_last_page_without_loss_or_repeat(fake: FakeReddit):
    settings = reddit_settings(fake, page_size=7)
    everything = ids(list(PLUGIN.fetch(settings, None)))
    fake.add_fault("500", path="/search/", after=2)  # the third page of the next run fails
    collected: list[str] = []
    cursor = None
    attempts = 0
    while True:
        attempts += 1
        try:
            for page in PLUGIN.fetch(settings, cursor):
                collected.extend(item.platform_id for item in page.items)
                cursor = json.loads(json.dumps(page.next_cursor))  # as the runner stores it
            break
        except TransientError:
            assert attempts == 1
    assert attempts == 2
    assert sorted(collected) == sorted(everything) and len(collected) == len(set(collected))


def test_deleted_and_removed_things_are_skipped_with_a_reason_and_deleted_accounts_map_without_placeholders():
    with FakeReddit(
        total=12,
        comments_every=5,
        deleted_posts=frozenset({7}),
        removed_posts=frozenset({8}),
        deleted_comments=frozenset({5}),
        deleted_authors=frozenset({10}),
    ) as fake:
        pages = list(PLUGIN.fetch(reddit_settings(fake), None))
    batch = PLUGIN.map_items(i for page in pages for i in page.items)
    posts = {p.platform_id: p for p in batch.posts}
    skipped = {f.item.platform_id: f.error for f in batch.failures}
    assert all(isinstance(error, SkippedItem) for error in skipped.values())
    assert "removed or deleted on Reddit (deleted)" in skipped[fake.submission_fullname(7)].message
    assert "removed or deleted on Reddit (moderator)" in skipped[fake.submission_fullname(8)].message
    gone_comments = [pid for pid in skipped if pid.startswith("t1_")]
    assert len(gone_comments) == 2  # "[removed]" and "[deleted]" under submission 5; its reply is kept
    assert all(
        p.text and p.text not in ("[deleted]", "[removed]") for p in posts.values() if p.platform_id.startswith("t1_")
    )
    assert len(posts) + len(skipped) == 12 + 3 * 3
    orphaned = posts[fake.submission_fullname(10)]
    assert orphaned.author is None and "Got the new #acme gadget" in orphaned.text
    comments = [
        p
        for p in posts.values()
        if p.platform_id.startswith("t1_") and p.raw["data"]["link_id"] == fake.submission_fullname(10)
    ]
    assert sorted((c.author.handle if c.author else "") for c in comments) == ["", "commenter1", "commenter2"]


def test_over_18_posts_carry_the_nsfw_flag():
    with FakeReddit(total=6, comments_every=0, over_18=frozenset({2, 4})) as fake:
        pages = list(PLUGIN.fetch(reddit_settings(fake), None))
        search = next(r for r in fake.requests if r.path.endswith("/search/"))
    assert search.query["include_over_18"] == "on"
    posts = PLUGIN.map_items(i for page in pages for i in page.items).posts
    assert {p.platform_id for p in posts if p.nsfw} == {fake.submission_fullname(2), fake.submission_fullname(4)}
    assert len(posts) == 6


def test_a_changed_shape_fails_one_item_with_a_clear_message_and_maps_the_rest():
    with FakeReddit(total=15, comments_every=0, changed_shape=frozenset({12})) as fake:
        items = [i for p in PLUGIN.fetch(reddit_settings(fake), None) for i in p.items]
    batch = PLUGIN.map_items(items)
    assert len(batch.posts) == 14
    [failure] = batch.failures
    assert failure.item.platform_id == fake.submission_fullname(12)
    assert "'created_utc' is missing" in failure.error.message and fake.submission_fullname(12) in failure.error.message


def test_429_becomes_rate_limited_with_retry_after(fake: FakeReddit):
    fake.add_fault("429", path="/search/", retry_after=42)
    with pytest.raises(RateLimited) as caught:
        list(PLUGIN.fetch(reddit_settings(fake), None))
    assert caught.value.retry_after_seconds == 42
    assert "429" in caught.value.message


def test_5xx_fails_fast_without_prawcore_sleeping(fake: FakeReddit):
    fake.add_fault("500", path="/search/", times=3)
    started = time.monotonic()
    with pytest.raises(TransientError, match="500"):
        list(PLUGIN.fetch(reddit_settings(fake), None))
    assert time.monotonic() - started < 1.5
    assert len([r for r in fake.requests if r.path.endswith("/search/")]) == 1


def test_a_timeout_is_transient(fake: FakeReddit):
    fake.add_fault("slow", path="/search/", delay=2.5)
    started = time.monotonic()
    with pytest.raises(TransientError, match="Timeout"):
        list(PLUGIN.fetch(reddit_settings(fake, timeout=1), None))
    assert time.monotonic() - started < 2.4


def test_truncated_json_is_transient(fake: FakeReddit):
    fake.add_fault("truncated", path="/search/")
    with pytest.raises(TransientError, match="not complete JSON"):
        list(PLUGIN.fetch(reddit_settings(fake), None))


def test_an_exhausted_request_budget_raises_instead_of_sleeping(fake: FakeReddit):
    fake.ratelimit_headers = (0, 600, 300)
    started = time.monotonic()
    delivered = []
    with pytest.raises(RateLimited) as caught:
        for page in PLUGIN.fetch(reddit_settings(fake, page_size=10, include_comments=False), None):
            delivered.append(page)
    assert len(delivered) == 1  # the answer that reported the empty budget was still used
    assert 290 < caught.value.retry_after_seconds <= 300
    assert time.monotonic() - started < 1.5


def test_wrong_credentials_are_a_configuration_error(fake: FakeReddit):
    with pytest.raises(ConfigurationError, match="credentials"):
        list(PLUGIN.fetch(reddit_settings(fake, client_secret="wrong"), None))


def test_check_reports_half_a_script_app():
    problems = PLUGIN.check({"client_id": "x", "client_secret": "y", "terms": ["acme"], "username": "acme_brand"})
    assert problems == ["a script app needs both the Reddit username and password (or neither, for read-only)"]


def test_build_query_quotes_terms_and_drops_hash_signs():
    assert build_query(["#Acme", "acme gadget", ' "acme" ', "#"]) == '"Acme" OR "acme gadget" OR "acme"'


def test_reply_and_read_the_answer(fake: FakeReddit):
    script = reddit_settings(fake, username="acme_brand", password="correct horse")
    submission = fake.submission_fullname(25)
    posted = replies.reply(script, submission, "Love this! May we share your photo? Reply #yesacme")
    assert posted.fullname.startswith("t1_") and posted.submission_fullname == submission
    assert posted.permalink.startswith("https://www.reddit.com/r/")
    write = next(r for r in fake.requests if r.path.rstrip("/") == "/api/comment")
    assert write.form["thing_id"] == submission and write.form["text"].startswith("Love this!")
    assert next(r for r in fake.requests if r.path == "/api/v1/access_token").form["grant_type"] == "password"

    fake.add_reply(posted.fullname, author="user25", body="Sure! #yesacme")
    fake.add_reply(posted.fullname, author="[deleted]", body="[deleted]")
    answers = replies.read_replies(reddit_settings(fake), posted.fullname)
    assert [(a.author_name, a.body) for a in answers] == [("user25", "Sure! #yesacme"), (None, "")]
    assert answers[0].author_id and answers[0].parent_fullname == posted.fullname
    assert answers[0].created_at is not None and answers[0].created_at.tzinfo is not None

    direct = replies.read_replies(reddit_settings(fake), submission)
    assert posted.fullname in {a.fullname for a in direct}
    assert {a.author_name for a in direct} >= {"commenter0", "commenter1", "acme_brand"}


def test_reply_needs_a_script_app(fake: FakeReddit):
    with pytest.raises(ConfigurationError, match="script app"):
        replies.reply(reddit_settings(fake), fake.submission_fullname(3), "hello")


def test_reply_rate_limit_is_rate_limited_not_a_sleep(fake: FakeReddit):
    fake.add_fault("ratelimit", path="/api/comment")
    started = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        replies.reply(
            reddit_settings(fake, username="acme_brand", password="correct horse"), fake.submission_fullname(3), "hi"
        )
    assert caught.value.retry_after_seconds == 240
    assert time.monotonic() - started < 1.5


def test_reply_to_a_deleted_comment_is_rejected(fake: FakeReddit):
    with pytest.raises(replies.ReplyRejected, match="DELETED_COMMENT"):
        replies.reply(reddit_settings(fake, username="acme_brand", password="correct horse"), "t1_zzzzzzz", "hi")


def test_replies_helpers_validate_fullnames(fake: FakeReddit):
    with pytest.raises(ValueError, match="fullname"):
        replies.read_replies(reddit_settings(fake), "abc123")
