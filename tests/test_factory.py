"""The app factory and configuration from the environment."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ugc_hub.app import create_app
from ugc_hub.config import normalise_database_url


def test_defaults_need_no_server(instance: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CELERY_BROKER_URL", "STORAGE_URL", "S3_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'ugc_hub.sqlite'}"
    assert app.config["CELERY"]["broker_url"] == f"sqla+sqlite:///{instance / 'broker.sqlite'}"
    assert app.config["STORAGE_URL"] == str(instance / "storage")
    assert app.config["CELERY"]["task_acks_late"] is True


def test_secret_key_generated_once_and_kept_private(instance: Path) -> None:
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]
    assert first == second and len(first) >= 40
    key_file = instance / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_environment_wins(instance: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example/hub")
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("STORAGE_URL", "s3://bucket/prefix")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/hub"
    assert app.config["CELERY"]["broker_url"] == "redis://127.0.0.1:6379/0"
    assert app.config["STORAGE_URL"] == "s3://bucket/prefix"
    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert not (instance / "secret_key").exists()


def test_rate_limits_count_where_the_deployment_can_share_them(instance: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CELERY_BROKER_URL", "RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(name, raising=False)
    assert create_app().config["RATELIMIT_STORAGE_URI"] == "memory://"
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:6379/2")
    assert create_app().config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/2"
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    assert create_app().config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_test_config_overrides(instance: Path) -> None:
    assert create_app({"TESTING": True, "INBOX_PAGE_SIZE": 3}).config["INBOX_PAGE_SIZE"] == 3


def test_normalise_database_url() -> None:
    assert normalise_database_url("postgresql://a@b/c") == "postgresql+psycopg://a@b/c"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_importing_the_packages_builds_nothing() -> None:
    import subprocess
    import sys

    code = (
        "import sys, ugc_hub, ugc_hub.domain.posts, collectors, sentiment, gallery, contests;"
        "print('flask' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
