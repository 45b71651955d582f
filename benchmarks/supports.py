"""Supports per second on PostgreSQL with 16 concurrent HTTP clients, next to a trivial endpoint.

    .venv/bin/python benchmarks/supports.py [--clients 16] [--customers 6] [--ideas 25]

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
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests
from requests.adapters import HTTPAdapter

from benchmarks.support import fresh_app, on_postgres
from tests.support.servers import free_port, start_redis

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(page: str) -> str:
    found = TOKEN.search(page)
    if found is None:
        raise SystemExit("no CSRF token on the page: is the hub answering with an error?")
    return found[1]


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


class FromAddress(HTTPAdapter):
    """Connects from a given loopback address, so that each client is its own address to the hub's rules."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs, source_address=(self.address, 0))


def client_session(client: int) -> requests.Session:
    http = requests.Session()
    http.mount("http://", FromAddress(f"127.0.0.{client + 2}"))
    return http


def sign_in(base: str, idea_id: int, tokens: list[list[str]]) -> list[list[tuple[requests.Session, str]]]:
    """One signed-in HTTP session (and its CSRF token) per customer, per client; outside the timed part."""
    sessions = []
    for client, client_tokens in enumerate(tokens):
        signed = []
        for token in client_tokens:
            http = client_session(client)
            page = http.get(f"{base}/ideas/signin/{token}")
            http.post(f"{base}/ideas/signin/{token}", data={"csrf_token": csrf_token(page.text)}, allow_redirects=False)
            csrf = csrf_token(http.get(f"{base}/ideas/i/{idea_id}").text)
            signed.append((http, csrf))
        sessions.append(signed)
    return sessions


def in_parallel(work: list[Callable[[], None]]) -> float:
    threads = [threading.Thread(target=job) for job in work]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def support_round(
    base: str, idea_ids: list[int], signed: list[tuple[requests.Session, str]], errors: list[str]
) -> float:
    """Each client, as one of its customers, supports every idea once; returns the seconds taken."""

    def client(http: requests.Session, csrf: str) -> Callable[[], None]:
        def run() -> None:
            for idea_id in idea_ids:
                response = http.post(
                    f"{base}/ideas/i/{idea_id}/support", data={"csrf_token": csrf}, allow_redirects=False
                )
                if response.status_code != 302:
                    errors.append(f"{response.status_code}")

        return run

    return in_parallel([client(http, csrf) for http, csrf in signed])


def trivial_round(base: str, clients: int, per_client: int) -> float:
    def client(number: int) -> Callable[[], None]:
        def run() -> None:
            http = client_session(number)
            for _ in range(per_client):
                http.get(f"{base}/static/hub.css")

        return run

    return in_parallel([client(number) for number in range(clients)])


def run_rounds(
    base: str, idea_ids: list[int], tokens: list[list[str]]
) -> tuple[int, float, float, list[float], list[str]]:
    """Alternate a round of supports with a round of as many trivial requests, once per customer of each client.

    Interleaving keeps a host that speeds up or slows down during the run from favouring either side. The
    first round warms the workers (connection pools, compiled and prepared statements) and is not timed; its
    supports are checked for loss and doubles with the others.
    """
    sessions = sign_in(base, idea_ids[0], tokens)
    errors: list[str] = []
    support_seconds = trivial_seconds = 0.0
    ratios = []
    per_round = len(sessions) * len(idea_ids)
    support_round(base, idea_ids, [signed[0] for signed in sessions], errors)
    trivial_round(base, len(sessions), len(idea_ids))
    for turn in range(1, len(tokens[0])):
        spent = support_round(base, idea_ids, [signed[turn] for signed in sessions], errors)
        trivial_spent = trivial_round(base, len(sessions), len(idea_ids))
        support_seconds += spent
        trivial_seconds += trivial_spent
        ratios.append(trivial_spent / spent)
    return per_round * (len(tokens[0]) - 1), support_seconds, trivial_seconds, ratios, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--customers", type=int, default=6, help="customers per client (the first one warms up)")
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
        per_address = args.customers * args.ideas
        broker = {"CELERY_BROKER_URL": redis.url_for(0)} if redis is not None else {}
        env = (
            os.environ
            | broker
            | {
                "DATABASE_URL": url,
                "UGC_HUB_SECURE_COOKIES": "0",
                "SUPPORT_RATE_LIMIT": "1000000 per minute;1000000 per hour",  # the production shape: two windows
                "LOGIN_RATE_LIMIT": "1000000 per minute",
                # Each client connects from its own address. The rules keep the production windows; each limit
                # is one above what an address or an account does in the whole run, so every rule is evaluated
                # over all its rows (the production cost at that limit) and none is broken.
                "IDEA_SUPPORT_RULES": f"ip_burst={per_address + 1}/60,ip_sustained={per_address + 1}/3600,"
                f"account_burst={args.ideas + 1}/60,account_sustained={args.ideas + 1}/86400",
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
            timed, seconds, trivial_seconds, ratios, errors = run_rounds(base, idea_ids, tokens)
        finally:
            hub.terminate()
            hub.wait(timeout=20)
        with app.app_context():
            stored = db.session.scalar(select(func.count()).select_from(Support)) or 0
            counted = db.session.scalar(select(func.sum(Idea.supporters)))
            db.engine.dispose()
        count = len(tokens) * len(tokens[0]) * len(idea_ids)
        rate = timed / seconds
        static_rate = timed / trivial_seconds
        print(f"postgresql: {args.clients} clients, {timed} timed supports in {seconds:.1f} s: {rate:,.0f} supports/s")
        print(f"postgresql: trivial endpoint (static file) {static_rate:,.0f} requests/s, same clients, interleaved")
        print(f"postgresql: ratio supports/trivial {rate / static_rate:.2f}")
        print(
            f"postgresql: ratio per round, in order ({len(ratios)} rounds of {timed // len(ratios)} requests each side): "
            + ", ".join(f"{r:.2f}" for r in ratios)
        )
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
