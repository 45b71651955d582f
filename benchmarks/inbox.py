"""How fast the moderation inbox answers with 100,000 posts: first page, a deep page, each filter.

    .venv/bin/python benchmarks/inbox.py [--posts 100000] [--repeat 5] [--skip-postgres]

Requests go through the real Flask views (test client, signed in), so templates and the count are included.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.ingest import make_posts
from benchmarks.support import fresh_app, on_postgres
from ugc_hub.services.post_queries import PageMark, encode_cursor

QUERIES = {
    "first page (status=new)": "/inbox/",
    "first page, any status": "/inbox/?status=",
    "hashtag filter": "/inbox/?status=&hashtag=trail7",
    "language filter": "/inbox/?status=&language=en",
    "date range": "/inbox/?status=&date_from=2026-01-01&date_to=2026-01-01",
    "full-text search": "/inbox/?status=&q=lumen+gear",
    "rare word search": "/inbox/?status=&q=Post+99999:",
}


def measure(label: str, url: str, instance: Path, posts: list[Any], repeat: int) -> None:
    from ugc_hub.models import db
    from ugc_hub.services.audit import CLI
    from ugc_hub.services.ingest import ingest_posts
    from ugc_hub.services.users import create_user

    app = fresh_app(url, instance)
    app.config.update(SESSION_COOKIE_SECURE=False, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    with app.app_context():
        ingest_posts(db.session, posts, workspace_id=1)
        create_user(db.session, email="bench@example.com", password="bench password", role="viewer", actor=CLI)
        if db.engine.dialect.name == "postgresql":
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    client = app.test_client()
    client.post("/login", data={"email": "bench@example.com", "password": "bench password"})
    deep = posts[len(posts) // 10]
    queries = dict(QUERIES)
    queries["deep page (90% down)"] = "/inbox/?status=&cursor=" + encode_cursor(PageMark(deep.posted_at, 10**9))
    for name, path in queries.items():
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        shown = response.text.count('data-post-id="')
        print(f"{label}: {name:28s} median {statistics.median(timings):7.1f} ms  ({shown} posts on the page)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    posts = make_posts(args.posts)
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        os.environ["UGC_HUB_INSTANCE"] = str(base)
        measure("sqlite", f"sqlite:///{base / 'inbox.sqlite'}", base, posts, args.repeat)
        if not args.skip_postgres:
            on_postgres(
                base, lambda server: measure("postgresql", server.create_database("inbox"), base, posts, args.repeat)
            )


if __name__ == "__main__":
    main()
