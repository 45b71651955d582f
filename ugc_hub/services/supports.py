"""Supporting ideas: each verified person once, milestones crossed exactly once, whatever the concurrency."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, delete, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import aggregate_order_by

from ugc_hub.domain.ladder import LEGO_LADDER, Ladder, Milestone, may_withdraw, milestones_crossed, progress
from ugc_hub.models.base import DbSession, utcnow
from ugc_hub.models.ideas import Campaign, Customer, Idea, IdeaMilestone, Support
from ugc_hub.services.ideas_eligibility import ineligibility
from ugc_hub.services.ideas_integrity import (
    DEFAULT_RULES,
    RateRule,
    first_broken,
    recent_support_counts,
    rule_parameters,
)
from ugc_hub.services.ideas_reviews import batch_for


@dataclass(frozen=True)
class SupportResult:
    """``status``: counted, already, withdrawn, own_idea, not_verified, closed, latched, not_found,
    or an ineligibility (needs_declaration, too_young, country).

    A quarantined support also reports ``counted``: the client must not learn it was set aside.
    """

    status: str
    supporters: int
    crossed: list[int] = field(default_factory=list)
    #: The supporter targets of the crossed milestones (for the author's e-mail): the caller needs no further query.
    targets: list[int] = field(default_factory=list)


def ladder_of(campaign: Campaign) -> Ladder:
    return ladder_from(campaign.ladder)


def ladder_from(rungs: list[dict[str, Any]] | None) -> Ladder:
    """The ladder stored on a campaign (its JSON column), or LEGO's when it has none."""
    if not rungs:
        return LEGO_LADDER
    return Ladder(tuple(Milestone(int(m["supporters"]), int(m.get("days", 0)), int(m.get("months", 0))) for m in rungs))


def ladder_json(ladder: Ladder) -> list[dict[str, Any]]:
    return [{"supporters": m.supporters, "days": m.days, "months": m.months} for m in ladder.milestones]


def _locked_idea(session: DbSession, idea_id: int) -> Idea | None:
    # FOR UPDATE serialises supports of one idea on PostgreSQL; SQLite serialises every writer anyway.
    # populate_existing: an Idea the caller already loaded (a view checking visibility) would otherwise keep
    # its stale counter, and the increment below would lose concurrent supports.
    return session.scalar(
        select(Idea).where(Idea.id == idea_id).with_for_update().execution_options(populate_existing=True)
    )


# The statements of a support are built once and reused with new parameters: building a SQLAlchemy
# statement costs more CPU than PostgreSQL spends running it.
_IDEAS = Idea.__table__
_CAMPAIGNS = Campaign.__table__
_CUSTOMERS = Customer.__table__
_SUPPORTS = Support.__table__
_MILESTONES = IdeaMilestone.__table__
_REACHED = (
    select(_MILESTONES.c.reached_at)
    .where(_MILESTONES.c.idea_id == bindparam("idea_id"))
    .order_by(_MILESTONES.c.position)
)
_COUNT_ONE_MORE = update(_IDEAS).where(_IDEAS.c.id == bindparam("idea_id")).values(supporters=_IDEAS.c.supporters + 1)


@lru_cache(maxsize=32)
def _support_lock(rules: tuple[RateRule, ...], with_ip: bool) -> Select[Any]:
    """Lock the idea and read what deciding on a support needs, with the rate rules' counts, in one round trip.

    ``FOR UPDATE OF ideas`` serialises supports of one idea on PostgreSQL (SQLite serialises every writer
    anyway). The rules' counts are about this person and this address, not the idea: they are computed
    before the lock is granted and keep the serialised part short. The idea's milestones are read by a
    separate statement *after* the lock is granted: in READ COMMITTED, rows joined here come from the
    snapshot taken before waiting for the lock, and would miss the milestone the previous holder just
    recorded.
    """
    return (
        select(
            _IDEAS.c.status,
            _IDEAS.c.author_id,
            _IDEAS.c.published_at,
            _IDEAS.c.supporters,
            _CAMPAIGNS.c.ladder,
            _CAMPAIGNS.c.min_age,
            _CAMPAIGNS.c.countries,
            _CUSTOMERS.c.verified_at,
            _CUSTOMERS.c.birth_date,
            _CUSTOMERS.c.country,
            *recent_support_counts(rules, with_ip=with_ip),
        )
        .select_from(
            _IDEAS.join(_CAMPAIGNS, _CAMPAIGNS.c.id == _IDEAS.c.campaign_id).join(
                _CUSTOMERS, _CUSTOMERS.c.id == bindparam("customer_id")
            )
        )
        .where(_IDEAS.c.id == bindparam("idea_id"))
        .with_for_update(of=_IDEAS)
    )


# Parameter names differ from every column name: given a column's name, SQLAlchemy would add that column to the
# SET clause of the UPDATE below.
_SUPPORT_VALUES: dict[str, Any] = {
    "idea_id": bindparam("new_idea"),
    "customer_id": bindparam("new_customer"),
    "state": bindparam("new_state"),
    "reason": bindparam("new_reason"),
    "ip": bindparam("new_ip"),
    "created_at": bindparam("new_at"),
}
# INSERT … ON CONFLICT DO NOTHING RETURNING id: the unique (idea, customer) constraint answers "already".
_INSERT_SUPPORT_SQLITE = (
    sqlite.insert(_SUPPORTS)
    .values(_SUPPORT_VALUES)
    .on_conflict_do_nothing(index_elements=["idea_id", "customer_id"])
    .returning(_SUPPORTS.c.id)
)


def _insert_and_count_postgresql() -> Select[Any]:
    """One statement: insert the support, add one to the idea's counter if it was inserted as counted, and read
    the idea's reached milestones. It runs after the idea's lock is granted, so its snapshot (shared by the
    three parts) sees the milestones the previous holder of the lock recorded."""
    new = (
        postgresql.insert(_SUPPORTS)
        .values(_SUPPORT_VALUES)
        .on_conflict_do_nothing(index_elements=["idea_id", "customer_id"])
        .returning(_SUPPORTS.c.id, _SUPPORTS.c.state)
        .cte("new_support")
    )
    counted = (
        update(_IDEAS)
        .where(_IDEAS.c.id == bindparam("new_idea"), exists(select(new.c.id).where(new.c.state == "counted")))
        .values(supporters=_IDEAS.c.supporters + 1)
        .returning(_IDEAS.c.id)
        .cte("counted")
    )
    reached = (
        select(func.array_agg(aggregate_order_by(_MILESTONES.c.reached_at, _MILESTONES.c.position)))
        .where(_MILESTONES.c.idea_id == bindparam("new_idea"))
        .scalar_subquery()
    )
    return select(
        select(new.c.id).scalar_subquery().label("support_id"),
        select(func.count()).select_from(counted).scalar_subquery().label("counted"),
        reached.label("reached"),
    )


_INSERT_AND_COUNT_POSTGRESQL = _insert_and_count_postgresql()


def _insert_and_count(session: DbSession, values: dict[str, Any]) -> tuple[int | None, list[datetime]]:
    """Insert the support (None: this person already supports the idea), count it if its state is
    ``counted``, and return the idea's reached milestones; the caller holds the idea's lock."""
    if session.get_bind().dialect.name == "postgresql":
        row = session.connection().execute(_INSERT_AND_COUNT_POSTGRESQL, values).one()
        return row.support_id, list(row.reached or ())
    reached = list(session.scalars(_REACHED, {"idea_id": values["new_idea"]}))
    support_id = session.scalar(_INSERT_SUPPORT_SQLITE, values)
    if support_id is not None and values["new_state"] == "counted":
        session.execute(_COUNT_ONE_MORE, {"idea_id": values["new_idea"]})
    return support_id, reached


def _refusal(row: Any, today: date) -> str | None:
    """Why this customer may not support in this campaign (age, country), from the locked row."""
    if not row.min_age and not row.countries:
        return None
    campaign = Campaign(min_age=row.min_age, countries=row.countries)  # transient: never added to the session
    customer = Customer(birth_date=row.birth_date, country=row.country)
    return ineligibility(campaign, customer, today)


def _reached(session: DbSession, idea_id: int) -> list[datetime]:
    return list(session.scalars(_REACHED, {"idea_id": idea_id}))


def cast_support(
    session: DbSession,
    *,
    idea_id: int,
    customer_id: int,
    ip: str | None = None,
    now: datetime | None = None,
    rules: Sequence[RateRule] = DEFAULT_RULES,
) -> SupportResult:
    """Record a support and any milestone it crosses, in one transaction, then commit.

    A support over a rate rule is stored ``quarantined`` (with the rule's name) and counts for nothing.
    """
    now = now or utcnow()
    rules = tuple(rules)
    parameters = {"idea_id": idea_id, "customer_id": customer_id}
    try:
        # Core statements on the session's connection: the ORM's execution layer would cost more CPU than
        # PostgreSQL spends on them, and they return plain rows. Anything pending is flushed first, as the ORM would.
        session.flush()
        row = (
            session.connection()
            .execute(
                _support_lock(rules, ip is not None),
                parameters | rule_parameters(rules, customer_id=customer_id, ip=ip, now=now),
            )
            .first()
        )
        if row is None or row.status in ("in_moderation", "rejected"):
            session.rollback()
            return SupportResult("not_found", 0)
        if row.verified_at is None:
            session.rollback()
            return SupportResult("not_verified", row.supporters)
        if row.author_id == customer_id:
            session.rollback()
            return SupportResult("own_idea", row.supporters)
        refusal = _refusal(row, now.date())
        if refusal is not None:
            session.rollback()
            return SupportResult(refusal, row.supporters)
        if row.status != "published" or row.published_at is None:
            session.rollback()
            return SupportResult("closed", row.supporters)
        ladder = ladder_from(row.ladder)
        broken = first_broken(rules, row[len(row) - len(rules) :], ip=ip)
        state = "counted" if broken is None else "quarantined"
        values = {
            "new_idea": idea_id,
            "new_customer": customer_id,
            "new_state": state,
            "new_reason": broken,
            "new_ip": ip,
            "new_at": now,
        }
        # Inserted (and counted) before the deadline is checked: a closed idea is rare, and the rollback below
        # undoes both; on PostgreSQL a support that may stand then costs one statement after the lock, not three.
        support_id, reached = _insert_and_count(session, values)
        if progress(ladder, row.published_at, reached, now).status != "open":
            session.rollback()
            return SupportResult("closed", row.supporters)
        if support_id is None:  # the unique constraint said: this person already supports it
            session.rollback()
            return SupportResult("already", row.supporters)
        if broken is not None:
            session.commit()
            return SupportResult("counted", row.supporters)
        supporters = row.supporters + 1
        crossed = record_crossed(session, idea_id, ladder, row.published_at, reached, supporters, now)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return SupportResult("counted", supporters, crossed, [ladder.milestones[p].supporters for p in crossed])


def record_crossed(
    session: DbSession,
    idea_id: int,
    ladder: Ladder,
    published_at: datetime,
    reached: list[datetime],
    supporters: int,
    now: datetime,
) -> list[int]:
    """Record the milestones ``supporters`` crosses (the caller holds the idea's lock); qualify at the last."""
    after = milestones_crossed(ladder, published_at, reached, supporters, now)
    crossed = list(range(len(reached), len(after)))
    for position in crossed:
        session.add(
            IdeaMilestone(
                idea_id=idea_id, position=position, supporters=ladder.milestones[position].supporters, reached_at=now
            )
        )
    if crossed and len(after) == len(ladder.milestones):
        idea = session.get(Idea, idea_id, populate_existing=True)
        assert idea is not None  # locked by the caller
        idea.status = "qualified"
        idea.qualified_at = now
        idea.review_batch_id = batch_for(session, idea)
    return crossed


def withdraw_support(session: DbSession, *, idea_id: int, customer_id: int) -> SupportResult:
    """Withdraw a support unless a milestone was reached since it was given (then it is latched)."""
    try:
        idea = _locked_idea(session, idea_id)
        if idea is None:
            session.rollback()
            return SupportResult("not_found", 0)
        support = session.scalar(select(Support).where(Support.idea_id == idea_id, Support.customer_id == customer_id))
        if support is None:
            session.rollback()
            return SupportResult("not_found", idea.supporters)
        if not may_withdraw(_reached(session, idea_id), support.created_at):
            session.rollback()
            return SupportResult("latched", idea.supporters)
        session.execute(delete(Support).where(Support.id == support.id))
        if support.state == "counted":
            idea.supporters -= 1
        supporters = idea.supporters
        session.commit()
    except Exception:
        session.rollback()
        raise
    return SupportResult("withdrawn", supporters)
