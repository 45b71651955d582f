"""Create, edit, publish and unpublish galleries; every change is audited and refreshes the snapshot."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select

from gallery.rules import MAX_ITEMS, GalleryRuleError, check_slug, check_theme
from gallery.snapshots import SnapshotSettings, rebuild
from ugc_hub.models import Gallery, GalleryItem, Post, Source, Workspace
from ugc_hub.models.base import DbSession, utcnow
from ugc_hub.models.gallery import GALLERY_LAYOUTS, GALLERY_ORDERS
from ugc_hub.services import audit

GalleryError = GalleryRuleError


@dataclass(frozen=True)
class GallerySettings:
    """Everything a staff member sets on a gallery, as plain values."""

    name: str
    slug: str
    hashtags: list[str] = field(default_factory=list)
    source_ids: list[int] = field(default_factory=list)
    min_sentiment: float | None = None
    order: str = "newest"
    layout: str = "grid"
    theme: dict[str, str] = field(default_factory=dict)
    item_count: int = 12
    label_language: str = "en"
    allow_nsfw: bool = False
    pins: list[int] = field(default_factory=list)
    picks: list[int] = field(default_factory=list)
    exclusions: list[int] = field(default_factory=list)


def check_settings(session: DbSession, workspace_id: int, values: GallerySettings) -> GallerySettings:
    """Refuse, with a message saying why, anything a gallery cannot be built from."""
    name = values.name.strip()
    if not name or len(name) > 200:
        raise GalleryError("name: 1 to 200 characters", "name")
    if values.order not in GALLERY_ORDERS:
        raise GalleryError(f"order must be one of {', '.join(GALLERY_ORDERS)}", "order")
    if values.layout not in GALLERY_LAYOUTS:
        raise GalleryError(f"layout must be one of {', '.join(GALLERY_LAYOUTS)}", "layout")
    if not 1 <= values.item_count <= MAX_ITEMS:
        raise GalleryError(f"number of items: 1 to {MAX_ITEMS}", "item_count")
    if values.label_language not in ("en", "fr"):
        raise GalleryError("label language must be en or fr", "label_language")
    if values.min_sentiment is not None and not -1 <= values.min_sentiment <= 1:
        raise GalleryError("minimum sentiment: from -1 to 1", "min_sentiment")
    tags = sorted({t.strip().lstrip("#").lower() for t in values.hashtags if t.strip().lstrip("#")})
    if any(len(t) > 160 for t in tags):
        raise GalleryError("hashtags are at most 160 characters", "hashtags")
    known = set(session.scalars(select(Source.id).where(Source.workspace_id == workspace_id)))
    if set(values.source_ids) - known:
        raise GalleryError("unknown source for this workspace", "source")
    manual = values.pins + values.picks
    if len(set(manual)) != len(manual) or set(manual) & set(values.exclusions):
        raise GalleryError("a post can be pinned, picked or excluded, once", "manual")
    named = set(manual) | set(values.exclusions)
    if named:
        found = set(session.scalars(select(Post.id).where(Post.id.in_(named), Post.workspace_id == workspace_id)))
        if named - found:
            missing = ", ".join(str(i) for i in sorted(named - found))
            raise GalleryError(f"no post {missing} in this workspace", "unknown_posts")
    theme = check_theme(values.theme).as_dict()
    return GallerySettings(
        name=name,
        slug=check_slug(values.slug),
        hashtags=tags,
        source_ids=sorted(set(values.source_ids)),
        min_sentiment=values.min_sentiment,
        order=values.order,
        layout=values.layout,
        theme=theme,
        item_count=values.item_count,
        label_language=values.label_language,
        allow_nsfw=bool(values.allow_nsfw),
        pins=list(values.pins),
        picks=list(values.picks),
        exclusions=sorted(set(values.exclusions)),
    )


def _apply(session: DbSession, gallery: Gallery, values: GallerySettings) -> None:
    for name in ("name", "slug", "hashtags", "source_ids", "min_sentiment", "order", "layout", "theme"):
        setattr(gallery, name, getattr(values, name))
    gallery.item_count, gallery.label_language, gallery.updated_at = values.item_count, values.label_language, utcnow()
    gallery.allow_nsfw = values.allow_nsfw
    session.flush()
    session.execute(delete(GalleryItem).where(GalleryItem.gallery_id == gallery.id))
    rows = [("pin", values.pins), ("pick", values.picks), ("exclude", values.exclusions)]
    for kind, ids in rows:
        session.add_all(GalleryItem(gallery_id=gallery.id, post_id=i, kind=kind, position=n) for n, i in enumerate(ids))


def _slug_taken(session: DbSession, slug: str, gallery_id: int | None) -> bool:
    other = session.scalar(select(Gallery.id).where(Gallery.slug == slug))
    return other is not None and other != gallery_id


def describe(gallery: Gallery, items: Sequence[GalleryItem]) -> dict[str, Any]:
    """A gallery's settings as plain JSON (audit trail, forms)."""
    by_kind: dict[str, list[int]] = {"pin": [], "pick": [], "exclude": []}
    for item in sorted(items, key=lambda i: i.position):
        by_kind[item.kind].append(item.post_id)
    return {
        "name": gallery.name,
        "slug": gallery.slug,
        "hashtags": list(gallery.hashtags or []),
        "source_ids": list(gallery.source_ids or []),
        "min_sentiment": gallery.min_sentiment,
        "order": gallery.order,
        "layout": gallery.layout,
        "theme": dict(gallery.theme or {}),
        "item_count": gallery.item_count,
        "label_language": gallery.label_language,
        "allow_nsfw": bool(gallery.allow_nsfw),
        "pins": by_kind["pin"],
        "picks": by_kind["pick"],
        "exclusions": by_kind["exclude"],
    }


def items_of(session: DbSession, gallery_id: int) -> list[GalleryItem]:
    return list(session.scalars(select(GalleryItem).where(GalleryItem.gallery_id == gallery_id)))


def create_gallery(session: DbSession, *, workspace_id: int, values: GallerySettings, actor: audit.Actor) -> Gallery:
    if session.get(Workspace, workspace_id) is None:
        raise GalleryError("no such workspace", "no_workspace")
    values = check_settings(session, workspace_id, values)
    if _slug_taken(session, values.slug, None):
        raise GalleryError("this slug is already used by another gallery", "slug_taken")
    gallery = Gallery(workspace_id=workspace_id, slug=values.slug, name=values.name, published=False)
    session.add(gallery)
    session.flush()
    _apply(session, gallery, values)
    audit.record(
        session,
        actor=actor,
        action="gallery.created",
        object_type="gallery",
        object_id=gallery.id,
        after=describe(gallery, items_of(session, gallery.id)),
    )
    session.commit()
    return gallery


def update_gallery(
    session: DbSession, *, gallery_id: int, values: GallerySettings, actor: audit.Actor, settings: SnapshotSettings
) -> Gallery:
    gallery = session.get(Gallery, gallery_id)
    if gallery is None:
        raise GalleryError("no such gallery", "no_gallery")
    values = check_settings(session, gallery.workspace_id, values)
    if _slug_taken(session, values.slug, gallery.id):
        raise GalleryError("this slug is already used by another gallery", "slug_taken")
    before = describe(gallery, items_of(session, gallery.id))
    old_slug = gallery.slug
    if old_slug != values.slug and gallery.published and settings.cdn is not None:
        # The CDN copy lives under the slug: withdraw the old copy before the rebuild writes the new one.
        gallery.published = False
        session.commit()
        rebuild(session, gallery.id, settings)
        gallery.published = True
    _apply(session, gallery, values)
    audit.record(
        session,
        actor=actor,
        action="gallery.updated",
        object_type="gallery",
        object_id=gallery.id,
        before=before,
        after=describe(gallery, items_of(session, gallery.id)),
    )
    session.commit()
    rebuild(session, gallery.id, settings)
    return gallery


def set_published(
    session: DbSession, *, gallery_id: int, published: bool, actor: audit.Actor, settings: SnapshotSettings
) -> Gallery:
    """Publish (build the snapshot now) or unpublish (drop it, and its CDN copy, now)."""
    gallery = session.get(Gallery, gallery_id)
    if gallery is None:
        raise GalleryError("no such gallery", "no_gallery")
    if gallery.published != published:
        gallery.published = published
        gallery.published_at = utcnow() if published else gallery.published_at
        audit.record(
            session,
            actor=actor,
            action="gallery.published" if published else "gallery.unpublished",
            object_type="gallery",
            object_id=gallery.id,
        )
        session.commit()
    rebuild(session, gallery.id, settings)
    return gallery
