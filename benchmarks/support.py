"""What the benchmark scripts share: a throwaway PostgreSQL like the tests start."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def on_postgres(base: Path, run: Callable[[Any], None]) -> None:
    """Start PostgreSQL on 127.0.0.1 under ``base``, call ``run(server)``, stop it; say so when unavailable."""
    from tests.support.servers import start_postgres

    try:
        server = start_postgres(base / "pg")
    except BaseException as exc:  # pytest's skip, raised when initdb is missing, is a BaseException
        print(f"postgresql: not measured ({exc})")
        return
    try:
        run(server)
    finally:
        server.stop()


def fresh_app(url: str, instance: Path) -> Any:
    from flask_migrate import upgrade

    from ugc_hub.app import create_app
    from ugc_hub.models import db
    from ugc_hub.services.audit import CLI
    from ugc_hub.services.workspaces import create_workspace

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "STORAGE_URL": str(instance / "storage")})
    with app.app_context():
        upgrade(revision="heads")
        create_workspace(db.session, name="Bench", actor=CLI)
        db.engine.dispose()
    return app
