"""Instagram answered through ``responses``, for driving the real instaloader code offline.

``FakeInstagram.install(rsps)`` registers callbacks for the endpoints instaloader 4.16 calls for
hashtags (``i.instagram.com/api/v1/tags/web_info/``, ``www.instagram.com/explore/tags/<tag>/``),
tagged posts (``graphql/query`` profile doc_id and ``query_hash`` pages, the anonymous
``web_profile_info`` and the profile HTML page) and comments (iPhone ``media/<id>/comments/``).
Bodies are built from the shapes in ``data/instagram/``; posts are generated from an index.

Faults are queued with ``add_fault(kind, path=..., times=...)``; kinds: ``429``, ``500``,
``timeout``, ``truncated``, ``login_redirect``, ``checkpoint``, ``please_wait`` (401),
``login_required`` (403), ``feedback``, ``not_found``, ``changed_shape``, and the checkpoint answers
Instagram gives with a success status: ``challenge_redirect`` (302 to ``/challenge/?next=…``),
``login_required_200`` (200 ``{"status": "fail", "message": "login_required"}``) and ``login_page``
(200, the HTML login page).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import requests
import responses
from instaloader import Post

from tests.fakes.instagram_content import PROFILE, InstagramContent, load, token, untoken

LOGIN_PAGE = (
    '<!DOCTYPE html><html lang="en"><head><title>Login \u2022 Instagram</title></head><body>'
    '<form id="loginForm" method="post" action="/accounts/login/ajax/">'
    '<input name="username" type="text"><input name="password" type="password">'
    '<button type="submit">Log in</button></form></body></html>'
)
ERROR_BODIES = {
    "checkpoint": (400, load("checkpoint.json")),
    "please_wait": (401, load("please_wait.json")),
    "login_required": (403, load("login_required.json")),
    "feedback": (400, load("feedback_required.json")),
    "429": (429, {"message": "Please wait a few minutes before you try again.", "status": "fail"}),
    "not_found": (404, {"message": "Page not found", "status": "fail"}),
}
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


@dataclass
class IgFault:
    kind: str
    path: str = ""
    times: int = 1


@dataclass
class FakeInstagram(InstagramContent):
    """Instagram's endpoints for ``InstagramContent``, with queued faults."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self._faults: list[IgFault] = []

    def add_fault(self, kind: str, *, path: str = "", times: int = 1) -> None:
        """Serve fault ``kind`` to the next ``times`` requests whose URL contains ``path``."""
        self._faults.append(IgFault(kind, path, times))

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
            if fault.kind == "challenge_redirect":
                path = urlsplit(url).path
                return 302, {"location": f"https://www.instagram.com/challenge/?next={quote(path, safe='')}"}, ""
            if fault.kind == "login_required_200":
                return 200, JSON_HEADERS, json.dumps(load("login_required.json"))
            if fault.kind == "login_page":
                return 200, {"Content-Type": "text/html; charset=utf-8"}, LOGIN_PAGE
            if fault.kind == "truncated":
                status, headers, body = handler(request)
                return status, headers, body[: len(body) // 2]
            if fault.kind == "changed_shape":
                return (
                    200,
                    JSON_HEADERS,
                    json.dumps({"data": {"recent": {"items": []}, "top": {"items": []}}, "status": "ok"}),
                )
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
            "id": "17843826142012701",
            "name": self.tag,
            "media_count": self.recent_total,
            "formatted_media_count": str(self.recent_total),
            "search_result_subtitle": f"{self.recent_total} posts",
            "profile_pic_url": "",
            "is_following": False,
            "allow_following": True,
            "top": self._top_page(0),
            "recent": self._recent_page(self.recent_total - 1),
        }
        return self._ok({"data": data, "status": "ok"})

    def _explore(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        section, _, position = untoken(self._query(request)["max_id"]).partition(":")
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
        start = int(untoken(variables["after"])) if variables.get("after") else self.tagged_total - 1
        first = int(variables.get("first", 12))
        indices = [i for i in range(start, start - first, -1) if i >= 0]
        nxt = start - first
        edges = [{"node": self.tagged_node(i)} for i in indices]
        page_info = {"has_next_page": nxt >= 0, "end_cursor": token(str(nxt)) if nxt >= 0 else None}
        conn = {"count": self.tagged_total, "page_info": page_info, "edges": edges}
        return self._ok({"data": {"user": {"edge_user_to_photos_of_you": conn}}, "status": "ok"})

    def _web_profile_info(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        if self._query(request).get("username") != self.account:
            return 404, JSON_HEADERS, json.dumps({"message": "User not found", "status": "fail"})
        user = {
            "id": self.account_id,
            "username": self.account,
            "full_name": "ACME Gadgets",
            "is_private": False,
            "edge_followed_by": {"count": 48213},
            "edge_follow": {"count": 312},
            "edge_owner_to_timeline_media": {"count": 1204},
        }
        return self._ok({"data": {"user": user}, "status": "ok"})

    def _profile_page(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        user = {
            "pk": self.account_id,
            "id": "fake-relay-id",
            "username": self.account,
            "full_name": "ACME Gadgets",
            "is_private": False,
        }
        blob = {
            "require": [
                [
                    "ScheduledServerJS",
                    "handle",
                    None,
                    [{"__bbox": {"result": {"data": {"xig_user_by_username": user}}}}],
                ]
            ]
        }
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
        offset = int(untoken(self._query(request)["min_id"])) if self._query(request).get("min_id") else 0
        page = [{k: v for k, v in c.items() if k != "_replies"} for c in comments[offset : offset + 10]]
        nxt = offset + 10
        body = {
            "comments": page,
            "comment_count": len(comments),
            "has_more_comments": nxt < len(comments),
            "next_min_id": token(str(nxt)) if nxt < len(comments) else None,
            "status": "ok",
        }
        return self._ok(body)

    def _child_comments(self, request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        post = self._post_of(request)
        parent_pk = urlsplit(str(request.url)).path.split("/")[6]
        parent = next((c for c in self._comments(post[0]) if c["pk"] == parent_pk), None) if post else None
        if parent is None:
            return 404, JSON_HEADERS, json.dumps({"message": "Comment not found", "status": "fail"})
        return self._ok(
            {
                "child_comments": parent["_replies"],
                "child_comment_count": len(parent["_replies"]),
                "has_more_tail_child_comments": False,
                "status": "ok",
            }
        )
