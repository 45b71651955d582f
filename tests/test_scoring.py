"""Sentiment scoring of stored posts: batches, stale rows, languages, the ingest task and the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.conftest import make_app
from tests.sentiment.tiny_model import build_tiny_model
from tests.test_ingest import make_post
from ugc_hub.models import Post, PostSentiment, db
from ugc_hub.models.sentiment import language_origin
from ugc_hub.services import scoring
from ugc_hub.services.ingest import ingest_posts

TEXTS = [
    ("Livraison en retard et colis abîmé, je suis très déçue du service client.", None),
    ("The zip broke on day one and support never answered my emails.", None),
    ("Great jacket, warm and light, I love it", "en"),
    ("", None),
    ("Super produit, je recommande !", "fr"),
    ("<p>Arrived on <b>Tuesday</b></p>", "en"),
]


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-scoring"), ["negative", "neutral", "positive"])


def tiny(tiny_dir: Path, **extra: Any) -> dict[str, Any]:
    """Configuration selecting the tiny model through the production transformers backend."""
    return {"SENTIMENT_BACKEND": "transformers", "SENTIMENT_MODEL": str(tiny_dir), "SENTIMENT_BATCH_SIZE": 2} | extra


def seed(workspace_id: int) -> list[int]:
    posts = [make_post(n, text=text, language=language) for n, (text, language) in enumerate(TEXTS)]
    return ingest_posts(db.session, posts, workspace_id=workspace_id).post_ids


def sentiments() -> dict[int, Any]:
    """Stored sentiment rows as plain rows (snapshots, unlike ORM objects that refresh)."""
    return {row.post_id: row for row in db.session.execute(select(PostSentiment.__table__))}


def test_stale_scoring_detects_languages_and_rescores_only_what_a_model_change_made_stale(
    app: Flask, workspace: Any, tiny_dir: Path
) -> None:
    ids = seed(workspace.id)
    first = scoring.backend_for(tiny(tiny_dir))
    assert scoring.backend_for(tiny(tiny_dir)) is first  # loaded once per process
    assert scoring.count_stale(db.session, backend=first) == len(ids)

    done: list[int] = []
    result = scoring.score_stale(db.session, backend=first, batch_size=4, progress=done.append)
    assert result.scored == len(ids) and done == [4, 2]
    stored = sentiments()
    assert set(stored) == set(ids)
    for row in stored.values():
        assert row.label in ("negative", "neutral", "positive") and -1 <= row.score <= 1
        assert (row.model, row.model_version) == (first.name, first.version)
    blank = stored[ids[3]]
    assert (blank.label, blank.score) == ("neutral", 0.0)

    # Empty languages were detected and stored; the platform's were kept.
    languages = dict(db.session.execute(select(Post.id, Post.language)).all())
    assert (languages[ids[0]], languages[ids[1]], languages[ids[2]], languages[ids[4]]) == ("fr", "en", "en", "fr")
    assert languages[ids[3]] is None
    assert result.languages_detected == 2
    assert language_origin(languages[ids[0]], stored[ids[0]].detected_language) == "detected"
    assert language_origin(languages[ids[2]], stored[ids[2]].detected_language) == "platform"
    assert language_origin(None, None) is None

    assert scoring.score_stale(db.session, backend=first).scored == 0

    # A new threshold is a new model version: only posts it has not scored yet are stale.
    second = scoring.backend_for(tiny(tiny_dir, SENTIMENT_MIN_CONFIDENCE=0.9))
    assert second.version != first.version
    assert scoring.score_posts(db.session, ids[:2], backend=second).scored == 2
    before = sentiments()
    assert scoring.count_stale(db.session, backend=second) == len(ids) - 2
    assert scoring.score_stale(db.session, backend=second, limit=3).scored == 3
    assert scoring.score_stale(db.session, backend=second).scored == len(ids) - 5
    after = sentiments()
    assert all(row.model_version == second.version for row in after.values())
    assert [after[i].scored_at for i in ids[:2]] == [before[i].scored_at for i in ids[:2]]
    # The rescore found the languages filled and still knows they were detected.
    assert after[ids[0]].detected_language == "fr"
    assert scoring.count_stale(db.session, backend=second, include_fresh=True) == len(ids)


@pytest.fixture
def scoring_app(database_url: str, instance: Path, tiny_dir: Path) -> Iterator[Flask]:
    application = make_app(database_url, instance, SENTIMENT_ON_INGEST=True, **tiny(tiny_dir))
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def write_posts(path: Path, texts: list[str]) -> Path:
    lines = [
        json.dumps({"platform": "review", "platform_id": f"r{n}", "text": text, "posted_at": "2026-11-01T10:00:00Z"})
        for n, text in enumerate(texts)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_import_queues_scoring_after_commit_and_a_refresh_rescores_only_edited_posts(
    scoring_app: Flask, tmp_path: Path
) -> None:
    from ugc_hub.services.audit import CLI
    from ugc_hub.services.workspaces import create_workspace

    create_workspace(db.session, name="Lumen Outdoor", actor=CLI)
    runner = scoring_app.test_cli_runner()
    texts = [text for text, _ in TEXTS if text]
    result = runner.invoke(args=["import", str(write_posts(tmp_path / "a.jsonl", texts))])
    assert result.exit_code == 0, result.output
    first = sentiments()
    assert len(first) == len(texts)

    edited = [*texts[:-1], "Colis jamais arrivé, remboursement refusé."]
    result = runner.invoke(args=["import", str(write_posts(tmp_path / "b.jsonl", edited))])
    assert result.exit_code == 0, result.output
    second = sentiments()
    last = db.session.scalar(select(Post.id).where(Post.platform_id == f"r{len(texts) - 1}"))
    assert second[last].text_digest != first[last].text_digest
    assert second[last].scored_at > first[last].scored_at
    unchanged = [post_id for post_id in first if post_id != last]
    assert [second[i].scored_at for i in unchanged] == [first[i].scored_at for i in unchanged]


def test_sentiment_score_command(app: Flask, workspace: Any, tiny_dir: Path) -> None:
    app.config.update(tiny(tiny_dir))
    ids = seed(workspace.id)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sentiment", "score", "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert "2 posts to score" in result.output and "2 posts scored" in result.output
    result = runner.invoke(args=["sentiment", "score", "--batch-size", "3"])
    assert f"{len(ids) - 2} posts scored" in result.output
    result = runner.invoke(args=["sentiment", "score"])
    assert "0 posts scored" in result.output
    result = runner.invoke(args=["sentiment", "score", "--all"])
    assert f"{len(ids)} posts scored" in result.output
    assert db.session.scalar(select(func.count()).select_from(PostSentiment)) == len(ids)
