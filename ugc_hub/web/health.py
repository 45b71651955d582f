"""GET /healthz: is the database and the broker reachable?"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from werkzeug.wrappers import Response

from ugc_hub.celery_app import broker_probe
from ugc_hub.extensions import csrf, limiter
from ugc_hub.models import db
from ugc_hub.services.health import check_broker, check_database

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@limiter.exempt
@csrf.exempt
def healthz() -> tuple[Response, int]:
    checks = [
        check_database(db.session),
        check_broker(lambda: broker_probe(current_app.extensions["celery"])),
    ]
    ok = all(check.ok for check in checks)
    body = {"status": "ok" if ok else "down", "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks}}
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, 200 if ok else 503
