"""The sources pages: list, health, "collect now" (moderator), pause/resume (admin), all audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from tests.fakes.harness import reddit_settings
from tests.fakes.reddit import FakeReddit
from ugc_hub.models import AuditEvent, CollectorRun, Post, Source, db
from ugc_hub.models.base import utcnow
from ugc_hub.services.audit import CLI
from ugc_hub.services.sources import create_source


def make_source(workspace: Any, fake: FakeReddit, name: str = "Reddit <b>acme</b>") -> Source:
    return create_source(
        db.session,
        workspace_id=workspace.id,
        kind="reddit.search",
        name=name,
        settings=reddit_settings(fake),
        actor=CLI,
    )


def test_a_moderator_collects_now_and_reads_the_health_page(client: Any, auth: Any, workspace: Any) -> None:
    auth.as_role("moderator")
    with FakeReddit(total=12, comments_every=0) as fake:
        source = make_source(workspace, fake)
        listing = client.get("/sources/")
        assert listing.status_code == 200
        assert "Reddit &lt;b&gt;acme&lt;/b&gt;" in listing.text and "<b>acme</b>" not in listing.text
        answer = client.post(f"/sources/{source.id}/collect", data={"csrf_token": auth.csrf("/sources/")})
        assert answer.status_code == 302  # the task ran eagerly in tests
    assert db.session.scalar(select(func.count()).select_from(Post)) == 12
    page = client.get(f"/sources/{source.id}")
    assert page.status_code == 200
    assert "succeeded" in page.text and '<meter min="0" max="12" value="12">' in page.text
    assert "Collection started" in page.text
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "source.collect")).one()
    assert event.actor_type == "user" and event.object_id == str(source.id)
    assert client.post(f"/sources/{source.id}/pause", data={"csrf_token": auth.csrf("/sources/")}).status_code == 403


def test_health_shows_rate_limits_relogin_and_silence(client: Any, auth: Any, workspace: Any) -> None:
    auth.as_role("viewer")
    with FakeReddit(total=1) as fake:
        source = make_source(workspace, fake, name="quiet")
    now = utcnow()
    for n in range(5):
        db.session.add(CollectorRun(source_id=source.id, started_at=now - timedelta(hours=n + 1), status="succeeded"))
    db.session.add(
        CollectorRun(
            source_id=source.id,
            started_at=now,
            status="rate_limited",
            error="429 <script>",
            rate_limited_until=now + timedelta(minutes=5),
            rejections=[{"platform_id": "t3_x", "reason": "'created_utc' is missing"}],
            rejected=1,
        )
    )
    source.status, source.status_message = "rate_limited", "Rate limited until soon"
    db.session.commit()
    page = client.get(f"/sources/{source.id}").text
    assert "rate limited" in page and "Rate limited until" in page and "no new posts lately" in page
    assert "429 &lt;script&gt;" in page and "&#39;created_utc&#39; is missing" in page
    assert "Collect now" not in page  # viewers only read
    source.status, source.status_message = "relogin_required", "Instagram wants a checkpoint"
    db.session.commit()
    assert "new login needed" in client.get("/sources/").text
    assert client.post(f"/sources/{source.id}/collect", data={"csrf_token": auth.csrf("/sources/")}).status_code == 403
    assert client.get("/sources/999999").status_code == 404


def test_an_admin_pauses_and_resumes_a_source(client: Any, auth: Any, workspace: Any) -> None:
    auth.as_role("admin")
    with FakeReddit(total=1) as fake:
        source = make_source(workspace, fake, name="r")
    token = auth.csrf("/sources/")
    assert client.post(f"/sources/{source.id}/pause", data={"csrf_token": token}).status_code == 302
    db.session.refresh(source)
    assert source.status == "paused"
    assert "Resume" in client.get(f"/sources/{source.id}").text
    assert client.post(f"/sources/{source.id}/resume", data={"csrf_token": token}).status_code == 302
    db.session.refresh(source)
    assert source.status == "active"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action == "source.status")).all()
    assert len(actions) == 2
    assert client.post(f"/sources/{source.id}/pause", data={}).status_code == 400


def test_an_admin_adds_and_edits_a_source_through_the_plugin_form(client: Any, auth: Any, workspace: Any) -> None:
    auth.as_role("admin")
    kinds = client.get("/sources/new").text
    assert "Reddit search" in kinds and "kind=reddit.search" in kinds
    form = client.get("/sources/new?kind=reddit.search").text
    assert 'name="setting-terms"' in form and 'name="setting-client_secret"' in form
    with FakeReddit(total=3) as fake:
        data = {
            "csrf_token": auth.csrf("/sources/new?kind=reddit.search"),
            "kind": "reddit.search",
            "name": "Reddit <i>acme</i>",
            "schedule_minutes": "15",
            "setting-terms": "#acme\nacme gadget",
            "setting-subreddits": "acme",
            "setting-include_comments": "on",
            "setting-client_id": fake.client_id,
            "setting-client_secret": fake.client_secret,
            "setting-user_agent": "python:test:0.1 (by /u/acme)",
            "setting-oauth_url": fake.url,
            "setting-reddit_url": fake.url,
            "setting-short_url": fake.url,
            "setting-timeout": "5",
        }
        missing = client.post("/sources/new", data={**data, "setting-terms": ""})
        assert missing.status_code == 200 and "Terms and hashtags is required" in missing.text
        created = client.post("/sources/new", data=data)
        assert created.status_code == 302, created.text
        source = db.session.scalars(select(Source)).one()
        assert source.schedule_seconds == 900 and source.settings["terms"] == "#acme\nacme gadget"
        edit_page = client.get(f"/sources/{source.id}/edit").text
        assert fake.client_secret not in edit_page  # secrets are never shown back
        assert "Reddit &lt;i&gt;acme&lt;/i&gt;" in edit_page
        unchecked = {k: v for k, v in data.items() if k != "setting-include_comments"}  # as a browser sends it
        edited = client.post(
            f"/sources/{source.id}/edit", data={**unchecked, "name": "Reddit", "setting-client_secret": ""}
        )
        assert edited.status_code == 302
    db.session.refresh(source)
    assert source.name == "Reddit" and source.settings["client_secret"] == fake.client_secret  # kept
    assert source.settings["include_comments"] == "off"
    update = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "source.update")).one()
    assert update.after is not None and update.after["settings_changed"] == ["include_comments"]
    assert fake.client_secret not in str(update.after) + str(update.before)


def test_moderators_cannot_add_or_edit_sources(client: Any, auth: Any, workspace: Any) -> None:
    auth.as_role("moderator")
    assert client.get("/sources/new").status_code == 403
    with FakeReddit(total=1) as fake:
        source = make_source(workspace, fake)
    assert client.get(f"/sources/{source.id}/edit").status_code == 403
