"""Generated Instagram content for ``FakeInstagram``: iPhone media dicts of a hashtag's sections,
GraphQL nodes of tagged posts and iPhone comment dicts, built from the shapes in ``data/instagram/``.
Higher indices are newer; shortcodes are instaloader's own encoding of a media id.
"""

from __future__ import annotations

import base64
import copy
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from instaloader import Post

DATA = Path(__file__).parent / "data" / "instagram"


def load(name: str) -> dict[str, Any]:
    """Return one recorded-shape JSON body."""
    return json.loads((DATA / name).read_text())


MEDIA = load("media_iphone.json")
NODE = load("tagged_node.json")
COMMENT = load("comment_iphone.json")
PROFILE = load("profile_user.json")
RECENT_BASE = 3_000_000_000_000_000_000
TAGGED_BASE = 3_100_000_000_000_000_000


def token(text: str) -> str:
    """Return an opaque pagination token."""
    return base64.urlsafe_b64encode(text.encode()).decode()


def untoken(value: str) -> str:
    """Return what a pagination token stands for."""
    return base64.urlsafe_b64decode(value.encode()).decode()


@dataclass
class InstagramContent:
    """Deterministic Instagram content: one hashtag, one brand account, comments on chosen posts."""

    tag: str = "acme"
    recent_total: int = 60
    top_total: int = 9
    page_size: int = 9
    spacing: float = 1200.0
    newest: float = field(default_factory=lambda: float(int(time.time())))
    tagged_total: int = 30
    account: str = "acme_brand"
    account_id: str = "4242"
    session_user: str = "acme_social"
    mention_every: int = 3
    changed_shape: frozenset[int] = frozenset()
    deleted_authors: frozenset[int] = frozenset()
    hidden: set[int] = field(default_factory=set)
    comment_counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._base_time = self.newest - (self.recent_total - 1) * self.spacing
        self._initial_recent = self.recent_total
        self._extra_comments: dict[str, list[dict[str, Any]]] = {}

    # -- controls ----------------------------------------------------------------------------
    @property
    def session(self) -> dict[str, str]:
        """Session cookies as an admin would import them."""
        return {
            "sessionid": f"{self.account_id}%3Afake%3A28%3AAYd",
            "csrftoken": "fakecsrftoken123",
            "ds_user_id": "987654",
            "mid": "ZfakeMIDAAE",
            "ig_did": "00000000-0000-4000-8000-000000000000",
            "rur": '"CLN\\054987654\\0541760000000:01f7"',
        }

    def add_recent(self, count: int) -> None:
        """Publish ``count`` newer posts under the hashtag."""
        self.recent_total += count

    def add_comment(
        self,
        shortcode: str,
        *,
        username: str,
        text: str,
        parent_pk: str | None = None,
        user_id: str | None = None,
        created_at: float | None = None,
        edited: bool = False,
    ) -> str:
        """Add a comment (or a reply) under a post; return its pk.

        ``user_id`` overrides the account id derived from the username (a look-alike account with the
        same name), ``created_at`` the epoch it was written, ``edited`` sets ``is_edited``.
        """
        extra = self._extra_comments.setdefault(shortcode, [])
        pk = str(19_000_000_000_000_000 + sum(len(c) for c in self._extra_comments.values()))
        created = created_at if created_at is not None else self.newest + 60 + len(extra)
        comment = self._comment_dict(pk, username, text, created, Post.shortcode_to_mediaid(shortcode))
        if user_id is not None:
            comment.update(user_id=user_id)
            comment["user"].update(pk=user_id, pk_id=user_id)
        comment["is_edited"] = edited
        comment["_parent"] = parent_pk
        extra.append(comment)
        return pk

    def recent_shortcode(self, index: int) -> str:
        return Post.mediaid_to_shortcode(RECENT_BASE + index)

    def tagged_shortcode(self, index: int) -> str:
        return Post.mediaid_to_shortcode(TAGGED_BASE + index)

    def recent_taken_at(self, index: int) -> float:
        return self._base_time + index * self.spacing

    def top_indices(self) -> list[int]:
        last = self._initial_recent - 1
        return [i for i in (last - 5 * k for k in range(self.top_total)) if i >= 0]

    # -- generated content -------------------------------------------------------------------
    def media(self, index: int) -> dict[str, Any]:
        """Return the iPhone media dict of recent post ``index``."""
        pk = RECENT_BASE + index
        code = Post.mediaid_to_shortcode(pk)
        user_pk = str(7_000_000 + index % 53)
        username = f"fan_{index % 53}"
        taken_at = int(self.recent_taken_at(index))
        mention = f" Thanks @{self.account}!" if self.mention_every and index % self.mention_every == 0 else ""
        text = f"Unboxing day #{self.tag} #gadgets post {index}.{mention}"
        media = copy.deepcopy(MEDIA)
        media.update(
            taken_at=taken_at,
            pk=str(pk),
            id=f"{pk}_{user_pk}",
            device_timestamp=taken_at * 1000,
            code=code,
            comment_count=index % 7,
            like_count=10 + index % 91,
        )
        media["caption"].update(
            pk=str(pk + 1), user_id=user_pk, text=text, created_at=taken_at, created_at_utc=taken_at
        )
        for candidate in media["image_versions2"]["candidates"]:
            candidate["url"] = candidate["url"].replace("placeholder", code)
        media["accessibility_caption"] = f"Photo by {username}. May be an image of a gadget on a table."
        media["user"].update(
            pk=user_pk,
            pk_id=user_pk,
            username=username,
            full_name=f"Fan {index % 53}",
            profile_pic_url=f"https://scontent.cdninstagram.com/v/t51.2885-19/{username}.jpg",
        )
        if index % 5 == 4:
            media.update(
                media_type=2,
                product_type="clips",
                video_duration=14.2,
                view_count=300 + index,
                play_count=900 + index,
                video_versions=[
                    {
                        "type": 101,
                        "width": 720,
                        "height": 1280,
                        "url": f"https://scontent.cdninstagram.com/o1/v/t16/{code}.mp4",
                    }
                ],
            )
        elif index % 7 == 6:
            child = {"media_type": 1, "image_versions2": copy.deepcopy(media["image_versions2"]), "pk": str(pk + 2)}
            media.update(
                media_type=8,
                product_type="carousel_container",
                carousel_media_count=2,
                carousel_media=[child, dict(child, pk=str(pk + 3))],
            )
        if index in self.deleted_authors:
            media["user"] = None
        if index in self.changed_shape:
            del media["taken_at"]
        return media

    def _section_page(self, indices: list[int], next_token: str | None) -> dict[str, Any]:
        medias = [self.media(i) for i in indices]
        rows = [
            {
                "layout_type": "media_grid",
                "layout_content": {"medias": [{"media": m} for m in medias[k : k + 3]]},
                "feed_type": "media",
                "explore_item_info": {"num_columns": 3, "total_num_columns": 3, "aspect_ratio": 1, "autoplay": False},
            }
            for k in range(0, len(medias), 3)
        ]
        return {
            "sections": rows,
            "more_available": next_token is not None,
            "next_max_id": next_token,
            "next_page": 1,
            "next_media_ids": [],
        }

    def _recent_page(self, start: int) -> dict[str, Any]:
        # ``hidden`` posts exist but are not in the feed yet (Instagram's index lags).
        indices = [i for i in range(start, start - self.page_size, -1) if i >= 0 and i not in self.hidden]
        nxt = start - self.page_size
        return self._section_page(indices, token(f"recent:{nxt}") if nxt >= 0 else None)

    def _top_page(self, offset: int) -> dict[str, Any]:
        top = self.top_indices()
        nxt = offset + self.page_size
        return self._section_page(top[offset:nxt], token(f"top:{nxt}") if nxt < len(top) else None)

    def tagged_node(self, index: int) -> dict[str, Any]:
        """Return the GraphQL node of tagged post ``index`` (higher is newer)."""
        mediaid = TAGGED_BASE + index
        code = Post.mediaid_to_shortcode(mediaid)
        taken_at = int(self.newest - (self.tagged_total - 1 - index) * self.spacing)
        mention = f" @{self.account}" if self.mention_every and index % self.mention_every == 0 else ""
        node = copy.deepcopy(NODE)
        node.update(
            id=str(mediaid),
            shortcode=code,
            taken_at_timestamp=taken_at,
            display_url=f"https://scontent.cdninstagram.com/v/t51.2885-15/{code}_n.jpg",
            owner={"id": str(8_000_000 + index % 31), "username": f"buyer_{index % 31}"},
            edge_media_to_caption={"edges": [{"node": {"text": f"My new gadget from the shop{mention}"}}]},
            edge_media_to_comment={"count": index % 4},
            edge_liked_by={"count": 5 + index},
            edge_media_preview_like={"count": 5 + index},
        )
        node["edge_media_to_tagged_user"]["edges"] = [
            {
                "node": {
                    "user": {"full_name": "ACME", "id": self.account_id, "is_verified": True, "username": self.account},
                    "x": 0.5,
                    "y": 0.5,
                }
            }
        ]
        return node

    @staticmethod
    def user_id_of(username: str) -> str:
        """The account id the fake gives a commenter with this username."""
        return str(6_000_000 + sum(map(ord, username)))

    def _comment_dict(self, pk: str, username: str, text: str, created: float, media_id: int) -> dict[str, Any]:
        comment = copy.deepcopy(COMMENT)
        user_pk = self.user_id_of(username)
        comment.update(
            pk=pk,
            strong_id__=pk,
            user_id=user_pk,
            text=text,
            created_at=int(created),
            created_at_utc=int(created),
            created_at_for_fb_app=int(created),
            media_id=str(media_id),
        )
        comment["user"].update(pk=user_pk, pk_id=user_pk, username=username, full_name=username.title())
        return comment

    def _comments(self, shortcode: str) -> list[dict[str, Any]]:
        """Return the top-level comments of a post, each with its replies under ``_replies``."""
        media_id = Post.shortcode_to_mediaid(shortcode)
        top: list[dict[str, Any]] = []
        for k in range(self.comment_counts.get(shortcode, 0)):
            pk = str(18_000_000_000_000_000 + (media_id % 10_000) * 1000 + k * 10)
            comment = self._comment_dict(pk, f"commenter_{k}", f"Love it! comment {k}", self.newest + k, media_id)
            replies = []
            if k % 4 == 1:
                replies = [
                    self._comment_dict(
                        str(int(pk) + r + 1),
                        f"replier_{r}",
                        f"@commenter_{k} same here {r}",
                        self.newest + k + r + 1,
                        media_id,
                    )
                    for r in range(2)
                ]
            comment["_replies"] = replies
            top.append(comment)
        for extra in self._extra_comments.get(shortcode, []):
            parent = next((c for c in top if c["pk"] == extra["_parent"]), None)
            clean = {k: v for k, v in extra.items() if k != "_parent"}
            if parent is not None:
                parent["_replies"].append(clean)
            else:
                top.append(dict(clean, _replies=[]))
        for comment in top:
            comment["child_comment_count"] = len(comment["_replies"])
            comment["preview_child_comments"] = comment["_replies"][:1]
        return top
