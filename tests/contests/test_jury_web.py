"""Jury and public-vote pages: a juror judges blind through the forms, a customer votes once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from contests.models import ContestVote, JuryAssignment, JuryRound
from contests.services import contests
from contests.services import entries as contests_entries
from tests.contests.db_support import ADMIN, BOTH, grant, nightmode, post
from tests.ideas.helpers import client_as, customer, post_form
from ugc_hub.models import Post, db


def _contest(workspace: Any, selection: str) -> Any:
    now = datetime.now(UTC)
    contest = nightmode(
        workspace.id,
        selection=selection,
        starts_local=now - timedelta(days=2),
        ends_local=now + timedelta(days=5),
        winners=1,
        alternates=1,
    )
    posts = [
        post(workspace.id, n, f"Entry {n} @night{n} {BOTH} iPhone 1{n}", posted_at=now - timedelta(days=1))
        for n in (1, 2)
    ]
    contests_entries.scan_posts(db.session, contest_id=contest.id, now=now)
    for p in posts:
        grant(p.id, at=now - timedelta(hours=1))
    contests_entries.refresh_rights(db.session, contest_id=contest.id, now=now)
    return contest


def test_customer_votes_once_through_the_page(app: Any, workspace: Any) -> None:
    contest = _contest(workspace, "vote")
    fan = customer("fan")
    browser = client_as(app, fan)
    page = browser.get(f"/contests/{contest.slug}").text
    assert page.count(">Vote</button>") == 2
    uid = contests_entries.entries(db.session, contest.id)[0].uid
    first = post_form(browser, f"/contests/{contest.slug}", f"/contests/{contest.slug}/vote/{uid}", {})
    assert first.status_code == 302
    again = post_form(browser, f"/contests/{contest.slug}", f"/contests/{contest.slug}/vote/{uid}", {})
    assert "already voted" in browser.get(again.headers["Location"]).text
    assert len(db.session.scalars(select(ContestVote)).all()) == 1
    stranger = post_form(app.test_client(), f"/contests/{contest.slug}", f"/contests/{contest.slug}/vote/{uid}", {})
    assert stranger.status_code == 302 and "/ideas/signin" in stranger.headers["Location"]


def test_juror_judges_blind_and_declares_a_conflict(app: Any, auth: Any, workspace: Any) -> None:
    contest = _contest(workspace, "jury")
    contests.close_contest(db.session, contest_id=contest.id, actor=ADMIN, now=datetime.now(UTC))
    me = auth.as_role("moderator")
    client = auth.client
    detail = f"/staff/contests/{contest.id}"
    post_form(client, detail, f"{detail}/jurors", {"user_id": str(me.id)})
    post_form(client, detail, f"{detail}/rounds", {"kind": "yes_no", "jurors_per_entry": "1"})
    jury_round = db.session.scalar(select(JuryRound))
    assert jury_round is not None and jury_round.seed_hex in client.get(detail).text
    page = client.get(f"/staff/contests/rounds/{jury_round.id}").text
    assert "Entry 1" in page and "night1" not in page and "@…" in page
    first, second = (e.uid for e in contests_entries.entries(db.session, contest.id))
    judge_url = f"/staff/contests/rounds/{jury_round.id}"
    post_form(client, judge_url, f"{judge_url}/score/{first}", {"yes": "1"})
    post_form(client, judge_url, f"{judge_url}/score/{second}", {"conflict": "1", "reason": "my friend"})
    scores = {a.entry_id: a.score for a in db.session.scalars(select(JuryAssignment))}
    assert list(scores.values()) == [{"yes": True}]
    refused = post_form(client, judge_url, f"{judge_url}/score/{second}", {"yes": "1"})
    assert "conflict of interest" in client.get(refused.headers["Location"]).text
    french = client.get(judge_url, headers={"Accept-Language": "fr"})
    assert french.status_code == 200


def test_closing_a_round_short_of_scores_asks_the_manager_and_names_the_entries(
    app: Any, auth: Any, workspace: Any
) -> None:
    from ugc_hub.models import AuditEvent

    contest = _contest(workspace, "jury")
    contests.close_contest(db.session, contest_id=contest.id, actor=ADMIN, now=datetime.now(UTC))
    me = auth.as_role("moderator")
    client = auth.client
    detail = f"/staff/contests/{contest.id}"
    post_form(client, detail, f"{detail}/jurors", {"user_id": str(me.id)})
    post_form(client, detail, f"{detail}/rounds", {"kind": "yes_no", "jurors_per_entry": "1"})
    jury_round = db.session.scalar(select(JuryRound))
    assert jury_round is not None
    entries = {e.post_id: e.uid for e in contests_entries.entries(db.session, contest.id)}
    scored, unscored = sorted(entries.values())
    judge_url = f"/staff/contests/rounds/{jury_round.id}"
    post_form(client, judge_url, f"{judge_url}/score/{scored}", {"yes": "1"})

    close_url = f"{judge_url}/close"
    asked = post_form(client, detail, close_url, {})
    assert asked.status_code == 302 and asked.headers["Location"].endswith(close_url)
    db.session.expire_all()
    assert db.session.get(JuryRound, jury_round.id).status == "open"
    page = client.get(close_url).text
    handle = next(f"@{p.author.handle}" for p in db.session.scalars(select(Post)) if entries[p.id] == unscored)
    assert "Some entries do not have all their scores" in page
    assert handle in page and f"Entry {handle[-1]} " in page and "0 of 1" in page
    assert unscored not in page and scored not in page  # entries are named in words, not by id
    client.post("/locale", data={"csrf_token": auth.csrf(), "locale": "fr", "next": "/inbox/"})
    french = client.get(close_url).text
    assert "Certaines participations n’ont pas toutes leurs notes" in french
    assert "0 sur 1" in french and "Clore le tour quand même" in french and handle in french

    forced = post_form(client, close_url, close_url, {"force": "1"})
    assert forced.status_code == 302 and forced.headers["Location"].endswith(detail)
    db.session.expire_all()
    assert db.session.get(JuryRound, jury_round.id).status == "closed"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "contest.round_close_forced"))
    assert event is not None and [m["entry"] for m in event.after["missing"]] == [unscored]
