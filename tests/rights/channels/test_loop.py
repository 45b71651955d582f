"""Issue 5's loop against the local fakes: request sent, forged reply ignored, the author's reply detected,
the post granted and public with its credit, then withdrawn by the author's link and gone."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import responses
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from gallery import snapshots
from gallery import tasks as gallery_tasks
from tests.conftest import csrf_from
from tests.fakes.instagram import FakeInstagram
from tests.fakes.reddit import FakeReddit
from tests.gallery.support import published_gallery
from tests.rights.channels.support import HASHTAG, ask_for_rights, instagram_post, reddit_post
from ugc_hub.models import AuditEvent, Post, PostRights, RightsMessage, RightsReply, RightsRequest, db
from ugc_hub.rights.services import permissions as rights
from ugc_hub.rights.services import queue as rights_queue
from ugc_hub.rights.services.reply_sync import sync_replies
from ugc_hub.services import publication
from ugc_hub.services.audit import Actor
from ugc_hub.services.storage import storage_from_config

MANAGER = Actor(type="user", label="manager@example.com", id=None)


def terms_link(code: str) -> str:
    return f"https://hub.example/t/{code}"


def public_ids(at: datetime) -> dict[int, str]:
    return {p.id: p.credit for p in publication.public_posts(db.session, at)}


def withdraw_through_the_terms_page(app: Flask, client: FlaskClient, post: Post, request_id: int) -> None:
    from ugc_hub.rights.views import withdraw_link

    with app.test_request_context():
        link = withdraw_link(post.id, request_id)
    path = re.sub(r"^https?://[^/]+", "", link)
    page = client.get(path)
    assert page.status_code == 200
    done = client.post(path, data={"csrf_token": csrf_from(page.text)})
    assert done.status_code == 200, done.text
    again = client.post(path, data={"csrf_token": csrf_from(page.text)})
    assert again.status_code in (409, 410)  # a withdrawal link works once


def with_stored_image(app: Flask, post: Post) -> None:
    """What the media downloader leaves after a run: the post's picture in our storage."""
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (30, 90, 160)).save(buffer, "JPEG")
    key = f"media/tests/{post.id}.jpg"
    storage_from_config(app.config).put(key, buffer.getvalue(), "image/jpeg")
    post.media = [{"type": "image", "url": "https://i.redd.it/example.jpg", "storage_key": key}]
    db.session.commit()


def gallery_ids(client: FlaskClient) -> list[int]:
    response = client.get("/api/v1/galleries/lookbook")
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json["items"]]


def snapshot_ids() -> list[int]:
    found = snapshots.current(db.session, "lookbook")
    assert found is not None
    return [item["id"] for item in json.loads(found[1].body)["items"]]


def test_reddit_loop(app: Flask, client: FlaskClient, workspace) -> None:
    with FakeReddit(total=30, comments_every=5) as fake:
        ask_for_rights(workspace.id)
        post = reddit_post(workspace.id, fake, 10)
        with_stored_image(app, post)
        published_gallery(db.session, snapshots.settings_from_config(app.config), workspace_id=workspace.id)
        author, author_id = post.author.handle, post.author.platform_user_id
        # The story starts ten minutes ago, so the grant it records is already in force for the galleries.
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
        assert post.id not in public_ids(start)
        assert gallery_ids(client) == [] and snapshot_ids() == []

        request = rights.request_permission(
            db.session, post_id=post.id, channel="api_reply", actor=MANAGER, now=start, terms_link=terms_link
        )
        sent = rights_queue.send_due(db.session, now=start)
        assert len(sent.sent) == 1, sent
        message = db.session.get(RightsMessage, sent.sent[0])
        request = db.session.get(RightsRequest, request.id)
        assert request.request_comment_id and request.request_comment_id.startswith("t1_")
        write = next(r for r in fake.requests if r.path.rstrip("/") == "/api/comment")
        assert write.form["thing_id"] == post.platform_id and write.form["text"] == message.text
        assert f"@{author}" in message.text and HASHTAG in message.text

        at = start.timestamp()
        forged = fake.add_reply(
            request.request_comment_id,
            author=author,
            body=f"Yes! {HASHTAG}",
            author_fullname="t2_lookalike",
            created_utc=at + 20,
        )
        fake.add_reply(request.request_comment_id, author="helpful_friend", body=HASHTAG, created_utc=at + 25)
        report = sync_replies(db.session, now=start + timedelta(minutes=1))
        assert report.failures == [] and report.verdicts == {"grants": 0, "author_replied": 0, "ignored": 2}
        assert db.session.get(PostRights, post.id).state == "requested"
        ignored = db.session.query(RightsReply).filter_by(reply_id=forged).one()
        assert ignored.verdict == "ignored" and "another account id" in ignored.reason
        assert post.id not in public_ids(start + timedelta(minutes=2))

        genuine = fake.add_reply(
            request.request_comment_id,
            author=author,
            body=f"Happy to help {HASHTAG}",
            author_fullname=author_id,
            created_utc=at + 90,
        )
        report = sync_replies(db.session, now=start + timedelta(minutes=3))
        assert report.verdicts == {"grants": 1, "author_replied": 0, "ignored": 0}
        assert db.session.query(RightsReply).filter_by(reply_id=genuine).one().verdict == "grants"
        assert db.session.get(PostRights, post.id).state == "granted"
        assert public_ids(start + timedelta(minutes=4)) == {post.id: f"@{author}"}
        assert sync_replies(db.session, now=start + timedelta(minutes=5)).recorded == 0  # nothing new
        # Additions reach galleries through a queued rebuild (eager Celery here) or the minute beat.
        gallery_tasks.refresh_published.delay()
        assert gallery_ids(client) == [post.id] and snapshot_ids() == [post.id]
        assert client.get("/api/v1/galleries/lookbook").json["items"][0]["credit"] == f"@{author}"

        withdraw_through_the_terms_page(app, client, post, request.id)
        # No rebuild is run by the test: the withdrawal itself has taken the post out of every snapshot.
        assert gallery_ids(client) == [] and snapshot_ids() == []
        db.session.expire_all()
        assert db.session.get(PostRights, post.id).state == "revoked"
        assert post.id not in public_ids(datetime.now(UTC) + timedelta(minutes=5))


@pytest.fixture
def instagram() -> Iterator[FakeInstagram]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeInstagram()
        fake.install(rsps)
        yield fake


def test_instagram_loop(app: Flask, client: FlaskClient, workspace, instagram: FakeInstagram) -> None:
    ask_for_rights(workspace.id)
    post = instagram_post(workspace.id, instagram, 12)
    shortcode, author, author_id = post.platform_id, post.author.handle, post.author.platform_user_id
    start = datetime.fromtimestamp(instagram.newest, UTC)

    # Instagram has no API to comment on someone else's hashtag post: the request is posted by hand.
    request = rights.request_permission(
        db.session, post_id=post.id, channel="manual_comment", actor=MANAGER, now=start, terms_link=terms_link
    )
    message = db.session.query(RightsMessage).filter_by(request_id=request.id).one()
    assert message.status == "awaiting_manual"
    at = start.timestamp()
    posted = instagram.add_comment(shortcode, username="acme_brand", text=message.text, created_at=at + 5)
    rights_queue.mark_posted(db.session, message_id=message.id, actor=MANAGER, now=start, comment_id=posted)

    forged = instagram.add_comment(
        shortcode, username=author, text=f"{HASHTAG} ok", parent_pk=posted, created_at=at + 30
    )  # same username, another account
    report = sync_replies(db.session, now=start + timedelta(minutes=1), platform="instagram")
    assert report.failures == [] and report.verdicts["ignored"] == 1 and report.verdicts["grants"] == 0
    assert db.session.query(RightsReply).filter_by(reply_id=forged).one().verdict == "ignored"
    assert post.id not in public_ids(start + timedelta(minutes=2))

    genuine = instagram.add_comment(
        shortcode,
        username=author,
        text=f"Sure {HASHTAG.lower()}",
        user_id=author_id,
        parent_pk=posted,
        created_at=at + 60,
    )
    report = sync_replies(db.session, now=start + timedelta(minutes=3), platform="instagram")
    assert report.verdicts == {"grants": 1, "author_replied": 0, "ignored": 0}
    assert db.session.query(RightsReply).filter_by(reply_id=genuine).one().verdict == "grants"
    assert public_ids(start + timedelta(minutes=4)) == {post.id: f"@{author}"}

    withdraw_through_the_terms_page(app, client, post, request.id)
    db.session.expire_all()
    assert post.id not in public_ids(max(datetime.now(UTC), start) + timedelta(minutes=5))
    assert db.session.query(AuditEvent).filter_by(action="rights.reply_sync_failed").count() == 0
