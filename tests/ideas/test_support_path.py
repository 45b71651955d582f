"""The support request path: CSRF, the client address behind reverse proxies, a late support leaving nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from tests.conftest import csrf_from, make_app, running
from tests.ideas.helpers import campaign, client_as, customer, published_idea
from ugc_hub.domain.ladder import Ladder, Milestone
from ugc_hub.models import db
from ugc_hub.models.ideas import Idea, Support
from ugc_hub.services.audit import CLI
from ugc_hub.services.supports import cast_support
from ugc_hub.services.workspaces import create_workspace


def test_a_support_without_its_csrf_token_is_refused_and_stores_nothing(app: Flask, workspace: Any) -> None:
    idea = published_idea(campaign(workspace), customer("author"))
    fan = client_as(app, customer("fan"))
    assert fan.post(f"/ideas/i/{idea.id}/support", data={}).status_code == 400
    assert fan.post(f"/ideas/i/{idea.id}/support", data={"csrf_token": "forged"}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Support)) == 0


def test_a_support_after_the_deadline_leaves_no_row_and_no_count(app: Flask, workspace: Any) -> None:
    published = datetime(2026, 1, 1, tzinfo=UTC)
    idea = published_idea(
        campaign(workspace, Ladder((Milestone(5, days=7),))), customer("author"), published_at=published
    )
    fan = customer("late")
    result = cast_support(db.session, idea_id=idea.id, customer_id=fan.id, now=published + timedelta(days=8))
    assert result.status == "closed"
    assert db.session.scalar(select(func.count()).select_from(Support)) == 0
    assert db.session.get(Idea, idea.id).supporters == 0  # type: ignore[union-attr]


def _support_through(app: Flask, idea_id: int, forwarded_for: str) -> None:
    fan = client_as(app, customer())
    token = csrf_from(fan.get(f"/ideas/i/{idea_id}").text)
    response = fan.post(
        f"/ideas/i/{idea_id}/support", data={"csrf_token": token}, headers={"X-Forwarded-For": forwarded_for}
    )
    assert response.status_code == 302


def _proxied_app(database_url: str, instance: Path, proxies: int) -> Flask:
    return make_app(database_url, instance, TRUSTED_PROXIES=proxies, IDEA_SUPPORT_RULES="ip_burst=1/60")


def test_behind_a_trusted_proxy_the_ip_rules_see_each_client(database_url: str, instance: Path) -> None:
    with running(_proxied_app(database_url, instance, proxies=1)) as app:
        workspace = create_workspace(db.session, name="Lumen", actor=CLI)
        idea = published_idea(campaign(workspace), customer("author"))
        _support_through(app, idea.id, "203.0.113.7")
        _support_through(app, idea.id, "198.51.100.9")
        # A client cannot choose its address: only the entry the proxy appended (the last) is believed.
        _support_through(app, idea.id, "198.51.100.9, 203.0.113.50")
        rows = db.session.execute(select(Support.ip, Support.state).order_by(Support.id)).all()
        assert [tuple(row) for row in rows] == [
            ("203.0.113.7", "counted"),
            ("198.51.100.9", "counted"),
            ("203.0.113.50", "counted"),
        ]


def test_without_trusted_proxies_a_forwarded_header_is_ignored(database_url: str, instance: Path) -> None:
    with running(_proxied_app(database_url, instance, proxies=0)) as app:
        workspace = create_workspace(db.session, name="Lumen", actor=CLI)
        idea = published_idea(campaign(workspace), customer("author"))
        _support_through(app, idea.id, "203.0.113.7")
        _support_through(app, idea.id, "198.51.100.9")  # same real address: over ip_burst=1/60
        rows = db.session.execute(select(Support.ip, Support.state).order_by(Support.id)).all()
        assert [tuple(row) for row in rows] == [("127.0.0.1", "counted"), ("127.0.0.1", "quarantined")]
