"""Winners are told of their prize (e-mail through a real SMTP server, a reply under their post, or a
message for staff to send by hand), answer through a signed single-use link, and give way to the next
alternate in the published order when they decline or do not answer in time (the beat task, own clock)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select

from contests.draw_verify import verify_certificate
from contests.models import ContestEntry, ContestWinner
from contests.services import contests, draws
from contests.services import entries as contests_entries
from contests.services import votes as contests_votes
from contests.services import winners as contests_winners
from contests.services.contests import ContestError
from contests.services.uploads import Upload, submit_upload
from contests.services.winners import Notifier, PrizeLinkRefused
from contests.tasks import replace_unanswered_winners
from tests.conftest import csrf_from
from tests.contests.db_support import ADMIN, BOTH, IN_WINDOW, grant, nightmode, post
from tests.ideas.helpers import customer, jpeg_with_gps
from tests.support.servers import free_port
from ugc_hub.models import AuditEvent, RightsMessage, db
from ugc_hub.services.mail import MailSettings
from ugc_hub.services.storage import storage_from_config

CLOSE = IN_WINDOW + timedelta(days=12)
LINK = re.compile(r"http://localhost/contests/prize/([A-Za-z0-9_.\-]+)")


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp(app: Flask) -> Iterator[Inbox]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_BACKEND="smtp", MAIL_HOST="127.0.0.1", MAIL_PORT=port, MAIL_SENDER="hub@brand.example")
    try:
        yield inbox
    finally:
        controller.stop()


def _notifier(app: Flask, **changes: Any) -> Notifier:
    return Notifier(
        mail=MailSettings.from_config(app.config),
        secret=app.config["SECRET_KEY"],
        link_for=lambda token: f"http://localhost/contests/prize/{token}",
        **changes,
    )


def upload_entry(
    app: Flask, contest: Any, person: str, *, caption: str, credit: str, language: str | None = None
) -> None:
    """One entry through the upload form, by a new verified adult customer in France."""
    entrant = customer(person, birth_date=date(1990, 1, 1), country="FR")
    submit_upload(
        db.session,
        contest_id=contest.id,
        customer_id=entrant.id,
        upload=Upload(
            filename="night.jpg",
            data=jpeg_with_gps(),
            caption=caption,
            credit=credit,
            fields={"model": "iPhone 11"},
            rules_accepted=True,
            rules_version=1,
            ip="192.0.2.1",
            user_agent="test",
            language=language,
        ),
        storage=storage_from_config(app.config),
        media_url=lambda key: f"/media/{key}",
        now=IN_WINDOW,
    )


def _uploaded_contest(app: Flask, workspace: Any, entrants: int = 4, **changes: Any) -> Any:
    """A drawn contest whose entries all came through the upload form (so the hub knows each address)."""
    contest = nightmode(workspace.id, winners=1, alternates=2, **changes)
    for n in range(entrants):
        upload_entry(app, contest, f"entrant{n}", caption=f"Night {n}", credit=f"fan{n}")
    draws.freeze_draw(db.session, contest_id=contest.id, actor=ADMIN, now=CLOSE)
    draws.run_draw(db.session, contest_id=contest.id, actor=ADMIN, now=CLOSE)
    return contest


def _email_of(uid: str) -> str:
    entry = db.session.scalar(select(ContestEntry).where(ContestEntry.uid == uid))
    assert entry is not None and entry.customer_id is not None
    from ugc_hub.models.ideas import Customer

    found = db.session.get(Customer, entry.customer_id)
    assert found is not None
    return found.email


def _token(inbox: Inbox, to: str) -> str:
    body = next(m for m in reversed(inbox.messages) if m["To"] == to).get_payload(decode=True).decode()
    found = LINK.search(body)
    assert found, body
    return found.group(1)


def _answer(client: Any, token: str, choice: str) -> Any:
    page = client.get(f"/contests/prize/{token}")
    assert page.status_code == 200, page.text
    return client.post(f"/contests/prize/{token}", data={"csrf_token": csrf_from(page.text), "choice": choice})


def test_winner_emailed_through_smtp_accepts_once_by_the_signed_link(
    app: Flask, workspace: Any, smtp: Inbox, time_machine: Any
) -> None:
    time_machine.move_to(CLOSE + timedelta(hours=1))  # the prize page reads the clock: an hour after the close
    contest = _uploaded_contest(app, workspace)
    (winner,), _alternates = contests_winners.places(db.session, contest)
    with pytest.raises(ContestError):
        contests_winners.notify_winners(
            db.session,
            contest_id=nightmode(workspace.id, slug="empty").id,
            notifier=_notifier(app),
            actor=ADMIN,
            now=CLOSE,
        )
    notified = contests_winners.notify_winners(
        db.session, contest_id=contest.id, notifier=_notifier(app), actor=ADMIN, now=CLOSE
    )
    assert [(w.entry_uid, w.channel, w.status) for w in notified] == [(winner, "email", "awaiting")]
    assert notified[0].answer_by == CLOSE + timedelta(days=7)
    assert (
        contests_winners.notify_winners(
            db.session, contest_id=contest.id, notifier=_notifier(app), actor=ADMIN, now=CLOSE
        )
        == []
    )  # idempotent: nobody is told twice
    address = _email_of(winner)
    assert [m["To"] for m in smtp.messages] == [address]
    assert "Night mode challenge" in smtp.messages[0]["Subject"]
    token = _token(smtp, address)

    client = app.test_client()
    tampered = client.get(f"/contests/prize/{token[:-3]}xyz")
    assert tampered.status_code == 400 and "This link is not valid" in tampered.text
    accepted = _answer(client, token, "accept")
    assert accepted.status_code == 200 and "you have accepted your prize" in accepted.text
    row = db.session.scalar(select(ContestWinner).where(ContestWinner.entry_uid == winner))
    db.session.refresh(row)
    assert row.status == "accepted" and row.answered_at is not None
    replayed = client.get(f"/contests/prize/{token}")
    assert replayed.status_code == 410 and "already answered" in replayed.text
    with pytest.raises(PrizeLinkRefused) as again:
        contests_winners.answer(
            db.session,
            secret=app.config["SECRET_KEY"],
            token=token,
            accept=False,
            notifier=_notifier(app),
            ip=None,
            now=CLOSE,
        )
    assert again.value.reason == "used"
    # A link signed with another secret is refused as tampered.
    forged = contests_winners.make_token("another secret", row)
    assert client.get(f"/contests/prize/{forged}").status_code == 400
    # Accepted winners are never replaced by the beat task.
    assert replace_unanswered_winners.delay(now=(CLOSE + timedelta(days=30)).isoformat()).get() == []
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("contest.winner%")).order_by(AuditEvent.id)
    ).all()
    assert actions == ["contest.winner_notified", "contest.winner_accepted"]


def test_decline_then_silence_promote_alternates_in_order_on_the_certificate(
    app: Flask, workspace: Any, smtp: Inbox, time_machine: Any
) -> None:
    time_machine.move_to(CLOSE + timedelta(hours=1))  # the prize page reads the clock: an hour after the close
    contest = _uploaded_contest(app, workspace, answer_days=3)
    (first,), (second, third) = contests_winners.places(db.session, contest)
    contests_winners.notify_winners(db.session, contest_id=contest.id, notifier=_notifier(app), actor=ADMIN, now=CLOSE)
    declined = _answer(app.test_client(), _token(smtp, _email_of(first)), "decline")
    assert "You have declined the prize" in declined.text
    assert contests_winners.places(db.session, contest) == ([second], [third])
    assert [m["To"] for m in smtp.messages] == [_email_of(first), _email_of(second)]

    # The second says nothing; the beat task, run with its own clock, replaces them after 3 days only.
    second_row = db.session.scalar(select(ContestWinner).where(ContestWinner.entry_uid == second))
    before = (second_row.answer_by - timedelta(minutes=1)).isoformat()
    assert replace_unanswered_winners.delay(now=before).get() == []
    after = second_row.answer_by + timedelta(minutes=1)
    assert replace_unanswered_winners.delay(now=after.isoformat()).get() == [
        {"contest": contest.id, "replaced": second, "by": third}
    ]
    assert replace_unanswered_winners.delay(now=after.isoformat()).get() == []
    assert contests_winners.places(db.session, contest) == ([third], [])
    late = _token(smtp, _email_of(second))
    refused = app.test_client().get(f"/contests/prize/{late}")
    assert refused.status_code == 410 and "went to the next alternate" in refused.text, (late, refused.text[-1500:])

    # The last alternate also lets the deadline pass: nobody is left, recorded and audited.
    third_row = db.session.scalar(select(ContestWinner).where(ContestWinner.entry_uid == third))
    outcome = replace_unanswered_winners.delay(now=(third_row.answer_by + timedelta(hours=1)).isoformat()).get()
    assert outcome == [{"contest": contest.id, "replaced": third, "by": None}]
    expired = app.test_client().get(f"/contests/prize/{_token(smtp, _email_of(third))}")
    assert expired.status_code == 410

    draw = draws.draw_of(db.session, contest.id)
    assert draw is not None
    assert verify_certificate(json.loads(draw.certificate), anchors=[draw.freeze_anchor]).ok
    assert [(b["replaced"], b["promoted"], b["reason"]) for b in draws.substitution_bodies(draw)] == [
        (first, second, "the winner declined the prize"),
        (second, third, "no answer within 3 days"),
    ]
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("contest.winner%")).order_by(AuditEvent.id)
    ).all()
    assert actions.count("contest.winner_replaced") == 2 and actions[-1] == "contest.winner_unreplaced"

    page = app.test_client().get(f"/contests/{contest.slug}").text
    assert "Substitutions" in page and "no answer within 3 days" in page
    assert "@example.com" not in page and "entrant" not in page


def test_expired_link_is_refused_with_a_clear_page(app: Flask, workspace: Any, smtp: Inbox) -> None:
    contest = _uploaded_contest(app, workspace, entrants=2)
    (row,) = contests_winners.notify_winners(
        db.session, contest_id=contest.id, notifier=_notifier(app), actor=ADMIN, now=CLOSE
    )
    token = _token(smtp, _email_of(row.entry_uid))
    with pytest.raises(PrizeLinkRefused) as late:
        contests_winners.read_link(db.session, app.config["SECRET_KEY"], token, now=row.answer_by)
    assert late.value.reason == "expired"
    # The page uses the real clock: move the deadline into the past as time would.
    row.answer_by = row.notified_at - timedelta(days=1)
    db.session.commit()
    page = app.test_client().get(f"/contests/prize/{token}")
    assert page.status_code == 410 and "The time to answer has passed" in page.text


def test_platform_winners_get_a_reply_or_are_listed_for_staff(app: Flask, workspace: Any, auth: Any) -> None:
    contest = nightmode(workspace.id, winners=2, alternates=0, selection="vote")
    posts = [post(workspace.id, n, f"Shot {n} <b>x</b> {BOTH} iPhone 1{n}") for n in range(1, 4)]
    contests_entries.scan_posts(db.session, contest_id=contest.id, now=IN_WINDOW)
    for p in posts:
        grant(p.id, at=IN_WINDOW)
    contests_entries.refresh_rights(db.session, contest_id=contest.id, now=CLOSE)
    contests.close_contest(db.session, contest_id=contest.id, actor=ADMIN, now=CLOSE)
    contests_votes.decide_result(db.session, contest_id=contest.id, actor=ADMIN, now=CLOSE)
    first, second = contests_winners.places(db.session, contest)[0]

    by_reply = _notifier(app)  # Instagram can post a reply: it goes through the rights send queue
    contests_winners._notify_one(db.session, contest, first, by_reply, ADMIN, CLOSE)
    db.session.commit()
    no_channel = _notifier(app, channel_lookup=lambda platform: None)
    contests_winners.notify_winners(db.session, contest_id=contest.id, notifier=no_channel, actor=ADMIN, now=CLOSE)
    rows = {w.entry_uid: w for w in contests_winners.winners_of(db.session, contest.id)}
    assert rows[first].channel == "reply" and rows[second].channel == "manual"
    queued = db.session.get(RightsMessage, rows[first].rights_message_id)
    assert queued is not None and queued.purpose == "contest_win" and queued.status == "queued"
    assert "http://localhost/contests/prize/" in queued.text

    auth.as_role("viewer")
    page = auth.client.get(f"/staff/contests/{contest.id}").text
    assert "Winners notified" in page and "to contact by hand" in page
    manual_link = LINK.search(rows[second].message)
    assert manual_link is not None and manual_link.group(0) in page


def test_cli_notifies_once_with_links_to_the_public_address(app: Flask, workspace: Any, runner: Any) -> None:
    app.config["PUBLIC_BASE_URL"] = "https://hub.example/"
    contest = _uploaded_contest(app, workspace, entrants=2)
    (winner,), _ = contests_winners.places(db.session, contest)
    first = runner.invoke(args=["contests", "notify", contest.slug])
    assert first.exit_code == 0, first.output
    assert f"notified {winner} by email" in first.output
    assert "https://hub.example/contests/prize/" in first.output  # the console mail backend prints it
    again = runner.invoke(args=["contests", "notify", contest.slug])
    assert again.exit_code == 0 and "notified" not in again.output
    missing = runner.invoke(args=["contests", "notify", "nope"])
    assert missing.exit_code != 0 and "no contest" in missing.output
