"""Supports per second on PostgreSQL with 16 concurrent HTTP clients, next to a trivial endpoint.

    .venv/bin/python benchmarks/supports.py [--clients 16] [--customers 20] [--ideas 25]

The hub runs under gunicorn on 127.0.0.1 the way production runs it: a throwaway PostgreSQL, and a
throwaway Redis as the Celery broker (so the HTTP rate limits count in Redis, shared by the workers;
without redis-server the run says so and counts in each worker's memory). Each client signs in as its own
customers (through real one-time links) and supports every idea once; then the database is checked for
lost or doubled supports. The support rate limit is raised for the run: this measures the write path.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests

from benchmarks.support import fresh_app, on_postgres
from tests.support.servers import free_port, start_redis

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def seed(app: Any, clients: int, customers: int, ideas: int) -> tuple[list[int], list[list[str]]]:
    from ugc_hub.domain.ladder import Ladder, Milestone
    from ugc_hub.models import db
    from ugc_hub.models.base import utcnow
    from ugc_hub.models.ideas import Customer, Idea
    from ugc_hub.services.audit import CLI
    from ugc_hub.services.customers import request_login_link
    from ugc_hub.services.ideas import create_campaign
    from ugc_hub.services.mail import MailSettings

    with app.app_context():
        campaign = create_campaign(
            db.session,
            workspace_id=1,
            title="Bench",
            actor=CLI,
            ladder=Ladder((Milestone(100, days=60), Milestone(1000, days=365))),
        )
        author = Customer(email="author@bench.example", email_canonical="author@bench.example", verified_at=utcnow())
        db.session.add(author)
        db.session.flush()
        rows = [
            Idea(
                campaign_id=campaign.id,
                author_id=author.id,
                title=f"Idea {n}",
                status="published",
                published_at=utcnow(),
            )
            for n in range(ideas)
        ]
        db.session.add_all(rows)
        db.session.commit()
        idea_ids = [idea.id for idea in rows]
        tokens = [
            [
                request_login_link(
                    db.session, email=f"c{c}-{n}@bench.example", link_base="x", mail=MailSettings()
                ).token
                for n in range(customers)
            ]
            for c in range(clients)
        ]
        db.session.remove()
        db.engine.dispose()
    return idea_ids, tokens


def run_clients(base: str, idea_ids: list[int], tokens: list[list[str]]) -> tuple[int, float, list[str]]:
    errors: list[str] = []
    done = [0]
    lock = threading.Lock()
    sessions: list[list[tuple[requests.Session, str]]] = []
    for client_tokens in tokens:  # sign in first, outside the timed part
        signed = []
        for token in client_tokens:
            http = requests.Session()
            page = http.get(f"{base}/ideas/signin/{token}")
            http.post(
                f"{base}/ideas/signin/{token}", data={"csrf_token": TOKEN.search(page.text)[1]}, allow_redirects=False
            )
            csrf = TOKEN.search(http.get(f"{base}/ideas/i/{idea_ids[0]}").text)[1]
            signed.append((http, csrf))
        sessions.append(signed)

    def client(signed: list[tuple[requests.Session, str]]) -> None:
        for http, csrf in signed:
            for idea_id in idea_ids:
                response = http.post(
                    f"{base}/ideas/i/{idea_id}/support", data={"csrf_token": csrf}, allow_redirects=False
                )
                if response.status_code != 302:
                    errors.append(f"{response.status_code}")
                with lock:
                    done[0] += 1

    threads = [threading.Thread(target=client, args=(signed,)) for signed in sessions]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done[0], time.perf_counter() - started, errors


def trivial(base: str, clients: int, total: int) -> float:
    def client() -> None:
        http = requests.Session()
        for _ in range(total // clients):
            http.get(f"{base}/static/hub.css")

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return (total // clients * clients) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--customers", type=int, default=5, help="customers per client")
    parser.add_argument("--ideas", type=int, default=25)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    args = parser.parse_args()

    redis: Any = None

    def measure(server: Any) -> None:
        from sqlalchemy import func, select

        from ugc_hub.models import db
        from ugc_hub.models.ideas import Idea, Support

        folder = Path(tempfile.mkdtemp())
        os.environ["UGC_HUB_INSTANCE"] = str(folder)
        url = server.create_database("supports")
        app = fresh_app(url, folder)
        idea_ids, tokens = seed(app, args.clients, args.customers, args.ideas)
        port = free_port()
        broker = {"CELERY_BROKER_URL": redis.url_for(0)} if redis is not None else {}
        env = (
            os.environ
            | broker
            | {
                "DATABASE_URL": url,
                "UGC_HUB_SECURE_COOKIES": "0",
                "SUPPORT_RATE_LIMIT": "1000000 per minute",
                "LOGIN_RATE_LIMIT": "1000000 per minute",
                # All clients share 127.0.0.1; the rules are still evaluated (their cost is measured), never broken.
                "IDEA_SUPPORT_RULES": "ip_burst=1000000/60,ip_sustained=1000000/3600,"
                "account_burst=1000000/60,account_sustained=1000000/86400",
            }
        )
        hub = subprocess.Popen(
            [sys.executable, "-m", "ugc_hub.cli", "serve", "--port", str(port), "--workers", str(args.workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    requests.get(f"{base}/static/hub.css", timeout=1)
                    break
                except requests.RequestException:
                    time.sleep(0.2)
            count, seconds, errors = run_clients(base, idea_ids, tokens)
            static_rate = trivial(base, args.clients, count)
        finally:
            hub.terminate()
            hub.wait(timeout=20)
        with app.app_context():
            stored = db.session.scalar(select(func.count()).select_from(Support))
            counted = db.session.scalar(select(func.sum(Idea.supporters)))
            db.engine.dispose()
        rate = count / seconds
        print(f"postgresql: {args.clients} clients, {count} supports in {seconds:.1f} s: {rate:,.0f} supports/s")
        print(f"postgresql: trivial endpoint (static file) {static_rate:,.0f} requests/s")
        print(f"postgresql: ratio supports/trivial {rate / static_rate:.2f}")
        print(
            f"postgresql: stored supports {stored}, counted on ideas {counted}, expected {count}, "
            f"lost {count - stored}, doubled {max(0, stored - count)}, errors {len(errors)}"
        )

    with tempfile.TemporaryDirectory() as folder:
        try:
            redis = start_redis(Path(folder) / "redis")
        except BaseException as exc:  # pytest's skip when redis-server is missing is a BaseException
            print(f"redis: not started ({exc}); rate limits count in each worker's memory")
            redis = None
        try:
            on_postgres(Path(folder), measure)
        finally:
            if redis is not None:
                redis.stop()


if __name__ == "__main__":
    main()
