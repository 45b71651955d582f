"""Sentiment in the inbox and the API: badge, filter, and keyset pages sorted by score."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from tests.test_api import bearer
from tests.test_inbox import ids_in
from tests.test_ingest import make_post
from ugc_hub.models import Post, PostSentiment, db
from ugc_hub.services.ingest import ingest_posts

# Scores chosen so that ties (-0.5 twice, 0.0 twice) test the id tie-break; post 7 stays unscored.
SCORES = [-0.5, 0.8, 0.0, -0.9, -0.5, 0.0, 0.3]


def label(score: float) -> str:
    return "negative" if score < -0.2 else "positive" if score > 0.2 else "neutral"


def seed_scored(workspace: Any) -> list[int]:
    posts = [make_post(n, text=f"post {n}", language="en" if n else None) for n in range(len(SCORES) + 1)]
    ids = ingest_posts(db.session, posts, workspace_id=workspace.id).post_ids
    now = datetime(2026, 11, 2, tzinfo=UTC)
    for post_id, score in zip(ids, SCORES, strict=False):
        db.session.add(
            PostSentiment(
                post_id=post_id, label=label(score), score=score, model="m", model_version="m@1", scored_at=now
            )
        )
    db.session.commit()
    return ids


def expected(ids: list[int], *, ascending: bool) -> list[int]:
    pairs = sorted(zip(SCORES, ids[: len(SCORES)], strict=True), reverse=not ascending)
    return [post_id for _, post_id in pairs]


def walk(client: Any, url: str) -> list[int]:
    seen: list[int] = []
    next_url: str | None = url
    while next_url:
        html = client.get(next_url).text
        seen.extend(ids_in(html))
        match = re.search(r'class="next" href="([^"]+)"', html)
        next_url = match.group(1).replace("&amp;", "&") if match else None
    return seen


def test_inbox_badge_filter_and_sort_by_score(auth: Any, client: Any, workspace: Any, app: Any) -> None:
    ids = seed_scored(workspace)
    auth.as_role("viewer")
    html = client.get("/inbox/?status=").text
    assert len(ids_in(html)) == len(ids)
    assert html.count('data-sentiment="negative"') == 3 and html.count('data-sentiment="positive"') == 2

    negative = client.get("/inbox/?status=&sentiment=negative").text
    assert sorted(ids_in(negative)) == sorted(ids[i] for i, s in enumerate(SCORES) if s < -0.2)
    assert "3 posts" in negative

    app.config["INBOX_PAGE_SIZE"] = 2
    assert walk(client, "/inbox/?status=&sort=most_negative") == expected(ids, ascending=True)
    assert walk(client, "/inbox/?status=&sort=most_positive") == expected(ids, ascending=False)
    assert "7 posts" in client.get("/inbox/?status=&sort=most_negative").text  # the unscored post is not listed
    filtered = walk(client, "/inbox/?status=&sort=most_positive&sentiment=neutral")
    assert filtered == [i for i in expected(ids, ascending=False) if label(SCORES[ids.index(i)]) == "neutral"]

    # A cursor from one order is refused by another, and a nonsense order falls back to the newest first.
    by_date = re.search(r'class="next" href="[^"]*cursor=([^&"]+)', client.get("/inbox/?status=").text)
    assert by_date
    assert client.get(f"/inbox/?status=&sort=most_negative&cursor={by_date.group(1)}").status_code == 400
    assert client.get("/inbox/?status=&sort=loudest").status_code == 200

    detail = client.get(f"/inbox/posts/{ids[3]}").text
    assert 'data-sentiment="negative"' in detail and "-0.90" in detail and "m@1" in detail
    assert "not scored yet" in client.get(f"/inbox/posts/{ids[-1]}").text


def test_api_exposes_sentiment_filters_and_pages_by_score(client: Any, auth: Any, workspace: Any) -> None:
    ids = seed_scored(workspace)
    headers = bearer(auth)
    body = client.get(f"/api/v1/posts/{ids[3]}", headers=headers).get_json()
    assert body["sentiment"]["label"] == "negative" and body["sentiment"]["score"] == -0.9
    assert body["sentiment"]["model_version"] == "m@1" and body["language_origin"] == "platform"
    unscored = client.get(f"/api/v1/posts/{ids[-1]}", headers=headers).get_json()
    assert unscored["sentiment"] is None

    for sort, ascending in (("most_negative", True), ("most_positive", False)):
        seen: list[int] = []
        query: dict[str, Any] = {"sort": sort, "limit": 3}
        while True:
            page = client.get("/api/v1/posts/", query_string=query, headers=headers).get_json()
            seen.extend(item["id"] for item in page["items"])
            if page["next"] is None:
                break
            assert set(page["next"]) == {"after_score", "after_id"}
            query = {"sort": sort, "limit": 3, **page["next"]}
        assert seen == expected(ids, ascending=ascending)

    positive = client.get("/api/v1/posts/?sentiment=positive", headers=headers).get_json()
    assert sorted(item["id"] for item in positive["items"]) == sorted(ids[i] for i, s in enumerate(SCORES) if s > 0.2)
    assert client.get("/api/v1/posts/?sentiment=angry", headers=headers).status_code == 422
    assert client.get("/api/v1/posts/?sort=most_negative&after_score=2", headers=headers).status_code == 422
    assert db.session.scalar(select(Post.language).where(Post.id == ids[0])) is None
