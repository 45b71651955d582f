"""``instagram.comments``: the comments (and replies) of chosen posts, and ``read_comments`` for
the rights workflow, which looks for the author's answer under the brand's request.

Requests are instaloader's iPhone endpoints (``api/v1/media/<id>/comments/`` paginated by
``min_id``, ``.../comments/<pk>/child_comments/`` for long threads), as
``Post._get_comments_via_iphone_endpoint`` sends them, through ``InstaloaderContext`` so the
session, rate controller and error mapping are instaloader's. They are paged here because
``Post.get_comments()`` cannot be resumed. Cursor::

    {"v": 1, "posts": {shortcode: {comment_pk: created_at}},
     "run": null | {"index": int, "min_id": str|null}}

Every run re-reads each post's comments (up to ``max_pages``) and emits the unseen ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from collectors.base import Collector, Page, RawItem, SettingField, resolve_settings
from collectors.errors import ConfigurationError, MappingError
from collectors.incremental import as_float, load_seen, prune_seen
from collectors.instagram.mapping import map_comment
from collectors.instagram.settings import SESSION_FIELDS, account_key
from collectors.registry import register
from collectors.shapes import as_mapping
from ugc_hub.domain.posts import NormalizedPost

_SHORTCODE_RE = re.compile(r"(?:instagram\.com/(?:[\w.]+/)?(?:p|reel|tv)/)?([A-Za-z0-9_-]{5,20})/?$")
SEEN_PER_POST = 5000


@dataclass(frozen=True)
class InstagramComment:
    """A comment or reply under a post, as the rights workflow needs it."""

    id: str
    parent_id: str | None
    author_id: str | None
    author_name: str | None
    text: str
    created_at: datetime | None


def parse_shortcode(value: str) -> str:
    """Return the shortcode of a post given as a shortcode or a post URL."""
    match = _SHORTCODE_RE.search(value.strip().split("?")[0])
    if match is None:
        raise ConfigurationError(f"{value!r} is not an Instagram post URL or shortcode")
    return match.group(1)


def _comments_of(
    loader: Any, shortcode: str, min_id: str | None, *, with_replies: bool
) -> tuple[list[RawItem], str | None]:
    """Read one page of a post's comments; return raw items (replies after their comment) and the next min_id."""
    import instaloader

    try:
        media_id = instaloader.Post.shortcode_to_mediaid(shortcode)
    except instaloader.InvalidArgumentException as exc:
        raise ConfigurationError(f"{shortcode!r} is not an Instagram shortcode") from exc
    params = {"can_support_threading": "true", "permalink_enabled": "false"}
    if min_id:
        params["min_id"] = min_id
    page = loader.context.get_iphone_json(f"api/v1/media/{media_id}/comments/", params)
    comments = page.get("comments") if isinstance(page, Mapping) else None
    if not isinstance(comments, list):
        raise MappingError(
            f"Instagram comments of {shortcode}: expected a 'comments' list; the API shape may have changed"
        )
    items: list[RawItem] = []
    for comment in comments:
        if not isinstance(comment, Mapping):
            continue
        items.append(RawItem(str(comment.get("pk")), comment, {"shortcode": shortcode, "parent_pk": None}))
        if not with_replies:
            continue
        replies = comment.get("preview_child_comments") or []
        count = comment.get("child_comment_count") or 0
        if isinstance(count, int) and isinstance(replies, list) and count > len(replies):
            thread = loader.context.get_iphone_json(
                f"api/v1/media/{media_id}/comments/{comment.get('pk')}/child_comments/", {"max_id": ""}
            )
            replies = thread.get("child_comments") if isinstance(thread, Mapping) else None
            if not isinstance(replies, list):
                raise MappingError(
                    f"Instagram replies to comment {comment.get('pk')}: expected a 'child_comments' list"
                )
        for reply in replies if isinstance(replies, list) else []:
            if isinstance(reply, Mapping):
                items.append(
                    RawItem(str(reply.get("pk")), reply, {"shortcode": shortcode, "parent_pk": str(comment.get("pk"))})
                )
    next_min_id = page.get("next_min_id")
    return items, next_min_id if isinstance(next_min_id, str) and next_min_id else None


@register
class InstagramCommentsCollector(Collector):
    """Comments and replies under chosen posts (e.g. where the brand asked for permission)."""

    key = "instagram.comments"
    title = "Instagram comments of chosen posts"
    platform = "instagram"
    description = "The comments and replies under the listed posts. Needs a logged-in session."
    requires = ("instaloader",)
    concurrency_per_account = 1
    settings_schema = (
        SettingField("posts", "Posts", "list", required=True, help="Shortcodes or post URLs, one per line."),
        SettingField("include_replies", "Include replies to comments", "bool", default=True),
        SettingField("max_pages", "Comment pages read per post per run", "int", default=20, advanced=True),
        *SESSION_FIELDS,
    )

    def check_values(self, values: dict[str, Any]) -> list[str]:
        from collectors.instagram.client import session_problems

        problems = []
        for post in values["posts"]:
            try:
                parse_shortcode(post)
            except ConfigurationError as exc:
                problems.append(exc.message)
        return problems + (session_problems(values, required=True) if self.enabled() else [])

    def account_key(self, settings: Mapping[str, Any]) -> str:
        return account_key(settings)

    def fetch(self, settings: Mapping[str, Any], cursor: Mapping[str, Any] | None) -> Iterator[Page]:
        import instaloader

        from collectors.instagram.client import build_loader, instagram_errors

        values = self.resolve(settings)
        shortcodes = list(dict.fromkeys(parse_shortcode(p) for p in values["posts"]))
        cursor = cursor or {}
        raw_posts = as_mapping(cursor.get("posts"))
        seen = {sc: load_seen(raw_posts, sc) for sc in shortcodes}
        run = as_mapping(cursor.get("run"))
        index = int(run.get("index") or 0) if run else 0
        min_id: str | None = run.get("min_id") if isinstance(run.get("min_id"), str) else None
        pages = int(run.get("pages") or 0) if run else 0
        loader = build_loader(values)
        backoff = float(values["wait_backoff_seconds"])

        def snapshot(run_state: dict[str, Any] | None) -> dict[str, Any]:
            return {
                "v": 1,
                "posts": {sc: prune_seen(s, None, SEEN_PER_POST) for sc, s in seen.items()},
                "run": run_state,
            }

        while index < len(shortcodes):
            shortcode = shortcodes[index]
            gone = False
            try:
                with instagram_errors(f"reading the comments of {shortcode}", wait_backoff=backoff):
                    raw_items, next_min_id = _comments_of(
                        loader, shortcode, min_id, with_replies=values["include_replies"]
                    )
            except ConfigurationError as exc:
                # A deleted post (404) must not stop the other posts of the source.
                if not isinstance(exc.__cause__, instaloader.QueryReturnedNotFoundException):
                    raise
                raw_items, next_min_id, gone = [], None, True
            items = []
            for item in raw_items:
                created = as_float(item.payload.get("created_at_utc", item.payload.get("created_at")))
                if item.platform_id in seen[shortcode]:
                    continue
                seen[shortcode][item.platform_id] = created if created is not None else 0.0
                items.append(item)
            pages += 1
            if next_min_id and pages < values["max_pages"] and not gone:
                min_id = next_min_id
                yield Page(tuple(items), snapshot({"index": index, "min_id": min_id, "pages": pages}))
                continue
            index, min_id, pages = index + 1, None, 0
            done = index >= len(shortcodes)
            yield Page(tuple(items), snapshot(None if done else {"index": index, "min_id": None, "pages": 0}))

    def map_item(self, item: RawItem) -> NormalizedPost:
        shortcode = item.meta.get("shortcode")
        return map_comment(item.payload, shortcode if isinstance(shortcode, str) else None)


def read_comments(settings: Mapping[str, Any], post: str, *, max_pages: int = 20) -> list[InstagramComment]:
    """Return the comments and replies under a post (shortcode or URL), oldest first."""
    from collectors.instagram.client import build_loader, instagram_errors, session_problems

    values, problems = resolve_settings(SESSION_FIELDS, settings)
    problems = problems or session_problems(values, required=True)
    if problems:
        raise ConfigurationError("; ".join(problems))
    shortcode = parse_shortcode(post)
    loader = build_loader(values)
    found: list[InstagramComment] = []
    min_id: str | None = None
    for _ in range(max_pages):
        with instagram_errors(
            f"reading the comments of {shortcode}", wait_backoff=float(values["wait_backoff_seconds"])
        ):
            items, min_id = _comments_of(loader, shortcode, min_id, with_replies=True)
        for item in items:
            try:
                post_ = map_comment(item.payload, shortcode)
            except MappingError:
                continue  # an unreadable comment cannot be an answer we can act on
            parent = item.meta.get("parent_pk")
            found.append(
                InstagramComment(
                    id=item.platform_id,
                    parent_id=parent if isinstance(parent, str) else None,
                    author_id=post_.author.platform_user_id if post_.author else None,
                    author_name=post_.author.handle if post_.author else None,
                    text=post_.text,
                    created_at=post_.posted_at,
                )
            )
        if not min_id:
            break
    return sorted(found, key=lambda c: (c.created_at is None, c.created_at))
