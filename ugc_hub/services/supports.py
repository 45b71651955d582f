"""Supporting ideas: each verified person once, milestones crossed exactly once, whatever the concurrency."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from ugc_hub.domain.ladder import LEGO_LADDER, Ladder, Milestone, may_withdraw, milestones_crossed, progress
from ugc_hub.models.base import DbSession, utcnow
from ugc_hub.models.ideas import Campaign, Customer, Idea, IdeaMilestone, Support
from ugc_hub.services.ideas_eligibility import ineligibility
from ugc_hub.services.ideas_integrity import DEFAULT_RULES, RateRule, rule_broken
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
    #: The supporter targets of the crossed milestones (for the author's e-mail), and the campaign's minimum
    #: age (for the refusal message): the caller needs no further query.
    targets: list[int] = field(default_factory=list)
    min_age: int | None = None


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


def _lock_for_support(session: DbSession, idea_id: int, customer_id: int) -> tuple[Idea, Campaign, Customer] | None:
    """The idea (locked as in ``_locked_idea``), its campaign and the customer, in one round trip.

    The idea's milestones are read by a separate statement *after* the lock is granted: in READ COMMITTED,
    rows joined here would come from the snapshot taken before waiting for the lock, and miss the
    milestone that the previous lock holder just recorded.
    """
    row = session.execute(
        select(Idea, Campaign, Customer)
        .join(Campaign, Campaign.id == Idea.campaign_id)
        .join(Customer, Customer.id == customer_id)
        .where(Idea.id == idea_id)
        .with_for_update(of=Idea)
        .execution_options(populate_existing=True)
    ).first()
    return None if row is None else (row[0], row[1], row[2])


def _reached(session: DbSession, idea_id: int) -> list[datetime]:
    rows = session.scalars(
        select(IdeaMilestone.reached_at).where(IdeaMilestone.idea_id == idea_id).order_by(IdeaMilestone.position)
    )
    return list(rows)


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
    try:
        # The rate rules look at this person's and this address's recent supports, not at the idea: they are
        # counted before the idea's lock is taken, to keep the serialised part of a support short.
        broken = rule_broken(session, rules, customer_id=customer_id, ip=ip, now=now)
        found = _lock_for_support(session, idea_id, customer_id)
        if found is None or found[0].status in ("in_moderation", "rejected"):
            session.rollback()
            return SupportResult("not_found", 0)
        idea, campaign, customer = found
        if customer.verified_at is None:
            session.rollback()
            return SupportResult("not_verified", idea.supporters)
        if idea.author_id == customer_id:
            session.rollback()
            return SupportResult("own_idea", idea.supporters)
        refusal = ineligibility(campaign, customer, now.date())
        if refusal is not None:
            session.rollback()
            return SupportResult(refusal, idea.supporters, min_age=campaign.min_age)
        if idea.status != "published" or idea.published_at is None:
            session.rollback()
            return SupportResult("closed", idea.supporters)
        ladder = ladder_of(campaign)
        reached = _reached(session, idea.id)
        if progress(ladder, idea.published_at, reached, now).status != "open":
            session.rollback()
            return SupportResult("closed", idea.supporters)
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        state = "counted" if broken is None else "quarantined"
        support_id = session.scalar(
            insert(Support)
            .values(idea_id=idea.id, customer_id=customer_id, state=state, reason=broken, ip=ip, created_at=now)
            .on_conflict_do_nothing(index_elements=["idea_id", "customer_id"])
            .returning(Support.id)
        )
        if support_id is None:  # the unique constraint said: this person already supports it
            session.rollback()
            return SupportResult("already", idea.supporters)
        if broken is not None:
            supporters = idea.supporters
            session.commit()
            return SupportResult("counted", supporters)
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
            idea.qualified_at = now
            idea.review_batch_id = batch_for(session, idea)
        supporters = idea.supporters
        session.commit()
    except Exception:
        session.rollback()
        raise
    return SupportResult("counted", supporters, crossed, [ladder.milestones[p].supporters for p in crossed])


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
