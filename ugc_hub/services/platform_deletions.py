"""Re-check approved posts on their platform and take down those deleted or removed there.

Approved posts not yet marked are asked about source by source, through the source's plugin
(``Collector.check_exists``, ``exists_batch_size`` ids per call) with that source's account. A post gone
on its platform gets ``removed_on_platform_at``, which the public gate refuses; each batch commits, then
announces the change, so published gallery snapshots drop the post at once (as a withdrawal does).
Posts of a platform without a re-check route, or without a source, are counted as unchecked.

A check that fails (network, rate limit, credentials, an odd answer) changes nothing: the source's
remaining posts wait for the next check. A post is only ever taken down on the platform's own answer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from collectors import registry as default_registry
from collectors.base import GONE_REASONS
from collectors.registry import UnknownCollector
from ugc_hub.models import Post, PostRights, Source
from ugc_hub.models.base import DbSession
from ugc_hub.rights.services.state import record
from ugc_hub.services import audit
from ugc_hub.services.collection import CollectorLookup
from ugc_hub.services.publication import announce_change

log = logging.getLogger(__name__)
ACTION = "post.removed_on_platform"
LEDGER_KIND = "removed_on_platform"


@dataclass
class DeletionCheck:
    """What one check did: posts asked about, taken down (by reason), not checkable, and sources that failed."""

    checked: int = 0
    taken_down: list[int] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)
    unchecked: int = 0
    failed_sources: dict[int, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "taken_down": list(self.taken_down),
            "reasons": dict(self.reasons),
            "unchecked": self.unchecked,
            "failed_sources": {str(k): v for k, v in self.failed_sources.items()},
        }


def _candidates(session: DbSession, workspace_id: int | None) -> dict[int | None, list[tuple[int, str]]]:
    """Approved posts not yet found gone, as ``(post id, platform id)`` grouped by source."""
    query = (
        select(Post.source_id, Post.id, Post.platform_id)
        .where(Post.moderation_status == "approved", Post.removed_on_platform_at.is_(None))
        .order_by(Post.source_id, Post.id)
    )
    if workspace_id is not None:
        query = query.where(Post.workspace_id == workspace_id)
    grouped: dict[int | None, list[tuple[int, str]]] = {}
    for source_id, post_id, platform_id in session.execute(query):
        grouped.setdefault(source_id, []).append((post_id, platform_id))
    return grouped


def check_platform_deletions(
    session: DbSession,
    *,
    now: datetime,
    registry: CollectorLookup = default_registry,
    workspace_id: int | None = None,
) -> DeletionCheck:
    """Ask each source's platform about its approved posts; mark, record and announce those gone."""
    report = DeletionCheck()
    for source_id, posts in _candidates(session, workspace_id).items():
        source = session.get(Source, source_id) if source_id is not None else None
        plugin = None
        if source is not None:
            try:
                plugin = registry.get(source.kind)()
            except UnknownCollector:
                plugin = None
        if source is None or plugin is None or plugin.exists_batch_size <= 0:
            report.unchecked += len(posts)
            continue
        settings = dict(source.settings or {})
        size = plugin.exists_batch_size
        for start in range(0, len(posts), size):
            batch = dict((platform_id, post_id) for post_id, platform_id in posts[start : start + size])
            try:
                answers = plugin.check_exists(settings, list(batch))
            except Exception as exc:  # never take a post down on an error; the next check retries
                session.rollback()
                report.failed_sources[source.id] = f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"
                log.warning("re-checking the posts of source %s failed: %s", source.id, exc)
                break
            report.checked += len(batch)
            gone = _take_down(session, batch, answers, now, report)
            session.commit()
            announce_change(gone)
    return report


def _take_down(
    session: DbSession,
    batch: Mapping[str, int],
    answers: Mapping[str, str | None],
    now: datetime,
    report: DeletionCheck,
) -> list[int]:
    """Mark the posts the platform says are gone, with an audit event and, for asked authors, a ledger event."""
    gone: list[int] = []
    for platform_id, post_id in batch.items():
        reason = answers.get(platform_id)
        if reason is None:
            continue  # still up, or not answered: only the platform's own "gone" takes a post down
        reason = reason if reason in GONE_REASONS else "not_found"
        post = session.get(Post, post_id)
        if post is None or post.removed_on_platform_at is not None:
            continue
        post.removed_on_platform_at, post.removed_on_platform_reason = now, reason
        audit.record(
            session,
            actor=audit.SYSTEM,
            action=ACTION,
            object_type="post",
            object_id=post.id,
            after={"platform_id": platform_id, "reason": reason},
        )
        if session.get(PostRights, post.id) is not None:
            record(session, LEDGER_KIND, None, post, now, reason=reason)
        gone.append(post.id)
        report.taken_down.append(post.id)
        report.reasons[reason] = report.reasons.get(reason, 0) + 1
    return gone
