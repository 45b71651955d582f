"""Keep snapshots in step with what the public gate allows: the visibility subscriber and Celery tasks.

Takedowns are rebuilt synchronously in the subscriber: ``announce_change`` runs right after the commit
that withdrew a post, in the same process, so the post leaves every snapshot (and the CDN copy) before
the request that withdrew it even returns, with no dependency on a worker being up. Additions are not
urgent and may touch every gallery of the workspace, so they go to a Celery task; the beat task
``gallery.refresh_published`` rebuilds every published gallery each minute, which ends licence windows
on time (no commit announces that) and catches up if a message was lost.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from flask import current_app, has_app_context
from kombu.exceptions import OperationalError

from gallery.purge import retry_pending
from gallery.snapshots import (
    galleries_of_posts,
    galleries_showing,
    galleries_to_refresh,
    rebuild,
    settings_from_config,
)
from ugc_hub.models import db
from ugc_hub.services.publication import visibility_changed

log = logging.getLogger(__name__)


def on_visibility_changed(sender: Any, post_ids: list[int], **_: Any) -> None:
    if not has_app_context():
        log.warning("visibility of posts %s changed outside an app context; the beat task will catch up", post_ids)
        return
    settings = settings_from_config(current_app.config)
    showing = galleries_showing(db.session, post_ids)
    for gallery_id in showing:
        rebuild(db.session, gallery_id, settings)
    others = [g for g in galleries_of_posts(db.session, post_ids) if g not in showing]
    if others:
        try:
            rebuild_galleries.delay(others)
        except OperationalError:
            log.warning("broker unreachable: galleries %s will be refreshed by the beat task", others)


def subscribe() -> None:
    """Connect once per process (blinker ignores a second connection of the same receiver)."""
    visibility_changed.connect(on_visibility_changed, weak=False)


@shared_task(name="gallery.rebuild_galleries", acks_late=True)
def rebuild_galleries(gallery_ids: list[int]) -> int:
    """Rebuild these galleries' snapshots; return how many changed."""
    settings = settings_from_config(current_app.config)
    return sum(rebuild(db.session, gallery_id, settings) for gallery_id in gallery_ids)


@shared_task(name="gallery.refresh_published", acks_late=True)
def refresh_published() -> int:
    """Every minute (beat): rebuild every published gallery (unchanged ones keep their ETag), then send
    again the CDN purges that failed."""
    settings = settings_from_config(current_app.config)
    changed = sum(rebuild(db.session, gallery_id, settings) for gallery_id in galleries_to_refresh(db.session))
    retry_pending(db.session, settings.purger)
    return changed
