"""Celery tasks for contests: thin wrappers that call services."""

from __future__ import annotations

from celery import shared_task

from ugc_hub.models import db
from ugc_hub.models.base import utcnow
from ugc_hub.services.contests_recurring import run_due


@shared_task(name="contests.run_recurring_draws", acks_late=True)
def run_recurring_draws() -> list[dict[str, object]]:
    """Hourly: draw last month for every recurring draw not drawn yet (idempotent per month)."""
    return [
        {"recurring": run.recurring_id, "period": run.period, "contest": run.contest_id, "drawn": run.drawn}
        for run in run_due(db.session, now=utcnow())
    ]
