"""The JSON API under /api/v1 (flask-smorest: the OpenAPI description is generated from this code)."""

from __future__ import annotations

from flask import Flask, Response, jsonify
from werkzeug.exceptions import MethodNotAllowed

from ugc_hub.extensions import api


def init_api(app: Flask) -> None:
    from ugc_hub.api import ingest, posts, sources

    api.init_app(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "A token created in Settings → API tokens"}
    )
    api.register_blueprint(posts.blp)
    api.register_blueprint(sources.blp)
    api.register_blueprint(ingest.blp)

    @app.errorhandler(MethodNotAllowed)
    def method_not_allowed(exc: MethodNotAllowed) -> Response:
        """JSON like every API error, with the Allow header RFC 9110 requires."""
        response = jsonify(code=405, status="Method Not Allowed")
        response.status_code = 405
        response.headers["Allow"] = ", ".join(sorted(exc.valid_methods or []))
        return response
