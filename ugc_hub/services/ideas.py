"""Campaigns and ideas: submission, staff moderation, and where each idea stands on its ladder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ugc_hub.domain.ladder import LEGO_LADDER, Ladder, Progress, progress
from ugc_hub.models.base import DbSession, utcnow
from ugc_hub.models.ideas import Campaign, Idea, IdeaMilestone
from ugc_hub.services import audit
from ugc_hub.services.supports import ladder_json, ladder_of
from ugc_hub.services.workspaces import slugify

MAX_TITLE = 120
MAX_DESCRIPTION = 10_000


class IdeaError(ValueError):
    """A request about an idea that cannot be done; the message is for a person."""


@dataclass(frozen=True)
class IdeaStanding:
    idea: Idea
    progress: Progress
    milestones: Sequence[IdeaMilestone]
    ladder: Ladder

    @property
    def days_left(self) -> int | None:
        if self.progress.deadline is None or self.progress.status != "open":
            return None
        return max(0, (self.progress.deadline - utcnow()).days)

    @property
    def percent(self) -> int:
        target = self.progress.next_target
        return 100 if not target else min(100, round(100 * self.idea.supporters / target))


def create_campaign(
    session: DbSession, *, workspace_id: int, title: str, actor: audit.Actor, ladder: Ladder = LEGO_LADDER
) -> Campaign:
    base = slug = slugify(title)
    suffix = 1
    while session.scalar(select(Campaign.id).where(Campaign.slug == slug)) is not None:
        suffix += 1
        slug = f"{base[:60]}-{suffix}"
    campaign = Campaign(workspace_id=workspace_id, title=title.strip()[:200], slug=slug, ladder=ladder_json(ladder))
    session.add(campaign)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="campaign.create",
        object_type="campaign",
        object_id=campaign.id,
        after={"title": campaign.title, "ladder": campaign.ladder},
    )
    session.commit()
    return campaign


def submit_idea(session: DbSession, *, campaign_id: int, author_id: int, title: str, description: str) -> Idea:
    """A customer's idea, waiting for staff moderation before anyone sees it."""
    title, description = title.strip(), description.strip()
    if not title or len(title) > MAX_TITLE:
        raise IdeaError(f"a title of 1 to {MAX_TITLE} characters is needed")
    if len(description) > MAX_DESCRIPTION:
        raise IdeaError(f"the description is limited to {MAX_DESCRIPTION} characters")
    if session.get(Campaign, campaign_id) is None:
        raise IdeaError("no such campaign")
    idea = Idea(
        campaign_id=campaign_id, author_id=author_id, title=title, description=description, status="in_moderation"
    )
    session.add(idea)
    session.commit()
    return idea


def moderate_idea(
    session: DbSession, *, idea_id: int, publish: bool, reason: str, actor: audit.Actor, now: datetime | None = None
) -> Idea:
    """Publish an idea (its first milestone window starts now) or reject it with a reason."""
    idea = session.scalar(select(Idea).where(Idea.id == idea_id).with_for_update())
    if idea is None:
        raise IdeaError("no such idea")
    if idea.status != "in_moderation":
        raise IdeaError("this idea was already moderated")
    if not publish and not reason.strip():
        raise IdeaError("a rejection needs a reason for the author")
    before = idea.status
    idea.status = "published" if publish else "rejected"
    if publish:
        idea.published_at = now or utcnow()
    audit.record(
        session,
        actor=actor,
        action=f"idea.{idea.status}",
        object_type="idea",
        object_id=idea.id,
        before={"status": before},
        after={"status": idea.status, "reason": reason.strip()[:500]},
    )
    session.commit()
    return idea


def standing(session: DbSession, idea: Idea, now: datetime | None = None) -> IdeaStanding:
    campaign = session.get(Campaign, idea.campaign_id)
    ladder = ladder_of(campaign) if campaign is not None else LEGO_LADDER
    milestones = session.scalars(
        select(IdeaMilestone).where(IdeaMilestone.idea_id == idea.id).order_by(IdeaMilestone.position)
    ).all()
    now = now or utcnow()
    if idea.published_at is None:
        state = Progress(idea.status, 0, ladder.milestones[0].supporters, None)
    else:
        state = progress(ladder, idea.published_at, [m.reached_at for m in milestones], now)
        if idea.status in ("archived", "rejected"):
            state = Progress(idea.status, state.reached, state.next_target, None)
    return IdeaStanding(idea, state, milestones, ladder)


def public_ideas(session: DbSession, campaign_id: int, *, sort: str = "supporters") -> Sequence[Idea]:
    """Ideas the public may see: published, qualified, expired (frozen) and archived ones."""
    order = Idea.supporters.desc() if sort == "supporters" else Idea.published_at.desc()
    return session.scalars(
        select(Idea)
        .where(Idea.campaign_id == campaign_id, Idea.status.in_(("published", "qualified", "expired", "archived")))
        .order_by(order, Idea.id.desc())
        .limit(200)
    ).all()


def expire_overdue(session: DbSession, *, now: datetime | None = None) -> list[int]:
    """Freeze published ideas whose next milestone deadline has passed; return their ids."""
    now = now or utcnow()
    expired = []
    for idea in session.scalars(select(Idea).where(Idea.status == "published")).all():
        if standing(session, idea, now).progress.status == "expired":
            idea.status = "expired"
            audit.record(
                session,
                actor=audit.SYSTEM,
                action="idea.expired",
                object_type="idea",
                object_id=idea.id,
                before={"status": "published"},
                after={"status": "expired"},
            )
            expired.append(idea.id)
    session.commit()
    return expired
