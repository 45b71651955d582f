"""Embeddable galleries: consented, credited customer posts shown on a brand's own site.

``gallery.rules`` is plain Python; ``gallery.service``, ``gallery.selection``, ``gallery.snapshots``,
``gallery.thumbnails``, ``gallery.cdn``, ``gallery.purge`` and ``gallery.analytics`` are services (a session and plain values
in, no Flask); ``gallery.staff`` (with ``gallery.forms``), ``gallery.public``, ``gallery.api`` and
``gallery.tasks`` are the thin entry points. docs/gallery.md describes the whole feature.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Register the staff and public blueprints, the API blueprint and the snapshot subscriber."""
    from gallery import api as gallery_api
    from gallery import public, staff, tasks
    from gallery.purge import check_purge_settings
    from ugc_hub.extensions import api, csrf

    check_purge_settings(app.config)  # a wrong purge setting stops the start, not a withdrawal later

    app.register_blueprint(staff.bp, url_prefix="/staff/galleries")
    app.register_blueprint(public.bp, url_prefix="/g")
    # The beacon is posted by visitors' browsers with navigator.sendBeacon: no session, so no CSRF token.
    csrf.exempt(public.bp)
    api.register_blueprint(gallery_api.blp)
    csrf.exempt(app.blueprints["galleries-api"])
    tasks.subscribe()
