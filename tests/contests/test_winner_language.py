"""Winners are written to in their language (the page they entered through, else their post's, else the
contest's, else the brand's), read off a real SMTP server; recurring draws notify their winners by themselves."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from email.header import decode_header, make_header
from typing import Any

from flask import Flask
from sqlalchemy import select

from contests.models import Contest, ContestEntry, ContestWinner
from contests.services import draws
from contests.services import entries as contests_entries
from contests.services import recurring as contests_recurring
from contests.services import winners as contests_winners
from tests.contests.db_support import ADMIN, IN_WINDOW, nightmode, post
from tests.contests.test_winners import CLOSE, LINK, Inbox, _notifier, smtp, upload_entry  # noqa: F401 (smtp is a fixture)
from tests.ideas.helpers import client_as, customer, jpeg_with_gps, post_form
from ugc_hub.models import AuditEvent, Post, Workspace, db


def _upload(app: Flask, contest: Contest, n: int, language: str | None) -> None:
    upload_entry(app, contest, f"lang{n}", caption=f"Nuit {n}", credit=f"fan{n}", language=language)


def _subject(message: Any) -> str:
    return str(make_header(decode_header(message["Subject"])))


def _drawn(contest: Contest) -> None:
    draws.freeze_draw(db.session, contest_id=contest.id, actor=ADMIN, now=CLOSE)
    draws.run_draw(db.session, contest_id=contest.id, actor=ADMIN, now=CLOSE)


def test_a_french_entrant_gets_a_french_email(app: Flask, workspace: Any, smtp: Inbox) -> None:  # noqa: F811
    contest = nightmode(workspace.id, winners=1, alternates=0, title='Défi "nuit" <b>')
    _upload(app, contest, 1, "fr")
    _drawn(contest)
    (row,) = contests_winners.notify_winners(
        db.session, contest_id=contest.id, notifier=_notifier(app), actor=ADMIN, now=CLOSE
    )
    assert row.channel == "email"
    (mail,) = smtp.messages
    assert _subject(mail) == 'Défi "nuit" <b> : vous avez gagné'
    body = mail.get_payload(decode=True).decode("utf-8")
    deadline = (CLOSE + timedelta(days=7)).strftime("%d/%m/%Y %H:%M")
    assert body.startswith('Félicitations ! Votre participation a gagné au concours « Défi "nuit" <b> ».')
    assert f"avant le {deadline} UTC : http://localhost/contests/prize/" in body
    assert LINK.search(body)
    assert "Sans réponse d'ici là, le lot revient au suppléant suivant." in body
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "contest.winner_notified"))
    assert event.after["language"] == "fr"


def test_the_entrants_own_language_wins_over_the_contests(app: Flask, workspace: Any, smtp: Inbox) -> None:  # noqa: F811
    contest = nightmode(workspace.id, winners=2, alternates=0, language="fr")
    _upload(app, contest, 1, "en")
    _upload(app, contest, 2, None)  # unknown: the contest's language
    _drawn(contest)
    contests_winners.notify_winners(db.session, contest_id=contest.id, notifier=_notifier(app), actor=ADMIN, now=CLOSE)
    subjects = sorted(_subject(message) for message in smtp.messages)
    assert subjects == ["Night mode challenge : vous avez gagné", "Night mode challenge: you won"]


def test_hashtag_winners_get_their_posts_language_else_the_brands(app: Flask, workspace: Any) -> None:
    workspace_row = db.session.get(Workspace, workspace.id)
    workspace_row.languages = ["fr", "en"]
    db.session.commit()
    contest = nightmode(workspace.id, winners=2, alternates=0)
    db.session.get(Contest, contest.id).rights_required = False
    english = post(workspace.id, 1, "Night #NightmodeChallenge #ShotoniPhone iPhone 11")
    unknown = post(workspace.id, 2, "Nuit #NightmodeChallenge #ShotoniPhone iPhone 12")
    db.session.get(Post, english.id).language = "en-GB"
    db.session.get(Post, unknown.id).language = None
    db.session.commit()
    contests_entries.scan_posts(db.session, contest_id=contest.id, now=IN_WINDOW)
    _drawn(contest)
    rows = contests_winners.notify_winners(
        db.session, contest_id=contest.id, notifier=_notifier(app), actor=ADMIN, now=CLOSE
    )
    by_post = {}
    for row in rows:
        entry = db.session.get(ContestEntry, row.entry_id)
        by_post[entry.post_id] = row.message
    assert by_post[english.id].startswith("Congratulations! Your entry won")
    assert by_post[unknown.id].startswith("Félicitations ! Votre participation a gagné")  # the brand's first language


def test_the_upload_form_remembers_the_page_language(app: Flask, workspace: Any) -> None:
    now = datetime.now(UTC)
    contest = nightmode(
        workspace.id, starts_local=now - timedelta(days=1), ends_local=now + timedelta(days=10), timezone="UTC"
    )
    person = customer("pagefr", birth_date=date(1990, 5, 1), country="FR")
    client = client_as(app, person)
    url = f"/contests/{contest.slug}/enter"
    form = {
        "picture": (io.BytesIO(jpeg_with_gps()), "night.jpg"),
        "field_model": "iPhone 11 Pro",
        "credit": "fan",
        "caption": "Lumières",
        "accept": "y",
        "rules_version": "1",
    }
    headers = {"Accept-Language": "fr-FR,fr;q=0.9"}
    client.get(url, headers=headers)
    response = post_form(client, url, url, form, content_type="multipart/form-data", headers=headers)
    assert response.status_code == 302, response.text
    entry = db.session.scalar(select(ContestEntry))
    assert entry is not None and entry.language == "fr"


def test_recurring_draws_notify_their_winners_through_the_beat_task(app: Flask) -> None:
    from contests.tasks import run_recurring_draws
    from ugc_hub.services.audit import CLI
    from ugc_hub.services.workspaces import create_workspace

    workspace = create_workspace(db.session, name="Lumen", hashtags=["lumen"], languages=["fr"], actor=CLI)
    contests_recurring.create_recurring(
        db.session, workspace_id=workspace.id, name="Fans", hashtag="#LumenFans", winners=2, alternates=1, actor=ADMIN
    )
    last_month = (datetime.now(UTC).replace(day=1) - timedelta(days=1)).replace(day=10, hour=12)
    for n in range(1, 5):
        post(workspace.id, n, f"Super #LumenFans {n}", posted_at=last_month + timedelta(hours=n))
    (run,) = run_recurring_draws.delay().get()
    assert run["drawn"] is True and run["notified"] == 2
    winners = db.session.scalars(select(ContestWinner).where(ContestWinner.contest_id == run["contest"])).all()
    contest = db.session.get(Contest, run["contest"])
    assert sorted(w.entry_uid for w in winners) == sorted(contests_winners.places(db.session, contest)[0])
    for row in winners:
        assert row.status == "awaiting" and row.channel in ("reply", "manual")
        assert row.message.startswith("Félicitations !") and "/contests/prize/" in row.message
    # The next hourly run: the month is drawn and its winners told already.
    assert run_recurring_draws.delay().get()[0]["notified"] == 0
    assert len(db.session.scalars(select(ContestWinner)).all()) == 2
