"""Surveys on SQLite and PostgreSQL: signed personal links, one answer each, comments editable until closed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from ugc_hub.models import AuditEvent, NpsResponse, db
from ugc_hub.models.base import utcnow
from ugc_hub.services import nps as service
from ugc_hub.services.audit import CLI

SECRET = "a secret key for the tests"


def make_survey(workspace: Any) -> Any:
    return service.create_survey(
        db.session, workspace_id=workspace.id, title="Autumn NPS", question="Would you recommend Lumen?", actor=CLI
    )


def test_personal_links_take_one_answer_and_an_editable_comment_until_closed(app: Flask, workspace: Any) -> None:
    survey = make_survey(workspace)
    links = service.invite(
        db.session, survey_id=survey.id, respondents=["ana@example.com", " ", "bo@example.com", "ana@example.com"],
        secret=SECRET, actor=CLI,
    )  # fmt: skip
    assert [link.respondent for link in links] == ["ana@example.com", "bo@example.com"]
    again = service.invite(db.session, survey_id=survey.id, respondents=["ana@example.com"], secret=SECRET, actor=CLI)
    assert again[0].token == links[0].token  # the same customer keeps the same link
    ana = links[0].token

    answer = service.answer_link(db.session, token=ana, secret=SECRET, score=3, comment="La livraison était en retard")
    assert (answer.score, answer.channel, answer.respondent, answer.language) == (3, "link", "ana@example.com", "fr")
    with pytest.raises(service.AlreadyAnswered):
        service.answer_link(db.session, token=ana, secret=SECRET, score=10, comment="")
    edited = service.edit_comment(db.session, token=ana, secret=SECRET, comment="Delivery was late, twice")
    assert (edited.score, edited.comment, edited.language) == (3, "Delivery was late, twice", "en")
    assert service.invite(db.session, survey_id=survey.id, respondents=["ana@example.com"], secret=SECRET, actor=CLI)[
        0
    ].answered

    service.close_survey(db.session, survey_id=survey.id, actor=CLI)
    with pytest.raises(service.SurveyClosed):
        service.edit_comment(db.session, token=ana, secret=SECRET, comment="changed my mind")
    with pytest.raises(service.SurveyClosed):
        service.answer_link(db.session, token=links[1].token, secret=SECRET, score=9, comment="")
    with pytest.raises(service.SurveyClosed):
        service.invite(db.session, survey_id=survey.id, respondents=["cy@example.com"], secret=SECRET, actor=CLI)
    assert db.session.scalar(select(func.count()).select_from(NpsResponse)) == 1
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"nps.survey_create", "nps.invite", "nps.survey_close"} <= actions


def test_forged_or_foreign_tokens_open_nothing(app: Flask, workspace: Any) -> None:
    survey = make_survey(workspace)
    [link] = service.invite(db.session, survey_id=survey.id, respondents=["ana@example.com"], secret=SECRET, actor=CLI)
    assert service.link_state(db.session, token=link.token, secret=SECRET) is not None
    forged = service.invitation_token("another key", 1)
    for token in (forged, link.token[:-2] + "xx", "", "1", link.token + "."):
        assert service.link_state(db.session, token=token, secret=SECRET) is None
    assert service.link_state(db.session, token=link.token, secret="another key") is None
    with pytest.raises(LookupError):
        service.answer_link(db.session, token=forged, secret=SECRET, score=5, comment="")


def test_embedded_answers_are_anonymous_and_stop_when_closed(app: Flask, workspace: Any) -> None:
    survey = make_survey(workspace)
    for score in (10, 9, 2):
        service.answer_embed(db.session, slug=survey.slug, score=score, comment="")
    with pytest.raises(ValueError):
        service.answer_embed(db.session, slug=survey.slug, score=11, comment="")
    with pytest.raises(service.SurveyError, match="longer than"):
        service.answer_embed(db.session, slug=survey.slug, score=5, comment="x" * 5001)
    with pytest.raises(LookupError):
        service.answer_embed(db.session, slug="unknown", score=5, comment="")
    service.close_survey(db.session, survey_id=survey.id, actor=CLI)
    with pytest.raises(service.SurveyClosed):
        service.answer_embed(db.session, slug=survey.slug, score=5, comment="")
    overview = service.nps_overview(db.session, workspace_id=workspace.id, period="week", last=utcnow().date())
    assert overview.overall is not None and overview.overall.responses == 3
    assert overview.overall.nps == pytest.approx(100 * (2 - 1) / 3)


def test_overview_by_month_counts_only_the_window_and_the_survey(app: Flask, workspace: Any) -> None:
    survey = make_survey(workspace)
    other = make_survey(workspace)
    rows = [
        (survey.id, datetime(2026, 9, 10, tzinfo=UTC), 10),
        (survey.id, datetime(2026, 10, 10, tzinfo=UTC), 0),
        (survey.id, datetime(2026, 10, 31, 23, 59, tzinfo=UTC), 9),
        (other.id, datetime(2026, 10, 15, tzinfo=UTC), 0),
        (survey.id, datetime(2026, 12, 1, tzinfo=UTC), 0),  # after the window
    ]
    db.session.add_all(
        NpsResponse(workspace_id=workspace.id, survey_id=s, channel="embed", score=score, responded_at=at, comment="")
        for s, at, score in rows
    )
    db.session.commit()
    overview = service.nps_overview(
        db.session, workspace_id=workspace.id, period="month", last=date(2026, 11, 30), periods=3, survey_id=survey.id
    )
    assert [p.start for p in overview.trend] == [date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)]
    assert [p.summary.responses if p.summary else 0 for p in overview.trend] == [1, 2, 0]
    assert overview.overall is not None and overview.overall.nps == pytest.approx(100 / 3)
    everything = service.nps_overview(
        db.session, workspace_id=workspace.id, period="month", last=date(2026, 11, 30), periods=3
    )
    assert everything.overall is not None and everything.overall.responses == 4
