"""GET /api/v1/sources."""

from __future__ import annotations

from collections.abc import Sequence

from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from ugc_hub.api.auth import SECURITY, token_required
from ugc_hub.api.schemas import ErrorSchema, SourceSchema
from ugc_hub.models import Source, db

blp = Blueprint("sources", __name__, url_prefix="/api/v1/sources", description="Where posts come from")


@blp.route("/")
class SourceList(MethodView):
    @blp.response(200, SourceSchema(many=True))
    @blp.alt_response(401, schema=ErrorSchema)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.doc(security=SECURITY)
    @token_required()
    def get(self) -> Sequence[Source]:
        """List every source with its status."""
        return db.session.scalars(select(Source).order_by(Source.id)).all()
