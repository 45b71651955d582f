"""Celery task: re-check approved posts on their platforms (thin wrapper around ``platform_deletions``)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from ugc_hub.models import db
from ugc_hub.models.base import utcnow
from ugc_hub.services.platform_deletions import check_platform_deletions


@shared_task(name="collectors.check_platform_deletions", acks_late=True)
def check_platform_deletions_task() -> dict[str, Any]:
    """Every PLATFORM_RECHECK_SECONDS (beat): take down the approved posts deleted or removed on their platform."""
    return check_platform_deletions(db.session, now=utcnow()).as_dict()
