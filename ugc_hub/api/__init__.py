"""The JSON API under /api/v1 (flask-smorest: the OpenAPI description is generated from this code)."""

from __future__ import annotations

from flask import Flask

from ugc_hub.extensions import api


def init_api(app: Flask) -> None:
    from ugc_hub.api import posts, sources

    api.init_app(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "A token created in Settings → API tokens"}
    )
    api.register_blueprint(posts.blp)
    api.register_blueprint(sources.blp)
