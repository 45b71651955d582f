"""Take withdrawn objects out of the CDN's caches, not only out of the bucket.

Deleting an object from the bucket does not reach copies the CDN's edges already hold: they serve them
until their ``Cache-Control`` runs out (``GALLERY_CACHE_CONTROL``, a minute by default). So a rebuild that
deletes objects, or rewrites a snapshot that dropped a post, asks the CDN to forget those URLs: a CloudFront
invalidation (``GALLERY_CDN_DISTRIBUTION_ID``) or a POST to the operator's purge URL
(``GALLERY_PURGE_URL``). A request is written down before it is sent and crossed out once the CDN took
it; one that fails is logged and tried again by the beat task, and never fails the withdrawal itself.

The purge URL goes through ``ugc_hub.netguard`` like every URL the hub fetches: one on a private or
local address stops the start (``check_purge_settings``), and each connection is checked again when
sending, since a name's DNS answer may change after the start. ``ALLOW_PRIVATE_ADDRESSES`` lets tests
reach their fake on 127.0.0.1.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import quote, urlsplit

from sqlalchemy import select

from ugc_hub import netguard
from ugc_hub.models import GalleryCdnPurge
from ugc_hub.models.base import DbSession, utcnow

log = logging.getLogger(__name__)

#: CloudFront accepts up to 3,000 paths in one invalidation; more are sent as a wildcard on their folder.
MAX_PATHS = 3000
MAX_ERROR = 500


class Purger(Protocol):
    def purge(self, urls: list[str]) -> None:
        """Ask the CDN to drop its copies of these URLs; raise when it did not take the request."""

    def describe(self) -> str: ...


@dataclass(frozen=True)
class CloudFrontPurger:
    distribution_id: str
    endpoint_url: str | None = None

    def purge(self, urls: list[str]) -> None:
        import boto3

        paths = sorted({quote(urlsplit(url).path or "/", safe="/*-_.~") for url in urls})
        if len(paths) > MAX_PATHS:
            paths = sorted({path.rsplit("/", 1)[0] + "/*" for path in paths})
        client = boto3.client("cloudfront", endpoint_url=self.endpoint_url)
        client.create_invalidation(
            DistributionId=self.distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": len(paths), "Items": paths},
                "CallerReference": uuid.uuid4().hex,
            },
        )

    def describe(self) -> str:
        return f"CloudFront distribution {self.distribution_id}"


@dataclass(frozen=True)
class HttpPurger:
    """A generic purge endpoint: ``{"urls": [...], "paths": [...]}`` as JSON, any 2xx answer means done."""

    url: str
    method: str = "POST"
    token: str | None = None
    timeout: float = 10.0
    #: ``ALLOW_PRIVATE_ADDRESSES``: tests whose purge endpoint listens on 127.0.0.1.
    allow_private: bool = False

    def purge(self, urls: list[str]) -> None:
        body = json.dumps({"urls": urls, "paths": [urlsplit(u).path for u in urls]}).encode()
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        allow = self.allow_private or netguard.private_addresses_allowed()
        with netguard.guarded_session(allow_private=allow) as session:
            # A redirect is not the CDN taking the request: only a 2xx answer is.
            response = session.request(
                self.method, self.url, data=body, headers=headers, timeout=self.timeout, allow_redirects=False
            )
        if not 200 <= response.status_code < 300:
            raise PurgeRefused(f"{response.status_code} {response.reason} from {self.describe()}")

    def describe(self) -> str:
        return f"purge URL {urlsplit(self.url).netloc}"


class PurgeConfigError(ValueError):
    pass


class PurgeRefused(Exception):
    """The purge endpoint answered, but not with a 2xx."""


def purger_from_config(config: Mapping[str, Any]) -> Purger | None:
    """The CDN purge configured, if any: CloudFront when a distribution id is set, else the purge URL."""
    distribution = (config.get("GALLERY_CDN_DISTRIBUTION_ID") or "").strip()
    if distribution:
        return CloudFrontPurger(distribution, endpoint_url=config.get("CLOUDFRONT_ENDPOINT_URL") or None)
    url = (config.get("GALLERY_PURGE_URL") or "").strip()
    if not url:
        return None
    method = (config.get("GALLERY_PURGE_METHOD") or "POST").upper()
    if urlsplit(url).scheme not in ("http", "https") or method not in ("POST", "PURGE"):
        raise PurgeConfigError("GALLERY_PURGE_URL must be http(s) and GALLERY_PURGE_METHOD POST or PURGE")
    return HttpPurger(
        url,
        method=method,
        token=config.get("GALLERY_PURGE_TOKEN") or None,
        allow_private=bool(config.get("ALLOW_PRIVATE_ADDRESSES", False)),
    )


def check_purge_settings(config: Mapping[str, Any]) -> None:
    """Refuse, when the hub starts, a mistyped purge setting or a purge URL on a private address.

    Only here, not in ``purger_from_config``: that runs at every rebuild, and each connection is
    checked when sending anyway. A name that does not resolve yet passes, as in ``netguard.check_url``.
    """
    purger = purger_from_config(config)
    if not isinstance(purger, HttpPurger):
        return
    try:
        netguard.check_url(purger.url, allow_private=purger.allow_private or netguard.private_addresses_allowed())
    except netguard.AddressRefused as exc:
        raise PurgeConfigError(
            f"GALLERY_PURGE_URL: {exc}; the hub only sends to public addresses (ALLOW_PRIVATE_ADDRESSES is for tests)"
        ) from exc


def _attempt(session: DbSession, purger: Purger, row: GalleryCdnPurge, now: datetime) -> bool:
    try:
        purger.purge(list(row.urls))
    except Exception as exc:  # whatever the CDN or the network raises, the withdrawal stands
        row.attempts += 1
        row.last_error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR]
        row.last_attempt_at = now
        session.commit()
        log.warning(
            "CDN purge %s through %s failed (attempt %s), retried by the beat task: %s",
            row.id,
            purger.describe(),
            row.attempts,
            row.last_error,
        )
        return False
    session.delete(row)
    session.commit()
    return True


def request_purge(
    session: DbSession, purger: Purger | None, urls: Iterable[str], *, now: datetime | None = None
) -> bool:
    """Record and send one purge of these URLs; True when the CDN took it (or there is nothing to do)."""
    wanted = sorted(set(urls))
    if purger is None or not wanted:
        return True
    row = GalleryCdnPurge(urls=wanted, requested_at=now or utcnow(), attempts=0)
    session.add(row)
    session.commit()
    return _attempt(session, purger, row, now or utcnow())


def retry_pending(session: DbSession, purger: Purger | None, *, now: datetime | None = None) -> int:
    """Send again every purge the CDN has not taken yet, oldest first; return how many went through."""
    if purger is None:
        return 0
    rows = session.scalars(select(GalleryCdnPurge).order_by(GalleryCdnPurge.id)).all()
    return sum(_attempt(session, purger, row, now or utcnow()) for row in rows)
