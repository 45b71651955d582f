"""Co-creation: customers, campaigns with a milestone ladder, ideas, supports and reached milestones."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ugc_hub.models.base import JSONType, UTCDateTime, db, utcnow

IDEA_STATUSES = (
    "in_moderation",
    "published",
    "rejected",
    "expired",
    "qualified",
    "approved",
    "not_approved",
    "archived",
)
#: What the public may see; in_moderation and rejected ideas are shown to their author only.
PUBLIC_IDEA_STATUSES = ("published", "qualified", "expired", "approved", "not_approved", "archived")
SUPPORT_STATES = ("counted", "quarantined", "invalidated")
REVIEW_OUTCOMES = ("approved", "not_approved", "carried_over")
COMMENT_STATUSES = ("visible", "removed")
FLAG_KINDS = ("idea", "ip", "domain")
QUARANTINED = "state = 'quarantined'"


class Customer(db.Model):  # type: ignore[name-defined]
    """A person outside the brand; ``email_canonical`` is what makes one person one supporter."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    email_canonical: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    # Declared once, on the first support or submission in a campaign that restricts age or country.
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)
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
    min_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # ISO 3166-1 alpha-2 codes; empty means every country.
    countries: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Idea(db.Model):  # type: ignore[name-defined]
    __tablename__ = "ideas"
    __table_args__ = (Index("ix_ideas_campaign_status", "campaign_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default="in_moderation")
    status_reason: Mapped[str] = mapped_column(Text, default="")  # rejection or archiving reason, public
    qualified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The review batch the idea waits in (None: qualified after the last cutoff set so far).
    review_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("review_batches.id", ondelete="SET NULL"), nullable=True, index=True
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Counted supports only; changed under a row lock in the same transaction as the support itself.
    supporters: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Support(db.Model):  # type: ignore[name-defined]
    """One person's support of one idea: the unique constraint, not a check, guarantees "once"."""

    __tablename__ = "supports"
    __table_args__ = (
        UniqueConstraint("idea_id", "customer_id"),
        # The rate rules count recent supports per account and per IP on every support.
        Index("ix_supports_customer_created", "customer_id", "created_at"),
        Index("ix_supports_ip_created", "ip", "created_at"),
        Index("ix_supports_idea_state", "idea_id", "state"),
        # The quarantine review reads every quarantined support, usually a few among very many counted ones.
        Index("ix_supports_quarantined", "id", postgresql_where=text(QUARANTINED), sqlite_where=text(QUARANTINED)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default="counted")
    # Why it is quarantined or invalidated (a rate rule, or a staff invalidation); public only in aggregate.
    reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
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


class IdeaImage(db.Model):  # type: ignore[name-defined]
    """An uploaded picture, re-encoded without its metadata, kept in storage under ``key``."""

    __tablename__ = "idea_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdeaUpdate(db.Model):  # type: ignore[name-defined]
    """A public, dated note by the author: the only way to change an idea once its first milestone is reached."""

    __tablename__ = "idea_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdeaComment(db.Model):  # type: ignore[name-defined]
    __tablename__ = "idea_comments"
    __table_args__ = (Index("ix_idea_comments_idea_status", "idea_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="visible")
    removed_reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReviewBatch(db.Model):  # type: ignore[name-defined]
    """A brand review round: ideas qualified up to ``cutoff_at`` (and not yet decided) are reviewed together."""

    __tablename__ = "review_batches"
    __table_args__ = (UniqueConstraint("campaign_id", "cutoff_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    cutoff_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdeaReview(db.Model):  # type: ignore[name-defined]
    """A staff decision on an idea in a batch, with the public message."""

    __tablename__ = "idea_reviews"
    __table_args__ = (UniqueConstraint("idea_id", "batch_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("review_batches.id", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IntegrityFlag(db.Model):  # type: ignore[name-defined]
    """A burst of supports found by the hourly job, for staff review: per idea, IP or e-mail domain and hour."""

    __tablename__ = "integrity_flags"
    __table_args__ = (UniqueConstraint("kind", "value", "idea_id", "window_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(320))
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    supports: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, dismissed, invalidated
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InvalidationRun(db.Model):  # type: ignore[name-defined]
    """One audited bulk invalidation: what matched, how many supports it removed, who ran it."""

    __tablename__ = "invalidation_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)
    conditions: Mapped[dict[str, Any]] = mapped_column(JSONType)
    reason: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    invalidated: Mapped[int] = mapped_column(Integer, default=0)
    actor_label: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
