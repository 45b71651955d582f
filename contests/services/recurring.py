"""Recurring draws: every month, a draw among the people who posted with the brand's hashtag.

Each month becomes an ordinary contest (``r<id>-YYYY-MM``) so it has rules, logged exclusions and a
certificate like any other. Nothing is shown publicly by such a draw, so its entries do not wait
for rights (``rights_required`` off). When a beacon is configured for recurring draws
(``DRAW_RECURRING_BEACON``, a ``DRAW_BEACONS`` name with a clock), each month names it and the freeze
names the round as for any contest (docs/draws.md §7.1); the month is then drawn once that round is out,
by the ``contests.draw_when_beacon_out`` beat task, which also tells the winners. Without one, the
certificate proves the list, the places and the ranking, but the seed is the hub's own
(docs/contests.md says so to entrants), and the month is drawn at once. Once a month is drawn its
winners are notified, through the same signed answer links and alternates as any contest
(``contests_winners``), when the caller passes a notifier (the beat task does).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from contests.entry_rules import RuleError, normalize_hashtag
from contests.models import Contest, RecurringDraw
from contests.services import contests, draws
from contests.services import winners as contests_winners
from contests.services.contests import ContestError, ContestSettings, zone
from contests.services.entries import scan_posts
from contests.services.messages import rule_message
from ugc_hub.models.base import DbSession
from ugc_hub.services import audit

DEFAULT_RULES = (
    "Monthly prize draw among the people who posted publicly with #{hashtag} during the month. "
    "No purchase necessary. One entry per person. Winners are drawn by the verifiable procedure "
    "published with the certificate."
)


@dataclass(frozen=True)
class RecurringBeacon:
    """The beacon every month names: a configured source with a clock, and the delay after the freeze."""

    name: str
    sources: draws.BeaconSources
    delay: timedelta = draws.DEFAULT_BEACON_DELAY


def recurring_beacon(config: Mapping[str, Any]) -> RecurringBeacon | None:
    """``DRAW_RECURRING_BEACON`` from the app's config; a name that is not a source with a clock is refused."""
    name = (config.get("DRAW_RECURRING_BEACON") or "").strip()
    if not name:
        return None
    sources = draws.beacon_sources(config)
    source = sources.get(name)
    if source is None or not source.timed:
        raise ContestError(
            _l(
                "DRAW_RECURRING_BEACON names %(name)s, which is not a DRAW_BEACONS source with genesis_time and period",
                name=name,
            )
        )
    return RecurringBeacon(name, sources, draws.beacon_delay(config))


@dataclass(frozen=True)
class MonthRun:
    recurring_id: int
    period: str
    contest_id: int | None
    drawn: bool
    note: str = ""
    notified: int = 0


def create_recurring(
    session: DbSession,
    *,
    workspace_id: int,
    name: str,
    hashtag: str,
    timezone: str = "UTC",
    winners: int = 1,
    alternates: int = 0,
    rules: str = "",
    actor: audit.Actor,
) -> RecurringDraw:
    zone(timezone)
    try:
        tag = normalize_hashtag(hashtag)
    except RuleError as exc:
        raise ContestError(rule_message(exc.code, exc.params)) from exc
    if not name.strip() or winners < 1 or alternates < 0:
        raise ContestError(_l("a recurring draw needs a name, at least one winner and no negative alternates"))
    recurring = RecurringDraw(
        workspace_id=workspace_id,
        name=name.strip()[:200],
        hashtag=tag,
        timezone=timezone,
        winners=winners,
        alternates=alternates,
        rules=rules.strip() or DEFAULT_RULES.format(hashtag=tag),
    )
    session.add(recurring)
    session.flush()
    audit.record(
        session, actor=actor, action="contest.recurring_create", object_type="recurring", object_id=recurring.id
    )
    session.commit()
    return recurring


def previous_month(now: datetime, timezone: str) -> tuple[str, datetime, datetime]:
    """The month before ``now`` in the brand's zone: its label and its local start and end (naive)."""
    local = now.astimezone(zone(timezone))
    end = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    start = (end - timedelta(days=1)).replace(day=1)
    return start.strftime("%Y-%m"), start, end


def run_month(
    session: DbSession,
    recurring: RecurringDraw,
    *,
    now: datetime,
    actor: audit.Actor,
    notifier: contests_winners.Notifier | None = None,
    beacon: RecurringBeacon | None = None,
) -> MonthRun:
    """Create last month's contest, collect its entries, freeze (naming ``beacon``'s round) and draw now,
    or, with a beacon, leave the draw to the beat task once the round is out; idempotent per month."""
    period, start, end = previous_month(now, recurring.timezone)
    if recurring.last_period is not None and recurring.last_period >= period:
        return MonthRun(recurring.id, period, None, False, "already drawn")
    slug = f"r{recurring.id}-{period}"
    contest = session.scalar(select(Contest).where(Contest.slug == slug))
    if contest is None:
        contest = contests.create_contest(
            session,
            workspace_id=recurring.workspace_id,
            settings=ContestSettings(
                slug=slug,
                title=f"{recurring.name} {period}",
                timezone=recurring.timezone,
                starts_local=start,
                ends_local=end,
                hashtags=(recurring.hashtag,),
                winners=recurring.winners,
                alternates=recurring.alternates,
                uploads_allowed=False,
                beacon_source=beacon.name if beacon else None,
            ),
            actor=actor,
        )
        contest.recurring_id, contest.rights_required = recurring.id, False
        contests.publish_rules(session, contest_id=contest.id, body=recurring.rules, actor=actor, now=now)
    if contest.status == "draft":
        # The month is over: the contest opens and closes at once, then its entries are collected.
        contest.status, contest.opened_at, contest.closed_at = "closed", now, now
        session.commit()
    scan_posts(session, contest_id=contest.id, now=now)
    drawn, note = False, ""
    sources = beacon.sources if beacon else {}
    if draws.draw_of(session, contest.id) is None:
        try:
            draws.freeze_draw(
                session,
                contest_id=contest.id,
                actor=actor,
                now=now,
                sources=sources,
                delay=beacon.delay if beacon else draws.DEFAULT_BEACON_DELAY,
            )
        except ContestError as exc:
            note = str(exc)
    draw = draws.draw_of(session, contest.id)
    if contest.status == "frozen" and draw is not None:
        if draw.beacon_due_at is not None and now < draw.beacon_due_at:
            note = f"waiting for beacon round {contest.beacon_round} ({draw.beacon_due_at.isoformat()})"
        else:
            try:
                draws.run_draw(session, contest_id=contest.id, actor=actor, now=now, sources=sources)
            except ContestError as exc:
                session.rollback()
                note = str(exc)
    drawn = contest.status == "drawn"
    recurring.last_period = period
    session.commit()
    told = []
    if drawn and notifier is not None:
        told = contests_winners.notify_winners(session, contest_id=contest.id, notifier=notifier, actor=actor, now=now)
    return MonthRun(recurring.id, period, contest.id, drawn, note, len(told))


def run_due(
    session: DbSession,
    *,
    now: datetime,
    actor: audit.Actor = audit.SYSTEM,
    notifier: contests_winners.Notifier | None = None,
    beacon: RecurringBeacon | None = None,
) -> list[MonthRun]:
    """Run every active recurring draw whose last month has not been drawn yet, and notify its winners."""
    runs = []
    for recurring in session.scalars(
        select(RecurringDraw).where(RecurringDraw.active.is_(True)).order_by(RecurringDraw.id)
    ).all():
        runs.append(run_month(session, recurring, now=now, actor=actor, notifier=notifier, beacon=beacon))
    return runs
