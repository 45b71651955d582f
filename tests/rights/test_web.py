"""Staff pages (roles, CSRF, escaping) and the public pages authors use (terms, signed links)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import Auth, csrf_from
from tests.rights.support import HASHTAG, add_post, ask, prepare, reply_to
from ugc_hub.domain.posts import NormalizedAuthor
from ugc_hub.models import Author, Post, PostRights, RightsRequest, TermsVersion, db
from ugc_hub.models.base import utcnow
from ugc_hub.rights.services import links as rights_links
from ugc_hub.rights.services import permissions as rights
from ugc_hub.services import publication

HOSTILE = "<script>alert('x')</script>"


@pytest.fixture
def ready(workspace: Any) -> Any:
    prepare(workspace.id)
    return workspace


def hostile_post(workspace_id: int) -> Post:
    return add_post(
        workspace_id,
        9,
        author=NormalizedAuthor(
            handle=f"evil{HOSTILE}", platform_user_id="9009", profile_url="https://www.instagram.com/evil/"
        ),
        text=f"caption {HOSTILE}",
    )


def test_viewers_read_moderators_ask_and_every_form_needs_its_token(
    ready: Any, client: FlaskClient, auth: Auth
) -> None:
    post = add_post(ready.id)
    auth.as_role("viewer")
    assert client.get(f"/rights/posts/{post.id}").status_code == 200
    token = auth.csrf(f"/rights/posts/{post.id}")
    denied = client.post(f"/rights/posts/{post.id}/request", data={"channel": "manual_comment", "csrf_token": token})
    assert denied.status_code == 403
    client.post("/logout", data={"csrf_token": token})
    auth.as_role("moderator")
    assert client.post(f"/rights/posts/{post.id}/request", data={"channel": "manual_comment"}).status_code == 400
    token = auth.csrf(f"/rights/posts/{post.id}")
    made = client.post(f"/rights/posts/{post.id}/request", data={"channel": "manual_comment", "csrf_token": token})
    assert made.status_code == 302
    request = db.session.scalar(select(RightsRequest).where(RightsRequest.post_id == post.id))
    assert request is not None and request.requested_by == "moderator@example.com"
    assert f"http://localhost/t/{request.short_code}" in request.text
    page = client.get("/rights/").text
    assert "I have posted it" in page and request.text.replace("&", "&amp;") in page
    assert client.get("/rights/setup").status_code == 403


def test_the_manual_steps_go_through_the_pages(ready: Any, client: FlaskClient, auth: Auth) -> None:
    post = add_post(ready.id)
    request = ask(post.id, now=utcnow())
    auth.as_role("moderator")
    page = client.get(f"/rights/posts/{post.id}").text
    message_id = re.search(r"/rights/messages/(\d+)/posted", page)
    assert message_id
    posted = client.post(
        f"/rights/messages/{message_id.group(1)}/posted", data={"csrf_token": csrf_from(page), "comment_id": "179"}
    )
    assert posted.status_code == 302
    rights.record_reply(
        db.session, request.id, reply_to(request, "yes please", at=utcnow() + timedelta(minutes=1)), now=utcnow()
    )
    page = client.get(f"/rights/posts/{post.id}").text
    assert 'data-rights-state="author_replied"' in page
    decided = client.post(
        f"/rights/requests/{request.id}/decide", data={"csrf_token": csrf_from(page), "decision": "grant"}
    )
    assert decided.status_code == 302
    assert db.session.get(PostRights, post.id).state == "granted"  # type: ignore[union-attr]
    page = client.get(f"/rights/posts/{post.id}").text
    assert "/r/withdraw/" in page
    evidence = client.get(f"/rights/posts/{post.id}/evidence.json").get_json()
    assert [e["kind"] for e in evidence["events"]] == ["requested", "request_sent", "author_replied", "granted"]
    assert 'data-ledger="ok"' in client.get(f"/rights/posts/{post.id}/evidence.html").text
    revoked = client.post(f"/rights/posts/{post.id}/revoke", data={"csrf_token": csrf_from(page), "reason": "done"})
    assert revoked.status_code == 302 and not publication.is_shown(db.session, post.id, utcnow())


def test_hostile_text_is_escaped_on_staff_and_public_pages(ready: Any, client: FlaskClient, auth: Auth) -> None:
    post = hostile_post(ready.id)
    request = ask(post.id, now=utcnow())
    auth.as_role("moderator")
    for page in (
        client.get(f"/rights/posts/{post.id}").text,
        client.get("/rights/").text,
        client.get(f"/rights/posts/{post.id}/evidence.html").text,
        client.get(f"/t/{request.short_code}").text,
    ):
        assert HOSTILE not in page
        assert "&lt;script&gt;" in page or "\\u003cscript\\u003e" in page  # escaped by Jinja or by tojson


def test_the_terms_page_shows_the_pinned_version_and_issues_a_code(ready: Any, client: FlaskClient) -> None:
    request = ask(add_post(ready.id).id, now=utcnow())
    page = client.get(f"/t/{request.short_code}")
    assert page.status_code == 200
    terms = db.session.get(TermsVersion, request.terms_version_id)
    assert terms is not None and "You may withdraw at any time." in page.text and "Version 1" in page.text
    assert HASHTAG in page.text and "@user1" in page.text
    issued = client.post(
        f"/t/{request.short_code}/code", data={"csrf_token": csrf_from(page.text), "purpose": "approve"}
    )
    code = re.search(r"data-code>([A-Z2-9]{4}-[A-Z2-9]{4})<", issued.text)
    assert code
    judgement = rights.record_reply(
        db.session, request.id, reply_to(request, code.group(1), at=utcnow() + timedelta(minutes=1)), now=utcnow()
    )
    assert judgement.verdict.value == "grants"
    assert client.get("/t/nope-not-a-code").status_code == 404


def test_signed_links_work_once_and_refuse_clearly(app: Flask, ready: Any, client: FlaskClient) -> None:
    post = add_post(ready.id)
    request = ask(post.id, channel="direct_message", now=utcnow())
    secret = app.config["SECRET_KEY"]
    token = rights_links.make_token(secret, purpose="approve", request_id=request.id, post_id=post.id)
    page = client.get(f"/r/approve/{token}")
    assert page.status_code == 200 and "I agree" in page.text
    done = client.post(f"/r/approve/{token}", data={"csrf_token": csrf_from(page.text), "answer": "approve"})
    assert done.status_code == 200 and "data-withdraw-link" in done.text
    assert publication.is_shown(db.session, post.id, utcnow())
    replay = client.get(f"/r/approve/{token}")
    assert replay.status_code == 410 and "already used" in replay.text
    tampered = client.get(f"/r/approve/{token[:-3]}abc")
    assert tampered.status_code == 400 and "not valid" in tampered.text

    withdraw = re.search(r'href="http://localhost(/r/withdraw/[^"]+)"', done.text)
    assert withdraw
    confirm = client.get(withdraw.group(1))
    assert confirm.status_code == 200
    gone = client.post(withdraw.group(1), data={"csrf_token": csrf_from(confirm.text)})
    assert gone.status_code == 200 and "no longer appears" in gone.text
    assert not publication.is_shown(db.session, post.id, utcnow())
    assert client.get(withdraw.group(1)).status_code == 410


def test_an_expired_link_gets_a_clear_page(app: Flask, ready: Any, client: FlaskClient) -> None:
    post = add_post(ready.id)
    request = ask(post.id, channel="direct_message", now=utcnow())
    token = rights_links.make_token(app.config["SECRET_KEY"], purpose="approve", request_id=request.id, post_id=post.id)
    app.config["RIGHTS_APPROVE_LINK_DAYS"] = -1
    page = client.get(f"/r/approve/{token}")
    assert page.status_code == 410 and "expired" in page.text


def test_admins_manage_terms_and_erase_authors(ready: Any, client: FlaskClient, auth: Auth) -> None:
    post = add_post(ready.id)
    request = ask(post.id, now=utcnow())
    author_id = post.author_id
    auth.as_role("admin")
    page = client.get("/rights/setup")
    assert page.status_code == 200 and HASHTAG in page.text
    refused = client.post(
        f"/rights/setup/terms/{request.terms_version_id}/delete",
        data={"csrf_token": csrf_from(page.text)},
        follow_redirects=True,
    )
    assert (
        "kept for ever as evidence" in refused.text
        and db.session.get(TermsVersion, request.terms_version_id) is not None
    )
    added = client.post(
        "/rights/setup/templates",
        data={
            "csrf_token": csrf_from(page.text),
            "purpose": "request",
            "language": "fr",
            "name": "fr1",
            "body": "Bravo {author} ! Répondez {hashtag} : {terms_link}",
        },
        follow_redirects=True,
    )
    assert "Répondez" in added.text
    not_confirmed = client.post(f"/rights/authors/{author_id}/erase", data={"csrf_token": csrf_from(page.text)})
    assert not_confirmed.status_code == 302 and db.session.get(Author, author_id) is not None
    erased = client.post(
        f"/rights/authors/{author_id}/erase", data={"csrf_token": csrf_from(page.text), "confirm": str(author_id)}
    )
    assert erased.status_code == 302
    db.session.expire_all()
    assert db.session.get(Author, author_id) is None
