"""Idempotent upsert of normalized posts: the one way posts enter the database."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import delete, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite

from ugc_hub.domain.posts import MediaItem, NormalizedPost, extract_hashtags
from ugc_hub.models import Author, Post, PostHashtag
from ugc_hub.models.base import DbSession, utcnow
from ugc_hub.services.validation import problems

DEFAULT_BATCH_SIZE = 1000


@dataclass(frozen=True)
class Rejection:
    """A post that was not stored: its position in the input and why."""

    index: int
    platform_id: str | None
    reason: str


@dataclass
class IngestResult:
    new: int = 0
    updated: int = 0
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    post_ids: list[int] = field(default_factory=list)

    def add(self, other: IngestResult) -> None:
        self.new += other.new
        self.updated += other.updated
        self.rejected += other.rejected
        self.rejections.extend(other.rejections)
        self.post_ids.extend(other.post_ids)


def _insert(session: DbSession) -> Callable[..., Any]:
    """The dialect's INSERT, which knows ON CONFLICT."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise RuntimeError(f"ingestion supports SQLite and PostgreSQL, not {name}")


def _author_key(post: NormalizedPost) -> tuple[str, str] | None:
    if post.author is None:
        return None
    key = post.author.platform_user_id or "@" + post.author.handle.lstrip("@").casefold()
    return (post.platform, key)


def _upsert_authors(session: DbSession, posts: Sequence[NormalizedPost]) -> dict[tuple[str, str], int]:
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for post in posts:
        key = _author_key(post)
        if key is None or post.author is None:
            continue
        rows[key] = {
            "platform": key[0],
            "platform_key": key[1],
            "platform_user_id": post.author.platform_user_id,
            "handle": post.author.handle.lstrip("@"),
            "display_name": post.author.display_name,
            "profile_url": post.author.profile_url,
        }
    if not rows:
        return {}
    insert = _insert(session)
    stmt = insert(Author)
    stmt = stmt.on_conflict_do_update(
        index_elements=["platform", "platform_key"],
        set_={
            "handle": stmt.excluded.handle,
            "display_name": stmt.excluded.display_name,
            "profile_url": stmt.excluded.profile_url,
            "platform_user_id": stmt.excluded.platform_user_id,
        },
        # Most batches name authors we already know unchanged: skip those writes (and their index churn).
        where=or_(
            *(getattr(Author, name).is_distinct_from(getattr(stmt.excluded, name))
              for name in ("handle", "display_name", "profile_url", "platform_user_id"))
        ),
    )
    # No RETURNING: an executemany without it is several times faster on PostgreSQL; one SELECT finds the ids.
    session.execute(stmt, list(rows.values()))
    ids: dict[tuple[str, str], int] = {}
    for platform, platform_keys in _by_platform(list(rows)).items():
        found = session.execute(
            select(Author.id, Author.platform_key).where(
                Author.platform == platform, Author.platform_key.in_(platform_keys)
            )
        )
        ids.update({(platform, key): author_id for author_id, key in found})
    return ids


def _media_dict(media: MediaItem) -> dict[str, str]:
    item = {"url": media.url, "type": media.type}
    if media.alt is not None:
        item["alt"] = media.alt
    if media.storage_key is not None:
        item["storage_key"] = media.storage_key
    return item


def _post_row(
    post: NormalizedPost, *, workspace_id: int, source_id: int | None, author_id: int | None, now: datetime
) -> dict[str, Any]:
    return {
        "workspace_id": workspace_id,
        "source_id": source_id,
        "platform": post.platform,
        "platform_id": post.platform_id,
        "author_id": author_id,
        "title": post.title,
        "text": post.text,
        "media": [_media_dict(m) for m in post.media],
        "permalink": post.permalink,
        "posted_at": post.posted_at or now,
        "collected_at": now,
        "updated_at": now,
        "metrics": dict(post.metrics),
        "language": post.language,
        "rating": post.rating,
        "raw": post.raw,
        "moderation_status": "new",
    }


def ingest_batch(
    session: DbSession,
    posts: Sequence[NormalizedPost],
    *,
    workspace_id: int,
    source_id: int | None = None,
    now: datetime | None = None,
    offset: int = 0,
) -> IngestResult:
    """Upsert one batch inside the caller's transaction (the caller commits, e.g. with a cursor move)."""
    now = now or utcnow()
    result = IngestResult()
    valid: dict[tuple[str, str], NormalizedPost] = {}
    for index, post in enumerate(posts, start=offset):
        found = problems(post)
        if found:
            result.rejected += 1
            result.rejections.append(Rejection(index, getattr(post, "platform_id", None), "; ".join(found)))
            continue
        key = (post.platform, post.platform_id)
        if key in valid:
            # The same post twice in one batch: the later copy wins and counts as a refresh.
            result.updated += 1
            del valid[key]
        valid[key] = post
    if not valid:
        return result

    batch = list(valid.values())
    _refresh_planner_statistics(session)
    authors = _upsert_authors(session, batch)
    keys = list(valid)
    ids: dict[tuple[str, str], int] = _post_ids(session, keys)
    existing = set(ids)
    rows = []
    for post in batch:
        author_key = _author_key(post)
        author_id = authors.get(author_key) if author_key else None
        rows.append(_post_row(post, workspace_id=workspace_id, source_id=source_id, author_id=author_id, now=now))

    insert = _insert(session)
    stmt = insert(Post)
    refreshed = (
        "author_id",
        "title",
        "text",
        "media",
        "permalink",
        "posted_at",
        "metrics",
        "rating",
        "raw",
        "updated_at",
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["platform", "platform_id"],
        set_={name: getattr(stmt.excluded, name) for name in refreshed} | {"language": _coalesce_language(stmt)},
    )
    session.execute(stmt, rows)
    ids.update(_post_ids(session, [key for key in keys if key not in existing]))

    post_ids = [ids[key] for key in keys]
    if existing:
        # A refreshed caption may have lost hashtags; new posts have none to delete.
        session.execute(delete(PostHashtag).where(PostHashtag.post_id.in_([ids[key] for key in existing])))
    tag_rows = [
        {"post_id": ids[key], "tag": tag[:160]}
        for key, post in valid.items()
        for tag in extract_hashtags(f"{post.title or ''} {post.text}")
    ]
    if tag_rows and session.get_bind().dialect.name == "postgresql":
        # One statement over two arrays instead of thousands of single-row inserts.
        session.execute(
            text(
                "INSERT INTO post_hashtags (post_id, tag) SELECT * FROM unnest(CAST(:ids AS integer[]), "
                "CAST(:tags AS varchar[])) ON CONFLICT DO NOTHING"
            ),
            {"ids": [row["post_id"] for row in tag_rows], "tags": [row["tag"] for row in tag_rows]},
        )
    elif tag_rows:
        session.execute(insert(PostHashtag).on_conflict_do_nothing(), tag_rows)

    result.new += len(keys) - len(existing)
    result.updated += len(existing)
    result.post_ids.extend(post_ids)
    return result


STALE_STATISTICS = text(
    "SELECT relname FROM pg_stat_user_tables WHERE relname IN ('posts', 'authors', 'post_hashtags') "
    "AND n_mod_since_analyze > 1000 AND n_mod_since_analyze > n_live_tup / 2"
)


def _refresh_planner_statistics(session: DbSession) -> None:
    """ANALYZE tables that changed a lot since their last statistics, as autovacuum would, but now.

    Autovacuum waits for its naptime; during a big first import PostgreSQL would meanwhile plan each
    batch's id lookups as if the tables were empty, with sequential scans that grow with every batch.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in session.scalars(STALE_STATISTICS).all():
        session.execute(text(f"ANALYZE {table}"))  # table names come from the fixed list above


def _post_ids(session: DbSession, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    ids: dict[tuple[str, str], int] = {}
    for platform, platform_ids in _by_platform(keys).items():
        found = session.execute(
            select(Post.id, Post.platform_id).where(Post.platform == platform, Post.platform_id.in_(platform_ids))
        )
        ids.update({(platform, platform_id): post_id for post_id, platform_id in found})
    return ids


def _by_platform(keys: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Group keys by platform: `platform = ? AND id IN (…)` uses the unique index where a tuple IN may not."""
    grouped: dict[str, list[str]] = {}
    for platform, key in keys:
        grouped.setdefault(platform, []).append(key)
    return grouped


def _coalesce_language(stmt: Any) -> Any:
    """Keep a detected language when a refresh brings none."""
    from sqlalchemy import func

    return func.coalesce(stmt.excluded.language, Post.__table__.c.language)


def batched(items: Iterable[NormalizedPost], size: int) -> Iterable[list[NormalizedPost]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def ingest_posts(
    session: DbSession,
    posts: Iterable[NormalizedPost],
    *,
    workspace_id: int,
    source_id: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    now: Callable[[], datetime] = utcnow,
) -> IngestResult:
    """Upsert posts in batches, one transaction a batch; same platform id twice gives one row."""
    total = IngestResult()
    offset = 0
    for chunk in batched(posts, batch_size):
        try:
            result = ingest_batch(
                session, chunk, workspace_id=workspace_id, source_id=source_id, now=now(), offset=offset
            )
            session.commit()
        except Exception:
            session.rollback()
            raise
        total.add(result)
        offset += len(chunk)
    return total
