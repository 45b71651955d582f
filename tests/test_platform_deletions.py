"""Platform deletions honoured: a post deleted on Reddit leaves every public surface within one check."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from gallery.snapshots import settings_from_config
from tests.conftest import Auth
from tests.fakes.harness import reddit_settings
from tests.fakes.reddit import FakeReddit
from tests.gallery.support import approve, grant, published_gallery
from ugc_hub.models import AuditEvent, Post, db
from ugc_hub.models.base import utcnow
from ugc_hub.platform_tasks import check_platform_deletions_task
from ugc_hub.rights.services import consent_ledger
from ugc_hub.services.audit import CLI
from ugc_hub.services.collection import collect_source
from ugc_hub.services.platform_deletions import check_platform_deletions
from ugc_hub.services.sources import create_source
from ugc_hub.services.storage import storage_from_config


@pytest.fixture
def reddit() -> Iterator[FakeReddit]:
    with FakeReddit(total=3, comments_every=0) as fake:
        yield fake


def collect(app: Flask, workspace: Any, fake: FakeReddit, **settings: Any) -> list[Post]:
    """Collect the fake's submissions through a real ``reddit.search`` source; posts in id order."""
    source = create_source(
        db.session,
        workspace_id=workspace.id,
        kind="reddit.search",
        name="reddit",
        settings=reddit_settings(fake, **settings),
        actor=CLI,
    )
    assert collect_source(db.session, source.id).status == "succeeded"
    return list(db.session.scalars(select(Post).order_by(Post.id)))


def with_stored_image(app: Flask, post: Post) -> None:
    """What the media downloader leaves: the post's image in our storage (galleries show stored images only)."""
    key = f"media/tests/{post.id}.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), (30, 90, 160)).save(buffer, "JPEG")
    storage_from_config(app.config).put(key, buffer.getvalue(), "image/jpeg")
    post.media = [{"type": "image", "url": f"https://i.redd.it/{post.platform_id}.jpg", "storage_key": key}]
    db.session.commit()


def publish(app: Flask, workspace: Any, posts: list[Post]) -> None:
    for post in posts:
        with_stored_image(app, post)
        grant(db.session, post.id)
    approve(db.session, [p.id for p in posts])
    published_gallery(db.session, settings_from_config(app.config), workspace_id=workspace.id)


def surfaces(client: FlaskClient) -> dict[str, Any]:
    """What the public sees: the widget's JSON, the iframe page, oEmbed, and each tile's thumbnail."""
    widget = client.get("/api/v1/galleries/lookbook")
    assert widget.status_code == 200
    tiles = widget.json["items"]
    iframe = client.get("/g/lookbook/embed")
    assert iframe.status_code == 200
    oembed = client.get("/g/oembed", query_string={"url": "http://localhost/g/lookbook", "format": "json"})
    assert oembed.status_code == 200 and 'src="http://localhost/g/lookbook/embed"' in oembed.json["html"]
    return {
        "widget": {t["id"] for t in tiles},
        "iframe": iframe.text,
        "thumbnails": {t["id"]: client.get(t["image"]["src"]).status_code for t in tiles},
        "tiles": tiles,
    }


def info_requests(fake: FakeReddit) -> list[list[str]]:
    return [r.query["id"].split(",") for r in fake.requests if r.path.rstrip("/") == "/api/info"]


def test_a_post_deleted_on_reddit_leaves_every_public_surface_within_one_check(
    app: Flask, client: FlaskClient, workspace: Any, reddit: FakeReddit
) -> None:
    deleted, kept, _ = collect(app, workspace, reddit)
    publish(app, workspace, [deleted, kept])
    before = surfaces(client)
    assert before["widget"] == {deleted.id, kept.id}
    assert f"#acme gadget today, post {reddit.index_of(deleted.platform_id[3:])}." in before["iframe"]
    thumbnail_of_deleted = next(t["image"]["src"] for t in before["tiles"] if t["id"] == deleted.id)

    reddit.take_down(deleted.platform_id, "deleted")
    report = check_platform_deletions_task.apply().get()  # what beat runs every PLATFORM_RECHECK_SECONDS
    db.session.rollback()

    assert report["taken_down"] == [deleted.id] and report["checked"] == 2
    after = surfaces(client)
    assert after["widget"] == {kept.id}
    assert f"post {reddit.index_of(deleted.platform_id[3:])}." not in after["iframe"]
    assert f"post {reddit.index_of(kept.platform_id[3:])}." in after["iframe"]
    assert client.get(thumbnail_of_deleted).status_code == 404
    assert after["thumbnails"] == {kept.id: 200}

    gone = db.session.get(Post, deleted.id)
    assert gone is not None and gone.removed_on_platform_reason == "deleted"
    assert gone.moderation_status == "approved"  # the moderator's decision is kept; the gate refuses the post
    events = consent_ledger.evidence(db.session, post_ids=[deleted.id])
    assert [e.kind for e in events][-1] == "removed_on_platform"
    assert events[-1].payload is not None and events[-1].payload["reason"] == "deleted"
    assert consent_ledger.verify_ledger(db.session).ok
    verify = app.test_cli_runner().invoke(args=["rights", "verify"])
    assert verify.exit_code == 0, verify.output
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "post.removed_on_platform")).all()
    assert [(a.object_id, a.actor_type) for a in audit] == [(str(deleted.id), "system")]

    # A second check asks only about the posts still shown, and changes nothing.
    again = check_platform_deletions(db.session, now=utcnow())
    assert again.taken_down == [] and info_requests(reddit)[-1] == [kept.platform_id]


@pytest.mark.parametrize("how", ["removed", "purged", "author_deleted"])
def test_each_kind_of_takedown_counts(app: Flask, workspace: Any, reddit: FakeReddit, how: str) -> None:
    posts = collect(app, workspace, reddit)
    approve(db.session, [p.id for p in posts])
    reddit.take_down(posts[0].platform_id, how)

    report = check_platform_deletions(db.session, now=utcnow())

    expected = {"purged": "not_found"}.get(how, how)
    assert report.taken_down == [posts[0].id] and report.reasons == {expected: 1}
    # Nobody asked this author: nothing about consent to record.
    assert consent_ledger.evidence(db.session, post_ids=[posts[0].id]) == []


@pytest.mark.parametrize("fault", ["500", "429", "truncated"])
def test_a_failed_check_takes_nothing_down(
    app: Flask, client: FlaskClient, workspace: Any, reddit: FakeReddit, fault: str
) -> None:
    posts = collect(app, workspace, reddit)
    publish(app, workspace, posts[:2])
    reddit.take_down(posts[0].platform_id, "purged")
    reddit.add_fault(fault, path="/api/info")

    report = check_platform_deletions(db.session, now=utcnow())

    assert report.taken_down == [] and report.checked == 0 and list(report.failed_sources) == [posts[0].source_id]
    assert surfaces(client)["widget"] == {posts[0].id, posts[1].id}
    assert db.session.scalar(select(Post.id).where(Post.removed_on_platform_at.is_not(None))) is None

    # The next check, with Reddit answering again, does take it down.
    assert check_platform_deletions(db.session, now=utcnow()).taken_down == [posts[0].id]


def test_posts_are_asked_about_in_batches_of_100(app: Flask, workspace: Any) -> None:
    from tests.test_ingest import make_post
    from ugc_hub.services.ingest import ingest_posts

    with FakeReddit(total=150, comments_every=0) as fake:
        posts = collect(app, workspace, fake, page_size=100)
        assert len(posts) == 150
        ingest_posts(db.session, [make_post(1)], workspace_id=workspace.id)  # Instagram, no source
        approve(db.session, [p.id for p in db.session.scalars(select(Post))])
        last = posts[-1]
        fake.take_down(last.platform_id, "removed")
        fake.requests.clear()

        report = check_platform_deletions(db.session, now=utcnow())

        batches = info_requests(fake)
    assert [len(b) for b in batches] == [100, 50]
    assert sorted(f for b in batches for f in b) == sorted(p.platform_id for p in posts)
    assert report.checked == 150 and report.taken_down == [last.id] and report.unchecked == 1


def test_the_inbox_marks_and_filters_posts_removed_on_their_platform(
    app: Flask, client: FlaskClient, workspace: Any, reddit: FakeReddit, auth: Auth
) -> None:
    posts = collect(app, workspace, reddit)
    approve(db.session, [p.id for p in posts])
    reddit.take_down(posts[1].platform_id, "deleted")
    check_platform_deletions(db.session, now=utcnow())
    viewer = auth.as_role("viewer")

    listed = client.get("/inbox/?status=&removed_on_platform=y")
    assert listed.status_code == 200
    assert listed.text.count('data-post-id="') == 1 and f'data-post-id="{posts[1].id}"' in listed.text
    assert 'data-platform-removed="deleted"' in listed.text and "Removed on its platform" in listed.text
    everything = client.get("/inbox/?status=approved")
    assert everything.text.count('data-post-id="') == 3 and everything.text.count("data-platform-removed=") == 1
    detail = client.get(f"/inbox/posts/{posts[1].id}")
    assert "deleted by its author" in detail.text

    viewer.locale = "fr"
    db.session.commit()
    french = client.get("/inbox/?status=&removed_on_platform=y")
    assert "Supprimée sur sa plateforme" in french.text and "Removed on its platform" not in french.text
    assert "supprimée par son auteur" in client.get(f"/inbox/posts/{posts[1].id}").text


def test_the_staff_api_says_when_and_why_and_filters(
    app: Flask, client: FlaskClient, workspace: Any, reddit: FakeReddit, auth: Auth
) -> None:
    from tests.test_api import bearer

    posts = collect(app, workspace, reddit)
    approve(db.session, [p.id for p in posts])
    reddit.take_down(posts[2].platform_id, "removed")
    check_platform_deletions(db.session, now=utcnow())
    headers = bearer(auth)

    listed = client.get("/api/v1/posts/?removed_on_platform=true", headers=headers)
    assert listed.status_code == 200
    [item] = listed.json["items"]
    assert item["id"] == posts[2].id and item["removed_on_platform_reason"] == "removed"
    assert item["removed_on_platform_at"] is not None
    one = client.get(f"/api/v1/posts/{posts[0].id}", headers=headers).json
    assert one["removed_on_platform_at"] is None and one["removed_on_platform_reason"] is None
    assert len(client.get("/api/v1/posts/?status=approved", headers=headers).json["items"]) == 3
