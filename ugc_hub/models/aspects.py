"""Friction aspects of negative posts, as found by the embedding model (``sentiment.aspects``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ugc_hub.models.base import UTCDateTime, db

# The aspect of the row that records "computed, about nothing specific": without it, a post the model
# found no aspect in would look never computed and be embedded again on every run.
NO_ASPECT = "-"


class PostAspect(db.Model):  # type: ignore[name-defined]
    """One row per (post, aspect) found by ``model_version``; rows of another version, or computed before
    the post's sentiment was last scored (its text may have changed), are stale."""

    __tablename__ = "post_aspects"
    __table_args__ = (Index("ix_post_aspects_model_version", "model_version"),)

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    aspect: Mapped[str] = mapped_column(String(64), primary_key=True)
    # How sure the aspect model is, for ranking a theme's examples: a probability since rule "aspects-2"
    # (a cosine before; model_version tells which, and a rule change recomputes every row).
    similarity: Mapped[float] = mapped_column(Float)
    model_version: Mapped[str] = mapped_column(String(255))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NpsResponseAspect(db.Model):  # type: ignore[name-defined]
    """The same, for an NPS detractor's comment (read by the friction report next to negative posts)."""

    __tablename__ = "nps_response_aspects"
    __table_args__ = (Index("ix_nps_response_aspects_model_version", "model_version"),)

    response_id: Mapped[int] = mapped_column(ForeignKey("nps_responses.id", ondelete="CASCADE"), primary_key=True)
    aspect: Mapped[str] = mapped_column(String(64), primary_key=True)
    similarity: Mapped[float] = mapped_column(Float)
    model_version: Mapped[str] = mapped_column(String(255))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
