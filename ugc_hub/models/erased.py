"""Authors who asked to be forgotten, kept only as hashes so collectors never bring their posts back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ugc_hub.models.base import UTCDateTime, db, utcnow


class ErasedAuthor(db.Model):  # type: ignore[name-defined]
    """One row per identity key of an erased author (``domain.posts.identity_hashes``); no handle in clear."""

    __tablename__ = "erased_authors"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
