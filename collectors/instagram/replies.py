"""Instagram replies: read through instaloader (the ``instagram.comments`` collector's requests), post
through the Graph API where Instagram allows a brand to comment.

Reading gives each comment's author id (``user.pk``) and ``created_at_utc``; Instagram has no edit
history, but a comment flagged ``is_edited`` is reported as edited (when we saw it), never as a grant.

Posting: a post given by its Graph media id (digits, as a Graph mentions collector stores it) gets
``POST /{ig-user-id}/mentions``; a post given by shortcode is looked up among the brand's own media and
gets ``POST /{media-id}/comments``. Any other post (someone else's post found by hashtag or a photo
tag: Instagram offers no API to comment there) raises ``SendUnavailable``; the request is posted by hand.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from collectors.base import resolve_settings
from collectors.errors import ConfigurationError
from collectors.incremental import utc_from_timestamp
from collectors.instagram.settings import SESSION_FIELDS
from collectors.instagram_graph.client import GraphClient, graph_values
from collectors.registry import register_channel
from collectors.replies import SendUnavailable
from ugc_hub.rights.rules.replies import Reply

INSTAGRAM = "https://www.instagram.com"
MAX_COMMENT_PAGES = 20
MAX_MEDIA_PAGES = 10


def to_reply(comment: Mapping[str, Any], shortcode: str, parent_pk: str | None, *, seen_at: datetime) -> Reply | None:
    """Map an iPhone comment dict to a ``Reply``; None when it has no id or creation time."""
    pk = comment.get("pk")
    created = utc_from_timestamp(comment.get("created_at_utc", comment.get("created_at")))
    if not isinstance(pk, str | int) or isinstance(pk, bool) or created is None:
        return None
    found_user = comment.get("user")
    user: Mapping[str, Any] = found_user if isinstance(found_user, Mapping) else {}
    user_id = user.get("pk") or user.get("id") or comment.get("user_id")
    handle = user.get("username")
    text = comment.get("text")
    raw = {k: v for k, v in comment.items() if k not in ("preview_child_comments", "_replies")}
    return Reply(
        platform="instagram",
        reply_id=str(pk),
        thread_id=shortcode,
        parent_id=parent_pk,
        author_user_id=str(user_id) if isinstance(user_id, str | int) and not isinstance(user_id, bool) else None,
        author_handle=handle if isinstance(handle, str) else "",
        text=text if isinstance(text, str) else "",
        created_at=created,
        edited_at=seen_at if comment.get("is_edited") is True else None,
        permalink=f"{INSTAGRAM}/p/{shortcode}/c/{pk}/",
        raw=raw,
    )


def is_graph_media_id(post_platform_id: str) -> bool:
    """Graph media ids are long decimal numbers; shortcodes are short base64 words."""
    return post_platform_id.isdigit() and len(post_platform_id) >= 15


@register_channel
class InstagramChannel:
    """Comments under Instagram posts; posting through the Graph API where Instagram allows it."""

    platform = "instagram"
    can_send = True

    def fetch_replies(self, settings: Mapping[str, Any], post_platform_id: str) -> Iterator[Reply]:
        """Yield the comments and replies under the post (shortcode or URL), oldest first."""
        from collectors.instagram.client import build_loader, instagram_errors, session_problems
        from collectors.instagram.comments import _comments_of, parse_shortcode

        if is_graph_media_id(post_platform_id):
            raise ConfigurationError(
                "reading the comments of a post known only by its Graph media id is not supported; "
                "collect it through instaloader (shortcode) to follow its replies"
            )
        values, problems = resolve_settings(SESSION_FIELDS, settings)
        problems = problems or session_problems(values, required=True)
        if problems:
            raise ConfigurationError("; ".join(problems))
        shortcode = parse_shortcode(post_platform_id)
        loader = build_loader(values)
        seen_at = datetime.now(UTC)
        replies: dict[str, Reply] = {}
        min_id: str | None = None
        for _ in range(MAX_COMMENT_PAGES):
            with instagram_errors(
                f"reading the comments of {shortcode}", wait_backoff=float(values["wait_backoff_seconds"])
            ):
                items, min_id = _comments_of(loader, shortcode, min_id, with_replies=True)
            for item in items:
                parent = item.meta.get("parent_pk")
                reply = to_reply(item.payload, shortcode, parent if isinstance(parent, str) else None, seen_at=seen_at)
                if reply is not None:
                    replies.setdefault(reply.reply_id, reply)
            if not min_id:
                break
        yield from sorted(replies.values(), key=lambda r: r.created_at)

    def send_reply(self, settings: Mapping[str, Any], post_platform_id: str, text: str) -> str:
        """Comment ``text`` under the post through the Graph API; return the new comment id."""
        if not text.strip():
            raise ValueError("the reply text is empty")
        values = graph_values(settings)
        if values is None:
            raise SendUnavailable(
                "this Instagram source has no Graph API token and account id: post the request by hand"
            )
        client = GraphClient(values)
        if is_graph_media_id(post_platform_id):
            answer = client.post(f"{client.user_id}/mentions", {"media_id": post_platform_id, "message": text})
        else:
            from collectors.instagram.comments import parse_shortcode

            media_id = _own_media_id(client, parse_shortcode(post_platform_id))
            if media_id is None:
                raise SendUnavailable(
                    "Instagram lets a brand comment through the API only on its own media and on posts whose "
                    "caption @mentions it (known by their Graph media id): post the request by hand"
                )
            answer = client.post(f"{media_id}/comments", {"message": text})
        comment_id = answer.get("id")
        if not isinstance(comment_id, str | int) or isinstance(comment_id, bool) or not str(comment_id):
            raise ConfigurationError(f"the Instagram Graph API did not return the new comment's id: {answer!r}")
        return str(comment_id)


def _own_media_id(client: GraphClient, shortcode: str) -> str | None:
    """The Graph id of the brand's own media with ``shortcode``, from its media list (newest first)."""
    path: str | None = f"{client.user_id}/media"
    params: dict[str, str] | None = {"fields": "id,shortcode", "limit": "50"}
    for _ in range(MAX_MEDIA_PAGES):
        if path is None:
            break
        page = client.get(path, params)
        for media in page.get("data") or []:
            if isinstance(media, Mapping) and media.get("shortcode") == shortcode and media.get("id"):
                return str(media["id"])
        paging = page.get("paging")
        next_url = paging.get("next") if isinstance(paging, Mapping) else None
        path, params = (next_url, None) if isinstance(next_url, str) and next_url else (None, None)
    return None
