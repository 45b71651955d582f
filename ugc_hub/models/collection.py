"""Collector runs: one row per run of a source, the history the health page reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ugc_hub.models.base import JSONType, UTCDateTime, db, utcnow

RUN_STATUSES = (
    "running",
    "succeeded",
    "partial",
    "rate_limited",
    "relogin_required",
    "failed",
    "error",
    "interrupted",
)


class CollectorRun(db.Model):  # type: ignore[name-defined]
    """One run of a source's collector: when, how far it got, what it stored, how it ended."""

    __tablename__ = "collector_runs"
    __table_args__ = (Index("ix_collector_runs_source_started_at", "source_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(32), default="running", index=True)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    #: The first rejections of the run: ``[{"platform_id", "reason"}]``.
    rejections: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    rate_limited_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: The lease owner that ran it (host, process and a random part).
    worker: Mapped[str | None] = mapped_column(String(200), nullable=True)
    trigger: Mapped[str] = mapped_column(String(32), default="manual")


class AccountLease(db.Model):  # type: ignore[name-defined]
    """One of a platform account's run slots (``Collector.concurrency_per_account`` of them).

    Sources that share an account (two hashtag sources on one Instagram login) take a slot for the
    length of a run, so the account is never driven harder than its plugin allows.
    """

    __tablename__ = "account_leases"

    account_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    lease_owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
