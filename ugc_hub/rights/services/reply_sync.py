"""Read the replies under every post whose author was asked for permission, and record each new one.

For each open request (``rights.open_requests``) the post's platform channel reads the thread with the
post's source settings; every reply not yet recorded for that request and written after the request goes
to ``rights.record_reply``, which judges it and moves the post's state. One post failing (deleted, a
platform error) is recorded in the report and the audit log and the others go on; a rate limit or a
dead login stops the other posts of the same source for this run, since they share the account.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import select

from collectors.errors import RateLimited, ReloginRequired
from collectors.replies import channel_for as default_channel_for
from ugc_hub.models import AuditEvent, RightsReply, Source
from ugc_hub.models.base import DbSession
from ugc_hub.rights.rules.replies import Reply, Verdict
from ugc_hub.rights.services import permissions as rights
from ugc_hub.services import audit

log = logging.getLogger(__name__)
FAILURE_ACTION = "rights.reply_sync_failed"


class ReadingChannel(Protocol):
    def fetch_replies(self, settings: Mapping[str, Any], post_platform_id: str) -> Any: ...


ChannelLookup = Callable[[str], ReadingChannel | None]


@dataclass(frozen=True)
class SyncFailure:
    post_id: int
    request_ids: tuple[int, ...]
    error: str


@dataclass
class SyncReport:
    """What one sync did: posts read, replies recorded per verdict, and the posts that failed."""

    posts_read: int = 0
    replies_seen: int = 0
    recorded: int = 0
    verdicts: dict[str, int] = field(default_factory=lambda: {v.value: 0 for v in Verdict})
    no_channel: int = 0
    failures: list[SyncFailure] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "posts_read": self.posts_read,
            "replies_seen": self.replies_seen,
            "recorded": self.recorded,
            **self.verdicts,
            "no_channel": self.no_channel,
            "failed_posts": [f.post_id for f in self.failures],
        }


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def sync_replies(
    session: DbSession,
    *,
    now: datetime,
    platform: str | None = None,
    channel_for: ChannelLookup = default_channel_for,
) -> SyncReport:
    """Read the threads of all open requests (of one platform, if given) and record their new replies."""
    report = SyncReport()
    by_post: dict[int, list[rights.OpenRequest]] = {}
    for open_request in rights.open_requests(session, now=now, platform=platform):
        by_post.setdefault(open_request.post_id, []).append(open_request)
    stopped_sources: dict[int | None, str] = {}
    for post_id, requests in by_post.items():
        first = requests[0]
        channel = channel_for(first.asked.platform)
        if channel is None:
            report.no_channel += 1
            continue
        if first.source_id in stopped_sources:
            _fail(session, report, post_id, requests, stopped_sources[first.source_id], now)
            continue
        try:
            settings = _settings(session, first.source_id)
            replies: list[Reply] = list(channel.fetch_replies(settings, first.asked.post_platform_id))
        except Exception as exc:  # one post's failure must not stop the others
            message = f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"
            if isinstance(exc, RateLimited | ReloginRequired) and first.source_id is not None:
                stopped_sources[first.source_id] = f"skipped: the account of this source failed on post {post_id}"
            _fail(session, report, post_id, requests, message, now)
            continue
        report.posts_read += 1
        report.replies_seen += len(replies)
        for open_request in requests:
            try:
                _record_new(session, report, open_request, replies, now)
            except Exception as exc:  # e.g. the post was erased meanwhile
                session.rollback()
                _fail(session, report, post_id, [open_request], f"{type(exc).__name__}: {exc}", now)
    return report


def _settings(session: DbSession, source_id: int | None) -> dict[str, Any]:
    source = session.get(Source, source_id) if source_id is not None else None
    if source is None:
        raise LookupError("the post has no source whose account could read its replies")
    return dict(source.settings or {})


def _record_new(
    session: DbSession, report: SyncReport, open_request: rights.OpenRequest, replies: list[Reply], now: datetime
) -> None:
    known = set(session.scalars(select(RightsReply.reply_id).where(RightsReply.request_id == open_request.request_id)))
    requested_at = _utc(open_request.asked.requested_at)
    for reply in replies:
        # Comments older than the request cannot answer it (the judge would ignore them, and a busy thread
        # would fill the table with them); our own request comment is not an answer either.
        if (
            reply.reply_id in known
            or reply.reply_id == open_request.asked.request_comment_id
            or _utc(reply.created_at) <= requested_at
        ):
            continue
        judgement = rights.record_reply(session, open_request.request_id, reply, now=now)
        known.add(reply.reply_id)
        report.recorded += 1
        report.verdicts[judgement.verdict.value] += 1


def _fail(
    session: DbSession,
    report: SyncReport,
    post_id: int,
    requests: list[rights.OpenRequest],
    error: str,
    now: datetime,
) -> None:
    request_ids = tuple(r.request_id for r in requests)
    report.failures.append(SyncFailure(post_id, request_ids, error))
    log.warning("reading the replies of post %s failed: %s", post_id, error)
    last = session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.action == FAILURE_ACTION, AuditEvent.object_type == "post", AuditEvent.object_id == str(post_id)
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    if last is not None and (last.after or {}).get("error") == error[:2000]:
        return  # the same failure as last time: the log already says so
    audit.record(
        session,
        actor=audit.SYSTEM,
        action=FAILURE_ACTION,
        object_type="post",
        object_id=post_id,
        after={"error": error[:2000], "request_ids": list(request_ids), "at": now.isoformat()},
    )
    session.commit()
