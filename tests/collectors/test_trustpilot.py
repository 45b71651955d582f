"""``trustpilot.reviews`` against a local fake of Trustpilot's Business Units API."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from collectors.base import Page
from collectors.errors import ConfigurationError, MappingError, RateLimited, TransientError
from collectors.reviews.trustpilot import TrustpilotReviewsCollector
from tests.fakes.trustpilot import FakeTrustpilot, review, sample_business

PLUGIN = TrustpilotReviewsCollector()


@pytest.fixture
def trustpilot() -> Iterator[FakeTrustpilot]:
    with sample_business(12) as fake:
        yield fake


def run(settings: dict[str, Any], cursor: dict[str, Any] | None = None) -> list[Page]:
    return list(PLUGIN.fetch(settings, json.loads(json.dumps(cursor)) if cursor else None))


def ids(pages: list[Page]) -> list[str]:
    return [i.platform_id for p in pages for i in p.items]


def test_reviews_are_paged_newest_first_with_stars_kept(trustpilot: FakeTrustpilot) -> None:
    pages = run(trustpilot.settings(per_page=5))
    assert ids(pages) == [r["id"] for r in trustpilot.reviews] and len(pages) == 3
    first = trustpilot.requests[0]
    assert first.query == {"orderBy": "createdat.desc", "perPage": "5", "page": "1"}
    assert "tp-key-123" not in json.dumps(
        [r.path for r in trustpilot.requests] + [r.query for r in trustpilot.requests]
    )
    posts = PLUGIN.map_items(pages[0].items).posts
    assert [p.rating for p in posts] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert posts[0].author is not None and posts[0].author.display_name == "Reviewer 0"
    assert posts[0].title == "Review 0" and posts[0].platform == "trustpilot" and posts[0].language == "en"
    assert pages[0].next_cursor["run"] == {
        "page": 2,
        "floor": None,
        "newest": pytest.approx(time.time() - 3600, abs=60),
    }
    assert pages[-1].next_cursor["run"] is None


def test_the_next_run_brings_only_new_reviews_and_stops_early(trustpilot: FakeTrustpilot) -> None:
    final = run(trustpilot.settings(per_page=5))[-1].next_cursor
    trustpilot.reviews.insert(0, review(100, at=time.time(), stars=5, text="<script>alert(1)</script> great"))
    asked = len(trustpilot.requests)
    again = run(trustpilot.settings(per_page=5), final)
    assert ids(again) == [trustpilot.reviews[0]["id"]]
    assert PLUGIN.map_items(again[0].items).posts[0].text == "<script>alert(1)</script> great"  # text, escaped later
    assert len(trustpilot.requests) - asked == 3  # the slack window (a day) reaches back over all 12 hourly reviews


def test_rate_limits_server_errors_bad_keys_and_changed_shapes(trustpilot: FakeTrustpilot) -> None:
    settings = trustpilot.settings(per_page=5)
    trustpilot.add_fault("429", retry_after=90, after=1)
    pages: list[Page] = []
    with pytest.raises(RateLimited) as limited:
        for page in PLUGIN.fetch(settings, None):
            pages.append(page)
    assert limited.value.retry_after_seconds == 90 and len(ids(pages)) == 5
    resumed = run(settings, pages[-1].next_cursor)
    assert sorted(ids(pages) + ids(resumed)) == sorted(r["id"] for r in trustpilot.reviews)

    trustpilot.add_fault("500")
    with pytest.raises(TransientError, match="500"):
        run(settings)
    trustpilot.add_fault("truncated")
    with pytest.raises(TransientError, match="truncated"):
        run(settings)
    with pytest.raises(ConfigurationError, match="401"):
        run({**settings, "api_key": "wrong"})
    broken = sample_business(1)
    broken.reviews[0].pop("stars")
    with broken:
        [page] = run(broken.settings())
    with pytest.raises(MappingError, match="stars"):
        PLUGIN.map_item(page.items[0])


def test_an_answer_without_a_reviews_list_is_a_shape_change() -> None:
    class Changed(FakeTrustpilot):
        def handle(self, request: Any) -> Any:
            return 200, {}, {"data": []}

    with Changed() as fake, pytest.raises(MappingError, match="'reviews' list"):
        run(fake.settings())
