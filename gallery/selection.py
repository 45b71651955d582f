"""Which posts a gallery shows: the public gate first, then the gallery's filters, picks and order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.sql import Select

from gallery.rules import likes_of
from ugc_hub.models import Gallery, GalleryItem, Post, PostHashtag, PostSentiment
from ugc_hub.models.base import DbSession
from ugc_hub.services.publication import PublicPost, is_shown, public_posts_select, to_public

#: Candidates read per wanted tile: some shown posts have no stored image and are skipped.
CANDIDATES_PER_TILE = 3


def _order(gallery: Gallery) -> list[ColumnElement[Any]]:
    if gallery.order == "most_liked":
        likes = func.coalesce(Post.metrics["likes"].as_integer(), 0)
        return [likes.desc(), Post.posted_at.desc(), Post.id.desc()]
    return [Post.posted_at.desc(), Post.id.desc()]


def _filtered(gallery: Gallery, query: Select[tuple[Post]]) -> Select[tuple[Post]]:
    tags = [t.lower().lstrip("#") for t in gallery.hashtags or [] if t]
    if tags:
        query = query.where(Post.id.in_(select(PostHashtag.post_id).where(PostHashtag.tag.in_(tags))))
    if gallery.source_ids:
        query = query.where(Post.source_id.in_(list(gallery.source_ids)))
    if gallery.min_sentiment is not None:
        query = query.join(PostSentiment, PostSentiment.post_id == Post.id).where(
            PostSentiment.score >= gallery.min_sentiment
        )
    return query


def _sort_key(gallery: Gallery, post: Post) -> tuple[float, float, int]:
    likes = likes_of(post.metrics) if gallery.order == "most_liked" else 0
    return (-likes, -post.posted_at.timestamp(), -post.id)


def select_posts(session: DbSession, gallery: Gallery, now: datetime, *, limit: int | None = None) -> list[PublicPost]:
    """Pins first (in their order), then picks and filtered posts in the gallery's order; never an exclusion.

    Every post comes through ``public_posts_select``: a pick the gate refuses is simply not there.
    """
    wanted = (limit or gallery.item_count) * CANDIDATES_PER_TILE
    items = session.scalars(
        select(GalleryItem).where(GalleryItem.gallery_id == gallery.id).order_by(GalleryItem.position)
    ).all()
    excluded = [i.post_id for i in items if i.kind == "exclude"]
    pinned = [i.post_id for i in items if i.kind == "pin"]
    picked = [i.post_id for i in items if i.kind == "pick"]
    gate = public_posts_select(now, workspace_id=gallery.workspace_id, allow_nsfw=bool(gallery.allow_nsfw))
    if excluded:
        gate = gate.where(Post.id.not_in(excluded))
    manual_ids = pinned + picked
    manual = {p.id: p for p in session.scalars(gate.where(Post.id.in_(manual_ids)))} if manual_ids else {}
    pins = [manual[i] for i in pinned if i in manual]
    rest = [manual[i] for i in picked if i in manual]
    if gallery.order != "manual":
        query = _filtered(gallery, gate)
        if manual_ids:
            query = query.where(Post.id.not_in(manual_ids))
        rest += list(session.scalars(query.order_by(*_order(gallery)).limit(wanted)))
        rest.sort(key=lambda post: _sort_key(gallery, post))
    return [to_public(post) for post in (pins + rest)[:wanted]]


def thumbnail_shown(session: DbSession, post_id: int, now: datetime) -> bool:
    """Whether a post's gallery thumbnail may be served: the gate shows it to every surface, or the
    post is marked adult and a published gallery of its workspace opted in to such posts."""
    if is_shown(session, post_id, now):
        return True
    opted_in = (
        select(Gallery.id)
        .where(Gallery.workspace_id == Post.workspace_id, Gallery.published.is_(True), Gallery.allow_nsfw.is_(True))
        .exists()
    )
    return session.scalar(select(Post.id).where(Post.id == post_id, opted_in)) is not None and is_shown(
        session, post_id, now, allow_nsfw=True
    )
