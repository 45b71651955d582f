"""The per-address flood guard on the support endpoint (SUPPORT_RATE_LIMIT): 429 with Retry-After, nothing stored.

It counts in the limiter's storage: memory in a single process, Redis shared by every worker.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from redis import Redis
from sqlalchemy import func, select

from tests.conftest import csrf_from, make_app, running
from tests.ideas.helpers import campaign, client_as, customer, published_idea
from tests.support.servers import free_port
from ugc_hub.extensions import limiter
from ugc_hub.models import db
from ugc_hub.models.ideas import Idea, Support
from ugc_hub.services.audit import CLI
from ugc_hub.services.workspaces import create_workspace


def _support(app: Flask, idea: Idea, **headers: str) -> Any:
    fan = client_as(app, customer())
    token = csrf_from(fan.get(f"/ideas/i/{idea.id}").text)
    return fan.post(f"/ideas/i/{idea.id}/support", data={"csrf_token": token}, headers=headers)


def _stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Support)) or 0


def test_over_the_limit_an_address_gets_429_with_retry_after_and_the_support_is_not_stored(
    database_url: str, instance: Path
) -> None:
    with running(make_app(database_url, instance, SUPPORT_RATE_LIMIT="2 per minute;50 per hour")) as app:
        idea = published_idea(campaign(create_workspace(db.session, name="Lumen", actor=CLI)), customer("author"))
        assert [_support(app, idea).status_code for _ in range(2)] == [302, 302]
        refused = _support(app, idea, **{"Accept-Language": "fr"})
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert "Réessayez dans 1 minute" in refused.get_data(as_text=True)
        assert _stored() == 2
        assert db.session.get(Idea, idea.id).supporters == 2  # type: ignore[union-attr]


def test_the_limit_is_per_address_behind_a_trusted_proxy(database_url: str, instance: Path) -> None:
    app = make_app(database_url, instance, SUPPORT_RATE_LIMIT="1 per minute", TRUSTED_PROXIES=1)
    with running(app):
        idea = published_idea(campaign(create_workspace(db.session, name="Lumen", actor=CLI)), customer("author"))
        first = {"X-Forwarded-For": "203.0.113.7"}
        assert _support(app, idea, **first).status_code == 302
        assert _support(app, idea, **{"X-Forwarded-For": "198.51.100.9"}).status_code == 302
        assert _support(app, idea, **first).status_code == 429
        assert _stored() == 2


def test_workers_sharing_redis_share_the_count(database_url: str, instance: Path, redis_server: Any) -> None:
    storage = redis_server.url_for(7)
    options = {"SUPPORT_RATE_LIMIT": "3 per minute", "RATELIMIT_STORAGE_URI": storage}
    one, other = make_app(database_url, instance, **options), make_app(database_url, instance, **options)
    with running(one), running(other):  # both: each app's database connections are closed at the end
        limiter.reset()  # this Redis database outlives the test
        idea = published_idea(campaign(create_workspace(db.session, name="Lumen", actor=CLI)), customer("author"))
        answers = [_support(app, idea).status_code for app in (one, other, one, other)]
        assert answers == [302, 302, 302, 429]
        assert _stored() == 3
        counted_in_redis = Redis.from_url(storage).keys("*ideas.support*")
        assert len(counted_in_redis) == 1


def test_with_its_storage_unreachable_the_guard_still_counts_in_the_process(
    database_url: str, instance: Path, caplog: pytest.LogCaptureFixture
) -> None:
    unreachable = f"redis://127.0.0.1:{free_port()}/0"
    app = make_app(
        database_url, instance, SUPPORT_RATE_LIMIT="1 per minute", RATELIMIT_STORAGE_URI=unreachable, TRUSTED_PROXIES=1
    )
    with running(app):
        idea = published_idea(campaign(create_workspace(db.session, name="Lumen", actor=CLI)), customer("author"))
        # An address of its own: the fallback's counts live as long as the process.
        headers = {"X-Forwarded-For": f"2001:db8::{uuid.uuid4().hex[:4]}"}
        with caplog.at_level(logging.WARNING, logger="ugc_hub.web.flood_guard"):
            assert [_support(app, idea, **headers).status_code for _ in range(3)] == [302, 429, 429]
        assert _stored() == 1
        # The storage was tried once, then left alone for RETRY_STORAGE_AFTER: no timeout on every request.
        assert [record.levelname for record in caplog.records if record.name == "ugc_hub.web.flood_guard"] == [
            "WARNING"
        ]
