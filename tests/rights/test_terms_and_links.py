"""Terms versions kept for ever once used; signed links and one-time codes that prove the author is the author."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from tests.rights.support import ADMIN, HASHTAG, NOW, add_post, announcements, ask, prepare, reply_to
from ugc_hub.models import ConsentEvent, PostRights, RightsRequest, TermsVersion, db
from ugc_hub.rights.rules.replies import Verdict
from ugc_hub.rights.services import codes as rights_codes
from ugc_hub.rights.services import links as rights_links
from ugc_hub.rights.services import permissions as rights
from ugc_hub.rights.services import templates as rights_templates
from ugc_hub.services import publication

SECRET = "test-secret-key"
YEAR = 365 * 24 * 3600


@pytest.fixture
def asked(workspace: Any) -> RightsRequest:
    prepare(workspace.id)
    return ask(add_post(workspace.id).id)


def test_an_unused_terms_version_may_be_deleted(workspace: Any) -> None:
    draft = rights_templates.publish_terms(
        db.session, workspace_id=workspace.id, title="Draft", body="draft text", language="en", actor=ADMIN
    )
    rights_templates.delete_terms(db.session, terms_id=draft.id, actor=ADMIN)
    assert db.session.get(TermsVersion, draft.id) is None


def test_a_terms_version_shown_to_authors_is_never_deleted_nor_edited(asked: RightsRequest) -> None:
    terms_id = asked.terms_version_id
    with pytest.raises(rights_templates.TermsInUse, match="kept for ever"):
        rights_templates.delete_terms(db.session, terms_id=terms_id, actor=ADMIN)
    with pytest.raises(DatabaseError, match="pinned"):
        db.session.execute(text("DELETE FROM rights_terms WHERE id = :id"), {"id": terms_id})
    db.session.rollback()
    with pytest.raises(DatabaseError, match="immutable"):
        db.session.execute(text("UPDATE rights_terms SET body = 'new words' WHERE id = :id"), {"id": terms_id})
    db.session.rollback()
    with pytest.raises(DatabaseError, match="immutable"):
        db.session.execute(text("UPDATE rights_terms SET used_at = NULL WHERE id = :id"), {"id": terms_id})
    db.session.rollback()
    terms = db.session.get(TermsVersion, terms_id)
    assert terms is not None and terms.body.startswith("You grant Lumen Outdoor")
    newer = rights_templates.publish_terms(
        db.session, workspace_id=asked.workspace_id, title="Terms v2", body="New terms.", language="en", actor=ADMIN
    )
    assert newer.version == 2 and rights_templates.current_terms(db.session, asked.workspace_id) == newer


def test_a_signed_link_approves_once_and_pins_the_terms(asked: RightsRequest) -> None:
    token = rights_links.make_token(SECRET, purpose="approve", request_id=asked.id, post_id=asked.post_id)
    claims = rights_links.read_token(SECRET, token, purpose="approve", max_age_seconds=YEAR)
    with announcements() as seen:
        rights_links.answer_by_link(
            db.session, claims=claims, approve=True, ip="203.0.113.9", user_agent="Firefox", now=NOW
        )
    assert seen.post_ids == [asked.post_id]
    assert publication.is_shown(db.session, asked.post_id, NOW + timedelta(minutes=1))
    grant = db.session.scalar(select(ConsentEvent).where(ConsentEvent.kind == "granted"))
    assert grant is not None and "203.0.113.9" in (grant.payload or "") and "Firefox" in (grant.payload or "")
    with pytest.raises(rights_links.LinkRefused) as replay:
        rights_links.answer_by_link(db.session, claims=claims, approve=False, ip=None, user_agent=None, now=NOW)
    assert replay.value.reason == "used"


def test_tampered_expired_and_misused_links_are_refused(asked: RightsRequest) -> None:
    token = rights_links.make_token(SECRET, purpose="approve", request_id=asked.id, post_id=asked.post_id)
    cases = {
        "tampered": lambda: rights_links.read_token(SECRET, token[:-2] + "xx", purpose="approve", max_age_seconds=YEAR),
        "other key": lambda: rights_links.read_token("other", token, purpose="approve", max_age_seconds=YEAR),
        "as withdraw": lambda: rights_links.read_token(SECRET, token, purpose="withdraw", max_age_seconds=YEAR),
        "expired": lambda: rights_links.read_token(SECRET, token, purpose="approve", max_age_seconds=-1),
    }
    reasons = {}
    for name, attempt in cases.items():
        with pytest.raises(rights_links.LinkRefused) as refused:
            attempt()
        reasons[name] = refused.value.reason
    assert reasons == {"tampered": "tampered", "other key": "tampered", "as withdraw": "tampered", "expired": "expired"}
    assert db.session.get(PostRights, asked.post_id).state == "requested"  # type: ignore[union-attr]


def test_the_withdrawal_link_revokes_and_announces(asked: RightsRequest) -> None:
    rights.record_reply(db.session, asked.id, reply_to(asked, HASHTAG), now=NOW + timedelta(hours=1))
    token = rights_links.make_token(SECRET, purpose="withdraw", request_id=asked.id, post_id=asked.post_id)
    claims = rights_links.read_token(SECRET, token, purpose="withdraw", max_age_seconds=YEAR)
    later = NOW + timedelta(days=3)
    with announcements() as seen:
        rights_links.withdraw_by_link(db.session, claims=claims, ip="198.51.100.7", user_agent="Safari", now=later)
    assert seen.post_ids == [asked.post_id]
    assert not publication.is_shown(db.session, asked.post_id, later)
    assert db.session.get(PostRights, asked.post_id).state == "revoked"  # type: ignore[union-attr]
    revoked = db.session.scalar(select(ConsentEvent).where(ConsentEvent.kind == "revoked"))
    assert revoked is not None and "signed withdrawal link" in (revoked.payload or "")
    with pytest.raises(rights_links.LinkRefused) as again:
        rights_links.withdraw_by_link(db.session, claims=claims, ip=None, user_agent=None, now=later)
    assert again.value.reason == "used"


def test_a_one_time_code_posted_by_the_author_approves(asked: RightsRequest) -> None:
    code = rights_codes.issue_code(
        db.session, request_id=asked.id, purpose="approve", now=NOW, ip="203.0.113.5", user_agent="Chrome"
    )
    stranger = reply_to(asked, f"my code {code}", reply_id="x1", user_id="4242", handle="someone")
    assert rights.record_reply(db.session, asked.id, stranger, now=NOW + timedelta(hours=1)).verdict is Verdict.IGNORED
    no_id = reply_to(asked, f"code {code}", reply_id="x2", user_id=None)
    rights.record_reply(db.session, asked.id, no_id, now=NOW + timedelta(hours=1))
    assert db.session.get(PostRights, asked.post_id).state == "author_replied"  # type: ignore[union-attr]
    author = reply_to(asked, f"here it is: {code.lower()}", reply_id="x3")
    judgement = rights.record_reply(db.session, asked.id, author, now=NOW + timedelta(hours=2))
    assert judgement.verdict is Verdict.GRANTS and "one-time code" in judgement.reason
    assert publication.is_shown(db.session, asked.post_id, NOW + timedelta(hours=3))
    grant = db.session.scalar(select(ConsentEvent).where(ConsentEvent.kind == "granted"))
    assert grant is not None and "203.0.113.5" in (grant.payload or "") and code not in (grant.payload or "")


def test_a_withdrawal_code_from_the_author_revokes(asked: RightsRequest) -> None:
    rights.record_reply(db.session, asked.id, reply_to(asked, HASHTAG), now=NOW + timedelta(hours=1))
    code = rights_codes.issue_code(
        db.session, request_id=asked.id, purpose="withdraw", now=NOW + timedelta(days=1), ip=None, user_agent=None
    )
    assert [o.request_id for o in rights.open_requests(db.session, now=NOW + timedelta(days=1))] == [asked.id]
    with announcements() as seen:
        rights.record_reply(
            db.session,
            asked.id,
            reply_to(asked, f"stop {code}", reply_id="w1", at=NOW + timedelta(days=1, hours=1)),
            now=NOW + timedelta(days=1, hours=1),
        )
    assert seen.post_ids == [asked.post_id]
    assert not publication.is_shown(db.session, asked.post_id, NOW + timedelta(days=2))
    assert rights.open_requests(db.session, now=NOW + timedelta(days=2)) == []


def test_withdrawing_during_a_renewal_closes_the_renewal_too(asked: RightsRequest) -> None:
    rights.record_reply(db.session, asked.id, reply_to(asked, HASHTAG), now=NOW + timedelta(hours=1))
    renewal = ask(asked.post_id, now=NOW + timedelta(days=300))
    assert renewal.purpose == "renewal"
    code = rights_codes.issue_code(
        db.session, request_id=renewal.id, purpose="withdraw", now=NOW + timedelta(days=300), ip=None, user_agent=None
    )
    at = NOW + timedelta(days=300, hours=1)
    rights.record_reply(db.session, renewal.id, reply_to(renewal, code, reply_id="w9", at=at), now=at)
    db.session.expire_all()
    assert db.session.get(PostRights, asked.post_id).state == "revoked"  # type: ignore[union-attr]
    assert db.session.get(RightsRequest, renewal.id).outcome == "revoked"  # type: ignore[union-attr]
    assert not publication.is_shown(db.session, asked.post_id, at)
