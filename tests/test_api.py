"""/api/v1: tokens, posts and sources, and the generated OpenAPI description."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.test_inbox import seed
from ugc_hub.models import ApiToken, Post, db
from ugc_hub.services.audit import CLI
from ugc_hub.services.tokens import create_token, revoke_token


def bearer(auth: Any, role: str = "viewer") -> dict[str, str]:
    user = auth.create(email=f"api-{role}@example.com", role=role)
    _token, secret = create_token(db.session, user=user, name="test", actor=CLI)
    return {"Authorization": f"Bearer {secret}"}


def test_list_filters_and_paginates(client: Any, auth: Any, workspace: Any) -> None:
    seed(workspace)
    headers = bearer(auth)
    body = client.get("/api/v1/posts/?limit=2", headers=headers).get_json()
    assert len(body["items"]) == 2 and body["next"]
    mark = body["next"]
    rest = client.get("/api/v1/posts/", query_string={"limit": 2, **mark}, headers=headers).get_json()
    assert len(rest["items"]) == 2 and rest["next"] is None
    assert {p["platform_id"] for p in body["items"] + rest["items"]} == {"sc1", "sc2", "sc3", "sc4"}
    french = client.get("/api/v1/posts/?language=fr", headers=headers).get_json()
    assert [p["platform_id"] for p in french["items"]] == ["sc2"]
    assert french["items"][0]["hashtags"] == ["colis", "lumen"]
    assert client.get("/api/v1/posts/?status=bogus", headers=headers).status_code == 422
    assert client.get("/api/v1/posts/?before=yesterday", headers=headers).status_code == 422
    assert client.get("/api/v1/posts/18446744073709551616", headers=headers).status_code == 404
    not_allowed = client.delete("/api/v1/posts/", headers=headers)
    assert not_allowed.status_code == 405 and not_allowed.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_get_one_post_with_raw_payload(client: Any, auth: Any, workspace: Any) -> None:
    seed(workspace)
    headers = bearer(auth)
    post_id = db.session.scalar(select(Post.id).where(Post.platform_id == "sc3"))
    body = client.get(f"/api/v1/posts/{post_id}", headers=headers).get_json()
    assert body["text"].startswith("<script>")  # JSON carries text as text; pages escape it
    assert body["raw"] == {"shortcode": "sc3", "n": 3}
    assert client.get("/api/v1/posts/999999", headers=headers).status_code == 404


def test_sources_listed(client: Any, auth: Any, workspace: Any) -> None:
    seed(workspace)
    body = client.get("/api/v1/sources/", headers=bearer(auth)).get_json()
    assert [s["kind"] for s in body] == ["reddit.search"]


def test_revoked_and_bogus_tokens_are_refused(client: Any, auth: Any) -> None:
    headers = bearer(auth)
    assert client.get("/api/v1/sources/", headers=headers).status_code == 200
    token = db.session.scalar(select(ApiToken))
    assert token.token_hash not in headers["Authorization"]  # only the hash is stored
    revoke_token(db.session, token_id=token.id, actor=CLI)
    assert client.get("/api/v1/sources/", headers=headers).status_code == 401
    assert client.get("/api/v1/sources/", headers={"Authorization": "Bearer ugc_nope"}).status_code == 401
    assert client.get("/api/v1/sources/", headers={"Authorization": "Basic abc"}).status_code == 401


def test_staff_create_and_revoke_tokens_in_the_ui(client: Any, auth: Any) -> None:
    auth.as_role("viewer")
    page = client.post("/settings/tokens", data={"csrf_token": auth.csrf("/settings/tokens"), "name": "zapier"})
    secret = page.text.split('class="secret">')[1].split("<")[0]
    assert client.get("/api/v1/sources/", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    token_id = db.session.scalar(select(ApiToken.id))
    client.post(f"/settings/tokens/{token_id}/revoke", data={"csrf_token": auth.csrf("/settings/tokens")})
    assert client.get("/api/v1/sources/", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_openapi_description_is_generated(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/posts/", "/api/v1/posts/{post_id}", "/api/v1/sources/"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    params = {p["name"] for p in spec["paths"]["/api/v1/posts/"]["get"]["parameters"]}
    assert {
        "status",
        "hashtag",
        "language",
        "date_from",
        "date_to",
        "q",
        "source",
        "before",
        "before_id",
        "limit",
    } <= params


def test_odd_query_strings_never_break_the_server(client: Any, auth: Any, workspace: Any) -> None:
    seed(workspace)
    headers = bearer(auth)
    for query in (
        {"q": "a\x00b"},
        {"hashtag": "\x00"},
        {"language": "\x00fr"},
        {"q": '"*^ OR NEAR('},
        {"date_from": "0090-08-11", "before": "6486-04-26T23:22:31.0-02:51", "before_id": 3},
    ):
        response = client.get("/api/v1/posts/", query_string=query, headers=headers)
        assert response.status_code == 200, (query, response.text)
