"""Public votes and judged results (jury, vote, or the mix whose weights the rules publish).

One vote per verified customer per entry: the database's unique constraint holds it even when two
requests race. Votes go only to entries the public gate shows, and never to one's own entry.
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from contests.judging import mix
from ugc_hub.models.base import DbSession
from ugc_hub.models.contests import ContestEntry, ContestVote
from ugc_hub.models.ideas import Customer
from ugc_hub.services import audit
from ugc_hub.services.contests import ContestError, get_contest
from ugc_hub.services.contests_jury import jury_ranking
from ugc_hub.services.publication import is_shown


class VoteRefused(ValueError):
    """``code``: not_signed_in, no_vote, closed, not_shown, own_entry, already_voted."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def cast_vote(session: DbSession, *, contest_id: int, entry_uid: str, customer_id: int, now: datetime) -> None:
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
    session.add(ContestVote(contest_id=contest.id, entry_id=entry.id, customer_id=customer.id, created_at=now))
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise VoteRefused("already_voted") from exc


def vote_counts(session: DbSession, contest_id: int) -> dict[str, int]:
    rows = session.execute(
        select(ContestEntry.uid, func.count(ContestVote.id))
        .join(ContestVote, ContestVote.entry_id == ContestEntry.id)
        .where(ContestEntry.contest_id == contest_id, ContestEntry.status == "eligible")
        .group_by(ContestEntry.uid)
    ).all()
    return {uid: count for uid, count in rows}


def _pct(value: Fraction) -> str:
    return f"{float(value) * 100:.1f}"


def decide_result(session: DbSession, *, contest_id: int, actor: audit.Actor, now: datetime) -> dict[str, Any]:
    """Rank by jury, votes or the mix, keep the first places as winners and the next as alternates."""
    contest = get_contest(session, contest_id)
    if contest.selection == "draw":
        raise ContestError("this contest is decided by its verifiable draw")
    if contest.status != "closed" or contest.result is not None:
        raise ContestError("results are decided once, after entries close")
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
