"""The sentiment of a post, as scored by one model version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ugc_hub.models.base import UTCDateTime, db

SENTIMENT_LABELS = ("negative", "neutral", "positive")


class PostSentiment(db.Model):  # type: ignore[name-defined]
    """One row per scored post; a row whose ``model_version`` differs from the loaded backend's is stale.

    A table of its own rather than columns on ``posts``: rescoring every post after a model change then
    rewrites narrow rows instead of the wide post rows (text, raw JSON) and their many indexes, and
    ingestion's upsert never has to know about sentiment.
    """

    __tablename__ = "post_sentiments"
    __table_args__ = (
        CheckConstraint("label IN ('negative', 'neutral', 'positive')", name="label"),
        CheckConstraint("score >= -1 AND score <= 1", name="score"),
        # The inbox filters on the label and sorts by score; post_id completes each keyset.
        Index("ix_post_sentiments_label_post_id", "label", "post_id"),
        Index("ix_post_sentiments_score_post_id", "score", "post_id"),
        # Finding stale rows after a model change.
        Index("ix_post_sentiments_model_version", "model_version"),
    )

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    label: Mapped[str] = mapped_column(String(8))
    # Polarity in [-1, 1]: P(positive) - P(negative) for most models.
    score: Mapped[float] = mapped_column(Float)
    model: Mapped[str] = mapped_column(String(255))
    model_version: Mapped[str] = mapped_column(String(255))
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # blake2b-128 of the text the model read: a refreshed post whose text changed is rescored.
    text_digest: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # The language we detected and wrote into the empty posts.language; None when the platform gave
    # the language (or none could be detected). posts.language was detected when it equals this.
    detected_language: Mapped[str | None] = mapped_column(String(16), nullable=True)


def language_origin(post_language: str | None, detected_language: str | None) -> str | None:
    """Say where a post's language came from: "detected", "platform", or None when unknown."""
    if not post_language:
        return None
    return "detected" if detected_language == post_language else "platform"
