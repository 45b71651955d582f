"""The demo posts are recorded platform payloads mapped by the real collectors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from collectors import registry
from collectors.reviews.trustpilot import TrustpilotReviewsCollector
from tests.fakes.trustpilot import FakeTrustpilot
from ugc_hub.models import Post, db
from ugc_hub.services.demo import DEMO_FILE, load_demo, recorded_post
from ugc_hub.services.storage import storage_from_config

RECORDS = [json.loads(line) for line in DEMO_FILE.read_text(encoding="utf-8").splitlines()]


def test_every_recorded_payload_maps_through_its_collector() -> None:
    kinds = {r["collector"] for r in RECORDS}
    assert kinds == {"instagram.hashtag", "reddit.search", "trustpilot.reviews"}
    posts = [recorded_post(r) for r in RECORDS]
    assert len({p.platform_id for p in posts}) == len(RECORDS) == 30
    by_platform = {p.platform for p in posts}
    assert by_platform == {registry.get(k).platform for k in kinds}
    first = posts[0]
    assert first.platform_id == "demo-instagram-001" and first.author is not None and first.author.handle == "trailkate"
    assert first.permalink == "https://www.instagram.com/p/demo-instagram-001/"
    reviews = [p for p in posts if p.platform == "trustpilot"]
    assert reviews and all(p.rating in (1.0, 2.0, 3.0, 4.0, 5.0) for p in reviews)
    assert all(p.platform_id.startswith("t3_") for p in posts if p.platform == "reddit")


def test_recorded_reviews_are_what_the_collector_fetches_from_the_api() -> None:
    recorded = [r for r in RECORDS if r["collector"] == "trustpilot.reviews"]
    plugin = TrustpilotReviewsCollector()
    with FakeTrustpilot(reviews=[r["payload"] for r in recorded]) as fake:
        items = [item for page in plugin.fetch(fake.settings(per_page=4), None) for item in page.items]
    assert [plugin.map_item(i) for i in items] == [recorded_post(r) for r in recorded]


def test_the_demo_loads_once_and_again_changes_nothing(app: Flask) -> None:
    def load() -> Any:
        return load_demo(
            db.session, email="demo@example.com", password="demo password 123",
            instance_path=Path(app.instance_path), storage=storage_from_config(app.config),
        )  # fmt: skip

    assert load().posts.new == 30
    assert load().posts.new == 0
    assert db.session.scalar(select(func.count()).select_from(Post)) == 30
    kate = db.session.scalars(select(Post).where(Post.platform_id == "demo-instagram-001")).one()
    assert kate.media and kate.media[0]["url"] == "media/demo/demo-instagram-001.jpg"
