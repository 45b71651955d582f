"""Brand workspaces and the sources that feed them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ugc_hub.models.base import JSONType, UTCDateTime, db, utcnow
from ugc_hub.models.secret_json import SealedSettings


class Workspace(db.Model):  # type: ignore[name-defined]
    """A brand: what it tracks and how it speaks."""

    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    hashtags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSONType, default=list)
    handles: Mapped[dict[str, str]] = mapped_column(JSONType, default=dict)
    languages: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Share of voice: competitor name -> the terms that mention it (docs/nps.md).
    competitors: Mapped[dict[str, list[str]]] = mapped_column(JSONType, default=dict, server_default="{}")
    # Friction alerts: growth rate of a theme (0.5 = +50 %) past which it alerts; None = INSIGHTS_ALERT_GROWTH.
    alert_growth: Mapped[float | None] = mapped_column(Float, nullable=True)
    alert_webhook_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    # Signs each webhook body (HMAC-SHA256); shown to admins so the receiver can check it.
    alert_webhook_secret: Mapped[str | None] = mapped_column(String(128), nullable=True)


class Source(db.Model):  # type: ignore[name-defined]
    """Where posts come from: a collector kind with its settings, cursor and schedule."""

    __tablename__ = "sources"

    STATUSES = ("active", "paused", "error", "rate_limited", "relogin_required")

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    # Secret settings are encrypted at rest (ugc_hub/models/secret_json.py).
    settings: Mapped[dict[str, Any]] = mapped_column(SealedSettings, default=dict)
    cursor: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    schedule_seconds: Mapped[int] = mapped_column(Integer, default=3600)
    status: Mapped[str] = mapped_column(String(32), default="active")
    status_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # One run per source at a time: a run takes the lease with an atomic UPDATE and renews it per page.
    lease_owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
