"""A fake Instagram Graph API on 127.0.0.1 for the Graph collectors: hashtag search, hashtag media,
``tags``, ``mentioned_media`` and ``debug_token``, with Graph's paging and error objects.

Shapes follow Meta's reference: ``{"data": [...], "paging": {"cursors": {"before", "after"}, "next"}}``;
media objects carry ``id, caption, media_type, media_url, permalink, timestamp`` (``+0000`` offsets),
``like_count, comments_count`` and, outside hashtag search, ``username``. Meta's weekly limit of 30
unique hashtags per account is enforced and answered with the error object below (code 100, subcode
2207034: "the maximum number of hashtags has been reached").

Faults (``add_fault``): ``rate_limit`` (code 4 with an ``X-Business-Use-Case-Usage`` header asking to
wait ``retry_minutes``), ``expired_token`` (190/463), plus the server's ``500``/``429``/``truncated``.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.fakes.instagram_graph import ERRORS, VERSION
from tests.fakes.server import Fault, JsonServer, RecordedRequest, Response
from ugc_hub.netguard import allowing_private_addresses

HASHTAG_LIMIT = 30
WEEK = 7 * 86400


def graph_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def media(ident: int, *, shortcode: str, caption: str, at: float, username: str | None = None) -> dict[str, Any]:
    """One media object as Graph returns it."""
    obj: dict[str, Any] = {
        "id": str(17_900_000_000_000_000 + ident),
        "caption": caption,
        "media_type": "IMAGE",
        "media_url": f"https://scontent.cdninstagram.com/v/t51/{shortcode}.jpg",
        "permalink": f"https://www.instagram.com/p/{shortcode}/",
        "timestamp": graph_time(at),
        "like_count": ident % 17,
        "comments_count": ident % 5,
    }
    if username is not None:
        obj["username"] = username
    return obj


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    return int(base64.urlsafe_b64decode(cursor.encode()).decode().split(":", 1)[1])


@dataclass
class FakeGraphMedia:
    """One business account ``user_id``: hashtags with their recent/top media, tagged media, mentions."""

    user_id: str = "17841400000000001"
    token: str = "EAAG-graph-collector-token"
    recent: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    top: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    tagged: list[dict[str, Any]] = field(default_factory=list)  # newest first, as Graph lists them
    mentions: dict[str, dict[str, Any]] = field(default_factory=dict)
    token_expires_at: float = 0.0  # 0 = never, as debug_token says
    token_valid: bool = True
    page_size_cap: int = 3
    retry_minutes: int = 12

    def __post_init__(self) -> None:
        self.searches: dict[str, float] = {}  # hashtag -> first search, Meta's budget
        self._lock = threading.Lock()
        self._http = JsonServer(self.handle, self._fault)

    def __enter__(self) -> FakeGraphMedia:
        self._http.start()
        # The fake listens on 127.0.0.1, which the hub's address guard refuses outside tests.
        self._loopback = allowing_private_addresses()
        self._loopback.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._loopback.__exit__(None, None, None)
        self._http.stop()

    @property
    def url(self) -> str:
        return f"{self._http.url}/{VERSION}"

    @property
    def requests(self) -> list[RecordedRequest]:
        return self._http.requests

    def add_fault(self, kind: str, **kwargs: Any) -> Fault:
        fault = Fault(kind, **kwargs)
        self._http.add_fault(fault)
        return fault

    def hashtag_id(self, tag: str) -> str:
        return str(17_843_000_000_000_000 + sum(ord(c) * 31**i for i, c in enumerate(tag)) % 10**12)

    def settings(self, **extra: Any) -> dict[str, Any]:
        return {"graph_access_token": self.token, "graph_user_id": self.user_id, "graph_url": self.url, **extra}

    # -- requests ---------------------------------------------------------------------------------
    def handle(self, request: RecordedRequest) -> Response:
        parts = [p for p in request.path.split("/") if p]
        if not parts or parts[0] != VERSION:
            return self._error(400, "Unknown path components", "OAuthException", 2500)
        if request.authorization != f"Bearer {self.token}":
            status, body = ERRORS["expired_token"]
            return status, {}, {"error": {**body, "fbtrace_id": "AbCdEfG00001"}}
        node = parts[1] if len(parts) > 1 else ""
        edge = parts[2] if len(parts) > 2 else ""
        if node == "debug_token":
            return self._debug_token(request)
        if node == "ig_hashtag_search":
            return self._search(request)
        if edge in ("recent_media", "top_media"):
            return self._hashtag_media(node, edge, request)
        if node == self.user_id and edge == "tags":
            return self._page(self.tagged, request)
        if node == self.user_id and not edge and "mentioned_media" in request.query.get("fields", ""):
            return self._mentioned(request)
        return self._error(400, "Unsupported get request.", "GraphMethodException", 100)

    def _debug_token(self, request: RecordedRequest) -> Response:
        if request.query.get("input_token") != self.token:
            return self._error(400, "Invalid OAuth access token - Cannot parse access token", "OAuthException", 190)
        return 200, {}, {
            "data": {
                "app_id": "1234567890", "type": "USER", "application": "Acme UGC",
                "data_access_expires_at": int(self.token_expires_at or time.time() + 90 * 86400),
                "expires_at": int(self.token_expires_at), "is_valid": self.token_valid,
                "scopes": ["instagram_basic", "instagram_manage_comments", "pages_read_engagement"],
                "user_id": "10158000000000000",
            }
        }  # fmt: skip

    def _search(self, request: RecordedRequest) -> Response:
        if request.query.get("user_id") != self.user_id:
            return self._error(400, "(#100) The parameter user_id is required", "OAuthException", 100)
        tag = request.query.get("q", "").lower()
        now = time.time()
        with self._lock:
            live = {t: at for t, at in self.searches.items() if now - at < WEEK}
            if tag not in live and len(live) >= HASHTAG_LIMIT:
                return 400, {}, {"error": {
                    "message": "(#100) You have reached the maximum number of hashtags you can query in 7 days",
                    "type": "OAuthException", "code": 100, "error_subcode": 2207034,
                    "error_user_title": "Hashtag limit reached", "fbtrace_id": "AbCdEfG00002",
                }}  # fmt: skip
            live.setdefault(tag, now)
            self.searches = live
        if tag not in self.recent and tag not in self.top:
            return 200, {}, {"data": []}
        return 200, {}, {"data": [{"id": self.hashtag_id(tag)}]}

    def _hashtag_media(self, hashtag_id: str, edge: str, request: RecordedRequest) -> Response:
        if request.query.get("user_id") != self.user_id:
            return self._error(400, "(#100) The parameter user_id is required", "OAuthException", 100)
        source = self.recent if edge == "recent_media" else self.top
        tag = next((t for t in [*self.recent, *self.top] if self.hashtag_id(t) == hashtag_id), None)
        if tag is None:
            return self._error(400, f"Unsupported get request. Object with ID '{hashtag_id}' does not exist",
                               "GraphMethodException", 100)  # fmt: skip
        items = [{k: v for k, v in m.items() if k != "username"} for m in source.get(tag, [])]  # authors withheld
        return self._page(items, request)

    def _mentioned(self, request: RecordedRequest) -> Response:
        fields = request.query["fields"]
        media_id = fields.split("media_id(", 1)[1].split(")", 1)[0]
        found = self.mentions.get(media_id)
        if found is None:
            return self._error(400, f"Unsupported get request. Object with ID '{media_id}' does not exist",
                               "GraphMethodException", 100)  # fmt: skip
        return 200, {}, {"mentioned_media": found, "id": self.user_id}

    def _page(self, items: list[dict[str, Any]], request: RecordedRequest) -> Response:
        size = min(int(request.query.get("limit") or 25), self.page_size_cap)
        start = _offset(request.query.get("after"))
        page = items[start : start + size]
        paging: dict[str, Any] = {"cursors": {"before": _cursor(start), "after": _cursor(start + len(page))}}
        if start + size < len(items):
            query = {k: v for k, v in request.query.items() if k != "after"}
            query["after"] = _cursor(start + size)
            paging["next"] = f"{self._http.url}{request.path}?" + "&".join(f"{k}={v}" for k, v in query.items())
        return 200, {}, {"data": page, "paging": paging}

    def _error(self, status: int, message: str, kind: str, code: int) -> Response:
        return status, {}, {"error": {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEfG00003"}}

    def _fault(self, fault: Fault, request: RecordedRequest) -> Response:
        if fault.kind == "rate_limit":
            usage = {self.user_id: [{"type": "instagram", "call_count": 100, "total_cputime": 12, "total_time": 30,
                                     "estimated_time_to_regain_access": self.retry_minutes}]}  # fmt: skip
            status, body = ERRORS["rate_limit"]
            return status, {"X-Business-Use-Case-Usage": json.dumps(usage)}, {"error": {**body, "fbtrace_id": "AbC4"}}
        status, body = ERRORS[fault.kind]
        return status, {}, {"error": {**body, "fbtrace_id": "AbC5"}}


def sample_account() -> FakeGraphMedia:
    """A business account with two hashtags, tagged posts and one @mention (for contract tests and the demo)."""
    now = time.time()
    recent = [media(n, shortcode=f"gacme{n:03d}", caption=f"Camp night {n} #acme", at=now - 900 * n) for n in range(7)]
    top = [
        media(40 + n, shortcode=f"gtop{n:03d}", caption=f"Best of #acme {n}", at=now - 86400 * (n + 2))
        for n in range(2)
    ]
    camp = [media(60 + n, shortcode=f"gcamp{n:03d}", caption=f"#acmecamp day {n}", at=now - 1200 * n) for n in range(2)]
    tagged = [
        media(80 + n, shortcode=f"gtag{n:03d}", caption=f"With @acme {n}", at=now - 5400 * n, username=f"fan_{n}")
        for n in range(5)
    ]
    mention = media(99, shortcode="gment001", caption="Thanks @acme!", at=now - 300, username="happy_camper")
    return FakeGraphMedia(
        recent={"acme": recent, "acmecamp": camp}, top={"acme": top}, tagged=tagged, mentions={mention["id"]: mention}
    )
