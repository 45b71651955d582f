"""Where each post stands on its author's permission: the current state, projected from the consent ledger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ugc_hub.models.base import UTCDateTime, db, utcnow

RIGHTS_STATES = ("requested", "author_replied", "granted", "declined", "expired", "revoked")


class PostRights(db.Model):  # type: ignore[name-defined]
    """One row per post whose author has been asked; no row means nobody asked yet."""

    __tablename__ = "post_rights"
    __table_args__ = (Index("ix_post_rights_state_licence", "state", "licence_start", "licence_end"),)

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    licence_start: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    licence_end: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
