"""Friction themes: keyword rules, the weekly report and the /insights dashboard."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.test_ingest import make_post
from ugc_hub.domain.friction import match_themes, theme_table
from ugc_hub.models import PostSentiment, db
from ugc_hub.services.friction import friction_report
from ugc_hub.services.ingest import ingest_posts
from ugc_hub.web import insights


def themes_of(text: str) -> dict[str, tuple[str, ...]]:
    return {match.theme: match.words for match in match_themes(text)}


def test_keywords_match_whole_words_in_french_and_english() -> None:
    assert themes_of("Livraison en retard, aucun suivi du colis") == {
        "delivery": ("livraison", "retard", "suivi", "colis")
    }
    assert themes_of("The parcel arrived LATE and the zip broke") == {
        "delivery": ("parcel", "late"),
        "quality": ("broke",),
    }
    assert themes_of("Le SAV ne répond pas, taille trop petite") == {
        "customer_service": ("sav", "répond"),
        "size_fit": ("taille", "trop petite"),
    }
    # Whole words only: chocolate is not late, a website is not a site twice, a fitness tracker has no fit.
    assert themes_of("Chocolate lovers, fitness fans") == {}
    assert themes_of("The website is down") == {"website_app": ("website",)}
    assert themes_of("L’appli plante") == {"website_app": ("appli", "plante")}
    assert themes_of("") == {}
    brand = theme_table({"sustainability": ["plasti*", "emballage*"], "price": ["soldes"]})
    found = {m.theme: m.words for m in match_themes("Trop de plastique, et pas de soldes", themes=brand)}
    assert found == {"price": ("soldes",), "sustainability": ("plastique",)}


# A Wednesday noon: "an hour ago" and "this week" must not straddle a Monday whatever day the suite runs.
ANCHOR = datetime(2026, 11, 18, 12, tzinfo=UTC)


def seed_negative(workspace: Any) -> dict[str, int]:
    """Negative posts about delivery (growing) and price (shrinking), one positive, one without theme."""
    now = ANCHOR
    this_week = now - timedelta(hours=1)
    earlier = now - timedelta(weeks=5)
    specs = [
        ("d1", "Livraison en retard, colis abîmé", "fr", this_week, -0.9, "negative"),
        ("d2", "Delivery took forever, no tracking", "en", this_week, -0.7, "negative"),
        ("d3", "Parcel lost, delivery late again", "en", now - timedelta(weeks=2), -0.8, "negative"),
        ("d4", "Still waiting for my delivery", "en", earlier, -0.6, "negative"),
        ("p1", "Way too expensive for what it is", "en", earlier, -0.6, "negative"),
        ("p2", "Prix trop cher", "fr", earlier, -0.7, "negative"),
        ("p3", "The price doubled", "en", now - timedelta(weeks=1), -0.5, "negative"),
        ("x1", "Meh.", "en", this_week, -0.4, "negative"),
        ("ok", "Fast delivery, love it", "en", this_week, 0.9, "positive"),
    ]
    posts = [
        make_post(n, platform_id=key, text=text, language=lang, posted_at=at)
        for n, (key, text, lang, at, *_) in enumerate(specs)
    ]
    ids = dict(
        zip([s[0] for s in specs], ingest_posts(db.session, posts, workspace_id=workspace.id).post_ids, strict=True)
    )
    for key, *_, score, label in specs:
        db.session.add(
            PostSentiment(post_id=ids[key], label=label, score=score, model="m", model_version="m@1", scored_at=now)
        )
    db.session.commit()
    return ids


def test_report_counts_weeks_periods_keywords_and_examples(app: Flask, workspace: Any) -> None:
    ids = seed_negative(workspace)
    report = friction_report(db.session, today=ANCHOR.date(), weeks=8, period_weeks=4, examples=2)
    assert report.negative_posts == 8 and report.unthemed == 1
    assert [theme.key for theme in report.themes][:2] == ["delivery", "price"]
    delivery = report.themes[0]
    assert (delivery.current, delivery.previous, delivery.total) == (3, 1, 4)
    assert delivery.change == 2.0
    assert delivery.weekly[-1] == 2 and sum(delivery.weekly) == 4
    assert delivery.keywords["fr"] == ("colis", "livraison", "retard") or set(delivery.keywords["fr"]) == {
        "colis",
        "livraison",
        "retard",
    }
    assert "delivery" in delivery.keywords["en"]
    assert [example.post_id for example in delivery.examples] == [ids["d1"], ids["d3"]]  # 3 words each, by score
    price = next(theme for theme in report.themes if theme.key == "price")
    assert (price.current, price.previous) == (1, 2) and price.change == -0.5
    scored, negative = report.weekly_sentiment[-1]
    assert (scored, negative) == (4, 3)


def test_dashboard_page_is_server_rendered_svg_without_inline_script_or_style(
    auth: Any, client: Any, workspace: Any, time_machine: Any
) -> None:
    time_machine.move_to(ANCHOR)  # the dashboard's window ends today
    ids = seed_negative(workspace)
    auth.as_role("viewer")
    response = client.get("/insights/")
    assert response.status_code == 200
    html = response.text
    assert re.findall(r'data-theme="(\w+)"', html)[:2] == ["delivery", "price"]
    assert "<svg" in html and "+200% vs the previous 4 weeks" in html
    assert f'data-post-id="{ids["d3"]}"' in html and "livraison" in html
    assert " style=" not in html and "<style" not in html
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/hub.js" defer>']
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "").replace("http://localhost", "")
    assert 'class="card theme alert" data-theme="delivery"' in html  # +200 % with 3 posts: an alert
    assert 'class="card theme" data-theme="price"' in html
    assert "Growing fast: Delivery." in html
    for query in ("weeks=9999", "until=0001-01-01", "until=nonsense", "until=9999-12-31"):
        assert client.get(f"/insights/?{query}").status_code == 200
    past = client.get("/insights/?until=2020-01-01").text
    assert "data-theme=" not in past and "No negative post in this period" in past


@pytest.mark.slow
def test_demo_data_scored_by_the_default_model_shows_friction_themes(auth: Any, client: Any, app: Flask) -> None:
    from ugc_hub.services import scoring
    from ugc_hub.services.demo import load_demo
    from ugc_hub.services.storage import storage_from_config

    load_demo(
        db.session,
        email="demo@example.com",
        password="demo password 123",
        instance_path=Path(app.instance_path),
        storage=storage_from_config(app.config),
    )
    backend = scoring.backend_for({"SENTIMENT_BACKEND": "default"})
    scoring.score_stale(db.session, backend=backend)
    # The demo is dated early November 2026: build the report for the week after it.
    report = friction_report(db.session, today=datetime(2026, 11, 12, tzinfo=UTC).date(), weeks=4)
    assert report.themes, "no friction theme found in the demo data"
    top = report.themes[0]
    assert top.keywords and top.examples
    auth.as_role("viewer")
    assert client.get("/insights/?weeks=52").status_code == 200


def test_a_theme_page_lists_all_its_texts_newest_first_and_the_dashboard_links_to_it(
    auth: Any, client: Any, workspace: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = seed_negative(workspace)
    hostile = make_post(
        50,
        platform_id="hostile",
        text='<script>alert("x")</script> delivery late <img src=x onerror=alert(1)>',
        language="en",
        posted_at=ANCHOR - timedelta(hours=2),
    )
    hostile_id = ingest_posts(db.session, [hostile], workspace_id=workspace.id).post_ids[0]
    db.session.add(
        PostSentiment(
            post_id=hostile_id, label="negative", score=-0.5, model="m", model_version="m@1", scored_at=ANCHOR
        )
    )
    db.session.commit()
    auth.as_role("viewer")
    until = ANCHOR.date().isoformat()
    dashboard = client.get(f"/insights/?weeks=8&until={until}").text
    link = f'href="/insights/themes/delivery?weeks=8&amp;until={until}"'
    assert link in dashboard and "Read all 5 texts of these 8 weeks" in dashboard
    # The dashboard shows three examples of delivery; the theme page all five, newest first.
    page = client.get(f"/insights/themes/delivery?weeks=8&until={until}")
    assert page.status_code == 200
    listed = [int(post_id) for post_id in re.findall(r'data-post-id="(\d+)"', page.text)]
    assert listed == [ids["d2"], ids["d1"], hostile_id, ids["d3"], ids["d4"]]  # same hour: the later id first
    assert ids["p1"] not in listed and ids["x1"] not in listed
    assert "<script>alert" not in page.text and "&lt;script&gt;alert" in page.text
    assert "onerror=alert(1)>" not in page.text
    assert "5 negative posts and NPS detractor comments about this theme in the 8 weeks" in page.text
    # Past THEME_PAGE_TEXTS, the texts that say most about the theme are listed, and the page says so.
    monkeypatch.setattr(insights, "THEME_PAGE_TEXTS", 2)
    capped = client.get(f"/insights/themes/delivery?weeks=8&until={until}").text
    assert len(re.findall(r'data-post-id="(\d+)"', capped)) == 2
    assert "The 2 that say most about it are listed." in capped
    # A theme with nothing in the period, or no such theme: not found.
    assert client.get("/insights/themes/delivery?until=2020-01-01").status_code == 404
    assert client.get("/insights/themes/nonsense").status_code == 404
    # In French, as the community managers who pick it read it.
    client.post("/locale", data={"csrf_token": auth.csrf(), "locale": "fr", "next": "/inbox/"})
    assert "Lire les 5 textes de ces 8 semaines" in client.get(f"/insights/?weeks=8&until={until}").text
    french = client.get(f"/insights/themes/delivery?weeks=8&until={until}").text
    assert "Retour aux points de friction" in french and "les plus récents d'abord" in french


def test_a_theme_page_is_for_staff_only(client: Any, workspace: Any) -> None:
    seed_negative(workspace)
    response = client.get("/insights/themes/delivery")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
