"""Idempotent upsert of normalized posts: the one way posts enter the database."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import String, any_, bindparam, delete, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY

from ugc_hub.domain.posts import MediaItem, NormalizedPost, extract_hashtags, identity_hash
from ugc_hub.models import Author, ErasedAuthor, Post, PostHashtag
from ugc_hub.models.base import DbSession, utcnow
from ugc_hub.rights.services import authorship as rights_authorship
from ugc_hub.services import ingest_sql, publication
from ugc_hub.services.validation import MAX_ID_LENGTH, checked, storable

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
    #: Granted posts now credited to another account; announce them once the batch is committed.
    author_changed: list[int] = field(default_factory=list)

    def add(self, other: IngestResult) -> None:
        self.new += other.new
        self.updated += other.updated
        self.rejected += other.rejected
        self.rejections.extend(other.rejections)
        self.post_ids.extend(other.post_ids)
        self.author_changed.extend(other.author_changed)


def _insert(session: DbSession) -> Callable[..., Any]:
    """The dialect's INSERT, which knows ON CONFLICT."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise RuntimeError(f"ingestion supports SQLite and PostgreSQL, not {name}")


def _shown_id(post: NormalizedPost) -> str | None:
    """The platform id of a refused post as reports can store it (run records are JSON in the database)."""
    value = getattr(post, "platform_id", None)
    return storable(value[:MAX_ID_LENGTH]) if isinstance(value, str) else None


def _author_key(post: NormalizedPost) -> tuple[str, str] | None:
    if post.author is None:
        return None
    key = post.author.platform_user_id or "@" + post.author.handle.lstrip("@").casefold()
    return (post.platform, key)


AUTHOR_FIELDS = ("handle", "display_name", "profile_url", "platform_user_id")


def _author_ids(session: DbSession, posts: Sequence[NormalizedPost]) -> dict[tuple[str, str], int]:
    """Ids of the batch's authors; writes only authors that are new or whose details changed.

    Most batches name authors the hub already knows, unchanged: one SELECT then suffices.
    """
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
    ids: dict[tuple[str, str], int] = {}
    stale: list[dict[str, Any]] = []
    known = _known_authors(session, list(rows))
    for key, row in rows.items():
        found = known.get(key)
        if found is None or found[1:] != tuple(row[name] for name in AUTHOR_FIELDS):
            stale.append(row)
        else:
            ids[key] = found[0]
    if stale:
        insert = _insert(session)
        stmt = insert(Author)
        stmt = stmt.on_conflict_do_update(
            index_elements=["platform", "platform_key"],
            set_={name: getattr(stmt.excluded, name) for name in AUTHOR_FIELDS},
        )
        session.execute(stmt, stale)
        written = _known_authors(session, [(row["platform"], row["platform_key"]) for row in stale])
        ids.update({key: found[0] for key, found in written.items()})
    return ids


def _known_authors(session: DbSession, keys: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[Any, ...]]:
    """(id, handle, display name, profile URL, platform user id) of the authors stored under these keys."""
    known: dict[tuple[str, str], tuple[Any, ...]] = {}
    for platform, platform_keys in _by_platform(keys).items():
        found = session.execute(
            select(Author.platform_key, Author.id, *(getattr(Author, name) for name in AUTHOR_FIELDS)).where(
                Author.platform == platform, _one_of(session, Author.platform_key, platform_keys)
            )
        )
        known.update({(platform, row[0]): tuple(row[1:]) for row in found})
    return known


def _one_of(session: DbSession, column: Any, values: list[str]) -> Any:
    """``column IN (values)``; on PostgreSQL as ``= ANY(array)``: one parameter, so one prepared statement
    serves every batch instead of a new thousand-placeholder statement for psycopg to parse each time."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("one_of", list(values), type_=ARRAY(String)))
    return column.in_(values)


def _media_dict(media: MediaItem) -> dict[str, str]:
    item = {"url": media.url, "type": media.type}
    if media.alt is not None:
        item["alt"] = media.alt
    if media.storage_key is not None:
        item["storage_key"] = media.storage_key
    return item


def _post_row(post: NormalizedPost, *, raw_json: str, author_id: int | None, now: datetime) -> dict[str, Any]:
    """Values of one post as the hand-written upsert takes them (JSON already serialised)."""
    return {
        "platform": post.platform,
        "platform_id": post.platform_id,
        "author_id": author_id,
        "title": post.title,
        "text": post.text,
        "media": json.dumps([_media_dict(m) for m in post.media]),
        "permalink": post.permalink,
        "posted_at": post.posted_at or now,
        "metrics": json.dumps(dict(post.metrics)),
        "language": post.language,
        "rating": post.rating,
        "raw": raw_json,
        "nsfw": bool(post.nsfw),
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
    raw_json: dict[tuple[str, str], str] = {}
    for index, post in enumerate(posts, start=offset):
        found, encoded = checked(post)
        if found:
            result.rejected += 1
            result.rejections.append(Rejection(index, _shown_id(post), "; ".join(found)))
            continue
        key = (post.platform, post.platform_id)
        if key in valid:
            # The same post twice in one batch: the later copy wins and counts as a refresh.
            result.updated += 1
            del valid[key]
        valid[key] = post
        raw_json[key] = encoded
    _refuse_erased_authors(session, valid, result, offset=offset, posts=posts)
    if not valid:
        return result

    dialect = session.get_bind().dialect.name
    _insert(session)  # refuses dialects other than SQLite and PostgreSQL
    batch = list(valid.values())
    _refresh_planner_statistics(session)
    authors = _author_ids(session, batch)
    keys = list(valid)
    rows = []
    for key, post in valid.items():
        author_key = _author_key(post)
        author_id = authors.get(author_key) if author_key else None
        rows.append(_post_row(post, raw_json=raw_json[key], author_id=author_id, now=now))

    if dialect == "postgresql":
        returned = ingest_sql.upsert_posts_postgresql(
            session, rows, workspace_id=workspace_id, source_id=source_id, now=now
        )
        ids = {(platform, platform_id): post_id for post_id, platform, platform_id, _ in returned}
        existing = {(platform, platform_id) for _, platform, platform_id, inserted in returned if not inserted}
    else:
        # SQLite gives a new row an id above the largest in the table, so the batch's rows with an id above
        # the largest one before the upsert are those it inserted.
        last_id = session.execute(text("SELECT coalesce(max(id), 0) FROM posts")).scalar_one()
        ingest_sql.upsert_posts_sqlite(session, rows, workspace_id=workspace_id, source_id=source_id, now=now)
        ids = _post_ids(session, keys)
        existing = {key for key, post_id in ids.items() if post_id <= last_id}

    if existing:
        # A refreshed caption may have lost hashtags; new posts have none to delete.
        session.execute(delete(PostHashtag).where(PostHashtag.post_id.in_([ids[key] for key in existing])))
    # COPY refuses a repeated (post, tag) pair outright: keep each once, whatever the extraction gives.
    pairs = {
        (ids[key], tag[:160]): None
        for key, post in valid.items()
        for tag in extract_hashtags(f"{post.title or ''} {post.text}")
    }
    ingest_sql.insert_hashtags(session, list(pairs))
    if existing:
        refreshed = [ids[key] for key in existing]
        result.author_changed.extend(rights_authorship.suspend_changed_authors(session, refreshed, now=now))

    result.new += len(keys) - len(existing)
    result.updated += len(existing)
    result.post_ids.extend(ids[key] for key in keys)
    return result


def _author_hash(post: NormalizedPost) -> str | None:
    if post.author is None:
        return None
    return identity_hash(post.platform, user_id=post.author.platform_user_id, handle=post.author.handle)


def _refuse_erased_authors(
    session: DbSession,
    valid: dict[tuple[str, str], NormalizedPost],
    result: IngestResult,
    *,
    offset: int,
    posts: Sequence[NormalizedPost],
) -> None:
    """Drop from ``valid`` the posts of authors who asked to be forgotten, as rejections with the reason."""
    hashes = {key: h for key, post in valid.items() if (h := _author_hash(post))}
    if not hashes:
        return
    if session.execute(select(ErasedAuthor.key_hash).limit(1)).first() is None:
        return  # nobody was ever erased: the common case costs one tiny query
    wanted = sorted(set(hashes.values()))
    erased = set(session.scalars(select(ErasedAuthor.key_hash).where(_one_of(session, ErasedAuthor.key_hash, wanted))))
    if not erased:
        return
    position = {(p.platform, p.platform_id): i for i, p in enumerate(posts, start=offset)}
    for key, author_hash in hashes.items():
        if author_hash in erased:
            del valid[key]
            result.rejected += 1
            result.rejections.append(Rejection(position[key], key[1], "the author asked to be forgotten"))


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
        publication.announce_change(result.author_changed)
        total.add(result)
        offset += len(chunk)
    return total
