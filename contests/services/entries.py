"""Contest entries: from collected posts (hashtags, dates, fields read from the caption) and from the
upload form; every post or person left out is logged with a reason code.

An entry is ``pending_rights`` until its post's rights are granted, then ``eligible``. Hashtag
entries get their rights through the rights workflow; an upload grants them in the same step (the
acceptance, with time, IP and user agent, goes to the consent ledger through ``rights_state``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select

from contests.entry_rules import (
    FieldRule,
    missing_hashtags,
    read_fields,
    within,
)
from contests.models import Contest, ContestEntry, ContestExclusion
from contests.services.contests import get_contest
from ugc_hub.models import Author, Post, PostHashtag, PostRights, Workspace
from ugc_hub.models.base import DbSession
from ugc_hub.rights.services.permissions import RightsError, open_request_for, request_permission
from ugc_hub.services import audit

UPLOAD_PLATFORM = "upload"
MAX_CREDIT = 60
MAX_CAPTION = 2000
SCAN_MARGIN = timedelta(days=30)


@dataclass(frozen=True)
class ScanResult:
    entered: int
    excluded: int


def rules_of(contest: Contest) -> list[FieldRule]:
    return [FieldRule(**item) for item in contest.fields]


def log_exclusion(
    session: DbSession, contest_id: int, subject: str, reason: str, detail: str = "", *, post_id: int | None = None
) -> None:
    """Record why something was left out, once per subject and reason."""
    known = session.scalar(
        select(
            exists().where(
                ContestExclusion.contest_id == contest_id,
                ContestExclusion.subject == subject,
                ContestExclusion.reason == reason,
            )
        )
    )
    if not known:
        session.add(
            ContestExclusion(
                contest_id=contest_id, subject=subject, reason=reason, detail=detail[:500], post_id=post_id
            )
        )


def entries_of(session: DbSession, contest_id: int, person_key: str) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(ContestEntry)
            .where(ContestEntry.contest_id == contest_id, ContestEntry.person_key == person_key)
        )
        or 0
    )


def _rights_granted(session: DbSession, post_id: int, now: datetime) -> bool:
    rights = session.get(PostRights, post_id)
    return (
        rights is not None
        and rights.state == "granted"
        and rights.licence_start is not None
        and rights.licence_start <= now
        and (rights.licence_end is None or rights.licence_end > now)
    )


def _is_brand_account(workspace: Workspace, author: Author) -> bool:
    own = str((workspace.handles or {}).get(author.platform, "")).lstrip("@").casefold()
    return bool(own) and own == author.handle.lstrip("@").casefold()


def _post_exclusion(contest: Contest, post: Post, workspace: Workspace) -> tuple[str, str] | None:
    if post.author is None:
        return "no_author", ""
    missing = missing_hashtags(contest.hashtags, post.tags)
    if missing:
        return "missing_hashtag", " ".join("#" + tag for tag in missing)
    if not within(contest.starts_at, contest.ends_at, post.posted_at):
        return "outside_dates", post.posted_at.isoformat()
    if contest.exclude_staff and _is_brand_account(workspace, post.author):
        return "staff", "@" + post.author.handle.lstrip("@")
    return None


def scan_posts(session: DbSession, *, contest_id: int, now: datetime) -> ScanResult:
    """Turn collected posts that carry a required hashtag into entries or logged exclusions (idempotent)."""
    contest = get_contest(session, contest_id)
    if contest.status not in ("open", "closed") or not contest.hashtags:
        return ScanResult(0, 0)
    workspace = session.get(Workspace, contest.workspace_id)
    assert workspace is not None
    seen_entries = select(ContestEntry.post_id).where(
        ContestEntry.contest_id == contest.id, ContestEntry.post_id.is_not(None)
    )
    seen_exclusions = select(ContestExclusion.post_id).where(
        ContestExclusion.contest_id == contest.id, ContestExclusion.post_id.is_not(None)
    )
    candidates = session.scalars(
        select(Post)
        .where(
            Post.workspace_id == contest.workspace_id,
            Post.platform != UPLOAD_PLATFORM,
            # Older posts with the campaign hashtag are not entries; logging each of them would only be noise.
            Post.posted_at >= contest.starts_at - SCAN_MARGIN,
            Post.id.in_(select(PostHashtag.post_id).where(PostHashtag.tag.in_(contest.hashtags))),
            Post.id.not_in(seen_entries),
            Post.id.not_in(seen_exclusions),
        )
        .order_by(Post.posted_at, Post.id)
    ).all()
    rules = rules_of(contest)
    entered = excluded = 0
    for post in candidates:
        subject = f"post:{post.id}"
        problem = _post_exclusion(contest, post, workspace)
        values: dict[str, str] = {}
        if problem is None:
            values, missing = read_fields(rules, post.text or "")
            if missing:
                problem = ("missing_field", ", ".join(missing))
        if problem is None:
            assert post.author is not None
            person = f"{post.author.platform}:{post.author.platform_key}"
            if entries_of(session, contest.id, person) >= contest.entries_per_person:
                problem = ("duplicate_person", "")
        if problem is not None:
            log_exclusion(session, contest.id, subject, problem[0], problem[1], post_id=post.id)
            excluded += 1
            continue
        session.add(
            ContestEntry(
                contest_id=contest.id,
                uid=str(uuid.uuid4()),
                channel="hashtag",
                post_id=post.id,
                person_key=person,
                fields=values,
                status="eligible"
                if not contest.rights_required or _rights_granted(session, post.id, now)
                else "pending_rights",
                created_at=now,
            )
        )
        session.flush()
        entered += 1
    session.commit()
    return ScanResult(entered, excluded)


def refresh_rights(session: DbSession, *, contest_id: int, now: datetime) -> int:
    """Move entries between pending and eligible as their posts' rights are granted or revoked."""
    changed = 0
    contest = get_contest(session, contest_id)
    for entry in session.scalars(
        select(ContestEntry).where(
            ContestEntry.contest_id == contest_id, ContestEntry.status.in_(("pending_rights", "eligible"))
        )
    ):
        granted = not contest.rights_required or (
            entry.post_id is not None and _rights_granted(session, entry.post_id, now)
        )
        status = "eligible" if granted else "pending_rights"
        if status != entry.status:
            entry.status, changed = status, changed + 1
    session.commit()
    return changed


def request_missing_rights(
    session: DbSession,
    *,
    contest_id: int,
    channel: str,
    actor: audit.Actor,
    now: datetime,
    terms_link: Callable[[str], str],
) -> tuple[int, list[str]]:
    """Ask, through the rights workflow, every author of a pending entry not asked yet."""
    asked, problems = 0, []
    for entry in session.scalars(
        select(ContestEntry).where(ContestEntry.contest_id == contest_id, ContestEntry.status == "pending_rights")
    ).all():
        if entry.post_id is None or open_request_for(session, entry.post_id) is not None:
            continue
        try:
            request_permission(
                session, post_id=entry.post_id, channel=channel, actor=actor, now=now, terms_link=terms_link
            )
            asked += 1
        except RightsError as exc:
            session.rollback()
            problems.append(f"{entry.uid}: {exc}")
    return asked, problems


def exclusion_counts(session: DbSession, contest_id: int) -> dict[str, int]:
    rows = session.execute(
        select(ContestExclusion.reason, func.count())
        .where(ContestExclusion.contest_id == contest_id)
        .group_by(ContestExclusion.reason)
    ).all()
    return {reason: count for reason, count in rows}


def exclusions(session: DbSession, contest_id: int) -> list[ContestExclusion]:
    return list(
        session.scalars(
            select(ContestExclusion).where(ContestExclusion.contest_id == contest_id).order_by(ContestExclusion.id)
        )
    )


def entries(session: DbSession, contest_id: int) -> list[ContestEntry]:
    return list(
        session.scalars(select(ContestEntry).where(ContestEntry.contest_id == contest_id).order_by(ContestEntry.id))
    )
