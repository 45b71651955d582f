"""Friction aspects stored per post: which posts are embedded, when again, and how the report uses them."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from sentiment.aspects import AspectMatcher, builtin_aspects, extend_aspects
from tests.sentiment.word_encoder import WordEncoder
from tests.test_friction import ANCHOR
from tests.test_ingest import make_post
from ugc_hub.domain.friction import content_words
from ugc_hub.models import NO_ASPECT, NpsResponse, PostAspect, PostSentiment, db
from ugc_hub.services import aspects
from ugc_hub.services.friction import friction_report
from ugc_hub.services.ingest import ingest_posts

SPECS = [
    # key, text, language, label
    ("crushed", "My box got crushed in transit", "en", "negative"),
    ("paquet", "Le transporteur a égaré mon paquet", "fr", "negative"),
    ("vague", "Worst brand ever, avoid", "en", "negative"),
    ("app", "The app crashes at checkout", "en", "negative"),
    ("happy", "The parcel came early, lovely", "en", "positive"),
]


def word_matcher(**changes: Any) -> AspectMatcher:
    return AspectMatcher(WordEncoder(), **changes)


def seed(workspace: Any, specs: list[tuple[str, str, str, str]] = SPECS) -> dict[str, int]:
    at = ANCHOR - timedelta(hours=1)
    posts = [
        make_post(100 + n, platform_id=f"asp-{key}", text=text, language=lang, posted_at=at)
        for n, (key, text, lang, _) in enumerate(specs)
    ]
    ids = dict(
        zip([s[0] for s in specs], ingest_posts(db.session, posts, workspace_id=workspace.id).post_ids, strict=True)
    )
    for key, _, _, label in specs:
        score = -0.8 if label == "negative" else 0.8
        db.session.add(
            PostSentiment(post_id=ids[key], label=label, score=score, model="m", model_version="m@1", scored_at=at)
        )
    db.session.commit()
    return ids


def stored() -> dict[int, set[str]]:
    rows = db.session.execute(select(PostAspect.post_id, PostAspect.aspect)).all()
    result: dict[int, set[str]] = {}
    for post_id, aspect in rows:
        result.setdefault(post_id, set()).add(aspect)
    return result


def test_negative_posts_are_embedded_once_and_again_after_a_rescore_or_a_new_definition(workspace: Any) -> None:
    ids = seed(workspace)
    matcher = word_matcher()
    assert aspects.count_missing(db.session, matcher=matcher) == 4
    run = aspects.assign_missing(db.session, matcher=matcher, batch_size=3, now=lambda: ANCHOR)
    assert (run.posts, run.themed) == (4, 3)
    assert stored() == {
        ids["crushed"]: {"delivery"},
        ids["paquet"]: {"delivery"},
        ids["vague"]: {NO_ASPECT},  # computed, about nothing specific: not embedded again
        ids["app"]: {"website_app"},
    }
    assert aspects.assign_missing(db.session, matcher=matcher).posts == 0
    assert aspects.count_missing(db.session, matcher=matcher) == 0

    # Rescored after its aspects were computed (its text or the model changed): computed again.
    later = ANCHOR + timedelta(days=1)
    db.session.execute(update(PostSentiment).where(PostSentiment.post_id == ids["app"]).values(scored_at=later))
    db.session.commit()
    assert (
        aspects.assign_missing(
            db.session, matcher=matcher, post_ids=[ids["app"], ids["happy"]], now=lambda: later
        ).posts
        == 1
    )
    assert aspects.assign_missing(db.session, matcher=matcher).posts == 0

    # A brand aspect changes the definition's version: every negative post is read again, rows replaced.
    eco = word_matcher(aspects=extend_aspects(builtin_aspects(), {"eco": {"sentences": ["worst plastic waste"]}}))
    assert eco.version != matcher.version
    assert aspects.assign_missing(db.session, matcher=eco, limit=2).posts == 2
    assert aspects.assign_missing(db.session, matcher=eco).posts == 2
    versions = set(db.session.scalars(select(PostAspect.model_version)))
    assert versions == {eco.version}
    assert ids["happy"] not in stored()


def test_report_themes_by_stored_aspects_and_keywords_for_the_rest(workspace: Any) -> None:
    ids = seed(workspace)
    aspects.assign_missing(db.session, matcher=word_matcher())
    # The model found nothing specific but a keyword matches: the keyword names the theme.
    late = seed(workspace, [("late", "Delivery late again", "en", "negative")])["late"]
    db.session.add(PostAspect(post_id=late, aspect=NO_ASPECT, similarity=0.0, model_version="v", computed_at=ANCHOR))
    # Not computed yet: keywords theme it, as before aspects existed.
    pending = seed(workspace, [("price", "The price doubled", "en", "negative")])["price"]
    db.session.commit()

    report = friction_report(db.session, today=ANCHOR.date(), weeks=4, period_weeks=2)
    themes = {theme.key: theme for theme in report.themes}
    assert set(themes) == {"delivery", "website_app", "price"}
    assert report.negative_posts == 6 and report.unthemed == 1  # "Worst brand ever, avoid"
    assert (report.themed_by_model, report.themed_by_keywords) == (3, 2)
    delivery = themes["delivery"]
    assert delivery.current == 3 and {e.post_id for e in delivery.examples} == {ids["crushed"], ids["paquet"], late}
    # Matched keywords first; "My box got crushed in transit" has none, so its content words follow.
    assert delivery.keywords["fr"] == ("transporteur",)
    assert delivery.keywords["en"][:2] in {("delivery", "late"), ("late", "delivery")}
    assert set(delivery.keywords["en"][2:]) == {"box", "crushed", "transit"}
    assert themes["price"].keywords == {"en": ("price",)}
    assert [e.post_id for e in themes["price"].examples] == [pending]
    assert (
        themes["website_app"].keywords["en"][:2] == ("app", "checkout") or "app" in themes["website_app"].keywords["en"]
    )


def test_representatives_are_the_texts_the_model_finds_closest_to_the_theme(workspace: Any) -> None:
    ids = seed(
        workspace,
        [
            ("keywords", "Delivery late, delivery lost, delivery again", "en", "negative"),
            ("close", "My parcel never came", "en", "negative"),
            ("closer", "Three weeks and still no package", "en", "negative"),
            ("far", "Box arrived a bit dented", "en", "negative"),
        ],
    )
    for key, similarity in (("keywords", 0.31), ("close", 0.52), ("closer", 0.64), ("far", 0.27)):
        db.session.add(
            PostAspect(
                post_id=ids[key], aspect="delivery", similarity=similarity, model_version="v", computed_at=ANCHOR
            )
        )
    db.session.commit()
    (delivery,) = friction_report(db.session, today=ANCHOR.date(), weeks=4, period_weeks=2, examples=3).themes
    # Most keywords would have put the repetitive post first; the model's closest complaints come first.
    assert [e.post_id for e in delivery.examples] == [ids["closer"], ids["close"], ids["keywords"]]


def test_detractors_comments_get_aspects_once_and_the_report_uses_them(workspace: Any) -> None:
    answers = [
        (2, "My box got crushed in transit"),  # detractor, no keyword: the model names the theme
        (5, "Worst brand ever, avoid"),  # detractor, nothing specific
        (6, ""),  # detractor without a comment: nothing to read
        (9, "The app crashes at checkout"),  # promoter: not a negative text
    ]
    responses = [
        NpsResponse(workspace_id=workspace.id, channel="import", score=score, comment=comment, responded_at=ANCHOR)
        for score, comment in answers
    ]
    db.session.add_all(responses)
    db.session.commit()
    matcher = word_matcher()
    assert aspects.count_missing_comments(db.session, matcher=matcher) == 2
    run = aspects.assign_missing_comments(db.session, matcher=matcher, batch_size=1)
    assert (run.posts, run.themed) == (2, 1)
    assert aspects.assign_missing_comments(db.session, matcher=matcher).posts == 0
    stored = aspects.stored_comment_aspects(db.session, [r.id for r in responses])
    assert {response_id: list(found) for response_id, found in stored.items()} == {
        responses[0].id: ["delivery"],
        responses[1].id: [],
    }
    report = friction_report(db.session, today=ANCHOR.date(), weeks=4, period_weeks=2)
    assert report.detractor_comments == 2 and report.unthemed == 1
    assert (report.themed_by_model, report.themed_by_keywords) == (1, 0)
    (delivery,) = report.themes
    assert delivery.key == "delivery" and [e.response_id for e in delivery.examples] == [responses[0].id]
    assert set(delivery.keywords[""]) == {"box", "crushed", "transit"}


def test_content_words_drop_stopwords_brand_terms_hashtags_links_and_elisions() -> None:
    text = "L'appli Lumen m'a déconnecté 5 fois aujourd'hui ! #lumen @lumen.outdoor https://lumen.example/x"
    assert content_words(text, "fr", exclude=frozenset({"lumen"})) == ["appli", "déconnecté"]
    assert content_words("The stitching on the strap is coming loose", "en") == ["stitching", "strap", "loose"]
    assert content_words("Le zip est cassé, the zip broke", None) == ["zip", "cassé", "zip", "broke"]


def test_keywords_only_when_the_brand_says_so_and_the_dashboard_says_it(
    app: Flask, auth: Any, client: Any, workspace: Any
) -> None:
    # Scoring with another sentiment backend keeps the zero-shot aspects: they have their own encoder.
    assert aspects.unavailable_reason({"SENTIMENT_BACKEND": "transformers", "SENTIMENT_MODEL": "/nowhere"}) is None
    assert aspects.unavailable_reason({"SENTIMENT_BACKEND": "default"}) is None
    assert "'e5' or 'keywords'" in (aspects.unavailable_reason({"FRICTION_ASPECT_MODEL": "bert"}) or "")
    config = {"FRICTION_ASPECT_MODEL": "keywords"}
    assert aspects.matcher_for(config) is None
    assert "keywords" in (aspects.unavailable_reason(config) or "")
    auth.as_role("viewer")
    assert "The aspect model is off" not in client.get("/insights/").text
    app.config.update(config)
    result = app.test_cli_runner().invoke(args=["sentiment", "aspects"])
    assert result.exit_code == 0 and "keyword rules only" in result.output
    page = client.get("/insights/").text
    assert "The aspect model is off" in page and "Themed by the model: 0; by keywords: 0." in page


def test_brand_aspects_come_from_config_and_a_bad_definition_is_a_clear_cli_error(app: Flask) -> None:
    app.config["FRICTION_ASPECTS"] = '{"eco": {"sentences": ["Too much plastic."], "keywords": ["plasti*"]}}'
    assert aspects.brand_keywords(app.config) == {"eco": ["plasti*"]}
    assert aspects.brand_aspects(app.config)[-1].key == "eco"
    app.config["FRICTION_ASPECTS"] = '{"eco": {"keywords": ["plasti*"]}}'
    result = app.test_cli_runner().invoke(args=["sentiment", "aspects"])
    assert result.exit_code != 0 and "needs at least one descriptive sentence" in result.output


@pytest.mark.slow
def test_demo_scored_with_the_default_model_gets_aspects_from_embeddings(app: Flask) -> None:
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
    scoring.score_stale(db.session, backend=scoring.backend_for({"SENTIMENT_BACKEND": "default"}))
    matcher = aspects.matcher_for({"SENTIMENT_BACKEND": "default"})
    assert matcher is not None
    run = aspects.assign_missing(db.session, matcher=matcher)
    assert run.posts > 0 and run.themed > 0
    report = friction_report(db.session, today=ANCHOR.date().replace(day=12), weeks=4)
    assert report.themed_by_model > 0 and report.themes
    assert all(theme.keywords and theme.examples for theme in report.themes)


@pytest.mark.slow
def test_the_scoring_task_finds_aspects_of_the_posts_it_labels_negative(workspace: Any) -> None:
    from ugc_hub.tasks import score_posts

    texts = ["Colis jamais arrivé, trois semaines de retard, c'est honteux.", "Love it, best jacket ever!"]
    posts = [make_post(200 + n, platform_id=f"task-{n}", text=text) for n, text in enumerate(texts)]
    ids = ingest_posts(db.session, posts, workspace_id=workspace.id).post_ids
    result = score_posts(ids)
    assert result["scored"] == 2 and result["aspects"] == 1
    assert stored() == {ids[0]: {"delivery"}}
    assert score_posts(ids)["aspects"] == 0  # fresh scores, current aspects: nothing to do
