"""``googleplay.reviews``: newest Google Play reviews of an app, using google-play-scraper's
knowledge of the ``batchexecute`` request (``Formats.Reviews``) and of the review arrays
(``Regex.REVIEWS``, ``ElementSpecs.Review``).

The request itself is sent here with ``requests``: ``google_play_scraper.reviews()`` catches every
exception and returns ``[]``, so a network error would read as "no new reviews", and it has no
timeout. Importing google-play-scraper also replaces ``ssl``'s default HTTPS context with an
unverified one; ``_library()`` puts the verifying one back. Cursor::

    {"v": 1, "high_water": float, "seen": {review_id: ts},
     "run": null | {"token": str, "pages": int, "floor", "high_water", "seen"}}
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from collectors.base import RawItem, SettingField
from collectors.errors import ConfigurationError, MappingError, TransientError
from collectors.incremental import RunMarks, as_float
from collectors.listing import Listing, ListingCollector, ListingRun
from collectors.registry import register
from collectors.shapes import as_text
from ugc_hub.domain.posts import NormalizedAuthor, NormalizedPost
from ugc_hub.netguard import guarded_session

PLAY = "https://play.google.com"


def _library() -> SimpleNamespace:
    """Import the parts of google-play-scraper we use, undoing its global TLS downgrade."""
    saved = ssl._create_default_https_context
    try:
        from google_play_scraper import Sort
        from google_play_scraper.constants.element import ElementSpecs
        from google_play_scraper.constants.regex import Regex
        from google_play_scraper.constants.request import Formats
    finally:
        # google_play_scraper.utils.request sets ssl._create_default_https_context to the
        # unverified context at import, which would silently disable certificate checks for
        # every urllib user in the worker (feedparser included).
        ssl._create_default_https_context = saved
    return SimpleNamespace(Sort=Sort, ElementSpecs=ElementSpecs, Regex=Regex, Formats=Formats)


def parse_reviews(text: str, app_id: str) -> tuple[list[Any], str | None]:
    """Return the raw review arrays and the next-page token of a batchexecute answer."""
    lib = _library()
    found = lib.Regex.REVIEWS.findall(text)
    if not found:
        raise TransientError(
            f"Google Play reviews of {app_id}: the answer lacks the )]}}' envelope (truncated or blocked)"
        )
    try:
        envelope = json.loads(found[0])
    except json.JSONDecodeError as exc:
        raise TransientError(f"Google Play reviews of {app_id}: the answer is not complete JSON ({exc.msg})") from exc
    try:
        payload = envelope[0][2]
    except (IndexError, KeyError, TypeError):
        raise MappingError(
            f"Google Play reviews of {app_id}: unexpected envelope; the API shape may have changed"
        ) from None
    if payload is None:
        raise ConfigurationError(f"Google Play returned no review data for {app_id!r} (unknown app id?)")
    try:
        results = json.loads(payload)
    except (TypeError, json.JSONDecodeError):
        raise MappingError(f"Google Play reviews of {app_id}: the inner payload is not JSON") from None
    if not isinstance(results, list):
        raise MappingError(f"Google Play reviews of {app_id}: expected a list payload, got {type(results).__name__}")
    reviews = results[0] if results and isinstance(results[0], list) else []
    token = None
    # google-play-scraper reads the token at [-2][-1]; the web app at [1][1]. Accept either.
    for path in ((-2, -1), (1, 1)):
        try:
            candidate = results[path[0]][path[1]]
        except (IndexError, KeyError, TypeError):
            continue
        if isinstance(candidate, str) and candidate:
            token = candidate
            break
    return reviews, token


def reviews_url(lib: SimpleNamespace, base_url: str, *, lang: str, country: str) -> str:
    """The library's batchexecute address, under ``base_url`` instead of play.google.com."""
    url = str(lib.Formats.Reviews.build(lang=lang, country=country))
    return base_url.rstrip("/") + url.removeprefix(PLAY) if url.startswith(PLAY) else url


def _review_stamp(review: Any) -> float | None:
    try:
        return as_float(review[5][0])
    except (IndexError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class _Play:
    """What a run reads Google Play with: the library, the endpoint and the guarded session."""

    lib: Any
    url: str
    session: Any


@register
class GooglePlayReviewsCollector(ListingCollector):
    """Newest Google Play reviews of one app."""

    key = "googleplay.reviews"
    title = "Google Play reviews"
    platform = "google_play"
    description = "Reviews of an Android app on Google Play, newest first (unofficial endpoint; may break)."
    requires = ("google_play_scraper", "requests")
    concurrency_per_account = 1
    settings_schema = (
        SettingField("app_id", "App id", "str", required=True, help="The package name, e.g. com.acme.app."),
        SettingField(
            "lang",
            "Store language",
            "str",
            default="en",
            help="The language the store page is asked in, not the reviews'.",
        ),
        SettingField("country", "Country", "str", default="us"),
        SettingField("lookback_days", "First run: look back (days, 0 = no limit)", "int", default=90),
        SettingField("page_size", "Reviews per request", "int", default=100, advanced=True),
        SettingField("max_pages", "Requests per run", "int", default=20, advanced=True),
        SettingField("slack_seconds", "Late-arrival window (seconds)", "int", default=86400, advanced=True),
        SettingField("timeout", "Request timeout (seconds)", "int", default=20, advanced=True),
        SettingField("base_url", "Google Play base URL", "str", default=PLAY, advanced=True),
    )

    def check_values(self, values: dict[str, Any]) -> list[str]:
        problems = []
        if "." not in values["app_id"] or " " in values["app_id"]:
            problems.append("the Google Play app id is a package name such as com.acme.app")
        if not 1 <= values["page_size"] <= 200:
            problems.append("reviews per request must be between 1 and 200")
        if not values["base_url"].startswith(("https://", "http://")):
            problems.append("the Google Play base URL must start with https:// or http://")
        return problems

    def account_key(self, settings: Mapping[str, Any]) -> str:
        return "google_play:public"

    @contextmanager
    def open(self, values: Mapping[str, Any], cursor: Mapping[str, Any], now: datetime) -> Iterator[_Play]:
        lib = _library()
        url = reviews_url(lib, values["base_url"], lang=values["lang"], country=values["country"])
        with guarded_session() as session:
            yield _Play(lib, url, session)

    def read_page(self, context: _Play, values: Mapping[str, Any], run: ListingRun) -> Listing:
        from collectors.http import send

        app_id = values["app_id"]
        body = context.lib.Formats.Reviews.build_body(
            app_id, context.lib.Sort.NEWEST.value, values["page_size"], "null", "null", run.position
        )
        response = send(
            context.session,
            "POST",
            context.url,
            timeout=values["timeout"],
            what=f"Google Play reviews of {app_id}",
            headers={"content-type": "application/x-www-form-urlencoded"},
            data=body,
        )
        reviews, token = parse_reviews(response.text, app_id)
        return Listing(reviews, token)

    def identify(self, entry: Any) -> tuple[str, float | None]:
        review_id = entry[0] if isinstance(entry, list) and entry and isinstance(entry[0], str) else ""
        return review_id, _review_stamp(entry)

    def raw_items(
        self, context: _Play, values: Mapping[str, Any], entry: Any, item_id: str, stamp: float | None
    ) -> list[RawItem]:
        payload = {"review": entry, "app_id": values["app_id"], "lang": values["lang"], "country": values["country"]}
        return [RawItem(item_id, payload)]

    def run_is_over(self, values: Mapping[str, Any], run: ListingRun) -> bool:
        return run.pages >= values["max_pages"]

    def load_run(self, stored: Mapping[str, Any]) -> ListingRun:
        marks = RunMarks.load(stored)
        token = stored.get("token") if isinstance(stored.get("token"), str) else None
        return ListingRun(
            marks.floor, marks.high_water, marks.seen, position=token, pages=int(stored.get("pages") or 0)
        )

    def dump_run(self, run: ListingRun) -> dict[str, Any]:
        return {"token": run.position, "pages": run.pages, **run.dump()}

    def map_item(self, item: RawItem) -> NormalizedPost:
        return map_play_review(item.payload)


def map_play_review(payload: Mapping[str, Any]) -> NormalizedPost:
    """Map ``{"review": <raw array>, "app_id", ...}`` to a post with its star rating."""
    review = payload.get("review") if isinstance(payload, Mapping) else None
    if not isinstance(review, list):
        raise MappingError("Google Play review: the raw review array is missing")
    fields = {
        key: spec.extract_content(review)
        for key, spec in _library().ElementSpecs.Review.items()
        if key not in ("at", "repliedAt")
    }
    review_id = fields.get("reviewId")
    if not isinstance(review_id, str) or not review_id:
        raise MappingError("Google Play review: no review id at [0]; the API shape may have changed")
    score = fields.get("score")
    if isinstance(score, bool) or not isinstance(score, int | float):
        raise MappingError(f"Google Play review {review_id}: no star rating at [2] ({score!r})", platform_id=review_id)
    stamp = _review_stamp(review)
    if stamp is None:
        raise MappingError(f"Google Play review {review_id}: no timestamp at [5][0]", platform_id=review_id)
    name = fields.get("userName")
    app_id = payload.get("app_id")
    thumbs = fields.get("thumbsUpCount")
    return NormalizedPost(
        platform="google_play",
        platform_id=review_id,
        author=NormalizedAuthor(handle=name) if isinstance(name, str) and name else None,
        text=as_text(fields.get("content")) or "",
        permalink=f"{PLAY}/store/apps/details?id={app_id}&reviewId={review_id}" if isinstance(app_id, str) else None,
        posted_at=datetime.fromtimestamp(stamp, UTC),
        metrics={"thumbs_up": thumbs} if isinstance(thumbs, int) and not isinstance(thumbs, bool) else {},
        # ``lang`` is the store language the request asked for, not the review's: a Spanish review
        # read through an English store page stays unknown here, and the hub detects it (lingua).
        language=None,
        rating=float(score),
        raw=dict(payload),
    )
