"""NPS surveys: create and close them, invite customers with signed links, take answers, and report the score."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from sentiment import detect_languages
from ugc_hub.domain import nps as rules
from ugc_hub.models import NpsInvitation, NpsResponse, NpsSurvey
from ugc_hub.models.base import DbSession, utcnow
from ugc_hub.services import audit

TOKEN_SALT = "nps-invitation"  # noqa: S105 - a namespace for signatures, not a secret
MAX_INVITATIONS = 1000


class SurveyError(ValueError):
    """Something a respondent or a staff member asked that cannot be done; the message says why."""


class SurveyClosed(SurveyError):
    pass


class AlreadyAnswered(SurveyError):
    pass


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=TOKEN_SALT)


def invitation_token(secret: str, invitation_id: int) -> str:
    """The signed token of a personal link; the same invitation always gets the same token."""
    return str(_serializer(secret).dumps(invitation_id))


def invitation_id_from(secret: str, token: str) -> int | None:
    """The invitation a token was signed for, or None when it was not signed with ``secret``."""
    try:
        value = _serializer(secret).loads(token)
    except BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def language_of(text: str) -> str | None:
    """The comment's language, for friction keywords; None for empty or unclear text."""
    return detect_languages([text])[0] if text.strip() else None


def create_survey(session: DbSession, *, workspace_id: int, title: str, question: str, actor: audit.Actor) -> NpsSurvey:
    title, question = title.strip(), question.strip()
    if not title or not question:
        raise SurveyError("a survey needs a title and a question")
    survey = NpsSurvey(
        workspace_id=workspace_id, slug=secrets.token_urlsafe(12), title=title[:200], question=question[:500]
    )
    session.add(survey)
    session.flush()
    audit.record(
        session, actor=actor, action="nps.survey_create", object_type="nps_survey", object_id=survey.id,
        after={"title": survey.title},
    )  # fmt: skip
    session.commit()
    return survey


def close_survey(session: DbSession, *, survey_id: int, actor: audit.Actor) -> NpsSurvey:
    """Stop taking answers and comment edits (idempotent)."""
    survey = session.get(NpsSurvey, survey_id)
    if survey is None:
        raise LookupError("no such survey")
    if survey.closed_at is None:
        survey.closed_at = utcnow()
        audit.record(session, actor=actor, action="nps.survey_close", object_type="nps_survey", object_id=survey.id)
        session.commit()
    return survey


@dataclass(frozen=True)
class Invitation:
    respondent: str
    token: str
    answered: bool


def invite(
    session: DbSession, *, survey_id: int, respondents: Sequence[str], secret: str, actor: audit.Actor
) -> list[Invitation]:
    """Give each respondent (e-mail or customer id) a personal link; asking again returns the same link."""
    wanted = list(dict.fromkeys(r.strip()[:320] for r in respondents if r.strip()))
    if not wanted:
        raise SurveyError("give at least one e-mail address or customer id")
    if len(wanted) > MAX_INVITATIONS:
        raise SurveyError(f"at most {MAX_INVITATIONS} invitations at once")
    survey = session.get(NpsSurvey, survey_id)
    if survey is None:
        raise LookupError("no such survey")
    if survey.closed_at is not None:
        raise SurveyClosed("this survey is closed")
    known = {
        row.respondent: row
        for row in session.scalars(
            select(NpsInvitation).where(NpsInvitation.survey_id == survey_id, NpsInvitation.respondent.in_(wanted))
        )
    }
    created = [NpsInvitation(survey_id=survey_id, respondent=r) for r in wanted if r not in known]
    session.add_all(created)
    session.flush()
    known.update({row.respondent: row for row in created})
    answered = set(
        session.scalars(
            select(NpsResponse.invitation_id).where(NpsResponse.invitation_id.in_([row.id for row in known.values()]))
        )
    )
    if created:
        audit.record(
            session, actor=actor, action="nps.invite", object_type="nps_survey", object_id=survey_id,
            after={"invitations": len(created)},
        )  # fmt: skip
    session.commit()
    return [Invitation(r, invitation_token(secret, known[r].id), known[r].id in answered) for r in wanted]


@dataclass(frozen=True)
class LinkState:
    """What a personal link shows: the survey, and the answer when there is one."""

    survey: NpsSurvey
    invitation: NpsInvitation
    response: NpsResponse | None

    @property
    def open(self) -> bool:
        return self.survey.closed_at is None


def link_state(session: DbSession, *, token: str, secret: str) -> LinkState | None:
    """The invitation behind a personal link, or None for a forged or unknown token."""
    invitation_id = invitation_id_from(secret, token)
    invitation = session.get(NpsInvitation, invitation_id) if invitation_id is not None else None
    if invitation is None:
        return None
    survey = session.get(NpsSurvey, invitation.survey_id)
    assert survey is not None  # the foreign key cascades
    response = session.scalar(select(NpsResponse).where(NpsResponse.invitation_id == invitation.id))
    return LinkState(survey, invitation, response)


def _clean_comment(comment: str) -> str:
    comment = comment.strip()
    if len(comment) > rules.MAX_COMMENT:
        raise SurveyError(f"the comment is longer than {rules.MAX_COMMENT} characters")
    return comment


def _check_score(score: int) -> int:
    rules.category(score)  # raises ValueError out of 0–10
    return score


def answer_link(session: DbSession, *, token: str, secret: str, score: int, comment: str) -> NpsResponse:
    """Store the one answer of a personal link."""
    state = link_state(session, token=token, secret=secret)
    if state is None:
        raise LookupError("unknown link")
    if not state.open:
        raise SurveyClosed("this survey is closed")
    if state.response is not None:
        raise AlreadyAnswered("this link has already been answered")
    comment = _clean_comment(comment)
    response = NpsResponse(
        workspace_id=state.survey.workspace_id,
        survey_id=state.survey.id,
        invitation_id=state.invitation.id,
        channel="link",
        score=_check_score(score),
        comment=comment,
        language=language_of(comment),
        respondent=state.invitation.respondent,
    )
    session.add(response)
    try:
        session.commit()
    except IntegrityError:
        # A double click answered in another request first: the unique invitation_id kept one answer.
        session.rollback()
        raise AlreadyAnswered("this link has already been answered") from None
    return response


def edit_comment(session: DbSession, *, token: str, secret: str, comment: str) -> NpsResponse:
    """Change the comment of an answered link while the survey is open (the score stays)."""
    state = link_state(session, token=token, secret=secret)
    if state is None or state.response is None:
        raise LookupError("nothing to edit")
    if not state.open:
        raise SurveyClosed("this survey is closed")
    state.response.comment = _clean_comment(comment)
    state.response.language = language_of(state.response.comment)
    state.response.updated_at = utcnow()
    session.commit()
    return state.response


def open_survey_by_slug(session: DbSession, slug: str) -> NpsSurvey | None:
    return session.scalar(select(NpsSurvey).where(NpsSurvey.slug == slug))


def answer_embed(session: DbSession, *, slug: str, score: int, comment: str) -> NpsResponse:
    """Store an anonymous answer from the embeddable question."""
    survey = open_survey_by_slug(session, slug)
    if survey is None:
        raise LookupError("no such survey")
    if survey.closed_at is not None:
        raise SurveyClosed("this survey is closed")
    comment = _clean_comment(comment)
    response = NpsResponse(
        workspace_id=survey.workspace_id,
        survey_id=survey.id,
        channel="embed",
        score=_check_score(score),
        comment=comment,
        language=language_of(comment),
    )
    session.add(response)
    session.commit()
    return response


@dataclass(frozen=True)
class NpsOverview:
    period: str
    overall: rules.NpsSummary | None
    trend: tuple[rules.PeriodNps, ...]


def nps_overview(
    session: DbSession, *, workspace_id: int, period: str, last: date, periods: int = 12, survey_id: int | None = None
) -> NpsOverview:
    """NPS over the ``periods`` weeks or months ending with ``last``'s, overall and per period."""
    if period not in rules.PERIODS:
        raise ValueError(f"period is one of {', '.join(rules.PERIODS)}")
    first = rules.period_start(last, period)
    for _ in range(periods - 1):
        first = rules.period_start(first - timedelta(days=1), period)
    start = datetime.combine(first, time.min, UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, UTC)
    where = [
        NpsResponse.workspace_id == workspace_id,
        NpsResponse.responded_at >= start,
        NpsResponse.responded_at < end,
    ]
    if survey_id is not None:
        where.append(NpsResponse.survey_id == survey_id)
    answers = [
        (at, score) for at, score in session.execute(select(NpsResponse.responded_at, NpsResponse.score).where(*where))
    ]
    return NpsOverview(
        period=period,
        overall=rules.summarise_scores(score for _, score in answers),
        trend=rules.trend(answers, period=period, first=first, last=last),
    )


def recent_comments(session: DbSession, *, workspace_id: int, limit: int = 20) -> Sequence[NpsResponse]:
    return session.scalars(
        select(NpsResponse)
        .where(NpsResponse.workspace_id == workspace_id, NpsResponse.comment != "")
        .order_by(NpsResponse.responded_at.desc(), NpsResponse.id.desc())
        .limit(limit)
    ).all()


def survey_counts(session: DbSession, *, workspace_id: int) -> dict[int, int]:
    """Answers per survey."""
    rows = session.execute(
        select(NpsResponse.survey_id, func.count())
        .where(NpsResponse.workspace_id == workspace_id, NpsResponse.survey_id.is_not(None))
        .group_by(NpsResponse.survey_id)
    )
    return {survey_id: count for survey_id, count in rows if survey_id is not None}
