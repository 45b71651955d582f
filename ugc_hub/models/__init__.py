"""Every model, imported here so Alembic and the app see the whole schema."""

from ugc_hub.models.audit import AuditEvent
from ugc_hub.models.base import db
from ugc_hub.models.collection import RUN_STATUSES, AccountLease, CollectorRun
from ugc_hub.models.ideas import Campaign, Customer, Idea, IdeaMilestone, LoginLink, OutboxMessage, Support
from ugc_hub.models.media import MediaAsset
from ugc_hub.models.post import MODERATION_STATUSES, Author, Post, PostHashtag
from ugc_hub.models.rights import RIGHTS_STATES, PostRights
from ugc_hub.models.sentiment import SENTIMENT_LABELS, PostSentiment
from ugc_hub.models.staff import ROLES, ApiToken, User
from ugc_hub.models.workspace import Source, Workspace

__all__ = [
    "MODERATION_STATUSES",
    "RIGHTS_STATES",
    "ROLES",
    "RUN_STATUSES",
    "SENTIMENT_LABELS",
    "AccountLease",
    "ApiToken",
    "AuditEvent",
    "Author",
    "Campaign",
    "CollectorRun",
    "Customer",
    "Idea",
    "IdeaMilestone",
    "LoginLink",
    "MediaAsset",
    "OutboxMessage",
    "Post",
    "PostHashtag",
    "PostRights",
    "PostSentiment",
    "Source",
    "Support",
    "User",
    "Workspace",
    "db",
]
