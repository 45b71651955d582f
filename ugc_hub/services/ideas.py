"""Campaigns and ideas: submission, staff moderation, and where each idea stands on its ladder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from ugc_hub.domain.ladder import LEGO_LADDER, Ladder, Progress, progress
from ugc_hub.models.base import DbSession, utcnow
from ugc_hub.models.ideas import PUBLIC_IDEA_STATUSES, Campaign, Customer, Idea, IdeaMilestone, IdeaUpdate
from ugc_hub.services import audit
from ugc_hub.services.ideas_eligibility import ineligibility
from ugc_hub.services.ideas_images import CleanImage, store_images
from ugc_hub.services.storage import Storage
from ugc_hub.services.supports import ladder_json, ladder_of
from ugc_hub.services.workspaces import slugify

MAX_TITLE = 120
MAX_DESCRIPTION = 10_000
MAX_CATEGORY = 64
MAX_UPDATE = 5_000
#: Public list filters: what each one shows.
STATUS_FILTERS = {
    "open": ("published",),
    "qualified": ("qualified",),
    "reviewed": ("approved", "not_approved"),
    "expired": ("expired",),
    "archived": ("archived",),
}
SORTS = ("supporters", "newest", "deadline")
#: The same title sent again by its author within this time is the same submission (double click, two tabs).
DUPLICATE_WINDOW = timedelta(minutes=10)


class IdeaError(ValueError):
    """A request about an idea that cannot be done; the message is for a person, ``code`` for translation."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


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
    session: DbSession,
    *,
    workspace_id: int,
    title: str,
    actor: audit.Actor,
    ladder: Ladder = LEGO_LADDER,
    min_age: int | None = None,
    countries: Sequence[str] = (),
) -> Campaign:
    base = slug = slugify(title)
    suffix = 1
    while session.scalar(select(Campaign.id).where(Campaign.slug == slug)) is not None:
        suffix += 1
        slug = f"{base[:60]}-{suffix}"
    campaign = Campaign(
        workspace_id=workspace_id,
        title=title.strip()[:200],
        slug=slug,
        ladder=ladder_json(ladder),
        min_age=min_age or None,
        countries=sorted({c.strip().upper() for c in countries if c.strip()}),
    )
    session.add(campaign)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="campaign.create",
        object_type="campaign",
        object_id=campaign.id,
        after={
            "title": campaign.title,
            "ladder": campaign.ladder,
            "min_age": campaign.min_age,
            "countries": campaign.countries,
        },
    )
    session.commit()
    return campaign


def _check_text(title: str, description: str) -> tuple[str, str]:
    title, description = title.strip(), description.strip()
    if not title or len(title) > MAX_TITLE:
        raise IdeaError(f"a title of 1 to {MAX_TITLE} characters is needed", "title")
    if len(description) > MAX_DESCRIPTION:
        raise IdeaError(f"the description is limited to {MAX_DESCRIPTION} characters", "description")
    return title, description


def submit_idea(
    session: DbSession,
    *,
    campaign_id: int,
    author_id: int,
    title: str,
    description: str,
    category: str = "",
    images: Sequence[CleanImage] = (),
    storage: Storage | None = None,
    now: datetime | None = None,
) -> Idea:
    """A customer's idea, waiting for staff moderation before anyone sees it.

    ``images`` were cleaned beforehand (``ideas_images.check_uploads``), so nothing here can half-fail on them.
    """
    title, description = _check_text(title, description)
    now = now or utcnow()
    campaign = session.get(Campaign, campaign_id)
    # Locking the author serialises their submissions: a double click or a second tab finds the first idea.
    author = session.scalar(select(Customer).where(Customer.id == author_id).with_for_update())
    if campaign is None or author is None:
        raise IdeaError("no such campaign", "no_campaign")
    refusal = ineligibility(campaign, author, now.date())
    if refusal is not None:
        raise IdeaError(refusal, refusal)
    twin = session.scalar(
        select(Idea).where(
            Idea.campaign_id == campaign_id,
            Idea.author_id == author_id,
            Idea.title == title,
            Idea.status == "in_moderation",
            Idea.created_at >= now - DUPLICATE_WINDOW,
        )
    )
    if twin is not None:
        session.rollback()
        return twin
    idea = Idea(
        campaign_id=campaign_id,
        author_id=author_id,
        title=title,
        description=description,
        category=category.strip()[:MAX_CATEGORY],
        status="in_moderation",
        created_at=now,
    )
    session.add(idea)
    session.flush()
    if images:
        if storage is None:
            raise IdeaError("no storage configured for images", "storage")
        store_images(session, storage, idea_id=idea.id, images=images)
    session.commit()
    return idea


def _own_idea_locked(session: DbSession, idea_id: int, author_id: int) -> Idea:
    idea = session.scalar(
        select(Idea).where(Idea.id == idea_id).with_for_update().execution_options(populate_existing=True)
    )
    if idea is None or idea.author_id != author_id:
        raise IdeaError("no such idea", "not_found")
    return idea


def is_locked(session: DbSession, idea_id: int) -> bool:
    """Text and images are locked once the first milestone is reached (no bait and switch)."""
    return session.scalar(select(IdeaMilestone.id).where(IdeaMilestone.idea_id == idea_id).limit(1)) is not None


def edit_idea(
    session: DbSession,
    *,
    idea_id: int,
    author_id: int,
    title: str,
    description: str,
    images: Sequence[CleanImage] = (),
    storage: Storage | None = None,
) -> Idea:
    """Change the text (and add images) of one's idea until its first milestone; then commit.

    The idea row is locked first, and supports cross milestones under the same lock: an edit cannot slip
    in after the support that reached the first milestone.
    """
    title, description = _check_text(title, description)
    idea = _own_idea_locked(session, idea_id, author_id)
    if idea.status not in ("in_moderation", "published") or is_locked(session, idea_id):
        session.rollback()
        raise IdeaError("this idea can no longer be changed; post an update instead", "locked")
    before = {"title": idea.title, "description": idea.description}
    idea.title, idea.description = title, description
    if images:
        if storage is None:
            raise IdeaError("no storage configured for images", "storage")
        store_images(session, storage, idea_id=idea.id, images=images)
    audit.record(
        session,
        actor=audit.Actor(type="customer", id=author_id, label=f"customer {author_id}"),
        action="idea.edit",
        object_type="idea",
        object_id=idea.id,
        before=before,
        after={"title": title, "description": description, "images_added": len(images)},
    )
    session.commit()
    return idea


def post_update(session: DbSession, *, idea_id: int, author_id: int, body: str) -> IdeaUpdate:
    """A public, dated update by the author on a published idea; then commit."""
    body = body.strip()
    if not body or len(body) > MAX_UPDATE:
        raise IdeaError(f"an update of 1 to {MAX_UPDATE} characters is needed", "update")
    idea = _own_idea_locked(session, idea_id, author_id)
    if idea.status not in PUBLIC_IDEA_STATUSES or idea.status == "archived":
        session.rollback()
        raise IdeaError("updates are possible once the idea is public", "not_public")
    update = IdeaUpdate(idea_id=idea.id, body=body)
    session.add(update)
    session.commit()
    return update


def updates_of(session: DbSession, idea_id: int) -> Sequence[IdeaUpdate]:
    return session.scalars(
        select(IdeaUpdate).where(IdeaUpdate.idea_id == idea_id).order_by(IdeaUpdate.created_at, IdeaUpdate.id)
    ).all()


def archive_idea(session: DbSession, *, idea_id: int, reason: str, actor: audit.Actor) -> Idea:
    """Staff freeze an idea at any time, with a public reason: visible, no more supports or comments."""
    reason = reason.strip()
    if not reason:
        raise IdeaError("archiving needs a reason, shown on the idea", "reason")
    idea = session.scalar(
        select(Idea).where(Idea.id == idea_id).with_for_update().execution_options(populate_existing=True)
    )
    if idea is None:
        raise IdeaError("no such idea", "not_found")
    if idea.status == "archived":
        session.rollback()
        raise IdeaError("this idea is already archived", "archived")
    before = idea.status
    idea.status, idea.status_reason = "archived", reason[:1000]
    audit.record(
        session,
        actor=actor,
        action="idea.archived",
        object_type="idea",
        object_id=idea.id,
        before={"status": before},
        after={"status": "archived", "reason": idea.status_reason},
    )
    session.commit()
    return idea


def moderate_idea(
    session: DbSession, *, idea_id: int, publish: bool, reason: str, actor: audit.Actor, now: datetime | None = None
) -> Idea:
    """Publish an idea (its first milestone window starts now) or reject it with a reason."""
    idea = session.scalar(select(Idea).where(Idea.id == idea_id).with_for_update())
    if idea is None:
        raise IdeaError("no such idea", "not_found")
    if idea.status != "in_moderation":
        raise IdeaError("this idea was already moderated", "moderated")
    if not publish and not reason.strip():
        raise IdeaError("a rejection needs a reason for the author", "reason")
    before = idea.status
    idea.status = "published" if publish else "rejected"
    if not publish:
        idea.status_reason = reason.strip()[:1000]
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
        if idea.status in ("archived", "rejected", "approved", "not_approved"):
            state = Progress(idea.status, state.reached, state.next_target, None)
    return IdeaStanding(idea, state, milestones, ladder)


def public_ideas(
    session: DbSession,
    campaign_id: int,
    *,
    sort: str = "supporters",
    status: str = "",
    category: str = "",
    query: str = "",
    limit: int = 200,
) -> Sequence[Idea]:
    """Ideas the public may see (never in moderation or rejected), filtered; ``deadline`` sorting is
    done on the standings by the caller (it depends on the ladder)."""
    statuses = STATUS_FILTERS.get(status, PUBLIC_IDEA_STATUSES)
    select_ideas = select(Idea).where(Idea.campaign_id == campaign_id, Idea.status.in_(statuses))
    if category:
        select_ideas = select_ideas.where(Idea.category == category)
    if query.strip():
        pattern = "%" + query.strip().lower().replace("\\", "").replace("%", "").replace("_", "") + "%"
        select_ideas = select_ideas.where(or_(Idea.title.ilike(pattern), Idea.description.ilike(pattern)))
    order = Idea.published_at.desc() if sort == "newest" else Idea.supporters.desc()
    return session.scalars(select_ideas.order_by(order, Idea.id.desc()).limit(limit)).all()


def categories(session: DbSession, campaign_id: int) -> list[str]:
    rows = session.scalars(
        select(Idea.category)
        .where(Idea.campaign_id == campaign_id, Idea.status.in_(PUBLIC_IDEA_STATUSES), Idea.category != "")
        .distinct()
    )
    return sorted(rows)


def expire_overdue(session: DbSession, *, now: datetime | None = None) -> list[int]:
    """Freeze published ideas whose next milestone deadline has passed; return their ids.

    Each idea is locked and re-read before it is judged: a support that crossed a milestone just before
    the deadline (and moved it) must win over the expiry, never be overwritten by it.
    """
    now = now or utcnow()
    expired = []
    candidates = session.scalars(select(Idea.id).where(Idea.status == "published")).all()
    session.rollback()
    for idea_id in candidates:
        idea = session.scalar(
            select(Idea).where(Idea.id == idea_id).with_for_update().execution_options(populate_existing=True)
        )
        if idea is None or idea.status != "published" or standing(session, idea, now).progress.status != "expired":
            session.rollback()
            continue
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
        session.commit()
        expired.append(idea.id)
    return expired
