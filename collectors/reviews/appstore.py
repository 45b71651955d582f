"""``appstore.reviews``: customer reviews from Apple's public review feed (JSON flavour of the RSS).

``{base_url}/{country}/rss/customerreviews/page={n}/id={app_id}/sortby=mostrecent/json`` gives
the 50 newest reviews per page, 10 pages at most, per country. A page with one review carries
``entry`` as an object instead of a list, and some feeds put the app itself first in ``entry``
(it has ``im:name`` and no ``im:rating``). Cursor::

    {"v": 1, "countries": {cc: {"high_water": float, "seen": {review_id: ts}}},
     "run": null | {"country", "page", "floor", "high_water", "seen"}}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from collectors.base import Collector, Page, RawItem, SettingField
from collectors.errors import MappingError, TransientError
from collectors.incremental import RunMarks, Watermark, as_float, floor_for, load_seen
from collectors.registry import register
from collectors.shapes import as_mapping
from ugc_hub.domain.posts import NormalizedAuthor, NormalizedPost
from ugc_hub.netguard import guarded_session

APPLE = "https://itunes.apple.com"
PAGE_SIZE = 50
MAX_PAGES = 10


def _label(entry: Mapping[str, Any], *keys: str) -> Any:
    value: Any = entry
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value.get("label") if isinstance(value, Mapping) else None


def review_entries(body: Any, where: str) -> list[Mapping[str, Any]]:
    """Return the review entries of a feed page (no entry at all means no reviews)."""
    feed = body.get("feed") if isinstance(body, Mapping) else None
    if not isinstance(feed, Mapping):
        raise MappingError(f"App Store {where}: expected an object with 'feed'; the feed shape may have changed")
    entries = feed.get("entry", [])
    if isinstance(entries, Mapping):
        entries = [entries]
    if not isinstance(entries, list):
        raise MappingError(f"App Store {where}: 'feed.entry' is neither a list nor an object")
    return [e for e in entries if isinstance(e, Mapping) and not ("im:name" in e and "im:rating" not in e)]


def parse_updated(value: Any) -> datetime | None:
    """Return the review date (``2024-05-01T10:00:00-07:00``) as an aware datetime."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@register
class AppStoreReviewsCollector(Collector):
    """Newest App Store reviews of one app, per country storefront."""

    key = "appstore.reviews"
    title = "App Store reviews"
    platform = "app_store"
    description = "Customer reviews of an iOS app from Apple's public review feed (the newest 500 per country)."
    requires = ("requests",)
    concurrency_per_account = 2
    settings_schema = (
        SettingField("app_id", "App id", "str", required=True, help="The number in the App Store URL (id123456789)."),
        SettingField("countries", "Countries", "list", default=["us"], help="Two-letter storefront codes."),
        SettingField("max_pages", "Pages per country per run (max 10)", "int", default=MAX_PAGES, advanced=True),
        SettingField("slack_seconds", "Late-arrival window (seconds)", "int", default=86400, advanced=True),
        SettingField("timeout", "Request timeout (seconds)", "int", default=20, advanced=True),
        SettingField("base_url", "Feed base URL", "str", default=APPLE, advanced=True),
    )

    def check_values(self, values: dict[str, Any]) -> list[str]:
        problems = []
        if not values["app_id"].removeprefix("id").isdigit():
            problems.append("the App Store app id must be a number")
        if any(len(c) != 2 or not c.isalpha() for c in values["countries"]):
            problems.append("countries must be two-letter codes")
        if not 1 <= values["max_pages"] <= MAX_PAGES:
            problems.append(f"pages per run must be between 1 and {MAX_PAGES}")
        return problems

    def account_key(self, settings: Mapping[str, Any]) -> str:
        return "app_store:public-feed"

    def fetch(self, settings: Mapping[str, Any], cursor: Mapping[str, Any] | None) -> Iterator[Page]:
        values = self.resolve(settings)
        app_id = values["app_id"].removeprefix("id")
        countries = list(dict.fromkeys(c.lower() for c in values["countries"])) or ["us"]
        slack = float(values["slack_seconds"])
        cursor = cursor or {}
        known = as_mapping(cursor.get("countries"))
        marks = {
            cc: Watermark(as_float(as_mapping(known.get(cc)).get("high_water")), load_seen(known.get(cc)))
            for cc in countries
        }
        run: Mapping[str, Any] | None = as_mapping(cursor.get("run")) or None  # {} means no run either
        start = countries.index(run["country"]) if run and run.get("country") in countries else 0
        with guarded_session() as session:
            for position in range(start, len(countries)):
                country = countries[position]
                resuming = run is not None and position == start and run.get("country") == country
                page = int(run.get("page") or 1) if resuming and run else 1
                run_marks = (
                    RunMarks.load(run) if resuming and run else RunMarks(floor_for(marks[country].high_water, slack))
                )
                while True:
                    entries = self._read_page(session, values, app_id, country, page)
                    items, reached_floor = [], False
                    for entry in entries:
                        review_id = _label(entry, "id")
                        updated = parse_updated(_label(entry, "updated"))
                        stamp = updated.timestamp() if updated else None
                        if stamp is not None and run_marks.floor is not None and stamp < run_marks.floor:
                            reached_floor = True  # skipped; the rest of the page is still read
                            continue
                        ident = str(review_id) if review_id else ""
                        if ident and marks[country].knows(ident, run_marks):
                            continue
                        if ident:
                            run_marks.mark(ident, stamp)
                        items.append(RawItem(ident, entry, {"country": country, "app_id": app_id}))
                    if not (reached_floor or len(entries) < PAGE_SIZE or page >= values["max_pages"]):
                        page += 1
                        yield Page(tuple(items), _cursor(marks, {"country": country, "page": page, **run_marks.dump()}))
                        continue
                    marks[country] = marks[country].absorb(run_marks, slack)
                    if position == len(countries) - 1:
                        yield Page(tuple(items), _cursor(marks, None))
                    else:
                        following = countries[position + 1]
                        first = RunMarks(floor_for(marks[following].high_water, slack))
                        yield Page(tuple(items), _cursor(marks, {"country": following, "page": 1, **first.dump()}))
                    break
                run = None

    def _read_page(
        self, session: Any, values: Mapping[str, Any], app_id: str, country: str, page: int
    ) -> list[Mapping[str, Any]]:
        from collectors.http import send

        where = f"reviews page {page} ({country})"
        url = f"{values['base_url'].rstrip('/')}/{country}/rss/customerreviews/page={page}/id={app_id}/sortby=mostrecent/json"
        response = send(session, "GET", url, timeout=values["timeout"], what=f"App Store {where}")
        try:
            body = response.json()
        except ValueError as exc:
            raise TransientError(f"App Store {where}: the answer is not complete JSON ({exc})") from exc
        return review_entries(body, where)

    def map_item(self, item: RawItem) -> NormalizedPost:
        return map_review(item.payload)


def _cursor(marks: Mapping[str, Watermark], run: Mapping[str, Any] | None) -> dict[str, Any]:
    return {
        "v": 1,
        "countries": {cc: {"high_water": m.high_water, "seen": dict(m.seen)} for cc, m in marks.items()},
        "run": dict(run) if run is not None else None,
    }


def map_review(entry: Mapping[str, Any]) -> NormalizedPost:
    """Map one review entry of Apple's feed to a post with its star rating."""
    review_id = _label(entry, "id")
    if not isinstance(review_id, str) or not review_id:
        raise MappingError("App Store review: 'id.label' is missing; the feed shape may have changed")
    rating_label = _label(entry, "im:rating")
    try:
        rating = float(rating_label)
    except (TypeError, ValueError):
        raise MappingError(
            f"App Store review {review_id}: 'im:rating.label' is not a number ({rating_label!r})", platform_id=review_id
        ) from None
    updated = parse_updated(_label(entry, "updated"))
    if updated is None:
        raise MappingError(
            f"App Store review {review_id}: 'updated.label' is missing or not a date", platform_id=review_id
        )
    name = _label(entry, "author", "name")
    uri = _label(entry, "author", "uri")
    link = entry.get("link")
    href = (link.get("attributes") or {}).get("href") if isinstance(link, Mapping) else None
    metrics = {}
    for key, label in (("vote_sum", "im:voteSum"), ("vote_count", "im:voteCount")):
        value = _label(entry, label)
        if isinstance(value, str) and value.lstrip("-").isdigit():
            metrics[key] = int(value)
    content = _label(entry, "content")
    title = _label(entry, "title")
    return NormalizedPost(
        platform="app_store",
        platform_id=review_id,
        author=NormalizedAuthor(handle=name, profile_url=uri if isinstance(uri, str) else None)
        if isinstance(name, str) and name
        else None,
        title=title if isinstance(title, str) else None,
        text=content if isinstance(content, str) else "",
        permalink=href if isinstance(href, str) else None,
        posted_at=updated,
        metrics=metrics,
        rating=rating,
        raw=dict(entry),
    )
