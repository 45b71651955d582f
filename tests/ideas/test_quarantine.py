"""Staff review of quarantined supports: release (they count, milestones once) or confirm invalid, in bulk."""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.conftest import Auth, csrf_from
from tests.ideas.helpers import campaign, customer, published_idea
from ugc_hub.domain.ladder import Ladder, Milestone
from ugc_hub.models import AuditEvent, db
from ugc_hub.models.ideas import Customer, Idea, IdeaMilestone, InvalidationRun, Support
from ugc_hub.services.audit import CLI
from ugc_hub.services.ideas_integrity import InvalidationError, RateRule, transparency
from ugc_hub.services.ideas_quarantine import (
    BucketKey,
    confirm_invalid,
    quarantine_buckets,
    quarantine_page,
    release_supports,
)
from ugc_hub.services.supports import cast_support

ONE_PER_MINUTE = (RateRule("ip", "burst", 1, 60),)
ADDRESS = "203.0.113.9"


def _person(domain: str) -> Customer:
    email = f"{uuid.uuid4().hex[:8]}@{domain}"
    person = Customer(email=email, email_canonical=email, verified_at=datetime.now(UTC))
    db.session.add(person)
    db.session.commit()
    return person


def _burst(idea: Idea, domain: str, n: int, ip: str = ADDRESS) -> list[str]:
    """``n`` supports from one address; all but the first one of the minute are quarantined."""
    statuses = []
    for _ in range(n):
        result = cast_support(db.session, idea_id=idea.id, customer_id=_person(domain).id, ip=ip, rules=ONE_PER_MINUTE)
        statuses.append(result.status)
    return statuses


def _states() -> list[tuple[str, str | None]]:
    return [tuple(row) for row in db.session.execute(select(Support.state, Support.reason).order_by(Support.id))]  # type: ignore[misc]


def test_buckets_group_by_rule_address_and_domain_without_email(app: Flask, workspace: Any) -> None:
    idea = published_idea(campaign(workspace, Ladder((Milestone(50, days=30),))), customer("author"))
    assert _burst(idea, "bulk.example", 4) == ["counted"] * 4  # the client is never told
    _burst(idea, "other.example", 2)
    buckets = quarantine_buckets(db.session)
    assert [(b.key.rule, b.key.ip, b.key.domain, b.supports) for b in buckets] == [  # newest group first
        ("ip_burst", ADDRESS, "other.example", 2),
        ("ip_burst", ADDRESS, "bulk.example", 3),
    ]
    assert quarantine_buckets(db.session, idea_id=idea.id + 1) == []
    assert BucketKey.decode(buckets[0].key.encode()) == buckets[0].key


def test_release_counts_the_supports_and_crosses_the_milestone_exactly_once(app: Flask, workspace: Any) -> None:
    found = campaign(workspace, Ladder((Milestone(3, days=30), Milestone(10, days=30))))
    idea = published_idea(found, customer("author"))
    _burst(idea, "bulk.example", 4)
    db.session.refresh(idea)
    assert idea.supporters == 1
    (bucket,) = quarantine_buckets(db.session, idea_id=idea.id)

    result = release_supports(db.session, idea_id=idea.id, buckets=[bucket.key], actor=CLI)
    assert (result.supports, result.supporters, result.targets) == (3, 4, [3])
    db.session.refresh(idea)
    assert idea.supporters == 4
    assert _states() == [("counted", None)] * 4
    assert db.session.scalar(select(func.count()).select_from(IdeaMilestone)) == 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "supports.release"))
    assert event is not None
    assert event.before == {"supporters": 1}
    assert event.after["released"] == 3 and event.after["milestones"] == [3]

    again = release_supports(db.session, idea_id=idea.id, buckets=[bucket.key], actor=CLI)
    assert (again.supports, again.supporters, again.targets) == (0, 4, [])
    assert db.session.scalar(select(func.count()).select_from(IdeaMilestone)) == 1


def test_release_stops_at_the_newest_support_the_moderator_saw(app: Flask, workspace: Any) -> None:
    idea = published_idea(campaign(workspace, Ladder((Milestone(50, days=30),))), customer("author"))
    _burst(idea, "bulk.example", 3)
    (seen,) = quarantine_buckets(db.session, idea_id=idea.id)
    _burst(idea, "bulk.example", 2)  # set aside after the page was loaded
    result = release_supports(db.session, idea_id=idea.id, buckets=[seen.key], actor=CLI)
    assert (result.supports, result.supporters) == (2, 3)
    (left,) = quarantine_buckets(db.session, idea_id=idea.id)
    assert left.supports == 2


def test_confirm_invalid_records_a_run_and_the_public_reason(app: Flask, workspace: Any) -> None:
    idea = published_idea(campaign(workspace, Ladder((Milestone(50, days=30),))), customer("author"))
    _burst(idea, "bulk.example", 4)
    (bucket,) = quarantine_buckets(db.session, idea_id=idea.id)
    with pytest.raises(InvalidationError):
        confirm_invalid(db.session, idea_id=idea.id, buckets=[bucket.key], reason="because", actor=CLI)
    assert transparency(db.session, idea.id) == {"quarantined": 3}

    result = confirm_invalid(
        db.session, idea_id=idea.id, buckets=[bucket.key], reason="automated", actor=CLI, note="script"
    )
    assert (result.supports, result.supporters) == (3, 1)
    assert transparency(db.session, idea.id) == {"automated": 3}
    run = db.session.scalar(select(InvalidationRun))
    assert run is not None and (run.invalidated, run.reason, run.note) == (3, "automated", "script")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "supports.confirm_invalid"))
    assert event is not None and event.after["invalidated"] == 3
    assert quarantine_buckets(db.session) == []


def test_moderators_release_from_the_page_and_never_see_an_email(app: Flask, workspace: Any, auth: Any) -> None:
    idea = published_idea(campaign(workspace, Ladder((Milestone(3, days=30),))), customer("author"))
    _burst(idea, "bulk.example", 4)
    emails = db.session.scalars(select(Customer.email).join(Support, Support.customer_id == Customer.id)).all()

    viewer = Auth(app, app.test_client())
    viewer.as_role("viewer")
    assert viewer.client.get("/staff/ideas/quarantine").status_code == 403
    auth.as_role("moderator")
    page = auth.client.get("/staff/ideas/quarantine")
    assert page.status_code == 200
    assert ADDRESS in page.text and "bulk.example" in page.text and "burst from one IP address" in page.text
    assert not any(email in page.text for email in emails)

    (bucket,) = quarantine_buckets(db.session, idea_id=idea.id)
    action = f"/staff/ideas/quarantine/{idea.id}"
    assert auth.client.post(action, data={"bucket": bucket.key.encode(), "action": "release"}).status_code == 400
    response = auth.client.post(
        action,
        data={"bucket": bucket.key.encode(), "action": "release", "csrf_token": csrf_from(page.text)},
        follow_redirects=True,
    )
    assert "3 supports released and counted." in response.text
    assert "Nothing in quarantine." in response.text
    db.session.refresh(idea)
    assert (idea.supporters, db.session.scalar(select(func.count()).select_from(IdeaMilestone))) == (4, 1)


def test_confirm_invalid_from_the_page_in_bulk(app: Flask, workspace: Any, auth: Any) -> None:
    idea = published_idea(campaign(workspace, Ladder((Milestone(50, days=30),))), customer("author"))
    _burst(idea, "bulk.example", 3)
    _burst(idea, "other.example", 3, ip="198.51.100.4")
    auth.as_role("moderator")
    page = auth.client.get(f"/staff/ideas/quarantine?idea={idea.id}")
    keys = [b.key.encode() for b in quarantine_buckets(db.session, idea_id=idea.id)]
    assert len(keys) == 2
    response = auth.client.post(
        f"/staff/ideas/quarantine/{idea.id}",
        data={"bucket": keys, "action": "invalidate", "reason": "bought", "csrf_token": csrf_from(page.text)},
        follow_redirects=True,
    )
    assert "4 supports confirmed invalid." in response.text
    assert transparency(db.session, idea.id) == {"bought": 4}
    empty = auth.client.post(
        f"/staff/ideas/quarantine/{idea.id}",
        data={"action": "release", "csrf_token": csrf_from(page.text)},
        follow_redirects=True,
    )
    assert "Choose at least one group of supports." in empty.text
    forged = auth.client.post(
        f"/staff/ideas/quarantine/{idea.id}",
        data={"bucket": "not a bucket", "action": "release", "csrf_token": csrf_from(page.text)},
    )
    assert forged.status_code == 400


def _groups(idea: Idea, n: int) -> None:
    """``n`` groups of one quarantined support each (one e-mail domain per group), after one counted support."""
    _burst(idea, "first.example", 1)
    for group in range(n):
        _burst(idea, f"d{group}.example", 1)


def _walk(client: Any, url: str, rel: str) -> list[tuple[str, list[str]]]:
    """Follow the ``rel`` links from ``url`` to the end: each page's text and the groups (checkbox values) on it."""
    pages = []
    while True:
        text = client.get(url).text
        pages.append((text, [html.unescape(v) for v in re.findall(r'name="bucket" value="([^"]*)"', text)]))
        link = re.search(rf'<a href="([^"]*)" rel="{rel}">', text)
        if link is None:
            return pages
        url = html.unescape(link.group(1))


def test_the_review_pages_through_every_group_once_and_keeps_the_idea_filter(
    app: Flask, workspace: Any, auth: Any
) -> None:
    app.config["IDEA_QUARANTINE_PAGE_SIZE"] = 2
    found = campaign(workspace, Ladder((Milestone(50, days=30),)))
    idea, other = published_idea(found, customer("author")), published_idea(found, customer("second"))
    _groups(idea, 5)
    _groups(other, 2)
    emails = set(db.session.scalars(select(Customer.email)))
    auth.as_role("moderator")

    forward = _walk(auth.client, f"/staff/ideas/quarantine?idea={idea.id}", "next")
    assert [len(keys) for _, keys in forward] == [2, 2, 1]
    everything = [b.key.encode() for b in quarantine_buckets(db.session, idea_id=idea.id)]
    assert [key for _, keys in forward for key in keys] == everything  # each group once, newest first
    assert "Groups 1 to 2 of 5, newest first." in forward[0][0]
    assert "Groups 5 to 5 of 5, newest first." in forward[2][0]
    for text, _keys in forward:
        assert f'data-idea-id="{other.id}"' not in text
        assert all(f"idea={idea.id}" in html.unescape(link) for link in re.findall(r'href="([^"]*)" rel="', text))
        assert f'name="idea" value="{idea.id}"' in text  # acting on a group comes back to the same filter
        assert not any(email in text for email in emails)
    assert 'rel="prev"' not in forward[0][0] and 'rel="next"' not in forward[-1][0]

    last_page = re.search(r'<a href="([^"]*)" rel="next">', forward[-2][0])
    assert last_page is not None
    backward = _walk(auth.client, html.unescape(last_page.group(1)), "prev")
    assert [keys for _, keys in backward] == [keys for _, keys in reversed(forward)]

    every_idea = _walk(auth.client, "/staff/ideas/quarantine", "next")
    assert len(every_idea) == 4
    assert sorted(key for _, keys in every_idea for key in keys) == sorted(
        b.key.encode() for b in quarantine_buckets(db.session)
    )
    assert "Groups 1 to 2 of 8, newest first." in every_idea[0][0]  # the second idea's first support was set aside too


def test_acting_on_a_page_shifts_no_other_group_off_the_pages(app: Flask, workspace: Any, auth: Any) -> None:
    app.config["IDEA_QUARANTINE_PAGE_SIZE"] = 2
    idea = published_idea(campaign(workspace, Ladder((Milestone(50, days=30),))), customer("author"))
    _groups(idea, 5)
    first = quarantine_page(db.session, idea_id=idea.id, size=2)
    second = quarantine_page(db.session, idea_id=idea.id, before=first.buckets[-1].key.last_id, size=2)
    assert (first.newer, first.older, second.position, second.total) == (False, True, 2, 5)
    auth.as_role("moderator")
    url = f"/staff/ideas/quarantine?idea={idea.id}&before={first.buckets[-1].key.last_id}"
    page = auth.client.get(url)
    response = auth.client.post(
        f"/staff/ideas/quarantine/{idea.id}",
        data={
            "bucket": [b.key.encode() for b in second.buckets],
            "action": "invalidate",
            "reason": "automated",
            "idea": str(idea.id),
            "before": str(first.buckets[-1].key.last_id),
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 302 and response.location.endswith(url)
    after = auth.client.get(response.location).text
    left = [html.unescape(v) for v in re.findall(r'name="bucket" value="([^"]*)"', after)]
    assert left == [b.key.encode() for b in quarantine_buckets(db.session, idea_id=idea.id)][2:]
    assert "Groups 3 to 3 of 3, newest first." in after

    everything_gone = quarantine_page(db.session, idea_id=idea.id, before=1, size=2)
    assert (everything_gone.buckets, everything_gone.newer, everything_gone.older) == ([], True, False)
    assert "Back to the newest groups" in auth.client.get(f"/staff/ideas/quarantine?idea={idea.id}&before=1").text
    assert auth.client.get("/staff/ideas/quarantine?before=x").status_code == 400
    assert auth.client.get("/staff/ideas/quarantine?before=3&after=1").status_code == 400
