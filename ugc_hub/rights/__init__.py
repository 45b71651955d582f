"""Rights: ask each author's permission, judge the answers, keep the proof, erase on request.

``ugc_hub.rights.rules`` is plain Python (the consent ledger's hash chain, judging replies);
``ugc_hub.rights.models`` holds the tables; ``ugc_hub.rights.services`` are the services (a session
and plain values in, no Flask); ``views`` (with ``setup``), ``terms``, ``tasks`` and ``cli`` are the thin
entry points. Whether a post may be shown is not decided here but by the one public gate,
``ugc_hub.domain.publication``. docs/rights.md and docs/rights-channels.md describe the whole feature.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Register the staff rights blueprint (with its setup pages), the public terms pages and ``ugc-hub rights``."""
    from ugc_hub.rights import setup, terms, views  # noqa: F401 - importing setup adds its routes to views.bp
    from ugc_hub.rights.cli import rights_group

    app.register_blueprint(views.bp, url_prefix="/rights")
    app.register_blueprint(terms.bp)
    app.cli.add_command(rights_group)
