"""NPS surveys, the personal invitations they send, and every answer (from a link, the embed or an import)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ugc_hub.models.base import UTCDateTime, db, utcnow

NPS_CHANNELS = ("link", "embed", "import")


class NpsSurvey(db.Model):  # type: ignore[name-defined]
    """A question a brand asks; answers come through personal links or the embeddable page until it closes."""

    __tablename__ = "nps_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    # The embeddable page's address: random, so surveys cannot be enumerated.
    slug: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(String(500))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NpsInvitation(db.Model):  # type: ignore[name-defined]
    """One customer's personal link to a survey (the link carries a signed token of this row's id)."""

    __tablename__ = "nps_invitations"
    __table_args__ = (UniqueConstraint("survey_id", "respondent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("nps_surveys.id", ondelete="CASCADE"))
    # An e-mail address or the brand's customer id, as the brand gave it.
    respondent: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NpsResponse(db.Model):  # type: ignore[name-defined]
    """One 0–10 answer with its comment."""

    __tablename__ = "nps_responses"
    __table_args__ = (
        CheckConstraint("score >= 0 AND score <= 10", name="score"),
        CheckConstraint("channel IN ('link', 'embed', 'import')", name="channel"),
        # One answer per invitation: the constraint, not a check before insert, makes it single.
        UniqueConstraint("invitation_id"),
        # Imports report a row already stored instead of storing it twice.
        UniqueConstraint("workspace_id", "dedupe_key"),
        Index("ix_nps_responses_workspace_responded", "workspace_id", "responded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("nps_surveys.id", ondelete="SET NULL"), nullable=True)
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("nps_invitations.id", ondelete="SET NULL"), nullable=True
    )
    channel: Mapped[str] = mapped_column(String(8))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(16), nullable=True)
    respondent: Mapped[str] = mapped_column(String(320), default="")
    # Imported rows: sha256 of the tool's name and its response id (or of the row when it has none).
    dedupe_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    responded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
