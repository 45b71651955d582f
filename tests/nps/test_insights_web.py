"""The /insights dashboard's additions: NPS detractors in themes, share of voice, sentiment by source, settings."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from flask import Flask

from tests.conftest import csrf_from
from tests.test_friction import ANCHOR, seed_negative
from tests.test_ingest import make_post
from ugc_hub.models import NpsResponse, Workspace, db
from ugc_hub.services.audit import CLI
from ugc_hub.services.friction import friction_report
from ugc_hub.services.ingest import ingest_posts
from ugc_hub.services.share_of_voice import CompetitorError, parse_competitors, set_competitors, share_of_voice

HOSTILE = "<script>alert(1)</script>"


def add_answer(workspace: Any, score: int, comment: str, at: datetime, language: str | None = "en") -> NpsResponse:
    response = NpsResponse(
        workspace_id=workspace.id, channel="import", score=score, comment=comment, language=language, responded_at=at
    )
    db.session.add(response)
    db.session.commit()
    return response


def test_detractor_comments_are_negative_texts_marked_as_nps(
    app: Flask, auth: Any, client: Any, workspace: Any
) -> None:
    seed_negative(workspace)
    at = ANCHOR - timedelta(hours=2)
    detractor = add_answer(workspace, 2, f"Delivery late, parcel lost, no tracking {HOSTILE}", at)
    add_answer(workspace, 9, "Delivery was fast", at)  # a promoter: not a complaint
    add_answer(workspace, 5, "", at)  # no comment: nothing to read
    add_answer(workspace, 0, "Livraison jamais arrivée", ANCHOR - timedelta(weeks=20), "fr")  # outside the window
    report = friction_report(db.session, today=ANCHOR.date(), weeks=8, period_weeks=4, examples=5)
    assert report.detractor_comments == 1 and report.negative_posts == 8
    delivery = next(theme for theme in report.themes if theme.key == "delivery")
    assert (delivery.current, delivery.total) == (4, 5)
    nps_examples = [example for example in delivery.examples if example.from_nps]
    assert [(e.response_id, e.platform, e.post_id) for e in nps_examples] == [(detractor.id, "nps", None)]

    auth.as_role("viewer")
    html = client.get(f"/insights/?until={ANCHOR.date().isoformat()}").text
    assert f'class="nps-source" data-response-id="{detractor.id}"' in html
    assert f"/nps/#response-{detractor.id}" in html
    assert HOSTILE not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "1 comment of an NPS detractor" in html


def test_posts_that_say_more_still_leave_a_place_for_one_nps_comment(app: Flask, workspace: Any) -> None:
    ids = seed_negative(workspace)
    quiet = add_answer(workspace, 1, "delivery", ANCHOR - timedelta(hours=2))  # one keyword: ranked last
    report = friction_report(db.session, today=ANCHOR.date(), weeks=8, period_weeks=4, examples=2)
    delivery = next(theme for theme in report.themes if theme.key == "delivery")
    assert [(e.post_id, e.response_id) for e in delivery.examples] == [(ids["d1"], None), (None, quiet.id)]


def test_share_of_voice_counts_posts_mentioning_each_party_per_week(app: Flask, workspace: Any) -> None:
    assert parse_competitors("Acme: acme, #acmegear\n\nTrailCo\n") == {
        "Acme": ["acme", "#acmegear"],
        "TrailCo": ["TrailCo"],
    }
    for wrong in (": acme", "Acme: , ,"):
        try:
            parse_competitors(wrong)
        except CompetitorError:
            continue
        raise AssertionError(f"{wrong!r} accepted")
    set_competitors(db.session, workspace_id=workspace.id, competitors={"Acme": ["acme"], "TrailCo": ["trailco"]},
                    actor=CLI)  # fmt: skip
    this_week, last_week = ANCHOR - timedelta(hours=1), ANCHOR - timedelta(weeks=1)
    texts = [
        ("Love my #lumen jacket", this_week),
        ("Lumen or Acme? Acme is cheaper", this_week),
        ("ACME boots, trailco socks", this_week),
        ("Illuminated by nothing: acmeish is not acme-ish", this_week),  # "acme" inside words: not a mention
        ("TrailCo all the way", last_week),
    ]
    posts = [make_post(n, platform_id=f"v{n}", text=text, posted_at=at) for n, (text, at) in enumerate(texts)]
    ingest_posts(db.session, posts, workspace_id=workspace.id)
    voice = share_of_voice(
        db.session, workspace=db.session.get_one(Workspace, workspace.id), today=ANCHOR.date(), weeks=2
    )
    assert list(voice.mentions) == ["Lumen Outdoor", "Acme", "TrailCo"]
    # make_post texts carry no brand term here; "#lumen" and "Lumen" do.
    assert voice.mentions == {"Lumen Outdoor": (0, 2), "Acme": (0, 3), "TrailCo": (1, 1)}
    shares = voice.shares()
    assert shares["TrailCo"] == (100.0, 100 / 6) and shares["Acme"][1] == 50.0


def test_dashboard_charts_share_of_voice_and_sentiment_by_source(
    app: Flask, auth: Any, client: Any, workspace: Any
) -> None:
    seed_negative(workspace)
    reddit = make_post(99, platform="reddit", platform_id="r1", text=f"Acme is better {HOSTILE}",
                       posted_at=ANCHOR - timedelta(hours=3))  # fmt: skip
    ingest_posts(db.session, [reddit], workspace_id=workspace.id)
    set_competitors(db.session, workspace_id=workspace.id, competitors={f"Acme {HOSTILE}": ["acme"]}, actor=CLI)
    auth.as_role("viewer")
    html = client.get(f"/insights/?until={ANCHOR.date().isoformat()}").text
    voice = html[html.index('id="share-of-voice"') :]
    assert voice.count("<polyline") >= 1 and "Acme &lt;script&gt;alert(1)&lt;/script&gt;" in voice
    assert HOSTILE not in html
    source = html[html.index('id="sentiment-by-source"') : html.index('id="share-of-voice"')]
    assert "<svg" in source and ">instagram</text>" in source  # one legend entry per scored source
    assert " style=" not in html and re.findall(r"<script[^>]*>", html) == ['<script src="/static/hub.js" defer>']


def test_settings_page_is_for_admins_and_saves_competitors_and_alerts(
    app: Flask, auth: Any, client: Any, workspace: Any
) -> None:
    auth.as_role("viewer")
    assert client.get("/insights/settings").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/insights/").text)})
    auth.as_role("admin")
    page = client.get("/insights/settings")
    token = csrf_from(page.text)
    saved = client.post(
        "/insights/settings",
        data={"competitors": f"Acme: acme\n{HOSTILE}: x", "growth": "80", "webhook_url": "https://hooks.example.com/f",
              "csrf_token": token},
        follow_redirects=True,
    )  # fmt: skip
    assert "Settings saved." in saved.text and "&lt;script&gt;alert(1)&lt;/script&gt;: x" in saved.text
    assert HOSTILE not in saved.text
    db.session.refresh(workspace)
    assert workspace.competitors == {"Acme": ["acme"], HOSTILE: ["x"]}
    assert workspace.alert_growth == 0.8 and workspace.alert_webhook_url == "https://hooks.example.com/f"
    assert workspace.alert_webhook_secret and workspace.alert_webhook_secret in saved.text
    refused = client.post(
        "/insights/settings", data={"competitors": ": nameless", "growth": "", "webhook_url": "", "csrf_token": token}
    )
    assert "a competitor needs a name" in refused.text
    db.session.refresh(workspace)
    assert workspace.competitors == {"Acme": ["acme"], HOSTILE: ["x"]}  # nothing lost on a bad submission


def test_dashboard_shows_the_workspace_rate_in_its_alert(app: Flask, auth: Any, client: Any, workspace: Any) -> None:
    seed_negative(workspace)
    workspace.alert_growth = 3.0  # delivery grew +200 %: under +300 %, no alert
    db.session.commit()
    auth.as_role("viewer")
    html = client.get(f"/insights/?until={ANCHOR.date().isoformat()}").text
    assert "Growing fast" not in html
    workspace.alert_growth = 1.0
    db.session.commit()
    html = client.get(f"/insights/?until={ANCHOR.date().isoformat()}").text
    assert "Growing fast: Delivery." in html and "(more than 100% against the previous 4 weeks)" in html
