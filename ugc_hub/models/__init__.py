"""Every model, imported here so Alembic and the app see the whole schema."""

from ugc_hub.models.audit import AuditEvent
from ugc_hub.models.base import db
from ugc_hub.models.post import MODERATION_STATUSES, Author, Post, PostHashtag
from ugc_hub.models.staff import ROLES, ApiToken, User
from ugc_hub.models.workspace import Source, Workspace

__all__ = [
    "MODERATION_STATUSES",
    "ROLES",
    "ApiToken",
    "AuditEvent",
    "Author",
    "Post",
    "PostHashtag",
    "Source",
    "User",
    "Workspace",
    "db",
]
