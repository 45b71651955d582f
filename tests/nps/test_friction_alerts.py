"""Friction alerts: a growing theme is recorded once per week and POSTed once, signed, to a real local server."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.test_ingest import make_post
from ugc_hub.models import FrictionAlert, PostSentiment, db
from ugc_hub.models.base import utcnow
from ugc_hub.netguard import allowing_private_addresses
from ugc_hub.services.audit import CLI
from ugc_hub.services.friction_alerts import SIGNATURE_HEADER, update_alert_settings
from ugc_hub.services.ingest import ingest_posts


class Receiver:
    """A local HTTP server that keeps every request it gets and answers with ``status``."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.status = 204
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers.items()), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/friction"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    with allowing_private_addresses():  # the receiver is on 127.0.0.1, which the hub refuses outside tests
        yield server
    server.server.shutdown()
    server.server.server_close()


def seed_growing_delivery_theme(workspace: Any) -> None:
    """Three negative delivery posts a day ago (the current four weeks), none in the four weeks before."""
    at = utcnow() - timedelta(days=1)
    texts = ["Delivery late again", "Livraison en retard", "Parcel never arrived, <b>delivery</b> fail"]
    posts = [make_post(n, platform_id=f"alert{n}", text=text, posted_at=at) for n, text in enumerate(texts)]
    ids = ingest_posts(db.session, posts, workspace_id=workspace.id).post_ids
    db.session.add_all(
        PostSentiment(post_id=i, label="negative", score=-0.8, model="m", model_version="m@1", scored_at=at)
        for i in ids
    )
    db.session.commit()


def test_a_growing_theme_is_posted_once_signed_and_retried_after_a_failure(
    app: Flask, workspace: Any, receiver: Receiver
) -> None:
    from ugc_hub.insights_tasks import check_friction_alerts

    seed_growing_delivery_theme(workspace)
    update_alert_settings(
        db.session, workspace_id=workspace.id, growth=0.5, webhook_url=receiver.url, rotate_secret=False, actor=CLI
    )
    secret = workspace.alert_webhook_secret
    assert secret

    receiver.status = 500  # the first attempt fails: the alert stays pending, with the error
    assert check_friction_alerts.delay().get() == {workspace.slug: {"created": 1, "delivered": 0}}
    alert = db.session.scalars(select(FrictionAlert)).one()
    assert (alert.theme, alert.delivered_at, alert.last_error, alert.attempts) == ("delivery", None, "HTTP 500", 1)

    receiver.status = 204
    assert check_friction_alerts.delay().get() == {workspace.slug: {"created": 0, "delivered": 1}}
    assert check_friction_alerts.delay().get() == {workspace.slug: {"created": 0, "delivered": 0}}
    assert len(receiver.requests) == 2  # one failure, one delivery, nothing after
    headers, body = receiver.requests[-1]
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers[SIGNATURE_HEADER], expected)
    assert headers["Content-Type"] == "application/json" and headers["X-UGC-Hub-Event"] == "friction.alert"
    payload = json.loads(body)
    assert payload["theme"] == "delivery" and payload["workspace"] == workspace.slug
    assert (payload["current"], payload["previous"], payload["change"], payload["rate"]) == (3, 0, None, 0.5)
    assert payload["id"] == int(headers["X-UGC-Hub-Delivery"])
    db.session.refresh(alert)
    assert alert.delivered_at is not None and alert.last_error is None and alert.attempts == 2


def test_an_alert_waits_for_a_webhook_and_only_http_addresses_are_accepted(
    app: Flask, workspace: Any, receiver: Receiver
) -> None:
    from ugc_hub.insights_tasks import check_friction_alerts

    seed_growing_delivery_theme(workspace)
    assert check_friction_alerts.delay().get() == {workspace.slug: {"created": 1, "delivered": 0}}
    assert receiver.requests == []  # recorded, but nowhere to send it
    with pytest.raises(ValueError, match="http"):
        update_alert_settings(
            db.session, workspace_id=workspace.id, growth=None, webhook_url="file:///etc/passwd", rotate_secret=False,
            actor=CLI,
        )  # fmt: skip
    db.session.rollback()
    update_alert_settings(
        db.session, workspace_id=workspace.id, growth=None, webhook_url=receiver.url, rotate_secret=False, actor=CLI
    )
    first_secret = workspace.alert_webhook_secret
    update_alert_settings(
        db.session, workspace_id=workspace.id, growth=None, webhook_url=receiver.url, rotate_secret=True, actor=CLI
    )
    assert workspace.alert_webhook_secret != first_secret
    # The alert recorded before the webhook existed is delivered once it does.
    assert check_friction_alerts.delay().get() == {workspace.slug: {"created": 0, "delivered": 1}}
    assert len(receiver.requests) == 1


def test_the_workspace_rate_decides_which_growth_alerts(app: Flask, workspace: Any) -> None:
    from ugc_hub.services.friction_alerts import policy_for, record_alerts

    seed_growing_delivery_theme(workspace)
    earlier = utcnow() - timedelta(weeks=6)
    posts = [make_post(10 + n, platform_id=f"old{n}", text="Delivery was slow", posted_at=earlier) for n in range(2)]
    ids = ingest_posts(db.session, posts, workspace_id=workspace.id).post_ids
    db.session.add_all(
        PostSentiment(post_id=i, label="negative", score=-0.5, model="m", model_version="m@1", scored_at=earlier)
        for i in ids
    )
    db.session.commit()
    today = utcnow().date()
    # 3 posts against 2: +50 %.
    update_alert_settings(db.session, workspace_id=workspace.id, growth=0.6, webhook_url=None, rotate_secret=False,
                          actor=CLI)  # fmt: skip
    policy = policy_for(workspace, default_rate=0.1, minimum=3)
    assert policy.rate == 0.6
    assert record_alerts(db.session, workspace_id=workspace.id, today=today, policy=policy) == []
    update_alert_settings(db.session, workspace_id=workspace.id, growth=0.4, webhook_url=None, rotate_secret=False,
                          actor=CLI)  # fmt: skip
    policy = policy_for(workspace, default_rate=0.9, minimum=3)
    assert len(record_alerts(db.session, workspace_id=workspace.id, today=today, policy=policy)) == 1
    assert record_alerts(db.session, workspace_id=workspace.id, today=today, policy=policy) == []  # once per week
    assert policy_for(None, default_rate=0.9, minimum=3).rate == 0.9


def test_alerts_older_than_last_week_are_not_sent_to_a_new_webhook(
    app: Flask, workspace: Any, receiver: Receiver
) -> None:
    from ugc_hub.services.friction_alerts import AlertPolicy, check_and_deliver

    today = utcnow().date()
    monday = today - timedelta(days=today.weekday())
    for weeks_ago, theme in ((2, "price"), (1, "quality")):
        db.session.add(
            FrictionAlert(workspace_id=workspace.id, theme=theme, week=monday - timedelta(weeks=weeks_ago), current=5,
                          previous=1, rate=0.5, attempts=0)
        )  # fmt: skip
    db.session.commit()
    update_alert_settings(
        db.session, workspace_id=workspace.id, growth=None, webhook_url=receiver.url, rotate_secret=False, actor=CLI
    )
    result = check_and_deliver(db.session, workspace_id=workspace.id, today=today, policy=AlertPolicy(0.5, 3))
    assert result == {"created": 0, "delivered": 1}
    assert [json.loads(body)["theme"] for _, body in receiver.requests] == ["quality"]
