"""Configuration read from the environment, with embedded defaults that need no server."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

TRUE_WORDS = {"1", "true", "yes", "on"}


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in TRUE_WORDS


def load_secret_key(instance_path: Path) -> str:
    """Return SECRET_KEY from the environment, or one generated once and kept in the instance folder."""
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Created with 0600 so other local users cannot read it.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def normalise_database_url(url: str) -> str:
    """Send plain postgres:// URLs through psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def build_config(instance_path: Path) -> dict[str, Any]:
    """Collect every setting from the environment; nothing here talks to a server."""
    instance_path.mkdir(parents=True, exist_ok=True)
    database_url = normalise_database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{instance_path / 'ugc_hub.sqlite'}")
    )
    broker_url = os.environ.get("CELERY_BROKER_URL", f"sqla+sqlite:///{instance_path / 'broker.sqlite'}")
    secure_cookies = env_bool("UGC_HUB_SECURE_COOKIES", True)
    return {
        "SECRET_KEY": load_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "STORAGE_URL": os.environ.get("STORAGE_URL", str(instance_path / "storage")),
        "S3_ENDPOINT_URL": os.environ.get("S3_ENDPOINT_URL") or None,
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", ""),
        "CELERY": {
            "broker_url": broker_url,
            "task_ignore_result": True,
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            "broker_connection_retry_on_startup": True,
            "task_always_eager": env_bool("CELERY_TASK_ALWAYS_EAGER", False),
            "beat_schedule_filename": str(instance_path / "celerybeat-schedule"),
        },
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
        "BABEL_DEFAULT_LOCALE": "en",
        "LANGUAGES": ["en", "fr"],
        "INBOX_PAGE_SIZE": 50,
        "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
        "API_TITLE": "UGC Hub API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }
