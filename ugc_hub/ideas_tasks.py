"""Celery tasks for co-creation: thin wrappers that call services."""

from __future__ import annotations

from celery import shared_task
from flask import current_app

from ugc_hub.models import db
from ugc_hub.models.ideas import Customer, Idea
from ugc_hub.services.ideas import expire_overdue
from ugc_hub.services.ideas_integrity import BurstThresholds, flag_bursts
from ugc_hub.services.mail import MailSettings, send_mail


def _mail_author(idea: Idea, subject: str, body: str) -> None:
    author = db.session.get(Customer, idea.author_id)
    if author is None:
        return
    send_mail(db.session, MailSettings.from_config(current_app.config), to=author.email, subject=subject, body=body)
    db.session.commit()


@shared_task(name="ideas.notify_milestone", acks_late=True)
def notify_milestone(idea_id: int, supporters: int) -> None:
    """Tell the author their idea reached a milestone."""
    idea = db.session.get(Idea, idea_id)
    if idea is not None:
        _mail_author(
            idea,
            f"Your idea reached {supporters} supporters",
            f"Congratulations: “{idea.title}” reached {supporters} supporters.\n",
        )


@shared_task(name="ideas.expire_overdue", acks_late=True)
def expire_overdue_ideas() -> list[int]:
    """Hourly: freeze ideas that missed their deadline and tell their authors (idempotent)."""
    expired = expire_overdue(db.session)
    for idea_id in expired:
        idea = db.session.get(Idea, idea_id)
        if idea is not None:
            _mail_author(
                idea,
                "Your idea expired",
                f"“{idea.title}” did not reach its next milestone in time. It stays visible, frozen; "
                "you may submit it again as a new idea.\n",
            )
    return expired


@shared_task(name="ideas.flag_bursts", acks_late=True)
def flag_support_bursts() -> int:
    """Hourly: flag bursts of supports per idea, IP and e-mail domain for staff review (idempotent)."""
    config = current_app.config
    thresholds = BurstThresholds(
        idea=int(config.get("IDEA_BURST_IDEA", 500)),
        ip=int(config.get("IDEA_BURST_IP", 20)),
        domain=int(config.get("IDEA_BURST_DOMAIN", 50)),
    )
    return len(flag_bursts(db.session, thresholds=thresholds))
