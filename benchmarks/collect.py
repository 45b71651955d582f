"""Collect 50,000 Reddit-shaped items from the local fake through the runner, next to ingestion alone.

    .venv/bin/python benchmarks/collect.py [--total 50000] [--page-size 100] [--skip-postgres]

The fake Reddit runs in its own process (``python -m tests.fakes.reddit``). For each database:

* collector → ingestion: ``services.collection.collect_source`` on a fresh migrated database,
  i.e. the real praw requests, mapping, ingestion and one commit per page with the cursor move;
* ingestion alone: the same items, fetched and mapped beforehand (not timed), stored page by page
  with ``ingest_batch`` and a commit per page into another fresh database;
* fetch and map alone (no database), for reference.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from benchmarks.support import fresh_app, on_postgres
from collectors.base import Page
from collectors.reddit.search import RedditSearchCollector
from ugc_hub.domain.posts import NormalizedPost


def start_fake(total: int) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    """Start the fake Reddit in its own process; return it and its URL and credentials."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.reddit", "--total", str(total)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert process.stdout is not None
    return process, json.loads(process.stdout.readline())


def settings_for(fake: dict[str, Any], page_size: int) -> dict[str, Any]:
    return {
        "client_id": fake["client_id"],
        "client_secret": fake["client_secret"],
        "user_agent": "python:ugc-hub-benchmark:0.1 (by /u/acme_brand)",
        "terms": ["#acme"],
        "subreddits": ["acme", "gadgets"],
        "page_size": page_size,
        "include_comments": False,
        "oauth_url": fake["url"],
        "reddit_url": fake["url"],
        "short_url": fake["url"],
        "timeout": 30,
    }


def fetch_and_map(settings: dict[str, Any]) -> tuple[list[list[NormalizedPost]], float, int]:
    """Fetch every page and map it; return the mapped pages, the seconds taken and the item count."""
    plugin = RedditSearchCollector()
    started = time.perf_counter()
    pages: list[Page] = list(plugin.fetch(settings, None))
    mapped = [list(plugin.map_items(page.items).posts) for page in pages]
    return mapped, time.perf_counter() - started, sum(len(p.items) for p in pages)


def measure(label: str, url_for: Any, settings: dict[str, Any], instance: Path) -> None:
    from ugc_hub.models import Post, Source, db
    from ugc_hub.services.collection import collect_source
    from ugc_hub.services.ingest import ingest_batch

    mapped, fetch_s, fetched = fetch_and_map(settings)

    app = fresh_app(url_for("collect"), instance)
    with app.app_context():
        source = Source(workspace_id=1, kind="reddit.search", name="bench", settings=settings, schedule_seconds=3600)
        db.session.add(source)
        db.session.commit()
        started = time.perf_counter()
        result = collect_source(db.session, source.id, allow_private_addresses=True)  # the fake is on 127.0.0.1
        collect_s = time.perf_counter() - started
        collected = db.session.scalar(select(func.count()).select_from(Post))
        db.session.remove()
        db.engine.dispose()

    app = fresh_app(url_for("ingest"), instance)
    with app.app_context():
        started = time.perf_counter()
        new = 0
        for posts in mapped:
            new += ingest_batch(db.session, posts, workspace_id=1).new
            db.session.commit()
        ingest_s = time.perf_counter() - started
        db.session.remove()
        db.engine.dispose()

    print(
        f"{label}: collector -> ingestion {result.new / collect_s:,.0f} items/s "
        f"({result.new} new in {result.pages} pages, {collected} rows, {collect_s:.1f} s, run {result.status})"
    )
    print(f"{label}: ingestion alone        {new / ingest_s:,.0f} items/s ({new} new, {ingest_s:.1f} s)")
    print(f"{label}: ratio end-to-end/ingestion alone {ingest_s / collect_s:.2f}")
    print(f"{label}: fetch + map alone      {fetched / fetch_s:,.0f} items/s ({fetched} items, {fetch_s:.1f} s)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=50_000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    fake, where = start_fake(args.total)
    try:
        settings = settings_for(where, args.page_size)
        with tempfile.TemporaryDirectory() as folder:
            base = Path(folder)
            os.environ["UGC_HUB_INSTANCE"] = str(base)
            measure("sqlite", lambda name: f"sqlite:///{base / name}.sqlite", settings, base)
            if not args.skip_postgres:
                on_postgres(base, lambda server: measure("postgresql", server.create_database, settings, base))
    finally:
        fake.terminate()
        fake.wait(timeout=10)


if __name__ == "__main__":
    main()
