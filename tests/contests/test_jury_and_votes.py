"""Jury rounds (seeded assignment anyone can recompute, blind, conflicts enforced), public votes (one per
verified person per entry), and the published mix of both."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from contests.judging import assign_jurors, mix
from contests.models import ContestEntry, ContestVote, JuryAssignment
from contests.services import contests
from contests.services import entries as contests_entries
from contests.services import jury as contests_jury
from contests.services import votes as contests_votes
from contests.services.contests import ContestError
from contests.services.votes import VoteRefused
from tests.contests.db_support import ADMIN, BOTH, NOW, grant, nightmode, post
from tests.ideas.helpers import customer
from ugc_hub.models import db

LATER = NOW + timedelta(hours=1)


def _staff(auth_like: Any, n: int) -> list[int]:
    from ugc_hub.services.audit import CLI
    from ugc_hub.services.users import create_user

    return [
        create_user(
            db.session, email=f"juror{i}@example.com", password="correct horse battery", role="moderator", actor=CLI
        ).id
        for i in range(n)
    ]


def _setup(workspace: Any, **changes: Any) -> tuple[Any, dict[int, ContestEntry]]:
    contest = nightmode(workspace.id, **changes)
    posts = [post(workspace.id, n, f"Shot {n} by @night{n} {BOTH} iPhone 1{n}") for n in range(1, 5)]
    contests_entries.scan_posts(db.session, contest_id=contest.id, now=NOW)
    for p in posts:
        grant(p.id)
    contests_entries.refresh_rights(db.session, contest_id=contest.id, now=LATER)
    entries = {e.post_id: e for e in contests_entries.entries(db.session, contest.id)}
    return contest, {n: entries[p.id] for n, p in enumerate(posts, start=1)}


def test_public_votes_one_per_person_per_entry_and_only_on_shown_entries(workspace: Any) -> None:
    contest, entries = _setup(workspace, selection="vote", winners=1, alternates=1)
    fans = [customer(f"fan{i}") for i in range(3)]
    for fan in fans:
        contests_votes.cast_vote(
            db.session, contest_id=contest.id, entry_uid=entries[2].uid, customer_id=fan.id, now=LATER
        )
    contests_votes.cast_vote(
        db.session, contest_id=contest.id, entry_uid=entries[3].uid, customer_id=fans[0].id, now=LATER
    )
    with pytest.raises(VoteRefused) as twice:
        contests_votes.cast_vote(
            db.session, contest_id=contest.id, entry_uid=entries[2].uid, customer_id=fans[0].id, now=LATER
        )
    assert twice.value.code == "already_voted"
    with pytest.raises(VoteRefused) as hidden:  # before its grant, the gate does not show it
        contests_votes.cast_vote(
            db.session,
            contest_id=contest.id,
            entry_uid=entries[1].uid,
            customer_id=fans[1].id,
            now=NOW - timedelta(days=1),
        )
    assert hidden.value.code == "not_shown"
    unverified = customer("late")
    unverified.verified_at = None
    db.session.commit()
    with pytest.raises(VoteRefused):
        contests_votes.cast_vote(
            db.session, contest_id=contest.id, entry_uid=entries[3].uid, customer_id=unverified.id, now=LATER
        )
    assert len(db.session.scalars(select(ContestVote)).all()) == 4
    assert contests_votes.vote_counts(db.session, contest.id) == {entries[2].uid: 3, entries[3].uid: 1}

    with pytest.raises(ContestError):
        contests_votes.decide_result(db.session, contest_id=contest.id, actor=ADMIN, now=LATER)  # still open
    contests.close_contest(db.session, contest_id=contest.id, actor=ADMIN, now=LATER)
    result = contests_votes.decide_result(db.session, contest_id=contest.id, actor=ADMIN, now=LATER)
    assert result["winners"] == [entries[2].uid] and result["alternates"] == [entries[3].uid]
    with pytest.raises(VoteRefused):
        contests_votes.cast_vote(
            db.session, contest_id=contest.id, entry_uid=entries[3].uid, customer_id=fans[1].id, now=LATER
        )


def test_jury_rounds_blind_seeded_with_conflicts_then_mixed_with_votes(workspace: Any) -> None:
    contest, entries = _setup(workspace, selection="mix", jury_weight=60, winners=1, alternates=2)
    a, b, c = _staff(None, 3)
    for user in (a, b, c):
        contests_jury.add_juror(db.session, contest_id=contest.id, user_id=user, actor=ADMIN)
    contests_jury.declare_conflict(
        db.session, contest_id=contest.id, user_id=a, entry_uid=entries[1].uid, reason="my cousin", now=NOW
    )
    with pytest.raises(ContestError, match="closed"):
        contests_jury.start_round(
            db.session, contest_id=contest.id, kind="yes_no", jurors_per_entry=2, actor=ADMIN, now=LATER
        )
    fan = customer("fan")
    contests_votes.cast_vote(db.session, contest_id=contest.id, entry_uid=entries[3].uid, customer_id=fan.id, now=LATER)
    contests.close_contest(db.session, contest_id=contest.id, actor=ADMIN, now=LATER)

    first = contests_jury.start_round(
        db.session, contest_id=contest.id, kind="yes_no", jurors_per_entry=2, actor=ADMIN, now=LATER
    )
    assigned = {
        (e, u)
        for e, u in db.session.execute(
            select(ContestEntry.uid, JuryAssignment.user_id)
            .join(ContestEntry, ContestEntry.id == JuryAssignment.entry_id)
            .where(JuryAssignment.round_id == first.id)
        )
    }
    # Anyone holding the published seed recomputes the same assignment; the conflict is respected.
    recomputed = assign_jurors(
        bytes.fromhex(first.seed_hex),
        sorted(e.uid for e in entries.values()),
        [str(a), str(b), str(c)],
        2,
        {(entries[1].uid, str(a))},
    )
    assert assigned == {(e, int(u)) for e, jurors in recomputed.items() for u in jurors}
    assert (entries[1].uid, a) not in assigned

    # Blind: no handle, mentions masked.
    seen = contests_jury.my_entries(db.session, round_id=first.id, user_id=b)
    assert seen and all("night" not in e.text and "@…" in e.text for e in seen)

    # A conflict declared mid-round removes the juror from that entry, and they cannot score it.
    taken = next(e for e, u in assigned if u == b)
    contests_jury.declare_conflict(
        db.session, contest_id=contest.id, user_id=b, entry_uid=taken, reason="friend", now=LATER
    )
    with pytest.raises(ContestError, match="conflict"):
        contests_jury.submit_score(
            db.session, round_id=first.id, user_id=b, entry_uid=taken, value={"yes": True}, now=LATER
        )
    for user in (a, b, c):
        for entry in contests_jury.my_entries(db.session, round_id=first.id, user_id=user):
            keep = entry.uid != entries[4].uid
            contests_jury.submit_score(
                db.session, round_id=first.id, user_id=user, entry_uid=entry.uid, value={"yes": keep}, now=LATER
            )
    with pytest.raises(ContestError):
        contests_jury.submit_score(
            db.session, round_id=first.id, user_id=a, entry_uid=entries[2].uid, value={"yes": "maybe"}, now=LATER
        )
    contests_jury.close_round(db.session, round_id=first.id, actor=ADMIN, now=LATER)
    assert sorted(contests_jury.passing(db.session, first)) == sorted(entries[n].uid for n in (1, 2, 3))

    criteria = [{"name": "light", "weight": 2}, {"name": "story", "weight": 1}]
    second = contests_jury.start_round(
        db.session, contest_id=contest.id, kind="rating", jurors_per_entry=1, criteria=criteria, actor=ADMIN, now=LATER
    )
    marks = {entries[1].uid: 9, entries[2].uid: 7, entries[3].uid: 4}
    for user in (a, b, c):
        for entry in contests_jury.my_entries(db.session, round_id=second.id, user_id=user):
            with pytest.raises(ContestError):
                contests_jury.submit_score(
                    db.session,
                    round_id=second.id,
                    user_id=user,
                    entry_uid=entry.uid,
                    value={"marks": {"light": 11, "story": 1}},
                    now=LATER,
                )
            contests_jury.submit_score(
                db.session,
                round_id=second.id,
                user_id=user,
                entry_uid=entry.uid,
                value={"marks": {"light": marks[entry.uid], "story": marks[entry.uid]}},
                now=LATER,
            )
    contests_jury.close_round(db.session, round_id=second.id, actor=ADMIN, now=LATER)
    assert contests_jury.jury_ranking(db.session, contest.id) == [entries[n].uid for n in (1, 2, 3, 4)]

    result = contests_votes.decide_result(db.session, contest_id=contest.id, actor=ADMIN, now=LATER)
    assert result["weights"] == {"jury": 60, "vote": 40}
    # Jury points 4,3,2,1 → scaled 1, 2/3, 1/3, 0; the one vote went to entry 3 (scaled 1).
    # Entry 1: 0.6; entry 2: 0.4; entry 3: 0.2 + 0.4 = 0.6 → tie broken by entry id.
    expected = [
        row[0]
        for row in mix(
            {entries[n].uid: __import__("fractions").Fraction(5 - n) for n in range(1, 5)}, {entries[3].uid: 1}, 60
        )
    ]
    assert [row["entry"] for row in result["ranking"]] == expected
    assert result["winners"] == expected[:1] and result["alternates"] == expected[1:3]
    assert contest.status == "drawn"


def test_assignment_needs_enough_jurors(workspace: Any) -> None:
    contest, _ = _setup(workspace, selection="jury")
    contests.close_contest(db.session, contest_id=contest.id, actor=ADMIN, now=LATER)
    (only,) = _staff(None, 1)
    contests_jury.add_juror(db.session, contest_id=contest.id, user_id=only, actor=ADMIN)
    with pytest.raises(ContestError, match="not enough jurors"):
        contests_jury.start_round(
            db.session, contest_id=contest.id, kind="yes_no", jurors_per_entry=2, actor=ADMIN, now=LATER
        )
    assert datetime.now(UTC)  # nothing else was opened


def test_a_round_closes_only_with_every_quorum_or_by_an_explicit_logged_force(workspace: Any) -> None:
    from contests.services.jury import QuorumMissing
    from ugc_hub.models import AuditEvent

    contest, entries = _setup(workspace, selection="jury")
    contests.close_contest(db.session, contest_id=contest.id, actor=ADMIN, now=LATER)
    a, b = _staff(None, 2)
    for user in (a, b):
        contests_jury.add_juror(db.session, contest_id=contest.id, user_id=user, actor=ADMIN)
    # Both jurors declared a conflict with entry 4 before the round: nobody is left to judge it.
    for user in (a, b):
        contests_jury.declare_conflict(
            db.session, contest_id=contest.id, user_id=user, entry_uid=entries[4].uid, reason="family", now=NOW
        )
    jury_round = contests_jury.start_round(
        db.session, contest_id=contest.id, kind="yes_no", jurors_per_entry=2, actor=ADMIN, now=LATER
    )
    # Juror a scores everything; juror b scores only entry 1.
    for entry in contests_jury.my_entries(db.session, round_id=jury_round.id, user_id=a):
        contests_jury.submit_score(
            db.session, round_id=jury_round.id, user_id=a, entry_uid=entry.uid, value={"yes": True}, now=LATER
        )
    contests_jury.submit_score(
        db.session, round_id=jury_round.id, user_id=b, entry_uid=entries[1].uid, value={"yes": True}, now=LATER
    )

    with pytest.raises(QuorumMissing) as refused:
        contests_jury.close_round(db.session, round_id=jury_round.id, actor=ADMIN, now=LATER)
    db.session.rollback()
    assert jury_round.status == "open"
    short = {m.uid: m for m in refused.value.missing}
    assert set(short) == {entries[n].uid for n in (2, 3, 4)}
    assert (short[entries[2].uid].scored, short[entries[2].uid].needed) == (1, 2)
    assert (short[entries[4].uid].scored, short[entries[4].uid].needed) == (0, 1)
    assert short[entries[2].uid].author == "@night2" and short[entries[2].uid].title.startswith("Shot 2 by")

    contests_jury.close_round(db.session, round_id=jury_round.id, actor=ADMIN, now=LATER, force=True)
    assert jury_round.status == "closed"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "contest.round_close_forced"))
    assert event is not None
    logged = {m["entry"]: m for m in event.after["missing"]}
    assert set(logged) == set(short)
    assert logged[entries[4].uid] == {
        "entry": entries[4].uid,
        "author": "@night4",
        "title": short[entries[4].uid].title,
        "scored": 0,
        "needed": 1,
    }
