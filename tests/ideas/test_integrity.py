"""Silent quarantine over rate rules, hourly burst flags, audited bulk invalidation, public transparency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from tests.conftest import csrf_from
from tests.ideas.helpers import campaign, client_as, customer, post_form, published_idea
from ugc_hub.domain.ladder import Ladder, Milestone
from ugc_hub.models import AuditEvent, db
from ugc_hub.models.ideas import Idea, IdeaMilestone, IntegrityFlag, Support
from ugc_hub.services.audit import CLI
from ugc_hub.services.ideas_integrity import (
    BurstThresholds,
    RateRule,
    flag_bursts,
    invalidate_supports,
    parse_rules,
    transparency,
)
from ugc_hub.services.supports import cast_support


def test_supports_over_the_ip_burst_are_quarantined_silently(app: Flask, workspace: Any) -> None:
    app.config["IDEA_SUPPORT_RULES"] = "ip_burst=2/60,ip_sustained=100/3600"
    idea = published_idea(campaign(workspace, Ladder((Milestone(50, days=30),))), customer("author"))
    answers = []
    for n in range(3):  # three people behind one address
        client = client_as(app, customer(f"fan{n}"))
        response = post_form(client, f"/ideas/i/{idea.id}", f"/ideas/i/{idea.id}/support", {}, follow_redirects=True)
        answers.append((response.status_code, "Thank you for your support!" in response.text))
    assert answers == [(200, True)] * 3  # the third client is told exactly the same
    db.session.refresh(idea)
    assert idea.supporters == 2
    states = db.session.execute(select(Support.state, Support.reason).order_by(Support.id)).all()
    assert [tuple(s) for s in states] == [("counted", None), ("counted", None), ("quarantined", "ip_burst")]
    page = app.test_client().get(f"/ideas/i/{idea.id}").text
    assert "1 support set aside automatically" in page and "127.0.0.1" not in page


def test_account_rules_and_rule_parsing(workspace: Any) -> None:
    assert parse_rules("ip_burst=5/60, account_sustained=10/86400") == (
        RateRule("ip", "burst", 5, 60),
        RateRule("account", "sustained", 10, 86400),
    )
    found = campaign(workspace, Ladder((Milestone(50, days=30),)))
    author = customer("author")
    ideas = [published_idea(found, author, title=f"Idea {n}") for n in range(4)]
    busy = customer("busy")
    rules = (RateRule("account", "burst", 2, 60), RateRule("account", "sustained", 3, 86400))
    now = datetime.now(UTC)
    statuses = [
        cast_support(db.session, idea_id=i.id, customer_id=busy.id, now=now + timedelta(seconds=n), rules=rules)
        for n, i in enumerate(ideas[:3])
    ]
    assert [s.status for s in statuses] == ["counted"] * 3
    later = now + timedelta(minutes=5)  # past the burst window, but over the sustained one
    assert (
        cast_support(db.session, idea_id=ideas[3].id, customer_id=busy.id, now=later, rules=rules).status == "counted"
    )
    reasons = db.session.scalars(select(Support.reason).order_by(Support.id)).all()
    assert reasons == [None, None, "account_burst", "account_sustained"]
    assert [db.session.get(Idea, i.id).supporters for i in ideas] == [1, 1, 0, 0]


def _support_at(idea: Idea, at: datetime, ip: str, domain: str = "example.com") -> None:
    person = customer()
    person.email_canonical = f"{person.id}-x@{domain}"
    db.session.add(Support(idea_id=idea.id, customer_id=person.id, state="counted", ip=ip, created_at=at))
    db.session.execute(db.update(Idea).where(Idea.id == idea.id).values(supporters=Idea.supporters + 1))
    db.session.commit()


def test_hourly_flags_per_ip_domain_and_idea_are_idempotent(workspace: Any) -> None:
    idea = published_idea(campaign(workspace), customer("author"))
    now = datetime(2026, 11, 23, 10, 5, tzinfo=UTC)
    for n in range(4):
        _support_at(idea, datetime(2026, 11, 23, 9, 10 + n, tzinfo=UTC), "203.0.113.9", "burst.test")
    _support_at(idea, datetime(2026, 11, 23, 9, 30, tzinfo=UTC), "198.51.100.1")
    _support_at(idea, datetime(2026, 11, 23, 8, 30, tzinfo=UTC), "203.0.113.9", "burst.test")  # earlier hour
    thresholds = BurstThresholds(idea=4, ip=3, domain=3)
    flags = flag_bursts(db.session, now=now, thresholds=thresholds)
    found = sorted((f.kind, f.value, f.supports) for f in flags)
    assert found == [("domain", "burst.test", 4), ("idea", str(idea.id), 5), ("ip", "203.0.113.9", 4)]
    assert flag_bursts(db.session, now=now + timedelta(minutes=20), thresholds=thresholds) == []
    assert len(db.session.scalars(select(IntegrityFlag)).all()) == 3


def test_invalidation_recounts_keeps_latched_milestones_and_is_audited(app: Flask, auth: Any, workspace: Any) -> None:
    idea = published_idea(campaign(workspace, Ladder((Milestone(3, days=7), Milestone(10, days=30)))), customer("a"))
    for n in range(4):
        ip = "203.0.113.9" if n < 3 else "198.51.100.1"
        cast_support(db.session, idea_id=idea.id, customer_id=customer().id, ip=ip)
    assert db.session.scalar(select(IdeaMilestone.position)) == 0
    flag = IntegrityFlag(kind="ip", value="203.0.113.9", idea_id=idea.id, window_start=datetime.now(UTC), supports=3)
    db.session.add(flag)
    db.session.commit()

    auth.as_role("admin")
    page = auth.client.get("/staff/ideas/integrity")
    assert "203.0.113.9" in page.text
    response = auth.client.post(
        "/staff/ideas/integrity/invalidate",
        data={
            "flag_id": flag.id,
            "idea_id": idea.id,
            "ip": "203.0.113.9",
            "reason": "automated",
            "csrf_token": csrf_from(page.text),
        },
        follow_redirects=True,
    )
    assert "3 supports invalidated" in response.text
    db.session.refresh(idea)
    db.session.refresh(flag)
    assert (idea.supporters, idea.status, flag.status) == (1, "published", "invalidated")
    assert db.session.scalar(select(IdeaMilestone.position)) == 0  # the reached milestone stays latched
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "supports.invalidate"))
    assert event.after["invalidated"] == 3 and event.before == {"supporters": 4}
    assert transparency(db.session, idea.id) == {"automated": 3}
    public = app.test_client().get(f"/ideas/i/{idea.id}").text
    assert "3 supports removed: automated supports" in public and "203.0.113.9" not in public
    again = invalidate_supports(db.session, idea_id=idea.id, reason="automated", actor=CLI, ip="203.0.113.9")
    assert again.invalidated == 0  # already invalidated supports are not counted twice


def test_the_hourly_task_reads_its_thresholds_from_the_config(app: Flask, workspace: Any) -> None:
    from ugc_hub.ideas_tasks import flag_support_bursts

    idea = published_idea(campaign(workspace), customer("author"))
    hour_ago = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(minutes=30)
    for _ in range(3):
        _support_at(idea, hour_ago, "192.0.2.7")
    app.config.update(IDEA_BURST_IDEA=100, IDEA_BURST_IP=2, IDEA_BURST_DOMAIN=100)
    assert flag_support_bursts.delay().get() == 1
    assert db.session.scalar(select(IntegrityFlag.value)) == "192.0.2.7"


def test_the_support_answer_writes_no_cookie_and_a_copied_address_thanks_nobody_else(
    app: Flask, workspace: Any
) -> None:
    idea = published_idea(campaign(workspace, Ladder((Milestone(50, days=30),))), customer("author"))
    fan = client_as(app, customer("fan"))
    answer = post_form(fan, f"/ideas/i/{idea.id}", f"/ideas/i/{idea.id}/support", {})
    assert answer.status_code == 302 and "Set-Cookie" not in answer.headers
    assert answer.headers["Location"].endswith(f"/ideas/i/{idea.id}?support=counted")
    assert "Thank you for your support!" in fan.get(answer.headers["Location"]).text
    again = post_form(fan, f"/ideas/i/{idea.id}", f"/ideas/i/{idea.id}/support", {}, follow_redirects=True)
    assert "You already support this idea." in again.text
    copied = f"/ideas/i/{idea.id}?support=counted"
    assert "Thank you for your support!" not in app.test_client().get(copied).text  # a visitor
    assert "Thank you for your support!" not in client_as(app, customer("other")).get(copied).text
    assert "flash" not in fan.get(f"/ideas/i/{idea.id}?support=<script>").text
