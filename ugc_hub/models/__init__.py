"""Every model, imported here so Alembic and the app see the whole schema."""

# The contest tables live with their feature (contests/models.py); importing them here registers them
# on the same metadata, so Alembic and create_all see the whole schema wherever the models are loaded from.
import contests.models  # noqa: F401
from ugc_hub.models.aspects import NO_ASPECT, NpsResponseAspect, PostAspect
from ugc_hub.models.audit import AuditEvent
from ugc_hub.models.base import db
from ugc_hub.models.collection import RUN_STATUSES, AccountLease, CollectorRun
from ugc_hub.models.friction import FrictionAlert
from ugc_hub.models.gallery import Gallery, GalleryCdnPurge, GalleryDailyStat, GalleryItem, GallerySnapshot
from ugc_hub.models.ideas import (
    Campaign,
    Customer,
    Idea,
    IdeaComment,
    IdeaImage,
    IdeaMilestone,
    IdeaReview,
    IdeaUpdate,
    IntegrityFlag,
    InvalidationRun,
    LoginLink,
    OutboxMessage,
    ReviewBatch,
    Support,
)
from ugc_hub.models.media import MediaAsset
from ugc_hub.models.nps import NPS_CHANNELS, NpsInvitation, NpsResponse, NpsSurvey
from ugc_hub.models.post import MODERATION_STATUSES, Author, Post, PostHashtag
from ugc_hub.models.sentiment import SENTIMENT_LABELS, PostSentiment
from ugc_hub.models.staff import ROLES, ApiToken, User
from ugc_hub.models.workspace import Source, Workspace
from ugc_hub.rights.models import (
    RIGHTS_STATES,
    ConsentEvent,
    ErasedAuthor,
    MessageTemplate,
    OwnershipCode,
    PostRights,
    RightsMessage,
    RightsPolicy,
    RightsReply,
    RightsRequest,
    TermsVersion,
    UsedLink,
)

__all__ = [
    "MODERATION_STATUSES",
    "NO_ASPECT",
    "NPS_CHANNELS",
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
    "ConsentEvent",
    "Customer",
    "ErasedAuthor",
    "FrictionAlert",
    "Gallery",
    "GalleryCdnPurge",
    "GalleryDailyStat",
    "GalleryItem",
    "GallerySnapshot",
    "Idea",
    "IdeaComment",
    "IdeaImage",
    "IdeaMilestone",
    "IdeaReview",
    "IdeaUpdate",
    "IntegrityFlag",
    "InvalidationRun",
    "LoginLink",
    "MediaAsset",
    "MessageTemplate",
    "NpsInvitation",
    "NpsResponse",
    "NpsResponseAspect",
    "NpsSurvey",
    "OutboxMessage",
    "OwnershipCode",
    "Post",
    "PostAspect",
    "PostHashtag",
    "PostRights",
    "PostSentiment",
    "ReviewBatch",
    "RightsMessage",
    "RightsPolicy",
    "RightsReply",
    "RightsRequest",
    "Source",
    "Support",
    "TermsVersion",
    "UsedLink",
    "User",
    "Workspace",
    "db",
]
