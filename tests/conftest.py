"""Fixtures for the whole suite: the app on SQLite and on a real PostgreSQL, clients, signed-in users."""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings

from tests.support.fixtures import *  # noqa: F403 - postgres_server, redis_server, moto_server
from ugc_hub.app import create_app

pytest_plugins = ["tests.support.clock"]

# Hypothesis's per-example deadline is a timing check: on a loaded 2-core CI machine it fails examples
# that are merely slow (tests/nps/test_rules.py did). Speed is measured in benchmarks/, not here.
settings.register_profile("hub", deadline=None)
settings.load_profile("hub")

PASSWORD = "correct horse battery"


def _upgrade(url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    from ugc_hub.models import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        # "heads": features developed side by side may each add a migration before they are chained;
        # tests/test_migrations.py still insists on a single head.
        upgrade(revision="heads")
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each test gets a copy."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.sqlite"
    mp = pytest.MonkeyPatch()
    mp.setenv("UGC_HUB_INSTANCE", str(folder))
    try:
        _upgrade(f"sqlite:///{path}", folder)
    finally:
        mp.undo()
    return path


@pytest.fixture(scope="session")
def postgres_template(postgres_server: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A PostgreSQL database migrated once; each test gets a copy made with CREATE DATABASE … TEMPLATE."""
    folder = tmp_path_factory.mktemp("pg-template")
    postgres_server.create_database("ugc_template")
    mp = pytest.MonkeyPatch()
    mp.setenv("UGC_HUB_INSTANCE", str(folder))
    try:
        _upgrade(postgres_server.url_for("ugc_template"), folder)
    finally:
        mp.undo()
    return "ugc_template"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "hub.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    server = request.getfixturevalue("postgres_server")
    template = request.getfixturevalue("postgres_template")
    name = "t_" + uuid.uuid4().hex[:16]
    url = server.create_database(name, template=template)
    yield url
    server.drop_database(name)


class FreshRequestClient(FlaskClient):
    """Tests keep one app context open, which Flask reuses for every request; clear ``g`` so each
    request starts as clean as in production (no cached locale or signed-in user)."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        from flask import g, has_app_context

        if has_app_context():
            for name in list(vars(g)):
                delattr(g, name)
        return super().open(*args, **kwargs)


def make_app(database_url: str, instance: Path, **overrides: Any) -> Flask:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "STORAGE_URL": str(instance / "storage"),
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "CELERY": {
            "broker_url": f"sqla+sqlite:///{instance / 'broker.sqlite'}",
            "task_always_eager": True,
            "task_eager_propagates": True,
            "task_ignore_result": True,
        },
        # Eager Celery would score every ingested post in-line; tests about sentiment turn it back on.
        "SENTIMENT_ON_INGEST": False,
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = FreshRequestClient
    return app


@contextmanager
def running(app: Flask) -> Iterator[Flask]:
    """An app context that closes every database connection on the way out."""
    from ugc_hub.models import db

    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "instance"
    folder.mkdir()
    monkeypatch.setenv("UGC_HUB_INSTANCE", str(folder))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return folder


@pytest.fixture
def app(database_url: str, instance: Path) -> Iterator[Flask]:
    from ugc_hub.models import db

    application = make_app(database_url, instance)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def workspace(app: Flask) -> Any:
    from ugc_hub.models import db
    from ugc_hub.services.audit import CLI
    from ugc_hub.services.workspaces import create_workspace

    return create_workspace(db.session, name="Lumen Outdoor", hashtags=["lumen"], actor=CLI)


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


class Auth:
    """Sign in and out as a person would, through the sign-in form."""

    def __init__(self, app: Flask, client: FlaskClient) -> None:
        self.app = app
        self.client = client

    def create(self, email: str = "mod@example.com", role: str = "moderator") -> Any:
        from ugc_hub.models import db
        from ugc_hub.services.audit import CLI
        from ugc_hub.services.users import create_user

        return create_user(db.session, email=email, password=PASSWORD, role=role, actor=CLI)

    def login(self, email: str = "mod@example.com", password: str = PASSWORD) -> Any:
        page = self.client.get("/login")
        return self.client.post(
            "/login", data={"email": email, "password": password, "csrf_token": csrf_from(page.text)}
        )

    def as_role(self, role: str) -> Any:
        user = self.create(email=f"{role}@example.com", role=role)
        response = self.login(email=f"{role}@example.com")
        assert response.status_code == 302, response.text
        return user

    def csrf(self, url: str = "/inbox/") -> str:
        return csrf_from(self.client.get(url).text)


@pytest.fixture
def auth(app: Flask, client: FlaskClient) -> Auth:
    return Auth(app, client)
