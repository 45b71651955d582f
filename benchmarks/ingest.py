"""Upsert 100,000 posts through the ingestion service and compare with a raw executemany insert.

    .venv/bin/python benchmarks/ingest.py [--posts 100000] [--batch 1000] [--skip-postgres]

Both runs write the same rows into the same migrated schema (indexes, full-text triggers included),
each into a fresh database, in the same process. Then the same posts are ingested again to show that
the count does not change. PostgreSQL is started on 127.0.0.1 like the tests do, when available.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text

from benchmarks.support import fresh_app, on_postgres
from ugc_hub.domain.posts import MediaItem, NormalizedAuthor, NormalizedPost

START = datetime(2026, 1, 1, tzinfo=UTC)


def make_posts(count: int) -> list[NormalizedPost]:
    return [
        NormalizedPost(
            platform="instagram",
            platform_id=f"bench{n}",
            author=NormalizedAuthor(handle=f"user{n % 5000}", platform_user_id=str(10_000 + n % 5000)),
            text=f"Post {n}: loving my new Lumen gear on the trail #lumen #trail{n % 50} #run",
            media=(MediaItem(url=f"https://cdn.example.com/{n}.jpg"),),
            permalink=f"https://www.instagram.com/p/bench{n}/",
            posted_at=START + timedelta(seconds=n),
            metrics={"likes": n % 997, "comments": n % 31},
            language="en",
            raw={"shortcode": f"bench{n}", "like_count": n % 997},
        )
        for n in range(count)
    ]


def raw_rows(posts: list[NormalizedPost], dialect: str) -> list[tuple[Any, ...]]:
    now = datetime.now(UTC)
    stamp = (lambda d: d.replace(tzinfo=None).isoformat(" ")) if dialect == "sqlite" else (lambda d: d)
    return [
        (1, "instagram", p.platform_id, p.text, json.dumps([{"url": m.url, "type": m.type} for m in p.media]),
         p.permalink, stamp(p.posted_at or now), stamp(now), stamp(now), json.dumps(p.metrics), p.language,
         json.dumps(p.raw), "new")
        for p in posts
    ]  # fmt: skip


RAW_INSERT = (
    "INSERT INTO posts (workspace_id, platform, platform_id, text, media, permalink, posted_at, collected_at,"
    " updated_at, metrics, language, raw, moderation_status) VALUES ({})"
)


def measure(label: str, url_for: Any, posts: list[NormalizedPost], batch: int, instance: Path) -> None:
    from ugc_hub.models import Post, db
    from ugc_hub.services.ingest import ingest_posts

    app = fresh_app(url_for("service"), instance)
    with app.app_context():
        started = time.perf_counter()
        first = ingest_posts(db.session, posts, workspace_id=1, batch_size=batch)
        service_s = time.perf_counter() - started
        started = time.perf_counter()
        second = ingest_posts(db.session, posts, workspace_id=1, batch_size=batch)
        again_s = time.perf_counter() - started
        total = db.session.scalar(select(func.count()).select_from(Post))
        db.session.remove()
        db.engine.dispose()

    raw_app = fresh_app(url_for("raw"), instance)
    with raw_app.app_context():
        dialect = db.engine.dialect.name
        rows = raw_rows(posts, dialect)
        marks = ", ".join(["?" if dialect == "sqlite" else "%s"] * len(rows[0]))
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            started = time.perf_counter()
            for i in range(0, len(rows), batch):
                cursor.executemany(RAW_INSERT.format(marks), rows[i : i + batch])
                connection.commit()
            raw_s = time.perf_counter() - started
        finally:
            connection.close()
        raw_total = db.session.scalar(text("SELECT count(*) FROM posts"))
        db.session.remove()
        db.engine.dispose()

    n = len(posts)
    print(f"{label}: ingestion service {n / service_s:,.0f} posts/s ({first.new} new, {service_s:.1f} s)")
    print(f"{label}: raw executemany    {n / raw_s:,.0f} posts/s ({raw_total} rows, {raw_s:.1f} s)")
    print(f"{label}: ratio service/raw  {raw_s / service_s:.2f}")
    print(f"{label}: same posts again   {n / again_s:,.0f} posts/s ({second.new} new, {second.updated} updated); "
          f"posts in the table: {total}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    posts = make_posts(args.posts)
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        import os

        os.environ["UGC_HUB_INSTANCE"] = str(base)
        measure("sqlite", lambda name: f"sqlite:///{base / name}.sqlite", posts, args.batch, base)
        if args.skip_postgres:
            return

        def run(server: Any) -> None:
            measure("postgresql", lambda name: str(server.create_database(name)), posts, args.batch, base)

        on_postgres(base, run)


if __name__ == "__main__":
    main()
