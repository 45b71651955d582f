"""Template rotation, the hourly send budget per platform account, thank-yous."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from collectors.replies import SendUnavailable
from tests.rights.support import ADMIN, NOW, add_post, ask, prepare
from ugc_hub.models import MessageTemplate, RightsMessage, Source, db
from ugc_hub.rights.services import permissions as rights
from ugc_hub.rights.services import queue as rights_queue
from ugc_hub.rights.services import templates as rights_templates
from ugc_hub.rights.services import upkeep as rights_upkeep


class FakePlatform:
    """The platform's side of a reply channel: records what was posted, or fails as told."""

    def __init__(self, *, can_send: bool = True, fail: Exception | None = None) -> None:
        self.can_send = can_send
        self.fail = fail
        self.posted: list[tuple[str, str]] = []

    def send_reply(self, settings: Mapping[str, Any], post_platform_id: str, text: str) -> str:
        if self.fail is not None:
            raise self.fail
        self.posted.append((post_platform_id, text))
        return f"comment-{len(self.posted)}"


def test_request_templates_rotate_least_recently_used_first(workspace: Any) -> None:
    prepare(workspace.id)
    used = []
    for n in range(1, 5):
        request = ask(add_post(workspace.id, n).id, now=NOW + timedelta(minutes=n))
        template = db.session.get(MessageTemplate, request.template_id)
        assert template is not None
        used.append(template.name)
    assert used == ["first", "second", "first", "second"]
    chosen = db.session.scalar(select(MessageTemplate).where(MessageTemplate.name == "second"))
    assert chosen is not None
    request = ask(add_post(workspace.id, 5).id, template_id=chosen.id, hashtag="#YesSummerCamp")
    assert request.template_id == chosen.id and "#YesSummerCamp" in request.text and request.hashtag == "#YesSummerCamp"


def test_a_language_without_templates_falls_back_and_disabled_ones_are_skipped(workspace: Any) -> None:
    prepare(workspace.id)
    for template in db.session.scalars(select(MessageTemplate).where(MessageTemplate.name == "first")):
        rights_templates.set_template_active(db.session, template_id=template.id, active=False, actor=ADMIN)
    request = ask(add_post(workspace.id, 1, language="fr").id)
    template = db.session.get(MessageTemplate, request.template_id)
    assert template is not None and template.name == "second"


def test_templates_refuse_unknown_placeholders_and_keep_hostile_text_as_text(workspace: Any) -> None:
    with pytest.raises(rights_templates.RightsSetupError, match="unknown placeholder"):
        rights_templates.add_template(
            db.session,
            workspace_id=workspace.id,
            purpose="request",
            language="en",
            name="x",
            body="Hi {username}",
            actor=ADMIN,
        )
    hostile = "<script>alert(1)</script> {author} reply {hashtag} {author.__class__}"
    template = rights_templates.add_template(
        db.session, workspace_id=workspace.id, purpose="request", language="en", name="<b>", body=hostile, actor=ADMIN
    )
    assert template.body == hostile
    assert rights_templates.render(hostile, {"author": "@a", "hashtag": "#Yes"}) == (
        "<script>alert(1)</script> @a reply #Yes {author.__class__}"
    )
    with pytest.raises(rights_templates.RightsSetupError, match="approval hashtag"):
        rights_templates.update_policy(
            db.session,
            workspace_id=workspace.id,
            approval_hashtag="#Yes Lumen",
            request_days=14,
            reminder_days=7,
            licence_days=None,
            actor=ADMIN,
        )


def test_the_send_queue_keeps_each_account_within_its_hourly_budget(workspace: Any) -> None:
    prepare(workspace.id)
    brand = Source(workspace_id=workspace.id, kind="instagram_tagged", name="brand", settings={"username": "lumen"})
    other = Source(workspace_id=workspace.id, kind="instagram_tagged", name="other", settings={"username": "lumen_fr"})
    db.session.add_all([brand, other])
    db.session.commit()
    for n in range(1, 6):
        post = add_post(workspace.id, n)
        post.source_id = brand.id if n < 5 else other.id
        db.session.commit()
        ask(post.id, channel="api_reply", now=NOW)
    keys = sorted(m.account_key for m in db.session.scalars(select(RightsMessage)))
    assert keys == ["instagram:lumen"] * 4 + ["instagram:lumen_fr"]
    platform = FakePlatform()

    first = rights_queue.send_due(db.session, now=NOW, per_hour=3, channel_lookup=lambda _p: platform)
    assert len(first.sent) == 4 and len(first.left_queued) == 1  # 3 for lumen, 1 for lumen_fr
    assert (
        rights_queue.send_due(
            db.session, now=NOW + timedelta(minutes=30), per_hour=3, channel_lookup=lambda _p: platform
        ).sent
        == []
    )
    later = rights_queue.send_due(
        db.session, now=NOW + timedelta(minutes=61), per_hour=3, channel_lookup=lambda _p: platform
    )
    assert len(later.sent) == 1 and later.left_queued == []
    assert len(platform.posted) == 5
    sent = db.session.scalars(select(RightsMessage).where(RightsMessage.status == "sent")).all()
    assert {m.platform_comment_id for m in sent} == {f"comment-{i}" for i in range(1, 6)}
    [found] = [
        o for o in rights.open_requests(db.session, now=NOW + timedelta(hours=2)) if o.post_id == sent[0].post_id
    ]
    assert found.asked.request_comment_id == sent[0].platform_comment_id and found.asked.requested_at == sent[0].sent_at


def test_platforms_that_cannot_send_leave_the_message_to_a_person(workspace: Any) -> None:
    prepare(workspace.id)
    for n in (1, 2, 3):
        ask(add_post(workspace.id, n).id, channel="api_reply")
    unavailable = FakePlatform(fail=SendUnavailable("not mentioned in the caption"))
    report = rights_queue.send_due(db.session, now=NOW, channel_lookup=lambda _p: unavailable, limit=1)
    assert len(report.manual) == 1
    report = rights_queue.send_due(db.session, now=NOW, channel_lookup=lambda _p: FakePlatform(can_send=False), limit=1)
    assert len(report.manual) == 1
    broken = FakePlatform(fail=RuntimeError("HTTP 500"))
    for attempt in range(1, 4):
        report = rights_queue.send_due(
            db.session, now=NOW + timedelta(minutes=attempt), channel_lookup=lambda _p: broken
        )
    assert len(report.failed) == 1
    statuses = sorted(m.status for m in db.session.scalars(select(RightsMessage)))
    assert statuses == ["awaiting_manual", "awaiting_manual", "failed"]
    manual = db.session.scalar(select(RightsMessage).where(RightsMessage.status == "awaiting_manual"))
    assert manual is not None
    rights_queue.mark_posted(
        db.session, message_id=manual.id, actor=ADMIN, now=NOW + timedelta(hours=1), comment_id="17890"
    )
    assert manual.status == "sent" and manual.sent_by == ADMIN.label and manual.platform_comment_id == "17890"


def test_a_thank_you_is_queued_like_a_request_and_marks_the_post_thanked(workspace: Any) -> None:
    prepare(workspace.id)
    post = add_post(workspace.id, 1)
    message = rights_upkeep.thank(
        db.session, post_id=post.id, channel="manual_comment", actor=ADMIN, now=NOW, withdraw_link="https://hub/w/x"
    )
    assert message.text == "Thank you @user1! Change your mind any time: https://hub/w/x"
    assert rights_queue.thanked_at(db.session, post.id) is None
    rights_queue.mark_posted(db.session, message_id=message.id, actor=ADMIN, now=NOW + timedelta(minutes=5))
    assert rights_queue.thanked_at(db.session, post.id) == NOW + timedelta(minutes=5)
