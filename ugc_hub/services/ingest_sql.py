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

from sqlalchemy import text

from ugc_hub.models.base import DbSession

# Columns a refresh overwrites; language is kept when the refresh brings none.
REFRESHED = ("author_id", "title", "text", "media", "permalink", "posted_at", "metrics", "rating", "raw", "updated_at")
PER_POST = ("platform", "platform_id", "author_id", "title", "text", "media", "permalink", "posted_at", "metrics",
            "language", "rating", "raw")  # fmt: skip
SET_CLAUSE = ", ".join(f"{name} = excluded.{name}" for name in REFRESHED)

# Both statements are assembled from the constant column lists above, never from input.
PG_UPSERT = (
    "INSERT INTO posts (workspace_id, source_id, collected_at, updated_at, moderation_status, "  # noqa: S608
    + ", ".join(PER_POST)
    + ") VALUES (%s, %s, %s, %s, 'new', "
    + ", ".join("%s" for _ in PER_POST)
    + ") ON CONFLICT (platform, platform_id) DO UPDATE SET "
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

PG_HASHTAGS = text(
    "INSERT INTO post_hashtags (post_id, tag) SELECT * FROM unnest(CAST(:ids AS integer[]), "
    "CAST(:tags AS varchar[])) ON CONFLICT DO NOTHING"
)
SQLITE_HASHTAGS = "INSERT OR IGNORE INTO post_hashtags (post_id, tag) VALUES (?, ?)"


def sqlite_datetime(value: datetime) -> str:
    """The text SQLAlchemy's SQLite DateTime stores (UTC, always with microseconds), so both compare alike."""
    v = value.astimezone(UTC)
    return f"{v.year:04d}-{v.month:02d}-{v.day:02d} {v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}"


def upsert_posts_postgresql(
    session: DbSession, rows: Sequence[dict[str, Any]], *, workspace_id: int, source_id: int | None, now: datetime
) -> list[tuple[int, str, str, bool]]:
    """Upsert rows; return (id, platform, platform_id, inserted) for each.

    psycopg's executemany with ``returning=True`` sends the rows in pipeline mode and keeps every row's
    RETURNING result: faster than one statement over arrays, whose text quoting psycopg does in Python.
    """
    values = [(workspace_id, source_id, now, now, *(row[name] for name in PER_POST)) for row in rows]
    driver = session.connection().connection.driver_connection
    returned: list[tuple[int, str, str, bool]] = []
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        cursor.executemany(PG_UPSERT, values, returning=True)
        while True:
            returned.extend(cursor.fetchall())
            if not cursor.nextset():
                break
    return returned


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
    if not pairs:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(PG_HASHTAGS, {"ids": [p[0] for p in pairs], "tags": [p[1] for p in pairs]})
    else:
        session.connection().exec_driver_sql(SQLITE_HASHTAGS, list(pairs))
