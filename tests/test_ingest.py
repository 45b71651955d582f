"""The ingestion service: idempotent batched upserts, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from ugc_hub.domain.posts import MediaItem, NormalizedAuthor, NormalizedPost, extract_hashtags
from ugc_hub.models import Author, Post, PostHashtag, db
from ugc_hub.services.ingest import ingest_posts


def make_post(n: int, **changes: Any) -> NormalizedPost:
    post = NormalizedPost(
        platform="instagram",
        platform_id=f"sc{n}",
        author=NormalizedAuthor(handle=f"user{n % 7}", platform_user_id=str(1000 + n % 7)),
        text=f"Post {n} about #Lumen and #trail",
        media=(MediaItem(url=f"https://cdn.example.com/{n}.jpg"),),
        permalink=f"https://www.instagram.com/p/sc{n}/",
        posted_at=datetime(2026, 11, 1, tzinfo=UTC),
        metrics={"likes": n},
        raw={"shortcode": f"sc{n}", "n": n},
    )
    return replace(post, **changes)


def count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_same_posts_twice_give_one_row_each_and_refresh_metrics(workspace: Any) -> None:
    first = ingest_posts(db.session, [make_post(n) for n in range(25)], workspace_id=workspace.id, batch_size=10)
    assert (first.new, first.updated, first.rejected) == (25, 0, 0)
    again = [make_post(n, metrics={"likes": n + 100}) for n in range(25)]
    second = ingest_posts(db.session, again, workspace_id=workspace.id, batch_size=7)
    assert (second.new, second.updated, second.rejected) == (0, 25, 0)
    assert count(Post) == 25
    assert count(Author) == 7
    post = db.session.scalar(select(Post).where(Post.platform_id == "sc3"))
    assert post.metrics == {"likes": 103}
    assert post.tags == ["lumen", "trail"]


def test_refresh_keeps_moderation_status(workspace: Any) -> None:
    ingest_posts(db.session, [make_post(1)], workspace_id=workspace.id)
    post = db.session.scalar(select(Post))
    post.moderation_status = "approved"
    db.session.commit()
    ingest_posts(db.session, [make_post(1, text="edited #new")], workspace_id=workspace.id)
    db.session.expire_all()
    post = db.session.scalar(select(Post))
    assert post.moderation_status == "approved"
    assert post.text == "edited #new"
    assert post.tags == ["new"]


def test_duplicate_inside_one_batch_keeps_the_later_copy(workspace: Any) -> None:
    result = ingest_posts(
        db.session, [make_post(1, metrics={"likes": 1}), make_post(1, metrics={"likes": 2})], workspace_id=workspace.id
    )
    assert (result.new, result.updated) == (1, 1)
    assert db.session.scalar(select(Post.metrics)) == {"likes": 2}


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"platform": "myspace"}, "unknown platform"),
        ({"platform_id": ""}, "platform_id is required"),
        ({"permalink": "javascript:alert(1)"}, "permalink must be an http(s) URL"),
        ({"media": (MediaItem(url="data:text/html,<script>"),)}, "media URL"),
        ({"text": "nul \x00 byte"}, "NUL"),
        ({"rating": 7.0}, "rating must be a number from 0 to 5"),
        ({"posted_at": datetime(2026, 1, 1)}, "time zone"),
        ({"metrics": {"likes": -1}}, "metric"),
        ({"raw": {"bad": "\x00"}}, "raw payload contains a NUL"),
        ({"author": NormalizedAuthor(handle="x", profile_url="javascript:x")}, "profile URL"),
    ],
)
def test_bad_posts_are_rejected_with_reasons_and_good_ones_kept(workspace: Any, changes: dict, reason: str) -> None:
    posts = [make_post(1), make_post(2, **changes), make_post(3)]
    result = ingest_posts(db.session, posts, workspace_id=workspace.id)
    assert (result.new, result.rejected) == (2, 1)
    assert result.rejections[0].index == 1
    assert reason in result.rejections[0].reason
    assert count(Post) == 2


def test_hostile_and_unusual_text_is_stored_verbatim(workspace: Any) -> None:
    texts = {
        "big": "é" * 100_000 + " #huge",
        "html": '<script>alert("x")</script><img src=x onerror=alert(1)> #xss',
        "emoji": "🧡🏔️👩🏽‍🦰 family trip #famille",
        "rtl": "مرحبا \u202ebidi\u202c #عربي",
    }
    posts = [make_post(i, platform_id=name, text=text) for i, (name, text) in enumerate(texts.items())]
    result = ingest_posts(db.session, posts, workspace_id=workspace.id)
    assert result.new == 4
    stored = dict(db.session.execute(select(Post.platform_id, Post.text)).all())
    assert stored == texts
    tags = set(db.session.scalars(select(PostHashtag.tag)))
    assert {"huge", "xss", "famille", "عربي"} <= tags


def test_post_without_date_gets_collection_time(workspace: Any) -> None:
    before = datetime.now(UTC)
    ingest_posts(db.session, [make_post(1, posted_at=None)], workspace_id=workspace.id)
    post = db.session.scalar(select(Post))
    assert post.posted_at >= before.replace(microsecond=0)
    assert post.posted_at.tzinfo is not None


def test_extract_hashtags_is_unicode_aware_and_ignores_html_entities() -> None:
    assert extract_hashtags("Été #Randonnée #randonnée &#39; #42km") == ["randonnée", "42km"]


def test_rows_written_by_the_hand_written_upsert_read_back_like_orm_rows(workspace: Any) -> None:
    midnight = datetime(2026, 11, 1, tzinfo=UTC)
    post = make_post(1, posted_at=midnight, title="Été", text="«Top» 🌲 #Lumen", rating=4.5, language="fr")
    ingest_posts(db.session, [post], workspace_id=workspace.id)
    db.session.expire_all()
    stored = db.session.scalars(select(Post).where(Post.posted_at >= midnight, Post.posted_at <= midnight)).one()
    assert stored.posted_at == midnight
    assert (stored.title, stored.text, stored.rating, stored.language) == ("Été", "«Top» 🌲 #Lumen", 4.5, "fr")
    assert stored.media == [{"url": "https://cdn.example.com/1.jpg", "type": "image"}]
    assert stored.raw == {"shortcode": "sc1", "n": 1}
    assert stored.metrics == {"likes": 1}
    assert stored.collected_at.tzinfo is not None and stored.moderation_status == "new"


def test_a_raw_payload_with_nan_is_rejected_with_a_reason(workspace: Any) -> None:
    result = ingest_posts(db.session, [make_post(1, raw={"score": float("nan")})], workspace_id=workspace.id)
    assert result.rejected == 1 and "not JSON" in result.rejections[0].reason
    assert count(Post) == 0


@given(
    st.sampled_from(["https://", "http://", "HTTPS://", "https:/", "javascript:", " https://", ""]),
    st.text(alphabet=st.sampled_from(list("ab.:/?#@[]\\% \t\n\x00é℀１-_")), max_size=12),
)
def test_the_fast_url_check_answers_like_urlsplit(prefix: str, rest: str) -> None:
    from ugc_hub.services import validation

    value = prefix + rest
    assert validation.is_web_url(value) == validation._is_web_url_parsed(value)
