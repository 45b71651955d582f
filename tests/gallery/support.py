"""Gallery test helpers: real posts with stored images, rights granted as the rights workflow would, withdrawal."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from PIL import Image

from gallery.service import GallerySettings, create_gallery, set_published
from gallery.snapshots import SnapshotSettings
from ugc_hub.models import Author, Gallery, Post, PostHashtag, PostRights
from ugc_hub.models.base import DbSession, utcnow
from ugc_hub.services import audit
from ugc_hub.services.moderation import moderate
from ugc_hub.services.storage import Storage

HOSTILE_CAPTION = "<script>alert('caption')</script><img src=x onerror=alert('img')> Lumen in the rain #lumen"
#: Markup, and the ``$`` patterns String.prototype.replace expands ("$&" the match, "$`" and "$'" around it).
HOSTILE_HANDLE = "mallory\"><b>bold</b>$&$`$'"
STAFF = audit.Actor(type="user", label="tests")


def make_post(
    session: DbSession,
    storage: Storage,
    *,
    workspace_id: int,
    n: int,
    caption: str = "Morning run with my Lumen jacket #lumen",
    handle: str = "trailkate",
    likes: int = 0,
    tags: tuple[str, ...] = ("lumen",),
    raw: dict[str, Any] | None = None,
    image: bool = True,
    hours_ago: int = 0,
) -> Post:
    """A collected post whose image is already in our storage (as the media downloader leaves it)."""
    author = Author(
        platform="instagram",
        platform_key=f"id-{n}",
        handle=handle,
        profile_url=f"https://www.instagram.com/{handle}/",
    )
    session.add(author)
    session.flush()
    media = []
    if image:
        key = f"media/tests/{n}.jpg"
        buffer = io.BytesIO()
        Image.new("RGB", (1200, 900), (40 * (n % 6), 90, 160)).save(buffer, "JPEG")
        storage.put(key, buffer.getvalue(), "image/jpeg")
        media = [{"type": "image", "url": f"https://cdn.instagram.example/{n}.jpg", "storage_key": key}]
    post = Post(
        workspace_id=workspace_id,
        platform="instagram",
        platform_id=f"p{n}",
        author_id=author.id,
        text=caption,
        media=media,
        permalink=f"https://www.instagram.com/p/P{n}/",
        posted_at=utcnow() - timedelta(hours=hours_ago + n),
        metrics={"likes": likes},
        raw=raw or {},
    )
    session.add(post)
    session.flush()
    session.add_all(PostHashtag(post_id=post.id, tag=t) for t in tags)
    session.commit()
    return post


def grant(session: DbSession, post_id: int, *, days_left: int | None = None) -> None:
    """A grant as the rights workflow records it: licence started yesterday."""
    now = utcnow()
    end = now + timedelta(days=days_left) if days_left is not None else None
    post = session.get(Post, post_id)
    assert post is not None
    session.add(
        PostRights(
            post_id=post_id,
            state="granted",
            licence_start=now - timedelta(days=1),
            licence_end=end,
            granted_author_id=post.author_id,
        )
    )
    session.commit()


def approve(session: DbSession, post_ids: list[int]) -> None:
    moderate(session, post_ids=post_ids, status="approved", actor=STAFF)


def consented(session: DbSession, storage: Storage, *, workspace_id: int, n: int, **kwargs: Any) -> Post:
    post = make_post(session, storage, workspace_id=workspace_id, n=n, **kwargs)
    grant(session, post.id)
    approve(session, [post.id])
    return post


def withdraw(session: DbSession, post_id: int) -> None:
    """The manager revokes the grant through the rights service (which announces the change)."""
    from ugc_hub.rights.services import permissions as rights

    rights.revoke(session, post_id=post_id, actor=STAFF, now=utcnow(), reason="author asked")


def published_gallery(
    session: DbSession, settings: SnapshotSettings, *, workspace_id: int, slug: str = "lookbook", **values: Any
) -> Gallery:
    gallery = create_gallery(
        session,
        workspace_id=workspace_id,
        values=GallerySettings(name=values.pop("name", "Our customers"), slug=slug, **values),
        actor=STAFF,
    )
    return set_published(session, gallery_id=gallery.id, published=True, actor=STAFF, settings=settings)
