"""The one post query behind the inbox and the API: filters plus keyset pagination."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, text
from sqlalchemy.sql import Select

from ugc_hub.models import Post, PostHashtag
from ugc_hub.models.base import DbSession

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
class PageMark:
    """Where a page ended: the next page starts strictly after this (posted_at, id)."""

    before: datetime
    before_id: int


@dataclass(frozen=True)
class PostPage:
    items: list[Post]
    next: PageMark | None

    @property
    def next_cursor(self) -> str | None:
        return encode_cursor(self.next) if self.next else None


def encode_cursor(mark: PageMark) -> str:
    """An opaque token for the inbox's "older posts" link."""
    raw = f"{mark.before.astimezone(UTC).isoformat()}|{mark.before_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> PageMark:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, post_id = raw.rsplit("|", 1)
        at = datetime.fromisoformat(stamp)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadCursor("the page cursor is not valid") from exc
    if at.tzinfo is None:
        raise BadCursor("the page cursor is not valid")
    return PageMark(at, int(post_id))


def _fts_quote(query: str) -> str:
    """Quote every word so user input is never FTS5 syntax."""
    words = [w for w in query.split() if w]
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


def _text_search(session: DbSession, query: str) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        match = text("posts_fts MATCH :fts_q").bindparams(fts_q=_fts_quote(query))
        return Post.id.in_(select(text("rowid")).select_from(text("posts_fts")).where(match))
    if dialect == "postgresql":
        document = func.to_tsvector("simple", func.coalesce(Post.title, "") + " " + Post.text)
        return document.op("@@")(func.plainto_tsquery("simple", query))
    return or_(Post.text.ilike(f"%{query}%"), Post.title.ilike(f"%{query}%"))


def _no_nul(value: str | None) -> str | None:
    # No stored text can contain NUL (ingestion refuses it) and PostgreSQL rejects it in parameters.
    return value.replace("\x00", "") if value else value


def filtered(session: DbSession, filters: PostFilters) -> Select[Post]:
    """SELECT posts matching the filters, without order or limit."""
    filters = replace(
        filters,
        hashtag=_no_nul(filters.hashtag),
        language=_no_nul(filters.language),
        q=_no_nul(filters.q),
        status=_no_nul(filters.status),
    )
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


def list_posts(session: DbSession, filters: PostFilters, *, limit: int = 50, after: PageMark | None = None) -> PostPage:
    """One page of posts, newest first; keyset pagination keeps every page as fast as the first."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    stmt = filtered(session, filters)
    if after is not None:
        at, post_id = after.before, after.before_id
        stmt = stmt.where(or_(Post.posted_at < at, and_(Post.posted_at == at, Post.id < post_id)))
    stmt = stmt.order_by(Post.posted_at.desc(), Post.id.desc()).limit(limit + 1)
    items = list(session.scalars(stmt).unique())
    last = items[limit - 1] if len(items) > limit else None
    return PostPage(items=items[:limit], next=PageMark(last.posted_at, last.id) if last else None)


def count_posts(session: DbSession, filters: PostFilters, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """Count matches up to ``cap``; return (count, more_than_cap) so big inboxes stay fast."""
    inner = filtered(session, filters).with_only_columns(Post.id).limit(cap + 1).subquery()
    count = session.scalar(select(func.count()).select_from(inner)) or 0
    return min(count, cap), count > cap
