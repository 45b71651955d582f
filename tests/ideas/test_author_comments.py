"""Edits until the first milestone, dated updates after; comments shown at once, removable by staff; archiving."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.conftest import csrf_from
from tests.ideas.helpers import campaign, client_as, customer, jpeg_with_gps, post_form, published_idea
from ugc_hub.models import db
from ugc_hub.models.ideas import IdeaComment, IdeaImage
from ugc_hub.services.audit import CLI
from ugc_hub.services.ideas import IdeaError, archive_idea, edit_idea
from ugc_hub.services.supports import cast_support


def test_text_and_images_lock_at_the_first_milestone_then_updates_are_public_and_dated(
    app: Flask, workspace: Any
) -> None:
    found = campaign(workspace)
    author = customer("author")
    idea = published_idea(found, author)
    client = client_as(app, author)
    edit_url = f"/ideas/i/{idea.id}/edit"
    page = client.get(edit_url)
    saved = client.post(
        edit_url,
        data={
            "action": "edit",
            "title": "Solar lantern v2",
            "description": "Now folds flat.",
            "images": [(io.BytesIO(jpeg_with_gps()), "p.jpg")],
            "csrf_token": csrf_from(page.text),
        },
        content_type="multipart/form-data",
    )
    assert saved.status_code == 302
    db.session.refresh(idea)
    assert idea.title == "Solar lantern v2"
    assert db.session.scalar(select(func.count()).select_from(IdeaImage)) == 1

    for fan in (customer(), customer()):  # two supports reach the first milestone (2)
        cast_support(db.session, idea_id=idea.id, customer_id=fan.id)
    with pytest.raises(IdeaError) as locked:
        edit_idea(db.session, idea_id=idea.id, author_id=author.id, title="Bait", description="and switch")
    assert locked.value.code == "locked"
    page = client.get(edit_url)
    assert 'name="title"' not in page.text and "its text and pictures are locked" in page.text
    refused = client.post(
        edit_url,
        data={"action": "edit", "title": "Bait", "description": "", "csrf_token": csrf_from(page.text)},
        follow_redirects=True,
    )
    db.session.refresh(idea)
    assert idea.title == "Solar lantern v2" and "Bait" not in refused.text

    update = '<script>alert("u")</script> Prototype printed!'
    response = post_form(client, edit_url, edit_url, {"action": "update", "body": update}, follow_redirects=True)
    assert "Your update is published." in response.text
    public = app.test_client().get(f"/ideas/i/{idea.id}").text
    assert "&lt;script&gt;alert(&#34;u&#34;)&lt;/script&gt; Prototype printed!" in public
    assert "<script>alert" not in public and "Updates from the author" in public and "<time datetime=" in public

    stranger = client_as(app, customer())
    assert stranger.get(edit_url).status_code == 404


def test_comments_are_escaped_and_staff_can_remove_them(app: Flask, auth: Any, workspace: Any) -> None:
    found = campaign(workspace)
    idea = published_idea(found, customer("author"))
    fan = client_as(app, customer("fan", display_name="<b>Fan</b>"))
    url = f"/ideas/i/{idea.id}"
    hostile = "<img src=x onerror=alert(1)> love it"
    response = post_form(fan, url, f"{url}/comments", {"body": hostile}, follow_redirects=True)
    assert "Your comment is published." in response.text
    public = app.test_client().get(url).text
    assert "&lt;img src=x onerror=alert(1)&gt; love it" in public and "<img src=x" not in public
    assert "&lt;b&gt;Fan&lt;/b&gt;" in public
    assert "Sign in to comment." in public

    empty = post_form(fan, url, f"{url}/comments", {"body": "   "}, follow_redirects=True)
    assert "Write something first." in empty.text

    auth.as_role("moderator")
    queue = auth.client.get("/staff/ideas/comments")
    assert "&lt;img src=x" in queue.text
    comment = db.session.scalar(select(IdeaComment))
    auth.client.post(
        f"/staff/ideas/comments/{comment.id}/remove", data={"reason": "spam", "csrf_token": csrf_from(queue.text)}
    )
    db.session.refresh(comment)
    assert (comment.status, comment.removed_reason) == ("removed", "spam")
    assert "love it" not in app.test_client().get(url).text


def test_archived_ideas_show_the_reason_and_take_no_support_or_comment(app: Flask, auth: Any, workspace: Any) -> None:
    found = campaign(workspace)
    idea = published_idea(found, customer("author"))
    auth.as_role("moderator")
    page = auth.client.get("/staff/ideas/public")
    no_reason = auth.client.post(
        f"/staff/ideas/{idea.id}/archive",
        data={"reason": " ", "csrf_token": csrf_from(page.text)},
        follow_redirects=True,
    )
    assert "A reason is needed" in no_reason.text
    auth.client.post(
        f"/staff/ideas/{idea.id}/archive", data={"reason": "Licensing conflict", "csrf_token": csrf_from(page.text)}
    )
    db.session.refresh(idea)
    assert (idea.status, idea.status_reason) == ("archived", "Licensing conflict")
    with pytest.raises(IdeaError):
        archive_idea(db.session, idea_id=idea.id, reason="again", actor=CLI)
    fan_person = customer()
    assert cast_support(db.session, idea_id=idea.id, customer_id=fan_person.id).status == "closed"
    fan = client_as(app, fan_person)
    public = fan.get(f"/ideas/i/{idea.id}").text
    assert "Licensing conflict" in public and 'id="support"' not in public and 'id="post-comment"' not in public
    closed = post_form(
        fan, f"/ideas/i/{idea.id}", f"/ideas/i/{idea.id}/comments", {"body": "hi"}, follow_redirects=True
    )
    assert "no longer takes comments" in closed.text
