"""Instagram answered through ``responses``, for driving the real instaloader code offline.

``FakeInstagram.install(rsps)`` registers callbacks for the endpoints instaloader 4.16 calls for
hashtags (``i.instagram.com/api/v1/tags/web_info/``, ``www.instagram.com/explore/tags/<tag>/``),
tagged posts (``graphql/query`` profile doc_id and ``query_hash`` pages, the anonymous
``web_profile_info`` and the profile HTML page) and comments (iPhone ``media/<id>/comments/``).
Bodies are built from the shapes in ``data/instagram/``; posts are generated from an index.

Faults are queued with ``add_fault(kind, path=..., times=...)``; kinds: ``429``, ``500``,
``timeout``, ``truncated``, ``login_redirect``, ``checkpoint``, ``please_wait`` (401),
``login_required`` (403), ``feedback``, ``not_found``, ``changed_shape``.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
import responses
from instaloader import Post

DATA = Path(__file__).parent / "data" / "instagram"


def _load(name: str) -> dict[str, Any]:
    return json.loads((DATA / name).read_text())


MEDIA = _load("media_iphone.json")
NODE = _load("tagged_node.json")
COMMENT = _load("comment_iphone.json")
PROFILE = _load("profile_user.json")
ERROR_BODIES = {
    "checkpoint": (400, _load("checkpoint.json")),
    "please_wait": (401, _load("please_wait.json")),
    "login_required": (403, _load("login_required.json")),
    "feedback": (400, _load("feedback_required.json")),
    "429": (429, {"message": "Please wait a few minutes before you try again.", "status": "fail"}),
    "not_found": (404, {"message": "Page not found", "status": "fail"}),
}
RECENT_BASE = 3_000_000_000_000_000_000
TAGGED_BASE = 3_100_000_000_000_000_000
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


def _token(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def _untoken(token: str) -> str:
    return base64.urlsafe_b64decode(token.encode()).decode()


@dataclass
class IgFault:
    kind: str
    path: str = ""
    times: int = 1


@dataclass
class FakeInstagram:
    """Deterministic Instagram: one hashtag, one brand account, comments on chosen posts."""

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
        self._faults: list[IgFault] = []
        self._extra_comments: dict[str, list[dict[str, Any]]] = {}

    # -- test controls -----------------------------------------------------------------------
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

    def add_fault(self, kind: str, *, path: str = "", times: int = 1) -> None:
        self._faults.append(IgFault(kind, path, times))

    def add_recent(self, count: int) -> None:
        """Publish ``count`` newer posts under the hashtag."""
        self.recent_total += count

    def add_comment(self, shortcode: str, *, username: str, text: str, parent_pk: str | None = None) -> str:
        """Add a comment (or a reply) under a post; return its pk."""
        extra = self._extra_comments.setdefault(shortcode, [])
        pk = str(19_000_000_000_000_000 + len(extra))
        comment = self._comment_dict(pk, username, text, self.newest + 60 + len(extra), Post.shortcode_to_mediaid(shortcode))
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
        media.update(taken_at=taken_at, pk=str(pk), id=f"{pk}_{user_pk}", device_timestamp=taken_at * 1000, code=code,
                     comment_count=index % 7, like_count=10 + index % 91)  # fmt: skip
        media["caption"].update(pk=str(pk + 1), user_id=user_pk, text=text, created_at=taken_at, created_at_utc=taken_at)
        for candidate in media["image_versions2"]["candidates"]:
            candidate["url"] = candidate["url"].replace("placeholder", code)
        media["accessibility_caption"] = f"Photo by {username}. May be an image of a gadget on a table."
        media["user"].update(pk=user_pk, pk_id=user_pk, username=username, full_name=f"Fan {index % 53}",
                             profile_pic_url=f"https://scontent.cdninstagram.com/v/t51.2885-19/{username}.jpg")  # fmt: skip
        if index % 5 == 4:
            media.update(media_type=2, product_type="clips", video_duration=14.2, view_count=300 + index, play_count=900 + index,
                         video_versions=[{"type": 101, "width": 720, "height": 1280, "url": f"https://scontent.cdninstagram.com/o1/v/t16/{code}.mp4"}])  # fmt: skip
        elif index % 7 == 6:
            child = {"media_type": 1, "image_versions2": copy.deepcopy(media["image_versions2"]), "pk": str(pk + 2)}
            media.update(media_type=8, product_type="carousel_container", carousel_media_count=2,
                         carousel_media=[child, dict(child, pk=str(pk + 3))])  # fmt: skip
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
        return {"sections": rows, "more_available": next_token is not None, "next_max_id": next_token, "next_page": 1,
                "next_media_ids": []}  # fmt: skip

    def _recent_page(self, start: int) -> dict[str, Any]:
        # ``hidden`` posts exist but are not in the feed yet (Instagram's index lags).
        indices = [i for i in range(start, start - self.page_size, -1) if i >= 0 and i not in self.hidden]
        nxt = start - self.page_size
        return self._section_page(indices, _token(f"recent:{nxt}") if nxt >= 0 else None)

    def _top_page(self, offset: int) -> dict[str, Any]:
        top = self.top_indices()
        nxt = offset + self.page_size
        return self._section_page(top[offset:nxt], _token(f"top:{nxt}") if nxt < len(top) else None)

    def tagged_node(self, index: int) -> dict[str, Any]:
        """Return the GraphQL node of tagged post ``index`` (higher is newer)."""
        mediaid = TAGGED_BASE + index
        code = Post.mediaid_to_shortcode(mediaid)
        taken_at = int(self.newest - (self.tagged_total - 1 - index) * self.spacing)
        mention = f" @{self.account}" if self.mention_every and index % self.mention_every == 0 else ""
        node = copy.deepcopy(NODE)
        node.update(id=str(mediaid), shortcode=code, taken_at_timestamp=taken_at,
                    display_url=f"https://scontent.cdninstagram.com/v/t51.2885-15/{code}_n.jpg",
                    owner={"id": str(8_000_000 + index % 31), "username": f"buyer_{index % 31}"},
                    edge_media_to_caption={"edges": [{"node": {"text": f"My new gadget from the shop{mention}"}}]},
                    edge_media_to_comment={"count": index % 4}, edge_liked_by={"count": 5 + index},
                    edge_media_preview_like={"count": 5 + index})  # fmt: skip
        node["edge_media_to_tagged_user"]["edges"] = [
            {"node": {"user": {"full_name": "ACME", "id": self.account_id, "is_verified": True, "username": self.account}, "x": 0.5, "y": 0.5}}
        ]
        return node

    def _comment_dict(self, pk: str, username: str, text: str, created: float, media_id: int) -> dict[str, Any]:
        comment = copy.deepcopy(COMMENT)
        user_pk = str(6_000_000 + sum(map(ord, username)))
        comment.update(pk=pk, strong_id__=pk, user_id=user_pk, text=text, created_at=int(created), created_at_utc=int(created),
                       created_at_for_fb_app=int(created), media_id=str(media_id))  # fmt: skip
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
                replies = [self._comment_dict(str(int(pk) + r + 1), f"replier_{r}", f"@commenter_{k} same here {r}",
                                              self.newest + k + r + 1, media_id) for r in range(2)]  # fmt: skip
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

    # -- routing -----------------------------------------------------------------------------
    def install(self, rsps: responses.RequestsMock) -> None:
        """Register every endpoint on a ``responses.RequestsMock``."""
        for method, pattern, handler in (
            ("GET", r"https://i\.instagram\.com/api/v1/tags/web_info/", self._web_info),
            ("GET", r"https://www\.instagram\.com/explore/tags/[^/]+/", self._explore),
            ("POST", r"https://www\.instagram\.com/graphql/query", self._graphql_post),
            ("GET", r"https://www\.instagram\.com/graphql/query", self._graphql_get),
            ("GET", r"https://www\.instagram\.com/api/v1/users/web_profile_info/", self._web_profile_info),
            ("GET", r"https://i\.instagram\.com/api/v1/media/\d+/comments/\d+/child_comments/", self._child_comments),
            ("GET", r"https://i\.instagram\.com/api/v1/media/\d+/comments/", self._comment_page),
            ("GET", rf"https://www\.instagram\.com/{re.escape(self.account)}/", self._profile_page),
        ):
            rsps.add_callback(method, re.compile(pattern + r"(\?.*)?$"), callback=self._wrap(handler))

    def _wrap(self, handler: Any) -> Any:
        def callback(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
            url = str(request.url)
            fault = self._take_fault(url)
            if fault is None:
                return handler(request)
            if fault.kind == "timeout":
                raise requests.exceptions.ReadTimeout(f"fake read timeout for {url}")
            if fault.kind == "500":
                return 500, {"Content-Type": "text/html"}, "<html><body>Oops, an error occurred.</body></html>"
            if fault.kind == "login_redirect":
                return 302, {"location": "https://www.instagram.com/accounts/login/?next=%2Fexplore%2F"}, ""
            if fault.kind == "truncated":
                status, headers, body = handler(request)
                return status, headers, body[: len(body) // 2]
            if fault.kind == "changed_shape":
                return 200, JSON_HEADERS, json.dumps({"data": {"recent": {"items": []}, "top": {"items": []}}, "status": "ok"})
            status, body = ERROR_BODIES[fault.kind]
            return status, JSON_HEADERS, json.dumps(body)

        return callback

    def _take_fault(self, url: str) -> IgFault | None:
        for fault in self._faults:
            if fault.path in url:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    @staticmethod
    def _query(request: requests.PreparedRequest) -> dict[str, str]:
        return {k: v[-1] for k, v in parse_qs(urlsplit(str(request.url)).query).items()}

    @staticmethod
    def _ok(body: Any) -> tuple[int, dict[str, str], str]:
        return 200, JSON_HEADERS, json.dumps(body)

    def _web_info(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        if self._query(request).get("tag_name") != self.tag:
            return 404, JSON_HEADERS, json.dumps({"message": "Page not found", "status": "fail"})
        data = {
            "id": "17843826142012701", "name": self.tag, "media_count": self.recent_total,
            "formatted_media_count": str(self.recent_total), "search_result_subtitle": f"{self.recent_total} posts",
            "profile_pic_url": "", "is_following": False, "allow_following": True,
            "top": self._top_page(0), "recent": self._recent_page(self.recent_total - 1),
        }  # fmt: skip
        return self._ok({"data": data, "status": "ok"})

    def _explore(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        section, _, position = _untoken(self._query(request)["max_id"]).partition(":")
        page = self._top_page(int(position)) if section == "top" else self._recent_page(int(position))
        return self._ok({"data": {section: page}, "status": "ok"})

    def _graphql_post(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        form = {k: v[-1] for k, v in parse_qs(str(request.body or "")).items()}
        if form.get("doc_id") != "27937681195819736":
            return 400, JSON_HEADERS, json.dumps({"message": "unknown doc_id", "status": "fail"})
        user = dict(PROFILE, pk=self.account_id, id=self.account_id, username=self.account)
        return self._ok({"data": {"user": user}, "extensions": {"is_final": True}, "status": "ok"})

    def _graphql_get(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        query = self._query(request)
        variables = json.loads(query.get("variables", "{}"))
        if query.get("query_hash") != "e31a871f7301132ceaab56507a66bbb7" or str(variables.get("id")) != self.account_id:
            return 400, JSON_HEADERS, json.dumps({"message": "unknown query", "status": "fail"})
        start = int(_untoken(variables["after"])) if variables.get("after") else self.tagged_total - 1
        first = int(variables.get("first", 12))
        indices = [i for i in range(start, start - first, -1) if i >= 0]
        nxt = start - first
        edges = [{"node": self.tagged_node(i)} for i in indices]
        page_info = {"has_next_page": nxt >= 0, "end_cursor": _token(str(nxt)) if nxt >= 0 else None}
        conn = {"count": self.tagged_total, "page_info": page_info, "edges": edges}
        return self._ok({"data": {"user": {"edge_user_to_photos_of_you": conn}}, "status": "ok"})

    def _web_profile_info(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        if self._query(request).get("username") != self.account:
            return 404, JSON_HEADERS, json.dumps({"message": "User not found", "status": "fail"})
        user = {"id": self.account_id, "username": self.account, "full_name": "ACME Gadgets", "is_private": False,
                "edge_followed_by": {"count": 48213}, "edge_follow": {"count": 312}, "edge_owner_to_timeline_media": {"count": 1204}}  # fmt: skip
        return self._ok({"data": {"user": user}, "status": "ok"})

    def _profile_page(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        user = {"pk": self.account_id, "id": "fake-relay-id", "username": self.account, "full_name": "ACME Gadgets", "is_private": False}
        blob = {"require": [["ScheduledServerJS", "handle", None, [{"__bbox": {"result": {"data": {"xig_user_by_username": user}}}}]]]}
        html = f'<html><head></head><body><script type="application/json" data-sjs>{json.dumps(blob)}</script></body></html>'
        return 200, {"Content-Type": "text/html; charset=utf-8"}, html

    def _post_of(self, request: requests.PreparedRequest) -> tuple[str, int] | None:
        media_id = int(urlsplit(str(request.url)).path.split("/")[4])
        shortcode = Post.mediaid_to_shortcode(media_id)
        if shortcode not in self.comment_counts and shortcode not in self._extra_comments:
            return None
        return shortcode, media_id

    def _comment_page(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        post = self._post_of(request)
        if post is None:
            return 404, JSON_HEADERS, json.dumps({"message": "Media not found or unavailable", "status": "fail"})
        comments = self._comments(post[0])
        offset = int(_untoken(self._query(request)["min_id"])) if self._query(request).get("min_id") else 0
        page = [{k: v for k, v in c.items() if k != "_replies"} for c in comments[offset : offset + 10]]
        nxt = offset + 10
        body = {"comments": page, "comment_count": len(comments), "has_more_comments": nxt < len(comments),
                "next_min_id": _token(str(nxt)) if nxt < len(comments) else None, "status": "ok"}  # fmt: skip
        return self._ok(body)

    def _child_comments(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        post = self._post_of(request)
        parent_pk = urlsplit(str(request.url)).path.split("/")[6]
        parent = next((c for c in self._comments(post[0]) if c["pk"] == parent_pk), None) if post else None
        if parent is None:
            return 404, JSON_HEADERS, json.dumps({"message": "Comment not found", "status": "fail"})
        return self._ok({"child_comments": parent["_replies"], "child_comment_count": len(parent["_replies"]),
                         "has_more_tail_child_comments": False, "status": "ok"})  # fmt: skip
