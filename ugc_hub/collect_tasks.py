"""Celery tasks of the collectors: thin wrappers over ``services.collection``; arguments are ids."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from flask import current_app

from ugc_hub.models import CollectorRun, db
from ugc_hub.models.base import utcnow
from ugc_hub.services.collection import LEASE_SECONDS, RetryLater, backoff_seconds, collect_source, due_sources
from ugc_hub.services.media import download_pending, fetcher_from_config, queue_media_since
from ugc_hub.services.storage import storage_from_config

MAX_RETRIES = 8
# Longer waits are left to the scheduler (the source's next run is set to the end of the wait): a
# Redis broker would deliver a task held back past its visibility timeout (1 hour) twice.
MAX_COUNTDOWN_SECONDS = 45 * 60


@shared_task(
    name="collectors.collect_source",
    bind=True,
    # A worker killed mid-run leaves the message unacknowledged, so it is delivered again; the run
    # resumes from the last committed cursor and the source's lease keeps it to one run at a time.
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
)
def collect_source_task(
    self: Task, source_id: int, only_if_due: bool = False, trigger: str = "manual"
) -> dict[str, Any]:
    """Run one source; retry after the platform's Retry-After, or with backoff on transient errors."""
    try:
        result = collect_source(
            db.session,
            source_id,
            lease_seconds=current_app.config.get("COLLECTOR_LEASE_SECONDS", LEASE_SECONDS),
            only_if_due=only_if_due,
            trigger=trigger,
            allow_private_addresses=bool(current_app.config.get("ALLOW_PRIVATE_ADDRESSES", False)),
        )
    except RetryLater as exc:
        if exc.retry_after is not None and exc.retry_after > MAX_COUNTDOWN_SECONDS:
            return {"status": exc.result.status, "run_id": exc.result.run_id, "new": exc.result.new}
        retries = self.request.retries or 0
        countdown = exc.retry_after if exc.retry_after is not None else backoff_seconds(retries)
        # Scheduled runs try again at their next due time; the retry is for runs a person asked for too.
        raise self.retry(exc=exc, countdown=countdown, kwargs={"source_id": source_id, "trigger": "retry"}) from exc
    if result.status == "account_busy" and not only_if_due:
        # Asked for by a person: try again shortly (a scheduled run simply waits for the next scan).
        retries = self.request.retries or 0
        raise self.retry(
            countdown=backoff_seconds(retries, base=60), kwargs={"source_id": source_id, "trigger": trigger}
        )
    if result.new and current_app.config.get("SENTIMENT_ON_INGEST", True):
        from ugc_hub.tasks import score_stale_posts

        score_stale_posts.delay()  # the run's pages are committed: the worker will find them
    if result.new and result.run_id is not None and current_app.config.get("MEDIA_DOWNLOAD"):
        download_media_task.delay(result.run_id)
    return {"status": result.status, "run_id": result.run_id, "new": result.new, "pages": result.pages}


@shared_task(name="collectors.download_media", acks_late=True)
def download_media_task(run_id: int) -> dict[str, int]:
    """Download the images of the posts a run collected (once each), with thumbnails and hashes."""
    run = db.session.get(CollectorRun, run_id)
    if run is None:
        return {}
    queued = queue_media_since(db.session, run.source_id, run.started_at)
    report = download_pending(
        db.session,
        storage_from_config(current_app.config),
        fetch=fetcher_from_config(current_app.config),
        limit=max(queued, 100),
    )
    return {"queued": queued, "stored": report.stored, "reused": report.reused, "failed": report.failed}


@shared_task(name="collectors.run_due_sources", acks_late=True)
def run_due_sources() -> list[int]:
    """Queue a run of every due source (Celery beat calls this every minute)."""
    due = due_sources(db.session, utcnow())
    db.session.rollback()
    for source_id in due:
        # only_if_due: a copy queued twice (two scans before a busy worker got to it) finds the run done.
        collect_source_task.delay(source_id, only_if_due=True, trigger="schedule")
    return due
