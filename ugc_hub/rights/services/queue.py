"""The send queue for requests, reminders and thank-yous.

Messages on a channel the platform's API can send (``api_reply``) wait in ``queued`` until a worker
sends them, at most ``per_hour`` per platform account in any rolling hour; the rest stay queued for the
next run. Everything else is ``awaiting_manual``: a person copies the text, posts it, and clicks
"I have posted it". Each sent message is appended to the consent ledger.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, select, update

from collectors.replies import SendUnavailable, channel_for
from ugc_hub.models import Post, RightsMessage, RightsRequest, Source
from ugc_hub.models.base import DbSession
from ugc_hub.rights.services.state import RightsError, record
from ugc_hub.services import audit

API_CHANNELS = ("api_reply",)
MAX_ATTEMPTS = 3
DEFAULT_PER_HOUR = 20


class Channel(Protocol):
    """What ``collectors.replies.channel_for`` returns: a platform that may be able to post a reply."""

    can_send: bool

    def send_reply(self, settings: Mapping[str, Any], post_platform_id: str, text: str) -> str: ...


ChannelLookup = Callable[[str], Channel | None]


def default_channel_lookup(platform: str) -> Channel | None:
    found: Channel | None = channel_for(platform)
    return found


def account_key(post: Post, source: Source | None) -> str:
    """The platform account a reply goes out from: the source's login, else the source itself."""
    settings = source.settings if source else {}
    login = next((str(settings[k]) for k in ("username", "ig_user_id", "account", "login") if settings.get(k)), None)
    if login:
        return f"{post.platform}:{login}"[:255]
    return f"{post.platform}:source-{source.id if source else 'none'}"


def queue(
    session: DbSession,
    *,
    post: Post,
    purpose: str,
    channel: str,
    text: str,
    now: datetime,
    request: RightsRequest | None = None,
    template_id: int | None = None,
) -> RightsMessage:
    source = session.get(Source, post.source_id) if post.source_id else None
    message = RightsMessage(
        post_id=post.id,
        request_id=request.id if request else None,
        purpose=purpose,
        channel=channel,
        template_id=template_id,
        text=text,
        account_key=account_key(post, source),
        status="queued" if channel in API_CHANNELS else "awaiting_manual",
        queued_at=now,
        attempts=0,
    )
    session.add(message)
    session.flush()
    return message


def _mark_sent(session: DbSession, message: RightsMessage, now: datetime, *, by: str, comment_id: str | None) -> None:
    message.status, message.sent_at, message.sent_by = "sent", now, by[:255]
    message.platform_comment_id, message.error = comment_id, None
    request = session.get(RightsRequest, message.request_id) if message.request_id else None
    if request is not None and message.purpose == "request":
        request.request_comment_id = comment_id
    post = session.get(Post, message.post_id)
    if post is not None:
        record(
            session,
            f"{message.purpose}_sent",
            request,
            post,
            now,
            message_id=message.id,
            channel=message.channel,
            text=message.text,
            sent_by=by,
            account=message.account_key,
            platform_comment_id=comment_id,
        )


def mark_posted(
    session: DbSession, *, message_id: int, actor: audit.Actor, now: datetime, comment_id: str | None = None
) -> RightsMessage:
    """A person posted the text by hand ("I have posted it")."""
    message = session.get(RightsMessage, message_id)
    if message is None or message.status not in ("awaiting_manual", "queued", "failed"):
        raise RightsError("this message is not waiting to be posted")
    _mark_sent(session, message, now, by=actor.label, comment_id=(comment_id or "").strip()[:255] or None)
    audit.record(
        session, actor=actor, action="rights.message_posted", object_type="rights_message", object_id=message_id
    )
    session.commit()
    return message


def cancel(session: DbSession, *, message_id: int, actor: audit.Actor) -> None:
    message = session.get(RightsMessage, message_id)
    if message is None or message.status in ("sent", "cancelled"):
        raise RightsError("this message cannot be cancelled")
    message.status = "cancelled"
    audit.record(
        session, actor=actor, action="rights.message_cancel", object_type="rights_message", object_id=message_id
    )
    session.commit()


@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    left_queued: list[int] = field(default_factory=list)
    manual: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def sent_in_last_hour(session: DbSession, account: str, now: datetime) -> int:
    return int(
        session.scalar(
            select(func.count()).where(
                RightsMessage.account_key == account,
                RightsMessage.status == "sent",
                RightsMessage.channel.in_(API_CHANNELS),
                RightsMessage.sent_at > now - timedelta(hours=1),
            )
        )
        or 0
    )


def send_due(
    session: DbSession,
    *,
    now: datetime,
    per_hour: int = DEFAULT_PER_HOUR,
    channel_lookup: ChannelLookup = default_channel_lookup,
    limit: int = 200,
) -> SendReport:
    """Send queued messages through the platform APIs within each account's hourly budget (one commit each)."""
    report = SendReport()
    queued = session.scalars(
        select(RightsMessage)
        .where(RightsMessage.status == "queued")
        .order_by(RightsMessage.queued_at, RightsMessage.id)
        .limit(limit)
    ).all()
    budgets: dict[str, int] = {}
    for message in queued:
        if message.account_key not in budgets:
            budgets[message.account_key] = per_hour - sent_in_last_hour(session, message.account_key, now)
        if budgets[message.account_key] <= 0:
            report.left_queued.append(message.id)
            continue
        # Claim it: a second worker running the queue at the same moment skips what this one took.
        claimed = session.execute(
            update(RightsMessage)
            .where(RightsMessage.id == message.id, RightsMessage.status == "queued")
            .values(status="sending", attempts=RightsMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if not getattr(claimed, "rowcount", 0):
            continue
        session.refresh(message)
        _send_one(session, message, now, channel_lookup, report)
        if message.status == "sent":
            budgets[message.account_key] -= 1
        session.commit()
    return report


def _send_one(
    session: DbSession, message: RightsMessage, now: datetime, channel_lookup: ChannelLookup, report: SendReport
) -> None:
    post = session.get(Post, message.post_id)
    platform_channel = channel_lookup(post.platform) if post is not None else None
    if post is None or platform_channel is None or not platform_channel.can_send:
        message.status, message.error = "awaiting_manual", "this platform cannot post replies through its API"
        report.manual.append(message.id)
        return
    source = session.get(Source, post.source_id) if post.source_id else None
    try:
        comment_id = platform_channel.send_reply(
            dict(source.settings if source else {}), post.platform_id, message.text
        )
    except SendUnavailable as exc:
        message.status, message.error = "awaiting_manual", str(exc)[:2000]
        report.manual.append(message.id)
        return
    except Exception as exc:  # any platform failure is kept on the message and retried
        message.error = f"{type(exc).__name__}: {exc}"[:2000]
        message.status = "failed" if message.attempts >= MAX_ATTEMPTS else "queued"
        (report.failed if message.status == "failed" else report.left_queued).append(message.id)
        return
    _mark_sent(session, message, now, by=f"api {message.account_key}", comment_id=comment_id)
    report.sent.append(message.id)


def release_stuck(session: DbSession, *, now: datetime, after: timedelta = timedelta(minutes=30)) -> int:
    """Messages left "sending" by a killed worker: the platform may or may not have them, so a person checks."""
    stuck = session.scalars(
        select(RightsMessage).where(RightsMessage.status == "sending", RightsMessage.queued_at < now - after)
    ).all()
    for message in stuck:
        message.status = "awaiting_manual"
        message.error = "the worker stopped while sending; check the post before posting it again"
    session.commit()
    return len(stuck)


def thanked_at(session: DbSession, post_id: int) -> datetime | None:
    """When the author was thanked (a sent thank-you), or None."""
    return session.scalar(
        select(func.max(RightsMessage.sent_at)).where(
            RightsMessage.post_id == post_id, RightsMessage.purpose == "thanks", RightsMessage.status == "sent"
        )
    )
