"""The one post query behind the inbox and the API: filters plus keyset pagination."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, exists, false, func, or_, select, text
from sqlalchemy.sql import Select

from ugc_hub.models import Post, PostHashtag, PostSentiment
from ugc_hub.models.base import MAX_ROW_ID, DbSession

MIN_ROW_ID = -MAX_ROW_ID - 1

MAX_PAGE_SIZE = 200
COUNT_CAP = 10_000
# Orders of the list: newest first, or by sentiment score (scored posts only) either way.
SORTS = ("newest", "most_negative", "most_positive")


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
    sentiment: str | None = None
    #: Only the posts found deleted or removed on their platform (services/platform_deletions.py).
    removed_on_platform: bool = False

    #: ``True`` only posts marked adult (NSFW), ``False`` none of them, ``None`` both.
    nsfw: bool | None = None


@dataclass(frozen=True)
class PageMark:
    """Where a page ended: the next page starts strictly after this (posted_at, id)."""

    before: datetime
    before_id: int


@dataclass(frozen=True)
class ScoreMark:
    """Where a page sorted by sentiment ended: the next page starts strictly after (score, id)."""

    after_score: float
    after_id: int


@dataclass(frozen=True)
class PostPage:
    items: list[Post]
    next: PageMark | ScoreMark | None

    @property
    def next_cursor(self) -> str | None:
        return encode_cursor(self.next) if self.next else None


def encode_cursor(mark: PageMark | ScoreMark) -> str:
    """An opaque token for the inbox's "older posts" link."""
    if isinstance(mark, ScoreMark):
        # repr() of a float reads back to the very same float, so no post is skipped or repeated.
        raw = f"s|{mark.after_score!r}|{mark.after_id}".encode()
    else:
        raw = f"{mark.before.astimezone(UTC).isoformat()}|{mark.before_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> PageMark | ScoreMark:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if raw.startswith("s|"):
            _, score, post_id = raw.split("|")
            value = float(score)
            if not -1.0 <= value <= 1.0:
                raise ValueError("score out of range")
            return ScoreMark(value, int(post_id))
        stamp, post_id = raw.rsplit("|", 1)
        at = datetime.fromisoformat(stamp)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadCursor("the page cursor is not valid") from exc
    if at.tzinfo is None:
        raise BadCursor("the page cursor is not valid")
    return PageMark(at, int(post_id))


def _utc(at: datetime) -> datetime:
    """``at`` in UTC; a time past either end of the calendar (9999-12-31T23:00-05:00) becomes that end."""
    try:
        return at.astimezone(UTC)
    except OverflowError:
        return (datetime.max if at.year == datetime.max.year else datetime.min).replace(tzinfo=UTC)


def _id_below(column: Any, mark: int) -> Any:
    """``column < mark`` for any integer mark, written so the bound fits the id column (no overflow)."""
    return column <= min(mark - 1, MAX_ROW_ID) if mark > MIN_ROW_ID else false()


def _id_above(column: Any, mark: int) -> Any:
    """``column > mark``, written like ``_id_below``."""
    return column >= max(mark + 1, MIN_ROW_ID) if mark < MAX_ROW_ID else false()


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


def filtered(session: DbSession, filters: PostFilters, *, scored_only: bool = False) -> Select[Post]:
    """SELECT posts matching the filters, without order or limit (joined to their sentiment when
    ``scored_only`` or a sentiment filter asks for it)."""
    filters = replace(
        filters,
        hashtag=_no_nul(filters.hashtag),
        language=_no_nul(filters.language),
        q=_no_nul(filters.q),
        status=_no_nul(filters.status),
        sentiment=_no_nul(filters.sentiment),
    )
    stmt = select(Post)
    if scored_only or filters.sentiment:
        stmt = stmt.join(PostSentiment, PostSentiment.post_id == Post.id)
    if filters.sentiment:
        stmt = stmt.where(PostSentiment.label == filters.sentiment)
    if filters.workspace_id is not None:
        stmt = stmt.where(Post.workspace_id == filters.workspace_id)
    if filters.source_id is not None:
        stmt = stmt.where(Post.source_id == filters.source_id)
    if filters.status:
        stmt = stmt.where(Post.moderation_status == filters.status)
    if filters.language:
        stmt = stmt.where(Post.language == filters.language)
    if filters.removed_on_platform:
        stmt = stmt.where(Post.removed_on_platform_at.is_not(None))

    if filters.nsfw is not None:
        stmt = stmt.where(Post.nsfw.is_(filters.nsfw))
    if filters.hashtag:
        tag = filters.hashtag.lstrip("#").casefold()
        stmt = stmt.where(exists().where(and_(PostHashtag.post_id == Post.id, PostHashtag.tag == tag)))
    if filters.date_from:
        stmt = stmt.where(Post.posted_at >= datetime.combine(filters.date_from, time.min, UTC))
    if filters.date_to and filters.date_to < date.max:
        stmt = stmt.where(Post.posted_at < datetime.combine(filters.date_to + timedelta(days=1), time.min, UTC))
    if filters.q and filters.q.strip():
        stmt = stmt.where(_text_search(session, filters.q.strip()))
    return stmt


def list_posts(
    session: DbSession,
    filters: PostFilters,
    *,
    limit: int = 50,
    after: PageMark | ScoreMark | None = None,
    sort: str = "newest",
) -> PostPage:
    """One page of posts, newest first or by sentiment score; keyset pagination keeps every page as
    fast as the first. Raises BadCursor when ``after`` belongs to another sort."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {SORTS}, got {sort!r}")
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    if sort != "newest":
        return _by_score(session, filters, limit=limit, after=after, ascending=sort == "most_negative")
    if isinstance(after, ScoreMark):
        raise BadCursor("this cursor belongs to a list sorted by sentiment")
    stmt = filtered(session, filters)
    if after is not None:
        at, post_id = _utc(after.before), after.before_id
        stmt = stmt.where(or_(Post.posted_at < at, and_(Post.posted_at == at, _id_below(Post.id, post_id))))
    stmt = stmt.order_by(Post.posted_at.desc(), Post.id.desc()).limit(limit + 1)
    items = list(session.scalars(stmt).unique())
    last = items[limit - 1] if len(items) > limit else None
    return PostPage(items=items[:limit], next=PageMark(last.posted_at, last.id) if last else None)


def _by_score(
    session: DbSession, filters: PostFilters, *, limit: int, after: PageMark | ScoreMark | None, ascending: bool
) -> PostPage:
    """A page of scored posts by score (ties by id, same direction), along ix_post_sentiments_score_post_id."""
    if isinstance(after, PageMark):
        raise BadCursor("this cursor belongs to a list sorted by date")
    score, post_id = PostSentiment.score, PostSentiment.post_id
    stmt = filtered(session, filters, scored_only=True)
    if after is not None:
        mark, mark_id = after.after_score, after.after_id
        if ascending:
            stmt = stmt.where(or_(score > mark, and_(score == mark, _id_above(post_id, mark_id))))
        else:
            stmt = stmt.where(or_(score < mark, and_(score == mark, _id_below(post_id, mark_id))))
    order = (score.asc(), post_id.asc()) if ascending else (score.desc(), post_id.desc())
    rows = session.execute(stmt.add_columns(score).order_by(*order).limit(limit + 1)).unique().all()
    items = [row[0] for row in rows]
    last = rows[limit - 1] if len(rows) > limit else None
    return PostPage(items=items[:limit], next=ScoreMark(last[1], last[0].id) if last else None)


def count_posts(
    session: DbSession, filters: PostFilters, cap: int = COUNT_CAP, *, sort: str = "newest"
) -> tuple[int, bool]:
    """Count matches up to ``cap``; return (count, more_than_cap) so big inboxes stay fast.
    Sorting by score lists scored posts only, so it counts only those."""
    scored_only = sort != "newest"
    inner = filtered(session, filters, scored_only=scored_only).with_only_columns(Post.id).limit(cap + 1).subquery()
    count = session.scalar(select(func.count()).select_from(inner)) or 0
    return min(count, cap), count > cap
