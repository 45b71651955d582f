"""The rights state machine on SQLite and PostgreSQL: ask, read replies, grant, decline, expire, revoke."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.rights.support import ADMIN, HASHTAG, NOW, add_post, announcements, ask, prepare, reply_to
from ugc_hub.models import ConsentEvent, PostRights, RightsMessage, RightsReply, RightsRequest, TermsVersion, db
from ugc_hub.rights.rules.replies import Verdict
from ugc_hub.rights.services import permissions as rights
from ugc_hub.rights.services import queue as rights_queue
from ugc_hub.rights.services import upkeep as rights_upkeep
from ugc_hub.rights.services.consent_ledger import verify_ledger
from ugc_hub.services import publication


@pytest.fixture
def asked(workspace: Any) -> RightsRequest:
    prepare(workspace.id)
    post = add_post(workspace.id)
    return ask(post.id)


def state(post_id: int) -> str | None:
    db.session.expire_all()
    row = db.session.get(PostRights, post_id)
    return row.state if row else None


def test_a_request_records_the_exact_text_the_terms_and_the_sender(asked: RightsRequest) -> None:
    assert asked.text.startswith("Love this @user1! May we share it on our site? Reply #YesLumen to agree: ")
    assert asked.text.endswith(f"https://hub.example/t/{asked.short_code}")
    assert state(asked.post_id) == "requested"
    terms = db.session.get(TermsVersion, asked.terms_version_id)
    assert terms is not None and terms.used_at == NOW
    message = db.session.scalar(select(RightsMessage).where(RightsMessage.request_id == asked.id))
    assert message is not None and message.status == "awaiting_manual" and message.text == asked.text
    [event] = db.session.scalars(select(ConsentEvent)).all()
    assert event.kind == "requested" and asked.text in (event.payload or "")
    assert terms.body_hash in (event.payload or "")
    with pytest.raises(rights.RightsError, match="already open"):
        ask(asked.post_id)


def test_the_authors_reply_with_the_hashtag_grants_and_publishes(asked: RightsRequest) -> None:
    assert not publication.is_shown(db.session, asked.post_id, NOW + timedelta(hours=2))
    with announcements() as seen:
        judgement = rights.record_reply(
            db.session, asked.id, reply_to(asked, f"Sure! {HASHTAG}"), now=NOW + timedelta(hours=1)
        )
    assert judgement.verdict is Verdict.GRANTS
    assert seen.post_ids == [asked.post_id]
    row = db.session.get(PostRights, asked.post_id)
    assert row is not None and row.state == "granted"
    assert row.licence_start == NOW + timedelta(hours=1)
    assert row.licence_end == NOW + timedelta(hours=1, days=365)
    assert row.terms_version_id == asked.terms_version_id
    assert publication.is_shown(db.session, asked.post_id, NOW + timedelta(hours=2))
    [shown] = publication.public_posts(db.session, NOW + timedelta(hours=2))
    assert shown.credit == "@user1"
    grant = db.session.scalar(select(ConsentEvent).where(ConsentEvent.kind == "granted"))
    assert grant is not None and '"reply_id":"c1"' in (grant.payload or "") and HASHTAG in (grant.payload or "")
    assert verify_ledger(db.session).ok


def test_recording_the_same_reply_twice_changes_nothing(asked: RightsRequest) -> None:
    reply = reply_to(asked, f"ok {HASHTAG}")
    first = rights.record_reply(db.session, asked.id, reply, now=NOW + timedelta(hours=1))
    again = rights.record_reply(db.session, asked.id, reply, now=NOW + timedelta(hours=3))
    assert first == again
    assert len(db.session.scalars(select(RightsReply)).all()) == 1
    assert len(db.session.scalars(select(ConsentEvent).where(ConsentEvent.kind == "granted")).all()) == 1


def test_a_forged_reply_and_a_stranger_change_nothing(asked: RightsRequest) -> None:
    forged = reply_to(asked, f"yes {HASHTAG}", reply_id="f1", user_id="666")
    stranger = reply_to(asked, f"{HASHTAG}!", reply_id="s1", user_id="777", handle="someone_else")
    early = reply_to(asked, f"{HASHTAG}", reply_id="e1", at=NOW - timedelta(minutes=5))
    for reply in (forged, stranger, early):
        assert rights.record_reply(db.session, asked.id, reply, now=NOW + timedelta(hours=1)).verdict is Verdict.IGNORED
    assert state(asked.post_id) == "requested"
    assert {e.kind for e in db.session.scalars(select(ConsentEvent))} == {"requested"}


def test_the_author_without_the_hashtag_waits_for_a_person(asked: RightsRequest) -> None:
    judgement = rights.record_reply(
        db.session, asked.id, reply_to(asked, "sure, go ahead"), now=NOW + timedelta(hours=1)
    )
    assert judgement.verdict is Verdict.AUTHOR_REPLIED
    assert state(asked.post_id) == "author_replied"
    rights.decide(db.session, request_id=asked.id, grant=True, actor=ADMIN, now=NOW + timedelta(hours=2))
    assert state(asked.post_id) == "granted"
    with pytest.raises(rights.RightsError, match="not open"):
        rights.decide(db.session, request_id=asked.id, grant=False, actor=ADMIN, now=NOW + timedelta(hours=3))


def test_granting_needs_the_authors_reply_but_declining_does_not(asked: RightsRequest) -> None:
    with pytest.raises(rights.RightsError, match="no reply by the author"):
        rights.decide(db.session, request_id=asked.id, grant=True, actor=ADMIN, now=NOW + timedelta(hours=1))
    rights.decide(db.session, request_id=asked.id, grant=False, actor=ADMIN, now=NOW + timedelta(hours=1))
    assert state(asked.post_id) == "declined"
    late = reply_to(asked, f"{HASHTAG}", reply_id="late", at=NOW + timedelta(hours=2))
    assert rights.record_reply(db.session, asked.id, late, now=NOW + timedelta(hours=2)).verdict is Verdict.IGNORED
    assert state(asked.post_id) == "declined"


def test_unanswered_requests_get_one_reminder_then_expire(asked: RightsRequest) -> None:
    assert rights_upkeep.expire_and_remind(db.session, now=NOW + timedelta(days=7)) == (
        [],
        [],
    )  # request not posted yet
    message = db.session.scalar(select(RightsMessage).where(RightsMessage.request_id == asked.id))
    assert message is not None
    rights_queue.mark_posted(db.session, message_id=message.id, actor=ADMIN, now=NOW + timedelta(minutes=5))
    assert rights_upkeep.expire_and_remind(db.session, now=NOW + timedelta(days=6)) == ([], [])
    assert rights_upkeep.expire_and_remind(db.session, now=NOW + timedelta(days=7)) == ([], [asked.id])
    assert rights_upkeep.expire_and_remind(db.session, now=NOW + timedelta(days=8)) == ([], [])
    reminders = db.session.scalars(select(RightsMessage).where(RightsMessage.purpose == "reminder")).all()
    assert len(reminders) == 1 and reminders[0].text.startswith("@user1, just checking")
    assert rights_upkeep.expire_and_remind(db.session, now=NOW + timedelta(days=14)) == ([asked.id], [])
    assert state(asked.post_id) == "expired"
    assert rights.open_requests(db.session, now=NOW + timedelta(days=15)) == []


def test_open_requests_describe_what_the_reply_sync_needs(asked: RightsRequest) -> None:
    # Not posted yet: the author has not been asked, so nothing they write can answer.
    assert rights.open_requests(db.session, now=NOW + timedelta(hours=1)) == []
    message = db.session.scalar(select(RightsMessage).where(RightsMessage.request_id == asked.id))
    assert message is not None
    posted_at = NOW + timedelta(minutes=10)
    rights_queue.mark_posted(db.session, message_id=message.id, actor=ADMIN, now=posted_at, comment_id="c0")
    [found] = rights.open_requests(db.session, now=NOW + timedelta(hours=1), platform="instagram")
    assert found.request_id == asked.id and found.post_id == asked.post_id
    assert found.asked.hashtag == HASHTAG and found.asked.author_user_id == asked.author_user_id
    assert found.asked.post_platform_id == "sc1" and found.asked.requested_at == posted_at
    assert found.asked.request_comment_id == "c0"
    assert rights.open_requests(db.session, now=NOW, platform="reddit") == []


def test_revoking_takes_the_post_off_every_public_surface(asked: RightsRequest) -> None:
    rights.record_reply(db.session, asked.id, reply_to(asked, f"{HASHTAG}"), now=NOW + timedelta(hours=1))
    later = NOW + timedelta(days=1)
    assert publication.is_shown(db.session, asked.post_id, later)
    with announcements() as seen:
        rights.revoke(db.session, post_id=asked.post_id, actor=ADMIN, now=later, reason="brand decision")
    assert seen.post_ids == [asked.post_id]
    assert state(asked.post_id) == "revoked"
    assert not publication.is_shown(db.session, asked.post_id, later)
    assert not publication.is_shown(db.session, asked.post_id, later + timedelta(days=1))
    with pytest.raises(rights.RightsError, match="not granted"):
        rights.revoke(db.session, post_id=asked.post_id, actor=ADMIN, now=later)


def test_a_renewal_keeps_the_post_shown_and_extends_the_licence(workspace: Any) -> None:
    prepare(workspace.id, licence_days=30)
    post = add_post(workspace.id)
    first = ask(post.id)
    rights.record_reply(db.session, first.id, reply_to(first, HASHTAG), now=NOW + timedelta(hours=1))
    soon = NOW + timedelta(days=25)
    expiring = rights_upkeep.expiring_grants(db.session, now=soon, within=timedelta(days=10))
    assert [(g.post_id, g.renewal_open) for g in expiring] == [(post.id, False)]
    renewal = ask(post.id, now=soon)
    assert renewal.purpose == "renewal" and state(post.id) == "granted"
    assert rights_upkeep.expiring_grants(db.session, now=soon, within=timedelta(days=10))[0].renewal_open
    rights.record_reply(
        db.session, renewal.id, reply_to(renewal, HASHTAG, reply_id="c2", at=soon + timedelta(hours=1)), now=soon
    )
    row = db.session.get(PostRights, post.id)
    assert row is not None and row.licence_end == NOW + timedelta(hours=1, days=60)
    assert publication.is_shown(db.session, post.id, NOW + timedelta(days=45))


def test_a_post_without_author_or_terms_cannot_be_asked(workspace: Any) -> None:
    post = add_post(workspace.id, author=None)
    with pytest.raises(rights.RightsError, match="no known author"):
        ask(post.id)
    other = add_post(workspace.id, 2)
    with pytest.raises(rights.RightsError, match="publish the terms"):
        ask(other.id)
