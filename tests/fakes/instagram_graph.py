"""A fake Instagram Graph API on 127.0.0.1 (real sockets, driven by ``requests``) for posting comments.

Serves ``POST /{ig-user-id}/mentions`` (media_id, message), ``POST /{media-id}/comments`` (message),
``POST /{comment-id}/replies`` (message) and ``GET /{ig-user-id}/media?fields=id,shortcode`` (paged with
``paging.cursors`` and ``paging.next``) under a version prefix, answering ``{"id": ...}`` or Graph error
objects ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``. A comment posted on a
post the fake can place (``own_media``, ``mentioned``) is handed to ``on_comment(shortcode, text)``, so a
``FakeInstagram`` can show it under the post.

Fault kinds for ``add_fault``: ``expired_token`` (190/463), ``rate_limit`` (4), ``permission`` (10),
``comments_disabled`` (100/33 on a known object) and the server's ``500``/``429``/``truncated``/``slow``.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.server import Fault, JsonServer, RecordedRequest, Response
from ugc_hub.netguard import allowing_private_addresses

VERSION = "v21.0"
ERRORS: dict[str, tuple[int, dict[str, Any]]] = {
    "expired_token": (
        400,
        {
            "message": "Error validating access token: Session has expired on Sunday, 22-Nov-26 10:00:00 PST. "
            "The current time is Sunday, 22-Nov-26 16:00:00 PST.",
            "type": "OAuthException",
            "code": 190,
            "error_subcode": 463,
        },
    ),
    "rate_limit": (
        400,
        {
            "message": "(#4) Application request limit reached",
            "type": "OAuthException",
            "code": 4,
            "is_transient": True,
        },
    ),
    "permission": (
        403,
        {"message": "(#10) Application does not have permission for this action", "type": "OAuthException", "code": 10},
    ),
    "comments_disabled": (
        400,
        {
            "message": "Unsupported post request. Object with ID '0' does not exist, cannot be loaded due to "
            "missing permissions, or does not support this operation.",
            "type": "GraphMethodException",
            "code": 100,
            "error_subcode": 33,
        },
    ),
}


def _error(kind: str, trace: int) -> Response:
    status, body = ERRORS[kind]
    return (
        status,
        {"www-authenticate": 'OAuth "Facebook Platform" "invalid_request"'},
        {"error": {**body, "fbtrace_id": f"AbCdEfG{trace:05d}"}},
    )


@dataclass
class FakeGraph:
    """The brand's professional account ``user_id`` with its media and the media that @mention it."""

    user_id: str = "17841400000000001"
    token: str = "EAAG-fake-token"
    own_media: dict[str, str] = field(default_factory=dict)  # graph media id -> shortcode
    mentioned: dict[str, str] = field(default_factory=dict)  # graph media id -> shortcode
    page_size: int = 2
    on_comment: Callable[[str, str], object] | None = None

    def __post_init__(self) -> None:
        self.comments: list[dict[str, str]] = []
        self._ids = itertools.count(17_900_000_000_000_001)
        self._traces = itertools.count(1)
        self._lock = threading.Lock()
        self._http = JsonServer(self.handle, self._fault_answer)

    def start(self) -> FakeGraph:
        self._http.start()
        return self

    def stop(self) -> None:
        self._http.stop()

    def __enter__(self) -> FakeGraph:
        # The fake listens on 127.0.0.1, which the hub's address guard refuses outside tests.
        self._loopback = allowing_private_addresses()
        self._loopback.__enter__()
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self._loopback.__exit__(None, None, None)

    @property
    def url(self) -> str:
        """The ``graph_url`` setting (host and version)."""
        return f"{self._http.url}/{VERSION}"

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._http.requests

    def add_fault(self, kind: str, **kwargs: Any) -> Fault:
        fault = Fault(kind, **kwargs)
        self._http.add_fault(fault)
        return fault

    def settings(self, **extra: Any) -> dict[str, Any]:
        """Source settings pointing the Instagram channel's Graph route at this fake."""
        return {"graph_access_token": self.token, "graph_user_id": self.user_id, "graph_url": self.url, **extra}

    # -- request handling --------------------------------------------------------------------
    def handle(self, request: RecordedRequest) -> Response:
        parts = [p for p in request.path.split("/") if p]
        if not parts or parts[0] != VERSION:
            return (
                400,
                {},
                {
                    "error": {
                        "message": "Unknown path components",
                        "type": "OAuthException",
                        "code": 2500,
                        "fbtrace_id": "AbCdEfG00000",
                    }
                },
            )
        if request.authorization != f"Bearer {self.token}":
            return _error("expired_token", next(self._traces))
        node, edge = (parts[1], parts[2]) if len(parts) == 3 else (parts[1] if len(parts) > 1 else "", "")
        if request.method == "GET" and node == self.user_id and edge == "media":
            return self._media_page(request)
        if request.method == "POST" and node == self.user_id and edge == "mentions":
            media_id = request.form.get("media_id", "")
            if media_id not in self.mentioned:
                return _error("comments_disabled", next(self._traces))
            return self._comment(self.mentioned[media_id], request.form.get("message", ""), on=media_id)
        if request.method == "POST" and edge == "comments":
            if node not in self.own_media:
                return _error("comments_disabled", next(self._traces))
            return self._comment(self.own_media[node], request.form.get("message", ""), on=node)
        if request.method == "POST" and edge == "replies":
            parent = next((c for c in self.comments if c["id"] == node), None)
            if parent is None:
                return _error("comments_disabled", next(self._traces))
            return self._comment(parent["shortcode"], request.form.get("message", ""), on=node)
        return (
            400,
            {},
            {
                "error": {
                    "message": "Unsupported request",
                    "type": "GraphMethodException",
                    "code": 100,
                    "fbtrace_id": f"AbCdEfG{next(self._traces):05d}",
                }
            },
        )

    def _comment(self, shortcode: str, message: str, *, on: str) -> Response:
        if not message.strip():
            return (
                400,
                {},
                {
                    "error": {
                        "message": "(#100) The parameter message is required",
                        "type": "OAuthException",
                        "code": 100,
                        "fbtrace_id": f"AbCdEfG{next(self._traces):05d}",
                    }
                },
            )
        with self._lock:
            comment_id = str(next(self._ids))
            self.comments.append({"id": comment_id, "on": on, "shortcode": shortcode, "message": message})
        if self.on_comment is not None:
            self.on_comment(shortcode, message)
        return 200, {}, {"id": comment_id}

    def _media_page(self, request: RecordedRequest) -> Response:
        items = list(self.own_media.items())
        start = int(request.query.get("after") or 0)
        page = items[start : start + self.page_size]
        data = [{"id": media_id, "shortcode": code} for media_id, code in page]
        paging: dict[str, Any] = {"cursors": {"before": str(start), "after": str(start + len(page))}}
        if start + self.page_size < len(items):
            paging["next"] = (
                f"{self.url}/{self.user_id}/media?fields=id,shortcode&limit={self.page_size}&after={start + self.page_size}"
            )
        return 200, {}, {"data": data, "paging": paging}

    def _fault_answer(self, fault: Fault, request: RecordedRequest) -> Response:
        return _error(fault.kind, next(self._traces))
