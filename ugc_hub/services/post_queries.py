"""The one post query behind the inbox and the API: filters plus keyset pagination."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from ugc_hub.models import Post, PostHashtag

MAX_PAGE_SIZE = 200
COUNT_CAP = 10_000


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class PostFilters:
    workspace_id: int | None = None
    source_id: int | None = None
    status: str | None = None
    hashtag: str | None = None
    language: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = None


@dataclass(frozen=True)
class PostPage:
    items: list[Post]
    next_cursor: str | None


def encode_cursor(post: Post) -> str:
    raw = f"{post.posted_at.astimezone(UTC).isoformat()}|{post.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, post_id = raw.rsplit("|", 1)
        return datetime.fromisoformat(stamp), int(post_id)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadCursor("the page cursor is not valid") from exc


def _fts_quote(query: str) -> str:
    """Quote every word so user input is never FTS5 syntax."""
    words = [w for w in query.split() if w]
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def _text_search(session: Session, query: str) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        match = text("posts_fts MATCH :fts_q").bindparams(fts_q=_fts_quote(query))
        return Post.id.in_(select(text("rowid")).select_from(text("posts_fts")).where(match))
    if dialect == "postgresql":
        document = func.to_tsvector("simple", func.coalesce(Post.title, "") + " " + Post.text)
        return document.op("@@")(func.plainto_tsquery("simple", query))
    return or_(Post.text.ilike(f"%{query}%"), Post.title.ilike(f"%{query}%"))


def filtered(session: Session, filters: PostFilters) -> Select[tuple[Post]]:
    """SELECT posts matching the filters, without order or limit."""
    stmt = select(Post)
    if filters.workspace_id is not None:
        stmt = stmt.where(Post.workspace_id == filters.workspace_id)
    if filters.source_id is not None:
        stmt = stmt.where(Post.source_id == filters.source_id)
    if filters.status:
        stmt = stmt.where(Post.moderation_status == filters.status)
    if filters.language:
        stmt = stmt.where(Post.language == filters.language)
    if filters.hashtag:
        tag = filters.hashtag.lstrip("#").casefold()
        stmt = stmt.where(exists().where(and_(PostHashtag.post_id == Post.id, PostHashtag.tag == tag)))
    if filters.date_from:
        stmt = stmt.where(Post.posted_at >= datetime.combine(filters.date_from, time.min, UTC))
    if filters.date_to:
        stmt = stmt.where(Post.posted_at < datetime.combine(filters.date_to + timedelta(days=1), time.min, UTC))
    if filters.q and filters.q.strip():
        stmt = stmt.where(_text_search(session, filters.q.strip()))
    return stmt


def list_posts(session: Session, filters: PostFilters, *, limit: int = 50, cursor: str | None = None) -> PostPage:
    """One page of posts, newest first; the cursor keeps every page as fast as the first."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    stmt = filtered(session, filters)
    if cursor:
        at, post_id = decode_cursor(cursor)
        stmt = stmt.where(or_(Post.posted_at < at, and_(Post.posted_at == at, Post.id < post_id)))
    stmt = stmt.order_by(Post.posted_at.desc(), Post.id.desc()).limit(limit + 1)
    items = list(session.scalars(stmt).unique())
    next_cursor = encode_cursor(items[limit - 1]) if len(items) > limit else None
    return PostPage(items=items[:limit], next_cursor=next_cursor)


def count_posts(session: Session, filters: PostFilters, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """Count matches up to ``cap``; return (count, more_than_cap) so big inboxes stay fast."""
    inner = filtered(session, filters).with_only_columns(Post.id).limit(cap + 1).subquery()
    count = session.scalar(select(func.count()).select_from(inner)) or 0
    return min(count, cap), count > cap
