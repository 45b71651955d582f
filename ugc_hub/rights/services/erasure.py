"""Forget an author: their posts, media files, handles and replies leave every table and storage.

The consent ledger keeps only the hashes of their events (payloads set to NULL), so it still verifies;
an ``erased`` event with counts only records that it happened. Rows of any table that references the
deleted posts or author are deleted too (found from the schema's foreign keys), so features added
later are covered on SQLite as well, where foreign keys are not enforced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Table, delete, or_, select, update

from ugc_hub.domain.posts import identity_hash
from ugc_hub.models import Author, ErasedAuthor, MediaAsset, Post, RightsReply, RightsRequest, db
from ugc_hub.models.base import DbSession
from ugc_hub.rights.services import consent_ledger
from ugc_hub.services import audit, publication
from ugc_hub.services.storage import Storage


class ErasureError(ValueError):
    pass


@dataclass
class ErasureReport:
    author_id: int
    post_ids: list[int]
    files_deleted: int = 0
    events_redacted: int = 0
    file_errors: list[str] = field(default_factory=list)


def _delete_rows(session: DbSession, table: Table, column_name: str, values: Sequence[object], depth: int = 0) -> None:
    """Delete rows of ``table`` whose ``column_name`` is in ``values``, after the rows that point at them."""
    if not values or depth > 8:
        return
    column = table.c[column_name]
    for child in db.metadata.sorted_tables:
        if child.name == "consent_events":
            continue
        for fk in child.foreign_keys:
            if fk.column.table is not table:
                continue
            referenced = [row[0] for row in session.execute(select(fk.column).where(column.in_(list(values))))]
            if not referenced:
                continue
            if (fk.ondelete or "").upper() == "SET NULL":
                session.execute(update(child).where(fk.parent.in_(referenced)).values({fk.parent.name: None}))
                continue
            primary = list(child.primary_key.columns)
            if len(primary) == 1:
                keys = [row[0] for row in session.execute(select(primary[0]).where(fk.parent.in_(referenced)))]
                _delete_rows(session, child, primary[0].name, keys, depth + 1)
            else:
                session.execute(delete(child).where(fk.parent.in_(referenced)))
    session.execute(delete(table).where(column.in_(list(values))))


def _files_only_these_posts_use(session: DbSession, post_ids: Sequence[int]) -> set[str]:
    """Storage keys of these posts' media and proofs that no other post's media shares."""
    keys: set[str] = set()
    for asset in session.scalars(select(MediaAsset).where(MediaAsset.post_id.in_(list(post_ids)))):
        keys.update(k for k in (asset.storage_key, asset.thumbnail_key) if k)
    if keys:
        shared = session.scalars(
            select(MediaAsset.storage_key).where(
                MediaAsset.post_id.not_in(list(post_ids)),
                or_(MediaAsset.storage_key.in_(keys), MediaAsset.thumbnail_key.in_(keys)),
            )
        ).all()
        thumbs_shared = session.scalars(
            select(MediaAsset.thumbnail_key).where(
                MediaAsset.post_id.not_in(list(post_ids)), MediaAsset.thumbnail_key.in_(keys)
            )
        ).all()
        keys -= {k for k in (*shared, *thumbs_shared) if k}
    keys.update(
        k
        for k in session.scalars(select(RightsRequest.proof_key).where(RightsRequest.post_id.in_(list(post_ids))))
        if k
    )
    return keys


def _remember_erased(session: DbSession, author: Author, now: datetime) -> None:
    """Keep hashes of the author's account id and handle so collectors never store their posts again."""
    hashes = {
        identity_hash(author.platform, user_id=author.platform_user_id, handle=None),
        identity_hash(author.platform, user_id=None, handle=author.handle),
    } - {None}
    known = set(session.scalars(select(ErasedAuthor.key_hash).where(ErasedAuthor.key_hash.in_(hashes))))
    session.add_all(ErasedAuthor(key_hash=h, erased_at=now) for h in sorted(hashes - known))  # type: ignore[type-var]


def erase_author(
    session: DbSession, *, author_id: int, storage: Storage, actor: audit.Actor, now: datetime
) -> ErasureReport:
    """Erase one author and everything of theirs in one transaction, then delete their files."""
    author = session.get(Author, author_id)
    if author is None:
        raise ErasureError(f"no author {author_id} (already erased?)")
    post_ids = list(session.scalars(select(Post.id).where(Post.author_id == author_id)))
    report = ErasureReport(author_id=author_id, post_ids=post_ids)
    files = _files_only_these_posts_use(session, post_ids) if post_ids else set()
    if author.platform_user_id:
        # Their replies under other people's posts (as a bystander) go too.
        session.execute(
            delete(RightsReply).where(
                RightsReply.platform == author.platform, RightsReply.author_user_id == author.platform_user_id
            )
        )
    _remember_erased(session, author, now)
    report.events_redacted = consent_ledger.redact(session, author_id=author_id, post_ids=post_ids, now=now)
    posts_table = Post.__table__
    authors_table = Author.__table__
    assert isinstance(posts_table, Table) and isinstance(authors_table, Table)
    _delete_rows(session, posts_table, "id", post_ids)
    _delete_rows(session, authors_table, "id", [author_id])
    consent_ledger.append(
        session,
        kind="erased",
        payload={"author_id": author_id, "posts": len(post_ids), "events_redacted": report.events_redacted},
        author_id=author_id,
        at=now,
    )
    audit.record(
        session,
        actor=actor,
        action="rights.erase",
        object_type="author",
        object_id=author_id,
        after={"posts": len(post_ids), "files": len(files), "events_redacted": report.events_redacted},
    )
    session.commit()
    publication.announce_change(post_ids)
    for key in sorted(files):
        try:
            storage.delete(key)
            report.files_deleted += 1
        except Exception as exc:  # a file left behind is reported; the erasure stands
            report.file_errors.append(f"{key}: {exc}")
    return report
