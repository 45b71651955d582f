"""Staff sign-in, roles, CSRF, rate limits and cookie flags."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask

from tests.conftest import PASSWORD, csrf_from

# Pages for customers, authors and visitors (co-creation, contests, NPS answers, the rights terms page,
# galleries), not staff; API routes must answer 401 without a token.
PUBLIC_PREFIXES = ("ideas.", "contests.", "nps_public.", "terms.", "gallery_public.", "galleries-api.")
PUBLIC_ENDPOINTS = {"index", "auth.login", "health.healthz", "static", "api-docs.openapi_json"}


def test_nothing_of_the_staff_ui_is_reachable_signed_out(app: Flask, client: Any) -> None:
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint.startswith(PUBLIC_PREFIXES):
            continue
        url = re.sub(r"<int:\w+>", "1", rule.rule)
        url = re.sub(r"<path:\w+>", "a.jpg", url)
        url = re.sub(r"<any\(([a-z_]+)[^>]*>", r"\1", url)
        url = re.sub(r"<\w+>", "x", url)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method)
            if url.startswith("/api/v1/"):
                assert response.status_code == 401, (method, url, response.status_code)
            else:
                assert response.status_code in (302, 400), (method, url, response.status_code)
                if response.status_code == 302:
                    assert "/login" in response.headers["Location"], (method, url)
            checked += 1
    assert checked >= 10


def test_api_routes_refuse_requests_without_token(client: Any) -> None:
    for url in ("/api/v1/posts/", "/api/v1/posts/1", "/api/v1/sources/"):
        assert client.get(url).status_code == 401


def test_sign_in_with_good_password_and_out(auth: Any, client: Any) -> None:
    auth.create()
    response = auth.login()
    assert response.status_code == 302
    assert client.get("/inbox/").status_code == 200
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    token = auth.csrf()
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/inbox/").status_code == 302


def test_wrong_password_and_unknown_email_look_the_same(auth: Any) -> None:
    auth.create()
    wrong = auth.login(password="not the password")
    unknown = auth.login(email="nobody@example.com")
    assert wrong.status_code == unknown.status_code == 200
    assert "Wrong e-mail or password." in wrong.text and "Wrong e-mail or password." in unknown.text


def test_post_without_csrf_token_is_refused(auth: Any, client: Any) -> None:
    auth.create()
    assert client.post("/login", data={"email": "mod@example.com", "password": PASSWORD}).status_code == 400
    auth.login()
    assert client.post("/inbox/posts/moderate", data={"action": "approved", "post_id": "1"}).status_code == 400


def test_sign_in_is_rate_limited_per_address(auth: Any, client: Any, app: Flask) -> None:
    auth.create()
    statuses = []
    for _ in range(12):
        page = client.get("/login")
        response = client.post(
            "/login",
            data={"email": "mod@example.com", "password": "wrong password!", "csrf_token": csrf_from(page.text)},
        )
        statuses.append(response.status_code)
    assert statuses[:10] == [200] * 10
    assert statuses[10:] == [429, 429]


def test_a_refusal_says_when_to_come_back_and_other_answers_carry_no_limit_headers(auth: Any, client: Any) -> None:
    auth.create()
    answers = []
    for _ in range(11):
        page = client.get("/login")
        answers.append(
            client.post(
                "/login",
                data={"email": "mod@example.com", "password": "wrong password!", "csrf_token": csrf_from(page.text)},
                headers={"Accept-Language": "fr"},
            )
        )
    allowed, refused = answers[0], answers[-1]
    assert allowed.status_code == 200 and not any(name.startswith("X-RateLimit") for name, _ in allowed.headers.items())
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60  # LOGIN_RATE_LIMIT's first window is a minute
    assert "Réessayez dans 1 minute" in refused.get_data(as_text=True)


def test_next_parameter_cannot_redirect_off_site(auth: Any, client: Any) -> None:
    auth.create()
    page = client.get("/login")
    response = client.post(
        "/login?next=//evil.example.com/",
        data={"email": "mod@example.com", "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert response.headers["Location"] == "/inbox/"


@pytest.mark.parametrize(
    ("role", "users_page", "moderate"), [("viewer", 403, 403), ("moderator", 403, 302), ("admin", 200, 302)]
)
def test_roles_are_enforced(auth: Any, client: Any, role: str, users_page: int, moderate: int) -> None:
    auth.as_role(role)
    assert client.get("/inbox/").status_code == 200
    assert client.get("/admin/users").status_code == users_page
    token = auth.csrf()
    response = client.post("/inbox/posts/moderate", data={"csrf_token": token, "action": "approved", "post_id": "1"})
    assert response.status_code == moderate


def test_admin_creates_an_account_and_weak_passwords_are_refused(auth: Any, client: Any) -> None:
    auth.as_role("admin")
    token = auth.csrf("/admin/users")
    weak = client.post(
        "/admin/users", data={"csrf_token": token, "email": "new@example.com", "role": "viewer", "password": "short"}
    )
    assert "new@example.com" not in weak.text.split("<h2>")[0]
    ok = client.post(
        "/admin/users",
        data={"csrf_token": token, "email": "new@example.com", "role": "viewer", "password": "long enough password"},
    )
    assert ok.status_code == 200
    assert "new@example.com" in ok.text


def test_create_user_command(runner: Any) -> None:
    result = runner.invoke(
        args=["create-user", "--email", "Cli@Example.com", "--role", "admin", "--password", "a long password"]
    )
    assert result.exit_code == 0, result.output
    assert "created admin cli@example.com" in result.output
    duplicate = runner.invoke(args=["create-user", "--email", "cli@example.com", "--password", "a long password"])
    assert duplicate.exit_code == 1
    assert "already exists" in duplicate.output
    weak = runner.invoke(args=["create-user", "--email", "b@example.com", "--password", "short"])
    assert weak.exit_code == 1 and "at least 10 characters" in weak.output


def test_session_cookie_is_secure_by_default(instance: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from ugc_hub.app import create_app

    monkeypatch.delenv("UGC_HUB_SECURE_COOKIES", raising=False)
    app = create_app({"TESTING": True})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
