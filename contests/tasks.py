"""Celery tasks for contests: thin wrappers that call services."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from flask import current_app

from contests.services import draws
from contests.services.recurring import recurring_beacon, run_due
from contests.services.winners import Notifier, notify_winners, replace_lapsed
from ugc_hub.models import db
from ugc_hub.models.base import utcnow
from ugc_hub.services import audit
from ugc_hub.services.mail import MailSettings


@shared_task(name="contests.run_recurring_draws", acks_late=True)
def run_recurring_draws() -> list[dict[str, object]]:
    """Hourly: draw last month for every recurring draw not drawn yet (idempotent per month), then tell
    its winners (e-mail, platform reply or a message for staff) with their signed answer links."""
    return [
        {
            "recurring": run.recurring_id,
            "period": run.period,
            "contest": run.contest_id,
            "drawn": run.drawn,
            "notified": run.notified,
        }
        for run in run_due(
            db.session, now=utcnow(), notifier=background_notifier(), beacon=recurring_beacon(current_app.config)
        )
    ]


def background_notifier() -> Notifier:
    """Links for messages sent outside a request: the hub's public address (PUBLIC_BASE_URL)."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or "http://localhost").rstrip("/")
    return Notifier(
        mail=MailSettings.from_config(current_app.config),
        secret=current_app.config["SECRET_KEY"],
        link_for=lambda token: f"{base}/contests/prize/{token}",
        languages=tuple(current_app.config.get("LANGUAGES") or ("en",)),
        default_language=current_app.config.get("BABEL_DEFAULT_LOCALE") or "en",
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


@shared_task(name="contests.draw_when_beacon_out", acks_late=True)
def draw_when_beacon_out() -> list[dict[str, object]]:
    """Every few minutes: draw the frozen contests whose named beacon round is out, then tell the winners."""
    outcomes = draws.draw_when_beacon_out(db.session, sources=draws.beacon_sources(current_app.config), now=utcnow())
    notifier = background_notifier()
    for contest_id, outcome in outcomes:
        if outcome == "drawn":
            notify_winners(db.session, contest_id=contest_id, notifier=notifier, actor=audit.SYSTEM, now=utcnow())
    return [{"contest": contest_id, "outcome": outcome} for contest_id, outcome in outcomes]
