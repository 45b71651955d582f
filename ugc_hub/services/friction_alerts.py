"""Friction alerts: record a theme that grows past the workspace's rate once per theme and week, and
POST it to the workspace's webhook, signed with HMAC-SHA256 (docs/nps.md, "Friction alerts")."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from ugc_hub import netguard
from ugc_hub.models import FrictionAlert, Workspace
from ugc_hub.models.base import DbSession, utcnow
from ugc_hub.services import audit
from ugc_hub.services.friction import FrictionReport, Theme, friction_report

SIGNATURE_HEADER = "X-UGC-Hub-Signature-256"
EVENT = "friction.alert"
# A claim older than this belongs to a worker that died mid-delivery; another may take it over.
CLAIM_TIMEOUT = timedelta(minutes=5)
MAX_ERROR = 500


class AlertSettingsError(ValueError):
    pass


class WebhookRefused(AlertSettingsError):
    """The webhook points at a private, loopback or link-local address (e.g. a cloud metadata service)."""


@dataclass(frozen=True)
class AlertPolicy:
    """When a theme alerts: it grew by more than ``rate`` (0.5 = +50 %), or appeared, with ``minimum`` texts."""

    rate: float
    minimum: int

    def growing(self, report: FrictionReport) -> list[Theme]:
        return [theme for theme in report.themes if theme.growing(self.rate, self.minimum)]


def policy_for(workspace: Workspace | None, *, default_rate: float, minimum: int) -> AlertPolicy:
    """The workspace's own rate when it set one, else the configured default."""
    rate = workspace.alert_growth if workspace is not None and workspace.alert_growth is not None else default_rate
    return AlertPolicy(rate=rate, minimum=minimum)


def update_alert_settings(
    session: DbSession,
    *,
    workspace_id: int,
    growth: float | None,
    webhook_url: str | None,
    rotate_secret: bool,
    actor: audit.Actor,
) -> Workspace:
    """Set the growth rate and webhook; a webhook gets a signing secret when it has none (or on rotation)."""
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise LookupError("no such workspace")
    if growth is not None and not 0 <= growth <= 100:
        raise AlertSettingsError("the growth rate is a percentage between 0 and 10,000")
    url = (webhook_url or "").strip() or None
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise AlertSettingsError("the webhook address must be an http:// or https:// URL")
        try:
            netguard.check_url(url, allow_private=netguard.private_addresses_allowed())
        except netguard.AddressRefused as exc:
            raise WebhookRefused(f"the webhook address is not a public one: {exc}") from exc
    before = {"growth": workspace.alert_growth, "webhook_url": workspace.alert_webhook_url}
    workspace.alert_growth = growth
    workspace.alert_webhook_url = url
    if url is not None and (rotate_secret or not workspace.alert_webhook_secret):
        workspace.alert_webhook_secret = secrets.token_urlsafe(32)
    audit.record(
        session, actor=actor, action="insights.alert_settings", object_type="workspace", object_id=workspace.id,
        before=before, after={"growth": growth, "webhook_url": url, "secret_rotated": rotate_secret},
    )  # fmt: skip
    session.commit()
    return workspace


def record_alerts(
    session: DbSession, *, workspace_id: int, today: date, policy: AlertPolicy, weeks: int = 8, period_weeks: int = 4
) -> list[int]:
    """Store an alert for each theme growing this week that has none yet; return the ids of the new ones."""
    report = friction_report(session, today=today, weeks=weeks, period_weeks=period_weeks, workspace_id=workspace_id)
    week = report.weeks[-1]
    created = []
    for theme in policy.growing(report):
        exists = session.scalar(
            select(FrictionAlert.id).where(
                FrictionAlert.workspace_id == workspace_id, FrictionAlert.theme == theme.key, FrictionAlert.week == week
            )
        )
        if exists is not None:
            continue
        alert = FrictionAlert(
            workspace_id=workspace_id,
            theme=theme.key,
            week=week,
            current=theme.current,
            previous=theme.previous,
            rate=policy.rate,
            attempts=0,
        )
        try:
            # A savepoint: another worker recording the same alert only cancels this one row.
            with session.begin_nested():
                session.add(alert)
        except IntegrityError:
            continue
        created.append(alert.id)
    session.commit()
    return created


def pending_alerts(session: DbSession, *, workspace_id: int, since: date) -> list[int]:
    """Alerts of the weeks from ``since`` not delivered yet (new, or whose last attempt failed)."""
    return list(
        session.scalars(
            select(FrictionAlert.id)
            .where(
                FrictionAlert.workspace_id == workspace_id,
                FrictionAlert.delivered_at.is_(None),
                FrictionAlert.week >= since,
            )
            .order_by(FrictionAlert.id)
        )
    )


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def alert_body(alert: FrictionAlert, workspace: Workspace) -> bytes:
    change = (alert.current - alert.previous) / alert.previous if alert.previous else None
    payload = {
        "event": EVENT,
        "id": alert.id,
        "workspace": workspace.slug,
        "theme": alert.theme,
        "week": alert.week.isoformat(),
        "current": alert.current,
        "previous": alert.previous,
        "change": change,
        "rate": alert.rate,
        "created_at": alert.created_at.isoformat(),
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


Poster = Callable[[str, bytes, Mapping[str, str]], int]


def post_with_requests(url: str, body: bytes, headers: Mapping[str, str]) -> int:
    """POST through the address guard: the URL was checked when saved, but DNS may answer otherwise now."""
    with netguard.guarded_session() as session:
        response = session.post(url, data=body, headers=dict(headers), timeout=10, allow_redirects=False)
    return response.status_code


def deliver_alert(session: DbSession, *, alert_id: int, post: Poster = post_with_requests) -> bool:
    """POST one alert to its workspace's webhook unless it was delivered; True when it is delivered now.

    The claim is a conditional UPDATE, so two workers never post the same alert at once; a failed
    attempt releases the claim and keeps the error for the next run.
    """
    now = utcnow()
    claimed = session.execute(
        update(FrictionAlert)
        .where(
            FrictionAlert.id == alert_id,
            FrictionAlert.delivered_at.is_(None),
            or_(FrictionAlert.claimed_at.is_(None), FrictionAlert.claimed_at < now - CLAIM_TIMEOUT),
        )
        .values(claimed_at=now, attempts=FrictionAlert.attempts + 1)
    )
    session.commit()
    if getattr(claimed, "rowcount", 0) != 1:
        return False
    alert = session.get(FrictionAlert, alert_id)
    assert alert is not None
    session.refresh(alert)
    workspace = session.get(Workspace, alert.workspace_id)
    if workspace is None or not workspace.alert_webhook_url or not workspace.alert_webhook_secret:
        alert.claimed_at = None
        alert.last_error = "no webhook configured"
        session.commit()
        return False
    body = alert_body(alert, workspace)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "ugc-hub",
        "X-UGC-Hub-Event": EVENT,
        "X-UGC-Hub-Delivery": str(alert.id),
        SIGNATURE_HEADER: sign(workspace.alert_webhook_secret, body),
    }
    try:
        status = post(workspace.alert_webhook_url, body, headers)
        error = None if 200 <= status < 300 else f"HTTP {status}"
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR]
    except netguard.FetchError as exc:
        error = str(exc)[:MAX_ERROR]
    if error is None:
        alert.delivered_at = utcnow()
        alert.last_error = None
    else:
        alert.claimed_at = None
        alert.last_error = error
    session.commit()
    return error is None


def check_and_deliver(
    session: DbSession, *, workspace_id: int, today: date, policy: AlertPolicy, post: Poster = post_with_requests
) -> dict[str, Any]:
    """Record this week's alerts, then deliver the pending ones of this week and the last.

    Older undelivered alerts stay recorded but are not sent: a webhook set up today should not receive
    a backlog of stale news.
    """
    created = record_alerts(session, workspace_id=workspace_id, today=today, policy=policy)
    workspace = session.get(Workspace, workspace_id)
    delivered = 0
    if workspace is not None and workspace.alert_webhook_url:
        since = today - timedelta(days=today.weekday() + 7)
        for alert_id in pending_alerts(session, workspace_id=workspace_id, since=since):
            delivered += deliver_alert(session, alert_id=alert_id, post=post)
    return {"created": len(created), "delivered": delivered}
