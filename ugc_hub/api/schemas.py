"""Marshmallow schemas: they validate API input and generate the OpenAPI description."""

from __future__ import annotations

from datetime import UTC

from flask_smorest.error_handler import ErrorSchema
from marshmallow import Schema, fields, validate

from collectors.base import GONE_REASONS
from ugc_hub.models import MODERATION_STATUSES, SENTIMENT_LABELS
from ugc_hub.models.sentiment import language_origin
from ugc_hub.services.post_queries import SORTS

__all__ = ["ErrorSchema"]


class AuthorSchema(Schema):
    id = fields.Integer()
    platform = fields.String()
    handle = fields.String()
    display_name = fields.String(allow_none=True)
    profile_url = fields.String(allow_none=True)


class MediaSchema(Schema):
    url = fields.String()
    type = fields.String()
    alt = fields.String(allow_none=True)
    storage_key = fields.String(allow_none=True)


class SentimentSchema(Schema):
    label = fields.String(validate=validate.OneOf(SENTIMENT_LABELS))
    score = fields.Float(metadata={"description": "Polarity from -1 (negative) to 1 (positive)"})
    model = fields.String()
    model_version = fields.String(metadata={"description": "Scores from another version are rescored"})
    scored_at = fields.DateTime()


class PostSchema(Schema):
    id = fields.Integer()
    platform = fields.String()
    platform_id = fields.String()
    source_id = fields.Integer(allow_none=True)
    author = fields.Nested(AuthorSchema, allow_none=True)
    title = fields.String(allow_none=True)
    text = fields.String()
    media = fields.List(fields.Nested(MediaSchema))
    permalink = fields.String(allow_none=True)
    posted_at = fields.DateTime()
    collected_at = fields.DateTime()
    metrics = fields.Dict(keys=fields.String(), values=fields.Integer())
    language = fields.String(allow_none=True)
    language_origin = fields.Function(
        lambda post: language_origin(post.language, post.sentiment.detected_language if post.sentiment else None),
        allow_none=True,
        # A Function field has no type of its own: say it, so the OpenAPI description stays exact.
        metadata={
            "type": "string",
            "enum": ["platform", "detected", None],
            "description": "Where language came from: the platform, or detected by the hub; null when unknown",
        },
    )

    sentiment = fields.Nested(SentimentSchema, allow_none=True, metadata={"description": "null until scored"})
    rating = fields.Float(allow_none=True)
    moderation_status = fields.String()
    hashtags = fields.List(fields.String(), attribute="tags")
    removed_on_platform_at = fields.DateTime(
        allow_none=True, metadata={"description": "When the hub found the post deleted or removed on its platform"}
    )
    removed_on_platform_reason = fields.String(
        allow_none=True,
        metadata={"enum": [*GONE_REASONS, None], "description": "Why: not_found, deleted, removed or author_deleted"},
    )


class PostDetailSchema(PostSchema):
    raw = fields.Dict()


class PageMarkSchema(Schema):
    before = fields.DateTime(metadata={"description": "posted_at of the last post of this page (sort=newest)"})
    before_id = fields.Integer(metadata={"description": "id of the last post of this page (sort=newest)"})
    after_score = fields.Float(metadata={"description": "score of the last post of this page (sorts by score)"})
    after_id = fields.Integer(metadata={"description": "id of the last post of this page (sorts by score)"})


class PostPageSchema(Schema):
    items = fields.List(fields.Nested(PostSchema))
    next = fields.Nested(
        PageMarkSchema,
        allow_none=True,
        metadata={"description": "Pass these as query parameters for the next page; null on the last."},
    )


class PostQuerySchema(Schema):
    source = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    status = fields.String(validate=validate.OneOf(MODERATION_STATUSES))
    hashtag = fields.String(validate=validate.Length(min=1, max=160))
    language = fields.String(validate=validate.Length(min=1, max=16))
    date_from = fields.Date()
    date_to = fields.Date()
    q = fields.String(validate=validate.Length(max=200))
    sentiment = fields.String(validate=validate.OneOf(SENTIMENT_LABELS))
    removed_on_platform = fields.Boolean(
        metadata={"description": "true: only the posts found deleted or removed on their platform"}
    )
    sort = fields.String(
        load_default="newest",
        validate=validate.OneOf(SORTS),
        metadata={"description": "newest first, or by sentiment score (scored posts only)"},
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    before = fields.AwareDateTime(default_timezone=UTC, metadata={"description": "Keyset pagination: with before_id"})
    before_id = fields.Integer(
        validate=validate.Range(min=0, max=2**63 - 1),
        metadata={"description": "Used with before: the next page's posts have smaller ids"},
    )
    after_score = fields.Float(
        validate=validate.Range(min=-1, max=1),
        metadata={"description": "Keyset pagination for the sorts by score: with after_id"},
    )
    after_id = fields.Integer(
        validate=validate.Range(min=0, max=2**63 - 1),
        metadata={"description": "Used with after_score: breaks ties between equal scores"},
    )


class SourceSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    name = fields.String()
    status = fields.String()
    status_message = fields.String(allow_none=True)
    schedule_seconds = fields.Integer()
    last_run_at = fields.DateTime(allow_none=True)
    next_run_at = fields.DateTime(allow_none=True)
