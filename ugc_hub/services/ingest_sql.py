"""The ingestion hot path in SQL: one statement a batch for posts and for hashtags, per dialect.

The ORM's bulk insert spends more time compiling, type-processing and round-tripping than the database
spends writing, and the inbox needs every collected post. So the upsert is written once here, by
hand, for each supported dialect, with values prepared in ``ingest.py`` (JSON serialised once,
datetimes in UTC). ``tests/test_ingest.py`` checks both dialects against the ORM's view of the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ugc_hub.models.base import DbSession

# Columns a refresh overwrites; language is kept when the refresh brings none.
REFRESHED = ("author_id", "title", "text", "media", "permalink", "posted_at", "metrics", "rating", "raw", "nsfw",
             "updated_at")  # fmt: skip
PER_POST = ("platform", "platform_id", "author_id", "title", "text", "media", "permalink", "posted_at", "metrics",
            "language", "rating", "raw", "nsfw")  # fmt: skip
SET_CLAUSE = ", ".join(f"{name} = excluded.{name}" for name in REFRESHED)

# The statements are assembled from the constant column lists above, never from input.
PG_STAGE = (
    "CREATE TEMP TABLE IF NOT EXISTS ingest_stage (platform varchar(32), platform_id varchar(255), "
    "author_id integer, title text, text text, media jsonb, permalink text, posted_at timestamptz, "
    "metrics jsonb, language varchar(16), rating float8, raw jsonb, nsfw boolean) ON COMMIT DELETE ROWS"
)
PG_COPY_STAGE = "COPY ingest_stage (" + ", ".join(PER_POST) + ") FROM STDIN"
PG_UPSERT_FROM_STAGE = (
    "INSERT INTO posts (workspace_id, source_id, collected_at, updated_at, moderation_status, "  # noqa: S608
    + ", ".join(PER_POST)
    + ") SELECT %(workspace_id)s, %(source_id)s, %(now)s, %(now)s, 'new', "
    + ", ".join(PER_POST)
    + " FROM ingest_stage ON CONFLICT (platform, platform_id) DO UPDATE SET "
    + SET_CLAUSE
    + ", language = coalesce(excluded.language, posts.language)"
    + " RETURNING id, platform, platform_id, (xmax = 0) AS inserted"
)

SQLITE_UPSERT = (
    "INSERT INTO posts (workspace_id, source_id, collected_at, updated_at, moderation_status, "  # noqa: S608
    + ", ".join(PER_POST)
    + ") VALUES (?, ?, ?, ?, 'new', "
    + ", ".join("?" for _ in PER_POST)
    + ") ON CONFLICT (platform, platform_id) DO UPDATE SET "
    + SET_CLAUSE
    + ", language = coalesce(excluded.language, posts.language)"
)

SQLITE_HASHTAGS = "INSERT INTO post_hashtags (post_id, tag) VALUES (?, ?)"


def sqlite_datetime(value: datetime) -> str:
    """The text SQLAlchemy's SQLite DateTime stores (UTC, always with microseconds), so both compare alike."""
    v = value.astimezone(UTC)
    return f"{v.year:04d}-{v.month:02d}-{v.day:02d} {v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}"


def upsert_posts_postgresql(
    session: DbSession, rows: Sequence[dict[str, Any]], *, workspace_id: int, source_id: int | None, now: datetime
) -> list[tuple[int, str, str, bool]]:
    """Upsert rows; return (id, platform, platform_id, inserted) for each.

    The rows are COPYed into a temporary table, then upserted with one INSERT … SELECT: several times
    faster than row-by-row statements, even pipelined.
    """
    driver = session.connection().connection.driver_connection
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute(PG_STAGE)
        cursor.execute("TRUNCATE ingest_stage")
        with cursor.copy(PG_COPY_STAGE) as copy:
            for row in rows:
                copy.write_row(tuple(row[name] for name in PER_POST))
        cursor.execute(PG_UPSERT_FROM_STAGE, {"workspace_id": workspace_id, "source_id": source_id, "now": now})
        return [tuple(r) for r in cursor.fetchall()]


def upsert_posts_sqlite(
    session: DbSession, rows: Sequence[dict[str, Any]], *, workspace_id: int, source_id: int | None, now: datetime
) -> None:
    stamp = sqlite_datetime(now)
    values = [
        (workspace_id, source_id, stamp, stamp, *(row[name] for name in PER_POST[:7]), sqlite_datetime(row["posted_at"]),
         *(row[name] for name in PER_POST[8:]))
        for row in rows
    ]  # fmt: skip
    session.connection().exec_driver_sql(SQLITE_UPSERT, values)


def insert_hashtags(session: DbSession, pairs: Sequence[tuple[int, str]]) -> None:
    """Store (post id, tag) pairs of posts whose old hashtags, if any, were deleted in this transaction.

    On PostgreSQL they are COPYed: no row can conflict, since the posts are new or locked by this
    transaction's upsert, and the pairs are distinct.
    """
    if not pairs:
        return
    if session.get_bind().dialect.name == "postgresql":
        driver = session.connection().connection.driver_connection
        with driver.cursor() as cursor, cursor.copy("COPY post_hashtags (post_id, tag) FROM STDIN") as copy:  # type: ignore[union-attr]
            for pair in pairs:
                copy.write_row(pair)
    else:
        session.connection().exec_driver_sql(SQLITE_HASHTAGS, list(pairs))
