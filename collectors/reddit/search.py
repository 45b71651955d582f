"""``reddit.search``: new submissions (and their comments) matching the brand's terms.

One page per search listing page (newest first, paginated by ``after``). Cursor::

    {"v": 1, "high_water": <created_utc of the newest item ever>,
     "seen": {fullname: created_utc} inside the slack window,
     "run": null | {"after": fullname, "floor": float|null, "high_water": float|null,
                    "seen": {...}, "items": int}}

``run`` is set while a run is under way, so a crashed run resumes at ``after``. A new run walks
down to ``high_water - slack`` (search results can appear late) and skips ids already in
``seen``. Comments are read when their submission is first collected.

Refresh: submissions younger than ``refresh_hours`` are kept in ``recent`` ({fullname: [created,
num_comments]}); a new run whose last refresh is older than ``refresh_minutes`` first re-reads them
with ``/api/info`` (100 per request), so their score and comment counts move, and re-reads the comments
of those whose ``num_comments`` grew (known comments are updated, new ones added). ``refreshed_at``
says when that last happened.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from collectors.base import Page, RawItem, SettingField
from collectors.errors import ConfigurationError, MappingError
from collectors.incremental import RunMarks, as_float
from collectors.listing import Listing, ListingCollector, ListingRun
from collectors.reddit.mapping import map_thing
from collectors.reddit.settings import CREDENTIAL_FIELDS, credential_problems
from collectors.registry import register
from collectors.shapes import as_mapping
from ugc_hub.domain.posts import NormalizedPost


def build_query(terms: list[str]) -> str:
    """Return a lucene query matching any term; Reddit search ignores '#', so tags become words."""
    parts: list[str] = []
    for term in terms:
        bare = term.strip().lstrip("#").replace('"', "").strip()
        if bare and f'"{bare}"' not in parts:
            parts.append(f'"{bare}"')
    return " OR ".join(parts)


@register
class RedditSearchCollector(ListingCollector):
    """Search chosen subreddits (or all of Reddit) for the brand's terms, newest first."""

    key = "reddit.search"
    title = "Reddit search"
    platform = "reddit"
    description = (
        "New Reddit submissions that mention the brand's terms or hashtags, with their comments. "
        "Needs an approved Reddit API app (read-only client credentials; a script app to post replies)."
    )
    requires = ("praw", "prawcore")
    # Reddit's free tier allows ~100 requests/minute per OAuth client: one run per app at a time.
    concurrency_per_account = 1
    exists_batch_size = 100
    # Results come newest first: only the ones inside the slack window of this run's newest item can
    # reappear in the next run, so older ones are dropped as the run goes on.
    prune_run_seen = True
    settings_schema = (
        SettingField(
            "terms", "Terms and hashtags", "list", required=True, help="One per line; '#' is ignored by Reddit search."
        ),
        SettingField(
            "subreddits", "Subreddits", "list", default=["all"], help="Names without r/; 'all' searches all of Reddit."
        ),
        SettingField("include_comments", "Collect comments of new submissions", "bool", default=True),
        SettingField("max_comments", "Comments read per submission", "int", default=200, advanced=True),
        SettingField("lookback_days", "First run: look back (days, 0 = no limit)", "int", default=0),
        SettingField("slack_seconds", "Late-arrival window (seconds)", "int", default=3600, advanced=True),
        SettingField(
            "max_items", "Stop a run after this many submissions (0 = no limit)", "int", default=0, advanced=True
        ),
        SettingField("page_size", "Results per request (max 100)", "int", default=100, advanced=True),
        SettingField(
            "refresh_hours",
            "Refresh scores and comments of submissions younger than (hours, 0 = never)",
            "int",
            default=48,
            advanced=True,
        ),
        SettingField("refresh_minutes", "Refresh at most every (minutes)", "int", default=60, advanced=True),
        SettingField("refresh_limit", "Submissions refreshed per run", "int", default=200, advanced=True),
        *CREDENTIAL_FIELDS,
    )

    def check_values(self, values: dict[str, Any]) -> list[str]:
        problems = []
        if not build_query(values["terms"]):
            problems.append("at least one search term is needed")
        if not 1 <= values["page_size"] <= 100:
            problems.append("results per request must be between 1 and 100")
        return problems + credential_problems(values)

    def account_key(self, settings: Mapping[str, Any]) -> str:
        return f"reddit:{settings.get('client_id') or 'unset'}"

    @contextmanager
    def open(self, values: Mapping[str, Any], cursor: Mapping[str, Any], now: datetime) -> Iterator[_Search]:
        from collectors.reddit.client import build_reddit

        refresh = _Refresh.load(cursor, values, now.timestamp())
        subreddits = [s.removeprefix("r/") for s in values["subreddits"]] or ["all"]
        path = f"r/{'+'.join(subreddits)}/search/"
        yield _Search(build_reddit(values), path, build_query(values["terms"]), subreddits, refresh)

    def pages_before(self, context: _Search, values: Mapping[str, Any], cursor: Mapping[str, Any]) -> Iterator[Page]:
        refresh = context.refresh
        if refresh.due:
            for refreshed in refresh.pages(context.reddit, values):
                yield Page(tuple(refreshed), refresh.stamp(dict(cursor), done=False))
            refresh.done = True

    def read_page(self, context: _Search, values: Mapping[str, Any], run: ListingRun) -> Listing:
        from collectors.reddit.client import reddit_errors

        params: dict[str, str | int] = {
            "q": context.query,
            "sort": "new",
            "syntax": "lucene",
            "t": "all",
            "limit": values["page_size"],
            "include_over_18": "on",
        }
        if context.subreddits != ["all"]:
            params["restrict_sr"] = "on"
        if run.position:
            params["after"] = run.position
        with reddit_errors("searching Reddit"):
            listing = context.reddit.request(method="GET", path=context.path, params=params)
        children, after = _listing_children(listing, "search results")
        return Listing(children, after)

    def identify(self, entry: Any) -> tuple[str, float | None] | None:
        data = entry.get("data") if isinstance(entry, Mapping) else None
        if not isinstance(data, Mapping) or entry.get("kind") != "t3":
            return None
        return str(data.get("name") or f"t3_{data.get('id')}"), as_float(data.get("created_utc"))

    def raw_items(
        self, context: _Search, values: Mapping[str, Any], entry: Any, item_id: str, stamp: float | None
    ) -> list[RawItem]:
        data = entry["data"]
        items = [RawItem(item_id, entry, {"query": context.query})]
        context.refresh.remember(item_id, stamp, data.get("num_comments"))
        if values["include_comments"] and _positive(data.get("num_comments")):
            items.extend(_comment_items(context.reddit, data, values["max_comments"]))
        return items

    def run_is_over(self, values: Mapping[str, Any], run: ListingRun) -> bool:
        return values["max_items"] > 0 and run.items >= values["max_items"]

    def load_run(self, stored: Mapping[str, Any]) -> ListingRun:
        marks = RunMarks.load(stored)
        after = stored.get("after") if isinstance(stored.get("after"), str) else None
        return ListingRun(
            marks.floor, marks.high_water, marks.seen, position=after, items=int(stored.get("items") or 0)
        )

    def dump_run(self, run: ListingRun) -> dict[str, Any]:
        return {"after": run.position, **run.dump(), "items": run.items}

    def decorate(self, cursor: dict[str, Any], context: _Search, *, done: bool) -> dict[str, Any]:
        return context.refresh.stamp(cursor, done=done)

    def map_item(self, item: RawItem) -> NormalizedPost:
        return map_thing(item.payload)

    def check_exists(self, settings: Mapping[str, Any], platform_ids: Sequence[str]) -> dict[str, str | None]:
        from collectors.reddit.existence import check_exists

        return check_exists(settings, platform_ids)


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _listing_children(listing: Any, what: str) -> tuple[list[Any], str | None]:
    data = listing.get("data") if isinstance(listing, Mapping) else None
    children = data.get("children") if isinstance(data, Mapping) else None
    if not isinstance(children, list):
        raise MappingError(f"Reddit {what}: expected a Listing with data.children, got {type(listing).__name__}")
    after = data.get("after") if isinstance(data, Mapping) else None
    return children, after if isinstance(after, str) and after else None


def _comment_items(reddit: Any, submission: Mapping[str, Any], limit: int) -> list[RawItem]:
    """Return the comments of one submission as raw t1 things (nested replies flattened)."""
    import prawcore.exceptions

    from collectors.reddit.client import reddit_errors

    link_id = str(submission.get("name"))
    try:
        with reddit_errors(f"reading the comments of {link_id}"):
            tree = reddit.request(
                method="GET", path=f"comments/{submission.get('id')}/", params={"sort": "new", "limit": limit}
            )
    except ConfigurationError as exc:
        # A submission deleted between the search and this request is not worth failing the run.
        if isinstance(exc.__cause__, prawcore.exceptions.NotFound):
            return []
        raise
    if not isinstance(tree, list) or len(tree) != 2:
        raise MappingError(f"Reddit comments of {link_id}: expected [submission listing, comment listing]")
    items: list[RawItem] = []

    def walk(listing: Any) -> None:
        children, _ = _listing_children(listing, f"comments of {link_id}")
        for child in children:
            data = child.get("data") if isinstance(child, Mapping) else None
            if child.get("kind") != "t1" or not isinstance(data, Mapping):
                continue  # "more" stubs: the rest of a long thread is not fetched
            replies = data.get("replies")
            # The payload is the comment as Reddit sent it, minus the nested replies, which
            # become items of their own.
            thing = {"kind": "t1", "data": {k: v for k, v in data.items() if k != "replies"}}
            items.append(RawItem(str(data.get("name")), thing, {"link_id": link_id}))
            if isinstance(replies, Mapping):
                walk(replies)

    walk(tree[1])
    return items


@dataclass(frozen=True)
class _Search:
    """What a search run reads Reddit with."""

    reddit: Any
    path: str
    query: str
    subreddits: list[str]
    refresh: _Refresh


class _Refresh:
    """Recent submissions whose metrics and comments a run re-reads, and when it last did."""

    def __init__(
        self, recent: dict[str, list[float]], refreshed_at: float | None, values: Mapping[str, Any], now: float
    ) -> None:
        self.window = float(values["refresh_hours"]) * 3600
        self.recent = {k: v for k, v in recent.items() if now - v[0] < self.window}
        self.refreshed_at = refreshed_at
        self.now = now
        self.due = (
            bool(self.recent)
            and self.window > 0
            and (refreshed_at is None or now - refreshed_at >= float(values["refresh_minutes"]) * 60)
        )
        self.done = False

    @classmethod
    def load(cls, cursor: Mapping[str, Any] | None, values: Mapping[str, Any], now: float) -> _Refresh:
        recent: dict[str, list[float]] = {}
        for fullname, pair in as_mapping((cursor or {}).get("recent")).items():
            if isinstance(pair, list) and len(pair) == 2 and all(as_float(v) is not None for v in pair):
                recent[str(fullname)] = [float(pair[0]), float(pair[1])]
        return cls(recent, as_float((cursor or {}).get("refreshed_at")), values, now)

    def remember(self, fullname: str, created: float | None, comments: Any) -> None:
        if created is not None and self.window > 0 and self.now - created < self.window:
            self.recent[fullname] = [created, float(comments) if _positive(comments) else 0.0]

    def stamp(self, cursor: dict[str, Any], *, done: bool) -> dict[str, Any]:
        """The cursor with the refresh state; ``refreshed_at`` moves once the refresh is complete."""
        refreshed = self.now if (self.done or (done and not self.due)) else self.refreshed_at
        return {**cursor, "recent": dict(self.recent), "refreshed_at": refreshed}

    def pages(self, reddit: Any, values: Mapping[str, Any]) -> Iterator[list[RawItem]]:
        """Re-read recent submissions (newest first), and the comments of those that gained some."""
        from collectors.reddit.client import reddit_errors

        names = sorted(self.recent, key=lambda k: self.recent[k][0], reverse=True)[: values["refresh_limit"]]
        for start in range(0, len(names), 100):
            chunk = names[start : start + 100]
            with reddit_errors("refreshing recent submissions"):
                listing = reddit.request(method="GET", path="api/info/", params={"id": ",".join(chunk)})
            children, _ = _listing_children(listing, "refreshed submissions")
            items: list[RawItem] = []
            for child in children:
                data = child.get("data") if isinstance(child, Mapping) else None
                if child.get("kind") != "t3" or not isinstance(data, Mapping) or data.get("name") not in self.recent:
                    continue
                fullname = str(data["name"])
                items.append(RawItem(fullname, child, {"refresh": True}))
                comments = as_float(data.get("num_comments")) or 0.0
                if values["include_comments"] and comments > self.recent[fullname][1]:
                    items.extend(_comment_items(reddit, data, values["max_comments"]))
                    self.recent[fullname][1] = float(comments)
            yield items
