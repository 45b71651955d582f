"""The Reddit reply channel through real praw against the fake Reddit: read a thread, post a request."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from collectors.errors import ConfigurationError, RateLimited, TransientError
from collectors.reddit.replies import RedditChannel, ReplyRejected
from collectors.replies import channel_for
from tests.fakes.harness import reddit_settings
from tests.fakes.reddit import FakeReddit
from ugc_hub.rights.rules.replies import AskedPost, Verdict, judge

CHANNEL = RedditChannel()
POST = 25  # every 5th fake submission has three generated comments


@pytest.fixture
def fake() -> Iterator[FakeReddit]:
    with FakeReddit(total=30, comments_every=5) as server:
        yield server


def script(fake: FakeReddit) -> dict:
    return reddit_settings(fake, username="acme_brand", password="correct horse")


def test_channel_for_knows_reddit_and_instagram_only() -> None:
    reddit = channel_for("reddit")
    assert reddit is not None and reddit.platform == "reddit" and reddit.can_send
    assert channel_for("app_store") is None


def test_send_a_request_then_read_every_reply_in_the_thread(fake: FakeReddit) -> None:
    submission = fake.submission_fullname(POST)
    comment_id = CHANNEL.send_reply(script(fake), submission, "Love this! May we share it? Reply #YesAcme")
    assert comment_id.startswith("t1_")
    write = next(r for r in fake.requests if r.path.rstrip("/") == "/api/comment")
    assert write.method == "POST" and write.form["thing_id"] == submission
    assert write.form["text"] == "Love this! May we share it? Reply #YesAcme"

    now = time.time()
    answer = fake.add_reply(comment_id, author="user25", body="Sure! #YesAcme", created_utc=now + 5)
    nested = fake.add_reply(answer, author="acme_brand", body="Thank you!", created_utc=now + 9)

    replies = list(CHANNEL.fetch_replies(reddit_settings(fake), submission))
    by_id = {r.reply_id: r for r in replies}
    assert {comment_id, answer, nested} <= set(by_id)
    assert len(replies) == 3 + 3  # the three generated comments (one nested) and ours
    assert [r.created_at for r in replies] == sorted(r.created_at for r in replies)
    mine = by_id[answer]
    assert mine.thread_id == submission and mine.parent_id == comment_id
    assert mine.author_handle == "user25" and mine.author_user_id == FakeReddit.author_fullname_of("user25")
    assert mine.created_at == datetime.fromtimestamp(now + 5, UTC) and mine.edited_at is None
    assert mine.permalink and mine.permalink.startswith("https://www.reddit.com/r/")
    assert mine.raw["body"] == "Sure! #YesAcme" and mine.raw["author"] == "user25"
    assert by_id[nested].parent_id == answer


def test_edited_forged_and_deleted_replies_are_read_as_they_are(fake: FakeReddit) -> None:
    submission = fake.submission_fullname(3)
    now = time.time()
    edited = fake.add_reply(submission, author="user3", body="#YesAcme", created_utc=now, edited=now + 60)
    forged = fake.add_reply(submission, author="user3", body="#YesAcme", created_utc=now, author_fullname="t2_forgery1")
    gone = fake.add_reply(submission, author="[deleted]", body="[deleted]", created_utc=now)
    by_id = {r.reply_id: r for r in CHANNEL.fetch_replies(reddit_settings(fake), submission)}
    assert by_id[edited].edited_at == datetime.fromtimestamp(now + 60, UTC)
    assert by_id[forged].author_handle == "user3" and by_id[forged].author_user_id == "t2_forgery1"
    assert by_id[gone].author_user_id is None and by_id[gone].author_handle == "[deleted]" and by_id[gone].text == ""


def test_the_judge_on_replies_read_from_reddit(fake: FakeReddit) -> None:
    index = 3
    data = fake.submission(index)
    submission = fake.submission_fullname(index)
    requested = datetime.now(UTC)
    at = requested.timestamp()
    asked = AskedPost("reddit", submission, data["author_fullname"], data["author"], "#YesAcme", requested, None)
    early = fake.add_reply(submission, author=data["author"], body="#YesAcme", created_utc=at - 120)
    forged = fake.add_reply(
        submission, author=data["author"], body="#YesAcme", created_utc=at + 5, author_fullname="t2_someoneelse"
    )
    genuine = fake.add_reply(
        submission,
        author=data["author"],
        body="ok #yesacme",
        created_utc=at + 9,
        author_fullname=data["author_fullname"],
    )
    verdicts = {r.reply_id: judge(r, asked).verdict for r in CHANNEL.fetch_replies(reddit_settings(fake), submission)}
    assert verdicts == {early: Verdict.IGNORED, forged: Verdict.IGNORED, genuine: Verdict.GRANTS}


def test_load_more_comments_is_followed() -> None:
    with FakeReddit(total=10, comments_every=5, comments_page=1) as fake:
        submission = fake.submission_fullname(5)
        late = fake.add_reply(submission, author="user5", body="#YesAcme", created_utc=time.time())
        replies = {r.reply_id for r in CHANNEL.fetch_replies(reddit_settings(fake), submission)}
        assert late in replies and len(replies) == 4
        assert any(r.path.rstrip("/") == "/api/morechildren" for r in fake.requests)


def test_replies_under_a_comment_post_are_its_subtree(fake: FakeReddit) -> None:
    submission = fake.submission_fullname(10)
    top = fake.add_reply(submission, author="poster", body="my review of the gadget", created_utc=time.time())
    below = fake.add_reply(top, author="friend", body="nice", created_utc=time.time())
    replies = list(CHANNEL.fetch_replies(reddit_settings(fake), top))
    assert [r.reply_id for r in replies] == [below]
    assert replies[0].thread_id == top


def test_bad_ids_and_settings_are_clear_errors(fake: FakeReddit) -> None:
    with pytest.raises(ConfigurationError, match="fullname"):
        list(CHANNEL.fetch_replies(reddit_settings(fake), "abc"))
    with pytest.raises(ConfigurationError, match="script app"):
        CHANNEL.send_reply(reddit_settings(fake), fake.submission_fullname(3), "hello")
    with pytest.raises(ConfigurationError, match="Client ID"):
        list(CHANNEL.fetch_replies({}, fake.submission_fullname(3)))
    with pytest.raises(ConfigurationError, match="no such"):
        list(CHANNEL.fetch_replies(reddit_settings(fake), "t3_zzzzzzzz"))


def test_platform_failures_become_collector_errors(fake: FakeReddit) -> None:
    fake.add_fault("503", path="/comments/")
    with pytest.raises(TransientError):
        list(CHANNEL.fetch_replies(reddit_settings(fake), fake.submission_fullname(5)))
    fake.add_fault("429", path="/comments/", retry_after=90)
    with pytest.raises(RateLimited) as caught:
        list(CHANNEL.fetch_replies(reddit_settings(fake), fake.submission_fullname(5)))
    assert caught.value.retry_after_seconds == 90
    fake.add_fault("ratelimit", path="/api/comment")
    with pytest.raises(RateLimited):
        CHANNEL.send_reply(script(fake), fake.submission_fullname(5), "hello")
    with pytest.raises(ReplyRejected):
        CHANNEL.send_reply(script(fake), "t1_zzzzzzz", "hello")
