"""Brand workspaces."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import select

from ugc_hub.models import Workspace
from ugc_hub.models.base import DbSession
from ugc_hub.services import audit


class WorkspaceError(ValueError):
    pass


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")
    return slug[:64] or "brand"


def create_workspace(
    session: DbSession,
    *,
    name: str,
    actor: audit.Actor,
    hashtags: Sequence[str] = (),
    keywords: Sequence[str] = (),
    handles: dict[str, str] | None = None,
    languages: Sequence[str] = ("en", "fr"),
    slug: str | None = None,
) -> Workspace:
    if not name.strip():
        raise WorkspaceError("a workspace needs a name")
    slug = slugify(slug or name)
    if session.scalar(select(Workspace).where(Workspace.slug == slug)):
        raise WorkspaceError(f"a workspace {slug!r} already exists")
    workspace = Workspace(
        name=name.strip(),
        slug=slug,
        hashtags=[h.lstrip("#").casefold() for h in hashtags],
        keywords=list(keywords),
        handles=dict(handles or {}),
        languages=list(languages),
    )
    session.add(workspace)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="workspace.create",
        object_type="workspace",
        object_id=workspace.id,
        after={"name": workspace.name, "slug": slug},
    )
    session.commit()
    return workspace


def find_workspace(session: DbSession, slug: str | None = None) -> Workspace:
    """The named workspace, or the first one when no slug is given."""
    stmt = select(Workspace).order_by(Workspace.id)
    if slug:
        stmt = stmt.where(Workspace.slug == slug)
    workspace = session.scalar(stmt.limit(1))
    if workspace is None:
        raise WorkspaceError(f"no workspace {slug!r}" if slug else "no workspace yet: run `ugc-hub demo` or create one")
    return workspace
