"""Random sequences of rights actions never expose a post that should be hidden, and the ledger always verifies."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.rights.support import ADMIN, HASHTAG, NOW, add_post, ask, prepare, reply_to
from ugc_hub.models import RightsRequest, db
from ugc_hub.rights.services import links as rights_links
from ugc_hub.rights.services import permissions as rights
from ugc_hub.rights.services import upkeep as rights_upkeep
from ugc_hub.rights.services.consent_ledger import verify_ledger
from ugc_hub.services import moderation, publication

ACTIONS = (
    "ask",
    "reply_grant",
    "reply_plain",
    "forged",
    "decide_grant",
    "decide_decline",
    "revoke",
    "withdraw",
    "expire",
    "reject",
    "approve",
)
SECRET = "property-secret"


class Model:
    """What the public should see: only an approved post whose author granted and never took it back."""

    def __init__(self) -> None:
        self.granted = False
        self.approved = True
        self.open: RightsRequest | None = None
        self.author_replied = False

    @property
    def shown(self) -> bool:
        return self.granted and self.approved


def apply(action: str, post_id: int, model: Model, now: Any, counter: Any) -> None:
    request = model.open
    if action == "ask":
        try:
            model.open, model.author_replied = ask(post_id, now=now), False
        except rights.RightsError:
            assert request is not None  # refused only while a request is open
    elif action in ("reply_grant", "reply_plain", "forged") and request is not None:
        text = HASHTAG if action != "reply_plain" else "sure"
        reply = reply_to(
            request, text, reply_id=f"r{next(counter)}", at=now, user_id="999" if action == "forged" else "same"
        )
        rights.record_reply(db.session, request.id, reply, now=now)
        if action == "reply_grant":
            model.granted, model.open = True, None
        elif action == "reply_plain":
            model.author_replied = True
    elif action in ("decide_grant", "decide_decline") and request is not None:
        grant = action == "decide_grant"
        try:
            rights.decide(db.session, request_id=request.id, grant=grant, actor=ADMIN, now=now)
        except rights.RightsError:
            assert grant and not model.author_replied
            return
        model.open = None
        if grant:
            model.granted = True
        elif request.purpose == "permission":
            model.granted = False
    elif action == "revoke":
        try:
            rights.revoke(db.session, post_id=post_id, actor=ADMIN, now=now)
        except rights.RightsError:
            assert not model.granted
            return
        model.granted, model.open = False, None
    elif action == "withdraw":
        token = rights_links.make_token(SECRET, purpose="withdraw", request_id=0, post_id=post_id)
        claims = rights_links.read_token(SECRET, token, purpose="withdraw", max_age_seconds=3600 * 24 * 3650)
        try:
            rights_links.withdraw_by_link(db.session, claims=claims, ip=None, user_agent=None, now=now)
        except rights_links.LinkRefused:
            assert not model.granted
            return
        model.granted, model.open = False, None
    elif action == "expire":
        rights_upkeep.expire_and_remind(db.session, now=now + timedelta(days=15))
        model.open = None  # a renewal that expires leaves the grant as it was
    elif action in ("reject", "approve"):
        moderation.moderate(
            db.session, post_ids=[post_id], status="rejected" if action == "reject" else "approved", actor=ADMIN
        )
        model.approved = action == "approve"


def test_no_sequence_of_actions_exposes_a_post_it_should_not(workspace: Any) -> None:
    workspace_id = workspace.id
    prepare(workspace_id, licence_days=None)
    numbers = itertools.count(100)
    counter = itertools.count()

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=10))
    def sequence(actions: list[str]) -> None:
        post = add_post(workspace_id, next(numbers))
        model = Model()
        now = NOW
        for action in actions:
            now += timedelta(hours=1)
            apply(action, post.id, model, now, counter)
            db.session.expire_all()
            assert publication.is_shown(db.session, post.id, now + timedelta(seconds=1)) == model.shown, actions
        assert verify_ledger(db.session).ok

    sequence()
