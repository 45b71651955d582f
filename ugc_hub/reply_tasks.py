"""Celery task: read the replies of requested posts (thin wrapper around ``reply_sync``)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from ugc_hub.models import db
from ugc_hub.models.base import utcnow
from ugc_hub.services.reply_sync import sync_replies


@shared_task(name="rights.sync_replies", acks_late=True)
def sync_replies_task(platform: str | None = None) -> dict[str, Any]:
    """Every few minutes: judge the new replies under every post whose author was asked."""
    return sync_replies(db.session, now=utcnow(), platform=platform).as_dict()
