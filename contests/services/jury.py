"""Jury rounds: jurors, declared conflicts, seeded assignment, blind scoring, round outcomes.

Rounds run in order (yes/no, weighted rating, ranking, as the manager sets them); each round
judges the entries the previous one let through. A juror never sees an entrant's handle, and a
declared conflict removes the juror from that entry at once, scored or not.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from contests.judging import (
    JudgingError,
    assign_jurors,
    borda_outcome,
    check_criteria,
    mean_outcome,
    weighted_rating,
    yes_no_outcome,
)
from contests.models import ROUND_KINDS, ContestConflict, ContestEntry, ContestJuror, JuryAssignment, JuryRound
from contests.services.contests import ContestError, get_contest
from contests.services.messages import judging_message
from ugc_hub.models import Post, User
from ugc_hub.models.base import DbSession
from ugc_hub.services import audit

MENTION_RE = re.compile(r"@[\w.]+")


def add_juror(session: DbSession, *, contest_id: int, user_id: int, actor: audit.Actor) -> ContestJuror:
    get_contest(session, contest_id)
    if session.get(User, user_id) is None:
        raise ContestError(_l("no such staff member"))
    found = session.scalar(
        select(ContestJuror).where(ContestJuror.contest_id == contest_id, ContestJuror.user_id == user_id)
    )
    if found is not None:
        return found
    juror = ContestJuror(contest_id=contest_id, user_id=user_id)
    session.add(juror)
    audit.record(session, actor=actor, action="contest.juror_add", object_type="contest", object_id=contest_id)
    session.commit()
    return juror


def _entry(session: DbSession, contest_id: int, uid: str) -> ContestEntry:
    entry = session.scalar(select(ContestEntry).where(ContestEntry.contest_id == contest_id, ContestEntry.uid == uid))
    if entry is None:
        raise ContestError(_l("no such entry in this contest"))
    return entry


def declare_conflict(
    session: DbSession, *, contest_id: int, user_id: int, entry_uid: str, reason: str, now: datetime
) -> None:
    """A juror declares a conflict with an entry: they leave it in every open round, score included."""
    entry = _entry(session, contest_id, entry_uid)
    exists = session.scalar(
        select(ContestConflict).where(ContestConflict.entry_id == entry.id, ContestConflict.user_id == user_id)
    )
    if exists is None:
        session.add(
            ContestConflict(
                contest_id=contest_id, entry_id=entry.id, user_id=user_id, reason=reason.strip()[:500], declared_at=now
            )
        )
    open_rounds = select(JuryRound.id).where(JuryRound.contest_id == contest_id, JuryRound.status == "open")
    session.execute(
        delete(JuryAssignment).where(
            JuryAssignment.entry_id == entry.id,
            JuryAssignment.user_id == user_id,
            JuryAssignment.round_id.in_(open_rounds),
        )
    )
    audit.record(
        session,
        actor=audit.Actor(type="user", id=user_id, label=f"juror {user_id}"),
        action="contest.conflict",
        object_type="contest",
        object_id=contest_id,
        after={"entry": entry_uid},
    )
    session.commit()


def rounds(session: DbSession, contest_id: int) -> list[JuryRound]:
    return list(session.scalars(select(JuryRound).where(JuryRound.contest_id == contest_id).order_by(JuryRound.number)))


def _round_entries(session: DbSession, contest_id: int, previous: JuryRound | None) -> list[str]:
    if previous is None:
        return list(
            session.scalars(
                select(ContestEntry.uid)
                .where(ContestEntry.contest_id == contest_id, ContestEntry.status == "eligible")
                .order_by(ContestEntry.uid)
            )
        )
    return passing(session, previous)


def start_round(
    session: DbSession,
    *,
    contest_id: int,
    kind: str,
    jurors_per_entry: int,
    criteria: list[dict[str, Any]] | None = None,
    advance: int | None = None,
    actor: audit.Actor,
    now: datetime,
) -> JuryRound:
    """Open the next round over the entries still in, and assign jurors by the seeded procedure."""
    contest = get_contest(session, contest_id)
    if contest.selection not in ("jury", "mix"):
        raise ContestError(_l("this contest has no jury"))
    if contest.status != "closed":
        raise ContestError(_l("the jury judges once entries are closed"))
    if kind not in ROUND_KINDS:
        raise ContestError(_l("a round is one of: %(choices)s", choices=", ".join(ROUND_KINDS)))
    try:
        checked = [vars(c) for c in check_criteria(criteria or [])] if kind == "rating" else []
    except JudgingError as exc:
        raise ContestError(judging_message(exc.code, exc.params)) from exc
    earlier = rounds(session, contest.id)
    if earlier and earlier[-1].status != "closed":
        raise ContestError(_l("close the current round first"))
    entries = _round_entries(session, contest.id, earlier[-1] if earlier else None)
    if not entries:
        raise ContestError(_l("no entry is left to judge"))
    jurors = [
        str(j) for j in session.scalars(select(ContestJuror.user_id).where(ContestJuror.contest_id == contest.id))
    ]
    if len(jurors) < jurors_per_entry or jurors_per_entry < 1:
        raise ContestError(_l("not enough jurors for this many per entry"))
    ids = {e.uid: e.id for e in session.scalars(select(ContestEntry).where(ContestEntry.contest_id == contest.id))}
    conflicts = {
        (uid, str(c.user_id))
        for c in session.scalars(select(ContestConflict).where(ContestConflict.contest_id == contest.id))
        for uid, entry_id in ids.items()
        if entry_id == c.entry_id
    }
    seed = secrets.token_bytes(32)
    jury_round = JuryRound(
        contest_id=contest.id,
        number=len(earlier) + 1,
        kind=kind,
        jurors_per_entry=jurors_per_entry,
        criteria=checked,
        advance=advance,
        seed_hex=seed.hex(),
        opened_at=now,
    )
    session.add(jury_round)
    session.flush()
    for uid, chosen in assign_jurors(seed, entries, jurors, jurors_per_entry, conflicts).items():
        for juror in chosen:
            session.add(JuryAssignment(round_id=jury_round.id, entry_id=ids[uid], user_id=int(juror)))
    audit.record(
        session,
        actor=actor,
        action="contest.round_open",
        object_type="contest",
        object_id=contest.id,
        after={"round": jury_round.number, "kind": kind, "entries": len(entries)},
    )
    session.commit()
    return jury_round


@dataclass(frozen=True)
class BlindEntry:
    """What a juror sees: no handle, no name; @mentions in the caption are masked."""

    uid: str
    text: str
    media_url: str | None
    fields: dict[str, str]
    score: dict[str, Any] | None


def blind_text(text: str) -> str:
    return MENTION_RE.sub("@…", text)


def my_entries(session: DbSession, *, round_id: int, user_id: int) -> list[BlindEntry]:
    rows = session.execute(
        select(JuryAssignment, ContestEntry, Post)
        .join(ContestEntry, ContestEntry.id == JuryAssignment.entry_id)
        .outerjoin(Post, Post.id == ContestEntry.post_id)
        .where(JuryAssignment.round_id == round_id, JuryAssignment.user_id == user_id)
        .order_by(ContestEntry.uid)
    ).all()
    return [
        BlindEntry(
            uid=entry.uid,
            text=blind_text(post.text if post else ""),
            media_url=(post.media[0].get("url") if post and post.media else None),
            fields=dict(entry.fields),
            score=assignment.score,
        )
        for assignment, entry, post in rows
    ]


def _checked_score(jury_round: JuryRound, value: dict[str, Any], assigned: int) -> dict[str, Any]:
    if jury_round.kind == "yes_no":
        if not isinstance(value.get("yes"), bool):
            raise ContestError(_l("answer yes or no"))
        return {"yes": value["yes"]}
    if jury_round.kind == "rating":
        marks = value.get("marks")
        try:
            weighted_rating(check_criteria(jury_round.criteria), marks if isinstance(marks, dict) else {})
        except JudgingError as exc:
            raise ContestError(judging_message(exc.code, exc.params)) from exc
        return {"marks": {c["name"]: marks[c["name"]] for c in jury_round.criteria}}  # type: ignore[index]
    rank = value.get("rank")
    if not isinstance(rank, int) or not 1 <= rank <= assigned:
        raise ContestError(_l("a rank from 1 to %(n)s", n=assigned))
    return {"rank": rank}


def submit_score(
    session: DbSession, *, round_id: int, user_id: int, entry_uid: str, value: dict[str, Any], now: datetime
) -> None:
    jury_round = session.get(JuryRound, round_id)
    if jury_round is None or jury_round.status != "open":
        raise ContestError(_l("this round is not open"))
    entry = _entry(session, jury_round.contest_id, entry_uid)
    conflict = session.scalar(
        select(ContestConflict.id).where(ContestConflict.entry_id == entry.id, ContestConflict.user_id == user_id)
    )
    if conflict is not None:
        raise ContestError(_l("you declared a conflict of interest with this entry"))
    assignment = session.scalar(
        select(JuryAssignment).where(
            JuryAssignment.round_id == round_id, JuryAssignment.entry_id == entry.id, JuryAssignment.user_id == user_id
        )
    )
    if assignment is None:
        raise ContestError(_l("this entry is not assigned to you"))
    assigned = session.scalar(
        select(func.count())
        .select_from(JuryAssignment)
        .where(JuryAssignment.round_id == round_id, JuryAssignment.user_id == user_id)
    )
    assignment.score = _checked_score(jury_round, value, assigned or 0)
    assignment.scored_at = now
    session.commit()


def outcome(session: DbSession, jury_round: JuryRound) -> list[tuple[str, Fraction]]:
    """The round's entries, best first, with their value (share of yes, mean rating, minus mean rank)."""
    rows = session.execute(
        select(ContestEntry.uid, JuryAssignment.score)
        .join(ContestEntry, ContestEntry.id == JuryAssignment.entry_id)
        .where(JuryAssignment.round_id == jury_round.id)
    ).all()
    scores: dict[str, list[Any]] = {}
    for uid, score in rows:
        given = scores.setdefault(uid, [])
        if score is not None:
            given.append(score)
    if jury_round.kind == "yes_no":
        return yes_no_outcome({uid: [s["yes"] for s in given] for uid, given in scores.items()})
    if jury_round.kind == "rating":
        criteria = check_criteria(jury_round.criteria)
        return mean_outcome(
            {uid: [weighted_rating(criteria, s["marks"]) for s in given] for uid, given in scores.items()}
        )
    return borda_outcome({uid: [s["rank"] for s in given] for uid, given in scores.items()})


def passing(session: DbSession, jury_round: JuryRound) -> list[str]:
    ranked = outcome(session, jury_round)
    if jury_round.kind == "yes_no":
        return sorted(uid for uid, share in ranked if share > Fraction(1, 2))
    kept = ranked if jury_round.advance is None else ranked[: jury_round.advance]
    return sorted(uid for uid, _ in kept)


@dataclass(frozen=True)
class MissingScores:
    """An entry of an open round without its quorum: every juror still assigned to it has not scored yet
    (an entry whose jurors all declared conflicts has nobody left and needs one score)."""

    uid: str
    author: str
    title: str
    scored: int
    needed: int


TITLE_LENGTH = 80


def _title(post: Post | None, fields: dict[str, str]) -> str:
    text = " ".join((post.text if post is not None else "").split()) or " ".join(str(v) for v in fields.values())
    return text if len(text) <= TITLE_LENGTH else text[: TITLE_LENGTH - 1] + "…"


def missing_scores(session: DbSession, jury_round: JuryRound) -> list[MissingScores]:
    """The round's entries still short of their quorum, by author then entry id."""
    rounds_before = [r for r in rounds(session, jury_round.contest_id) if r.number < jury_round.number]
    judged = set(_round_entries(session, jury_round.contest_id, rounds_before[-1] if rounds_before else None))
    counts: dict[str, list[int]] = {uid: [0, 0] for uid in judged}
    for uid, score in session.execute(
        select(ContestEntry.uid, JuryAssignment.score)
        .join(ContestEntry, ContestEntry.id == JuryAssignment.entry_id)
        .where(JuryAssignment.round_id == jury_round.id)
    ):
        count = counts.setdefault(uid, [0, 0])
        count[0] += score is not None
        count[1] += 1
    short = {uid: (scored, max(assigned, 1)) for uid, (scored, assigned) in counts.items() if scored < max(assigned, 1)}
    if not short:
        return []
    rows = session.execute(
        select(ContestEntry, Post)
        .outerjoin(Post, Post.id == ContestEntry.post_id)
        .where(ContestEntry.contest_id == jury_round.contest_id, ContestEntry.uid.in_(short))
    ).all()
    missing = [
        MissingScores(
            uid=entry.uid,
            author=f"@{post.author.handle}" if post is not None and post.author is not None else "",
            title=_title(post, dict(entry.fields)),
            scored=short[entry.uid][0],
            needed=short[entry.uid][1],
        )
        for entry, post in rows
    ]
    return sorted(missing, key=lambda m: (m.author.lower(), m.uid))


class QuorumMissing(ContestError):
    """Closing would judge entries on fewer scores than their quorum; the manager may force it."""

    def __init__(self, missing: list[MissingScores]) -> None:
        super().__init__(_l("%(n)s entries do not have all their scores yet.", n=len(missing)))
        self.missing = missing


def close_round(
    session: DbSession, *, round_id: int, actor: audit.Actor, now: datetime, force: bool = False
) -> JuryRound:
    """Close a round once every entry has its quorum of scores; ``force`` closes it anyway, and the audit
    log then names every entry that was short and by how much."""
    jury_round = session.get(JuryRound, round_id)
    if jury_round is None or jury_round.status != "open":
        raise ContestError(_l("this round is not open"))
    missing = missing_scores(session, jury_round)
    if missing and not force:
        raise QuorumMissing(missing)
    jury_round.status, jury_round.closed_at = "closed", now
    after: dict[str, Any] = {"round": jury_round.number}
    if missing:
        after["missing"] = [
            {"entry": m.uid, "author": m.author, "title": m.title, "scored": m.scored, "needed": m.needed}
            for m in missing
        ]
    audit.record(
        session,
        actor=actor,
        action="contest.round_close_forced" if missing else "contest.round_close",
        object_type="contest",
        object_id=jury_round.contest_id,
        after=after,
    )
    session.commit()
    return jury_round


def jury_ranking(session: DbSession, contest_id: int) -> list[str]:
    """The jury's order: the last round's outcome, then those left out earlier, later rounds first."""
    done = [r for r in rounds(session, contest_id) if r.status == "closed"]
    if not done:
        raise ContestError(_l("no jury round is closed yet"))
    ranking: list[str] = []
    for jury_round in reversed(done):
        ranking.extend(uid for uid, _ in outcome(session, jury_round) if uid not in ranking)
    return ranking
