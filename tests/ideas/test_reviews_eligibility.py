"""Review batches with cutoffs and public decisions; campaign minimum age and countries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.conftest import csrf_from
from tests.ideas.helpers import campaign, client_as, customer, post_form, published_idea
from ugc_hub.domain.ladder import Ladder, Milestone
from ugc_hub.models import db
from ugc_hub.models.ideas import Idea
from ugc_hub.services.audit import CLI
from ugc_hub.services.ideas import IdeaError, submit_idea
from ugc_hub.services.ideas_eligibility import DeclarationError, declare
from ugc_hub.services.ideas_reviews import ReviewError, create_batch, decide, ideas_in
from ugc_hub.services.supports import cast_support

ONE_STEP = Ladder((Milestone(1, days=30),))


def qualify(idea: Idea, at: datetime) -> None:
    result = cast_support(db.session, idea_id=idea.id, customer_id=customer().id, now=at)
    assert result.status == "counted"
    db.session.refresh(idea)
    assert idea.status == "qualified" and idea.qualified_at == at


def test_batches_cutoffs_decisions_and_carry_over(app: Flask, auth: Any, workspace: Any) -> None:
    found = campaign(workspace, ONE_STEP)
    now = datetime.now(UTC)
    first = create_batch(db.session, campaign_id=found.id, cutoff_at=now + timedelta(days=10), actor=CLI)
    early, late = (published_idea(found, customer(), title=t) for t in ("Early", "Late"))
    qualify(early, now + timedelta(days=1))
    qualify(late, now + timedelta(days=11))  # after the first cutoff: waits for a batch not yet set
    assert early.review_batch_id == first.id and late.review_batch_id is None
    second = create_batch(db.session, campaign_id=found.id, cutoff_at=now + timedelta(days=40), actor=CLI)
    db.session.refresh(late)
    assert late.review_batch_id == second.id
    with pytest.raises(ReviewError):
        create_batch(db.session, campaign_id=found.id, cutoff_at=now + timedelta(days=40), actor=CLI)

    auth.as_role("admin")
    overview = auth.client.get("/staff/ideas/reviews").text
    assert f"/staff/ideas/reviews/{first.id}" in overview and f"/staff/ideas/reviews/{second.id}" in overview
    page = auth.client.get(f"/staff/ideas/reviews/{first.id}")
    assert "Early" in page.text and "Late" not in page.text
    no_message = auth.client.post(
        f"/staff/ideas/reviews/{first.id}/{early.id}",
        data={"outcome": "carried_over", "message": "", "csrf_token": csrf_from(page.text)},
        follow_redirects=True,
    )
    assert "A public message is needed." in no_message.text
    auth.client.post(
        f"/staff/ideas/reviews/{first.id}/{early.id}",
        data={"outcome": "carried_over", "message": "Needs a closer look.", "csrf_token": csrf_from(page.text)},
    )
    db.session.refresh(early)
    assert (early.status, early.review_batch_id) == ("qualified", second.id)  # carried over to the next batch
    assert {i.title for i in ideas_in(db.session, second.id)} == {"Early", "Late"}
    decide(db.session, idea_id=early.id, batch_id=second.id, outcome="approved", message="Coming 2027!", actor=CLI)
    decide(db.session, idea_id=late.id, batch_id=second.id, outcome="not_approved", message="Too close.", actor=CLI)
    with pytest.raises(ReviewError):  # one decision per idea and batch
        decide(db.session, idea_id=late.id, batch_id=second.id, outcome="approved", message="x", actor=CLI)
    db.session.refresh(early)
    assert early.status == "approved"
    public = app.test_client().get(f"/ideas/i/{early.id}").text
    assert "Carried over to the next review" in public and "Needs a closer look." in public
    assert "Coming 2027!" in public and "Approved" in public
    listing = app.test_client().get(f"/ideas/c/{found.slug}?status=reviewed").text
    assert "Early" in listing and "Late" in listing


def test_minimum_age_and_country_are_declared_once_and_enforced(app: Flask, workspace: Any) -> None:
    found = campaign(workspace, min_age=16, countries=["fr", "BE"])
    idea = published_idea(found, customer("author"))
    today = datetime.now(UTC).date()
    teen = customer("teen")
    assert cast_support(db.session, idea_id=idea.id, customer_id=teen.id).status == "needs_declaration"
    client = client_as(app, teen)
    page = client.get(f"/ideas/i/{idea.id}")
    redirect = client.post(f"/ideas/i/{idea.id}/support", data={"csrf_token": csrf_from(page.text)})
    assert redirect.status_code == 302 and "/ideas/me/declare" in redirect.headers["Location"]
    form_url = redirect.headers["Location"]
    bad = post_form(client, form_url, form_url, {"birth_date": "2099-01-01", "country": "FR"})
    assert "Enter your real date of birth." in bad.text
    fifteen = date(today.year - 15, today.month, 1)
    done = post_form(client, form_url, form_url, {"birth_date": fifteen.isoformat(), "country": "fr"})
    assert done.status_code == 302 and done.headers["Location"] == f"/ideas/i/{idea.id}"
    db.session.refresh(teen)
    assert (teen.birth_date, teen.country) == (fifteen, "FR")
    with pytest.raises(DeclarationError):  # once only: a refused person cannot simply declare again
        declare(db.session, customer_id=teen.id, birth_date=date(1990, 1, 1), country="FR", today=today)
    refused = post_form(client, f"/ideas/i/{idea.id}", f"/ideas/i/{idea.id}/support", {}, follow_redirects=True)
    assert "This campaign is open from the age of 16." in refused.text
    assert cast_support(db.session, idea_id=idea.id, customer_id=teen.id).status == "too_young"

    abroad = customer("abroad", birth_date=date(1990, 5, 5), country="DE")
    assert cast_support(db.session, idea_id=idea.id, customer_id=abroad.id).status == "country"
    with pytest.raises(IdeaError):
        submit_idea(db.session, campaign_id=found.id, author_id=abroad.id, title="Mine", description="")
    submit_page = client_as(app, abroad).get(f"/ideas/c/{found.slug}/submit", follow_redirects=True)
    assert "not open in your country" in submit_page.text
    adult = customer("adult", birth_date=date(1990, 5, 5), country="BE")
    assert cast_support(db.session, idea_id=idea.id, customer_id=adult.id).status == "counted"
    assert db.session.scalar(select(Idea.supporters).where(Idea.id == idea.id)) == 1


def test_open_redirect_is_refused_after_the_declaration(app: Flask, workspace: Any) -> None:
    client = client_as(app, customer("someone"))
    url = "/ideas/me/declare?next=//evil.example/x"
    done = post_form(client, url, url, {"birth_date": "1990-01-01", "country": "FR"})
    assert done.headers["Location"] == "/ideas/me"
