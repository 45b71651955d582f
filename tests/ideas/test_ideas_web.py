"""Customers sign in by an e-mailed link, submit ideas, staff publish them, others support them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select

from tests.conftest import csrf_from
from tests.support.servers import free_port
from ugc_hub.domain.ladder import Ladder, Milestone
from ugc_hub.models import db
from ugc_hub.models.ideas import Idea, IdeaMilestone, OutboxMessage
from ugc_hub.services.audit import CLI
from ugc_hub.services.ideas import create_campaign

LINK = re.compile(r"http://localhost/ideas/signin/([A-Za-z0-9_-]+)")


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def sign_in(client: Any, email: str) -> None:
    page = client.get("/ideas/signin")
    response = client.post("/ideas/signin", data={"email": email, "csrf_token": csrf_from(page.text)})
    assert "Check your e-mail" in response.text, response.text
    body = db.session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id.desc())).first()
    token = LINK.search(body).group(1)
    confirm = client.get(f"/ideas/signin/{token}")
    assert client.post(f"/ideas/signin/{token}", data={"csrf_token": csrf_from(confirm.text)}).status_code == 302


def test_sign_in_link_sent_through_a_real_smtp_server(app: Flask, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    app.config.update(MAIL_BACKEND="smtp", MAIL_HOST="127.0.0.1", MAIL_PORT=port, MAIL_SENDER="hub@brand.example")
    client = app.test_client()
    page = client.get("/ideas/signin")
    client.post("/ideas/signin", data={"email": "Jane.Doe+x@gmail.com", "csrf_token": csrf_from(page.text)})
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "Jane.Doe+x@gmail.com"
    token = LINK.search(message.get_payload()).group(1)
    # GET only shows a button, so a mail scanner prefetching the link does not use it up
    confirm = client.get(f"/ideas/signin/{token}")
    assert confirm.status_code == 200
    assert client.post(f"/ideas/signin/{token}", data={"csrf_token": csrf_from(confirm.text)}).status_code == 302
    assert "jane.doe+x@gmail.com" in client.get("/ideas/me").text.lower()
    # the link works once: replaying it in another tab fails
    other = app.test_client()
    again = other.get(f"/ideas/signin/{token}")
    replay = other.post(f"/ideas/signin/{token}", data={"csrf_token": csrf_from(again.text)}, follow_redirects=True)
    assert "invalid, expired or already used" in replay.text


def test_disposable_and_malformed_addresses_are_refused(client: Any) -> None:
    for address, message in (("x@mailinator.com", "disposable"), ("not an address", "is not an e-mail address")):
        page = client.get("/ideas/signin")
        response = client.post("/ideas/signin", data={"email": address, "csrf_token": csrf_from(page.text)})
        assert message in response.text


def test_submit_moderate_support_past_a_milestone(app: Flask, auth: Any, workspace: Any) -> None:
    campaign = create_campaign(
        db.session,
        workspace_id=workspace.id,
        title="Your next product",
        actor=CLI,
        ladder=Ladder((Milestone(2, days=7), Milestone(4, days=30))),
    )
    author = app.test_client()
    sign_in(author, "author@example.com")
    page = author.get(f"/ideas/c/{campaign.slug}/submit")
    hostile = '<script>alert("x")</script> Solar lantern'
    response = author.post(
        f"/ideas/c/{campaign.slug}/submit",
        data={"title": hostile, "description": "Charges by day.", "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 302
    idea = db.session.scalar(select(Idea))
    # not public before moderation
    assert app.test_client().get(f"/ideas/i/{idea.id}").status_code == 404
    assert hostile not in app.test_client().get(f"/ideas/c/{campaign.slug}").text

    staff = auth.client
    auth.as_role("moderator")
    queue = staff.get("/staff/ideas/")
    assert "&lt;script&gt;" in queue.text and "<script>alert" not in queue.text
    staff.post(f"/staff/ideas/{idea.id}", data={"decision": "publish", "csrf_token": csrf_from(queue.text)})
    db.session.refresh(idea)
    assert idea.status == "published"
    first_deadline = idea.published_at + timedelta(days=7)

    public = app.test_client().get(f"/ideas/i/{idea.id}").text
    assert "&lt;script&gt;" in public and f'data-deadline="{first_deadline.isoformat()}"' in public
    assert 'property="og:title"' in public

    page = author.get(f"/ideas/i/{idea.id}")
    own = author.post(f"/ideas/i/{idea.id}/support", data={"csrf_token": csrf_from(page.text)}, follow_redirects=True)
    assert "cannot support your own idea" in own.text
    for n in range(2):
        fan = app.test_client()
        sign_in(fan, f"fan{n}@example.com")
        page = fan.get(f"/ideas/i/{idea.id}")
        fan.post(f"/ideas/i/{idea.id}/support", data={"csrf_token": csrf_from(page.text)})
        fan.post(f"/ideas/i/{idea.id}/support", data={"csrf_token": csrf_from(page.text)})  # double submit
    db.session.refresh(idea)
    assert idea.supporters == 2
    milestone = db.session.scalar(select(IdeaMilestone))
    assert milestone.position == 0
    after = app.test_client().get(f"/ideas/i/{idea.id}").text
    moved = milestone.reached_at + timedelta(days=30)
    assert f'data-deadline="{moved.isoformat()}"' in after  # the deadline moved
    assert "Next milestone: 4" in after


def test_milestone_mail_and_hourly_expiry(app: Flask, workspace: Any) -> None:
    from ugc_hub.ideas_tasks import expire_overdue_ideas
    from ugc_hub.models.ideas import Customer
    from ugc_hub.services.supports import cast_support

    campaign = create_campaign(
        db.session,
        workspace_id=workspace.id,
        title="Lanterns",
        actor=CLI,
        ladder=Ladder((Milestone(1, days=1), Milestone(5, days=1))),
    )
    author = Customer(email="a@example.com", email_canonical="a@example.com", verified_at=datetime.now(UTC))
    fan = Customer(email="f@example.com", email_canonical="f@example.com", verified_at=datetime.now(UTC))
    db.session.add_all([author, fan])
    db.session.flush()
    idea = Idea(
        campaign_id=campaign.id,
        author_id=author.id,
        title="Lantern",
        status="published",
        published_at=datetime.now(UTC) - timedelta(hours=1),
    )
    db.session.add(idea)
    db.session.commit()
    client = app.test_client()
    with client.session_transaction() as browser_session:
        browser_session["customer_id"] = fan.id
    page = client.get(f"/ideas/i/{idea.id}")
    client.post(f"/ideas/i/{idea.id}/support", data={"csrf_token": csrf_from(page.text)})
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "a@example.com")).all()
    assert [m.subject for m in mails] == ["Your idea reached 1 supporters"]
    assert expire_overdue_ideas() == []  # the next deadline is a day away
    db.session.execute(db.update(IdeaMilestone).values(reached_at=datetime.now(UTC) - timedelta(days=2)))
    db.session.commit()
    assert expire_overdue_ideas() == [idea.id]
    db.session.refresh(idea)
    assert idea.status == "expired"
    assert "stays visible" in db.session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id.desc())).first()
    assert app.test_client().get(f"/ideas/i/{idea.id}").status_code == 200  # frozen, still visible
    assert cast_support(db.session, idea_id=idea.id, customer_id=fan.id).status in ("already", "closed")
