"""The application factory: the one place that knows every part of the hub exists."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Any

from flask import Flask, has_request_context, make_response, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    instance = os.environ.get("UGC_HUB_INSTANCE")
    app = Flask(__name__, instance_path=str(Path(instance).resolve()) if instance else None)

    from ugc_hub.config import build_config

    app.config.from_mapping(build_config(Path(app.instance_path)))
    if test_config:
        app.config.update(test_config)

    from ugc_hub.services.secrets import configure_keys

    configure_keys(app.config)
    from ugc_hub.web.converters import RowIdConverter

    # Before any blueprint adds a rule: every <int:…> in the hub, API included, is a bounded row id.
    app.url_map.converters["int"] = RowIdConverter
    _trust_proxies(app)
    _init_extensions(app)
    _register_blueprints(app)
    _security_headers(app)

    from ugc_hub.cli import register_cli

    register_cli(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES reverse proxies, take the client address and scheme from their X-Forwarded-* headers.

    Only the last that-many X-Forwarded-For entries are believed (those the proxies appended): a client cannot
    pick its own address for the per-IP rate rules by sending the header itself.
    """
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]


def _init_extensions(app: Flask) -> None:
    from flask_babel import get_locale

    from ugc_hub.api import init_api
    from ugc_hub.celery_app import celery_init_app
    from ugc_hub.extensions import babel, csrf, db, limiter, login_manager, migrate
    from ugc_hub.models import User

    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        from ugc_hub.models.pool import ping_when_idle

        with app.app_context():
            ping_when_idle(db.engine, float(app.config["DATABASE_PING_AFTER_IDLE"]))
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    celery_init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.active else None

    def select_locale() -> str | None:
        if not has_request_context():  # CLI, Celery, tests: the default locale (lazy strings must still render)
            return None
        languages = app.config["LANGUAGES"]
        if current_user and current_user.is_authenticated and current_user.locale in languages:
            return str(current_user.locale)
        return request.accept_languages.best_match(languages)

    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    init_api(app)
    _html_errors_outside_the_api(app)
    # The API authenticates with bearer tokens, not cookies, so CSRF does not apply to it.
    for name in ("posts", "sources", "ingest", "api-docs"):
        if name in app.blueprints:
            csrf.exempt(app.blueprints[name])


def _html_errors_outside_the_api(app: Flask) -> None:
    """flask-smorest answers every HTTP error in JSON; people on the staff and public pages get a page."""
    from flask import render_template
    from werkzeug.exceptions import HTTPException

    from ugc_hub.extensions import api

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        if request.path.startswith("/api/"):
            return api.handle_http_exception(error)
        if error.code == 429:
            return _too_many_requests(error)
        return render_template("error.html", error=error), error.code or 500


def _too_many_requests(error: Any) -> Any:
    """A rate limit was broken: say when to come back, in words and in ``Retry-After``.

    The limiter writes no rate-limit headers on the responses that stay within their limits (reading a
    window costs a round trip to Redis on every limited request); the window is read here, on refusals only.
    """
    from flask import render_template

    from ugc_hub.extensions import limiter

    told = getattr(error, "retry_after", None)  # set by a check that counts without Flask-Limiter (flood_guard)
    seconds = told if isinstance(told, int) else None
    try:
        current = limiter.current_limit if seconds is None else None
        if current is not None:
            seconds = max(1, math.ceil(current.reset_at - time.time()))
    except Exception:  # the refusal stands even when the store of the limits cannot say when it ends
        seconds = None
    response = make_response(render_template("error.html", error=error, retry_after=seconds), 429)
    if seconds is not None:
        response.headers["Retry-After"] = str(seconds)
    return response


def _register_blueprints(app: Flask) -> None:
    from ugc_hub.web import admin, auth, health, ideas, ideas_staff, moderation, sources

    app.register_blueprint(auth.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(moderation.bp, url_prefix="/inbox")
    app.register_blueprint(admin.bp)
    app.register_blueprint(ideas.bp, url_prefix="/ideas")
    app.register_blueprint(ideas_staff.bp, url_prefix="/staff/ideas")
    app.register_blueprint(sources.bp)
    from ugc_hub.web import insights

    app.register_blueprint(insights.bp, url_prefix="/insights")
    from ugc_hub.web import nps

    app.register_blueprint(nps.bp, url_prefix="/nps")
    app.register_blueprint(nps.public, url_prefix="/survey")
    import gallery

    gallery.init_app(app)
    from ugc_hub import rights

    rights.init_app(app)
    app.context_processor(moderation.template_helpers)
    import contests

    contests.init_app(app)

    @app.get("/")
    def index() -> Response:
        return redirect(url_for("moderation.inbox"))


def _security_headers(app: Flask) -> None:
    @app.after_request
    def add_headers(response: Response) -> Response:
        # A page that may be framed (the gallery's iframe embed) sends its own CSP with frame-ancestors;
        # X-Frame-Options would contradict it, so it is added only with the default policy.
        if "Content-Security-Policy" not in response.headers:
            response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
            response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
