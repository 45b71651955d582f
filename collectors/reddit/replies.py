"""Post a reply on Reddit and read the replies to a thing (the rights workflow uses both).

Replying needs a script app (username and password in the source settings); reading works with
read-only credentials. Reddit's rules forbid matching Redditors with off-platform identities:
keep what is read here on the Reddit side of the hub (see docs/collectors.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from collectors.errors import CollectorError, ConfigurationError
from collectors.incremental import utc_from_timestamp
from collectors.reddit.mapping import DELETED, REDDIT
from collectors.reddit.settings import credentials


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
