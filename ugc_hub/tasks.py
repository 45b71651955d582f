"""Celery tasks: thin wrappers that call services. Arguments are ids and paths, never ORM objects."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from celery import shared_task
from flask import current_app
from kombu.exceptions import OperationalError

from ugc_hub.insights_tasks import assign_aspects
from ugc_hub.models import db
from ugc_hub.services import audit, scoring
from ugc_hub.services.importer import import_file
from ugc_hub.services.storage import storage_from_config

log = logging.getLogger(__name__)

# Post ids per scoring message: small enough that several workers share a big import.
SCORING_CHUNK = 500


@shared_task(name="ugc_hub.import_stored_file", acks_late=True)
def import_stored_file(storage_key: str, workspace_id: int, fmt: str, actor_label: str) -> dict[str, Any]:
    """Import a file uploaded to storage; safe to run twice because ingestion is idempotent."""
    storage = storage_from_config(current_app.config)
    data = storage.get(storage_key)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload.{fmt}"
        path.write_bytes(data)
        report = import_file(db.session, path, workspace_id=workspace_id, fmt=fmt)
    summary = {
        "new": report.new,
        "updated": report.updated,
        "rejected": report.rejected,
        "bad_rows": [{"line": b.line, "reason": b.reason} for b in report.bad_rows[:100]],
    }
    audit.record(
        db.session,
        actor=audit.Actor("system", f"import by {actor_label}"),
        action="import.file",
        object_type="file",
        object_id=storage_key[:64],
        after=summary,
    )
    db.session.commit()
    # After the commit: a worker must find the posts when the message arrives.
    enqueue_scoring(report.post_ids)
    return summary


@shared_task(name="sentiment.score_posts", acks_late=True)
def score_posts(post_ids: list[int]) -> dict[str, int]:
    """Score these posts' sentiment, skipping those already scored by this model on the same text."""
    backend = scoring.backend_for(current_app.config)
    result = scoring.score_posts(db.session, post_ids, backend=backend, skip_fresh=True)
    # In the same worker, without another message: the aspects need the labels just stored.
    found = assign_aspects(post_ids)
    return {"scored": result.scored, "languages_detected": result.languages_detected, "aspects": found["posts"]}


def enqueue_scoring(post_ids: Sequence[int]) -> bool:
    """Queue sentiment scoring of freshly committed posts; call it only after the commit.

    Returns False when SENTIMENT_ON_INGEST is off or the broker is unreachable: the posts stay
    unscored until ``ugc-hub sentiment score`` finds them, and ingestion itself has succeeded.
    """
    if not post_ids or not current_app.config.get("SENTIMENT_ON_INGEST", True):
        return False
    ids = list(post_ids)
    try:
        for start in range(0, len(ids), SCORING_CHUNK):
            score_posts.delay(ids[start : start + SCORING_CHUNK])
    except OperationalError:
        log.warning("sentiment scoring not queued for %d posts: broker unreachable", len(ids), exc_info=True)
        return False
    return True


@shared_task(name="sentiment.score_stale", acks_late=True)
def score_stale_posts(limit: int = 5000) -> dict[str, int]:
    """Score posts not yet scored by the configured model (after a collector run, or to catch up)."""
    backend = scoring.backend_for(current_app.config)
    result = scoring.score_stale(db.session, backend=backend, limit=limit)
    found = assign_aspects(limit=limit)
    return {"scored": result.scored, "languages_detected": result.languages_detected, "aspects": found["posts"]}
