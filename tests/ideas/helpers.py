"""Small builders for the co-creation tests: campaigns, customers, published ideas, signed-in clients, images."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from PIL import Image
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

from tests.conftest import csrf_from
from ugc_hub.domain.ladder import Ladder, Milestone
from ugc_hub.models import db
from ugc_hub.models.ideas import Campaign, Customer, Idea
from ugc_hub.services.audit import CLI
from ugc_hub.services.ideas import create_campaign

SMALL = Ladder((Milestone(2, days=7), Milestone(3, days=30)))


@contextmanager
def own_postgres_database(server: Any, template: str, **engine_options: Any) -> Iterator[Engine]:
    """An engine on a fresh database of the test PostgreSQL server, for tests that run their own sessions
    (threads, plans); the database is dropped afterwards."""
    name = "t_" + uuid.uuid4().hex[:16]
    engine = create_engine(server.create_database(name, template=template), **engine_options)
    try:
        yield engine
    finally:
        engine.dispose()
        server.drop_database(name)


def plain_workspace(session: Session) -> int:
    """A committed workspace with no sources, for tests outside the app's own database; returns its id."""
    from ugc_hub.models import Workspace

    workspace = Workspace(slug=f"w{uuid.uuid4().hex[:6]}", name="W", hashtags=[], keywords=[], handles={}, languages=[])
    session.add(workspace)
    session.commit()
    return int(workspace.id)


def campaign(workspace: Any, ladder: Ladder = SMALL, **options: Any) -> Campaign:
    return create_campaign(
        db.session, workspace_id=workspace.id, title=f"Next {uuid.uuid4().hex[:6]}", actor=CLI, ladder=ladder, **options
    )


def customer(name: str = "", **fields: Any) -> Customer:
    email = f"{name or uuid.uuid4().hex[:10]}@example.com"
    person = Customer(email=email, email_canonical=email, verified_at=datetime.now(UTC), **fields)
    db.session.add(person)
    db.session.commit()
    return person


def published_idea(found: Campaign, author: Customer, title: str = "Solar lantern", **fields: Any) -> Idea:
    fields.setdefault("published_at", datetime.now(UTC) - timedelta(hours=1))
    idea = Idea(campaign_id=found.id, author_id=author.id, title=title, status="published", **fields)
    db.session.add(idea)
    db.session.commit()
    return idea


def client_as(app: Flask, person: Customer) -> Any:
    client = app.test_client()
    with client.session_transaction() as browser_session:
        browser_session["customer_id"] = person.id
    return client


def post_form(client: Any, page_url: str, action: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """Load a page, then post to ``action`` with its CSRF token, as a browser would."""
    token = csrf_from(client.get(page_url).text)
    return client.post(action, data={**data, "csrf_token": token}, **kwargs)


def jpeg_with_gps(size: tuple[int, int] = (64, 48)) -> bytes:
    """A JPEG carrying camera and GPS EXIF, like a phone photo."""
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "PhoneModel 12"  # Model
    gps = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    exif[0x8825] = gps  # GPSInfo IFD
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()
