"""Review batches, as LEGO Ideas runs them: the brand sets cutoff dates; an idea that reached the last
milestone waits for the first batch whose cutoff is at or after the moment it qualified; staff record
approved, not approved or carried over (to the next batch), each with a public message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from ugc_hub.models.base import DbSession
from ugc_hub.models.ideas import REVIEW_OUTCOMES, Idea, IdeaReview, ReviewBatch
from ugc_hub.services import audit


class ReviewError(ValueError):
    """``code``: not_found, exists, not_in_batch, outcome, message, decided."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _batches(session: DbSession, campaign_id: int) -> Sequence[ReviewBatch]:
    return session.scalars(
        select(ReviewBatch).where(ReviewBatch.campaign_id == campaign_id).order_by(ReviewBatch.cutoff_at)
    ).all()


def _batch_for(session: DbSession, idea: Idea, batches: Sequence[ReviewBatch]) -> int | None:
    """The first batch after the idea qualified and after every batch that carried it over."""
    if idea.qualified_at is None:
        return None
    carried = session.scalars(
        select(ReviewBatch.cutoff_at)
        .join(IdeaReview, IdeaReview.batch_id == ReviewBatch.id)
        .where(IdeaReview.idea_id == idea.id, IdeaReview.outcome == "carried_over")
    ).all()
    floor = max(carried) if carried else None
    for batch in batches:
        if batch.cutoff_at >= idea.qualified_at and (floor is None or batch.cutoff_at > floor):
            return batch.id
    return None


def batch_for(session: DbSession, idea: Idea) -> int | None:
    """The batch a just-qualified idea waits for (None until the brand sets a later cutoff)."""
    return _batch_for(session, idea, _batches(session, idea.campaign_id))


def assign_waiting(session: DbSession, campaign_id: int) -> None:
    """Put qualified ideas without a batch into the batch they belong to; the caller commits."""
    batches = _batches(session, campaign_id)
    waiting = session.scalars(
        select(Idea).where(Idea.campaign_id == campaign_id, Idea.status == "qualified", Idea.review_batch_id.is_(None))
    ).all()
    for idea in waiting:
        idea.review_batch_id = _batch_for(session, idea, batches)


def create_batch(session: DbSession, *, campaign_id: int, cutoff_at: datetime, actor: audit.Actor) -> ReviewBatch:
    if session.scalar(
        select(ReviewBatch.id).where(ReviewBatch.campaign_id == campaign_id, ReviewBatch.cutoff_at == cutoff_at)
    ):
        raise ReviewError("exists")
    batch = ReviewBatch(campaign_id=campaign_id, cutoff_at=cutoff_at)
    session.add(batch)
    session.flush()
    assign_waiting(session, campaign_id)
    audit.record(
        session,
        actor=actor,
        action="review_batch.create",
        object_type="review_batch",
        object_id=batch.id,
        after={"campaign_id": campaign_id, "cutoff_at": cutoff_at.isoformat()},
    )
    session.commit()
    return batch


def batches_of(session: DbSession, campaign_id: int) -> Sequence[ReviewBatch]:
    assign_waiting(session, campaign_id)
    session.commit()
    return _batches(session, campaign_id)


def ideas_in(session: DbSession, batch_id: int) -> Sequence[Idea]:
    return session.scalars(
        select(Idea).where(Idea.review_batch_id == batch_id, Idea.status == "qualified").order_by(Idea.qualified_at)
    ).all()


def decide(
    session: DbSession, *, idea_id: int, batch_id: int, outcome: str, message: str, actor: audit.Actor
) -> IdeaReview:
    """Record the brand's decision on an idea of this batch, with its public message; then commit."""
    if outcome not in REVIEW_OUTCOMES:
        raise ReviewError("outcome")
    if not message.strip():
        raise ReviewError("message")
    idea = session.scalar(
        select(Idea).where(Idea.id == idea_id).with_for_update().execution_options(populate_existing=True)
    )
    batch = session.get(ReviewBatch, batch_id)
    if idea is None or batch is None:
        raise ReviewError("not_found")
    if idea.review_batch_id != batch_id or idea.status != "qualified":
        session.rollback()
        raise ReviewError("not_in_batch")
    if session.scalar(select(IdeaReview.id).where(IdeaReview.idea_id == idea_id, IdeaReview.batch_id == batch_id)):
        session.rollback()
        raise ReviewError("decided")
    review = IdeaReview(idea_id=idea_id, batch_id=batch_id, outcome=outcome, message=message.strip()[:5000])
    session.add(review)
    session.flush()
    if outcome == "carried_over":
        idea.review_batch_id = _batch_for(session, idea, _batches(session, idea.campaign_id))
    else:
        idea.status = outcome
    audit.record(
        session,
        actor=actor,
        action=f"idea.review.{outcome}",
        object_type="idea",
        object_id=idea_id,
        before={"status": "qualified", "batch": batch_id},
        after={"status": idea.status, "batch": idea.review_batch_id, "message": review.message[:500]},
    )
    session.commit()
    return review


def reviews_of(session: DbSession, idea_id: int) -> Sequence[tuple[IdeaReview, ReviewBatch]]:
    rows = session.execute(
        select(IdeaReview, ReviewBatch)
        .join(ReviewBatch, ReviewBatch.id == IdeaReview.batch_id)
        .where(IdeaReview.idea_id == idea_id)
        .order_by(ReviewBatch.cutoff_at)
    ).all()
    return [(review, batch) for review, batch in rows]
