"""Co-creation: customers, campaigns with a milestone ladder, ideas, supports and reached milestones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ugc_hub.models.base import JSONType, UTCDateTime, db, utcnow

IDEA_STATUSES = ("in_moderation", "published", "rejected", "expired", "qualified", "archived")
SUPPORT_STATES = ("counted", "quarantined", "invalidated")


class Customer(db.Model):  # type: ignore[name-defined]
    """A person outside the brand; ``email_canonical`` is what makes one person one supporter."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    email_canonical: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Campaign(db.Model):  # type: ignore[name-defined]
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    # [{"supporters": 100, "days": 60, "months": 0}, …]; the LEGO ladder when created without one.
    ladder: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Idea(db.Model):  # type: ignore[name-defined]
    __tablename__ = "ideas"
    __table_args__ = (Index("ix_ideas_campaign_status", "campaign_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="in_moderation")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Counted supports only; changed under a row lock in the same transaction as the support itself.
    supporters: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Support(db.Model):  # type: ignore[name-defined]
    """One person's support of one idea: the unique constraint, not a check, guarantees "once"."""

    __tablename__ = "supports"
    __table_args__ = (UniqueConstraint("idea_id", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="counted")
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdeaMilestone(db.Model):  # type: ignore[name-defined]
    """A milestone an idea reached; (idea, position) is unique, so each transition is recorded once."""

    __tablename__ = "idea_milestones"
    __table_args__ = (UniqueConstraint("idea_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    supporters: Mapped[int] = mapped_column(Integer)
    reached_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginLink(db.Model):  # type: ignore[name-defined]
    """A one-time sign-in link sent by e-mail; only the token's SHA-256 is stored."""

    __tablename__ = "login_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class OutboxMessage(db.Model):  # type: ignore[name-defined]
    """Mail written by the development (console) mailer, shown on /dev/outbox."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
