"""Celery tasks for contests: thin wrappers that call services."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from flask import current_app

from ugc_hub.models import db
from ugc_hub.models.base import utcnow
from ugc_hub.services.contests_recurring import run_due
from ugc_hub.services.contests_winners import Notifier, replace_lapsed
from ugc_hub.services.mail import MailSettings


@shared_task(name="contests.run_recurring_draws", acks_late=True)
def run_recurring_draws() -> list[dict[str, object]]:
    """Hourly: draw last month for every recurring draw not drawn yet (idempotent per month)."""
    return [
        {"recurring": run.recurring_id, "period": run.period, "contest": run.contest_id, "drawn": run.drawn}
        for run in run_due(db.session, now=utcnow())
    ]


def background_notifier() -> Notifier:
    """Links for messages sent outside a request: the hub's public address (PUBLIC_BASE_URL)."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or "http://localhost").rstrip("/")
    return Notifier(
        mail=MailSettings.from_config(current_app.config),
        secret=current_app.config["SECRET_KEY"],
        link_for=lambda token: f"{base}/contests/prize/{token}",
    )


@shared_task(name="contests.replace_unanswered_winners", acks_late=True)
def replace_unanswered_winners(now: str | None = None) -> list[dict[str, object]]:
    """Hourly: each winner past their deadline is replaced by the next alternate, who is notified in turn.

    ``now`` (ISO 8601) is for tests and replays; the clock otherwise.
    """
    at = datetime.fromisoformat(now) if now else utcnow()
    return [
        {"contest": row.contest_id, "replaced": row.entry_uid, "by": row.replaced_by}
        for row in replace_lapsed(db.session, now=at, notifier=background_notifier())
    ]
