"""Supporting ideas: each verified person once, milestones crossed exactly once, whatever the concurrency."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from ugc_hub.domain.ladder import LEGO_LADDER, Ladder, Milestone, may_withdraw, milestones_crossed, progress
from ugc_hub.models.base import DbSession, utcnow
from ugc_hub.models.ideas import Campaign, Customer, Idea, IdeaMilestone, Support


@dataclass(frozen=True)
class SupportResult:
    """``status``: counted, already, withdrawn, own_idea, not_verified, closed, latched, not_found."""

    status: str
    supporters: int
    crossed: list[int] = field(default_factory=list)


def ladder_of(campaign: Campaign) -> Ladder:
    if not campaign.ladder:
        return LEGO_LADDER
    return Ladder(
        tuple(Milestone(int(m["supporters"]), int(m.get("days", 0)), int(m.get("months", 0))) for m in campaign.ladder)
    )


def ladder_json(ladder: Ladder) -> list[dict[str, Any]]:
    return [{"supporters": m.supporters, "days": m.days, "months": m.months} for m in ladder.milestones]


def _locked_idea(session: DbSession, idea_id: int) -> Idea | None:
    # FOR UPDATE serialises supports of one idea on PostgreSQL; SQLite serialises every writer anyway.
    # populate_existing: an Idea the caller already loaded (a view checking visibility) would otherwise keep
    # its stale counter, and the increment below would lose concurrent supports.
    return session.scalar(
        select(Idea).where(Idea.id == idea_id).with_for_update().execution_options(populate_existing=True)
    )


def _reached(session: DbSession, idea_id: int) -> list[datetime]:
    rows = session.scalars(
        select(IdeaMilestone.reached_at).where(IdeaMilestone.idea_id == idea_id).order_by(IdeaMilestone.position)
    )
    return list(rows)


def cast_support(
    session: DbSession, *, idea_id: int, customer_id: int, ip: str | None = None, now: datetime | None = None
) -> SupportResult:
    """Record a support and any milestone it crosses, in one transaction, then commit."""
    now = now or utcnow()
    try:
        idea = _locked_idea(session, idea_id)
        customer = session.get(Customer, customer_id)
        if idea is None or customer is None:
            session.rollback()
            return SupportResult("not_found", 0)
        if customer.verified_at is None:
            session.rollback()
            return SupportResult("not_verified", idea.supporters)
        if idea.author_id == customer_id:
            session.rollback()
            return SupportResult("own_idea", idea.supporters)
        campaign = session.get(Campaign, idea.campaign_id)
        ladder = ladder_of(campaign) if campaign is not None else LEGO_LADDER
        reached = _reached(session, idea.id)
        if idea.status != "published" or idea.published_at is None:
            session.rollback()
            return SupportResult("closed", idea.supporters)
        if progress(ladder, idea.published_at, reached, now).status != "open":
            session.rollback()
            return SupportResult("closed", idea.supporters)
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        support_id = session.scalar(
            insert(Support)
            .values(idea_id=idea.id, customer_id=customer_id, state="counted", ip=ip, created_at=now)
            .on_conflict_do_nothing(index_elements=["idea_id", "customer_id"])
            .returning(Support.id)
        )
        if support_id is None:  # the unique constraint said: this person already supports it
            session.rollback()
            return SupportResult("already", idea.supporters)
        idea.supporters += 1
        after = milestones_crossed(ladder, idea.published_at, reached, idea.supporters, now)
        crossed = list(range(len(reached), len(after)))
        for position in crossed:
            session.add(
                IdeaMilestone(
                    idea_id=idea.id,
                    position=position,
                    supporters=ladder.milestones[position].supporters,
                    reached_at=now,
                )
            )
        if len(after) == len(ladder.milestones):
            idea.status = "qualified"
        supporters = idea.supporters
        session.commit()
    except Exception:
        session.rollback()
        raise
    return SupportResult("counted", supporters, crossed)


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
