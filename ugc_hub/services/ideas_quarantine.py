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
from typing import Any

from sqlalchemy import ColumnElement, ColumnExpressionArgument, Select, Subquery, case, func, select

from ugc_hub.domain.ladder import progress
from ugc_hub.models.base import DbSession, utcnow
from ugc_hub.models.ideas import Campaign, Customer, Idea, IdeaMilestone, Support
from ugc_hub.services import audit
from ugc_hub.services.ideas_integrity import INVALIDATION_REASONS, InvalidationError, record_invalidation
from ugc_hub.services.supports import ladder_of, record_crossed

#: How many groups the review page lists at once when the app does not say (``IDEA_QUARANTINE_PAGE_SIZE``).
PAGE_SIZE = 50


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


@dataclass(frozen=True)
class BucketPage:
    """One page of groups, newest group (highest ``last_id``) first.

    ``newer``/``older``: whether groups exist before/after this page in that order; ``position``: how many
    groups come before this page, so the page shows groups ``position + 1`` to ``position + len(buckets)``
    of ``total``.
    """

    buckets: list[Bucket]
    total: int
    position: int
    newer: bool
    older: bool


def _domain(email_canonical: str) -> str:
    return email_canonical.rpartition("@")[2]


def _sql_domain(email: ColumnExpressionArgument[str]) -> ColumnElement[str]:
    """``_domain`` in SQL, the same on SQLite and PostgreSQL: whatever follows the last ``@``.

    ``rtrim(email, <every character but @>)`` leaves the text up to and including the last ``@``; removing
    that prefix leaves the domain (the whole text when there is no ``@``, as ``str.rpartition`` does).
    """
    return func.replace(email, func.rtrim(email, func.replace(email, "@", "")), "")


def _groups(idea_id: int | None) -> Subquery:
    """Quarantined supports per idea, rule, address and e-mail domain; ``last_id`` is unique per group (a support
    belongs to one group), so ordering by it is a total, stable order."""
    rows = (
        select(
            Support.id,
            Support.idea_id,
            Support.reason,
            Support.ip,
            Support.created_at,
            _sql_domain(Customer.email_canonical).label("domain"),
        )
        .join(Customer, Customer.id == Support.customer_id)
        .where(Support.state == "quarantined")
    )
    if idea_id is not None:
        rows = rows.where(Support.idea_id == idea_id)
    each = rows.subquery("quarantined")
    return (
        select(
            each.c.idea_id,
            each.c.reason,
            each.c.ip,
            each.c.domain,
            func.count().label("supports"),
            func.min(each.c.created_at).label("first_at"),
            func.max(each.c.created_at).label("last_at"),
            func.max(each.c.id).label("last_id"),
        )
        .group_by(each.c.idea_id, each.c.reason, each.c.ip, each.c.domain)
        .subquery("groups")
    )


def _buckets(session: DbSession, query: Select[Any]) -> list[Bucket]:
    return [
        Bucket(
            idea_id=row.idea_id,
            idea_title=row.title,
            key=BucketKey(row.reason, row.ip, row.domain, row.last_id),
            supports=row.supports,
            first_at=row.first_at,
            last_at=row.last_at,
        )
        for row in session.execute(query)
    ]


def _listed(groups: Subquery) -> Select[Any]:
    return select(groups, Idea.title).join(Idea, Idea.id == groups.c.idea_id)


def quarantine_buckets(session: DbSession, *, idea_id: int | None = None) -> list[Bucket]:
    """Every group of quarantined supports (of one idea when ``idea_id`` is given), newest group first."""
    groups = _groups(idea_id)
    return _buckets(session, _listed(groups).order_by(groups.c.last_id.desc()))


def quarantine_page(
    session: DbSession,
    *,
    idea_id: int | None = None,
    before: int | None = None,
    after: int | None = None,
    size: int = PAGE_SIZE,
) -> BucketPage:
    """The ``size`` newest groups whose ``last_id`` is below ``before`` (the next page), or the ``size`` oldest
    whose ``last_id`` is above ``after`` (the previous page), or the newest groups when neither is given.

    Keyset paging: a group released or confirmed while the moderator pages does not shift the others, so
    none is skipped or shown twice. A group that gains a support meanwhile has a new ``last_id`` and moves to
    the first page: it is a new sight, and its old key acts only on what was seen.

    The total is counted exactly rather than capped ("more than N"): grouping needs every quarantined
    support of the filter anyway (a group's place in the order is its newest support), so the count reads
    the same rows as the page and costs about as much again.
    """
    if size < 1:
        raise ValueError("a page holds at least one group")
    groups = _groups(idea_id)
    listed = _listed(groups)
    if after is not None:
        rows = _buckets(
            session, listed.where(groups.c.last_id > after).order_by(groups.c.last_id.asc()).limit(size + 1)
        )
        page = rows[:size][::-1]
    else:
        if before is not None:
            listed = listed.where(groups.c.last_id < before)
        rows = _buckets(session, listed.order_by(groups.c.last_id.desc()).limit(size + 1))
        page = rows[:size]
    more = len(rows) > size
    if not page:  # a cursor past every group (they were acted on): nothing here, the rest lies one way
        total = session.scalar(select(func.count()).select_from(groups)) or 0
        backwards = after is not None
        return BucketPage(
            [], total, 0 if backwards else total, newer=total > 0 and not backwards, older=total > 0 and backwards
        )
    newest = page[0].key.last_id
    total, position = session.execute(
        select(func.count(), func.coalesce(func.sum(case((groups.c.last_id > newest, 1), else_=0)), 0)).select_from(
            groups
        )
    ).one()
    if after is not None:
        return BucketPage(page, total, position, newer=more, older=position + len(page) < total)
    return BucketPage(page, total, position, newer=position > 0, older=more)


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
