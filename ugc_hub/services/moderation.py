"""Approve, reject or remove posts; every change lands in the audit log in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from ugc_hub.models import MODERATION_STATUSES, Post
from ugc_hub.models.base import DbSession, utcnow
from ugc_hub.services import audit, publication


class ModerationError(ValueError):
    pass


def moderate(session: DbSession, *, post_ids: Sequence[int], status: str, actor: audit.Actor) -> int:
    """Set the moderation status of posts; return how many changed."""
    if status not in MODERATION_STATUSES:
        raise ModerationError(f"status must be one of {', '.join(MODERATION_STATUSES)}")
    if not post_ids:
        return 0
    changed: list[int] = []
    now = utcnow()
    for post in session.scalars(select(Post).where(Post.id.in_(list(post_ids)))):
        if post.moderation_status == status:
            continue
        before = post.moderation_status
        post.moderation_status = status
        post.moderated_at = now
        post.moderated_by_id = actor.id if actor.type == "user" else None
        audit.record(
            session,
            actor=actor,
            action=f"post.{status}",
            object_type="post",
            object_id=post.id,
            before={"moderation_status": before},
            after={"moderation_status": status},
        )
        changed.append(post.id)
    session.commit()
    publication.announce_change(changed)
    return len(changed)
