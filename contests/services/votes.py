"""Public votes and judged results (jury, vote, or the mix whose weights the rules publish).

One vote per verified customer per entry: the database's unique constraint holds it even when two
requests race. Votes go only to entries the public gate shows, and never to one's own entry.

Integrity is the ideas' approach (``ideas_integrity``): a vote over a rate rule (per IP or per account,
burst and sustained) is kept with its ``quarantine_reason`` and the voter sees exactly what a counted
vote shows; staff can invalidate votes in bulk by IP, e-mail domain or time range, audited, and the
totals are recounted. Quarantined and invalidated votes never count. A contest may hide its totals
during the last hours before voting closes, so that late voters follow no bandwagon.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError

from contests.judging import mix
from contests.models import Contest, ContestEntry, ContestVote
from contests.services.contests import ContestError, get_contest
from contests.services.jury import jury_ranking
from ugc_hub.models.base import DbSession
from ugc_hub.models.ideas import Customer
from ugc_hub.services import audit
from ugc_hub.services.ideas_integrity import DEFAULT_RULES, INVALIDATION_REASONS, RateRule
from ugc_hub.services.publication import is_shown


class VoteRefused(ValueError):
    """``code``: not_signed_in, no_vote, closed, not_shown, own_entry, already_voted."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def vote_rule_broken(
    session: DbSession, rules: Sequence[RateRule], *, customer_id: int, ip: str | None, now: datetime
) -> str | None:
    """The name of the first rate rule this vote would break (all contests' votes count), in one query."""
    if not rules:
        return None
    oldest = now - timedelta(seconds=max(rule.seconds for rule in rules))
    columns = []
    for rule in rules:
        since = now - timedelta(seconds=rule.seconds)
        mine = ContestVote.customer_id == customer_id if rule.scope == "account" else ContestVote.ip == ip
        columns.append(func.coalesce(func.sum(case((and_(mine, ContestVote.created_at >= since), 1), else_=0)), 0))
    scope = (
        ContestVote.customer_id == customer_id
        if ip is None
        else or_(ContestVote.customer_id == customer_id, ContestVote.ip == ip)
    )
    counts = session.execute(select(*columns).where(scope, ContestVote.created_at >= oldest)).one()
    for rule, count in zip(rules, counts, strict=True):
        if rule.scope == "ip" and ip is None:
            continue
        if int(count) >= rule.limit:
            return rule.name
    return None


def cast_vote(
    session: DbSession,
    *,
    contest_id: int,
    entry_uid: str,
    customer_id: int,
    now: datetime,
    ip: str | None = None,
    rules: Sequence[RateRule] = DEFAULT_RULES,
) -> None:
    """Record one vote; over a rate rule it is quietly quarantined (the caller cannot tell)."""
    contest = get_contest(session, contest_id)
    customer = session.get(Customer, customer_id)
    if customer is None or customer.verified_at is None:
        raise VoteRefused("not_signed_in")
    if contest.selection not in ("vote", "mix"):
        raise VoteRefused("no_vote")
    if contest.status not in ("open", "closed") or contest.result is not None:
        raise VoteRefused("closed")
    entry = session.scalar(
        select(ContestEntry).where(ContestEntry.contest_id == contest.id, ContestEntry.uid == entry_uid)
    )
    if (
        entry is None
        or entry.status == "excluded"
        or entry.post_id is None
        or not is_shown(session, entry.post_id, now)
    ):
        raise VoteRefused("not_shown")
    if entry.customer_id == customer.id:
        raise VoteRefused("own_entry")
    ip = (ip or "")[:64] or None
    quarantine = vote_rule_broken(session, rules, customer_id=customer.id, ip=ip, now=now)
    session.add(
        ContestVote(
            contest_id=contest.id,
            entry_id=entry.id,
            customer_id=customer.id,
            created_at=now,
            ip=ip,
            quarantine_reason=quarantine,
        )
    )
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise VoteRefused("already_voted") from exc


def vote_counts(session: DbSession, contest_id: int) -> dict[str, int]:
    """Counted votes per eligible entry: quarantined and invalidated ones are left out."""
    rows = session.execute(
        select(ContestEntry.uid, func.count(ContestVote.id))
        .join(ContestVote, ContestVote.entry_id == ContestEntry.id)
        .where(
            ContestEntry.contest_id == contest_id,
            ContestEntry.status == "eligible",
            ContestVote.quarantine_reason.is_(None),
            ContestVote.invalidated_at.is_(None),
        )
        .group_by(ContestEntry.uid)
    ).all()
    return {uid: count for uid, count in rows}


def totals_hidden(contest: Contest, now: datetime) -> bool:
    """True from ``hide_totals_hours`` before the end of voting until the result is published."""
    if contest.hide_totals_hours is None or contest.result is not None:
        return False
    return now >= contest.ends_at - timedelta(hours=contest.hide_totals_hours)


def public_totals(session: DbSession, contest: Contest, now: datetime) -> dict[str, int] | None:
    """The totals the public may see now, or None while they are hidden."""
    if contest.selection not in ("vote", "mix") or totals_hidden(contest, now):
        return None
    return vote_counts(session, contest.id)


def set_aside(session: DbSession, contest_id: int) -> dict[str, int]:
    """How many votes were set aside, by reason (quarantine rule or invalidation reason); never who."""
    rows = session.execute(
        select(ContestVote.quarantine_reason, ContestVote.invalidated_at.is_not(None), func.count())
        .where(
            ContestVote.contest_id == contest_id,
            or_(ContestVote.quarantine_reason.is_not(None), ContestVote.invalidated_at.is_not(None)),
        )
        .group_by(ContestVote.quarantine_reason, ContestVote.invalidated_at.is_not(None))
    ).all()
    found: dict[str, int] = {}
    for reason, invalidated, count in rows:
        key = "invalidated" if invalidated else str(reason)
        found[key] = found.get(key, 0) + int(count)
    return found


def invalidate_votes(
    session: DbSession,
    *,
    contest_id: int,
    reason: str,
    actor: audit.Actor,
    now: datetime,
    ip: str | None = None,
    domain: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    note: str = "",
) -> int:
    """Invalidate the contest's votes matching every given condition, recount, audit; then commit."""
    contest = get_contest(session, contest_id)
    if reason not in INVALIDATION_REASONS:
        raise ContestError(_l("choose a reason for the invalidation"))
    if not (ip or domain or since or until):
        raise ContestError(_l("give at least one condition (IP, e-mail domain or time range)"))
    if contest.result is not None:
        raise ContestError(_l("the results are published: votes can no longer be changed"))
    query = select(ContestVote).where(ContestVote.contest_id == contest.id, ContestVote.invalidated_at.is_(None))
    if ip:
        query = query.where(ContestVote.ip == ip.strip())
    if since is not None:
        query = query.where(ContestVote.created_at >= since)
    if until is not None:
        query = query.where(ContestVote.created_at < until)
    if domain:
        query = query.join(Customer, Customer.id == ContestVote.customer_id).where(
            Customer.email_canonical.like("%@" + domain.lower().strip())
        )
    before = vote_counts(session, contest.id)
    matched = session.scalars(query).all()
    for vote in matched:
        vote.invalidated_at = now
    session.flush()
    after = vote_counts(session, contest.id)
    audit.record(
        session,
        actor=actor,
        action="contest.votes_invalidate",
        object_type="contest",
        object_id=contest.id,
        before={"totals": before},
        after={
            "totals": after,
            "invalidated": len(matched),
            "reason": reason,
            "note": note.strip()[:2000],
            "ip": ip,
            "domain": domain,
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
        },
    )
    session.commit()
    return len(matched)


def _pct(value: Fraction) -> str:
    return f"{float(value) * 100:.1f}"


def decide_result(session: DbSession, *, contest_id: int, actor: audit.Actor, now: datetime) -> dict[str, Any]:
    """Rank by jury, votes or the mix, keep the first places as winners and the next as alternates."""
    contest = get_contest(session, contest_id)
    if contest.selection == "draw":
        raise ContestError(_l("this contest is decided by its verifiable draw"))
    if contest.status != "closed" or contest.result is not None:
        raise ContestError(_l("results are decided once, after entries close"))
    eligible = list(
        session.scalars(
            select(ContestEntry.uid).where(ContestEntry.contest_id == contest.id, ContestEntry.status == "eligible")
        )
    )
    votes = {uid: n for uid, n in vote_counts(session, contest.id).items() if uid in eligible}
    if contest.selection == "vote":
        ranked = sorted(eligible, key=lambda uid: (-votes.get(uid, 0), uid))
        rows = [{"entry": uid, "votes": votes.get(uid, 0)} for uid in ranked]
        weights = {"jury": 0, "vote": 100}
    else:
        order = jury_ranking(session, contest.id)
        if contest.selection == "jury":
            ranked = order
            rows = [{"entry": uid, "jury_place": i + 1} for i, uid in enumerate(order)]
            weights = {"jury": 100, "vote": 0}
        else:
            # The jury's part is its order turned into points (n for the first, 1 for the last).
            jury_points = {uid: Fraction(len(order) - i) for i, uid in enumerate(order)}
            blended = mix(jury_points, {uid: votes.get(uid, 0) for uid in order}, contest.jury_weight)
            ranked = [entry for entry, *_ in blended]
            rows = [
                {"entry": entry, "jury": _pct(j), "vote": _pct(v), "score": _pct(total), "votes": votes.get(entry, 0)}
                for entry, j, v, total in blended
            ]
            weights = {"jury": contest.jury_weight, "vote": 100 - contest.jury_weight}
    result = {
        "method": contest.selection,
        "weights": weights,
        "ranking": rows,
        "winners": ranked[: contest.winners],
        "alternates": ranked[contest.winners : contest.winners + contest.alternates],
        "decided_at": now.isoformat(),
    }
    contest.result, contest.status = result, "drawn"
    audit.record(session, actor=actor, action="contest.result", object_type="contest", object_id=contest.id)
    session.commit()
    return result
