"""``sync_replies``: new replies of requested posts are judged once; one post failing never stops the others."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from tests.fakes.reddit import FakeReddit
from tests.rights.channels.support import HASHTAG, ask_for_rights, reddit_post, reddit_source
from ugc_hub.models import AuditEvent, Post, PostRights, RightsReply, RightsRequest, Source, db
from ugc_hub.rights.services import permissions as rights
from ugc_hub.rights.services import queue as rights_queue
from ugc_hub.rights.services.reply_sync import FAILURE_ACTION, sync_replies
from ugc_hub.services.audit import Actor

MANAGER = Actor(type="user", label="manager@example.com", id=None)


@pytest.fixture
def fake() -> Iterator[FakeReddit]:
    with FakeReddit(total=40, comments_every=5) as server:
        yield server


def asked(
    workspace_id: int, fake: FakeReddit, indices: list[int], start: datetime, *, one_source: bool = False
) -> list[tuple[Post, str]]:
    """Posts ``indices`` collected, approved and asked through the Reddit API; returns (post, request comment)."""
    ask_for_rights(workspace_id)
    shared = reddit_source(workspace_id, fake) if one_source else None
    posts = [reddit_post(workspace_id, fake, i, shared) for i in indices]
    for post in posts:
        rights.request_permission(
            db.session, post_id=post.id, channel="api_reply", actor=MANAGER, now=start, terms_link=lambda c: c
        )
    assert len(rights_queue.send_due(db.session, now=start).sent) == len(posts)
    comments = [db.session.query(RightsRequest).filter_by(post_id=p.id).one().request_comment_id for p in posts]
    return list(zip(posts, comments, strict=True))


def failures(post_id: int) -> list[AuditEvent]:
    return db.session.query(AuditEvent).filter_by(action=FAILURE_ACTION, object_id=str(post_id)).all()


def test_each_reply_is_judged_once_and_old_comments_are_skipped(app: Flask, workspace, fake: FakeReddit) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    [(post, comment)] = asked(workspace.id, fake, [10], start)
    at = start.timestamp()
    author, author_id = post.author.handle, post.author.platform_user_id
    fake.add_reply(comment, author=author, body=HASHTAG, author_fullname=author_id, created_utc=at - 3600)
    edited = fake.add_reply(
        comment, author=author, body=HASHTAG, author_fullname=author_id, created_utc=at + 10, edited=at + 40
    )
    lookalike = fake.add_reply(
        comment, author=author, body="#YesLum\u0435n", author_fullname=author_id, created_utc=at + 20
    )
    report = sync_replies(db.session, now=start + timedelta(minutes=1))
    assert report.posts_read == 1 and report.replies_seen == 3 + 1 + 3  # generated, ours, the author's three
    assert report.verdicts == {"grants": 0, "author_replied": 2, "ignored": 0}
    assert {r.reply_id: r.verdict for r in db.session.query(RightsReply)} == {
        edited: "author_replied",
        lookalike: "author_replied",
    }
    assert db.session.get(PostRights, post.id).state == "author_replied"
    again = sync_replies(db.session, now=start + timedelta(minutes=2))
    assert again.posts_read == 1 and again.recorded == 0
    assert db.session.query(RightsReply).count() == 2


def test_one_failing_post_is_recorded_and_the_others_go_on(app: Flask, workspace, fake: FakeReddit) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    (good, good_comment), (bad, _) = asked(workspace.id, fake, [10, 15], start)
    fake.add_reply(
        good_comment,
        author=good.author.handle,
        body=HASHTAG,
        author_fullname=good.author.platform_user_id,
        created_utc=start.timestamp() + 30,
    )
    broken = f"/comments/{bad.platform_id[3:]}"
    fake.add_fault("500", path=broken, times=2)
    report = sync_replies(db.session, now=start + timedelta(minutes=1))
    assert report.verdicts["grants"] == 1 and db.session.get(PostRights, good.id).state == "granted"
    assert [f.post_id for f in report.failures] == [bad.id] and "TransientError" in report.failures[0].error
    assert len(failures(bad.id)) == 1 and failures(bad.id)[0].after["error"] == report.failures[0].error

    report = sync_replies(db.session, now=start + timedelta(minutes=2))
    assert [f.post_id for f in report.failures] == [bad.id]
    assert len(failures(bad.id)) == 1  # the same error again is not written twice

    report = sync_replies(db.session, now=start + timedelta(minutes=3))
    assert report.failures == [] and report.posts_read == 1  # the granted post's request is closed


def test_a_rate_limit_stops_the_other_posts_of_that_account(app: Flask, workspace, fake: FakeReddit) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    asked(workspace.id, fake, [10, 15, 20], start, one_source=True)
    before = len([p for p in fake.paths("GET") if p.startswith("/comments/")])
    fake.add_fault("429", path="/comments/", retry_after=600)
    report = sync_replies(db.session, now=start + timedelta(minutes=1))
    assert report.posts_read == 0 and len(report.failures) == 3
    assert "RateLimited" in report.failures[0].error
    assert all("skipped" in f.error for f in report.failures[1:])
    assert len([p for p in fake.paths("GET") if p.startswith("/comments/")]) == before + 1  # asked once only
    assert sync_replies(db.session, now=start + timedelta(minutes=2)).posts_read == 3


def test_a_post_without_source_or_channel(app: Flask, workspace, fake: FakeReddit) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    [(post, _)] = asked(workspace.id, fake, [10], start)
    assert sync_replies(db.session, now=start, channel_for=lambda platform: None).no_channel == 1
    db.session.delete(db.session.get(Source, post.source_id))
    db.session.commit()
    report = sync_replies(db.session, now=start + timedelta(minutes=1))
    assert report.failures and "no source" in report.failures[0].error


def test_cli_and_celery_task(app: Flask, workspace, fake: FakeReddit) -> None:
    start = datetime.now(UTC) - timedelta(minutes=5)
    [(post, comment)] = asked(workspace.id, fake, [10], start)
    fake.add_reply(
        comment,
        author=post.author.handle,
        body=HASHTAG,
        author_fullname=post.author.platform_user_id,
        created_utc=start.timestamp() + 60,
    )
    result = app.test_cli_runner().invoke(args=["rights", "sync-replies", "--platform", "reddit"])
    assert result.exit_code == 0, result.output
    assert "1 new replies: 1 granted" in result.output

    from ugc_hub.rights.tasks import sync_replies_task

    assert sync_replies_task.delay().get()["posts_read"] == 0  # granted: the request is closed


def test_beat_reads_replies_every_few_minutes(instance) -> None:
    from ugc_hub.config import build_config

    entry = build_config(instance)["CELERY"]["beat_schedule"]["rights.sync-replies"]
    assert entry == {"task": "rights.sync_replies", "schedule": 300.0}


def test_editing_a_reply_to_add_the_hashtag_never_grants(app: Flask, workspace, fake: FakeReddit) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    [(post, comment)] = asked(workspace.id, fake, [10], start)
    reply = fake.add_reply(
        comment,
        author=post.author.handle,
        body="Let me think about it",
        author_fullname=post.author.platform_user_id,
        created_utc=start.timestamp() + 30,
    )
    assert sync_replies(db.session, now=start + timedelta(minutes=1)).verdicts["author_replied"] == 1
    fake.edit_reply(reply, body=f"Let me think about it. {HASHTAG}", edited=start.timestamp() + 300)
    assert sync_replies(db.session, now=start + timedelta(minutes=10)).recorded == 0
    assert db.session.get(PostRights, post.id).state == "author_replied"


def test_the_hashtag_under_another_post_or_inside_a_word_changes_nothing(
    app: Flask, workspace, fake: FakeReddit
) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    [(post, comment)] = asked(workspace.id, fake, [10], start)
    author, author_id, at = post.author.handle, post.author.platform_user_id, start.timestamp()
    fake.add_reply(
        fake.submission_fullname(15), author=author, body=HASHTAG, author_fullname=author_id, created_utc=at + 5
    )
    inside = fake.add_reply(
        comment, author=author, body=f"{HASHTAG}Please", author_fullname=author_id, created_utc=at + 6
    )
    report = sync_replies(db.session, now=start + timedelta(minutes=1))
    assert report.verdicts == {"grants": 0, "author_replied": 1, "ignored": 0}
    assert db.session.query(RightsReply).one().reply_id == inside
    assert db.session.get(PostRights, post.id).state == "author_replied"


def test_a_withdrawal_code_posted_after_the_grant_is_read(app: Flask, workspace, fake: FakeReddit) -> None:
    from ugc_hub.rights.services import codes as rights_codes

    start = datetime.now(UTC).replace(microsecond=0)
    [(post, comment)] = asked(workspace.id, fake, [10], start)
    author, author_id, at = post.author.handle, post.author.platform_user_id, start.timestamp()
    fake.add_reply(comment, author=author, body=HASHTAG, author_fullname=author_id, created_utc=at + 5)
    sync_replies(db.session, now=start + timedelta(minutes=1))
    assert db.session.get(PostRights, post.id).state == "granted"
    request = db.session.query(RightsRequest).filter_by(post_id=post.id).one()
    code = rights_codes.issue_code(
        db.session,
        request_id=request.id,
        purpose="withdraw",
        now=start + timedelta(minutes=2),
        ip=None,
        user_agent=None,
    )
    fake.add_reply(
        comment, author=author, body=f"please stop {code}", author_fullname="t2_impostor", created_utc=at + 180
    )
    sync_replies(db.session, now=start + timedelta(minutes=4))
    assert db.session.get(PostRights, post.id).state == "granted"  # the code from another account does nothing
    fake.add_reply(comment, author=author, body=f"please stop {code}", author_fullname=author_id, created_utc=at + 200)
    sync_replies(db.session, now=start + timedelta(minutes=5))
    assert db.session.get(PostRights, post.id).state == "revoked"
    assert rights.open_requests(db.session, now=start + timedelta(minutes=6)) == []
