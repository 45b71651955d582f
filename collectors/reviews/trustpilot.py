"""``trustpilot.reviews``: a business unit's reviews through Trustpilot's public Business Units API.

``GET {base_url}/business-units/{id}/reviews?orderBy=createdat.desc&perPage=&page=`` with the API key
in the ``apikey`` header (never in a logged URL). The answer is ``{"reviews": [...], "links": [{"rel":
"next-page", "href"}]}``; each review has ``id, stars, title, text, language, createdAt, consumer
{id, displayName, displayLocation}, isVerified, numberOfLikes, companyReply``. Star ratings are kept.
A run walks pages newest first and stops below the last run's newest review minus a slack window.
429 with Retry-After is a rate limit, 5xx and truncated bodies are retried, 401/403 mean a bad key.
Cursor::

    {"v": 1, "high_water": float, "seen": {review_id: created}, "run": null | {"page", "floor", "newest"}}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from collectors.base import Collector, Page, RawItem, SettingField
from collectors.errors import MappingError, TransientError
from collectors.incremental import as_float, floor_for, load_seen, prune_seen
from collectors.registry import register
from collectors.shapes import as_list, as_mapping, as_text
from ugc_hub.domain.posts import NormalizedAuthor, NormalizedPost
from ugc_hub.netguard import guarded_session

TRUSTPILOT_API = "https://api.trustpilot.com/v1"
MAX_PER_PAGE = 100


def parse_created(value: Any) -> datetime | None:
    """``2026-11-20T09:15:00Z`` or with milliseconds, as an aware UTC datetime."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def page_reviews(body: Any) -> tuple[list[Mapping[str, Any]], bool]:
    """The reviews of one answer and whether a next page is announced."""
    reviews = body.get("reviews") if isinstance(body, Mapping) else None
    if not isinstance(reviews, list):
        raise MappingError("Trustpilot: expected an object with a 'reviews' list; the API shape may have changed")
    more = any(as_mapping(link).get("rel") == "next-page" for link in as_list(as_mapping(body).get("links")))
    return [r for r in reviews if isinstance(r, Mapping)], more


@register
class TrustpilotReviewsCollector(Collector):
    """Reviews of one Trustpilot business unit, through the official API (needs an API key)."""

    key = "trustpilot.reviews"
    title = "Trustpilot reviews"
    platform = "trustpilot"
    description = "Reviews of the brand's Trustpilot business unit, with their star ratings, through Trustpilot's API."
    requires = ("requests",)
    concurrency_per_account = 1
    settings_schema = (
        SettingField("business_unit_id", "Business unit id", "str", required=True,
                     help="Find it with GET /v1/business-units/find?name=yourdomain.com."),
        SettingField("api_key", "API key", "secret", required=True, help="Stored encrypted."),
        SettingField("per_page", "Reviews per request (max 100)", "int", default=MAX_PER_PAGE, advanced=True),
        SettingField("max_pages", "Pages per run", "int", default=50, advanced=True),
        SettingField("slack_seconds", "Late-arrival window (seconds)", "int", default=86400, advanced=True),
        SettingField("timeout", "Request timeout (seconds)", "int", default=20, advanced=True),
        SettingField("base_url", "API base URL", "str", default=TRUSTPILOT_API, advanced=True),
    )  # fmt: skip

    def check_values(self, values: dict[str, Any]) -> list[str]:
        problems = []
        if not values["business_unit_id"].isalnum():
            problems.append("the Trustpilot business unit id is letters and digits")
        if not 1 <= values["per_page"] <= MAX_PER_PAGE:
            problems.append(f"reviews per request must be between 1 and {MAX_PER_PAGE}")
        return problems

    def account_key(self, settings: Mapping[str, Any]) -> str:
        return f"trustpilot:{settings.get('business_unit_id') or 'unset'}"

    def fetch(self, settings: Mapping[str, Any], cursor: Mapping[str, Any] | None) -> Iterator[Page]:
        import json

        from collectors.http import send

        values = self.resolve(settings)
        cursor = cursor or {}
        high_water = as_float(cursor.get("high_water"))
        seen = load_seen(cursor)
        run = as_mapping(cursor.get("run"))
        page = int(run.get("page") or 1)
        floor = as_float(run.get("floor")) if run else floor_for(high_water, float(values["slack_seconds"]))
        newest = as_float(run.get("newest")) if run else None
        url = f"{values['base_url'].rstrip('/')}/business-units/{values['business_unit_id']}/reviews"
        headers = {"apikey": values["api_key"], "Accept": "application/json"}
        with guarded_session() as session:
            for _ in range(values["max_pages"]):
                params = {"orderBy": "createdat.desc", "perPage": values["per_page"], "page": page}
                response = send(session, "GET", url, timeout=values["timeout"], what="Trustpilot reviews",
                                headers=headers, params=params)  # fmt: skip
                try:
                    body = json.loads(response.content)
                except ValueError as exc:
                    raise TransientError(f"Trustpilot sent an unreadable or truncated page {page}: {exc}") from exc
                reviews, more = page_reviews(body)
                items = []
                stamps = []
                for review in reviews:
                    created = parse_created(review.get("createdAt"))
                    ident = as_text(review.get("id"))
                    stamp = created.timestamp() if created else None
                    if stamp is not None:
                        stamps.append(stamp)
                        newest = stamp if newest is None else max(newest, stamp)
                    if ident is None or ident in seen or (floor is not None and stamp is not None and stamp < floor):
                        continue
                    seen[ident] = stamp if stamp is not None else (newest or 0.0)
                    items.append(RawItem(ident, dict(review)))
                done = not more or not reviews or (floor is not None and bool(stamps) and max(stamps) < floor)
                page += 1
                if done:
                    high_water = max(filter(None, (high_water, newest)), default=None)
                    keep_from = floor_for(high_water, float(values["slack_seconds"]))
                    yield Page(tuple(items), {"v": 1, "high_water": high_water, "seen": prune_seen(seen, keep_from),
                                              "run": None})  # fmt: skip
                    return
                state = {"page": page, "floor": floor, "newest": newest}
                yield Page(tuple(items), {"v": 1, "high_water": high_water, "seen": seen, "run": state})

    def map_item(self, item: RawItem) -> NormalizedPost:
        review = item.payload
        created = parse_created(review.get("createdAt"))
        if created is None:
            raise MappingError(f"Trustpilot review {item.platform_id}: 'createdAt' is missing or unreadable",
                               platform_id=item.platform_id)  # fmt: skip
        stars = review.get("stars")
        if isinstance(stars, bool) or not isinstance(stars, int | float) or not 1 <= stars <= 5:
            raise MappingError(f"Trustpilot review {item.platform_id}: 'stars' is missing or not 1-5 ({stars!r})",
                               platform_id=item.platform_id)  # fmt: skip
        consumer = as_mapping(review.get("consumer"))
        name = as_text(consumer.get("displayName"))
        consumer_id = as_text(consumer.get("id"))
        author = (
            NormalizedAuthor(
                handle=name or f"id:{consumer_id}",
                platform_user_id=consumer_id,
                display_name=name,
                profile_url=f"https://www.trustpilot.com/users/{consumer_id}" if consumer_id else None,
            )
            if name or consumer_id
            else None
        )
        likes = review.get("numberOfLikes")
        return NormalizedPost(
            platform="trustpilot",
            platform_id=item.platform_id,
            author=author,
            title=as_text(review.get("title")),
            text=as_text(review.get("text")) or "",
            permalink=f"https://www.trustpilot.com/reviews/{item.platform_id}",
            posted_at=created,
            metrics={"likes": likes} if isinstance(likes, int) and not isinstance(likes, bool) else {},
            language=as_text(review.get("language")),
            rating=float(stars),
            raw=dict(review),
        )
