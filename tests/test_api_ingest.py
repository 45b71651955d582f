"""POST /api/v1/ingest: token-authenticated import records, per-item errors, idempotent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from tests.test_api import bearer
from ugc_hub.models import AuditEvent, Post, db

GOOD = {
    "platform": "instagram",
    "platform_id": "C9xYz",
    "author_handle": "@trailkate",
    "text": "Zero blisters! #lumenrun",
    "posted_at": "2026-11-02T09:00:00Z",
    "likes": 120,
    "permalink": "https://www.instagram.com/p/C9xYz/",
    "captured_by": "browser-extension",
}


def test_good_records_are_stored_and_bad_ones_reported_by_index(client: Any, auth: Any, workspace: Any) -> None:
    headers = bearer(auth, "moderator")
    body = [
        GOOD,
        {"platform": "review", "platform_id": "shop-1", "text": "Taille trop petite.", "rating": 2, "language": "fr"},
        {"platform": "myspace", "platform_id": "x"},
        {"platform": "review", "platform_id": "shop-2", "likes": "many"},
        "not an object",
        {"platform": "review", "platform_id": "shop-3", "permalink": "javascript:alert(1)"},
    ]
    answer = client.post("/api/v1/ingest/", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    result = answer.get_json()
    assert (result["new"], result["updated"], result["rejected"]) == (2, 0, 4)
    errors = {e["index"]: e for e in result["errors"]}
    assert sorted(errors) == [2, 3, 4, 5]
    assert "platform" in errors[2]["errors"] and "likes" in errors[3]["errors"]
    assert errors[4]["errors"] == {"_record": ["each record must be a JSON object"]}
    assert errors[5]["platform_id"] == "shop-3" and "permalink" in errors[5]["errors"]["_record"][0]
    stored = db.session.scalar(select(Post).where(Post.platform_id == "C9xYz"))
    assert stored is not None and stored.author is not None and stored.author.handle == "trailkate"
    assert stored.raw["captured_by"] == "browser-extension" and stored.metrics == {"likes": 120}
    again = client.post("/api/v1/ingest/", json=[GOOD], headers=headers).get_json()
    assert (again["new"], again["updated"]) == (0, 1)
    assert db.session.scalar(select(func.count()).select_from(Post)) == 2
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "ingest.webhook")).all()
    assert len(events) == 2 and events[0].actor_type == "token" and events[0].after["rejected"] == 4


def test_tokens_roles_and_body_shape_are_checked(client: Any, auth: Any, workspace: Any) -> None:
    assert client.post("/api/v1/ingest/", json=[GOOD]).status_code == 401
    assert client.post("/api/v1/ingest/", json=[GOOD], headers=bearer(auth, "viewer")).status_code == 403
    headers = bearer(auth, "moderator")
    assert client.post("/api/v1/ingest/", json=GOOD, headers=headers).status_code == 422
    assert (
        client.post("/api/v1/ingest/", data="[{", headers=headers, content_type="application/json").status_code == 422
    )
    assert client.post("/api/v1/ingest/", json=[GOOD] * 1001, headers=headers).status_code == 422
    assert client.post("/api/v1/ingest/?workspace=nope", json=[GOOD], headers=headers).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Post)) == 0
