"""A grant belongs to the author account that gave it.

A platform id can come back with another author: a re-collected post, a webhook record, an import
row. The upsert then credits the new account, who never agreed. The public gate already refuses such
a post (``granted_author_id`` no longer matches); this module makes the change visible: the post's
state becomes ``author_changed`` for staff to review, and the ledger records which account granted
and which one the platform now names.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from ugc_hub.models import Author, Post, PostRights
from ugc_hub.models.base import DbSession
from ugc_hub.rights.services import consent_ledger

AUTHOR_CHANGED = "author_changed"


def _author(session: DbSession, author_id: int | None) -> dict[str, Any] | None:
    if author_id is None:
        return None
    row = session.execute(
        select(Author.id, Author.platform_user_id, Author.handle, Author.profile_url).where(Author.id == author_id)
    ).first()
    if row is None:
        return {"id": author_id}
    return {
        "id": row.id,
        "platform_user_id": row.platform_user_id,
        "handle": row.handle,
        "profile_url": row.profile_url,
    }


def suspend_changed_authors(session: DbSession, post_ids: Sequence[int], *, now: datetime) -> list[int]:
    """Suspend the granted posts among ``post_ids`` whose author is no longer the granting account.

    Runs in the caller's transaction, after the posts were written; the caller commits, then
    announces the returned ids so published snapshots drop them.
    """
    if not post_ids:
        return []
    # Plain columns, not ORM objects: the upsert wrote the posts behind the session's back.
    changed = session.execute(
        select(
            Post.id,
            Post.workspace_id,
            Post.platform,
            Post.platform_id,
            Post.permalink,
            Post.author_id,
            PostRights.granted_author_id,
            PostRights.request_id,
        )
        .join(PostRights, PostRights.post_id == Post.id)
        .where(
            Post.id.in_(list(post_ids)),
            PostRights.state == "granted",
            PostRights.granted_author_id.is_not(None),
            or_(Post.author_id.is_(None), Post.author_id != PostRights.granted_author_id),
        )
        .order_by(Post.id)
    ).all()
    for row in changed:
        rights = session.get(PostRights, row.id)
        assert rights is not None
        rights.state, rights.updated_at = AUTHOR_CHANGED, now
        consent_ledger.append(
            session,
            kind=AUTHOR_CHANGED,
            payload={
                "post": {
                    "id": row.id,
                    "platform": row.platform,
                    "platform_id": row.platform_id,
                    "permalink": row.permalink,
                },
                "granted_by": _author(session, row.granted_author_id),
                "author": _author(session, row.author_id),
                "request_of_grant": row.request_id,
                "effect": "not shown publicly until staff ask the new author",
            },
            post_id=row.id,
            request_id=row.request_id,
            author_id=row.granted_author_id,
            workspace_id=row.workspace_id,
            at=now,
        )
    return [row.id for row in changed]
