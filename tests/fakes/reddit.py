"""A fake Reddit API on 127.0.0.1 for driving the real praw/prawcore code offline.

It answers the OAuth token endpoint, subreddit search and ``new`` listings, comment trees,
``/api/info`` and ``/api/comment`` with Listing JSON shaped like Reddit's (field templates in
``data/reddit/``). ``take_down`` deletes or removes a submission or comment after the fact. Submissions are generated lazily and deterministically from an index, so it can
serve 50,000 of them quickly: index ``i`` has id ``base36(36**5 + i)`` and is created
``spacing`` seconds after index ``i - 1``; listings run newest first and paginate by ``after``.

Faults are queued with ``add_fault`` and consumed by the next matching requests.
"""

from __future__ import annotations

import argparse
import base64
import json
import threading
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fakes.server import Fault, JsonServer, RecordedRequest, Response
from ugc_hub.netguard import allowing_private_addresses

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
class FakeReddit:
    """Deterministic Reddit with ``total`` submissions; use as a context manager."""

    total: int = 250
    spacing: float = 60.0
    newest: float = field(default_factory=lambda: float(int(time.time())))
    subreddits: tuple[str, ...] = ("acme", "gadgets")
    comments_every: int = 5
    deleted_posts: frozenset[int] = frozenset()
    deleted_authors: frozenset[int] = frozenset()
    #: Submissions a moderator removed: "[removed]" body, ``removed_by_category="moderator"``.
    removed_posts: frozenset[int] = frozenset()
    #: Submissions whose first comment was removed ("[removed]") and second deleted ("[deleted]").
    deleted_comments: frozenset[int] = frozenset()
    #: Submissions marked ``over_18``.
    over_18: frozenset[int] = frozenset()
    changed_shape: frozenset[int] = frozenset()
    #: Titles that replace the generated one, by index: hostile text such as a lone UTF-16 surrogate,
    #: which JSON allows (``"\\ud83d"``) but no database can store.
    titles: dict[int, str] = field(default_factory=dict)
    client_id: str = "test-client"
    client_secret: str = "test-secret"
    users: dict[str, str] = field(default_factory=lambda: {"acme_brand": "correct horse"})
    ratelimit_headers: tuple[int, int, int] | None = None
    #: When set, a comment tree shows only this many top-level comments and a "load more comments"
    #: stub listing the rest, which ``/api/morechildren`` then serves (as Reddit does for long threads).
    comments_page: int | None = None

    def __post_init__(self) -> None:
        self._base_time = self.newest - (self.total - 1) * self.spacing
        self._lock = threading.Lock()
        self._tokens: dict[str, str | None] = {}
        self._posted: dict[str, list[dict[str, Any]]] = {}
        self._posted_by_id: dict[str, dict[str, Any]] = {}
        self._taken_down: dict[str, str] = {}
        self._http = JsonServer(self.handle, self._fault_answer)

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> FakeReddit:
        """Serve on a free port of 127.0.0.1 in a background thread."""
        self._http.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._http.stop()

    def __enter__(self) -> FakeReddit:
        # The fake listens on 127.0.0.1, which the hub's address guard refuses outside tests.
        self._loopback = allowing_private_addresses()
        self._loopback.__enter__()
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self._loopback.__exit__(None, None, None)
        self.stop()

    @property
    def url(self) -> str:
        """Base URL to pass as praw's ``oauth_url``, ``reddit_url`` and ``short_url``."""
        return self._http.url

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far."""
        return self._http.requests

    # -- test controls -----------------------------------------------------------------------
    def add_fault(self, kind: str, **kwargs: Any) -> Fault:
        """Queue a fault (see ``tests.fakes.server.Fault``; ``"ratelimit"`` answers a write with
        Reddit's RATELIMIT error) for the next matching requests."""
        fault = Fault(kind, **kwargs)
        self._http.add_fault(fault)
        return fault

    def add_submissions(self, count: int) -> None:
        """Publish ``count`` newer submissions at the top of every listing."""
        with self._lock:
            self.total += count

    def add_reply(
        self,
        parent_fullname: str,
        *,
        author: str,
        body: str,
        created_utc: float | None = None,
        author_fullname: str | None = None,
        edited: float | None = None,
    ) -> str:
        """Post a comment as another user under a submission or comment; return its fullname.

        ``author_fullname`` overrides the account id derived from the name (a look-alike account
        with the same display name); ``edited`` marks the comment as edited at that epoch.
        """
        fullname = self._post_comment(parent_fullname, author=author, body=body, created_utc=created_utc)
        with self._lock:
            data = self._posted_by_id[fullname]
            if author_fullname is not None:
                data["author_fullname"] = author_fullname
            if edited is not None:
                data["edited"] = edited
        return fullname

    def edit_reply(self, fullname: str, *, body: str, edited: float | None = None) -> None:
        """Change a posted comment's text as its author would; Reddit then sets ``edited``."""
        with self._lock:
            data = self._posted_by_id[fullname]
            data.update(
                body=body,
                body_html=f'<div class="md"><p>{body}</p>\n</div>',
                edited=edited if edited is not None else float(int(time.time())),
            )

    def take_down(self, fullname: str, how: str = "deleted") -> None:
        """Take a submission or comment down as Reddit shows it afterwards.

        ``deleted``: by its author (body and author "[deleted]", ``removed_by_category`` "deleted");
        ``removed``: by a moderator (body "[removed]", ``removed_by_category`` "moderator", author kept);
        ``author_deleted``: the author's account is gone (author "[deleted]", text kept);
        ``purged``: ``/api/info`` no longer returns it at all.
        """
        if how not in ("deleted", "removed", "author_deleted", "purged"):
            raise ValueError(f"unknown take-down {how!r}")
        with self._lock:
            self._taken_down[fullname] = how

    def _taken_down_view(self, data: dict[str, Any]) -> dict[str, Any]:
        how = self._taken_down.get(str(data.get("name")))
        if how is None or how == "purged":
            return data
        body = "selftext" if data.get("name", "").startswith("t3_") else "body"
        data = dict(data)
        if how in ("deleted", "author_deleted"):
            data["author"] = "[deleted]"
            data.pop("author_fullname", None)
        if how in ("deleted", "removed"):
            data.update({body: f"[{how}]", f"{body}_html": None})
            data["removed_by_category"] = "deleted" if how == "deleted" else "moderator"
        return data

    @staticmethod
    def author_fullname_of(author: str) -> str:
        """The account id the fake gives a user who posts through ``add_reply`` or the API."""
        return f"t2_{base36(zlib.crc32(author.encode()))}"

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
                            "source": {
                                "url": f"https://preview.redd.it/{sid}.jpg?auto=webp",
                                "width": 1080,
                                "height": 1080,
                            },
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
        elif index in self.removed_posts:
            data.update(selftext="[removed]", selftext_html=None, removed_by_category="moderator")
        elif index in self.deleted_authors:
            data["author"] = "[deleted]"
            data.pop("author_fullname", None)
        if index in self.over_18:
            data["over_18"] = True

        if index in self.titles:
            data["title"] = self.titles[index]
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
        if index in self.deleted_comments and number in (0, 1):
            gone = "[removed]" if number == 0 else "[deleted]"
            data.update(body=gone, body_html=f'<div class="md"><p>{gone}</p>\n</div>', author="[deleted]")
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
                author_fullname=self.author_fullname_of(author),
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

    def _comment_tree(self, index: int, *, paged: bool = True) -> list[dict[str, Any]]:
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
        if paged and self.comments_page is not None and len(top) > self.comments_page:
            hidden = top[self.comments_page :]
            top = top[: self.comments_page]
            ids = [node["id"] for node in _flatten(hidden)]
            top.append(
                {
                    "kind": "more",
                    "data": {
                        "count": len(ids),
                        "name": f"t1_{ids[0]}",
                        "id": ids[0],
                        "parent_id": f"t3_{sid}",
                        "depth": 0,
                        "children": ids,
                    },
                }
            )
            return top
        if top:
            top.append(
                {
                    "kind": "more",
                    "data": {
                        "count": 0,
                        "name": "t1__",
                        "id": "_",
                        "parent_id": f"t3_{sid}",
                        "depth": 0,
                        "children": [],
                    },
                }
            )
        return top

    # -- request handling --------------------------------------------------------------------
    def _listing_page(self, query: dict[str, str]) -> dict[str, Any]:
        limit = max(1, min(int(query.get("limit") or 25), 100))
        start = self.total - 1
        after = query.get("after")
        if after:
            index = self.index_of(after.removeprefix("t3_"))
            start = -1 if index is None else index - 1
        indices = list(range(start, max(start - limit, -1), -1))
        children: list[dict[str, Any]] = [{"kind": "t3", "data": self.submission(i)} for i in indices]
        next_after = self.submission_fullname(indices[-1]) if indices and indices[-1] > 0 else None
        return _listing(children, after=next_after)

    def handle(self, request: RecordedRequest) -> Response:
        """Answer one request: route it, then add the rate-limit headers of the API if set."""
        status, headers, body = self._route(request)
        if self.ratelimit_headers is not None and request.path != "/api/v1/access_token":
            remaining, used, reset = self.ratelimit_headers
            headers = {
                **headers,
                "x-ratelimit-remaining": str(remaining),
                "x-ratelimit-used": str(used),
                "x-ratelimit-reset": str(reset),
            }
        return status, headers, body

    def _route(self, request: RecordedRequest) -> Response:
        method, path, query, form, auth = (
            request.method,
            request.path,
            request.query,
            request.form,
            request.authorization,
        )
        parts = [p for p in path.split("/") if p]
        if parts == ["api", "v1", "access_token"]:
            return self._token(form, auth)
        token = auth.removeprefix("bearer ").strip() if auth.lower().startswith("bearer ") else ""
        if token not in self._tokens:
            return (
                401,
                {"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'},
                {"message": "Unauthorized", "error": 401},
            )
        if method == "GET" and len(parts) == 3 and parts[0] == "r" and parts[2] in ("search", "new"):
            return 200, {}, self._listing_page(query)
        if method == "GET" and parts and parts[0] == "comments" and len(parts) >= 2:
            return self._comments(parts[1])
        if method == "GET" and parts == ["api", "info"]:
            return 200, {}, self._info(query.get("id", ""))
        if method == "POST" and parts == ["api", "morechildren"]:
            return 200, {}, self._more_children(form)
        if method == "POST" and parts == ["api", "comment"]:
            user = self._tokens[token]
            if user is None:
                return 403, {}, {"message": "Forbidden", "error": 403}
            try:
                fullname = self._post_comment(form["thing_id"], author=user, body=form["text"])
            except KeyError:
                return 200, {}, {"json": {"errors": [["DELETED_COMMENT", "that comment has been deleted", "parent"]]}}
            return (
                200,
                {},
                {"json": {"errors": [], "data": {"things": [{"kind": "t1", "data": self._posted_by_id[fullname]}]}}},
            )
        return 404, {}, {"message": "Not Found", "error": 404}

    def _fault_answer(self, fault: Fault, request: RecordedRequest) -> Response:
        if fault.kind == "ratelimit":
            return 200, {}, RATELIMIT_ERROR
        raise ValueError(f"unknown fault {fault.kind!r}")

    def _token(self, form: dict[str, str], auth: str) -> Response:
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

    def _comments(self, submission_id: str) -> Response:
        index = self.index_of(submission_id)
        if index is None:
            return 404, {}, {"message": "Not Found", "error": 404}
        submission = _listing([{"kind": "t3", "data": self.submission(index)}], after=None)
        return 200, {}, [submission, _listing(self._comment_tree(index), after=None)]

    def _more_children(self, form: dict[str, str]) -> dict[str, Any]:
        """Answer ``/api/morechildren``: the asked comments, flat, each with its ``parent_id`` (Reddit's shape)."""
        index = self.index_of(form.get("link_id", "").removeprefix("t3_"))
        wanted = set(filter(None, form.get("children", "").split(",")))
        things = []
        if index is not None:
            for node in _flatten(self._comment_tree(index, paged=False)):
                if node["id"] in wanted:
                    things.append({"kind": "t1", "data": dict(node, replies="")})
        return {"json": {"errors": [], "data": {"things": things}}}

    def _info(self, ids: str) -> dict[str, Any]:
        """Reddit's ``/api/info``: the things that still exist, in the order asked; the others are left out."""
        children = []
        for fullname in filter(None, ids.split(",")):
            if self._taken_down.get(fullname) == "purged":
                continue
            if fullname.startswith("t3_") and (index := self.index_of(fullname[3:])) is not None:
                children.append({"kind": "t3", "data": self._taken_down_view(self.submission(index))})
            elif fullname.startswith("t1_"):
                try:
                    children.append({"kind": "t1", "data": self._taken_down_view(self._comment_by_fullname(fullname))})
                except (KeyError, ValueError):
                    continue
        return _listing(children, after=None)


def _flatten(children: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the ``data`` of every t1 in a nested comment listing, parents before their replies."""
    found = []
    for child in children:
        if child.get("kind") != "t1":
            continue
        found.append(child["data"])
        replies = child["data"].get("replies")
        if isinstance(replies, dict):
            found.extend(_flatten(replies["data"]["children"]))
    return found


def _listing(children: Iterable[dict[str, Any]], *, after: str | None) -> dict[str, Any]:
    children = list(children)
    return {
        "kind": "Listing",
        "data": {
            "after": after,
            "dist": len(children),
            "modhash": "",
            "geo_filter": "",
            "children": children,
            "before": None,
        },
    }


def main() -> None:
    """Serve a fake Reddit until interrupted (for benchmarks running the fake in its own process)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=50_000, help="number of submissions")
    parser.add_argument("--comments-every", type=int, default=0, help="every n-th submission has comments (0: none)")
    args = parser.parse_args()
    fake = FakeReddit(total=args.total, comments_every=args.comments_every).start()
    print(json.dumps({"url": fake.url, "client_id": fake.client_id, "client_secret": fake.client_secret}), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
