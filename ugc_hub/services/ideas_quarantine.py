"""Staff review of supports the rate rules set aside: release them (they count) or confirm them invalid.

Quarantined supports are shown in buckets (idea, rule broken, IP address, e-mail domain), never with the
e-mail address itself: the bucket is what tells a burst from a crowd, and moderators need no more.
A bucket is acted on only up to the newest support the moderator saw (``last_id``), so supports set aside
after the page was loaded are never released or invalidated unseen.

Releasing counts the supports the way a support does: under the idea's row lock, recounting the counted
supports, and recording each milestone the new count crosses exactly once (``record_crossed``), at the
time of the release; after a deadline a release adds supporters but crosses nothing, as a late support would.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from ugc_hub.domain.ladder import progress
from ugc_hub.models.base import DbSession, utcnow
from ugc_hub.models.ideas import Campaign, Customer, Idea, IdeaMilestone, Support
from ugc_hub.services import audit
from ugc_hub.services.ideas_integrity import INVALIDATION_REASONS, InvalidationError, record_invalidation
from ugc_hub.services.supports import ladder_of, record_crossed

#: How many buckets the review page lists at most.
MAX_BUCKETS = 500


@dataclass(frozen=True)
class BucketKey:
    """Which quarantined supports of one idea: same rule, address and e-mail domain, up to ``last_id``."""

    rule: str | None
    ip: str | None
    domain: str
    last_id: int

    def encode(self) -> str:
        return "|".join((self.rule or "", self.ip or "", self.domain, str(self.last_id)))

    @classmethod
    def decode(cls, text: str) -> BucketKey:
        """The inverse of ``encode``; ValueError when the text was not made by it."""
        rule, ip, domain, last_id = text.split("|")
        return cls(rule or None, ip or None, domain, int(last_id))


@dataclass(frozen=True)
class Bucket:
    idea_id: int
    idea_title: str
    key: BucketKey
    supports: int
    first_at: datetime
    last_at: datetime


@dataclass(frozen=True)
class ReviewResult:
    supports: int
    supporters: int
    #: Supporter targets of the milestones a release crossed (the caller e-mails the author about each).
    targets: list[int] = field(default_factory=list)


def _domain(email_canonical: str) -> str:
    return email_canonical.rpartition("@")[2]


def quarantine_buckets(session: DbSession, *, idea_id: int | None = None) -> list[Bucket]:
    """Quarantined supports grouped per idea, rule, IP address and e-mail domain; biggest buckets first."""
    query = (
        select(Support.id, Support.idea_id, Idea.title, Support.reason, Support.ip, Support.created_at)
        .add_columns(Customer.email_canonical)
        .join(Idea, Idea.id == Support.idea_id)
        .join(Customer, Customer.id == Support.customer_id)
        .where(Support.state == "quarantined")
    )
    if idea_id is not None:
        query = query.where(Support.idea_id == idea_id)
    groups: dict[tuple[int, str | None, str | None, str], list[tuple[int, datetime]]] = {}
    titles: dict[int, str] = {}
    for support_id, idea, title, reason, ip, created_at, email in session.execute(query):
        titles[idea] = title
        groups.setdefault((idea, reason, ip, _domain(email)), []).append((support_id, created_at))
    buckets = [
        Bucket(
            idea_id=idea,
            idea_title=titles[idea],
            key=BucketKey(reason, ip, domain, max(i for i, _ in rows)),
            supports=len(rows),
            first_at=min(at for _, at in rows),
            last_at=max(at for _, at in rows),
        )
        for (idea, reason, ip, domain), rows in groups.items()
    ]
    buckets.sort(key=lambda b: (-b.supports, b.idea_id, b.key.encode()))
    return buckets[:MAX_BUCKETS]


def _locked(session: DbSession, idea_id: int) -> Idea:
    idea = session.scalar(
        select(Idea).where(Idea.id == idea_id).with_for_update().execution_options(populate_existing=True)
    )
    if idea is None:
        raise InvalidationError("no such idea")
    return idea


def _matching(session: DbSession, idea_id: int, buckets: Sequence[BucketKey]) -> list[Support]:
    if not buckets:
        raise InvalidationError("choose at least one group of supports")
    wanted = {(b.rule, b.ip, b.domain): b.last_id for b in buckets}
    rows = session.execute(
        select(Support, Customer.email_canonical)
        .join(Customer, Customer.id == Support.customer_id)
        .where(Support.idea_id == idea_id, Support.state == "quarantined", Support.id <= max(wanted.values()))
        .order_by(Support.id)
    ).all()
    return [
        support for support, email in rows if support.id <= wanted.get((support.reason, support.ip, _domain(email)), 0)
    ]


def _recount(session: DbSession, idea_id: int) -> int:
    session.flush()
    return (
        session.scalar(
            select(func.count()).select_from(Support).where(Support.idea_id == idea_id, Support.state == "counted")
        )
        or 0
    )


def _described(buckets: Sequence[BucketKey]) -> list[dict[str, object]]:
    return [{"rule": b.rule, "ip": b.ip, "domain": b.domain, "last_id": b.last_id} for b in buckets]


def release_supports(
    session: DbSession,
    *,
    idea_id: int,
    buckets: Sequence[BucketKey],
    actor: audit.Actor,
    now: datetime | None = None,
) -> ReviewResult:
    """Count the chosen quarantined supports, record the milestones the new count crosses, audit; then commit."""
    now = now or utcnow()
    try:
        idea = _locked(session, idea_id)
        released = _matching(session, idea_id, buckets)
        for support in released:
            support.state = "counted"
            support.reason = None
        before = idea.supporters
        idea.supporters = _recount(session, idea_id)
        session.flush()  # record_crossed may reload the idea when it qualifies
        crossed: list[int] = []
        ladder = ladder_of(session.get_one(Campaign, idea.campaign_id))
        if idea.status == "published" and idea.published_at is not None:
            # Read after the lock was granted (see supports._support_lock): the latest milestones.
            reached = list(
                session.scalars(
                    select(IdeaMilestone.reached_at)
                    .where(IdeaMilestone.idea_id == idea_id)
                    .order_by(IdeaMilestone.position)
                )
            )
            if progress(ladder, idea.published_at, reached, now).status == "open":
                crossed = record_crossed(session, idea_id, ladder, idea.published_at, reached, idea.supporters, now)
        audit.record(
            session,
            actor=actor,
            action="supports.release",
            object_type="idea",
            object_id=idea_id,
            before={"supporters": before},
            after={
                "supporters": idea.supporters,
                "released": len(released),
                "milestones": [ladder.milestones[p].supporters for p in crossed],
                "buckets": _described(buckets),
            },
        )
        supporters = idea.supporters
        session.commit()
    except Exception:
        session.rollback()
        raise
    return ReviewResult(len(released), supporters, [ladder.milestones[p].supporters for p in crossed])


def confirm_invalid(
    session: DbSession,
    *,
    idea_id: int,
    buckets: Sequence[BucketKey],
    reason: str,
    actor: audit.Actor,
    note: str = "",
) -> ReviewResult:
    """Mark the chosen quarantined supports invalidated for ``reason`` (public in aggregate), record the run,
    audit; then commit. Quarantined supports never counted, so the idea's count does not change."""
    if reason not in INVALIDATION_REASONS:
        raise InvalidationError(f"reason must be one of {', '.join(INVALIDATION_REASONS)}")
    try:
        idea = _locked(session, idea_id)
        matched = _matching(session, idea_id, buckets)
        for support in matched:
            support.state = "invalidated"
            support.reason = reason
        record_invalidation(
            session,
            action="supports.confirm_invalid",
            idea_id=idea_id,
            invalidated=len(matched),
            conditions={"quarantine": _described(buckets)},
            reason=reason,
            note=note,
            actor=actor,
            supporters=(idea.supporters, idea.supporters),
        )
        supporters = idea.supporters
        session.commit()
    except Exception:
        session.rollback()
        raise
    return ReviewResult(len(matched), supporters)
