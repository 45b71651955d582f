"""Celery tasks for insights: thin wrappers that call services."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from flask import current_app
from sqlalchemy import select

from ugc_hub.models import Workspace, db
from ugc_hub.models.base import utcnow
from ugc_hub.netguard import allowing_private_addresses
from ugc_hub.services import aspects
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
        with allowing_private_addresses(bool(current_app.config.get("ALLOW_PRIVATE_ADDRESSES", False))):
            results[workspace.slug] = check_and_deliver(
                db.session, workspace_id=workspace.id, today=today, policy=policy
            )
    return results


@shared_task(name="insights.assign_aspects", acks_late=True)
def assign_aspects(post_ids: list[int] | None = None, limit: int = 5000) -> dict[str, int]:
    """Find the friction aspects of these just-scored posts when negative; without ids (hourly), of any
    negative post and detractor's comment lacking current ones, up to ``limit`` each. Nothing when the
    aspect model cannot run: keyword rules then."""
    matcher = aspects.matcher_for(current_app.config)
    if matcher is None:
        return {"posts": 0, "comments": 0, "themed": 0, "keywords_only": 1}
    if post_ids is not None:
        run = aspects.assign_missing(db.session, matcher=matcher, post_ids=post_ids)
        return {"posts": run.posts, "comments": 0, "themed": run.themed, "keywords_only": 0}
    run = aspects.assign_missing(db.session, matcher=matcher, limit=limit)
    comments = aspects.assign_missing_comments(db.session, matcher=matcher, limit=limit)
    return {"posts": run.posts, "comments": comments.posts, "themed": run.themed + comments.themed, "keywords_only": 0}
