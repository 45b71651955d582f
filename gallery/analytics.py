"""Impressions and clicks per tile and day, counted from the widget's beacon; nothing identifies a visitor."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ugc_hub.models import Gallery, GalleryDailyStat, GallerySnapshot
from ugc_hub.models.base import DbSession

EVENTS = ("impression", "click")
#: More tiles than a gallery can hold is not a real page view.
MAX_IDS = 60


class BeaconRejected(ValueError):
    """The beacon names something else than a tile of the gallery's current snapshot."""


def record_beacon(session: DbSession, *, slug: str, event: str, post_ids: Sequence[object], day: date) -> int:
    """Count one event for these tiles of the gallery's current snapshot; refuse anything else whole."""
    if event not in EVENTS:
        raise BeaconRejected("event must be impression or click")
    if not post_ids or len(post_ids) > MAX_IDS or any(type(i) is not int for i in post_ids):
        raise BeaconRejected(f"ids: 1 to {MAX_IDS} tile ids")
    ids = sorted({i for i in post_ids if isinstance(i, int)})
    row = session.execute(
        select(Gallery.id, GallerySnapshot.post_ids)
        .join(GallerySnapshot, GallerySnapshot.gallery_id == Gallery.id)
        .where(Gallery.slug == slug, Gallery.published.is_(True))
    ).first()
    if row is None:
        raise BeaconRejected("no such published gallery")
    gallery_id, shown = row
    if set(ids) - set(shown or []):
        raise BeaconRejected("not a tile of this gallery")
    column = "impressions" if event == "impression" else "clicks"
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    values = [
        {"gallery_id": gallery_id, "day": day, "post_id": i, "impressions": 0, "clicks": 0, column: 1} for i in ids
    ]
    statement = insert(GalleryDailyStat).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=["gallery_id", "day", "post_id"],
        set_={column: getattr(GalleryDailyStat, column) + 1},
    )
    session.execute(statement)
    session.commit()
    return len(ids)


@dataclass(frozen=True)
class Ctr:
    key: int
    impressions: int
    clicks: int

    @property
    def rate(self) -> float | None:
        return self.clicks / self.impressions if self.impressions else None


def ctr_per_gallery(session: DbSession, since: date) -> dict[int, Ctr]:
    rows = session.execute(
        select(GalleryDailyStat.gallery_id, func.sum(GalleryDailyStat.impressions), func.sum(GalleryDailyStat.clicks))
        .where(GalleryDailyStat.day >= since)
        .group_by(GalleryDailyStat.gallery_id)
    )
    return {g: Ctr(g, int(i or 0), int(c or 0)) for g, i, c in rows}


def ctr_per_tile(session: DbSession, gallery_id: int, since: date) -> list[Ctr]:
    rows = session.execute(
        select(GalleryDailyStat.post_id, func.sum(GalleryDailyStat.impressions), func.sum(GalleryDailyStat.clicks))
        .where(GalleryDailyStat.gallery_id == gallery_id, GalleryDailyStat.day >= since)
        .group_by(GalleryDailyStat.post_id)
    )
    tiles = [Ctr(p, int(i or 0), int(c or 0)) for p, i, c in rows]
    return sorted(tiles, key=lambda t: (-(t.rate or 0), -t.impressions, t.key))


def daily(session: DbSession, gallery_id: int, since: date) -> list[tuple[date, int, int]]:
    rows = session.execute(
        select(GalleryDailyStat.day, func.sum(GalleryDailyStat.impressions), func.sum(GalleryDailyStat.clicks))
        .where(GalleryDailyStat.gallery_id == gallery_id, GalleryDailyStat.day >= since)
        .group_by(GalleryDailyStat.day)
        .order_by(GalleryDailyStat.day)
    )
    return [(d, int(i or 0), int(c or 0)) for d, i, c in rows]
