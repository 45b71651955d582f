"""Reddit replies through praw: post a reply, read the replies to a thing, and the rights workflow's channel.

``reply`` posts through ``submission.reply`` / ``comment.reply`` and needs a script app (username and
password in the source settings); ``read_replies`` returns the direct replies to a thing. The reply
channel (``RedditChannel``) reads the whole comment tree of a submission (``replace_more`` included) and
posts through ``reply``. Reading works with the read-only app credentials of a ``reddit.search`` source.
Reddit forbids matching Redditors with off-platform identities: what is read here stays with the post
it answers (docs/rights-channels.md).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from collectors.errors import CollectorError, ConfigurationError
from collectors.incremental import as_float, utc_from_timestamp
from collectors.reddit.mapping import DELETED, REDDIT
from collectors.reddit.settings import credentials
from collectors.registry import register_channel
from ugc_hub.rights.rules.replies import Reply


class ReplyRejected(CollectorError):
    """Reddit refused the reply (deleted or locked thread, banned account...); retrying will not help."""


@dataclass(frozen=True)
class PostedReply:
    """The comment we posted."""

    fullname: str
    permalink: str
    parent_fullname: str
    submission_fullname: str | None


@dataclass(frozen=True)
class RedditReply:
    """A reply to a thing: who wrote it (``None`` if the account is deleted) and what."""

    fullname: str
    parent_fullname: str
    author_id: str | None
    author_name: str | None
    body: str
    created_at: datetime | None
    permalink: str | None


def _check_fullname(thing_fullname: str) -> None:
    if not (thing_fullname.startswith(("t1_", "t3_")) and thing_fullname[3:].isalnum()):
        raise ValueError(f"expected the fullname of a submission (t3_...) or comment (t1_...), got {thing_fullname!r}")


def reply(settings: Mapping[str, Any], thing_fullname: str, text: str) -> PostedReply:
    """Post ``text`` as a reply to a submission or comment; return the new comment."""
    import praw.exceptions

    from collectors.reddit.client import build_reddit, reddit_errors

    _check_fullname(thing_fullname)
    if not text.strip():
        raise ValueError("the reply text is empty")
    reddit = build_reddit(credentials(settings), need_account=True)
    thing = (
        reddit.submission(id=thing_fullname[3:])
        if thing_fullname.startswith("t3_")
        else reddit.comment(id=thing_fullname[3:])
    )
    try:
        with reddit_errors(f"replying to {thing_fullname}"):
            comment = thing.reply(body=text)
    except praw.exceptions.RedditAPIException as exc:
        raise ReplyRejected(f"Reddit refused the reply to {thing_fullname}: {exc}") from exc
    except ConfigurationError as exc:
        if "refused access" in exc.message:
            raise ReplyRejected(f"Reddit refused the reply to {thing_fullname}: {exc.message}") from exc
        raise
    if comment is None:
        # Reddit created the comment but did not return it (quarantined subreddit).
        raise ReplyRejected(f"Reddit accepted the reply to {thing_fullname} but did not return it")
    data = vars(comment)
    return PostedReply(
        fullname=str(comment.fullname),
        permalink=f"{REDDIT}{data.get('permalink', '')}",
        parent_fullname=thing_fullname,
        submission_fullname=data.get("link_id"),
    )


def read_replies(
    settings: Mapping[str, Any], thing_fullname: str, *, submission_fullname: str | None = None
) -> list[RedditReply]:
    """Return the direct replies to a submission or comment, oldest first.

    For a comment, pass the submission it belongs to when known; otherwise one extra request
    looks it up.
    """
    import praw.models

    from collectors.reddit.client import build_reddit, reddit_errors

    _check_fullname(thing_fullname)
    reddit = build_reddit(credentials(settings))
    with reddit_errors(f"reading the replies to {thing_fullname}"):
        if thing_fullname.startswith("t3_"):
            submission_fullname = thing_fullname
        elif submission_fullname is None:
            found = list(reddit.info(fullnames=[thing_fullname]))
            if not found:
                return []
            submission_fullname = str(vars(found[0]).get("link_id") or "")
        if not submission_fullname.startswith("t3_"):
            raise ValueError(f"expected a submission fullname, got {submission_fullname!r}")
        submission = reddit.submission(id=submission_fullname[3:])
        submission.comment_sort = "new"
        submission.comments.replace_more(limit=0)
        comments = submission.comments.list()
    replies = []
    for comment in comments:
        if not isinstance(comment, praw.models.Comment):
            continue  # replace_more(limit=0) removed the MoreComments stubs; be explicit anyway
        data = vars(comment)
        if data.get("parent_id") != thing_fullname:
            continue
        author = data.get("author")
        author_name = None if author is None or str(author) in DELETED else str(author)
        body = data.get("body")
        permalink = data.get("permalink")
        replies.append(
            RedditReply(
                fullname=str(comment.fullname),
                parent_fullname=thing_fullname,
                author_id=data.get("author_fullname") if author_name else None,
                author_name=author_name,
                body="" if not isinstance(body, str) or body in DELETED else body,
                created_at=utc_from_timestamp(data.get("created_utc")),
                permalink=f"{REDDIT}{permalink}" if isinstance(permalink, str) else None,
            )
        )
    return sorted(replies, key=lambda r: (r.created_at is None, r.created_at))


#: The comment fields kept verbatim as the reply's raw evidence (the rest are praw objects or noise).
RAW_FIELDS = (
    "id",
    "name",
    "body",
    "author",
    "author_fullname",
    "parent_id",
    "link_id",
    "permalink",
    "created_utc",
    "edited",
    "subreddit",
    "score",
    "distinguished",
    "is_submitter",
    "stickied",
)
#: "Load more comments" stubs are expanded up to this many requests per thread; "continue this thread"
#: links (``count`` 0, ten levels deep) are not followed: an answer to a request sits near the top.
MORE_REQUESTS = 32


def _check_post_fullname(fullname: str) -> None:
    if not (fullname.startswith(("t1_", "t3_")) and fullname[3:].isalnum()):
        raise ConfigurationError(
            f"expected the fullname of a Reddit submission (t3_...) or comment (t1_...), got {fullname!r}"
        )


def _raw(data: Mapping[str, Any]) -> dict[str, Any]:
    raw = {key: data[key] for key in RAW_FIELDS if key in data}
    for key in ("author", "subreddit"):
        if key in raw and raw[key] is not None:
            raw[key] = str(raw[key])
    return raw


def to_reply(data: Mapping[str, Any], thread_id: str) -> Reply | None:
    """Map a comment's data to a ``Reply`` in ``thread_id``; None when it has no id or creation time."""
    fullname = data.get("name")
    created = utc_from_timestamp(data.get("created_utc"))
    if not isinstance(fullname, str) or created is None:
        return None
    author = data.get("author")
    handle = "" if author is None else str(author)
    deleted = handle in DELETED or not handle
    body = data.get("body")
    edited = data.get("edited")
    edited_at = (
        None if edited is False or edited is None else utc_from_timestamp(as_float(edited) or created.timestamp())
    )
    permalink = data.get("permalink")
    author_id = data.get("author_fullname")
    return Reply(
        platform="reddit",
        reply_id=fullname,
        thread_id=thread_id,
        parent_id=data.get("parent_id") if isinstance(data.get("parent_id"), str) else None,
        author_user_id=str(author_id) if isinstance(author_id, str) and author_id and not deleted else None,
        author_handle="[deleted]" if deleted else handle,
        text="" if not isinstance(body, str) or body in DELETED else body,
        created_at=created,
        edited_at=edited_at,
        permalink=f"{REDDIT}{permalink}" if isinstance(permalink, str) else None,
        raw=_raw(data),
    )


@register_channel
class RedditChannel:
    """Replies on Reddit; posting needs a script app (username and password in the source)."""

    platform = "reddit"
    can_send = True

    def fetch_replies(self, settings: Mapping[str, Any], post_platform_id: str) -> Iterator[Reply]:
        """Yield the comments under a submission (or under a comment, for a comment post), oldest first."""
        import praw.models

        from collectors.reddit.client import build_reddit, reddit_errors

        _check_post_fullname(post_platform_id)
        reddit = build_reddit(credentials(settings))
        with reddit_errors(f"reading the replies under {post_platform_id}"):
            submission_id = post_platform_id
            if post_platform_id.startswith("t1_"):
                found = list(reddit.info(fullnames=[post_platform_id]))
                link_id = vars(found[0]).get("link_id") if found else None
                if not isinstance(link_id, str):
                    return
                submission_id = link_id
            submission = reddit.submission(id=submission_id[3:])
            submission.comment_sort = "old"
            submission.comments.replace_more(limit=MORE_REQUESTS, threshold=1)
            comments = [c for c in submission.comments.list() if isinstance(c, praw.models.Comment)]
        inside = _subtree(comments, post_platform_id)
        replies = []
        for comment in comments:
            data = vars(comment)
            # In a submission the thread is what Reddit says (link_id); under a comment, its subtree.
            thread = str(data.get("link_id")) if post_platform_id.startswith("t3_") else post_platform_id
            reply = to_reply(data, thread)
            if reply is not None and reply.reply_id in inside:
                replies.append(reply)
        yield from sorted(replies, key=lambda r: r.created_at)

    def send_reply(self, settings: Mapping[str, Any], post_platform_id: str, text: str) -> str:
        """Reply under the submission or comment; return the new comment's fullname (t1_...)."""
        _check_post_fullname(post_platform_id)
        return reply(settings, post_platform_id, text).fullname


def _subtree(comments: list[Any], root: str) -> set[str]:
    """Fullnames of the comments below ``root`` (a submission: all of them; a comment: its descendants)."""
    if root.startswith("t3_"):
        return {str(c.fullname) for c in comments}
    children: dict[str, list[str]] = {}
    for comment in comments:
        children.setdefault(str(vars(comment).get("parent_id")), []).append(str(comment.fullname))
    found: set[str] = set()
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found
