"""GET /api/v1/posts and /api/v1/posts/{id}."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint, abort

from ugc_hub.api.auth import SECURITY, token_required
from ugc_hub.api.schemas import ErrorSchema, PostDetailSchema, PostPageSchema, PostQuerySchema
from ugc_hub.models import Post, db
from ugc_hub.services.post_queries import PageMark, PostFilters, PostPage, ScoreMark, list_posts

blp = Blueprint("posts", __name__, url_prefix="/api/v1/posts", description="Collected posts")


@blp.route("/")
class PostList(MethodView):
    @blp.arguments(PostQuerySchema, location="query")
    @blp.response(200, PostPageSchema)
    @blp.alt_response(400, schema=ErrorSchema)
    @blp.alt_response(401, schema=ErrorSchema)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.doc(security=SECURITY)
    @token_required()
    def get(self, args: dict[str, Any]) -> PostPage:
        """List posts with the inbox's filters, newest first or by sentiment score (keyset pagination: pass next)."""
        filters = PostFilters(
            source_id=args.get("source"),
            status=args.get("status"),
            hashtag=args.get("hashtag"),
            language=args.get("language"),
            date_from=args.get("date_from"),
            date_to=args.get("date_to"),
            q=args.get("q"),
            sentiment=args.get("sentiment"),
            removed_on_platform=bool(args.get("removed_on_platform")),
        )
        sort = args["sort"]
        after: PageMark | ScoreMark | None = None
        if sort == "newest" and "before" in args:
            # before alone means "posted at or before"; before_id breaks ties between equal times.
            after = PageMark(args["before"], args.get("before_id", 2**63 - 1))
        elif sort != "newest" and "after_score" in args:
            # after_score alone means "from this score on", in the sort's direction.
            default_id = -1 if sort == "most_negative" else 2**63 - 1
            after = ScoreMark(args["after_score"], args.get("after_id", default_id))
        return list_posts(db.session, filters, limit=args["limit"], after=after, sort=sort)


@blp.route("/<int:post_id>")
class PostItem(MethodView):
    @blp.response(200, PostDetailSchema)
    @blp.alt_response(401, schema=ErrorSchema)
    @blp.alt_response(403, schema=ErrorSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    @blp.doc(security=SECURITY)
    @token_required()
    def get(self, post_id: int) -> Post:
        """One post with its raw platform payload."""
        post = db.session.get(Post, post_id)  # the route's converter refuses ids beyond the column
        if post is None:
            abort(404, message="no such post")
            raise AssertionError  # abort raises; this tells the type checker
        return post
