"""Set up a workspace that asks for rights, and a collected, approved post from a fake platform."""

from __future__ import annotations

from typing import Any

from collectors.instagram.mapping import map_iphone_media
from collectors.reddit.mapping import map_thing
from tests.fakes.harness import instagram_settings, reddit_settings
from tests.fakes.instagram import FakeInstagram
from tests.fakes.reddit import FakeReddit
from ugc_hub.models import Post, Source, db
from ugc_hub.rights.services.templates import add_template, publish_terms, update_policy
from ugc_hub.services import moderation
from ugc_hub.services.audit import CLI
from ugc_hub.services.ingest import ingest_posts
from ugc_hub.services.sources import create_source

HASHTAG = "#YesLumen"
REQUEST_TEMPLATE = "Hi {author}, we love this! May we share it with credit? Reply {hashtag} to agree: {terms_link}"


def ask_for_rights(workspace_id: int) -> None:
    """Approval hashtag, published terms and a request template."""
    update_policy(
        db.session,
        workspace_id=workspace_id,
        approval_hashtag=HASHTAG,
        request_days=14,
        reminder_days=7,
        licence_days=None,
        actor=CLI,
    )
    publish_terms(
        db.session,
        workspace_id=workspace_id,
        title="Sharing your photo",
        body="You let Lumen show your post on its site, credited to you, until you withdraw.",
        language="en",
        actor=CLI,
    )
    add_template(
        db.session,
        workspace_id=workspace_id,
        purpose="request",
        language="en",
        name="ask",
        body=REQUEST_TEMPLATE,
        actor=CLI,
    )


def _store(workspace_id: int, source: Source, mapped: Any) -> Post:
    ingest_posts(db.session, [mapped], workspace_id=workspace_id, source_id=source.id)
    post = db.session.query(Post).filter_by(platform=mapped.platform, platform_id=mapped.platform_id).one()
    moderation.moderate(db.session, post_ids=[post.id], status="approved", actor=CLI)
    return post


def reddit_source(workspace_id: int, fake: FakeReddit) -> Source:
    """A ``reddit.search`` source on the fake with a script app (it may post replies)."""
    settings = reddit_settings(fake, username="acme_brand", password="correct horse")
    return create_source(
        db.session, workspace_id=workspace_id, kind="reddit.search", name="reddit", settings=settings, actor=CLI
    )


def reddit_post(workspace_id: int, fake: FakeReddit, index: int, source: Source | None = None) -> Post:
    """Submission ``index`` of the fake, collected by a ``reddit.search`` source (a new one by default), approved."""
    source = source or reddit_source(workspace_id, fake)
    return _store(workspace_id, source, map_thing({"kind": "t3", "data": fake.submission(index)}))


def instagram_post(workspace_id: int, fake: FakeInstagram, index: int) -> Post:
    """Recent hashtag post ``index`` of the fake, collected by an ``instagram.hashtag`` source, approved."""
    settings = instagram_settings(fake, hashtags=["#acme"])
    source = create_source(
        db.session, workspace_id=workspace_id, kind="instagram.hashtag", name="instagram", settings=settings, actor=CLI
    )
    return _store(workspace_id, source, map_iphone_media(fake.media(index)))
