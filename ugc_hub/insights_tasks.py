"""Celery tasks for insights: thin wrappers that call services."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from flask import current_app
from sqlalchemy import select

from ugc_hub.models import Workspace, db
from ugc_hub.models.base import utcnow
from ugc_hub.services.friction_alerts import check_and_deliver, policy_for


@shared_task(name="insights.check_friction_alerts", acks_late=True)
def check_friction_alerts() -> dict[str, Any]:
    """Hourly: record themes growing past each workspace's rate and POST each alert once to its webhook."""
    today = utcnow().date()
    results = {}
    for workspace in db.session.scalars(select(Workspace).order_by(Workspace.id)).all():
        policy = policy_for(
            workspace,
            default_rate=float(current_app.config["INSIGHTS_ALERT_GROWTH"]),
            minimum=int(current_app.config["INSIGHTS_ALERT_MIN_POSTS"]),
        )
        results[workspace.slug] = check_and_deliver(db.session, workspace_id=workspace.id, today=today, policy=policy)
    return results
