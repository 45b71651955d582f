"""Copies of published snapshots and their thumbnails in a bucket the brand's CDN serves.

Configured with GALLERY_PUBLISH_URL (``s3://bucket/prefix``, written through boto3) and
GALLERY_CDN_BASE_URL (the public URL of that prefix). Each build writes the media first, then the
snapshot, then deletes what the new snapshot no longer uses: a withdrawn post's files leave the bucket
in the same rebuild that removes it from the snapshot. Every object carries GALLERY_CACHE_CONTROL, which
bounds how long an edge may keep a copy when no purge reaches it (``gallery.purge``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ugc_hub.services.storage import Storage

DEFAULT_CACHE_CONTROL = "max-age=60"


@dataclass(frozen=True)
class CdnTarget:
    storage: Storage
    base_url: str
    cache_control: str = DEFAULT_CACHE_CONTROL

    def media_url(self, key: str) -> str:
        return f"{self.base_url.rstrip('/')}/{key}"


def snapshot_key(slug: str) -> str:
    return f"galleries/{slug}.json"


def media_key(thumbnail_key: str) -> str:
    """Where a thumbnail (``gallery/<post>/<name>`` in our storage) goes in the bucket."""
    return "media/" + thumbnail_key.split("/", 1)[1]


def publish(
    target: CdnTarget,
    *,
    slug: str,
    body: bytes,
    media: Mapping[str, bytes],
    previous_keys: Iterable[str],
) -> list[str]:
    """Write media and snapshot, delete the keys of the previous build that are no longer used."""
    keys = []
    for key, data in media.items():
        if not target.storage.exists(key):
            target.storage.put(key, data, "image/jpeg", cache_control=target.cache_control)
        keys.append(key)
    target.storage.put(snapshot_key(slug), body, "application/json", cache_control=target.cache_control)
    keys.append(snapshot_key(slug))
    withdraw(target, set(previous_keys) - set(keys))
    return sorted(keys)


def withdraw(target: CdnTarget, keys: Iterable[str]) -> None:
    for key in sorted(keys):
        target.storage.delete(key)
