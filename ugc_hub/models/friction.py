"""Friction alerts: a theme that grew past the workspace's rate, recorded once per theme and week."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ugc_hub.models.base import UTCDateTime, db, utcnow


class FrictionAlert(db.Model):  # type: ignore[name-defined]
    """The unique (workspace, theme, week) is what makes the webhook fire once per theme and period."""

    __tablename__ = "friction_alerts"
    __table_args__ = (UniqueConstraint("workspace_id", "theme", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    theme: Mapped[str] = mapped_column(String(64))
    week: Mapped[date] = mapped_column(Date)  # Monday of the report's last week
    current: Mapped[int] = mapped_column(Integer)
    previous: Mapped[int] = mapped_column(Integer)
    rate: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A worker claims delivery with a conditional UPDATE, so two workers never post the same alert.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
