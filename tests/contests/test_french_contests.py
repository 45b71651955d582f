"""Every contest page speaks French when the reader picks it, including the refusals that come from the
plain-Python ``contests`` package (codes there, words in ``contests.services.messages``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from contests.services import draws
from contests.services import entries as contests_entries
from contests.services import winners as contests_winners
from contests.services.messages import BEACON_MESSAGES, DRAW_MESSAGES, JUDGING_MESSAGES, RULE_MESSAGES
from contests.services.winners import Notifier
from tests.conftest import csrf_from
from tests.contests.beacon_server import LocalBeacon, serve_beacon
from tests.contests.db_support import ADMIN, BOTH, grant, nightmode, post, staff_form
from tests.ideas.helpers import client_as, customer, post_form
from ugc_hub.models import db
from ugc_hub.services.mail import MailSettings

FRENCH = {"Accept-Language": "fr"}


@pytest.fixture
def beacon() -> Iterator[LocalBeacon]:
    with serve_beacon(LocalBeacon(latest=10)) as running:
        yield running


def _in_french(page: Any, *phrases: str) -> None:
    assert page.status_code in (200, 400), page.status_code
    assert 'lang="fr"' in page.text
    for phrase in phrases:
        assert phrase in page.text, phrase


def test_staff_contest_pages_and_refusals_are_in_french(
    app: Flask, auth: Any, workspace: Any, beacon: LocalBeacon
) -> None:
    app.config["DRAW_BEACONS"] = {"local": beacon.template}
    auth.as_role("moderator")
    client = auth.client
    client.post("/locale", data={"csrf_token": auth.csrf(), "locale": "fr", "next": "/inbox/"})
    _in_french(client.get("/staff/contests/"), "Concours", "Nouveau concours")
    form = client.get("/staff/contests/new")
    _in_french(
        form, "Enregistrer", "Langue des messages aux gagnants dont la langue est inconnue", "La langue de la marque"
    )
    # A refusal from contests.entry_rules (plain Python): its code, in French words.
    refused = client.post(
        "/staff/contests/new",
        data=staff_form(csrf_from(form.text), "bad-tag", "Nuit", hashtags="#, #ok"),
    )
    _in_french(refused, "pas un hashtag : #")

    now = datetime.now(UTC)
    contest = nightmode(workspace.id, winners=1, alternates=0, beacon_source="local", beacon_round=12)
    entries = [post(workspace.id, n, f"Nuit {n} {BOTH} iPhone 1{n}") for n in (1, 2)]
    contests_entries.scan_posts(db.session, contest_id=contest.id, now=now)
    for p in entries:
        grant(p.id, at=now - timedelta(hours=1))
    draws.freeze_draw(db.session, contest_id=contest.id, actor=ADMIN, now=now)
    detail = f"/staff/contests/{contest.id}"
    _in_french(
        client.get(detail),
        "Actions",
        "Le tirage récupère le tour 12 auprès de la source local",
        "Solution de secours : la source est injoignable",
        "Pourquoi la valeur est saisie à la main",
    )
    # A refusal from contests.beacon: the round is not out yet.
    waiting = post_form(client, detail, f"{detail}/do/draw", {}, follow_redirects=True)
    _in_french(waiting, "le tour de balise 12 n&#39;est pas encore publié")
    beacon.latest = 12
    post_form(client, detail, f"{detail}/do/draw", {})
    _in_french(client.get(f"/contests/{contest.slug}"), "Télécharger le certificat", "récupérée depuis")
    _in_french(client.get(detail), "récupérée depuis")


def test_public_contest_pages_are_in_french(app: Flask, workspace: Any) -> None:
    now = datetime.now(UTC)
    contest = nightmode(workspace.id, starts_local=now - timedelta(days=1), ends_local=now + timedelta(days=3))
    person = customer("francais", birth_date=date(1990, 1, 1), country="FR")
    visitor = client_as(app, person)
    _in_french(visitor.get("/contests/", headers=FRENCH), "Concours")
    _in_french(visitor.get(f"/contests/{contest.slug}", headers=FRENCH), "Participer")
    _in_french(visitor.get(f"/contests/{contest.slug}/enter", headers=FRENCH))


def test_prize_page_is_in_french(app: Flask, workspace: Any) -> None:
    now = datetime.now(UTC)
    contest = nightmode(workspace.id, winners=1, alternates=0)
    first = post(workspace.id, 1, f"Nuit {BOTH} iPhone 11")
    contests_entries.scan_posts(db.session, contest_id=contest.id, now=now)
    grant(first.id, at=now - timedelta(hours=1))
    draws.freeze_draw(db.session, contest_id=contest.id, actor=ADMIN, now=now)
    draws.run_draw(db.session, contest_id=contest.id, actor=ADMIN, now=now)
    notifier = Notifier(
        mail=MailSettings.from_config(app.config),
        secret=app.config["SECRET_KEY"],
        link_for=lambda token: f"http://localhost/contests/prize/{token}",
    )
    (row,) = contests_winners.notify_winners(db.session, contest_id=contest.id, notifier=notifier, actor=ADMIN, now=now)
    token = re.search(r"/contests/prize/(\S+)", row.message)
    assert token is not None
    page = app.test_client().get(f"/contests/prize/{token.group(1)}", headers=FRENCH)
    _in_french(page, "Vous avez gagné au concours Night mode challenge", "Je refuse le lot")


def test_every_message_for_a_contests_code_has_french_words(app: Flask) -> None:
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("fr"):
        for table in (DRAW_MESSAGES, BEACON_MESSAGES, RULE_MESSAGES, JUDGING_MESSAGES):
            for code, msgid in table.items():
                assert gettext(msgid) != msgid, f"{code}: no French for {msgid!r}"
