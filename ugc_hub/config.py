"""Configuration read from the environment, with embedded defaults that need no server."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

TRUE_WORDS = {"1", "true", "yes", "on"}

#: drand's League of Entropy relays: quicknet (a round every 3 s) and the default chain (every 30 s), with
#: the genesis_time and period their ``/info`` gives, so the hub names the round at the freeze.
DRAW_BEACONS = {
    "drand-quicknet": {
        "url": "https://api.drand.sh/52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971/public/{round}",
        "genesis_time": 1692803367,
        "period": 3,
    },
    "drand-mainnet": {"url": "https://api.drand.sh/public/{round}", "genesis_time": 1595431050, "period": 30},
}


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


def ratelimit_storage(broker_url: str) -> str:
    """Where the HTTP rate limits count: ``RATELIMIT_STORAGE_URI``, else the Celery broker's Redis, else memory.

    ``memory://`` keeps separate counters in each web worker process (four gunicorn workers allow four
    times the configured rate) and starts a timer thread on most requests; a deployment that already
    runs Redis for Celery shares one set of counters through it.
    """
    explicit = os.environ.get("RATELIMIT_STORAGE_URI")
    if explicit:
        return explicit
    if broker_url.startswith(("redis://", "rediss://")):
        return broker_url
    return "memory://"


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
        # Former SECRET_KEYs, comma-separated: still accepted for sessions and source secrets (docs/collectors.md).
        "SECRET_KEY_FALLBACKS": [k for k in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",") if k.strip()],
        "SQLALCHEMY_DATABASE_URI": database_url,
        # PostgreSQL connections idle this long are tested before use (models/pool.py), not every one.
        "DATABASE_PING_AFTER_IDLE": float(os.environ.get("DATABASE_PING_AFTER_IDLE", "10")),
        "STORAGE_URL": os.environ.get("STORAGE_URL", str(instance_path / "storage")),
        "S3_ENDPOINT_URL": os.environ.get("S3_ENDPOINT_URL") or None,
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", ""),
        # Galleries (docs/gallery.md): optional copy of snapshots and thumbnails to s3://bucket/prefix, served
        # to visitors from GALLERY_CDN_BASE_URL; the beacon's rate limit per visitor address.
        "GALLERY_PUBLISH_URL": os.environ.get("GALLERY_PUBLISH_URL") or None,
        "GALLERY_CDN_BASE_URL": os.environ.get("GALLERY_CDN_BASE_URL", ""),
        "GALLERY_BEACON_RATE_LIMIT": os.environ.get("GALLERY_BEACON_RATE_LIMIT", "120 per minute"),
        # Takedown at the edge (docs/gallery.md): how long edges may keep published objects, and how they are
        # told to forget withdrawn ones: a CloudFront distribution, or a generic purge URL.
        "GALLERY_CACHE_CONTROL": os.environ.get("GALLERY_CACHE_CONTROL") or "max-age=60",
        "GALLERY_CDN_DISTRIBUTION_ID": os.environ.get("GALLERY_CDN_DISTRIBUTION_ID", ""),
        "CLOUDFRONT_ENDPOINT_URL": os.environ.get("CLOUDFRONT_ENDPOINT_URL") or None,
        "GALLERY_PURGE_URL": os.environ.get("GALLERY_PURGE_URL", ""),
        "GALLERY_PURGE_METHOD": os.environ.get("GALLERY_PURGE_METHOD", "POST"),
        "GALLERY_PURGE_TOKEN": os.environ.get("GALLERY_PURGE_TOKEN") or None,
        # How long each web process may serve its copy of a gallery snapshot before reading it again.
        "GALLERY_SNAPSHOT_CACHE_SECONDS": float(os.environ.get("GALLERY_SNAPSHOT_CACHE_SECONDS", "1")),
        "CELERY": {
            "broker_url": broker_url,
            "task_ignore_result": True,
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            "broker_connection_retry_on_startup": True,
            "task_always_eager": env_bool("CELERY_TASK_ALWAYS_EAGER", False),
            "beat_schedule_filename": str(instance_path / "celerybeat-schedule"),
            "beat_schedule": {
                "collectors.run-due-sources": {
                    "task": "collectors.run_due_sources",
                    "schedule": float(os.environ.get("COLLECTOR_SCAN_SECONDS", "60")),
                },
                "ideas.expire-overdue": {"task": "ideas.expire_overdue", "schedule": 3600.0},
                "ideas.flag-bursts": {"task": "ideas.flag_bursts", "schedule": 3600.0},
                "rights.send-queued": {"task": "rights.send_queued", "schedule": 60.0},
                "rights.expire-and-remind": {"task": "rights.expire_and_remind", "schedule": 3600.0},
                # Approved posts deleted or removed on their platform leave the public surfaces (docs/collection.md).
                "collectors.check-platform-deletions": {
                    "task": "collectors.check_platform_deletions",
                    "schedule": float(os.environ.get("PLATFORM_RECHECK_SECONDS", "21600")),
                },
                # Authors' answers to permission requests (docs/rights-channels.md).
                "rights.sync-replies": {
                    "task": "rights.sync_replies",
                    "schedule": float(os.environ.get("RIGHTS_REPLY_SYNC_SECONDS", "300")),
                },
                # Licence windows end without a commit to announce it: rebuild published gallery snapshots.
                "gallery.refresh-published": {"task": "gallery.refresh_published", "schedule": 60.0},
                "insights.check-friction-alerts": {"task": "insights.check_friction_alerts", "schedule": 3600.0},
                # Catch-up: detractors' comments, and posts after a model or FRICTION_ASPECTS change.
                "insights.assign-aspects": {"task": "insights.assign_aspects", "schedule": 3600.0},
                # Monthly draws are drawn on the first run after the month ends (docs/contests.md).
                "contests.run-recurring-draws": {"task": "contests.run_recurring_draws", "schedule": 3600.0},
                # Draws whose named beacon round is out are drawn at once (docs/draws.md §7.1).
                "contests.draw-when-beacon-out": {"task": "contests.draw_when_beacon_out", "schedule": 300.0},
                # Winners who did not answer in time give way to the next alternate.
                "contests.replace-unanswered-winners": {
                    "task": "contests.replace_unanswered_winners",
                    "schedule": 3600.0,
                },
            },
        },
        # How long a collector run may go without finishing a page before another run may take over.
        "COLLECTOR_LEASE_SECONDS": float(os.environ.get("COLLECTOR_LEASE_SECONDS", "900")),
        # Download post images to storage after each run (thumbnails, perceptual hashes); off by default.
        "MEDIA_DOWNLOAD": env_bool("MEDIA_DOWNLOAD", False),
        # Media downloads refuse private, loopback and link-local addresses; only tests serving 127.0.0.1 turn this on.
        "MEDIA_ALLOW_PRIVATE_ADDRESSES": env_bool("MEDIA_ALLOW_PRIVATE_ADDRESSES", False),
        # The same guard for every other URL the hub fetches (feeds, review APIs, webhooks); tests only.
        "ALLOW_PRIVATE_ADDRESSES": env_bool("ALLOW_PRIVATE_ADDRESSES", False),
        # Rights requests sent through a platform API, per platform account and rolling hour (docs/rights.md).
        "RIGHTS_SENDS_PER_ACCOUNT_HOUR": int(os.environ.get("RIGHTS_SENDS_PER_ACCOUNT_HOUR", "20")),
        # Lifetime of the signed approve link in a direct message, and of an author's withdrawal link.
        "RIGHTS_APPROVE_LINK_DAYS": int(os.environ.get("RIGHTS_APPROVE_LINK_DAYS", "30")),
        "RIGHTS_WITHDRAW_LINK_DAYS": int(os.environ.get("RIGHTS_WITHDRAW_LINK_DAYS", "3650")),
        # Grants whose licence ends within this many days are listed for renewal.
        "RIGHTS_EXPIRY_NOTICE_DAYS": int(os.environ.get("RIGHTS_EXPIRY_NOTICE_DAYS", "30")),
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_STORAGE_URI": ratelimit_storage(broker_url),
        # A Redis outage then degrades to per-process counters instead of failing requests.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # How many reverse proxies stand in front of the hub (0: none). Each one appends to X-Forwarded-For; the
        # app believes only that many entries, so the per-IP rate rules see the real client (docs/ideas.md).
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        # X-RateLimit-* headers on every limited response cost a Redis read each; browsers have no use for them.
        # A refusal (429) always says Retry-After (app._too_many_requests). RATELIMIT_HEADERS=1 adds them all.
        "RATELIMIT_HEADERS_ENABLED": os.environ.get("RATELIMIT_HEADERS", "0") == "1",
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
        "BABEL_DEFAULT_LOCALE": "en",
        "LANGUAGES": ["en", "fr"],
        "INBOX_PAGE_SIZE": 50,
        # Friction alerts: a theme alerts past this growth (0.5 = +50 %) with at least this many texts;
        # a workspace may set its own rate on /insights/settings.
        "INSIGHTS_ALERT_GROWTH": float(os.environ.get("INSIGHTS_ALERT_GROWTH", "0.5")),
        "INSIGHTS_ALERT_MIN_POSTS": int(os.environ.get("INSIGHTS_ALERT_MIN_POSTS", "3")),
        # A brand's own friction aspects, JSON: {"key": {"sentences": [...], "keywords": [...]}} (docs/sentiment.md).
        "FRICTION_ASPECTS": os.environ.get("FRICTION_ASPECTS") or None,
        # "e5": zero-shot aspects with the bundled encoder, whatever SENTIMENT_BACKEND is; "keywords": rules only.
        "FRICTION_ASPECT_MODEL": os.environ.get("FRICTION_ASPECT_MODEL", "e5"),
        # Who may put the NPS question in an iframe (CSP frame-ancestors sources, space-separated).
        "NPS_FRAME_ANCESTORS": os.environ.get("NPS_FRAME_ANCESTORS", "*"),
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND", "console"),
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "UGC Hub <no-reply@localhost>"),
        "MAIL_HOST": os.environ.get("MAIL_HOST", "127.0.0.1"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_STARTTLS": env_bool("MAIL_STARTTLS", False),
        "SUPPORT_RATE_LIMIT": os.environ.get("SUPPORT_RATE_LIMIT", "30 per minute;300 per hour"),
        # Silent quarantine of supports (docs/ideas.md), e.g. "ip_burst=20/60,account_sustained=200/86400".
        "IDEA_SUPPORT_RULES": os.environ.get("IDEA_SUPPORT_RULES", ""),
        # Public randomness for draws (docs/draws.md): name -> {"url" (with {round}), "genesis_time", "period"} or a
        # plain URL template; staff pick a name on the contest form, the freeze names the round, the draw fetches it.
        "DRAW_BEACONS": json.loads(os.environ["DRAW_BEACONS"]) if os.environ.get("DRAW_BEACONS") else DRAW_BEACONS,
        "DRAW_BEACON_TIMEOUT": float(os.environ.get("DRAW_BEACON_TIMEOUT", "10")),
        # Seconds between the freeze and the publication of the round the hub names then (docs/draws.md §7.1).
        "DRAW_BEACON_DELAY": float(os.environ.get("DRAW_BEACON_DELAY", "600")),
        # A DRAW_BEACONS name the monthly recurring draws use; empty: they name no beacon.
        "DRAW_RECURRING_BEACON": os.environ.get("DRAW_RECURRING_BEACON", "") or None,
        # The same silent quarantine for contest votes (docs/contests.md); empty: the ideas' defaults.
        "CONTEST_VOTE_RULES": os.environ.get("CONTEST_VOTE_RULES", ""),
        "IDEA_IMAGE_MAX_BYTES": int(os.environ.get("IDEA_IMAGE_MAX_BYTES", str(8 * 1024 * 1024))),
        "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,
        "API_TITLE": "UGC Hub API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        **sentiment_settings(),
    }


def sentiment_settings() -> dict[str, Any]:
    """The SENTIMENT_* keys (docs/sentiment.md); sentiment.SentimentConfig validates and converts them."""
    return {
        "SENTIMENT_BACKEND": os.environ.get("SENTIMENT_BACKEND", "default"),
        "SENTIMENT_MODEL": os.environ.get("SENTIMENT_MODEL") or None,
        "SENTIMENT_LABEL_MAP": os.environ.get("SENTIMENT_LABEL_MAP") or None,
        "SENTIMENT_BATCH_SIZE": os.environ.get("SENTIMENT_BATCH_SIZE", 32),
        "SENTIMENT_TORCH_THREADS": os.environ.get("SENTIMENT_TORCH_THREADS") or None,
        "SENTIMENT_MAX_LENGTH": os.environ.get("SENTIMENT_MAX_LENGTH", 512),
        "SENTIMENT_MIN_CONFIDENCE": os.environ.get("SENTIMENT_MIN_CONFIDENCE", 0.5),
        "SENTIMENT_ALLOW_DOWNLOAD": env_bool("SENTIMENT_ALLOW_DOWNLOAD", False),
        # Queue a scoring task after each ingestion commits; off, `ugc-hub sentiment score` catches up.
        "SENTIMENT_ON_INGEST": env_bool("SENTIMENT_ON_INGEST", True),
    }
