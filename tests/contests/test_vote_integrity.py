"""Public vote integrity: totals hidden near the end, silent quarantine by rate rules (per IP and per
account, burst and sustained), and audited bulk invalidation with a recount."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from contests.models import ContestEntry, ContestVote
from contests.services import entries as contests_entries
from contests.services import votes as contests_votes
from contests.services.contests import ContestError
from tests.contests.db_support import ADMIN, BOTH, IN_WINDOW, NOW, grant, nightmode, post
from tests.ideas.helpers import client_as, customer, post_form
from ugc_hub.models import AuditEvent, db
from ugc_hub.services.ideas_integrity import RateRule, parse_rules

STRICT = (RateRule("ip", "burst", 3, 60), RateRule("account", "sustained", 2, 86_400))


def _voting(workspace: Any, **changes: Any) -> tuple[Any, list[ContestEntry]]:
    contest = nightmode(workspace.id, selection="vote", winners=1, alternates=1, **changes)
    posts = [post(workspace.id, n, f"Shot {n} {BOTH} iPhone 1{n}") for n in range(1, 5)]
    contests_entries.scan_posts(db.session, contest_id=contest.id, now=IN_WINDOW)
    for p in posts:
        grant(p.id, at=IN_WINDOW)
    contests_entries.refresh_rights(db.session, contest_id=contest.id, now=IN_WINDOW)
    by_post = {e.post_id: e for e in contests_entries.entries(db.session, contest.id)}
    return contest, [by_post[p.id] for p in posts]


def _vote(contest: Any, entry: ContestEntry, fan: Any, *, ip: str | None, at: Any = None) -> None:
    contests_votes.cast_vote(
        db.session,
        contest_id=contest.id,
        entry_uid=entry.uid,
        customer_id=fan.id,
        now=at or IN_WINDOW + timedelta(hours=1),
        ip=ip,
        rules=STRICT,
    )


def test_votes_over_a_rate_rule_are_quarantined_silently_and_do_not_count(workspace: Any) -> None:
    contest, entries = _voting(workspace)
    fans = [customer(f"fan{i}") for i in range(5)]
    for fan in fans[:4]:  # four voters from one address within a minute: the fourth breaks ip_burst
        _vote(contest, entries[0], fan, ip="203.0.113.9")
    heavy = fans[4]  # one account voting three times in a day: the third breaks account_sustained
    for n, entry in enumerate(entries[:3]):
        _vote(contest, entry, heavy, ip=f"198.51.100.{n}", at=IN_WINDOW + timedelta(hours=2 + n))
    reasons = [v.quarantine_reason for v in db.session.scalars(select(ContestVote).order_by(ContestVote.id))]
    assert reasons == [None, None, None, "ip_burst", None, None, "account_sustained"]
    assert contests_votes.vote_counts(db.session, contest.id) == {entries[0].uid: 4, entries[1].uid: 1}
    assert contests_votes.set_aside(db.session, contest.id) == {"ip_burst": 1, "account_sustained": 1}
    # Rules are the ideas' syntax.
    assert parse_rules("ip_burst=3/60,account_sustained=2/86400") == STRICT


def test_the_quarantined_voter_sees_the_same_answer(app: Any, workspace: Any, time_machine: Any) -> None:
    app.config["CONTEST_VOTE_RULES"] = "ip_burst=1/3600"
    now = IN_WINDOW + timedelta(hours=2)
    time_machine.move_to(now)  # the vote view reads the clock
    contest, entries = _voting(workspace)
    contest.ends_at = now + timedelta(days=3)
    db.session.commit()
    answers = []
    for name in ("first", "second"):
        client = client_as(app, customer(name))
        page = f"/contests/{contest.slug}"
        response = post_form(client, page, f"/contests/{contest.slug}/vote/{entries[1].uid}", {})
        answers.append((response.status_code, "Thank you for your vote." in client.get(page).text))
    assert answers == [(302, True), (302, True)]
    votes = db.session.scalars(select(ContestVote).order_by(ContestVote.id)).all()
    assert [v.quarantine_reason for v in votes] == [None, "ip_burst"]
    assert contests_votes.vote_counts(db.session, contest.id) == {entries[1].uid: 1}


def test_totals_are_hidden_in_the_last_hours_then_shown_with_the_result(
    app: Any, workspace: Any, time_machine: Any
) -> None:
    now = IN_WINDOW + timedelta(hours=2)
    time_machine.move_to(now)  # the contest page reads the clock
    contest, entries = _voting(workspace, hide_totals_hours=24)
    fan = customer("fan")
    _vote(contest, entries[2], fan, ip="192.0.2.7")
    contest.ends_at = now + timedelta(hours=30)
    db.session.commit()
    page = app.test_client().get(f"/contests/{contest.slug}").text
    assert 'data-votes="1"' in page and "totals-hidden" not in page
    contest.ends_at = now + timedelta(hours=23)
    db.session.commit()
    page = app.test_client().get(f"/contests/{contest.slug}").text
    assert "data-votes" not in page and "hidden during the last 24 hours" in page
    assert contests_votes.public_totals(db.session, contest, now) is None
    assert contests_votes.vote_counts(db.session, contest.id) == {entries[2].uid: 1}  # staff still count
    contest.ends_at = now - timedelta(hours=1)
    contest.status = "closed"
    db.session.commit()
    contests_votes.decide_result(db.session, contest_id=contest.id, actor=ADMIN, now=now)
    page = app.test_client().get(f"/contests/{contest.slug}").text
    assert "hidden during the last" not in page and 'data-votes="1"' in page


def test_bulk_invalidation_is_audited_and_recounts(app: Any, auth: Any, workspace: Any) -> None:
    contest, entries = _voting(workspace)
    rules = parse_rules("ip_burst=100/60")
    bought = [customer(f"bot{i}") for i in range(3)]
    for fan in bought:
        fan.email_canonical = fan.email = fan.email.replace("example.com", "spam.example")
    db.session.commit()
    honest = customer("honest")
    for fan in [*bought, honest]:
        contests_votes.cast_vote(
            db.session,
            contest_id=contest.id,
            entry_uid=entries[3].uid,
            customer_id=fan.id,
            now=IN_WINDOW + timedelta(hours=1),
            ip="192.0.2.50",
            rules=rules,
        )
    assert contests_votes.vote_counts(db.session, contest.id) == {entries[3].uid: 4}
    with pytest.raises(ContestError, match="at least one condition"):
        contests_votes.invalidate_votes(db.session, contest_id=contest.id, reason="bought", actor=ADMIN, now=IN_WINDOW)
    with pytest.raises(ContestError, match="reason"):
        contests_votes.invalidate_votes(
            db.session, contest_id=contest.id, reason="nope", actor=ADMIN, now=IN_WINDOW, domain="spam.example"
        )

    auth.as_role("moderator")
    detail = f"/staff/contests/{contest.id}"
    response = post_form(
        auth.client,
        detail,
        f"{detail}/votes/invalidate",
        {"domain": "spam.example", "reason": "bought", "note": "<script>x</script>"},
    )
    assert response.status_code == 302
    page = auth.client.get(detail).text
    assert "3 votes invalidated" in page and "invalidated 3" in page and "<script>x" not in page
    assert contests_votes.vote_counts(db.session, contest.id) == {entries[3].uid: 1}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "contest.votes_invalidate"))
    assert event is not None
    assert event.before == {"totals": {entries[3].uid: 4}}
    assert event.after["totals"] == {entries[3].uid: 1} and event.after["invalidated"] == 3
    assert event.after["domain"] == "spam.example"
    # Once the result is published, votes are final.
    contest.status = "closed"
    db.session.commit()
    contests_votes.decide_result(db.session, contest_id=contest.id, actor=ADMIN, now=NOW)
    with pytest.raises(ContestError, match="published"):
        contests_votes.invalidate_votes(
            db.session, contest_id=contest.id, reason="other", actor=ADMIN, now=NOW, ip="192.0.2.50"
        )
