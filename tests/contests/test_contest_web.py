"""Contest pages: staff set-up through the forms, the upload form (rules accepted and rights granted in
one step, picture without EXIF), the public page showing entries only through the gate, escaped."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from PIL import Image
from sqlalchemy import select

from contests.draw_verify import verify_certificate
from contests.models import Contest, ContestEntry
from contests.services import draws
from contests.services import entries as contests_entries
from tests.conftest import csrf_from
from tests.contests.db_support import ADMIN, BOTH, grant, nightmode, post
from tests.ideas.helpers import client_as, customer, jpeg_with_gps, post_form
from ugc_hub.models import ConsentEvent, Post, PostRights, db
from ugc_hub.services.storage import storage_from_config


def _live(workspace: Any, **changes: Any) -> Contest:
    """A contest accepting entries right now (the views use the real clock)."""
    now = datetime.now(UTC)
    return nightmode(workspace.id, starts_local=now - timedelta(days=1), ends_local=now + timedelta(days=10), **changes)


def test_staff_create_publish_rules_and_open_through_the_forms(app: Any, auth: Any, workspace: Any) -> None:
    auth.as_role("moderator")
    client = auth.client
    page = client.get("/staff/contests/new")
    assert page.status_code == 200
    created = client.post(
        "/staff/contests/new",
        data={
            "csrf_token": csrf_from(page.text),
            "slug": "nightmode",
            "title": "<b>Night</b> mode",
            "timezone": "Europe/Paris",
            "starts": "2030-01-01T00:00",
            "ends": "2030-02-01T00:00",
            "hashtags": "#NightmodeChallenge, #ShotoniPhone",
            "fields": "model | Phone model | (iPhone\\s?\\d+)",
            "min_age": "18",
            "countries": "FR BE",
            "entries_per_person": "1",
            "winners": "3",
            "alternates": "2",
        },
    )
    assert created.status_code == 302, created.text
    contest = db.session.scalar(select(Contest))
    assert contest.hashtags == ["nightmodechallenge", "shotoniphone"]
    assert contest.countries == ["BE", "FR"]
    assert contest.starts_at == datetime(2029, 12, 31, 23, 0, tzinfo=UTC)
    detail_url = f"/staff/contests/{contest.id}"
    detail = client.get(detail_url)
    assert "&lt;b&gt;Night&lt;/b&gt; mode" in detail.text
    refused = post_form(client, detail_url, f"{detail_url}/do/open", {})
    assert "publish the official rules first" in client.get(refused.headers["Location"]).text
    post_form(client, detail_url, f"{detail_url}/rules", {"body": "No purchase necessary. <script>x</script>"})
    post_form(client, detail_url, f"{detail_url}/do/open", {})
    db.session.refresh(contest)
    assert contest.status == "open"
    page = client.get(detail_url).text
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x" not in page
    bad = client.post(
        "/staff/contests/new",
        data={
            "csrf_token": csrf_from(page),
            "slug": "x",
            "title": "t",
            "timezone": "Nowhere/Land",
            "starts": "2030-01-01T00:00",
            "ends": "2030-02-01T00:00",
            "entries_per_person": "1",
            "winners": "1",
            "alternates": "0",
        },
    )
    assert bad.status_code == 400 and "unknown time zone" in bad.text


def test_viewers_cannot_act_and_strangers_must_sign_in(app: Any, auth: Any, workspace: Any) -> None:
    contest = _live(workspace)
    assert auth.client.get(f"/staff/contests/{contest.id}").status_code == 302
    auth.as_role("viewer")
    assert auth.client.get(f"/staff/contests/{contest.id}").status_code == 200
    page = auth.client.get(f"/staff/contests/{contest.id}").text
    assert (
        auth.client.post(f"/staff/contests/{contest.id}/do/close", data={"csrf_token": csrf_from(page)}).status_code
        == 403
    )


def _enter(app: Any, person: Any, slug: str, **data: Any) -> Any:
    client = client_as(app, person)
    form = {
        "picture": (io.BytesIO(jpeg_with_gps()), "night.jpg"),
        "field_model": "iPhone 11 Pro",
        "credit": "<img src=x onerror=alert(1)>",
        "caption": "City lights",
        "accept": "y",
        "rules_version": "1",
    }
    form.update(data)
    return post_form(
        client, f"/contests/{slug}/enter", f"/contests/{slug}/enter", form, content_type="multipart/form-data"
    )


def test_upload_enters_with_rules_and_rights_in_one_step(app: Any, workspace: Any) -> None:
    contest = _live(workspace)
    adult = customer("adult", birth_date=date(1990, 5, 1), country="FR")
    response = _enter(app, adult, contest.slug)
    assert response.status_code == 302, response.text
    entry = db.session.scalar(select(ContestEntry))
    assert entry.channel == "upload" and entry.status == "eligible"
    assert entry.fields == {"model": "iPhone 11 Pro"}
    assert entry.acceptance["rules_version"] == 1 and entry.acceptance["rules_hash"]
    rights = db.session.get(PostRights, entry.post_id)
    assert rights.state == "granted"
    ledger = db.session.scalars(select(ConsentEvent).where(ConsentEvent.post_id == entry.post_id)).all()
    assert [e.kind for e in ledger] == ["granted"]
    uploaded = db.session.get(Post, entry.post_id)
    stored = storage_from_config(app.config).get(uploaded.media[0]["storage_key"])
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif()

    # The same person again: refused, with the reason logged.
    again = _enter(app, adult, contest.slug)
    assert again.status_code == 400
    assert "already entered" in again.text
    assert [x.reason for x in contests_entries.exclusions(db.session, contest.id)] == ["duplicate_person"]

    # Not shown before moderation approves it; then shown, credited, escaped.
    page = client_as(app, adult).get(f"/contests/{contest.slug}")
    assert "City lights" not in page.text
    assert client_as(app, adult).get(uploaded.media[0]["url"]).status_code == 404
    uploaded.moderation_status = "approved"
    db.session.commit()
    page = client_as(app, adult).get(f"/contests/{contest.slug}").text
    assert "City lights" in page
    assert "@&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page
    assert client_as(app, adult).get(uploaded.media[0]["url"]).status_code == 200


def test_upload_refusals_keep_nothing_and_say_why(app: Any, workspace: Any) -> None:
    contest = _live(workspace)
    young = customer("young", birth_date=date.today() - timedelta(days=365 * 15), country="FR")
    abroad = customer("abroad", birth_date=date(1980, 1, 1), country="US")
    adult = customer("adult2", birth_date=date(1980, 1, 1), country="FR")
    assert "below the minimum age" in _enter(app, young, contest.slug).text
    assert "country not eligible" in _enter(app, abroad, contest.slug).text
    assert "Accept the current official rules" in _enter(app, adult, contest.slug, accept="").text
    assert "Accept the current official rules" in _enter(app, adult, contest.slug, rules_version="7").text
    assert "not a picture" in _enter(app, adult, contest.slug, picture=(io.BytesIO(b"GIF89a nope"), "x.gif")).text
    assert "a required field is missing" in _enter(app, adult, contest.slug, field_model="a Pixel").text
    assert db.session.scalars(select(ContestEntry)).all() == []
    assert db.session.scalars(select(Post).where(Post.platform == "upload")).all() == []
    reasons = sorted(x.reason for x in contests_entries.exclusions(db.session, contest.id))
    assert reasons == ["country_not_eligible", "underage"]
    anonymous = app.test_client().get(f"/contests/{contest.slug}/enter")
    assert anonymous.status_code == 302 and "/ideas/signin" in anonymous.headers["Location"]


def test_public_page_shows_gated_entries_and_the_verifiable_result(app: Any, workspace: Any) -> None:
    from tests.contests.db_support import NOW

    contest = nightmode(workspace.id, winners=1, alternates=1)
    granted = post(workspace.id, 1, f"<script>alert('x')</script> {BOTH} iPhone 11")
    waiting = post(workspace.id, 2, f"Not asked yet {BOTH} iPhone 12")
    other = post(workspace.id, 3, f"Third {BOTH} iPhone 13")
    contests_entries.scan_posts(db.session, contest_id=contest.id, now=NOW)
    # The views use the real clock: grant before it.
    now = datetime.now(UTC)
    grant(granted.id, at=now - timedelta(hours=1))
    grant(other.id, at=now - timedelta(hours=1))
    client = app.test_client()
    page = client.get(f"/contests/{contest.slug}").text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "@night1" in page and "@night3" in page
    assert "Not asked yet" not in page and "@night2" not in page
    assert "No purchase necessary" in page

    draws.freeze_draw(db.session, contest_id=contest.id, actor=ADMIN, now=now)
    draw = draws.run_draw(db.session, contest_id=contest.id, actor=ADMIN, now=now)
    page = client.get(f"/contests/{contest.slug}").text
    assert draw.freeze_anchor in page
    certificate = client.get(f"/contests/{contest.slug}/certificate.json")
    assert certificate.status_code == 200
    assert verify_certificate(json.loads(certificate.data), anchors=[draw.freeze_anchor]).ok
    assert "night1" not in certificate.text and "night3" not in certificate.text
    assert waiting.id  # never granted, so never drawn
    assert client.get("/contests/nightmode/receipt/whatever.json").status_code == 404
    # French.
    french = client.get(f"/contests/{contest.slug}", headers={"Accept-Language": "fr"})
    assert french.status_code == 200


def test_staff_buttons_close_freeze_and_draw(app: Any, auth: Any, workspace: Any) -> None:
    contest = nightmode(workspace.id, winners=1, alternates=0)
    now = datetime.now(UTC)
    entries = [post(workspace.id, n, f"Night {n} {BOTH} iPhone 1{n}") for n in (1, 2)]
    auth.as_role("moderator")
    client = auth.client
    detail = f"/staff/contests/{contest.id}"
    post_form(client, detail, f"{detail}/do/scan", {})
    for p in entries:
        grant(p.id, at=now - timedelta(hours=1))
    for action in ("close", "freeze"):
        response = post_form(client, detail, f"{detail}/do/{action}", {})
        assert response.status_code == 302
    frozen = draws.draw_of(db.session, contest.id)
    assert frozen is not None and frozen.freeze_anchor in client.get(f"/contests/{contest.slug}").text
    post_form(client, detail, f"{detail}/do/draw", {})
    db.session.refresh(contest)
    assert contest.status == "drawn"
    certificate = client.get(f"/contests/{contest.slug}/certificate.json")
    verdict = verify_certificate(json.loads(certificate.data), anchors=[frozen.freeze_anchor])
    assert verdict.ok and len(verdict.winners) == 1
    assert "results published" in client.get(f"/contests/{contest.slug}").text
