"""Requests/s of the gallery JSON endpoint under wrk, next to a static file of the same bytes, same server, same run.

    .venv/bin/python benchmarks/gallery.py [--connections 64] [--seconds 6] [--workers 4] [--rounds 5]

The hub runs as ./scripts/demo runs it (gunicorn, embedded SQLite, the demo brand), with 12 consented posts
in a published gallery. wrk (`apt-get install wrk`) loads, in alternation, GET /api/v1/galleries/<slug>
(full body), the same with If-None-Match (the 304 a returning visitor gets), and a file holding the
snapshot's exact bytes served by the same gunicorn workers, in rotating order; medians over rounds count. Also prints the
widget's size gzipped (the issue allows 10 KB).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests

from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parent.parent
WIDGET = ROOT / "gallery" / "static" / "gallery.js"
RATE = re.compile(r"Requests/sec:\s+([0-9.]+)")


def widget_size() -> None:
    data = WIDGET.read_bytes()
    print(f"widget: gallery.js {len(data):,} bytes, {len(gzip.compress(data, 9)):,} bytes gzipped (limit 10,240)")


def seed(instance: Path) -> tuple[str, bytes]:
    """Migrate, load the demo brand, consent to 12 posts with images, publish a gallery; return slug and body."""
    from datetime import timedelta

    from flask_migrate import upgrade
    from sqlalchemy import select

    from gallery.service import GallerySettings, create_gallery, set_published
    from gallery.snapshots import served_etag_and_body, settings_from_config
    from ugc_hub.app import create_app
    from ugc_hub.models import Post, PostRights, db
    from ugc_hub.models.base import utcnow
    from ugc_hub.services.audit import CLI
    from ugc_hub.services.demo import load_demo
    from ugc_hub.services.moderation import moderate
    from ugc_hub.services.storage import storage_from_config

    app = create_app()
    with app.app_context():
        upgrade(revision="heads")
        storage = storage_from_config(app.config)
        result = load_demo(
            db.session, email="bench@example.com", password=None, instance_path=instance, storage=storage
        )
        del result
        posts = db.session.scalars(select(Post).order_by(Post.posted_at.desc())).all()
        ids = [p.id for p in posts if p.media and p.author_id][:12]
        authors = {p.id: p.author_id for p in posts}
        for post_id in ids:
            db.session.add(
                PostRights(
                    post_id=post_id,
                    state="granted",
                    licence_start=utcnow() - timedelta(days=1),
                    granted_author_id=authors[post_id],
                )
            )
        db.session.commit()
        moderate(db.session, post_ids=ids, status="approved", actor=CLI)
        settings = settings_from_config(app.config)
        gallery = create_gallery(
            db.session,
            workspace_id=posts[0].workspace_id,
            values=GallerySettings(name="Bench", slug="bench"),
            actor=CLI,
        )
        set_published(db.session, gallery_id=gallery.id, published=True, actor=CLI, settings=settings)
        served = served_etag_and_body(db.session, "bench")
        assert served is not None
        db.session.remove()
        db.engine.dispose()
    return "bench", served[1].encode()


def wrk(url: str, connections: int, seconds: int, header: str | None = None) -> float:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if header:
        command[1:1] = ["-H", header]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    match = RATE.search(output)
    if not match or "Non-2xx or 3xx responses" in output:
        raise RuntimeError(f"wrk: unexpected output for {url}:\n{output}")
    return float(match[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    widget_size()
    if shutil.which("wrk") is None:
        print("wrk: not installed (apt-get install wrk); nothing measured")
        return

    folder = Path(tempfile.mkdtemp(prefix="gallery-bench-"))
    instance = folder / "instance"
    os.environ.update({"UGC_HUB_INSTANCE": str(instance), "UGC_HUB_SECURE_COOKIES": "0"})
    for name in ("DATABASE_URL", "STORAGE_URL", "CELERY_BROKER_URL"):
        os.environ.pop(name, None)
    slug, body = seed(instance)
    static = folder / "static"
    static.mkdir()
    (static / "snapshot.json").write_bytes(body)

    port = free_port()
    env = os.environ | {"GALLERY_BENCH_STATIC": str(static), "PYTHONPATH": str(ROOT)}
    # The same gunicorn command line as `ugc-hub serve`, with the benchmark's WSGI module (one extra route).
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--limit-request-line",
            "8190",
            "benchmarks.gallery_wsgi:app",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                served = requests.get(f"{base}/api/v1/galleries/{slug}", timeout=5)
                etag = served.headers["ETag"]
                assert served.content == body
                assert requests.get(f"{base}/bench-static/snapshot.json", timeout=5).content == body
                break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        print(
            f"snapshot: {len(body):,} bytes, {len(json.loads(body)['items'])} tiles; gunicorn {args.workers} workers, "
            f"wrk {args.connections} connections, {args.seconds} s per URL and round, {args.rounds} rounds"
        )
        urls = {
            "static": (f"{base}/bench-static/snapshot.json", None),
            "gallery": (f"{base}/api/v1/galleries/{slug}", None),
            "gallery 304": (f"{base}/api/v1/galleries/{slug}", f"If-None-Match: {etag}"),
        }
        rates: dict[str, list[float]] = {name: [] for name in urls}
        names = list(urls)
        for round_number in range(args.rounds):
            # Rotate the order each round: on a shared machine, load drifts; no URL always goes first.
            shift = round_number % len(names)
            for name in names[shift:] + names[:shift]:
                url, header = urls[name]
                rates[name].append(wrk(url, args.connections, args.seconds, header=header))
            print("round", round_number + 1, "  ".join(f"{n} {rates[n][-1]:,.0f}/s" for n in names))
        median = {name: statistics.median(values) for name, values in rates.items()}
        for name, rate in median.items():
            print(f"{name}: {rate:,.0f} requests/s (median of {args.rounds})")
        print(f"ratio gallery/static: {median['gallery'] / median['static']:.2f} (aim: at least 0.80)")
        print(f"ratio gallery 304/static: {median['gallery 304'] / median['static']:.2f}")
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
