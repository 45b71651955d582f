"""A fake Reddit API on 127.0.0.1 for driving the real praw/prawcore code offline.

It answers the OAuth token endpoint, subreddit search and ``new`` listings, comment trees,
``/api/info`` and ``/api/comment`` with Listing JSON shaped like Reddit's (field templates in
``data/reddit/``). Submissions are generated lazily and deterministically from an index, so it can
serve 50,000 of them quickly: index ``i`` has id ``base36(36**5 + i)`` and is created
``spacing`` seconds after index ``i - 1``; listings run newest first and paginate by ``after``.

Faults are queued with ``add_fault`` and consumed by the next matching requests.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

DATA = Path(__file__).parent / "data" / "reddit"
SUBMISSION_TEMPLATE: dict[str, Any] = json.loads((DATA / "submission.json").read_text())
COMMENT_TEMPLATE: dict[str, Any] = json.loads((DATA / "comment.json").read_text())
TOKEN_TEMPLATE: dict[str, Any] = json.loads((DATA / "token.json").read_text())
RATELIMIT_ERROR: dict[str, Any] = json.loads((DATA / "ratelimit_error.json").read_text())

SUBMISSION_OFFSET = 36**5
COMMENT_OFFSET = 36**6
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def base36(number: int) -> str:
    """Return ``number`` in Reddit's base-36 id alphabet."""
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = _DIGITS[rest] + out
        if not number:
            return out


@dataclass
class Fault:
    """A failure served instead of the normal answer to the next ``times`` matching requests.

    ``kind``: ``"429"`` (with Retry-After), ``"500"``, ``"503"``, ``"slow"`` (answers after
    ``delay`` seconds), ``"truncated"`` (half the JSON, consistent Content-Length),
    ``"ratelimit"`` (Reddit's RATELIMIT error for a write). ``after`` lets that many matching
    requests through first.
    """

    kind: str
    path: str = ""
    times: int = 1
    retry_after: int = 30
    delay: float = 2.0
    after: int = 0


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    authorization: str


@dataclass
class FakeReddit:
    """Deterministic Reddit with ``total`` submissions; use as a context manager."""

    total: int = 250
    spacing: float = 60.0
    newest: float = field(default_factory=lambda: float(int(time.time())))
    subreddits: tuple[str, ...] = ("acme", "gadgets")
    comments_every: int = 5
    deleted_posts: frozenset[int] = frozenset()
    deleted_authors: frozenset[int] = frozenset()
    changed_shape: frozenset[int] = frozenset()
    client_id: str = "test-client"
    client_secret: str = "test-secret"
    users: dict[str, str] = field(default_factory=lambda: {"acme_brand": "correct horse"})
    ratelimit_headers: tuple[int, int, int] | None = None

    def __post_init__(self) -> None:
        self._base_time = self.newest - (self.total - 1) * self.spacing
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._tokens: dict[str, str | None] = {}
        self._posted: dict[str, list[dict[str, Any]]] = {}
        self._posted_by_id: dict[str, dict[str, Any]] = {}
        self.requests: list[RecordedRequest] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> FakeReddit:
        """Serve on a free port of 127.0.0.1 in a background thread."""
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-reddit", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeReddit:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL to pass as praw's ``oauth_url``, ``reddit_url`` and ``short_url``."""
        assert self._server is not None, "call start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- test controls -----------------------------------------------------------------------
    def add_fault(self, kind: str, **kwargs: Any) -> Fault:
        """Queue a fault for the next matching requests."""
        fault = Fault(kind, **kwargs)
        with self._lock:
            self._faults.append(fault)
        return fault

    def add_submissions(self, count: int) -> None:
        """Publish ``count`` newer submissions at the top of every listing."""
        with self._lock:
            self.total += count

    def add_reply(self, parent_fullname: str, *, author: str, body: str, created_utc: float | None = None) -> str:
        """Post a comment as another user under a submission or comment; return its fullname."""
        return self._post_comment(parent_fullname, author=author, body=body, created_utc=created_utc)

    def submission_fullname(self, index: int) -> str:
        return f"t3_{base36(SUBMISSION_OFFSET + index)}"

    def created_utc(self, index: int) -> float:
        return self._base_time + index * self.spacing

    def paths(self, method: str | None = None) -> list[str]:
        """Return the paths requested so far (optionally of one method)."""
        return [r.path for r in self.requests if method is None or r.method == method]

    # -- generated content -------------------------------------------------------------------
    def index_of(self, submission_id: str) -> int | None:
        try:
            index = int(submission_id, 36) - SUBMISSION_OFFSET
        except ValueError:
            return None
        return index if 0 <= index < self.total else None

    def submission(self, index: int) -> dict[str, Any]:
        """Return the t3 ``data`` of submission ``index``."""
        sid = base36(SUBMISSION_OFFSET + index)
        sub = self.subreddits[index % len(self.subreddits)]
        slug = f"loving_my_acme_gadget_no_{index}"
        created = self.created_utc(index)
        author = f"user{index % 97}"
        text = f"Got the new #acme gadget today, post {index}. Thanks @acme_brand!"
        data = dict(SUBMISSION_TEMPLATE)
        data.update(
            id=sid,
            name=f"t3_{sid}",
            title=f"Loving my #acme gadget no. {index}",
            selftext=text,
            selftext_html=f'<!-- SC_OFF --><div class="md"><p>{text}</p>\n</div><!-- SC_ON -->',
            author=author,
            author_fullname=f"t2_{base36(5000 + index % 97)}",
            subreddit=sub,
            subreddit_name_prefixed=f"r/{sub}",
            domain=f"self.{sub}",
            permalink=f"/r/{sub}/comments/{sid}/{slug}/",
            url=f"https://www.reddit.com/r/{sub}/comments/{sid}/{slug}/",
            created_utc=created,
            created=created,
            score=index % 50,
            ups=index % 50,
            num_comments=len(self._comment_specs(index)) + len(self._posted.get(f"t3_{sid}", [])),
        )
        if index % 3 == 0:
            image = f"https://i.redd.it/{sid}.jpg"
            data.update(
                is_self=False,
                domain="i.redd.it",
                url=image,
                url_overridden_by_dest=image,
                post_hint="image",
                thumbnail=f"https://b.thumbs.redditmedia.com/{sid}.jpg",
                selftext="",
                selftext_html=None,
                preview={
                    "images": [
                        {
                            "source": {"url": f"https://preview.redd.it/{sid}.jpg?auto=webp", "width": 1080, "height": 1080},
                            "resolutions": [],
                            "variants": {},
                            "id": f"img{sid}",
                        }
                    ],
                    "enabled": True,
                },
            )
        if index in self.deleted_posts:
            data.update(author="[deleted]", selftext="[deleted]", selftext_html=None, removed_by_category="deleted")
            data.pop("author_fullname", None)
        elif index in self.deleted_authors:
            data["author"] = "[deleted]"
            data.pop("author_fullname", None)
        if index in self.changed_shape:
            data.pop("created_utc", None)
            data.pop("created", None)
        return data

    def _comment_specs(self, index: int) -> list[tuple[int, str]]:
        """Return (comment number, parent) pairs; comment 2 answers comment 1."""
        if self.comments_every <= 0 or index % self.comments_every:
            return []
        return [(0, "t3"), (1, "t3"), (2, "c1")]

    def _comment(self, index: int, number: int, parent: str) -> dict[str, Any]:
        sid = base36(SUBMISSION_OFFSET + index)
        cid = base36(COMMENT_OFFSET + index * 16 + number)
        sub = self.subreddits[index % len(self.subreddits)]
        parent_id = f"t3_{sid}" if parent == "t3" else f"t1_{base36(COMMENT_OFFSET + index * 16 + 1)}"
        body = f"Reply {number} about post {index}: where did you buy the #acme?"
        data = dict(COMMENT_TEMPLATE)
        data.update(
            id=cid,
            name=f"t1_{cid}",
            body=body,
            body_html=f'<div class="md"><p>{body}</p>\n</div>',
            author=f"commenter{number}",
            author_fullname=f"t2_{base36(9000 + number)}",
            parent_id=parent_id,
            link_id=f"t3_{sid}",
            subreddit=sub,
            subreddit_name_prefixed=f"r/{sub}",
            permalink=f"/r/{sub}/comments/{sid}/loving_my_acme_gadget_no_{index}/{cid}/",
            created_utc=self.created_utc(index) + 30 + number,
            created=self.created_utc(index) + 30 + number,
            depth=0 if parent == "t3" else 1,
        )
        if index in self.deleted_authors and number == 0:
            data["author"] = "[deleted]"
            data.pop("author_fullname", None)
        return data

    def _post_comment(self, parent: str, *, author: str, body: str, created_utc: float | None = None) -> str:
        with self._lock:
            link_id = parent
            if parent.startswith("t1_"):
                link_id = self._comment_by_fullname(parent)["link_id"]
            number = len(self._posted_by_id)
            cid = base36(COMMENT_OFFSET * 36 + number)
            sid = link_id[3:]
            created = created_utc if created_utc is not None else float(int(time.time()))
            data = dict(COMMENT_TEMPLATE)
            data.update(
                id=cid,
                name=f"t1_{cid}",
                body=body,
                body_html=f'<div class="md"><p>{body}</p>\n</div>',
                author=author,
                author_fullname=f"t2_{base36(zlib.crc32(author.encode()))}",
                parent_id=parent,
                link_id=link_id,
                permalink=f"/r/acme/comments/{sid}/_/{cid}/",
                created_utc=created,
                created=created,
            )
            self._posted.setdefault(parent, []).append(data)
            self._posted_by_id[data["name"]] = data
            return str(data["name"])

    def _comment_by_fullname(self, fullname: str) -> dict[str, Any]:
        if fullname in self._posted_by_id:
            return self._posted_by_id[fullname]
        number = int(fullname[3:], 36) - COMMENT_OFFSET
        index, which = divmod(number, 16)
        for spec_number, parent in self._comment_specs(index):
            if spec_number == which:
                return self._comment(index, spec_number, parent)
        raise KeyError(fullname)

    def _comment_tree(self, index: int) -> list[dict[str, Any]]:
        """Return the t1 children of a submission, replies nested like Reddit does."""
        sid = base36(SUBMISSION_OFFSET + index)
        nodes = [self._comment(index, n, p) for n, p in self._comment_specs(index)]
        nodes += [dict(c) for c in self._posted_by_id.values() if c["link_id"] == f"t3_{sid}"]
        by_parent: dict[str, list[dict[str, Any]]] = {}
        for node in nodes:
            by_parent.setdefault(node["parent_id"], []).append(node)

        def wrap(parent: str) -> list[dict[str, Any]]:
            children = []
            for node in by_parent.get(parent, []):
                replies = wrap(node["name"])
                node["replies"] = _listing(replies, after=None) if replies else ""
                children.append({"kind": "t1", "data": node})
            return children

        top = wrap(f"t3_{sid}")
        if top:
            top.append(
                {
                    "kind": "more",
                    "data": {"count": 0, "name": "t1__", "id": "_", "parent_id": f"t3_{sid}", "depth": 0, "children": []},
                }
            )
        return top

    # -- request handling --------------------------------------------------------------------
    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.path in path:
                    if fault.after > 0:
                        fault.after -= 1
                        return None
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _listing_page(self, query: dict[str, str]) -> dict[str, Any]:
        limit = max(1, min(int(query.get("limit") or 25), 100))
        start = self.total - 1
        after = query.get("after")
        if after:
            index = self.index_of(after.removeprefix("t3_"))
            start = -1 if index is None else index - 1
        indices = list(range(start, max(start - limit, -1), -1))
        children = [{"kind": "t3", "data": self.submission(i)} for i in indices]
        next_after = children[-1]["data"]["name"] if children and indices[-1] > 0 else None
        return _listing(children, after=next_after)

    def handle(self, method: str, path: str, query: dict[str, str], form: dict[str, str], auth: str) -> tuple[int, dict[str, str], Any]:
        """Route one request; return (status, headers, JSON body)."""
        parts = [p for p in path.split("/") if p]
        if parts == ["api", "v1", "access_token"]:
            return self._token(form, auth)
        token = auth.removeprefix("bearer ").strip() if auth.lower().startswith("bearer ") else ""
        if token not in self._tokens:
            return 401, {"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'}, {"message": "Unauthorized", "error": 401}
        if method == "GET" and len(parts) == 3 and parts[0] == "r" and parts[2] in ("search", "new"):
            return 200, {}, self._listing_page(query)
        if method == "GET" and parts and parts[0] == "comments" and len(parts) >= 2:
            return self._comments(parts[1])
        if method == "GET" and parts == ["api", "info"]:
            return 200, {}, self._info(query.get("id", ""))
        if method == "POST" and parts == ["api", "comment"]:
            user = self._tokens[token]
            if user is None:
                return 403, {}, {"message": "Forbidden", "error": 403}
            try:
                fullname = self._post_comment(form["thing_id"], author=user, body=form["text"])
            except KeyError:
                return 200, {}, {"json": {"errors": [["DELETED_COMMENT", "that comment has been deleted", "parent"]]}}
            return 200, {}, {"json": {"errors": [], "data": {"things": [{"kind": "t1", "data": self._posted_by_id[fullname]}]}}}
        return 404, {}, {"message": "Not Found", "error": 404}

    def _token(self, form: dict[str, str], auth: str) -> tuple[int, dict[str, str], Any]:
        expected = "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if auth != expected:
            return 401, {}, {"message": "Unauthorized", "error": 401}
        user: str | None = None
        if form.get("grant_type") == "password":
            if self.users.get(form.get("username", "")) != form.get("password"):
                return 200, {}, {"error": "invalid_grant"}
            user = form["username"]
        elif form.get("grant_type") != "client_credentials":
            return 200, {}, {"error": "unsupported_grant_type"}
        with self._lock:
            token = f"{'user' if user else 'app'}-token-{len(self._tokens) + 1}"
            self._tokens[token] = user
        return 200, {}, dict(TOKEN_TEMPLATE, access_token=token)

    def _comments(self, submission_id: str) -> tuple[int, dict[str, str], Any]:
        index = self.index_of(submission_id)
        if index is None:
            return 404, {}, {"message": "Not Found", "error": 404}
        submission = _listing([{"kind": "t3", "data": self.submission(index)}], after=None)
        return 200, {}, [submission, _listing(self._comment_tree(index), after=None)]

    def _info(self, ids: str) -> dict[str, Any]:
        children = []
        for fullname in filter(None, ids.split(",")):
            if fullname.startswith("t3_") and (index := self.index_of(fullname[3:])) is not None:
                children.append({"kind": "t3", "data": self.submission(index)})
            elif fullname.startswith("t1_"):
                try:
                    children.append({"kind": "t1", "data": self._comment_by_fullname(fullname)})
                except (KeyError, ValueError):
                    continue
        return _listing(children, after=None)


def _listing(children: Iterable[dict[str, Any]], *, after: str | None) -> dict[str, Any]:
    children = list(children)
    return {
        "kind": "Listing",
        "data": {"after": after, "dist": len(children), "modhash": "", "geo_filter": "", "children": children, "before": None},
    }


class _Handler(BaseHTTPRequestHandler):
    fake: FakeReddit
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY each response waits for
    # the client's delayed ACK (~40 ms), which would dominate a 50,000-item benchmark.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        split = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        form = {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}
        auth = self.headers.get("Authorization", "")
        fake = self.fake
        fake.requests.append(RecordedRequest(method, split.path, query, form, auth))
        fault = fake._take_fault(split.path)
        headers: dict[str, str] = {}
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
            fault = None
        if fault is not None and fault.kind == "429":
            status, headers, payload = 429, {"retry-after": str(fault.retry_after)}, {"message": "Too Many Requests", "error": 429}
        elif fault is not None and fault.kind in ("500", "503"):
            status, payload = int(fault.kind), {"message": "Internal Server Error", "error": int(fault.kind)}
        elif fault is not None and fault.kind == "ratelimit":
            status, payload = 200, RATELIMIT_ERROR
        else:
            status, headers, payload = fake.handle(method, split.path, query, form, auth)
        raw = json.dumps(payload).encode()
        if fault is not None and fault.kind == "truncated":
            raw = raw[: len(raw) // 2]
        if fake.ratelimit_headers is not None and "access_token" not in split.path:
            remaining, used, reset = fake.ratelimit_headers
            headers.update({"x-ratelimit-remaining": str(remaining), "x-ratelimit-used": str(used), "x-ratelimit-reset": str(reset)})
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(raw)))
            if self.close_connection:
                # The client asked for "Connection: close" (prawcore does for token requests);
                # say so, or it may reuse the socket we are about to close.
                self.send_header("Connection", "close")
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a timeout test); nothing left to answer.
            self.close_connection = True
