"""Contests: create, edit while a draft, version the official rules, open and close.

Settings are frozen once a contest opens; the rules change only by a new dated version (old
versions stay, so what each entrant accepted is kept). Public names: ``ContestSettings``,
``create_contest``, ``update_contest``, ``publish_rules``, ``current_rules``, ``open_contest``,
``close_contest``, ``local_time``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from contests.entry_rules import RuleError, field_rules, normalize_hashtag
from contests.models import SELECTIONS, Contest, ContestRules
from contests.services.messages import rule_message
from ugc_hub.models.base import DbSession
from ugc_hub.services import audit

SLUG_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
MAX_PLACES = 1000
MAX_RULES = 100_000


class ContestError(ValueError):
    """A contest action refused; the message is for the manager."""


@dataclass(frozen=True)
class ContestSettings:
    """What a manager sets; start and end are wall-clock times in ``timezone``."""

    slug: str
    title: str
    timezone: str
    starts_local: datetime
    ends_local: datetime
    hashtags: tuple[str, ...] = ()
    fields: tuple[dict[str, str], ...] = ()
    min_age: int | None = None
    countries: tuple[str, ...] = ()
    exclude_staff: bool = True
    entries_per_person: int = 1
    prizes: str = ""
    winners: int = 1
    alternates: int = 0
    uploads_allowed: bool = True
    beacon_source: str | None = None
    beacon_round: int | None = None
    selection: str = "draw"
    jury_weight: int = 50
    answer_days: int = 7
    hide_totals_hours: int | None = None
    #: The language winners are written to when theirs is unknown ("en", "fr"); None: the brand's first.
    language: str | None = None


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ContestError(_l("unknown time zone: %(name)s", name=repr(name))) from exc


def to_utc(local: datetime, timezone: str) -> datetime:
    """A wall-clock time in the brand's zone → UTC (an aware input keeps its own offset)."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=zone(timezone))
    return local.astimezone(UTC)


def local_time(contest: Contest, at: datetime) -> datetime:
    return at.astimezone(zone(contest.timezone))


def _checked(settings: ContestSettings) -> dict[str, object]:
    if not SLUG_RE.fullmatch(settings.slug):
        raise ContestError(_l("the address is lower-case letters, digits and dashes"))
    if not settings.title.strip():
        raise ContestError(_l("a contest needs a title"))
    starts, ends = to_utc(settings.starts_local, settings.timezone), to_utc(settings.ends_local, settings.timezone)
    if ends <= starts:
        raise ContestError(_l("the end must come after the start"))
    if not 1 <= settings.winners <= MAX_PLACES or not 0 <= settings.alternates <= MAX_PLACES:
        raise ContestError(_l("winners are 1 to %(n)s, alternates 0 to %(n)s", n=MAX_PLACES))
    if settings.entries_per_person < 1:
        raise ContestError(_l("at least one entry per person"))
    if settings.min_age is not None and not 0 <= settings.min_age <= 120:
        raise ContestError(_l("the minimum age is between 0 and 120"))
    if settings.beacon_source is None and settings.beacon_round is not None:
        raise ContestError(_l("a beacon round needs its source"))
    if settings.beacon_source is not None and not re.fullmatch(r"[\x20-\x7e]{1,200}", settings.beacon_source):
        raise ContestError(_l("the beacon source is 1 to 200 printable ASCII characters"))
    if settings.beacon_round is not None and settings.beacon_round < 0:
        raise ContestError(_l("the beacon round is a number from 0"))
    if settings.selection not in SELECTIONS:
        raise ContestError(_l("winners are chosen by one of: %(choices)s", choices=", ".join(SELECTIONS)))
    if not 0 <= settings.jury_weight <= 100:
        raise ContestError(_l("the jury's weight is a percentage"))
    if not 1 <= settings.answer_days <= 90:
        raise ContestError(_l("winners have 1 to 90 days to answer"))
    if settings.hide_totals_hours is not None and not 1 <= settings.hide_totals_hours <= 720:
        raise ContestError(_l("totals are hidden for 1 to 720 hours before voting closes"))
    if settings.language is not None and not re.fullmatch(r"[a-z]{2}", settings.language):
        raise ContestError(_l("the contest's language is a two-letter code (en, fr)"))
    try:
        hashtags = list(dict.fromkeys(normalize_hashtag(tag) for tag in settings.hashtags))
        fields = [vars(rule) for rule in field_rules(settings.fields)]
    except RuleError as exc:
        raise ContestError(rule_message(exc.code, exc.params)) from exc
    countries = sorted({c.strip().upper() for c in settings.countries if c.strip()})
    if any(not re.fullmatch(r"[A-Z]{2}", c) for c in countries):
        raise ContestError(_l("countries are two-letter codes (FR, US, …)"))
    return {
        "slug": settings.slug,
        "title": settings.title.strip()[:200],
        "timezone": settings.timezone,
        "starts_at": starts,
        "ends_at": ends,
        "hashtags": hashtags,
        "fields": fields,
        "min_age": settings.min_age,
        "countries": countries,
        "exclude_staff": settings.exclude_staff,
        "entries_per_person": settings.entries_per_person,
        "prizes": settings.prizes.strip()[:5000],
        "winners": settings.winners,
        "alternates": settings.alternates,
        "uploads_allowed": settings.uploads_allowed,
        "beacon_source": settings.beacon_source,
        "beacon_round": settings.beacon_round,
        "selection": settings.selection,
        "jury_weight": settings.jury_weight,
        "answer_days": settings.answer_days,
        "hide_totals_hours": settings.hide_totals_hours,
        "language": settings.language,
    }


def create_contest(session: DbSession, *, workspace_id: int, settings: ContestSettings, actor: audit.Actor) -> Contest:
    values = _checked(settings)
    if session.scalar(select(Contest.id).where(Contest.slug == settings.slug)) is not None:
        raise ContestError(_l("another contest already uses this address"))
    contest = Contest(workspace_id=workspace_id, status="draft", **values)
    session.add(contest)
    session.flush()
    audit.record(session, actor=actor, action="contest.create", object_type="contest", object_id=contest.id)
    session.commit()
    return contest


def update_contest(session: DbSession, *, contest_id: int, settings: ContestSettings, actor: audit.Actor) -> Contest:
    """Change a draft; an opened contest's settings are frozen."""
    contest = get_contest(session, contest_id)
    if contest.status != "draft":
        raise ContestError(_l("the contest is open: its settings are frozen"))
    values = _checked(settings)
    clash = session.scalar(select(Contest.id).where(Contest.slug == settings.slug, Contest.id != contest.id))
    if clash is not None:
        raise ContestError(_l("another contest already uses this address"))
    for name, value in values.items():
        setattr(contest, name, value)
    audit.record(session, actor=actor, action="contest.update", object_type="contest", object_id=contest.id)
    session.commit()
    return contest


def get_contest(session: DbSession, contest_id: int) -> Contest:
    contest = session.get(Contest, contest_id)
    if contest is None:
        raise ContestError(_l("no contest %(id)s", id=contest_id))
    return contest


def rules_hash(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


def publish_rules(session: DbSession, *, contest_id: int, body: str, actor: audit.Actor, now: datetime) -> ContestRules:
    """Add a rules version; earlier versions are never changed."""
    contest = get_contest(session, contest_id)
    if not body.strip():
        raise ContestError(_l("the rules cannot be empty"))
    if len(body) > MAX_RULES:
        raise ContestError(_l("the rules are longer than %(n)s characters", n=MAX_RULES))
    if contest.status in ("frozen", "drawn"):
        raise ContestError(_l("the entries are frozen: the rules can no longer change"))
    last = session.scalar(select(func.max(ContestRules.version)).where(ContestRules.contest_id == contest.id))
    rules = ContestRules(
        contest_id=contest.id,
        version=(last or 0) + 1,
        body=body,
        body_hash=rules_hash(body),
        created_at=now,
        created_by=actor.label[:255],
    )
    session.add(rules)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="contest.rules",
        object_type="contest",
        object_id=contest.id,
        after={"version": rules.version, "body_hash": rules.body_hash},
    )
    session.commit()
    return rules


def current_rules(session: DbSession, contest_id: int) -> ContestRules | None:
    return session.scalar(
        select(ContestRules).where(ContestRules.contest_id == contest_id).order_by(ContestRules.version.desc()).limit(1)
    )


def rules_history(session: DbSession, contest_id: int) -> list[ContestRules]:
    return list(
        session.scalars(
            select(ContestRules).where(ContestRules.contest_id == contest_id).order_by(ContestRules.version.desc())
        )
    )


def open_contest(session: DbSession, *, contest_id: int, actor: audit.Actor, now: datetime) -> Contest:
    """Open a draft: it needs official rules and a way to enter; from now on its settings are frozen."""
    contest = get_contest(session, contest_id)
    if contest.status != "draft":
        raise ContestError(_l("only a draft can be opened"))
    if current_rules(session, contest.id) is None:
        raise ContestError(_l("publish the official rules first"))
    if not contest.hashtags and not contest.uploads_allowed:
        raise ContestError(_l("entrants need a way in: required hashtags or the upload form"))
    if contest.ends_at <= now:
        raise ContestError(_l("the contest has already ended"))
    contest.status, contest.opened_at = "open", now
    audit.record(session, actor=actor, action="contest.open", object_type="contest", object_id=contest.id)
    session.commit()
    return contest


def close_contest(session: DbSession, *, contest_id: int, actor: audit.Actor, now: datetime) -> Contest:
    contest = get_contest(session, contest_id)
    if contest.status != "open":
        raise ContestError(_l("only an open contest can be closed"))
    contest.status, contest.closed_at = "closed", now
    audit.record(session, actor=actor, action="contest.close", object_type="contest", object_id=contest.id)
    session.commit()
    return contest


def accepting_entries(contest: Contest, now: datetime) -> bool:
    return contest.status == "open" and contest.starts_at <= now < contest.ends_at
