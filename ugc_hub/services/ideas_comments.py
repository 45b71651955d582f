"""Comments on ideas by signed-in customers, moderated after publication.

Why shown at once and removable (post-moderation) rather than held for approval: only verified customers
may comment, each comment is rate-limited and tied to an account, and a conversation that waits hours
for a moderator dies. Staff see every new comment in a queue and remove what breaks the rules, with a
reason; a removed comment disappears from the public page (its author is not named publicly).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ugc_hub.models.base import DbSession, utcnow
from ugc_hub.models.ideas import Customer, Idea, IdeaComment
from ugc_hub.services import audit

MAX_COMMENT = 2_000
#: Comments per customer per ten minutes before a new one is refused (visibly: comments are not votes).
COMMENT_BURST = 5
COMMENTABLE = ("published", "qualified", "approved", "not_approved")


class CommentError(ValueError):
    """``code``: empty, too_long, not_verified, closed, too_fast, not_found."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def add_comment(
    session: DbSession, *, idea_id: int, customer_id: int, body: str, now: datetime | None = None
) -> IdeaComment:
    now = now or utcnow()
    body = body.strip()
    if not body:
        raise CommentError("empty")
    if len(body) > MAX_COMMENT:
        raise CommentError("too_long")
    customer = session.get(Customer, customer_id)
    idea = session.get(Idea, idea_id)
    if customer is None or idea is None:
        raise CommentError("not_found")
    if customer.verified_at is None:
        raise CommentError("not_verified")
    if idea.status not in COMMENTABLE:
        raise CommentError("closed")
    recent = session.scalar(
        select(func.count())
        .select_from(IdeaComment)
        .where(IdeaComment.customer_id == customer_id, IdeaComment.created_at >= now - timedelta(minutes=10))
    )
    if (recent or 0) >= COMMENT_BURST:
        raise CommentError("too_fast")
    comment = IdeaComment(idea_id=idea_id, customer_id=customer_id, body=body, created_at=now)
    session.add(comment)
    session.commit()
    return comment


def visible_comments(session: DbSession, idea_id: int) -> Sequence[tuple[IdeaComment, str]]:
    """Visible comments, oldest first, with the name shown for their author."""
    rows = session.execute(
        select(IdeaComment, Customer.display_name)
        .join(Customer, Customer.id == IdeaComment.customer_id)
        .where(IdeaComment.idea_id == idea_id, IdeaComment.status == "visible")
        .order_by(IdeaComment.created_at, IdeaComment.id)
    ).all()
    return [(comment, name) for comment, name in rows]


def recent_comments(session: DbSession, *, limit: int = 100) -> Sequence[IdeaComment]:
    """The staff queue: newest visible comments first."""
    return session.scalars(
        select(IdeaComment).where(IdeaComment.status == "visible").order_by(IdeaComment.id.desc()).limit(limit)
    ).all()


def remove_comment(session: DbSession, *, comment_id: int, reason: str, actor: audit.Actor) -> IdeaComment:
    comment = session.get(IdeaComment, comment_id)
    if comment is None:
        raise CommentError("not_found")
    comment.status = "removed"
    comment.removed_reason = reason.strip()[:500]
    audit.record(
        session,
        actor=actor,
        action="idea_comment.remove",
        object_type="idea_comment",
        object_id=comment_id,
        before={"body": comment.body[:500]},
        after={"status": "removed", "reason": comment.removed_reason},
    )
    session.commit()
    return comment
