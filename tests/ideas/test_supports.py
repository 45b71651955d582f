"""Supports: once per person (database constraint), not one's own, latched after a milestone, exact under load."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ugc_hub.domain.ladder import Ladder, Milestone
from ugc_hub.models import db
from ugc_hub.models.ideas import Campaign, Customer, Idea, IdeaMilestone, Support
from ugc_hub.services.supports import cast_support, ladder_json, withdraw_support

PUBLISHED = datetime(2026, 11, 1, tzinfo=UTC)
SMALL = Ladder((Milestone(3, days=10), Milestone(5, days=10)))


def setup_idea(session: Any, workspace_id: int, supporters: int, ladder: Ladder = SMALL) -> tuple[int, list[int]]:
    campaign = Campaign(
        workspace_id=workspace_id,
        slug=f"c-{uuid.uuid4().hex[:8]}",
        title="Your next product",
        ladder=ladder_json(ladder),
    )
    author = Customer(
        email="author@example.com", email_canonical=f"author-{uuid.uuid4().hex}@example.com", verified_at=PUBLISHED
    )
    session.add_all([campaign, author])
    session.flush()
    idea = Idea(
        campaign_id=campaign.id,
        author_id=author.id,
        title="<b>Solar</b> lantern",
        status="published",
        published_at=PUBLISHED,
    )
    customers = [
        Customer(
            email=f"c{n}@example.com", email_canonical=f"c{n}-{uuid.uuid4().hex}@example.com", verified_at=PUBLISHED
        )
        for n in range(supporters)
    ]
    session.add(idea)
    session.add_all(customers)
    session.commit()
    return idea.id, [author.id] + [c.id for c in customers]


def test_support_rules(workspace: Any) -> None:
    idea_id, (author, *people) = setup_idea(db.session, workspace.id, 6)
    at = PUBLISHED + timedelta(days=1)
    assert cast_support(db.session, idea_id=idea_id, customer_id=author, now=at).status == "own_idea"
    assert cast_support(db.session, idea_id=idea_id, customer_id=people[0], now=at).status == "counted"
    assert cast_support(db.session, idea_id=idea_id, customer_id=people[0], now=at).status == "already"
    unverified = Customer(email="u@example.com", email_canonical="u@example.com")
    db.session.add(unverified)
    db.session.commit()
    assert cast_support(db.session, idea_id=idea_id, customer_id=unverified.id, now=at).status == "not_verified"
    # withdrawable before the next milestone…
    assert withdraw_support(db.session, idea_id=idea_id, customer_id=people[0]).status == "withdrawn"
    results = [cast_support(db.session, idea_id=idea_id, customer_id=p, now=at) for p in people[:3]]
    assert [r.crossed for r in results] == [[], [], [0]]
    # …latched once the milestone is reached
    assert withdraw_support(db.session, idea_id=idea_id, customer_id=people[0]).status == "latched"
    # a support after the next deadline comes too late: the idea expired
    late = at + timedelta(days=11)
    assert cast_support(db.session, idea_id=idea_id, customer_id=people[4], now=late).status == "closed"
    assert db.session.get(Idea, idea_id).supporters == 3


def test_the_database_itself_refuses_a_second_support(workspace: Any) -> None:
    idea_id, (_author, person, *_rest) = setup_idea(db.session, workspace.id, 2)
    db.session.add(Support(idea_id=idea_id, customer_id=person))
    db.session.commit()
    db.session.add(Support(idea_id=idea_id, customer_id=person))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_reaching_the_last_milestone_qualifies_the_idea(workspace: Any) -> None:
    idea_id, (_author, *people) = setup_idea(db.session, workspace.id, 5)
    for person in people:
        cast_support(db.session, idea_id=idea_id, customer_id=person, now=PUBLISHED + timedelta(hours=1))
    idea = db.session.get(Idea, idea_id)
    assert (idea.status, idea.supporters) == ("qualified", 5)
    assert db.session.scalar(select(func.count()).select_from(IdeaMilestone)) == 2


@pytest.mark.postgres
def test_32_concurrent_clients_count_each_supporter_once_and_the_milestone_once(
    postgres_server: Any, postgres_template: str, instance: Any
) -> None:
    name = "t_" + uuid.uuid4().hex[:16]
    url = postgres_server.create_database(name, template=postgres_template)
    engine = create_engine(url, pool_size=40, max_overflow=0)
    try:
        from ugc_hub.models import Workspace

        with Session(engine) as session:
            workspace = Workspace(slug="w", name="W", hashtags=[], keywords=[], handles={}, languages=[])
            session.add(workspace)
            session.commit()
            ladder = Ladder((Milestone(20, days=30), Milestone(1000, days=30)))
            idea_id, (_author, *people) = setup_idea(session, workspace.id, 32, ladder)
        start = threading.Barrier(32)
        results: list[Any] = []
        errors: list[BaseException] = []

        def client(person: int) -> None:
            try:
                with Session(engine) as session:
                    start.wait()
                    for _ in range(2):  # double submit: the second must not count
                        results.append(
                            cast_support(
                                session, idea_id=idea_id, customer_id=person, now=PUBLISHED + timedelta(days=1)
                            )
                        )
            except BaseException as exc:  # collected and asserted below
                errors.append(exc)

        threads = [threading.Thread(target=client, args=(p,)) for p in people]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert errors == []
        assert sorted(r.status for r in results).count("counted") == 32
        assert sum(1 for r in results if r.status == "already") == 32
        assert sum(len(r.crossed) for r in results) == 1
        with Session(engine) as session:
            assert session.scalar(select(Idea.supporters).where(Idea.id == idea_id)) == 32
            assert session.scalar(select(func.count()).select_from(Support)) == 32
            milestones = session.scalars(select(IdeaMilestone)).all()
            assert [(m.position, m.supporters) for m in milestones] == [(0, 20)]
    finally:
        engine.dispose()
        postgres_server.drop_database(name)


@pytest.mark.postgres
def test_32_concurrent_http_clients_through_the_real_server(
    postgres_server: Any, postgres_template: str, tmp_path: Any
) -> None:
    """The same race through gunicorn: the view loads the idea before the support locks it."""
    import os
    import re
    import subprocess
    import sys

    import requests

    from tests.conftest import make_app, running
    from tests.support.hub import wait_for
    from tests.support.servers import free_port
    from ugc_hub.services.customers import request_login_link
    from ugc_hub.services.mail import MailSettings

    name = "t_" + uuid.uuid4().hex[:16]
    url = postgres_server.create_database(name, template=postgres_template)
    token_re = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
    try:
        with running(make_app(url, tmp_path)):
            from ugc_hub.models import Workspace

            workspace = Workspace(slug="w", name="W", hashtags=[], keywords=[], handles={}, languages=[])
            db.session.add(workspace)
            db.session.commit()
            ladder = Ladder((Milestone(20, days=30), Milestone(1000, days=30)))
            idea_id, _people = setup_idea(db.session, workspace.id, 0, ladder)
            db.session.execute(db.update(Idea).where(Idea.id == idea_id).values(published_at=datetime.now(UTC)))
            db.session.commit()
            tokens = [
                request_login_link(db.session, email=f"fan{n}@example.com", link_base="x", mail=MailSettings()).token
                for n in range(32)
            ]
        port = free_port()
        env = os.environ | {
            "DATABASE_URL": url,
            "UGC_HUB_INSTANCE": str(tmp_path),
            "UGC_HUB_SECURE_COOKIES": "0",
            "SUPPORT_RATE_LIMIT": "10000 per minute",
            # Every client shares 127.0.0.1: this test is about concurrency, not the per-IP quarantine.
            "IDEA_SUPPORT_RULES": "ip_burst=10000/60,account_burst=10000/60",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "ugc_hub.cli", "serve", "--port", str(port), "--workers", "4"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(f"{base}/healthz")
            sessions = []
            for token in tokens:
                http = requests.Session()
                page = http.get(f"{base}/ideas/signin/{token}")
                http.post(f"{base}/ideas/signin/{token}", data={"csrf_token": token_re.search(page.text)[1]})
                sessions.append((http, token_re.search(http.get(f"{base}/ideas/i/{idea_id}").text)[1]))
            start = threading.Barrier(32)
            statuses: list[int] = []

            def client(http: Any, csrf: str) -> None:
                start.wait()
                for _ in range(2):
                    statuses.append(
                        http.post(
                            f"{base}/ideas/i/{idea_id}/support", data={"csrf_token": csrf}, allow_redirects=False
                        ).status_code
                    )

            threads = [threading.Thread(target=client, args=pair) for pair in sessions]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
        finally:
            server.terminate()
            server.wait(timeout=20)
        assert statuses == [302] * 64
        with running(make_app(url, tmp_path)):
            assert db.session.scalar(select(Idea.supporters).where(Idea.id == idea_id)) == 32
            assert db.session.scalar(select(func.count()).select_from(Support)) == 32
            assert [(m.position, m.supporters) for m in db.session.scalars(select(IdeaMilestone))] == [(0, 20)]
    finally:
        postgres_server.drop_database(name)
