"""Bad input and races: expired links, double submits, a support racing the expiry deadline."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from tests.conftest import csrf_from
from tests.ideas.helpers import campaign, client_as, customer, published_idea
from tests.ideas.test_supports import setup_idea
from ugc_hub.domain.ladder import Ladder, Milestone
from ugc_hub.models import db
from ugc_hub.models.ideas import Idea, IdeaMilestone
from ugc_hub.services.customers import redeem_login_link, request_login_link
from ugc_hub.services.ideas import expire_overdue
from ugc_hub.services.mail import MailSettings
from ugc_hub.services.supports import cast_support


def test_an_expired_link_is_refused_with_a_clear_message(app: Flask) -> None:
    old = datetime.now(UTC) - timedelta(hours=1)
    sent = request_login_link(db.session, email="late@example.com", link_base="x", mail=MailSettings(), now=old)
    client = app.test_client()
    page = client.get(f"/ideas/signin/{sent.token}")
    response = client.post(
        f"/ideas/signin/{sent.token}", data={"csrf_token": csrf_from(page.text)}, follow_redirects=True
    )
    assert "invalid, expired or already used" in response.text
    assert redeem_login_link(db.session, sent.token) is None
    assert redeem_login_link(db.session, "made-up-token") is None


def test_double_submit_and_second_tab_create_one_idea(app: Flask, workspace: Any) -> None:
    found = campaign(workspace)
    client = client_as(app, customer("author"))
    page = client.get(f"/ideas/c/{found.slug}/submit")
    data = {"title": "Folding lantern", "description": "d", "csrf_token": csrf_from(page.text)}
    first = client.post(f"/ideas/c/{found.slug}/submit", data=data)
    second = client.post(f"/ideas/c/{found.slug}/submit", data=data)  # the same form, sent twice
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Idea)) == 1


def test_a_support_at_the_deadline_counts_and_one_after_it_does_not(workspace: Any) -> None:
    ladder = Ladder((Milestone(5, days=1),))
    idea = published_idea(
        campaign(workspace, ladder), customer("author"), published_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    deadline = datetime(2026, 1, 2, tzinfo=UTC)
    assert cast_support(db.session, idea_id=idea.id, customer_id=customer().id, now=deadline).status == "counted"
    late = deadline + timedelta(microseconds=1)
    assert cast_support(db.session, idea_id=idea.id, customer_id=customer().id, now=late).status == "closed"
    assert expire_overdue(db.session, now=late) == [idea.id]


def race_once(engine: Any, workspace_id: int, deadline: datetime) -> tuple[dict[str, Any], int]:
    """Two supports in, a third one crossing the milestone just before ``deadline`` against the expiry job."""
    with Session(engine) as session:
        ladder = Ladder((Milestone(3, days=10), Milestone(100, days=30)))
        idea_id, (_author, *people) = setup_idea(session, workspace_id, 3, ladder)
        for person in people[:2]:
            cast_support(session, idea_id=idea_id, customer_id=person, now=deadline - timedelta(hours=1))
    start = threading.Barrier(2)
    results: dict[str, Any] = {}

    def support() -> None:
        with Session(engine) as session:
            start.wait()
            results["support"] = cast_support(
                session, idea_id=idea_id, customer_id=people[2], now=deadline - timedelta(microseconds=1)
            ).status

    def expire() -> None:
        with Session(engine) as session:
            start.wait()
            # The job's clock is past the old deadline; it must re-read the idea under its lock.
            results["expired"] = expire_overdue(session, now=deadline + timedelta(seconds=1))

    threads = [threading.Thread(target=support), threading.Thread(target=expire)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, idea_id


@pytest.mark.postgres
def test_a_support_crossing_a_milestone_races_the_expiry_job(
    postgres_server: Any, postgres_template: str, instance: Any
) -> None:
    """Whoever takes the idea's lock first wins, and the outcome is consistent: either the milestone is
    recorded and the idea stays open, or the idea expired and the support was refused — never both."""
    name = "t_" + uuid.uuid4().hex[:16]
    url = postgres_server.create_database(name, template=postgres_template)
    engine = create_engine(url, pool_size=8, max_overflow=0)
    # setup_idea publishes on 1 November 2026 and the first window is 10 days long.
    deadline = datetime(2026, 11, 11, tzinfo=UTC)
    try:
        from ugc_hub.models import Workspace

        with Session(engine) as session:
            session.add(Workspace(slug="w", name="W", hashtags=[], keywords=[], handles={}, languages=[]))
            session.commit()
            workspace_id = session.scalar(select(Workspace.id))
        outcomes = []
        for _round in range(12):
            results, idea_id = race_once(engine, workspace_id, deadline)
            with Session(engine) as session:
                status = session.scalar(select(Idea.status).where(Idea.id == idea_id))
                reached = session.scalar(
                    select(func.count()).select_from(IdeaMilestone).where(IdeaMilestone.idea_id == idea_id)
                )
            if results["support"] == "counted":
                assert (status, reached, idea_id in results["expired"]) == ("published", 1, False)
            else:
                assert (results["support"], status, reached) == ("closed", "expired", 0)
            outcomes.append(results["support"])
        assert set(outcomes) <= {"counted", "closed"}
    finally:
        engine.dispose()
        postgres_server.drop_database(name)


def test_supporting_an_idea_the_public_cannot_see_is_not_found(app: Flask, workspace: Any) -> None:
    found = campaign(workspace)
    waiting = Idea(campaign_id=found.id, author_id=customer("author").id, title="Draft", status="in_moderation")
    db.session.add(waiting)
    db.session.commit()
    fan = client_as(app, customer("fan"))
    token = csrf_from(fan.get("/ideas/me").text)  # the sign-out form carries the session's token
    assert fan.post(f"/ideas/i/{waiting.id}/support", data={"csrf_token": token}).status_code == 404
    assert fan.post("/ideas/i/999999/support", data={"csrf_token": token}).status_code == 404
    anonymous = app.test_client()
    anonymous_token = csrf_from(anonymous.get("/ideas/signin").text)
    signin = anonymous.post(f"/ideas/i/{waiting.id}/support", data={"csrf_token": anonymous_token})
    assert signin.status_code == 302 and "/ideas/signin" in signin.headers["Location"]
