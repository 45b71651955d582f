"""Celery tasks for the rights workflow: thin wrappers around the services (sending, upkeep, reading replies)."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from flask import current_app

from ugc_hub.models import db
from ugc_hub.models.base import utcnow
from ugc_hub.rights.services import queue as rights_queue
from ugc_hub.rights.services import upkeep as rights_upkeep
from ugc_hub.rights.services.reply_sync import sync_replies


@shared_task(name="rights.send_queued", acks_late=True)
def send_queued() -> dict[str, list[int]]:
    """Every minute: send queued requests, reminders and thank-yous within each account's hourly budget."""
    now = utcnow()
    rights_queue.release_stuck(db.session, now=now)
    report = rights_queue.send_due(
        db.session, now=now, per_hour=int(current_app.config.get("RIGHTS_SENDS_PER_ACCOUNT_HOUR", 20))
    )
    return {"sent": report.sent, "queued": report.left_queued, "manual": report.manual, "failed": report.failed}


@shared_task(name="rights.expire_and_remind", acks_late=True)
def expire_and_remind() -> dict[str, list[int]]:
    """Hourly: expire unanswered requests and queue the one reminder each may get."""
    expired, reminded = rights_upkeep.expire_and_remind(db.session, now=utcnow())
    return {"expired": expired, "reminded": reminded}


def enqueue_sending() -> bool:
    """Ask a worker to run the send queue now; False when the broker cannot be reached (beat will)."""
    try:
        send_queued.delay()
    except Exception:  # the queue is in the database: the next beat run sends it anyway
        return False
    return True


@shared_task(name="rights.sync_replies", acks_late=True)
def sync_replies_task(platform: str | None = None) -> dict[str, Any]:
    """Every few minutes: judge the new replies under every post whose author was asked."""
    return sync_replies(db.session, now=utcnow(), platform=platform).as_dict()
