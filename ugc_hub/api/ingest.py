"""POST /api/v1/ingest: push posts as import records (docs/import-format.md)."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import INCLUDE, Schema, ValidationError, fields, validate

from ugc_hub.api.auth import SECURITY, token_required
from ugc_hub.api.schemas import ErrorSchema
from ugc_hub.domain.posts import PLATFORMS
from ugc_hub.models import db
from ugc_hub.services.audit import Actor
from ugc_hub.services.webhook import MAX_RECORDS, RecordsReport, ingest_records
from ugc_hub.services.workspaces import WorkspaceError, find_workspace
from ugc_hub.tasks import enqueue_scoring

blp = Blueprint("ingest", __name__, url_prefix="/api/v1/ingest", description="Push posts into the hub")


class Metric(fields.Integer):
    """A whole number ≥ 0 (strict: "12" as text is refused like in JSON Lines imports)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, validate=validate.Range(min=0, max=2**63 - 1), allow_none=True, **kwargs)


class RecordSchema(Schema):
    """One post in the import format; unknown fields are kept in ``raw``."""

    class Meta:
        unknown = INCLUDE

    platform = fields.String(required=True, validate=validate.OneOf(sorted(PLATFORMS)))
    platform_id = fields.String(required=True, validate=validate.Length(min=1, max=255))
    author_handle = fields.String(allow_none=True)
    author_id = fields.String(allow_none=True)
    author_name = fields.String(allow_none=True)
    author_url = fields.String(allow_none=True)
    text = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    media = fields.List(fields.Raw(), allow_none=True)
    media_urls = fields.String(allow_none=True)
    permalink = fields.String(allow_none=True)
    posted_at = fields.Raw(allow_none=True, metadata={"description": "ISO 8601 date-time or Unix seconds"})
    likes = Metric()
    comments = Metric()
    shares = Metric()
    views = Metric()
    language = fields.String(allow_none=True, validate=validate.Length(max=16))
    rating = fields.Float(allow_none=True, validate=validate.Range(min=0, max=5))
    raw = fields.Dict(allow_none=True)


class IngestQuerySchema(Schema):
    workspace = fields.String(
        validate=validate.Length(min=1, max=64), metadata={"description": "Workspace slug (default: the first one)"}
    )


class ItemErrorSchema(Schema):
    index = fields.Integer(metadata={"description": "Position of the record in the request array"})
    platform_id = fields.String(allow_none=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class IngestResultSchema(Schema):
    new = fields.Integer()
    updated = fields.Integer()
    rejected = fields.Integer()
    errors = fields.List(fields.Nested(ItemErrorSchema))


BODY = {
    "required": True,
    "description": f"A JSON array of at most {MAX_RECORDS} records (docs/import-format.md). Good records are "
    "stored even when others are rejected; each rejection is reported with its index.",
    "content": {
        "application/json": {
            "schema": {"type": "array", "maxItems": MAX_RECORDS, "items": {"type": "object"}},
        }
    },
}


@blp.route("/")
class Ingest(MethodView):
    @blp.arguments(IngestQuerySchema, location="query")
    @blp.response(200, IngestResultSchema)
    @blp.alt_response(400, schema=ErrorSchema)
    @blp.alt_response(401, schema=ErrorSchema)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    @blp.doc(security=SECURITY, requestBody=BODY)
    @token_required("moderator")
    def post(self, args: dict[str, Any]) -> RecordsReport:
        """Store posts sent as import records; returns counts and the errors of each rejected record."""
        try:
            body = request.get_json(silent=True)
        except RecursionError:
            # "silent" covers malformed JSON only; a body of 100,000 nested arrays exhausts the parser.
            abort(400, message="the JSON body is nested too deeply")
        if not isinstance(body, list):
            abort(422, message="the body must be a JSON array of records")
            raise AssertionError  # abort raises; this tells the type checker
        if len(body) > MAX_RECORDS:
            abort(422, message=f"at most {MAX_RECORDS} records per request")
        try:
            workspace = find_workspace(db.session, args.get("workspace"))
        except WorkspaceError as exc:
            abort(404, message=str(exc))
            raise AssertionError from exc
        schema = RecordSchema()
        item_errors: dict[int, dict[str, list[str]]] = {}
        for index, record in enumerate(body):
            if not isinstance(record, dict):
                item_errors[index] = {"_record": ["each record must be a JSON object"]}
                continue
            try:
                schema.load(record)
            except ValidationError as exc:
                item_errors[index] = {str(k): [str(m) for m in _messages(v)] for k, v in _as_dict(exc.messages)}
        user = g.api_user
        actor = Actor(type="token", id=user.id, label=f"API: {user.email}")
        report = ingest_records(db.session, body, workspace_id=workspace.id, actor=actor, item_errors=item_errors)
        enqueue_scoring(report.post_ids)  # after ingest_records committed
        return report


def _as_dict(messages: Any) -> list[tuple[Any, Any]]:
    return list(messages.items()) if isinstance(messages, dict) else [("_record", messages)]


def _messages(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [f"{k}: {v}" for k, v in value.items()]
    return [value]
